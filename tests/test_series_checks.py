"""SeriesForecaster matches frames by name, series by identity and time stamps by regularity."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklrnn import SegRNNForecaster
from sklrnn.forecasting import SeriesForecaster, backtest

L, H = 24, 6


def sf(**params):
    net = SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=2, random_state=0)
    return SeriesForecaster(net, lookback=L, horizon=H, **params)


def stamps(n, start="2024-01-01"):
    return pd.date_range(start, periods=n, freq="h")


def target(n=200, start="2024-01-01", columns=("c0", "c1"), seed=0):
    t = np.arange(n)[:, None]
    rng = np.random.default_rng(seed)
    values = np.sin(2 * np.pi * t / 24 + np.arange(len(columns))) + 0.1 * rng.normal(
        size=(n, len(columns))
    )
    return pd.DataFrame(values, index=stamps(n, start), columns=list(columns))


def exogenous(n, columns, seed=1, start="2024-01-01"):
    values = np.random.default_rng(seed).normal(size=(n, len(columns)))
    return pd.DataFrame(values, index=stamps(n, start), columns=list(columns))


@pytest.fixture(scope="module")
def with_covariates():
    frame = target()
    past = exogenous(200, ["load1", "load2"])
    future = exogenous(200 + H, ["temp", "price"], seed=2)
    model = sf().fit(frame, past, future.iloc[:200])
    return model, frame, past, future


# ------------------------------------------------------------------ column names
def test_reordered_columns_are_refused_with_the_order_of_fit(with_covariates):
    model, frame, past, future = with_covariates
    model.predict(frame, past, future)  # as at fit
    cases = [
        ((frame[["c1", "c0"]], past, future), r"series has the column\(s\) \['c1', 'c0'\]"),
        (
            (frame, past[["load2", "load1"]], future),
            r"pass past_covariates\[\['load1', 'load2'\]\]",
        ),
        ((frame, past, future[["price", "temp"]]), r"the fit had \['temp', 'price'\]"),
    ]
    for args, match in cases:
        with pytest.raises(ValueError, match=match):
            model.predict(*args)
    with pytest.raises(ValueError, match=r"future_covariates has the columns"):
        model.predict(future_covariates=future[["price", "temp"]])


def test_renamed_columns_are_refused(with_covariates):
    model, frame, past, future = with_covariates
    renamed = future.rename(columns={"temp": "humidity"})
    with pytest.raises(ValueError, match=r"Missing: \['temp'\]; not seen at fit: \['humidity'\]"):
        model.predict(frame, past, renamed)
    with pytest.raises(ValueError, match=r"Missing: \['c1'\]"):
        model.predict(frame.rename(columns={"c1": "x"}), past, future)


def test_arrays_after_frames_are_matched_by_position_with_a_warning(with_covariates):
    model, frame, past, future = with_covariates
    expected = model.predict(frame, past, future)
    with pytest.warns(UserWarning, match="future_covariates has no column names"):
        got = model.predict(frame, past, future.to_numpy())
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


# ------------------------------------------------------------------ series identity
def test_a_global_model_refuses_series_in_another_order():
    fa, fb = target(150, "2024-01-01", seed=0), 10 + target(150, "2024-03-01", seed=1)
    model = sf().fit([fa, fb])
    with pytest.raises(ValueError, match=r"series\[1\] ends at 2024-01-07 05:00:00, before the"):
        model.predict([fb, fa])
    # a dict picks series by their position at fit, in any order
    by_key = model.predict({1: fb, 0: fa})
    in_order = model.predict([fa, fb])
    assert list(by_key) == [1, 0]
    pd.testing.assert_frame_equal(by_key[0], in_order[0])
    pd.testing.assert_frame_equal(by_key[1], in_order[1])
    assert abs(by_key[1].to_numpy().mean() - 10) < 3  # in fb's units, not in fa's


def test_a_model_fitted_on_a_dict_matches_series_by_key():
    series = {"north": target(150, seed=0), "south": 5 + target(120, seed=1)}
    model = sf().fit(series)
    assert list(model.predict()) == ["north", "south"]
    one = model.predict({"south": series["south"]})
    pd.testing.assert_frame_equal(one["south"], model.predict()["south"])
    with pytest.raises(ValueError, match=r"key\(s\) \['east'\].*keys \['north', 'south'\]"):
        model.predict({"east": series["north"]})
    with pytest.raises(ValueError, match="fitted on 2 series; got 1"):
        model.predict(series["north"])
    result = backtest(model, {"south": 5 + target(150, seed=1)}, start=120)
    assert result.y_pred.shape == (5, H, 2) and abs(result.y_pred.mean() - 5) < 3


def test_named_series_at_another_position_are_refused():
    a = target(150)["c0"].rename("a")
    b = (target(150, seed=3)["c1"] + 3).rename("b")
    model = sf().fit([a, b])
    with pytest.raises(ValueError, match=r"series\[0\] has the column\(s\) \['b'\]"):
        model.predict([b, a])


# ------------------------------------------------------------------ time index
def test_gaps_are_refused_at_fit_with_the_way_to_fill_them():
    frame = target(220)
    holed = frame.drop(frame.index[100:110])
    with pytest.raises(ValueError, match=r"2024-01-05 03:00:00 is followed by 2024-01-05 14:00:00"):
        sf().fit(holed)
    with pytest.raises(ValueError, match=r"frame.asfreq\(freq\).interpolate\(\)"):
        sf().fit(holed)
    filled = holed.asfreq("h").interpolate()
    assert len(filled) == 220 and sf().fit(filled).predict().shape == (H, 2)


def test_time_zone_aware_covariates_with_a_naive_series_are_named():
    frame = target()
    future = exogenous(200 + H, ["temp"]).tz_localize("UTC")
    with pytest.raises(ValueError, match=r"mix time-zone-aware and naive.*tz_convert\(None\)"):
        sf().fit(frame, future_covariates=future)


# ------------------------------------------------------------------ values
def test_values_beyond_float32_are_refused():
    frame = target()
    with pytest.raises(ValueError, match=r"series holds values up to 1.*e\+200, beyond float32"):
        sf().fit(frame * 1e200)
    with pytest.raises(ValueError, match="beyond float32"):
        sf(scale=False).fit(frame * 1e39)
    with pytest.raises(ValueError, match="future_covariates holds values"):
        sf().fit(frame, future_covariates=exogenous(200, ["t"]) * 1e300)
    model = sf().fit(frame * 1e30)  # large, but within float32
    assert np.isfinite(model.predict().to_numpy()).all()


# ------------------------------------------------------------------ intervals
def test_residual_point_forecast_is_the_median_and_inside_its_intervals():
    t = np.arange(300)
    series = 0.01 * t + np.sin(2 * np.pi * t / 24)
    net = SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=1, random_state=0)
    model = SeriesForecaster(net, lookback=L, horizon=H, method="residual").fit(series)
    point = model.predict()
    median = model.predict_quantiles(alpha=[0.5])[:, 0]
    np.testing.assert_allclose(median, point, rtol=0, atol=1e-9)
    intervals = model.predict_interval(coverage=[0.5, 0.8, 0.95])  # [H, 3, 2]
    assert (intervals[..., 0] <= point[:, None] + 1e-9).all()
    assert (intervals[..., 1] >= point[:, None] - 1e-9).all()
    # and from every origin of a backtest
    result = backtest(model, series, start=200, step=1)
    assert (result.quantiles[..., 0] <= result.y_pred).all()
    assert (result.quantiles[..., -1] >= result.y_pred).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = backtest(model, series, start=200, recalibrate=30)
    assert (result.quantiles[..., 1] <= result.y_pred).all()
    assert (result.quantiles[..., 3] >= result.y_pred).all()


@pytest.mark.parametrize("method", ["residual", "pinball"])
def test_the_median_is_forecast_even_when_quantiles_lack_it(method):
    series = target(200)["c0"].to_numpy()
    model = sf(method=method, quantiles=(0.6, 0.9)).fit(series)
    np.testing.assert_array_equal(model.levels_, [0.5, 0.6, 0.9])
    point = model.predict()
    np.testing.assert_allclose(model.predict_quantiles(alpha=[0.5])[:, 0], point, atol=1e-9)
    assert (model.predict_quantiles(alpha=[0.9])[:, 0] >= point - 1e-9).all()


def test_earlier_stretches_of_the_same_series_are_forecast():
    frame = target(300)
    model = sf().fit(frame.iloc[150:])
    assert model.predict(frame.iloc[:100]).index[0] == frame.index[100]
    fb = 10 + target(300, "2024-03-01", seed=1)
    model = sf().fit([frame.iloc[150:], fb.iloc[150:]])
    with pytest.raises(ValueError, match="before the series fitted in its place began"):
        model.predict([frame.iloc[:100], fb.iloc[:100]])
    earlier = model.predict({0: frame.iloc[:100], 1: fb.iloc[:100]})
    assert earlier[1].index[0] == fb.index[100]
