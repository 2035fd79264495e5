"""
Which channels and which hours does a forecaster use?
=====================================================

A recurrent network forecasts the oil temperature (OT) of an electricity transformer for the
next 24 hours from 4 days of hourly history of 7 channels: OT itself and six power loads.
Which channels does it use, and how far back does it look?
:func:`sklrnn.inspection.permutation_importance` answers both on held-out data, without
retraining:

- ``axis="features"`` shuffles one channel (its whole 96-hour course) across the windows and
  measures how much the score drops;
- ``axis="time"`` shuffles one block of hours (all channels of those hours) at a time.

Computed on the training windows and on the test months, the importances also help to
diagnose a model: the network fitted on all 7 channels leans on two power loads (HUFL, MUFL)
as much as on OT itself, and on the test months, where it forecasts worse than persistence,
far more than on OT. A network that reads OT alone beats persistence there.

Data: ETTh1 (Zhou et al., 2021), read by :func:`sklrnn.datasets.load_ett` from the data home
(``SKLRNN_DATA_HOME``), split in time into 12 months of training and 4 of test, scaled on the
training months. Runs in about two minutes on a laptop CPU.
"""

# %%
# Windows of 96 hours; the target is the change of OT over the next 24 hours
# ---------------------------------------------------------------------------
# As in SegRNN, each window is taken relative to its last value, and the target is the
# change from the last observed OT. A score (R²) of 0 is then the score of "the temperature
# stays where it is", and a positive score beats that persistence forecast.
import matplotlib.pyplot as plt

from sklrnn import RNNRegressor
from sklrnn.datasets import load_ett
from sklrnn.features import make_windows
from sklrnn.inspection import permutation_importance, plot_permutation_importance

LOOKBACK, HORIZON = 96, 24
ett = load_ett("ETTh1", lookback=LOOKBACK)
names = ett.feature_names
OT = names.index("OT")


def windows(segment, stride):
    """Windows minus their last row, and the change of OT over the next HORIZON hours."""
    X, Y = make_windows(segment, LOOKBACK, HORIZON, stride=stride)
    last = X[:, -1:, :]
    return X - last, Y[:, :, OT] - last[:, :, OT]


X_train, y_train = windows(ett.train, stride=4)  # every 4th window: neighbours overlap anyway
X_test, y_test = windows(ett.test, stride=4)
print(f"train {X_train.shape} -> {y_train.shape}, test {X_test.shape} -> {y_test.shape}")


def gru():
    return RNNRegressor(
        cell="gru", hidden_size=32, max_epochs=10, batch_size=32, learning_rate=3e-3,
        random_state=0,
    )  # fmt: skip


# %%
# A GRU on all 7 channels
all_channels = gru().fit(X_train, y_train)
print(f"all channels: R² of the change: "
      f"train {all_channels.score(X_train, y_train):.3f}, "
      f"test {all_channels.score(X_test, y_test):.3f}")  # fmt: skip

# %%
# Which channels does it use? On the training windows, and on the test months
importance = {
    part: permutation_importance(all_channels, X, y, axis="features", n_repeats=5, random_state=0)
    for part, (X, y) in {"train": (X_train, y_train), "test": (X_test, y_test)}.items()
}
print("channel   drop of R² on train   on test")
for j, name in enumerate(names):
    train, test = (importance[part].importances_mean[j] for part in ("train", "test"))
    print(f"{name:>7}   {train:>19.3f}   {test:>7.3f}")

# %%
# It leans on HUFL and MUFL and loses to persistence on the test months: try OT alone
ot_only = gru().fit(X_train[:, :, [OT]], y_train)
print(f"OT alone: R² of the change: "
      f"train {ot_only.score(X_train[:, :, [OT]], y_train):.3f}, "
      f"test {ot_only.score(X_test[:, :, [OT]], y_test):.3f}")  # fmt: skip

# %%
# How far back does the OT-only network look? 12-hour blocks of the look-back
# (relative to the last value, the latest hours are close to 0 and carry little)
by_time = permutation_importance(
    ot_only, X_test[:, :, [OT]], y_test, axis="time", n_segments=8, n_repeats=5, random_state=0
)
hours_before = LOOKBACK - by_time.segments  # steps [first, end) -> hours before the forecast
for (first, end), mean in zip(hours_before, by_time.importances_mean):
    print(f"hours -{first:>2} to -{end + 1:>2}: R² drops by {mean:.3f}")

# %%
# Channels on train and test, time blocks in time order
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
for ax, part in zip(axes, ("train", "test")):
    plot_permutation_importance(importance[part], names, ax=ax)
    ax.set_title(f"All 7 channels: importance on the {part} windows")
ax_time = axes[2]
ax_time.bar(
    hours_before.mean(axis=1),
    by_time.importances_mean,
    width=0.9 * LOOKBACK / len(hours_before),
    yerr=by_time.importances_std,
)
ax_time.set_xlim(LOOKBACK, 0)  # the past on the left, the forecast on the right
ax_time.set_xlabel("hours before the forecast")
ax_time.set_ylabel("Decrease in R²")
ax_time.set_title("OT alone: importance of 12-hour blocks (test)")
fig.tight_layout()
fig.savefig("permutation_importance_ett.png", dpi=100)
print("figure saved to permutation_importance_ett.png")
