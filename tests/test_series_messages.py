"""Each mistake with SeriesForecaster gets an error that names the cause and the fix."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from sklrnn import SegRNNForecaster
from sklrnn.forecasting import SeriesForecaster, backtest

L, H = 24, 6


def sf(**params):
    net = SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=1, random_state=0)
    return SeriesForecaster(net, lookback=L, horizon=H, **params)


def wave(n=200, seed=0):
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(seed).normal(size=n)


@pytest.fixture(scope="module")
def fitted():
    return sf().fit(wave())


def test_none_in_a_list_of_series_is_named():
    with pytest.raises(ValueError, match=r"series\[1\] is None; pass an array"):
        sf().fit([wave(), None])
    with pytest.raises(ValueError, match=r"past_covariates\[1\] is None"):
        sf().fit([wave(), wave(150)], past_covariates=[wave(), None])


def test_future_covariates_of_the_horizon_only_are_explained():
    future = np.random.default_rng(0).normal(size=(200 + H, 2))
    model = sf().fit(wave(), future_covariates=future[:200])
    assert model.predict(future_covariates=future).shape == (H,)
    with pytest.raises(ValueError, match=r"has 6 rows; with series=None it must hold the 200 rows"):
        model.predict(future_covariates=future[200:])
    # a frame is aligned by its time index: the last lookback + horizon stamps are enough
    index = pd.date_range("2024-01-01", periods=200 + H, freq="h")
    series = pd.Series(wave(), index=index[:200])
    cov = pd.DataFrame(future, index=index, columns=["a", "b"])
    model = sf().fit(series, future_covariates=cov.iloc[:200])
    pd.testing.assert_series_equal(
        model.predict(future_covariates=cov.iloc[-(L + H) :]),
        model.predict(future_covariates=cov),
    )


def test_a_nested_list_is_not_read_as_many_series():
    nested = [[v] for v in wave()]  # shape (T, 1)
    with pytest.raises(ValueError, match=r"nested list.*np.asarray\(series\) for one series"):
        sf().fit(nested)
    assert sf().fit(np.asarray(nested)).predict().shape == (H, 1)


def test_a_series_too_short_for_one_window_is_refused_at_fit():
    with pytest.raises(ValueError, match=r"series\[1\] has 10 rows; .*lookback \+ horizon = 24"):
        sf().fit([wave(), wave(10)])


def test_backtest_of_a_list_names_the_way_to_pick_one_series(fitted):
    with pytest.raises(ValueError, match=r"backtest takes one series; got a list of 2.*\{1: "):
        backtest(fitted, [wave(), wave()], start=100)


def test_historical_forecasts_name_the_origin_that_is_out_of_range(fitted):
    with pytest.raises(
        ValueError, match=r"series has 5 rows before the forecast; it needs the lookback=24"
    ):
        fitted.historical_forecasts(wave(), origins=[5, 100])
    with pytest.raises(ValueError, match=r"pass origins of at most 194"):
        fitted.historical_forecasts(wave(), origins=[100, 198])


def test_a_recurrent_decoder_is_refused_with_the_parameter_to_set():
    with pytest.raises(ValueError, match=r"got 'rmf'\. Set estimator__decoder='pmf'"):
        sf().set_params(estimator__decoder="rmf").fit(wave())


def test_a_too_small_sliding_window_names_window(fitted):
    with pytest.raises(ValueError, match=r"window=35 rows is too small.*at least 38"):
        backtest(fitted, wave(), start=150, refit="sliding", window=35)
    with pytest.raises(ValueError, match='refit="sliding" needs window'):
        backtest(fitted, wave(), start=150, refit="sliding")
    result = backtest(fitted, wave(), start=188, refit="sliding", window=38)
    assert result.y_pred.shape == (2, H, 1)


def test_a_validation_block_shorter_than_the_horizon_names_validation_fraction():
    with pytest.raises(
        ValueError, match=r"validation_fraction=0.01 holds out the last 2 rows.*at least 0.03"
    ):
        sf(validation_fraction=0.01).fit(wave())


def test_unscaled_values_beyond_float32_name_the_value_not_missing_steps():
    with pytest.raises(ValueError, match=r"up to 1.24e\+39, beyond float32") as info:
        sf(scale=False).fit(wave() * 1e39)
    assert "Impute" not in str(info.value)


@pytest.mark.parametrize(
    ("param", "value"), [("horizon", 12), ("lookback", 12), ("calendar", ["hour"])]
)
def test_parameters_changed_after_fit_ask_for_a_refit(fitted, param, value):
    model = sf().fit(wave())
    model.set_params(**{param: value})
    with pytest.raises(ValueError, match=rf"{param} is .* fitted with {param}=.*Refit it"):
        model.predict()
    with pytest.raises(ValueError, match="Refit it"):
        model.predict_interval(wave())
    model.set_params(**{param: fitted.get_params()[param]})  # set back: forecasts again
    assert model.predict().shape == (H,)
    model.set_params(quantiles=list(model.quantiles))  # the same levels, as a list
    assert model.predict().shape == (H,)


def test_grid_search_scores_a_series_forecaster():
    t = np.arange(300)
    series = np.sin(2 * np.pi * t / 24) + 0.01 * t
    search = GridSearchCV(sf(), {"lookback": [12, 24]}, cv=TimeSeriesSplit(3, test_size=40))
    search.fit(series)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and search.best_params_["lookback"] in (12, 24)
    model = sf().fit(series[:250])
    held_out = series[250:]
    forecasts = model.historical_forecasts(held_out, origins=np.arange(L, 50 - H + 1, H))
    rows = forecasts.origins[:, None] + np.arange(H)
    expected = r2_score(held_out[rows].ravel(), forecasts.y_pred.ravel())
    assert model.score(held_out) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"TimeSeriesSplit\(test_size=30\)"):
        model.score(series[:20])
