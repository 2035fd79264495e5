"""SeriesForecaster: series in, horizon out, with quantiles, covariates and many series."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ._data import check_positive_int
from ._quantiles import check_levels, conformal_offsets, interpolate
from ._series_data import CALENDAR, calendar_features, pack, read_aligned, read_many, targets
from ._series_format import format_forecast
from ._series_windows import PackedSegRNN
from .forecaster import SegRNNForecaster

_METHODS = ("pinball", "residual")


class SeriesForecaster(BaseEstimator):
    """Forecast the next ``horizon`` steps of whole series, with quantiles and covariates.

    ``fit`` takes the series itself: a ``(T,)`` or ``(T, C)`` array, a DataFrame (or Series)
    with a time index, or a list of them of different lengths, which trains one global model.
    Windows, the time-ordered validation split and scaling are made inside; ``predict`` returns
    the next ``horizon`` steps after the end of each series, in the layout given (a DataFrame
    gets the next time stamps as its index). The network is SegRNN
    (:class:`~sklrnn.SegRNNForecaster`'s, trained by the same engine) extended to read
    covariates and to emit several quantiles
    (:class:`~sklrnn.nn.segrnn_covariates.CovariateSegRNN`).

    Parameters
    ----------
    estimator : SegRNNForecaster, default=None
        Network and training parameters (``seg_len``, ``hidden_size``, ``learning_rate``,
        ``max_epochs``, ``early_stopping``, ``random_state``, ...); tune them as
        ``estimator__hidden_size``. Its ``validation_fraction`` is replaced by the split below
        and its ``decoder`` must be ``"pmf"``. None uses ``SegRNNForecaster(hidden_size=128,
        learning_rate=1e-3, early_stopping=True)``.
    lookback : int, default=96
        Look-back ``L``: past steps the network reads.
    horizon : int, default=24
        Steps ``H`` forecast at once.
    quantiles : sequence of float, default=(0.025, 0.1, 0.5, 0.9, 0.975)
        Quantile levels forecast; intervals and quantiles asked of ``predict_interval`` and
        ``predict_quantiles`` are interpolated between them. The default gives the 80 % and 95 %
        intervals and the median.
    method : {"pinball", "residual"}, default="pinball"
        ``"pinball"``: the network emits every quantile, trained with the pinball loss.
        ``"residual"``: the network is a point forecaster (``estimator.loss``) and quantile
        ``a`` is the forecast plus the ``a``-quantile of its errors on the validation windows,
        per step and channel (split-conformal prediction).
    calibrate : bool, default=True
        With ``"pinball"``, shift each quantile by the split-conformal correction measured on the
        validation windows (conformalised quantile regression, one-sided per level). Ignored by
        ``"residual"``, which is calibrated by construction.
    calendar : list of {"minute", "hour", "dayofweek", "dayofmonth", "dayofyear", "month"}, \
default=None
        Known-future covariates made from the time index (sine and cosine of each field).
    scale : bool, default=True
        Standardise each series (and its covariates) by the mean and standard deviation of
        its training rows; forecasts are returned in the original units.
    validation_fraction : float, default=0.2
        The last ``ceil(validation_fraction * T_i)`` rows of each series are the validation
        block: windows whose forecast starts there are held out for early stopping and for
        calibrating the quantiles; training windows end before it (no target overlaps it).

    Attributes
    ----------
    estimator_ : PackedSegRNN
        The fitted window estimator (a SegRNNForecaster on packed windows).
    n_series_ : int
        Number of series seen at fit.
    n_channels_ : int
        Number of target channels.
    n_past_covariates_, n_future_covariates_ : int
        Number of past and known-future covariate columns (calendar columns included).
    levels_ : ndarray of shape (n_quantiles,)
        The quantile levels.
    quantile_offsets_ : ndarray of shape (horizon, n_channels, n_quantiles)
        Conformal shift of each quantile, in scaled units.
    n_train_windows_, n_validation_windows_ : int
        Windows used for training and for validation / calibration.

    See Also
    --------
    SegRNNForecaster : The window estimator.
    sklrnn.backtest.backtest : Rolling-origin evaluation of a SeriesForecaster.

    Notes
    -----
    A past covariate (``past_covariates``: rows aligned with the series) is read over the
    look-back only; a known-future covariate (``future_covariates`` or ``calendar``) over the
    look-back and the horizon. Arrays are aligned by position from the series' first row,
    frames by their index. At ``predict``, ``future_covariates`` must reach ``horizon`` rows
    past the end of the series. Values of the target or of a past covariate at or after the
    first forecast step are never packed into a window (see
    :func:`sklrnn._series_data.pack`) and never read by the network.

    Split-conformal guarantees assume exchangeable windows; windows of one series overlap and
    drift, so coverage on later data is an empirical matter (``benchmarks/intervals.py``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import SegRNNForecaster
    >>> from sklrnn.series import SeriesForecaster
    >>> t = np.arange(400)
    >>> series = np.sin(2 * np.pi * t / 24) + 0.1 * np.cos(t)
    >>> net = SegRNNForecaster(seg_len=12, hidden_size=16, max_epochs=2, random_state=0)
    >>> model = SeriesForecaster(net, lookback=48, horizon=12).fit(series)
    >>> model.predict().shape
    (12,)
    >>> model.predict_interval(coverage=[0.8]).shape
    (12, 1, 2)
    """

    def __init__(
        self,
        estimator=None,
        *,
        lookback=96,
        horizon=24,
        quantiles=(0.025, 0.1, 0.5, 0.9, 0.975),
        method="pinball",
        calibrate=True,
        calendar=None,
        scale=True,
        validation_fraction=0.2,
    ):
        self.estimator = estimator
        self.lookback = lookback
        self.horizon = horizon
        self.quantiles = quantiles
        self.method = method
        self.calibrate = calibrate
        self.calendar = calendar
        self.scale = scale
        self.validation_fraction = validation_fraction

    # ------------------------------------------------------------ checks
    def _check_params(self) -> None:
        check_positive_int(self.lookback, "lookback")
        check_positive_int(self.horizon, "horizon")
        check_levels(self.quantiles, "quantiles")
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {list(_METHODS)}; got {self.method!r}.")
        if not isinstance(self.validation_fraction, Real) or not 0 < self.validation_fraction < 1:
            raise ValueError(
                f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}."
            )
        unknown = set(self.calendar or ()) - set(CALENDAR)
        if unknown or isinstance(self.calendar, str):
            raise ValueError(f"calendar must be a list of {list(CALENDAR)}; got {self.calendar!r}.")
        if self.estimator is not None and not isinstance(self.estimator, SegRNNForecaster):
            raise TypeError(
                f"estimator must be a SegRNNForecaster or None; got {type(self.estimator)}."
            )

    def _base_estimator(self) -> SegRNNForecaster:
        if self.estimator is None:
            return SegRNNForecaster(hidden_size=128, learning_rate=1e-3, early_stopping=True)
        return clone(self.estimator)

    # ------------------------------------------------------------ data
    def _read(self, series, past, future, *, fit: bool, extra: int = 0):
        """Scaled target, past and future covariates of each series, the series, the scalers.

        At fit (``fit=True``) the scalers are fitted on the training rows; else the fitted
        ones are used and the layout is checked against the fit's.
        """
        tgts, is_list = read_many(series, "series")
        n_c = tgts[0].values.shape[1]
        for i, s in enumerate(tgts):
            if s.values.shape[1] != (n_c if fit else self.n_channels_):
                raise ValueError(
                    f"series[{i}] has {s.values.shape[1]} channels; expected "
                    f"{n_c if fit else self.n_channels_} (the same for every series)."
                )
        if not fit and len(tgts) != self.n_series_:
            raise ValueError(
                f"The forecaster was fitted on {self.n_series_} series; got {len(tgts)}. Pass "
                "the same series (extended in time), in the order of fit."
            )
        pasts = read_aligned(past, tgts, "past_covariates")
        futures = read_aligned(future, tgts, "future_covariates", extra=extra)
        if not fit:
            for name, got, want in [
                ("past_covariates", pasts[0].shape[1], self._n_user[0]),
                ("future_covariates", futures[0].shape[1], self._n_user[1]),
            ]:
                if got != want:
                    raise ValueError(f"{name} has {got} columns; the fit had {want}.")
        cal = [calendar_features(s.index, self.calendar or (), len(s.values), extra) for s in tgts]
        if fit:
            all_stats = [self._fit_stats(t.values, p, f) for t, p, f in zip(tgts, pasts, futures)]
        else:
            all_stats = self._stats
        out = []
        for s, p, f, c, stats in zip(tgts, pasts, futures, cal, all_stats):
            (mt, st), (mp, sp), (mf, sf) = stats
            out.append(((s.values - mt) / st, (p - mp) / sp, np.hstack([(f - mf) / sf, c])))
        return out, tgts, is_list, all_stats

    def _fit_stats(self, target, past, future):
        border = len(target) - self._n_val_rows(len(target))
        stats = []
        for values in (target, past, future[: len(target)]):
            if not self.scale or values.shape[1] == 0:
                stats.append((np.zeros(values.shape[1]), np.ones(values.shape[1])))
                continue
            std = values[:border].std(axis=0)
            stats.append((values[:border].mean(axis=0), np.where(std > 0, std, 1.0)))
        return stats

    def _n_val_rows(self, n_rows: int) -> int:
        return math.ceil(self.validation_fraction * n_rows)

    def _windows(self, scaled, origins_of):
        X, y = [], []
        for (t, p, f), origins in zip(scaled, origins_of):
            if len(origins):
                X.append(pack(t, p, f, self.lookback, self.horizon, origins))
                y.append(targets(t, self.horizon, origins))
        return X, y

    # ------------------------------------------------------------ fit
    def fit(self, series, past_covariates=None, future_covariates=None):
        """Fit one model on one series or on a list of series.

        Parameters
        ----------
        series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels), DataFrame, \
Series, or list of them
            The target series, oldest row first; a list trains one global model on all.
        past_covariates : array-like or DataFrame (or list), default=None
            Inputs known up to the present only, with the rows of ``series``.
        future_covariates : array-like or DataFrame (or list), default=None
            Inputs known in advance, with (at least) the rows of ``series``.

        Returns
        -------
        self : SeriesForecaster
            The fitted forecaster.
        """
        self._check_params()
        base = self._base_estimator()
        if base.decoder != "pmf":
            raise ValueError("estimator.decoder must be 'pmf' for SeriesForecaster.")
        levels = np.asarray(self.quantiles, dtype=np.float64)
        L, H = self.lookback, self.horizon
        scaled, tgts, is_list, stats = self._read(
            series, past_covariates, future_covariates, fit=True
        )
        n_user = (
            0 if past_covariates is None else scaled[0][1].shape[1],
            0
            if future_covariates is None
            else scaled[0][2].shape[1] - 2 * len(self.calendar or ()),
        )
        train_origins, val_origins = [], []
        for t, _, _ in scaled:
            border = len(t) - self._n_val_rows(len(t))
            train_origins.append(np.arange(L, border - H + 1))
            val_origins.append(np.arange(max(L, border), len(t) - H + 1))
        X_tr, y_tr = self._windows(scaled, train_origins)
        X_val, y_val = self._windows(scaled, val_origins)
        if not X_tr or not X_val:
            shortest = min(len(t) for t, _, _ in scaled)
            raise ValueError(
                f"No {'training' if not X_tr else 'validation'} window: with lookback={L}, "
                f"horizon={H} and validation_fraction={self.validation_fraction}, the longest "
                f"series needs more rows (the shortest has {shortest}). Use a shorter lookback "
                "or horizon, or longer series."
            )
        X_tr, y_tr, X_val, y_val = map(np.concatenate, (X_tr, y_tr, X_val, y_val))
        n_past = scaled[0][1].shape[1]
        n_future = scaled[0][2].shape[1]
        est = PackedSegRNN(**base.get_params())
        est.set_layout(
            L,
            H,
            tgts[0].values.shape[1],
            n_past,
            n_future,
            levels if self.method == "pinball" else None,
        )
        if base.early_stopping:
            n_tr, n_val = len(X_tr), len(X_val)
            est.set_params(validation_fraction=(n_val - 0.5) / (n_tr + n_val))
            est.fit(np.concatenate([X_tr, X_val]), np.concatenate([y_tr, y_val]))
        else:
            est.fit(X_tr, y_tr)
        base_val = _as_quantiles(est.predict(X_val), len(levels))
        if self.method == "residual" or self.calibrate:
            offsets = conformal_offsets(y_val, base_val, levels)
        else:
            offsets = np.zeros(base_val.shape[1:])
        # only now, with training done, is the fitted state replaced
        self.estimator_, self.levels_, self.quantile_offsets_ = est, levels, offsets
        self._stats, self._n_user = stats, n_user
        self.n_series_, self.n_channels_ = len(tgts), tgts[0].values.shape[1]
        self.n_past_covariates_, self.n_future_covariates_ = n_past, n_future
        self.n_train_windows_, self.n_validation_windows_ = len(X_tr), len(X_val)
        self._meta = [(s.index, s.columns, s.kind) for s in tgts]
        self._is_list = is_list
        self._tail_starts = [len(s.values) - L for s in tgts]
        self._tails = (
            _rows_from(series, self._tail_starts),
            None if past_covariates is None else _rows_from(past_covariates, self._tail_starts),
        )
        return self

    # ------------------------------------------------------------ predict
    def _calibrated(self, raw, offsets) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts ``[n, H, C]`` and calibrated quantiles ``[n, H, C, Q]``, scaled."""
        quantiles = np.sort(_as_quantiles(raw, len(self.levels_)) + offsets, axis=3)
        if raw.ndim == 3:
            return raw, quantiles
        return interpolate(quantiles, self.levels_, [0.5], "quantiles")[..., 0], quantiles

    def _rolling(self, t, p, f, origins, n_windows: int):
        """Forecasts at ``origins``, each calibrated on the last ``n_windows`` windows whose
        truth is known before it (origins ``o' <= o - horizon``); the fitted corrections serve
        until that many windows are known."""
        L, H = self.lookback, self.horizon
        first = max(L, int(origins.min()) - H - n_windows + 1)
        every = np.arange(first, int(origins.max()) + 1)
        raw = self.estimator_.predict(pack(t, p, f, L, H, every))
        base, truth = _as_quantiles(raw, len(self.levels_)), targets(t, H, every)
        points, quantiles = [], []
        for o in origins:
            stop = o - H - first + 1  # every[:stop] are the windows with o' <= o - H
            offsets = self.quantile_offsets_
            if stop >= n_windows:
                window = slice(stop - n_windows, stop)
                offsets = conformal_offsets(truth[window], base[window], self.levels_)
            point, quantile = self._calibrated(raw[o - first][None], offsets)
            points.append(point)
            quantiles.append(quantile)
        return np.concatenate(points), np.concatenate(quantiles)

    def _unscale(self, values, i: int) -> np.ndarray:
        mean, std = self._stats[i][0]
        if values.ndim == 4:  # [n, H, C, Q]: the channel axis is the third
            return values * std[:, None] + mean[:, None]
        return values * std + mean  # [n, H, C]

    def _forecast_at(
        self,
        series=None,
        past_covariates=None,
        future_covariates=None,
        origins=None,
        recalibrate=None,
    ):
        """Point and quantile forecasts (original units) of each series at ``origins``.

        ``origins[i]`` lists the first forecast rows of series ``i``; None means its end.
        Returns a list of ``(point [n, H, C], quantiles [n, H, C, Q])`` and the series meta.
        """
        check_is_fitted(self, "estimator_")
        L, H = self.lookback, self.horizon
        if series is None:
            if past_covariates is not None:
                raise ValueError("past_covariates needs the series it belongs to; pass series.")
            series, past_covariates = self._tails
            if future_covariates is not None:
                future_covariates = _rows_from(future_covariates, self._tail_starts)
        if self._n_user[1] and future_covariates is None:
            raise ValueError(
                "The forecaster was fitted with future_covariates: pass them, reaching "
                f"{H} steps past the end of the series."
            )
        extra = H if origins is None else 0
        scaled, tgts, _, _ = self._read(
            series, past_covariates, future_covariates, fit=False, extra=extra
        )
        metas = [(s.index, s.columns, s.kind) for s in tgts]
        if origins is None:
            origins = [np.array([len(s.values)]) for s in tgts]
        out = []
        for i, ((t, p, f), o) in enumerate(zip(scaled, origins)):
            o = np.asarray(o, dtype=np.int64)
            if len(o) and o.min() < L:
                raise ValueError(
                    f"Series {i} has {len(t)} rows; a forecast needs the {L} rows (lookback) "
                    "before it."
                )
            if extra:  # rows after the end: never read for the target and past covariates
                t = np.vstack([t, np.zeros((H, t.shape[1]))])
                p = np.vstack([p, np.zeros((H, p.shape[1]))])
            if len(o) and o.max() + H > len(t):
                raise ValueError(f"Series {i}: origin {o.max()} leaves less than {H} rows.")
            if f.shape[0] < len(t):
                f = np.vstack([f, np.zeros((len(t) - len(f), f.shape[1]))])
            if recalibrate is None:
                raw = self.estimator_.predict(pack(t, p, f, L, H, o))
                point, quantiles = self._calibrated(raw, self.quantile_offsets_)
            else:
                point, quantiles = self._rolling(t, p, f, o, recalibrate)
            out.append((self._unscale(point, i), self._unscale(quantiles, i)))
        return out, metas

    def recalibrate(self, series, past_covariates=None, future_covariates=None, *, n_windows=720):
        """Measure the quantile corrections again on the latest windows of newer data.

        The network is kept; ``quantile_offsets_`` become the split-conformal corrections of
        the last ``n_windows`` windows (per series) whose whole horizon lies in ``series``.
        Call it when new observations arrive and the error level may have moved.

        Parameters
        ----------
        series, past_covariates, future_covariates : as at fit
            The same series (in the order of fit), extended with newer rows.
        n_windows : int, default=720
            Calibration windows per series, the most recent ones.

        Returns
        -------
        self : SeriesForecaster
            The forecaster, with new ``quantile_offsets_``.
        """
        check_is_fitted(self, "estimator_")
        check_positive_int(n_windows, "n_windows")
        L, H = self.lookback, self.horizon
        scaled, _, _, _ = self._read(series, past_covariates, future_covariates, fit=False)
        truth, base = [], []
        for t, p, f in scaled:
            origins = np.arange(max(L, len(t) - H - n_windows + 1), len(t) - H + 1)
            if len(origins):
                raw = self.estimator_.predict(pack(t, p, f, L, H, origins))
                base.append(_as_quantiles(raw, len(self.levels_)))
                truth.append(targets(t, H, origins))
        if not truth:
            raise ValueError(
                f"No series is long enough for one calibration window of lookback + horizon = "
                f"{L + H} rows."
            )
        offsets = conformal_offsets(np.concatenate(truth), np.concatenate(base), self.levels_)
        self.quantile_offsets_ = offsets
        return self

    def predict(self, series=None, past_covariates=None, future_covariates=None):
        """Forecast the ``horizon`` steps after the end of each series.

        Parameters
        ----------
        series : same layout as at fit, default=None
            The series (the fitted ones, possibly extended with newer rows); None forecasts
            after the end of the series seen at fit.
        past_covariates, future_covariates : default=None
            As at fit; ``future_covariates`` must reach ``horizon`` rows past the end.

        Returns
        -------
        y_pred : ndarray of shape (horizon,) or (horizon, n_channels), DataFrame, or list
            The median forecast (``"pinball"``) or the point forecast (``"residual"``), in the
            layout of ``series``; a DataFrame is indexed by the next time stamps.
        """
        out, metas = self._forecast_at(series, past_covariates, future_covariates)
        return self._give_back(
            [format_forecast(p[0], m, H=self.horizon) for (p, _), m in zip(out, metas)]
        )

    def predict_quantiles(
        self, series=None, past_covariates=None, future_covariates=None, *, alpha=(0.1, 0.5, 0.9)
    ):
        """Forecast quantiles at levels ``alpha`` (interpolated between ``quantiles``).

        Parameters
        ----------
        series, past_covariates, future_covariates : see :meth:`predict`
        alpha : sequence of float, default=(0.1, 0.5, 0.9)
            Levels within the range of ``quantiles``.

        Returns
        -------
        quantiles : ndarray of shape (horizon, n_channels, n_alpha) or (horizon, n_alpha) for \
a 1-D series, DataFrame with columns (channel, alpha), or list
        """
        alpha = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
        out, metas = self._forecast_at(series, past_covariates, future_covariates)
        return self._give_back(
            [
                format_forecast(
                    interpolate(q[0], self.levels_, alpha, "alpha"),
                    m,
                    H=self.horizon,
                    quantiles=alpha,
                )
                for (_, q), m in zip(out, metas)
            ]
        )

    def predict_interval(
        self, series=None, past_covariates=None, future_covariates=None, *, coverage=(0.8, 0.95)
    ):
        """Central prediction intervals of the given coverages.

        The interval of coverage ``c`` runs from the quantile ``(1 - c) / 2`` to ``(1 + c) / 2``.

        Parameters
        ----------
        series, past_covariates, future_covariates : see :meth:`predict`
        coverage : sequence of float, default=(0.8, 0.95)
            Nominal coverages in (0, 1).

        Returns
        -------
        intervals : ndarray of shape (horizon, n_channels, n_coverage, 2) or (horizon, \
n_coverage, 2) for a 1-D series (last axis: lower, upper), DataFrame with columns (channel, \
coverage, "lower"/"upper"), or list
        """
        coverage = np.atleast_1d(np.asarray(coverage, dtype=np.float64))
        if not np.all((coverage > 0) & (coverage < 1)):
            raise ValueError(f"coverage must be in (0, 1); got {coverage.tolist()}.")
        levels = np.stack([(1 - coverage) / 2, (1 + coverage) / 2], axis=1).ravel()
        out, metas = self._forecast_at(series, past_covariates, future_covariates)
        results = []
        for (_, q), m in zip(out, metas):
            bounds = interpolate(q[0], self.levels_, levels, "coverage")  # [H, C, 2K]
            bounds = bounds.reshape(*bounds.shape[:2], len(coverage), 2)
            results.append(format_forecast(bounds, m, H=self.horizon, coverage=coverage))
        return self._give_back(results)

    def _give_back(self, results):
        return results if self._is_list else results[0]


def _as_quantiles(raw: np.ndarray, n_levels: int) -> np.ndarray:
    """Non-crossing quantiles ``[n, H, C, Q]`` from the network's output, in scaled units."""
    if raw.ndim == 3:  # a point forecast: every level starts from it
        return np.repeat(raw[..., None], n_levels, axis=3)
    return np.sort(raw, axis=3)  # monotone rearrangement of crossing quantiles


def _rows_from(obj, starts):
    """Each series (or covariate) of ``obj`` from row ``starts[i]`` on, in its own layout."""
    many = isinstance(obj, (list, tuple)) and len(obj) and not np.isscalar(obj[0])
    items = list(obj) if many else [obj]
    out = [
        item.iloc[start:].copy() if hasattr(item, "iloc") else np.array(item[start:])
        for item, start in zip(items, starts)
    ]
    return out if many else out[0]
