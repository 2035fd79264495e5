"""Forecasting from a fitted SeriesForecaster: predict, quantiles, intervals, recalibration."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._engine.guards import changed_params
from ..utils.validation import check_positive_int
from .quantiles import conformal_offsets, interpolate
from .series_data import layout_of, pack, targets
from .series_format import format_forecast
from .series_input import _where


class SeriesPredictMixin:
    """The forecasting methods of :class:`~sklrnn.forecasting.SeriesForecaster`.

    They read the fitted state that ``SeriesForecaster.fit`` sets (``estimator_``, ``levels_``,
    ``quantile_offsets_``, the scalers and the series' tails) and its ``_read``.
    """

    def _calibrated(self, raw, offsets) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts ``[n, H, C]`` and calibrated quantiles ``[n, H, C, Q]``, scaled.

        The quantiles are sorted (monotone in the level) and the point forecast is their
        median (``levels_`` holds 0.5), so it lies in every central interval, by construction.
        """
        quantiles = np.sort(_as_quantiles(raw, len(self.levels_)) + offsets, axis=3)
        median = int(np.flatnonzero(self.levels_ == 0.5)[0])
        return quantiles[..., median], quantiles

    def _offsets(self, truth, base) -> np.ndarray:
        """Quantile corrections measured on windows of known truth."""
        return conformal_offsets(truth, base, self.levels_)

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
                offsets = self._offsets(truth[window], base[window])
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
        Returns a list of ``(point [n, H, C], quantiles [n, H, C, Q], origins [n])`` and the
        series meta.
        """
        self._check_unchanged()
        L, H = self.lookback, self.horizon
        if series is None:
            if past_covariates is not None:
                raise ValueError("past_covariates needs the series it belongs to; pass series.")
            series, past_covariates = self._tails
            if future_covariates is not None:
                future_covariates = self._map(future_covariates, self._tail_rows)
        if self._n_user[1] and future_covariates is None:
            raise ValueError(
                "The forecaster was fitted with future_covariates: pass them, reaching "
                f"{H} steps past the end of the series."
            )
        extra = H if origins is None else 0
        read = self._read(series, past_covariates, future_covariates, fit=False, extra=extra)
        if origins is None:
            origins = [np.array([len(s.values)]) for s in read.tgts]
        out = []
        for (t, p, f), o, slot, key in zip(read.scaled, origins, read.slots, read.keys):
            o = np.asarray(o, dtype=np.int64)
            where = _where("series", key, read.layout)
            if len(o) and o.min() < L:
                raise ValueError(
                    f"{where} has {o.min()} rows before the forecast; it needs the lookback={L} "
                    "rows before it."
                )
            if extra:  # rows after the end: never read for the target and past covariates
                t = np.vstack([t, np.zeros((H, t.shape[1]))])
                p = np.vstack([p, np.zeros((H, p.shape[1]))])
            if len(o) and o.max() + H > len(t):
                raise ValueError(
                    f"{where}: origin {o.max()} leaves fewer than horizon={H} rows to forecast "
                    f"({len(t)} rows); pass origins of at most {len(t) - H}."
                )
            if f.shape[0] < len(t):
                f = np.vstack([f, np.zeros((len(t) - len(f), f.shape[1]))])
            if recalibrate is None:
                raw = self.estimator_.predict(pack(t, p, f, L, H, o))
                point, quantiles = self._calibrated(raw, self.quantile_offsets_)
            else:
                point, quantiles = self._rolling(t, p, f, o, recalibrate)
            out.append((self._unscale(point, slot), self._unscale(quantiles, slot), o))
        return out, read

    def _check_unchanged(self) -> None:
        """Refuse to forecast after set_params changed what the fitted state depends on."""
        check_is_fitted(self, "estimator_")
        fitted = getattr(self, "_fitted_with", {})
        now = {name: getattr(self, name) for name in fitted}
        changed = changed_params(_as_lists(fitted), _as_lists(now))
        if changed:
            name = changed[0]
            raise ValueError(
                f"{name} is {getattr(self, name)!r}, but the forecaster was fitted with "
                f"{name}={fitted[name]!r}; its network and statistics are for that value. Refit "
                f"it (fit) after set_params({name}=...), or set it back."
            )

    def _tail_rows(self, item, slot: int):
        """Known-future covariates given with series=None, from the first row of the tail."""
        if hasattr(item, "iloc"):
            return item  # a frame is aligned by its index
        values = np.asarray(item)
        start, H = self._tail_starts[slot], self.horizon
        need = start + self.lookback + H
        if len(values) < need:
            raise ValueError(
                f"future_covariates has {len(values)} rows; with series=None it must hold the "
                f"{need - H} rows of the series seen at fit and the horizon={H} rows after "
                "them (an array is aligned by position from the series' first row; a frame by "
                "its time index, which may then hold just the last lookback + horizon stamps)."
            )
        return values[start:]

    def _map(self, obj, fn):
        """``fn(item, slot)`` over one series' object, a list of them or a dict of them."""
        if isinstance(obj, dict):
            slots = self._slots(list(obj.values()), list(obj), "dict")
            return {k: fn(v, j) for (k, v), j in zip(obj.items(), slots)}
        if isinstance(obj, (list, tuple)) and len(obj) and not np.isscalar(obj[0]):
            return [fn(v, j) for j, v in enumerate(obj)]
        return fn(obj, 0)

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
        self._check_unchanged()
        read = self._read(series, past_covariates, future_covariates, fit=False)
        truth, base = [], []
        for t, p, f in read.scaled:
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
        offsets = self._offsets(np.concatenate(truth), np.concatenate(base))
        self.quantile_offsets_ = offsets
        return self

    def predict(self, series=None, past_covariates=None, future_covariates=None):
        """Forecast the ``horizon`` steps after the end of each series.

        Parameters
        ----------
        series : same layout as at fit, or dict, default=None
            The series (the fitted ones, possibly extended with newer rows, or only their
            newest rows); None forecasts after the end of the series seen at fit. A dict
            ``{key: series}`` forecasts some of a global model's series, in any order: the keys
            of a dict given to fit, or the positions in the list given to fit. Frames must have
            the columns of fit, in its order.
        past_covariates, future_covariates : default=None
            As at fit; ``future_covariates`` must reach ``horizon`` rows past the end.

        Returns
        -------
        y_pred : ndarray of shape (horizon,) or (horizon, n_channels), DataFrame, or list
            The median forecast (``"pinball"``) or the point forecast (``"residual"``), in the
            layout of ``series``; a DataFrame is indexed by the next time stamps.
        """
        out, read = self._forecast_at(series, past_covariates, future_covariates)
        return self._give_back(
            [
                format_forecast(p[0], _meta(s), H=self.horizon)
                for (p, _, _), s in zip(out, read.tgts)
            ],
            read,
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
        out, read = self._forecast_at(series, past_covariates, future_covariates)
        return self._give_back(
            [
                format_forecast(
                    interpolate(q[0], self.levels_, alpha, "alpha"),
                    _meta(s),
                    H=self.horizon,
                    quantiles=alpha,
                )
                for (_, q, _), s in zip(out, read.tgts)
            ],
            read,
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
        out, read = self._forecast_at(series, past_covariates, future_covariates)
        results = []
        for (_, q, _), s in zip(out, read.tgts):
            bounds = interpolate(q[0], self.levels_, levels, "coverage")  # [H, C, 2K]
            bounds = bounds.reshape(*bounds.shape[:2], len(coverage), 2)
            results.append(format_forecast(bounds, _meta(s), H=self.horizon, coverage=coverage))
        return self._give_back(results, read)

    def _give_back(self, results, read):
        """Results in the layout of the series given: one, a list, or a dict by key."""
        if read.layout == "dict":
            return dict(zip(read.keys, results))
        return results if read.layout == "list" else results[0]


def _as_quantiles(raw: np.ndarray, n_levels: int) -> np.ndarray:
    """Non-crossing quantiles ``[n, H, C, Q]`` from the network's output, in scaled units."""
    if raw.ndim == 3:  # a point forecast: every level starts from it
        return np.repeat(raw[..., None], n_levels, axis=3)
    return np.sort(raw, axis=3)  # monotone rearrangement of crossing quantiles


def _as_lists(params: dict) -> dict:
    """Sequences as lists of floats or strings, so that (0.1, 0.9) and [0.1, 0.9] are equal."""
    return {
        k: np.asarray(v).tolist() if isinstance(v, (list, tuple, np.ndarray)) else v
        for k, v in params.items()
    }


def _meta(s):
    return s.index, s.columns, s.kind


def _rows_from(obj, starts):
    """Each series (or covariate) of ``obj`` from row ``starts[i]`` on, in its own layout."""

    def tail(item, start):
        return item.iloc[start:].copy() if hasattr(item, "iloc") else np.array(item[start:])

    layout = layout_of(obj)
    if layout == "dict":
        return {k: tail(v, start) for (k, v), start in zip(obj.items(), starts)}
    if layout == "list":
        return [tail(v, start) for v, start in zip(obj, starts)]
    return tail(obj, starts[0])
