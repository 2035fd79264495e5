"""The speech and DNA pipelines of the examples, on small slices of the real data."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklrnn import RNNClassifier
from sklrnn.datasets import load_fsdd, load_splice
from sklrnn.features import MFCC, KmerEncoder, SequenceScaler


@pytest.fixture(scope="module")
def fsdd(require_data):
    return load_fsdd(speakers=["jackson", "nicolas"], data_home=require_data("fsdd/recordings"))


@pytest.fixture(scope="module")
def splice(require_data):
    return load_splice(data_home=require_data("dna/splice_statlog.tsv"))


def add_positions(onehot):
    """Append a one-hot of the position to every step: [N, T, 4] -> [N, T, 4 + T]."""
    n, t, _ = onehot.shape
    return np.concatenate([onehot, np.broadcast_to(np.eye(t, dtype=np.float32), (n, t, t))], 2)


def test_spoken_digit_pipeline(fsdd):
    """200 clips of two speakers: wav files in, digits out, far above chance (0.1)."""
    pytest.importorskip("librosa")
    keep = fsdd.index < 10
    paths = np.asarray(fsdd.paths)[keep]
    y = fsdd.target[keep]
    train, test = fsdd.index[keep] >= 3, fsdd.index[keep] < 3
    model = make_pipeline(
        MFCC(sr=8000, n_mfcc=13, hop_length=256, deltas=True),
        SequenceScaler(),
        RNNClassifier(
            cell="gru",
            hidden_size=16,
            pooling="mean",
            learning_rate=1e-2,
            batch_size=16,
            max_epochs=25,
            random_state=0,
        ),
    )
    model.fit(list(paths[train]), y[train])
    pred = model.predict(paths[test])  # a 1-D array of paths is a list of clips
    assert pred.shape == (test.sum(),)
    assert set(pred) <= set(range(10))
    assert accuracy_score(y[test], pred) > 0.6
    proba = model.predict_proba(list(paths[test][:4]))
    assert proba.shape == (4, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(TypeError, match="Wrap a single clip in a list"):
        model.predict(paths[0])


def test_splice_pipeline(splice):
    """300 training rows: one-hot bases plus positions, BiLSTM, above the majority (0.52)."""
    model = make_pipeline(
        KmerEncoder(k=1, output="onehot"),
        FunctionTransformer(add_positions),
        RNNClassifier(
            cell="lstm",
            bidirectional=True,
            hidden_size=8,
            pooling="max",
            learning_rate=1e-2,
            batch_size=32,
            max_epochs=20,
            random_state=0,
        ),
    )
    model.fit(splice.X_train[:300], splice.y_train[:300])
    pred = model.predict(splice.X_test[:300])
    assert pred.shape == (300,)
    assert set(pred) <= {"ei", "ie", "n"}
    assert accuracy_score(splice.y_test[:300], pred) > 0.8


def test_splice_tokens_and_search(splice):
    """k-mer tokens into an embedding; GridSearchCV tunes k and the hidden size together."""
    X, y = splice.X_train[:150], splice.y_train[:150]
    model = make_pipeline(
        KmerEncoder(),
        RNNClassifier(cell="gru", embedding_dim=4, hidden_size=4, max_epochs=2, random_state=0),
    )
    grid = {"kmerencoder__k": [1, 2], "rnnclassifier__hidden_size": [4, 6]}
    search = GridSearchCV(model, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    k = search.best_params_["kmerencoder__k"]
    assert (
        best[0].k == k and best[-1].hidden_size == search.best_params_["rnnclassifier__hidden_size"]
    )
    assert best[-1].vocabulary_size_ <= 4**k + 1  # ids 1..4**k plus the padding id 0
    assert set(best.predict(splice.X_test[:20])) <= {"ei", "ie", "n"}
