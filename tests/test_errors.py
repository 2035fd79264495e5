"""Bad input gets a clear error before any training starts."""

import numpy as np
import pytest
from helpers import SMALL

from sklrnn import RNNClassifier, RNNRegressor

TINY = SMALL | dict(hidden_size=4, max_epochs=1, random_state=0)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return rng.normal(size=(20, 6, 3)).astype(np.float32), np.arange(20) % 2


def _never_trains(monkeypatch):
    """Make any attempt to train fail loudly, to prove errors come first."""
    from sklrnn._engine.net import SequenceNet

    def boom(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(SequenceNet, "fit", boom)


@pytest.mark.parametrize(
    ("bad", "exc", "match"),
    [
        (lambda X: np.where(X > 1.5, np.nan, X), ValueError, "NaN"),
        (lambda X: np.where(X > 1.5, np.inf, X), ValueError, "infinity"),
        (lambda X: X[0, 0], ValueError, "dimension"),
        (lambda X: X[:0], ValueError, "0 sample"),
        (lambda X: X[..., None, None, None], ValueError, "dimension"),
        (lambda X: X.astype(str), TypeError, "strings"),
        (lambda X: [x[: 6 - (i % 2) * 6] for i, x in enumerate(X)], ValueError, "length 0"),
        (lambda X: [x[:, : 1 + i % 2] for i, x in enumerate(X)], ValueError, "numbers of features"),
    ],
    ids=["nan", "inf", "1d", "empty", "6d", "strings", "empty-sequence", "ragged-features"],
)
def test_bad_X(data, monkeypatch, bad, exc, match):
    X, y = data
    _never_trains(monkeypatch)
    with pytest.raises(exc, match=match):
        RNNClassifier(**TINY).fit(bad(X), y)


def test_large_finite_values_whose_sum_overflows_are_accepted():
    from sklrnn._engine.sequences import check_sequences

    # each value is finite, their float32 sum is not
    big = np.finfo(np.float32).max / 2
    X = np.full((4, 3, 2), big, dtype=np.float32)
    assert np.all(check_sequences(X).data == np.float32(big))
    X[2, 1, 0] = np.inf
    with pytest.raises(ValueError, match="infinity .first in sample 2"):
        check_sequences(X)
    X[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN .first in sample 2"):
        check_sequences(X)


def test_X_y_lengths_differ(data, monkeypatch):
    X, y = data
    _never_trains(monkeypatch)
    with pytest.raises(ValueError, match="different numbers of samples: 20 and 19"):
        RNNClassifier(**TINY).fit(X, y[:-1])


def test_single_class(data, monkeypatch):
    X, y = data
    _never_trains(monkeypatch)
    with pytest.raises(ValueError, match="only one class"):
        RNNClassifier(**TINY).fit(X, np.zeros(20))


def test_y_none(data):
    with pytest.raises(ValueError, match="requires y"):
        RNNRegressor(**TINY).fit(data[0], None)


def test_different_features_at_predict(data):
    X, y = data
    clf = RNNClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="2 features per time step.*expecting 3 features"):
        clf.predict(X[:, :, :2])
    with pytest.raises(ValueError, match="expecting 3 features"):
        clf.predict_proba([x[:, :2] for x in X])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (dict(cell="transformer"), "cell must be one of"),
        (dict(pooling="median"), "pooling must be one of"),
        (dict(hidden_size=-4), "hidden_size must be an integer >= 1"),
        (dict(num_layers=0), "num_layers must be an integer >= 1"),
        (dict(batch_size=0), "batch_size"),
        (dict(max_epochs=-1), "max_epochs"),
        (dict(conv_channels=(8, -1)), "conv_channels"),
        (dict(frame_pool_size=0), "frame_pool_size must be an integer >= 1; got 0"),
        (dict(frame_pool_size=2.0), "frame_pool_size must be an integer >= 1; got 2.0"),
        (dict(embedding_dim=0), "embedding_dim"),
        (dict(dropout=1.5), r"dropout must be a finite number in \[0, 1\)"),
        (dict(learning_rate=0), "learning_rate must be a finite positive"),
        (dict(validation_fraction=1.0), "validation_fraction"),
        (dict(optimizer="lbfgs"), "optimizer must be one of"),
        (dict(gradient_clip=-1.0), "gradient_clip"),
    ],
)
def test_bad_parameters(data, monkeypatch, params, match):
    X, y = data
    _never_trains(monkeypatch)
    with pytest.raises(ValueError, match=match):
        RNNClassifier(**TINY | params).fit(X, y)


def test_bad_sample_weight(data, monkeypatch):
    X, y = data
    _never_trains(monkeypatch)
    with pytest.raises(ValueError, match="sample_weight.shape"):
        RNNClassifier(**TINY).fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        RNNClassifier(**TINY).fit(X, y, sample_weight=-np.ones(20))


def test_early_stopping_needs_data_for_both_parts(data):
    X, y = data
    with pytest.raises(ValueError, match="validation_fraction"):
        RNNRegressor(**TINY, early_stopping=True, validation_fraction=0.01).fit(X[:1], y[:1])


def test_predict_before_fit(data):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RNNRegressor(**TINY).predict(data[0])


def test_input_is_never_written_to(data):
    X, y = data
    X.setflags(write=False)
    ragged = [x[: 2 + i % 4] for i, x in enumerate(X)]
    before = [r.copy() for r in ragged]
    clf = RNNClassifier(**TINY).fit(ragged, y)
    clf.predict(X)
    for a, b in zip(ragged, before):
        np.testing.assert_array_equal(a, b)
