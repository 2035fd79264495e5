"""
Forecasts with 80 % and 95 % intervals from a time-indexed DataFrame
====================================================================

A forecasting user holds a series, not windows. :class:`sklrnn.forecasting.SeriesForecaster` takes
a DataFrame with a DatetimeIndex, makes the look-back windows, the time-ordered validation
split and the scaling inside, and returns the next hours with their time stamps, as a median
forecast and as quantiles and intervals. Here: the oil temperature (OT) of the ETTh1
transformer, hourly, with hour of day and day of week as known-future (calendar) covariates;
a look-back of one week and a horizon of one day.

The median is the network's point forecast and the quantiles add to it the errors it made on
the validation days (split-conformal prediction); a backtest over the following weeks measures
their coverage. A last section trains one global model on several series of different lengths.
"""

# %%
# The data: a DataFrame indexed by time
import time

import matplotlib.pyplot as plt
import numpy as np

from sklrnn import SegRNNForecaster
from sklrnn.datasets import load_ett
from sklrnn.forecasting import SeriesForecaster, backtest, plot_backtest

frame = load_ett("ETTh1", lookback=0, scale=False, as_frame=True).frame
ot = frame[["OT"]].iloc[: 10 * 30 * 24]  # ten months of hourly oil temperature (deg C)
history, future = ot.iloc[: -6 * 7 * 24], ot.iloc[-6 * 7 * 24 :]  # keep six weeks aside
print(history.tail(3))

# %%
# Fit: one call on the DataFrame. The last 20 % of the rows are the validation block (early
# stopping and calibration); the network is a small SegRNN.
net = SegRNNForecaster(
    seg_len=24,
    hidden_size=32,
    learning_rate=3e-3,
    batch_size=128,
    max_epochs=8,
    early_stopping=True,
    n_iter_no_change=3,
    random_state=0,
)
model = SeriesForecaster(net, lookback=7 * 24, horizon=24, calendar=["hour", "dayofweek"])
start = time.perf_counter()
model.fit(history)
print(f"fitted in {time.perf_counter() - start:.0f} s, {model.estimator_.n_iter_} epochs")

# %%
# The next 24 hours: a median forecast indexed by the next time stamps, and 80 % / 95 %
# intervals (columns ``(variable, coverage, lower/upper)``, as in sktime).
median = model.predict()
intervals = model.predict_interval(coverage=[0.8, 0.95])
print(median.head(3))
print(intervals.head(3))

fig, ax = plt.subplots(figsize=(9, 3.5))
recent = history.iloc[-3 * 24 :]
ax.plot(recent.index, recent["OT"], color="0.3", label="history")
ax.plot(future.index[:24], future["OT"].iloc[:24], color="0.3", ls=":", label="truth")
for coverage, alpha in [(0.95, 0.15), (0.8, 0.3)]:
    band = intervals["OT"][coverage]
    ax.fill_between(
        band.index,
        band["lower"],
        band["upper"],
        color="C0",
        alpha=alpha,
        lw=0,
        label=f"{coverage:.0%} interval",
    )
ax.plot(median.index, median["OT"], color="C0", label="median forecast")
ax.set_ylabel("oil temperature (°C)")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()

# %%
# Backtest: the fitted model forecasts the next day from every midnight of the six weeks
# it has not seen (rolling origin, one day apart) and we count how often the truth falls
# inside each interval. ``recalibrate=24 * 28`` measures the interval corrections again before
# each origin on the last four weeks of forecasts whose truth is known by then.
result = backtest(model, ot, start=len(history), step=24)
rolling = backtest(model, ot, start=len(history), step=24, recalibrate=24 * 28)
for label, res in [("validation-calibrated", result), ("recalibrated", rolling)]:
    y, q = res.y_true, res.quantiles  # quantile levels 0.025, 0.1, 0.5, 0.9, 0.975
    for name, (lo, hi) in {"80 %": (1, 3), "95 %": (0, 4)}.items():
        inside = np.mean((y >= q[..., lo]) & (y <= q[..., hi]))
        width = np.mean(q[..., hi] - q[..., lo])
        print(f"{label}, {name} interval: coverage {inside:.1%}, mean width {width:.2f}")
print(f"median forecast MAE {result.mae:.2f} °C over {len(result.origins)} days")
ax = plot_backtest(rolling)
ax.set_ylabel("oil temperature (°C)")
ax.figure.tight_layout()

# %%
# One global model on several series of different lengths
# -------------------------------------------------------
# A list of series trains one network on the windows of all of them (each scaled by its own
# training rows). Here the six load channels of the transformer, each starting at a different
# month: six real series of 5 to 10 months.
loads = [frame[[name]].iloc[k * 30 * 24 : 10 * 30 * 24] for k, name in enumerate(frame.columns[:6])]
print([len(s) for s in loads])
global_model = SeriesForecaster(net, lookback=7 * 24, horizon=24)
global_model.fit(loads)
forecasts = global_model.predict()
print([f.index[0] for f in forecasts][:2], forecasts[0].shape)

plt.show()
