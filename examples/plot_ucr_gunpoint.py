"""
Time-series classification on the UCR archive: GunPoint
=======================================================

GunPoint is a data set of the UCR/UEA time-series classification archive: the x-coordinate of
an actor's hand over 150 frames, while drawing a gun from a holster or only pointing a finger.
It has 50 training and 150 test series. aeon ships it and hands it out channels first,
``(n_cases, n_channels, n_timepoints)``; sklrnn reads sequences time first, so a
:class:`~sklrnn.features.ChannelsFirstConverter` goes first in the pipeline.

Every parameter of :class:`sklrnn.RNNClassifier` stays at its default: input scaled inside the
network (``standardize``), a fully convolutional branch (three Conv1d layers with batch norm) in
parallel with an LSTM, and a training budget that adapts to the 50 series (batch size, epochs,
a cosine learning-rate schedule). The
example needs aeon (the ``bench`` extra: ``python -m pip install -e ".[bench]"`` in a clone).
"""

# %%
# The published train/test split, as aeon ships it
import matplotlib.pyplot as plt
import numpy as np
from aeon.datasets import load_classification
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier
from sklrnn.features import ChannelsFirstConverter
from sklrnn.inspection import plot_training_history

X_train, y_train = load_classification("GunPoint", split="train")
X_test, y_test = load_classification("GunPoint", split="test")
print(f"train {X_train.shape}, test {X_test.shape}, classes {np.unique(y_train)}")

# %%
# Default classifier behind the layout converter
model = make_pipeline(ChannelsFirstConverter(), RNNClassifier(random_state=0))
model.fit(X_train, y_train)
clf = model[-1]
print(f"budget used: {clf.budget_}")
print(f"test accuracy {model.score(X_test, y_test):.3f} after {clf.n_iter_} epochs")

# %%
# Training history, a few test series by predicted class, and the confusion matrix
fig, (ax_curve, ax_series, ax_cm) = plt.subplots(1, 3, figsize=(15, 4.2))
plot_training_history(clf, ax=ax_curve)
predicted = model.predict(X_test)
colours = dict(zip(np.unique(y_train), ["tab:blue", "tab:orange"]))
for series, label in zip(X_test[:12, 0], predicted[:12]):
    ax_series.plot(series, color=colours[label], alpha=0.7)
ax_series.set(title="Test series, coloured by predicted class", xlabel="frame")
ConfusionMatrixDisplay.from_predictions(y_test, predicted, ax=ax_cm, colorbar=False)
fig.tight_layout()
plt.show()
