"""SeriesForecaster: series in, horizon out; layouts, scaling, many series, errors, persistence."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from sklrnn import SegRNNForecaster
from sklrnn.forecasting import SeriesForecaster

L, H = 24, 6


def tiny(**params):
    return SegRNNForecaster(
        **{"seg_len": 8, "hidden_size": 8, "max_epochs": 2, "random_state": 0, **params}
    )


def make_series(n=200, channels=2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    return np.sin(2 * np.pi * t / 12 + np.arange(channels)) + 0.1 * rng.standard_normal(
        (n, channels)
    )


def frame(n=200, freq="h"):
    index = pd.date_range("2024-03-01", periods=n, freq=freq)
    return pd.DataFrame(make_series(n), index=index, columns=["load", "temp"])


def test_array_in_gives_next_horizon_per_channel():
    series = make_series()
    model = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(series)
    assert model.predict().shape == (H, 2)
    # forecasting after the end of the same series, passed again, is the same forecast
    np.testing.assert_allclose(model.predict(series), model.predict(), rtol=1e-6)
    univariate = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(series[:, 0])
    assert univariate.predict().shape == (H,)
    assert univariate.predict_interval(coverage=[0.8, 0.95]).shape == (H, 2, 2)
    assert univariate.predict_quantiles(alpha=[0.1, 0.5]).shape == (H, 2)


def test_frame_forecasts_carry_the_next_time_stamps():
    df = frame()
    model = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(df)
    pred = model.predict()
    expected = pd.date_range(df.index[-1], periods=H + 1, freq="h")[1:]
    assert isinstance(pred, pd.DataFrame)
    pd.testing.assert_index_equal(pred.index, expected, check_names=False)
    assert list(pred.columns) == ["load", "temp"]
    # a shorter history gives the stamps after its own end
    assert model.predict(df.iloc[:150]).index[0] == df.index[150]
    intervals = model.predict_interval(coverage=[0.8, 0.95])
    assert list(intervals.columns[:4]) == [
        ("load", 0.8, "lower"),
        ("load", 0.8, "upper"),
        ("load", 0.95, "lower"),
        ("load", 0.95, "upper"),
    ]
    lo80, hi80 = intervals["load"][0.8]["lower"], intervals["load"][0.8]["upper"]
    lo95, hi95 = intervals["load"][0.95]["lower"], intervals["load"][0.95]["upper"]
    assert (lo95 <= lo80).all() and (lo80 <= hi80).all() and (hi80 <= hi95).all()
    pdseries = model.fit(df["load"]).predict()
    assert isinstance(pdseries, pd.Series) and pdseries.name == "load"


def test_list_of_series_of_different_lengths_trains_one_global_model():
    series = [make_series(200, seed=0), make_series(130, seed=1), make_series(90, seed=2)]
    model = SeriesForecaster(tiny(), lookback=L, horizon=H, validation_fraction=0.25).fit(series)
    preds = model.predict()
    assert isinstance(preds, list) and [p.shape for p in preds] == [(H, 2)] * 3
    # windows: origins L .. border - H (train) and border .. T - H (validation) per series
    borders = [200 - 50, 130 - 33, 90 - 23]
    n_train = sum(b - H - L + 1 for b in borders)
    n_val = sum(T - H - max(L, b) + 1 for T, b in zip([200, 130, 90], borders))
    assert (model.n_train_windows_, model.n_validation_windows_) == (n_train, n_val)
    with pytest.raises(ValueError, match="fitted on 3 series; got 2"):
        model.predict(series[:2])


def test_forecasts_come_back_in_the_original_units():
    series = 1000 + 50 * make_series()
    model = SeriesForecaster(tiny(max_epochs=5), lookback=L, horizon=H).fit(series)
    pred = model.predict()
    assert np.all(np.abs(pred - 1000) < 150), pred  # the level and scale of the series
    np.testing.assert_allclose(model._stats[0][0][0], series[:160].mean(axis=0))


def test_same_random_state_gives_the_same_forecast_and_pickles():
    series = make_series()
    a = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(series)
    b = clone(a).fit(series)
    np.testing.assert_array_equal(a.predict(), b.predict())
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.predict_interval(), c.predict_interval())


def test_parameters_of_the_network_are_tunable_through_get_params():
    model = SeriesForecaster(tiny(), lookback=L, horizon=H)
    model.set_params(estimator__hidden_size=4, lookback=16)
    assert model.get_params()["estimator__hidden_size"] == 4
    model.fit(make_series())
    assert model.estimator_.hidden_size == 4 and model.estimator_.lookback_ == 16


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"lookback": 0}, "lookback"),
        ({"quantiles": (0.9, 0.1)}, "increasing"),
        ({"quantiles": (0.0, 0.5)}, "quantiles must be numbers in"),
        ({"method": "bayes"}, "method must be one of"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"calendar": "hour"}, "calendar must be None or a list"),
        ({"calendar": ["week"]}, "calendar must be a list"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        SeriesForecaster(tiny(), **{"lookback": L, "horizon": H, **params}).fit(make_series())


def test_bad_series_are_rejected_before_training():
    model = SeriesForecaster(tiny(), lookback=L, horizon=H)
    with pytest.raises(ValueError, match="No training window"):
        model.fit(make_series(30))
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.full((100, 2), np.nan))
    with pytest.raises(ValueError, match="channels"):
        model.fit([make_series(100, 2), make_series(100, 3)])
    with pytest.raises(ValueError, match="needs 200"):
        model.fit(make_series(), past_covariates=np.zeros((150, 1)))
    with pytest.raises(ValueError, match="calendar"):
        SeriesForecaster(tiny(), lookback=L, horizon=H, calendar=["hour"]).fit(make_series())
    with pytest.raises(TypeError, match="estimator must be None or a sklrnn.SegRNNForecaster"):
        SeriesForecaster("gru").fit(make_series())
    fitted = model.fit(make_series())
    with pytest.raises(ValueError, match="outside the levels"):
        fitted.predict_quantiles(alpha=[0.01])
    with pytest.raises(ValueError, match="coverage must be in"):
        fitted.predict_interval(coverage=[1.0])
    with pytest.raises(ValueError, match="channels"):
        fitted.predict(make_series(100, 3))


def test_irregular_index_is_refused_at_fit():
    df = frame()
    df = df.drop(df.index[[5, 185, 190]])
    with pytest.raises(ValueError, match="not regular: 2024-03-01 04:00:00 is followed by"):
        SeriesForecaster(tiny(), lookback=L, horizon=H).fit(df)


def test_a_failed_fit_keeps_the_fitted_model_and_user_data_is_not_kept_by_reference():
    series = make_series()
    model = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(series)
    before = model.predict()
    with pytest.raises(ValueError, match="No training window"):
        model.fit(make_series(30))
    series[-10:] += 100.0  # the caller changes its array after fit
    np.testing.assert_array_equal(model.predict(), before)
