"""Rolling-origin evaluation (backtesting) of a SeriesForecaster, and its plot."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from ..utils._deps import missing_dependency
from ..utils.validation import check_positive_int
from .series import SeriesForecaster
from .series_data import read_many
from .series_predict import _rows_from

_REFITS = (False, "expanding", "sliding")


def _slice(obj, start: int, stop: int | None):
    if obj is None:
        return None
    return obj.iloc[start:stop] if hasattr(obj, "iloc") else np.asarray(obj)[start:stop]


def _smallest_window(forecaster) -> int:
    """The fewest rows a fit of ``forecaster`` trains on (one training, one validation window)."""
    L, H = forecaster.lookback, forecaster.horizon
    rows = L + H
    while rows - forecaster._n_val_rows(rows) < L + H or forecaster._n_val_rows(rows) < H:
        rows += 1
    return rows


def backtest(
    forecaster,
    series,
    past_covariates=None,
    future_covariates=None,
    *,
    start,
    step=None,
    refit=False,
    window=None,
    recalibrate=None,
):
    """Forecast from every origin ``start, start + step, ...`` and compare with the truth.

    Origin ``o`` is the first forecast row: the forecaster reads rows before ``o`` only (and
    known-future covariates up to ``o + horizon``), and its forecast of rows
    ``[o, o + horizon)`` is compared with the series there. Origins run while a whole horizon
    of truth remains.

    Parameters
    ----------
    forecaster : SeriesForecaster
        Fitted when ``refit=False``; else a template cloned and fitted at every origin.
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels), DataFrame, or \
dict
        One series. For one series of a global model, ``{key: series}``: its key at fit, or its
        position in the list of fit (then the covariates are that series' own).
    past_covariates, future_covariates : default=None
        As for :meth:`SeriesForecaster.fit`, covering the whole series.
    start : int
        First origin (row number); at least ``lookback``.
    step : int, default=None
        Rows between origins; None is the horizon (forecasts that tile the series).
    refit : {False, "expanding", "sliding"}, default=False
        False: one fitted model forecasts from every origin (one batched prediction).
        ``"expanding"``: refit on rows ``[0, o)`` at every origin. ``"sliding"``: refit on
        rows ``[o - window, o)``.
    window : int, default=None
        Rows of the sliding training window (``refit="sliding"`` only).
    recalibrate : int, default=None
        With ``refit=False``: before each origin ``o``, measure the conformal corrections of
        the quantiles again on the last ``recalibrate`` windows whose truth is known by then
        (forecast origins ``o' <= o - horizon``), instead of the validation windows of the fit
        (online split-conformal calibration, which follows drift; the fit's corrections serve
        until that many windows are known). None keeps the fit's corrections.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``origins`` (n_origins,), ``y_true`` and ``y_pred`` (n_origins, horizon, n_channels),
        ``quantiles`` (n_origins, horizon, n_channels, n_quantiles) with ``levels``,
        ``mse`` and ``mae`` over everything, ``index`` (the series' time index or None) and
        ``horizon``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import SegRNNForecaster
    >>> from sklrnn.forecasting import SeriesForecaster
    >>> from sklrnn.forecasting import backtest
    >>> series = np.sin(np.arange(300) * 2 * np.pi / 24)
    >>> net = SegRNNForecaster(seg_len=12, hidden_size=8, max_epochs=1, random_state=0)
    >>> model = SeriesForecaster(net, lookback=48, horizon=12).fit(series[:200])
    >>> result = backtest(model, series, start=200)
    >>> result.y_pred.shape, result.origins[:3]
    ((8, 12, 1), array([200, 212, 224]))
    """
    if not isinstance(forecaster, SeriesForecaster):
        raise TypeError(f"forecaster must be a SeriesForecaster; got {type(forecaster)}.")
    if refit not in _REFITS:
        raise ValueError(f"refit must be one of {list(_REFITS)}; got {refit!r}.")
    tgts, keys, layout = read_many(series, "series")
    if len(tgts) != 1:
        raise ValueError(
            f"backtest takes one series; got a {layout} of {len(tgts)}. To backtest a series of "
            "a global model, pass it as a dict {key: series}, the key being its position in the "
            "list of fit (or its key), e.g. backtest(model, {1: series_b}, start=...)."
        )
    target = tgts[0]
    if layout == "dict":  # one series of a global model: its covariates are its own
        key, series = keys[0], series[keys[0]]
    H, L, T = forecaster.horizon, forecaster.lookback, len(target.values)
    check_positive_int(start, "start", minimum=L)
    step = H if step is None else step
    check_positive_int(step, "step")
    origins = np.arange(start, T - H + 1, step)
    if not len(origins):
        raise ValueError(f"start={start} leaves no origin with {H} rows of truth (T={T}).")
    if refit == "sliding":
        if window is None:
            raise ValueError('refit="sliding" needs window, the rows of each training window.')
        check_positive_int(window, "window")
        smallest = _smallest_window(forecaster)
        if window < smallest:
            raise ValueError(
                f'window={window} rows is too small for refit="sliding": a fit needs a '
                f"training and a validation window (lookback={L}, horizon={H}, "
                f"validation_fraction={forecaster.validation_fraction}), so window must be at "
                f"least {smallest}."
            )
    if recalibrate is not None:
        check_positive_int(recalibrate, "recalibrate")
        if refit is not False:
            raise ValueError("recalibrate needs refit=False (one fitted model).")
    if refit is False:
        args = (series, past_covariates, future_covariates)
        if layout == "dict":
            args = tuple(None if a is None else {key: a} for a in args)
            origins_of = {key: origins}
        else:
            origins_of = origins
        result = forecaster.historical_forecasts(*args, origins=origins_of, recalibrate=recalibrate)
        result = result[key] if layout == "dict" else result
        y_pred, quantiles, levels = result.y_pred, result.quantiles, result.levels
    else:
        preds, quants = [], []
        for o in origins:
            first = 0 if refit == "expanding" else max(0, o - window)
            model = clone(forecaster).fit(
                _slice(series, first, o),
                _slice(past_covariates, first, o),
                _slice(future_covariates, first, o),
            )
            fc = None if future_covariates is None else _rows_from(future_covariates, [first])
            result = model.historical_forecasts(
                _slice(series, first, o), _slice(past_covariates, first, o), fc
            )
            preds.append(result.y_pred[0])
            quants.append(result.quantiles[0])
            levels = result.levels
        y_pred, quantiles = np.stack(preds), np.stack(quants)
    rows = origins[:, None] + np.arange(H)[None, :]
    y_true = target.values[rows]  # [n, H, C]
    err = y_pred - y_true
    return Bunch(
        origins=origins,
        y_true=y_true,
        y_pred=y_pred,
        quantiles=quantiles,
        levels=levels,
        mse=float(np.mean(err**2)),
        mae=float(np.mean(np.abs(err))),
        index=target.index,
        horizon=H,
        series=target.values,
    )


def plot_backtest(result, channel=0, *, coverage=None, ax=None):
    """Plot a backtest's forecasts against the truth for one channel.

    Each origin's forecast is drawn as a line over its horizon, with the band between the
    outermost quantiles; the series is drawn underneath.

    Parameters
    ----------
    result : Bunch
        Returned by :func:`backtest`.
    channel : int, default=0
        Channel to draw.
    coverage : bool, default=None
        Draw the band of the outermost quantiles; None draws it when there are quantiles.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise missing_dependency("plot_backtest", ("matplotlib",), "plot") from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    T = len(result.series)
    x = np.arange(T) if result.index is None else np.asarray(result.index)
    first = max(0, result.origins[0] - 2 * result.horizon)
    ax.plot(x[first:], result.series[first:, channel], color="0.3", lw=1, label="truth")
    band = coverage if coverage is not None else result.quantiles is not None
    for k, o in enumerate(result.origins):
        xs = x[o : o + result.horizon]
        label = "forecast" if k == 0 else None
        ax.plot(xs, result.y_pred[k, :, channel], color="C0", lw=1.2, label=label)
        if band:
            q = result.quantiles[k, :, channel]
            ax.fill_between(xs, q[:, 0], q[:, -1], color="C0", alpha=0.2, lw=0)
    ax.axvline(x[result.origins[0]], color="0.6", ls="--", lw=0.8)
    ax.set_title(f"Backtest: MSE {result.mse:.3g}, MAE {result.mae:.3g}")
    ax.legend(loc="upper left")
    return ax
