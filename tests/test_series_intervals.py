"""Quantile forecasts (pinball loss, split-conformal calibration) and backtests."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklrnn import SegRNNForecaster
from sklrnn.forecasting import SeriesForecaster, backtest, plot_backtest
from sklrnn.forecasting.quantiles import PinballLoss, conformal_offsets, interpolate, pinball

L, H = 24, 6


def tiny(**params):
    return SegRNNForecaster(
        **{"seg_len": 8, "hidden_size": 8, "max_epochs": 2, "random_state": 0, **params}
    )


def test_pinball_loss_is_smallest_at_the_quantile():
    y = torch.as_tensor(
        np.random.default_rng(0).exponential(size=(2000, 1, 1)), dtype=torch.float32
    )
    levels = (0.1, 0.5, 0.9)
    grid = torch.linspace(0, 4, 401)
    losses = []
    for c in grid:
        pred = torch.full((2000, 1, 1, 3), float(c))
        losses.append(PinballLoss(levels, reduction="none")(pred, y).mean(dim=(0, 1, 2)))
    best = grid[torch.stack(losses).argmin(dim=0)].numpy()
    np.testing.assert_allclose(best, np.quantile(y.numpy(), levels), atol=0.02)
    assert pinball(y.numpy(), np.full((2000, 1, 1, 3), 1.0), levels) > 0


def test_conformal_offsets_are_the_score_quantiles_with_the_finite_sample_correction():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((20000, 2, 1))
    base = np.zeros((20000, 2, 1, 3))
    offsets = conformal_offsets(y, base, np.array([0.1, 0.5, 0.9]))
    np.testing.assert_allclose(offsets[..., 0], -1.2816, atol=0.05)
    np.testing.assert_allclose(offsets[..., 2], 1.2816, atol=0.05)
    # with 9 calibration windows the 0.9 level needs the largest score (ceil(10 * 0.9) / 9 = 1)
    small = conformal_offsets(y[:9], base[:9], np.array([0.9]))
    np.testing.assert_array_equal(small[..., 0], y[:9].max(axis=0))


def test_interpolation_between_levels_and_outside_them():
    q = np.array([[[-1.0, 0.0, 1.0]]])  # [1, 1, 3] at levels 0.1, 0.5, 0.9
    levels = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(interpolate(q, levels, [0.3, 0.9], "alpha")[0, 0], [-0.5, 1.0])
    with pytest.raises(ValueError, match="alpha asks for quantile levels"):
        interpolate(q, levels, [0.95], "alpha")


@pytest.mark.parametrize("method", ["residual", "pinball"])
def test_intervals_cover_new_noise_at_about_their_nominal_rate(method):
    noise = np.random.default_rng(0).standard_normal((1400, 1))
    net = tiny(max_epochs=3, learning_rate=3e-3)
    model = SeriesForecaster(net, lookback=L, horizon=H, method=method, validation_fraction=0.4)
    model.fit(noise[:1000])
    result = backtest(model, noise, start=1000, step=1)
    q = result.quantiles  # levels 0.025, 0.1, 0.5, 0.9, 0.975
    y = result.y_true
    for (lo, hi), nominal in [((1, 3), 0.8), ((0, 4), 0.95)]:
        coverage = np.mean((y >= q[..., lo]) & (y <= q[..., hi]))
        assert abs(coverage - nominal) < 0.07, (method, nominal, coverage)
    assert np.all(np.diff(q, axis=-1) >= 0)  # quantiles never cross


def test_uncalibrated_pinball_quantiles_are_the_networks_own():
    series = np.random.default_rng(1).standard_normal((300, 1))
    model = SeriesForecaster(tiny(), lookback=L, horizon=H, method="pinball", calibrate=False).fit(
        series
    )
    assert not model.quantile_offsets_.any()
    calibrated = clone(model).set_params(calibrate=True).fit(series)
    assert calibrated.quantile_offsets_.any()


def test_backtest_with_a_fixed_model_forecasts_from_every_origin():
    series = np.sin(np.arange(300) * 2 * np.pi / 12)[:, None]
    model = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(series[:200])
    result = backtest(model, series, start=200, step=10)
    np.testing.assert_array_equal(result.origins, np.arange(200, 295, 10))
    assert result.y_pred.shape == (10, H, 1) and result.quantiles.shape == (10, H, 1, 5)
    np.testing.assert_array_equal(result.y_true[1, :, 0], series[210:216, 0])
    # the last origin's forecast is predict() on the rows before it
    np.testing.assert_allclose(result.y_pred[-1], model.predict(series[:290]), rtol=1e-5)
    assert result.mse == pytest.approx(np.mean((result.y_pred - result.y_true) ** 2))
    ax = plot_backtest(result)
    assert len(ax.lines) >= 11
    with pytest.raises(ValueError, match="start"):
        backtest(model, series, start=L - 1)


@pytest.mark.parametrize(("refit", "window"), [("expanding", None), ("sliding", 150)])
def test_backtest_refits_on_the_rows_before_each_origin(refit, window):
    series = np.sin(np.arange(260) * 2 * np.pi / 12)[:, None]
    template = SeriesForecaster(tiny(max_epochs=1), lookback=L, horizon=H)
    result = backtest(template, series, start=248, step=6, refit=refit, window=window)
    assert list(result.origins) == [248, 254]
    first = 0 if refit == "expanding" else 254 - window
    manual = clone(template).fit(series[first:254]).predict()
    np.testing.assert_allclose(result.y_pred[1], manual, rtol=1e-5)


def test_rolling_recalibration_follows_a_change_of_noise_level():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((2000, 1))
    noise[1000:] *= 3.0  # the series becomes three times noisier after the fit
    net = tiny(max_epochs=2, learning_rate=3e-3)
    model = SeriesForecaster(net, lookback=L, horizon=H, method="residual").fit(noise[:1000])
    fixed = backtest(model, noise, start=1300, step=1)
    rolling = backtest(model, noise, start=1300, step=1, recalibrate=200)

    def coverage(result):
        q = result.quantiles
        return np.mean((result.y_true >= q[..., 1]) & (result.y_true <= q[..., 3]))

    assert coverage(fixed) < 0.5  # intervals measured on the quiet part are far too narrow
    assert abs(coverage(rolling) - 0.8) < 0.07, coverage(rolling)
    # the point forecast is the median of its quantiles, recalibrated or not
    for result in (fixed, rolling):
        np.testing.assert_allclose(result.y_pred, result.quantiles[..., 2], rtol=0, atol=1e-12)
    assert abs(rolling.mae / fixed.mae - 1) < 0.05  # the median error is small: same network
    with pytest.raises(ValueError, match="recalibrate needs refit=False"):
        backtest(model, noise, start=1300, refit="expanding", recalibrate=100)


def test_recalibrate_on_newer_rows_widens_intervals_after_the_noise_grows():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((1600, 1))
    noise[1000:] *= 3.0
    model = SeriesForecaster(tiny(), lookback=L, horizon=H, method="residual").fit(noise[:1000])
    width = np.ptp(model.predict_interval(coverage=[0.8])[..., 0, :], axis=-1).mean()
    model.recalibrate(noise, n_windows=300)
    new_width = np.ptp(model.predict_interval(noise, coverage=[0.8])[..., 0, :], axis=-1).mean()
    assert 2.0 < new_width / width < 4.5, (width, new_width)
    with pytest.raises(ValueError, match="No series is long enough"):
        model.recalibrate(noise[: L + H - 1])
