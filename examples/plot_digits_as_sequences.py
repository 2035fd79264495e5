"""
Handwritten digits read as sequences
====================================

scikit-learn's bundled digits are 8x8 images. Read row by row, each image is a sequence of 8
steps with 8 values each, which an LSTM classifies like any other sequence. This example trains
:class:`sklrnn.RNNClassifier` in a scikit-learn Pipeline, prints its test accuracy and saves the
learning curve and the confusion matrix.
"""

# %%
# Data: 1,797 images, as (n_samples, 8 rows, 8 columns)
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sklearn.model_selection import train_test_split

from sklrnn import RNNClassifier
from sklrnn.inspection import plot_training_history

digits = load_digits()
X = (digits.images / 16.0).astype(np.float32)  # pixel values 0..16 -> 0..1
y = digits.target
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(f"train {X_train.shape}, test {X_test.shape}")

# %%
# A bidirectional LSTM over the rows, with early stopping on a held-out 10 %
clf = RNNClassifier(
    cell="lstm",
    hidden_size=64,
    bidirectional=True,
    max_epochs=40,
    batch_size=32,
    learning_rate=3e-3,
    early_stopping=True,
    n_iter_no_change=6,
    random_state=0,
)
clf.fit(X_train, y_train)
accuracy = accuracy_score(y_test, clf.predict(X_test))
print(f"test accuracy {accuracy:.4f} after {clf.n_iter_} epochs")

# %%
# Learning curve and confusion matrix
fig, (ax_curve, ax_cm) = plt.subplots(1, 2, figsize=(11, 4.5))
plot_training_history(clf, ax=ax_curve)
ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, ax=ax_cm, colorbar=False)
ax_cm.set_title(f"Test accuracy {accuracy:.3f}")
fig.tight_layout()
fig.savefig("digits_as_sequences.png", dpi=100)
print("figure saved to digits_as_sequences.png")
