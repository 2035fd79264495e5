"""Permutation importance over channels and time segments, on data where the truth is known."""

import sys

import numpy as np
import pytest
from sklearn.inspection import permutation_importance as sklearn_permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklrnn.inspection import (
    permutation_importance,
    plot_permutation_importance,
    plot_training_history,
)
from sklrnn.inspection._permutation import _permute, _resample_index

T = 30  # steps 10-19 of channel 0 decide the label


def flatten(X):
    """(n, T, F) -> (n, T * F)."""
    return np.asarray(X).reshape(len(X), -1)


def resample_flatten(X):
    """Sequences of any length -> 30 steps by relative position -> flat."""
    return np.stack([x[_resample_index(T, len(x))] for x in X]).reshape(len(X), -1)


def make_data(n, seed, lengths=None):
    """Channel 0 decides (sign of its mean over the middle third), 1 is noise, 2 is weak."""
    rng = np.random.RandomState(seed)
    lengths = np.full(n, T) if lengths is None else lengths
    X = [rng.normal(size=(length, 3)) for length in lengths]
    y = np.array([(x[len(x) // 3 : 2 * len(x) // 3, 0].mean() > 0) for x in X], dtype=int)
    for x, label in zip(X, y):
        x[:, 2] += 0.08 * (2 * label - 1)
    return (np.stack(X) if len(set(lengths)) == 1 else X), y


def make_model(transform=flatten):
    return make_pipeline(FunctionTransformer(transform), LogisticRegression(C=0.03))


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot

    yield matplotlib.pyplot
    matplotlib.pyplot.close("all")


@pytest.fixture(scope="module")
def fitted():
    X, y = make_data(400, seed=0)
    X_test, y_test = make_data(300, seed=1)
    return make_model().fit(X, y), X_test, y_test


def test_features_rank_by_truth(fitted):
    model, X, y = fitted
    result = permutation_importance(model, X, y, n_repeats=5, random_state=0)
    assert result.importances.shape == (3, 5)
    assert result.importances_mean.shape == result.importances_std.shape == (3,)
    np.testing.assert_allclose(result.importances_mean, result.importances.mean(axis=1))
    assert list(np.argsort(-result.importances_mean)) == [0, 2, 1]
    assert result.importances_mean[0] > 0.15
    assert abs(result.importances_mean[1]) < 0.02  # noise
    assert result.axis == "features"
    assert [g.tolist() for g in result.groups] == [[0], [1], [2]]


def test_time_segment_with_signal_ranks_first(fitted):
    model, X, y = fitted
    result = permutation_importance(model, X, y, axis="time", n_segments=3, random_state=0)
    assert result.importances.shape == (3, 5)
    assert int(np.argmax(result.importances_mean)) == 1
    assert result.importances_mean[1] > 3 * result.importances_mean[[0, 2]].max()
    assert result.segments.tolist() == [[0, 10], [10, 20], [20, 30]]
    assert result.n_timesteps == T


def test_permute_moves_only_the_chosen_column():
    X = np.arange(4 * 6 * 3, dtype=float).reshape(4, 6, 3)
    perm = np.array([2, 0, 3, 1])
    lengths = np.full(4, 6)
    out = _permute(X, lengths, np.array([0, 2]), "features", 1, perm)
    np.testing.assert_array_equal(out[:, :, [0, 2]], X[perm][:, :, [0, 2]])
    np.testing.assert_array_equal(out[:, :, 1], X[:, :, 1])
    out = _permute(X, lengths, 1, "time", 3, perm)  # segment 1: steps 2-3
    np.testing.assert_array_equal(out[:, 2:4], X[perm, 2:4])
    np.testing.assert_array_equal(np.delete(out, [2, 3], axis=1), np.delete(X, [2, 3], axis=1))
    assert X[0, 0, 0] == 0  # the input is not written to


def test_permute_ragged_resamples_by_relative_position():
    assert _resample_index(2, 4).tolist() == [1, 3]
    assert _resample_index(8, 4).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    short = np.column_stack([np.arange(4.0), -np.ones(4)])
    long = np.column_stack([10 + np.arange(8.0), -2 * np.ones(8)])
    lengths = np.array([4, 8])
    out = _permute([short, long], lengths, np.array([0]), "features", 1, np.array([1, 0]))
    assert out[0][:, 0].tolist() == [11, 13, 15, 17]  # steps 1, 3, 5, 7 of the long one
    assert out[1][:, 0].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    np.testing.assert_array_equal(out[0][:, 1], short[:, 1])
    # time segment 1 of 2: steps 2-3 of the short one, 4-7 of the long one
    out = _permute([short, long], lengths, 1, "time", 2, np.array([1, 0]))
    np.testing.assert_array_equal(out[0][2:], long[[5, 7]])
    np.testing.assert_array_equal(out[1][4:], short[[2, 2, 3, 3]])
    np.testing.assert_array_equal(out[0][:2], short[:2])
    assert [len(x) for x in out] == [4, 8]


def test_ragged_input():
    rng = np.random.RandomState(2)
    X, y = make_data(400, seed=2, lengths=rng.randint(20, 41, size=400))
    X_test, y_test = make_data(300, seed=3, lengths=rng.randint(20, 41, size=300))
    model = make_model(resample_flatten).fit(X, y)
    result = permutation_importance(model, X_test, y_test, n_repeats=3, random_state=0)
    assert int(np.argmax(result.importances_mean)) == 0
    assert abs(result.importances_mean[1]) < 0.03
    result = permutation_importance(
        model, X_test, y_test, axis="time", n_segments=3, n_repeats=3, random_state=0
    )
    assert int(np.argmax(result.importances_mean)) == 1
    assert result.segments is None
    assert result.n_timesteps is None


def test_univariate_2d_input():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 20))
    y = (X[:, 15:].mean(axis=1) > 0).astype(int)
    model = make_model().fit(X, y)
    result = permutation_importance(model, X, y, axis="time", n_segments=4, random_state=0)
    assert int(np.argmax(result.importances_mean)) == 3
    assert result.segments[3].tolist() == [15, 20]
    result = permutation_importance(model, X, y, n_repeats=2, random_state=0)
    assert result.importances.shape == (1, 2)  # one feature: the whole sequence
    assert result.importances_mean[0] > 0.2


def test_image_sequences_along_time():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 8, 2, 2))  # (n, T, H, W)
    y = (X[:, :4, 0, 0].mean(axis=1) > 0).astype(int)
    model = make_model().fit(X, y)
    result = permutation_importance(model, X, y, axis="time", n_segments=2, random_state=0)
    assert int(np.argmax(result.importances_mean)) == 0
    assert abs(result.importances_mean[1]) < 0.05
    with pytest.raises(ValueError, match="got an array with 4 dimension"):
        permutation_importance(model, X, y)


def test_groups(fitted):
    model, X, y = fitted
    result = permutation_importance(model, X, y, groups=[[1, 2], [0]], random_state=0)
    assert result.importances.shape == (2, 5)
    assert [g.tolist() for g in result.groups] == [[1, 2], [0]]
    assert result.importances_mean[1] > result.importances_mean[0] > 0


def test_multimetric_scoring(fitted):
    model, X, y = fitted
    result = permutation_importance(
        model, X, y, scoring=["accuracy", "neg_log_loss"], n_repeats=2, random_state=0
    )
    assert set(result) == {"accuracy", "neg_log_loss"}
    single = permutation_importance(model, X, y, scoring="accuracy", n_repeats=2, random_state=0)
    np.testing.assert_allclose(result["accuracy"].importances, single.importances)
    assert result["neg_log_loss"].importances.shape == (3, 2)
    assert int(np.argmax(result["neg_log_loss"].importances_mean)) == 0
    result = permutation_importance(model, X, y, scoring={"acc": "accuracy"}, n_repeats=2)
    assert list(result) == ["acc"]


def test_reproducible_and_same_with_n_jobs(fitted):
    model, X, y = fitted
    kwargs = {"n_repeats": 3, "random_state": 7, "max_samples": 0.5}
    first = permutation_importance(model, X, y, **kwargs)
    np.testing.assert_array_equal(
        first.importances, permutation_importance(model, X, y, **kwargs).importances
    )
    parallel = permutation_importance(model, X, y, n_jobs=2, **kwargs)
    np.testing.assert_array_equal(first.importances, parallel.importances)
    other = permutation_importance(model, X, y, **{**kwargs, "random_state": 8})
    assert not np.array_equal(first.importances, other.importances)


def test_max_samples_and_sample_weight(fitted):
    model, X, y = fitted
    seen = []

    def scorer(estimator, X_scored, y_scored, sample_weight=None):
        seen.append((len(X_scored), None if sample_weight is None else len(sample_weight)))
        return estimator.score(X_scored, y_scored, sample_weight=sample_weight)

    w = np.ones(len(y))
    result = permutation_importance(
        model, X, y, scoring=scorer, n_repeats=2, max_samples=50, sample_weight=w, random_state=0
    )
    assert result.importances.shape == (3, 2)
    assert set(seen) == {(50, 50)}
    assert len(seen) == 2 + 3 * 2  # one baseline per repeat, then each column and repeat


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"axis": "steps"}, "axis must be 'features' or 'time'"),
        ({"axis": "time", "n_segments": 0}, "n_segments must be an integer >= 1"),
        ({"axis": "time", "n_segments": 31}, "n_segments=31 is larger than the shortest"),
        ({"groups": [[0], [3]]}, r"groups\[1\] holds feature index 3, out of range"),
        ({"groups": [[0], []]}, r"groups\[1\] must be a non-empty list"),
        ({"axis": "time", "groups": [[0]]}, "groups applies to axis='features' only"),
        ({"max_samples": 1000}, "max_samples must be between 1 and n_samples=300"),
        ({"n_repeats": 0}, "n_repeats must be an integer >= 1"),
        ({"sample_weight": np.ones(3)}, r"sample_weight has shape \(3,\); expected \(300,\)"),
    ],
)
def test_errors(fitted, kwargs, match):
    model, X, y = fitted
    with pytest.raises(ValueError, match=match):
        permutation_importance(model, X, y, **kwargs)


def test_error_on_length_mismatch(fitted):
    model, X, y = fitted
    with pytest.raises(ValueError, match="X has 300, y has 299"):
        permutation_importance(model, X, y[:-1])
    with pytest.raises(ValueError, match="shortest sequence"):
        permutation_importance(model, [np.zeros((5, 3)), np.zeros((3, 3))], [0, 1], axis="time")


def test_plot_features(fitted, plt):
    model, X, y = fitted
    result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    ax = plot_permutation_importance(result, ["signal", "noise", "weak"])
    assert isinstance(ax, plt.Axes)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["noise", "weak", "signal"]
    ax = plot_permutation_importance(result, kind="bar", top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["feature 2", "feature 0"]
    groups = permutation_importance(model, X, y, groups=[[1, 2], [0]], n_repeats=2)
    ax = plot_permutation_importance(groups, ["signal", "noise", "weak"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["noise + weak", "signal"]
    X_flat = flatten(X)[:, :2]
    tabular = sklearn_permutation_importance(LogisticRegression().fit(X_flat, y), X_flat, y)
    ax = plot_permutation_importance(tabular)  # scikit-learn's own results plot too
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["feature 0", "feature 1"]


def test_plot_time_segments(fitted, plt):
    model, X, y = fitted
    result = permutation_importance(model, X, y, axis="time", n_segments=3, random_state=0)
    _, ax = plt.subplots()
    assert plot_permutation_importance(result, ax=ax) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "steps 10-19"
    assert sorted(labels) == ["steps 0-9", "steps 10-19", "steps 20-29"]
    result.segments = None  # as for sequences of different lengths
    ax = plot_permutation_importance(result)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "33.3-66.7%"


def test_plot_errors(fitted, plt, monkeypatch):
    model, X, y = fitted
    result = permutation_importance(model, X, y, scoring=["accuracy", "roc_auc"], n_repeats=2)
    with pytest.raises(TypeError, match="several scorers"):
        plot_permutation_importance(result)
    with pytest.raises(ValueError, match="kind must be 'box' or 'bar'"):
        plot_permutation_importance(result["accuracy"], kind="violin")
    with pytest.raises(ValueError, match="feature_names has 2 names, but row 2 uses feature 2"):
        plot_permutation_importance(result["accuracy"], ["a", "b"])
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib`.*\.\[plot\]"):
        plot_permutation_importance(result["accuracy"])


def test_rnn_classifier_channel_0_ranks_first():
    from sklrnn import RNNClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 12, 3)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    clf = RNNClassifier(
        cell="gru",
        hidden_size=8,
        pooling="mean",
        max_epochs=12,
        learning_rate=1e-2,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    assert int(np.argmax(result.importances_mean)) == 0
    assert result.importances_mean[0] > 0.2
    ragged = [x[: rng.randint(8, 13)] for x in X]  # the network reads lists as they are
    result = permutation_importance(clf, ragged, y, n_repeats=3, random_state=0)
    assert int(np.argmax(result.importances_mean)) == 0


def test_plot_training_history(plt):
    from sklearn.exceptions import NotFittedError

    from sklrnn import RNNRegressor, SegRNNForecaster

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 10, 2)).astype(np.float32)
    y = X[:, :, 0].mean(axis=1)
    tiny = dict(hidden_size=4, max_epochs=3, random_state=0)
    with_scores = RNNRegressor(**tiny, early_stopping=True).fit(X, y)
    ax = plot_training_history(make_pipeline(FunctionTransformer(), with_scores))
    assert ax.get_ylabel() == "training loss (MSE)"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), with_scores.loss_curve_)
    twin = [a for a in ax.figure.axes if a is not ax]
    assert len(twin) == 1 and twin[0].get_ylabel() == "validation R²"
    np.testing.assert_allclose(twin[0].lines[0].get_ydata(), with_scores.validation_scores_)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "training loss",
        "validation R²",
    ]

    # without early stopping there is no score, and no second axis
    _, ax = plt.subplots()
    forecaster = SegRNNForecaster(seg_len=5, loss="mae", **tiny).fit(X, X[:, -5:])
    assert plot_training_history(forecaster, ax=ax) is ax
    assert len(ax.figure.axes) == 1 and ax.get_ylabel() == "training loss (MAE)"
    with pytest.raises(NotFittedError):
        plot_training_history(RNNRegressor())
