"""Tests of make_windows and LagWindows."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklrnn.features import LagWindows, make_windows

ROWS_NOT_SAMPLES = "returns one window per start, not one row per input row"
EXPECTED_FAILED_CHECKS = {
    "check_fit1d": "a 1-D array is a univariate series, accepted by design",
    "check_transformer_general": ROWS_NOT_SAMPLES,
    "check_transformer_data_not_an_array": ROWS_NOT_SAMPLES,
    "check_methods_sample_order_invariance": "rows are time steps: their order is the data",
    "check_methods_subset_invariance": "a subset of rows is a shorter series, with fewer windows",
}


@parametrize_with_checks(
    [LagWindows(lookback=3)], expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def _series(n_timesteps=50, n_channels=3):
    # Value = 100 * row + channel: every entry tells where it came from.
    return (100 * np.arange(n_timesteps)[:, None] + np.arange(n_channels)).astype(np.float32)


@pytest.mark.parametrize(
    ("n_timesteps", "lookback", "horizon", "stride"),
    [(50, 10, 5, 1), (50, 10, 5, 3), (50, 10, 5, 36), (15, 10, 5, 1), (16, 10, 5, 2), (3, 1, 1, 1)],
)
def test_windows_match_hand_made_indices(n_timesteps, lookback, horizon, stride):
    series = _series(n_timesteps)
    X, y = make_windows(series, lookback, horizon, stride)
    starts = list(range(0, n_timesteps - lookback - horizon + 1, stride))
    assert len(starts) == (n_timesteps - lookback - horizon) // stride + 1
    assert X.shape == (len(starts), lookback, 3)
    assert y.shape == (len(starts), horizon, 3)
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(X[i], series[s : s + lookback])
        np.testing.assert_array_equal(y[i], series[s + lookback : s + lookback + horizon])
    assert X.dtype == y.dtype == np.float32
    for array in (X, y):
        assert array.flags.c_contiguous
        assert array.flags.writeable
        assert not np.shares_memory(array, series)


def test_last_window_ends_at_the_last_row():
    series = np.arange(30.0)
    X, y = make_windows(series, lookback=7, horizon=4)
    assert len(X) == 30 - 7 - 4 + 1
    assert y[-1, -1] == series[-1]
    assert X[-1, -1] + 1 == y[-1, 0]


def test_univariate_series_gives_2d_windows():
    series = np.arange(20)
    X, y = make_windows(series, lookback=5, horizon=3)
    assert X.shape == (13, 5)
    assert y.shape == (13, 3)
    np.testing.assert_array_equal(X[4], [4, 5, 6, 7, 8])
    np.testing.assert_array_equal(y[4], [9, 10, 11])
    X2, _ = make_windows(series[:, None], lookback=5, horizon=3)
    assert X2.shape == (13, 5, 1)
    np.testing.assert_array_equal(X2[..., 0], X)


def test_views_without_copy():
    series = _series(40)
    X, y = make_windows(series, lookback=8, horizon=4, copy=False)
    X_copy, y_copy = make_windows(series, lookback=8, horizon=4)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert np.shares_memory(X, series)
    assert np.shares_memory(y, series)
    assert not X.flags.writeable
    assert not np.shares_memory(X_copy, series)
    X_one, y_one = make_windows(series[:12, :1], lookback=8, horizon=4)  # already contiguous
    assert not np.shares_memory(X_one, series)
    assert X_one.flags.writeable


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lookback": 40, "horizon": 11}, "has 50 time steps.*40 \\+ 11 needs at least 51"),
        ({"lookback": 0, "horizon": 1}, "lookback"),
        ({"lookback": 5, "horizon": 0}, "horizon"),
        ({"lookback": 5, "horizon": 1, "stride": 0}, "stride"),
        ({"lookback": 5.0, "horizon": 1}, "lookback"),
    ],
)
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(_series(50), **kwargs)


def test_bad_series():
    with pytest.raises(ValueError, match="NaN"):
        make_windows(np.array([1.0, np.nan, 3.0, 4.0]), 2, 1)
    with pytest.raises(ValueError, match=r"\(n_timesteps, n_channels\).*\(4, 5, 2\)"):
        make_windows(np.zeros((4, 5, 2)), 2, 1)
    with pytest.raises(ValueError, match="0 sample"):
        make_windows(np.zeros((0, 2)), 2, 1)


@pytest.mark.parametrize("stride", [1, 4])
def test_lag_windows_align_with_make_windows(stride):
    series = _series(60)
    X, _ = make_windows(series, lookback=12, horizon=6, stride=stride)
    Xt = LagWindows(lookback=12, horizon=6, stride=stride).fit_transform(series)
    np.testing.assert_array_equal(Xt, X)
    assert Xt.dtype == np.float32
    assert Xt.flags.writeable


def test_lag_windows_without_horizon_include_the_most_recent_window():
    series = _series(60)
    Xt = LagWindows(lookback=12).fit(series).transform(series)
    assert Xt.shape == (49, 12, 3)
    np.testing.assert_array_equal(Xt[-1], series[-12:])
    assert LagWindows(lookback=12).fit_transform(series[:, 0]).shape == (49, 12)


def test_lag_windows_in_a_pipeline_and_clone():
    series = _series(30)
    pipe = make_pipeline(LagWindows(lookback=5), FunctionTransformer(lambda w: w.mean(axis=1)))
    means = pipe.fit_transform(series)
    np.testing.assert_allclose(means[0], series[:5].mean(axis=0))
    params = clone(pipe).set_params(lagwindows__lookback=10).get_params()
    assert params["lagwindows__lookback"] == 10


def test_lag_windows_errors():
    series = _series(20)
    with pytest.raises(ValueError, match="lookback"):
        LagWindows(lookback=0).fit(series)
    with pytest.raises(ValueError, match="horizon"):
        LagWindows(lookback=2, horizon=-1).fit(series)
    fitted = LagWindows(lookback=5, horizon=2).fit(series)
    with pytest.raises(ValueError, match="has 6 time steps.*at least 7"):
        fitted.transform(series[:6])
    with pytest.raises(ValueError, match="X has 2 features.*expecting 3"):
        fitted.transform(series[:, :2])
