"""
Moving digits: CNN features and an RNN, or a CNN-RNN trained end to end
========================================================================

Each sample is a short video: a handwritten digit (scikit-learn's 8x8 digits) glides left or
right across a 24x24 canvas. The class is ``2 * digit + direction``, 20 classes. A right-to-left
video is a left-to-right one played backwards, so the frames alone tell the digit but not the
direction: that needs their order, and where the digit is in each frame.

Two routes to a video classifier, compared in one table:

(a) :class:`sklrnn.features.ImageSequenceCNN` learns per-frame features (a small CNN trained
    to recognise the video's class from single frames), then
    :class:`sklrnn.RNNClassifier` (a GRU) reads the feature sequences, all in one Pipeline;
(b) :class:`sklrnn.RNNClassifier` takes the videos directly and trains its per-frame CNN and
    the GRU together, end to end.

Two controls show that the order matters: a logistic regression on the frame features
averaged over time (a bag of frames), and the same GRU trained on videos whose frames were
shuffled. Both can tell the digit but not the direction, so they stay near half the digit
accuracy.
"""

# %%
# Data: 1,500 videos of 10 frames, 24x24 pixels
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklrnn import RNNClassifier
from sklrnn.datasets import make_moving_digits
from sklrnn.features import ImageSequenceCNN, SequenceScaler

videos = make_moving_digits(n_samples=1500, n_frames=10, canvas_size=24, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    videos.data, videos.target, test_size=0.25, stratify=videos.target, random_state=0
)
print(f"train {X_train.shape}, test {X_test.shape}, {len(videos.target_names)} classes")

results = {}  # route -> (accuracy, digit accuracy, direction accuracy)


def record(route, y_pred):
    """Accuracy on the 20 classes, on the digit alone and on the direction alone."""
    scores = (
        np.mean(y_pred == y_test),
        np.mean(y_pred // 2 == y_test // 2),
        np.mean(y_pred % 2 == y_test % 2),
    )
    results[route] = scores
    print(f"{route}: accuracy {scores[0]:.3f} (digit {scores[1]:.3f}, direction {scores[2]:.3f})")


def gru(**params):
    return RNNClassifier(
        cell="gru", hidden_size=64, max_epochs=30, learning_rate=3e-3, random_state=0, **params
    )


# %%
# Route (a): CNN features, then a GRU
# -----------------------------------
# ``ImageSequenceCNN`` is trained in ``fit`` as a per-frame classifier of the video's class (a
# single frame can only tell the digit), then gives 64 features per frame. Its last feature map
# is averaged over a 3x3 grid (``pool_size=3``) rather than over the whole frame, so the
# features keep the layout of the strokes and say *where* the digit is, which global average
# pooling (``pool_size=1``) mostly averages away.
route_a = make_pipeline(
    ImageSequenceCNN(
        channels=(16, 32), n_features=64, max_epochs=10, learning_rate=3e-3, random_state=0
    ),
    SequenceScaler(),
    gru(),
)
route_a.fit(X_train, y_train)
record("(a) CNN features + GRU", route_a.predict(X_test))

# %%
# Controls: the same frame features without their order
# -----------------------------------------------------
# A bag of frames averages the features over time; the GRU on shuffled frames sees every frame
# of a video, in a random order.
cnn, scaler = route_a[0], route_a[1]
features_train = scaler.transform(cnn.transform(X_train))
features_test = scaler.transform(cnn.transform(X_test))

bag = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
bag.fit(features_train.mean(axis=1), y_train)
record("control: bag of frames", bag.predict(features_test.mean(axis=1)))

rng = np.random.default_rng(0)


def shuffle_frames(features):
    order = rng.permuted(np.tile(np.arange(features.shape[1]), (len(features), 1)), axis=1)
    return np.take_along_axis(features, order[:, :, None], axis=1)  # [n, T, F], frames permuted


shuffled = gru().fit(shuffle_frames(features_train), y_train)
record("control: GRU on shuffled frames", shuffled.predict(shuffle_frames(features_test)))

# %%
# Route (b): one CNN-RNN trained end to end
# -----------------------------------------
# ``RNNClassifier`` encodes every frame with its own small CNN (``frame_channels``,
# ``frame_features``) and trains it together with the GRU on the video's class. Like route (a),
# its frame encoder averages the last feature map over a 3x3 grid (``frame_pool_size=3``, the
# default), so the features keep the layout of the digit and where it is. Everything is learned
# through the GRU's gradient, which takes more epochs than route (a). With global average
# pooling (``frame_pool_size=1``) it reached 0.61-0.78 over three seeds instead of 0.84-0.91:
# the direction was still read (0.95-0.98), the digit far less well (0.65-0.80).
route_b = gru(frame_channels=(16, 32), frame_features=64, frame_pool_size=3, batch_size=32)
route_b.set_params(max_epochs=40)
route_b.fit(X_train, y_train)
record("(b) end-to-end CNN-GRU", route_b.predict(X_test))

# %%
# One table
print(f"\n{'route':<34} {'accuracy':>8} {'digit':>6} {'direction':>9}")
for route, (accuracy, digit, direction) in results.items():
    print(f"{route:<34} {accuracy:>8.3f} {digit:>6.3f} {direction:>9.3f}")

# %%
# A video, and the accuracy of each route
fig = plt.figure(figsize=(11, 6.5))
grid = fig.add_gridspec(2, 10, height_ratios=[1, 2.4])
example = int(np.flatnonzero(y_test % 2 == 1)[0])  # a right-to-left video
for t in range(10):
    ax = fig.add_subplot(grid[0, t])
    ax.imshow(X_test[example, t], cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"t={t}", fontsize=9)
fig.text(0.5, 0.96, f"test video: {videos.target_names[y_test[example]]}", ha="center")
ax = fig.add_subplot(grid[1, :])
names = list(results)
width = 0.27
for k, (label, color) in enumerate(
    [("20 classes", "tab:blue"), ("digit", "tab:green"), ("direction", "tab:orange")]
):
    values = [results[name][k] for name in names]
    ax.bar(np.arange(len(names)) + (k - 1) * width, values, width, label=label, color=color)
ax.axhline(0.5, color="gray", linestyle=":", linewidth=1)
ax.set_xticks(np.arange(len(names)), names, fontsize=9)
ax.set_ylabel("test accuracy")
ax.set_ylim(0, 1.15)
ax.legend(loc="upper center", ncols=3)
fig.tight_layout(rect=(0, 0, 1, 0.95))
fig.savefig("moving_digits.png", dpi=100)
print("figure saved to moving_digits.png")
