"""
Tuning the features and the network together
============================================

A spoken-digit recogniser is a pipeline: MFCC features computed from the audio files, scaled,
and read by a recurrent network. Every step's parameters are parameters of the pipeline, so
one :class:`~sklearn.model_selection.GridSearchCV` tunes the number of MFCC coefficients (a
featurizer parameter) together with the size of the network, with the features recomputed
inside each cross-validation split from the training files only.

Data: the Free Spoken Digit Dataset (4 speakers, 8 kHz recordings), read by
:func:`sklrnn.datasets.load_fsdd` from the data home (``SKLRNN_DATA_HOME``); half of the
upstream training recordings are used to keep the search short, and the upstream test
recordings (index 0-4) are held out. Runs in about two minutes on a laptop CPU.
"""

# %%
# The pipeline: audio files -> MFCC frames -> scaled -> GRU
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier
from sklrnn.datasets import load_fsdd
from sklrnn.features import MFCC, SequenceScaler

fsdd = load_fsdd()
paths = np.asarray(fsdd.paths)
train = np.flatnonzero(fsdd.train_mask)[::2]  # every other training recording
test = np.flatnonzero(fsdd.test_mask)
X_train, y_train = paths[train].tolist(), fsdd.target[train]
X_test, y_test = paths[test].tolist(), fsdd.target[test]
print(f"{len(X_train)} training and {len(X_test)} test recordings of {fsdd.speakers}")

pipe = make_pipeline(
    MFCC(sr=8000),
    SequenceScaler(),
    RNNClassifier(cell="gru", max_epochs=20, batch_size=32, learning_rate=1e-2, random_state=0),
)

# %%
# One search over a featurizer parameter and a network parameter
param_grid = {
    "mfcc__n_mfcc": [4, 8, 13, 20],
    "rnnclassifier__hidden_size": [8, 32],
}
search = GridSearchCV(pipe, param_grid, cv=StratifiedKFold(2, shuffle=True, random_state=0))
search.fit(X_train, y_train)
print(f"{len(search.cv_results_['params'])} candidates x 2 folds")
print(f"best {search.best_params_}: cross-validated accuracy {search.best_score_:.3f}, "
      f"held-out test accuracy {search.score(X_test, y_test):.3f}")  # fmt: skip

# %%
# The results table
results = pd.DataFrame(search.cv_results_)
columns = {
    "param_mfcc__n_mfcc": "n_mfcc",
    "param_rnnclassifier__hidden_size": "hidden_size",
    "mean_test_score": "accuracy",
    "std_test_score": "std",
    "mean_fit_time": "fit seconds",
    "rank_test_score": "rank",
}
table = results[list(columns)].rename(columns=columns).sort_values("rank")
print(table.to_string(index=False, float_format="{:.3f}".format))

# %%
# Accuracy against the number of coefficients, one line per network size. The best featurizer
# setting can depend on the model, which is why the two are tuned together; differences
# smaller than the folds' spread (the ``std`` column) are noise.
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for hidden_size, rows in table.groupby("hidden_size"):
    rows = rows.sort_values("n_mfcc")
    ax.errorbar(
        rows["n_mfcc"].astype(int),
        rows["accuracy"],
        yerr=rows["std"],
        marker="o",
        capsize=3,
        label=f"hidden_size={hidden_size}",
    )
ax.set_xlabel("MFCC coefficients per frame (mfcc__n_mfcc)")
ax.set_ylabel("cross-validated accuracy")
ax.set_xticks(param_grid["mfcc__n_mfcc"])
ax.set_title("GridSearchCV over features and network")
ax.legend()
fig.tight_layout()
fig.savefig("grid_search_fsdd.png", dpi=100)
print("figure saved to grid_search_fsdd.png")
