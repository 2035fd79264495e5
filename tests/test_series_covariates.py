"""Covariates of SeriesForecaster: time alignment, no leakage, and a covariate that leads."""

import numpy as np
import pandas as pd
import pytest
import torch

from sklrnn import SegRNNForecaster
from sklrnn.forecasting import SeriesForecaster, backtest
from sklrnn.forecasting.series_data import pack
from sklrnn.nn.segrnn import SegRNN
from sklrnn.nn.segrnn_covariates import CovariateSegRNN

L, H = 24, 6


def tiny(**params):
    return SegRNNForecaster(
        **{"seg_len": 8, "hidden_size": 8, "max_epochs": 2, "random_state": 0, **params}
    )


def test_pack_puts_each_row_at_its_time():
    T = 50
    target = np.arange(T, dtype=float)[:, None]
    past = 1000 + target
    future = 2000 + target
    windows = pack(target, past, future, L, H, [30, 40])  # [2, L + H, 3]
    for w, o in zip(windows, [30, 40]):
        np.testing.assert_array_equal(w[:L, 0], np.arange(o - L, o))  # look-back of the target
        np.testing.assert_array_equal(w[:L, 1], 1000 + np.arange(o - L, o))
        np.testing.assert_array_equal(w[:, 2], 2000 + np.arange(o - L, o + H))  # known ahead
        # nothing of the target or the past covariate from the origin on is packed
        assert not w[L:, :2].any()


def test_covariate_segrnn_without_covariates_is_segrnn():
    torch.manual_seed(0)
    plain = SegRNN(lookback=50, horizon=13, n_channels=3, seg_len=12, hidden_size=16).eval()
    extended = CovariateSegRNN(lookback=50, horizon=13, n_channels=3, seg_len=12, hidden_size=16)
    extended.load_state_dict(plain.state_dict())
    x = torch.randn(4, 50, 3)
    packed = torch.cat([x, torch.randn(4, 13, 3)], dim=1)  # the future rows are never read
    torch.testing.assert_close(extended.eval()(packed), plain(x))
    with pytest.raises(ValueError, match="decoder must be 'pmf'"):
        CovariateSegRNN(lookback=50, horizon=13, n_channels=3, decoder="rmf")


def fitted_with_covariates():
    rng = np.random.default_rng(0)
    y, past, future = rng.standard_normal((3, 200, 1))
    model = SeriesForecaster(tiny(), lookback=L, horizon=H)
    model.fit(y, past_covariates=past, future_covariates=future)
    return model, y, past, future


def forecast_at(model, y, past, future, origin):
    return model.historical_forecasts(y, past, future, origins=[origin]).quantiles[0]


def test_values_at_or_after_the_origin_cannot_reach_the_forecast():
    model, y, past, future = fitted_with_covariates()
    origin = 150
    reference = forecast_at(model, y, past, future, origin)
    for name, array, row, moves in [
        ("target at the origin", y, origin, False),
        ("past covariate at the origin", past, origin, False),
        ("target just before", y, origin - 1, True),
        ("past covariate just before", past, origin - 1, True),
        ("future covariate at the last step", future, origin + H - 1, True),
        ("future covariate after the horizon", future, origin + H, False),
    ]:
        changed = array.copy()
        changed[row:] += 5.0 if not moves else 0.0
        changed[row] += 5.0
        arrays = {"y": y, "past": past, "future": future}
        key = {id(y): "y", id(past): "past", id(future): "future"}[id(array)]
        arrays[key] = changed
        got = forecast_at(model, arrays["y"], arrays["past"], arrays["future"], origin)
        assert np.allclose(got, reference) != moves, name


def test_a_covariate_shifted_into_the_future_is_rejected():
    index = pd.date_range("2024-01-01", periods=200, freq="h")
    rng = np.random.default_rng(0)
    y = pd.DataFrame({"y": rng.standard_normal(200)}, index=index)
    cov = pd.DataFrame({"c": rng.standard_normal(200)}, index=index)
    model = SeriesForecaster(tiny(), lookback=L, horizon=H)
    # a past covariate indexed one step later lacks the series' first time stamp: refused
    with pytest.raises(ValueError, match="no row for 1 time stamp"):
        model.fit(y, past_covariates=cov.shift(1, freq="h"))
    # known-future covariates must reach the horizon at predict time
    model.fit(y, future_covariates=cov)
    with pytest.raises(ValueError, match=f"the {H} steps after it"):
        model.predict(future_covariates=cov)
    longer = pd.DataFrame(
        {"c": rng.standard_normal(200 + H)},
        index=pd.date_range("2024-01-01", periods=200 + H, freq="h"),
    )
    assert model.predict(future_covariates=longer).shape == (H, 1)


def test_calendar_covariates_come_from_the_index_and_extend_past_the_end():
    index = pd.date_range("2024-01-01", periods=300, freq="h")
    y = pd.Series(np.sin(2 * np.pi * index.hour / 24), index=index, name="y")
    model = SeriesForecaster(tiny(), lookback=L, horizon=H, calendar=["hour", "dayofweek"])
    model.fit(y)
    assert model.n_future_covariates_ == 4  # sine and cosine of each field
    assert model.predict().index[0] == index[-1] + pd.Timedelta(hours=1)


@pytest.mark.parametrize("kind", ["past", "future"])
def test_a_covariate_that_leads_the_target_is_used(kind):
    # the target repeats a random covariate H steps later: unpredictable from its own past,
    # known exactly from the covariate's look-back (past) or from its known values (future,
    # where the covariate is the target itself, announced in advance)
    rng = np.random.default_rng(0)
    n = 700
    c = rng.standard_normal(n)
    y = (c if kind == "future" else np.concatenate([np.zeros(H), c[: n - H]]))[:, None]
    cov = c[:, None]
    net = tiny(hidden_size=16, max_epochs=25, learning_rate=5e-3, normalization=None)
    kwargs = {"past_covariates": cov} if kind == "past" else {"future_covariates": cov}
    alone = SeriesForecaster(net, lookback=L, horizon=H, method="residual")
    alone.fit(y[:500])
    helped = SeriesForecaster(net, lookback=L, horizon=H, method="residual")
    helped.fit(y[:500], **{k: v[:500] for k, v in kwargs.items()})
    err_alone = backtest(alone, y, start=500).mse
    err_helped = backtest(helped, y, start=500, **kwargs).mse
    print(f"{kind}: MSE alone {err_alone:.3f}, with the covariate {err_helped:.3f}")
    assert err_helped < 0.3 * err_alone, (err_helped, err_alone)


def test_past_covariates_are_read_relative_to_their_last_value_like_the_target():
    torch.manual_seed(0)
    model = CovariateSegRNN(lookback=L, horizon=H, n_channels=1, n_past=2, seg_len=8, hidden_size=8)
    x = torch.randn(3, L + H, 3)
    shifted = x.clone()
    shifted[:, :, 1:] += 7.0  # a level shift of both past covariates
    torch.testing.assert_close(model.eval()(shifted), model(x))
    raw = CovariateSegRNN(
        lookback=L, horizon=H, n_channels=1, n_past=2, seg_len=8, hidden_size=8, normalization=None
    ).eval()
    assert not torch.allclose(raw(shifted), raw(x))
