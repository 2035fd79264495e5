"""SeriesForecaster: series in, horizon out, with quantiles, covariates and many series."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone

from ..utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    ParamsValidationMixin,
)
from .quantiles import check_levels, conformal_offsets
from .segrnn import SegRNNForecaster
from .series_data import CALENDAR, calendar_features, pack, read_aligned, read_many, targets
from .series_predict import SeriesPredictMixin, _as_quantiles, _rows_from
from .windows import PackedSegRNN

_METHODS = ("residual", "pinball")


class SeriesForecaster(SeriesPredictMixin, ParamsValidationMixin, BaseEstimator):
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
    method : {"residual", "pinball"}, default="residual"
        ``"residual"``: the network is a point forecaster (``estimator.loss``) and quantile
        ``a`` is the forecast plus the ``a``-quantile of its errors on the validation windows,
        per step and channel (split-conformal prediction). The median is the point forecast
        itself, so the intervals cost no accuracy; hence the default.
        ``"pinball"``: the network emits every quantile, trained with the pinball loss. On
        ETTh1 its intervals are a little narrower and its median a little less accurate (MSE
        +5 %; see the forecasting guide).
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
    sklrnn.forecasting.backtest : Rolling-origin evaluation of a SeriesForecaster.

    Notes
    -----
    A past covariate (``past_covariates``: rows aligned with the series) is read over the
    look-back only; a known-future covariate (``future_covariates`` or ``calendar``) over the
    look-back and the horizon. Arrays are aligned by position from the series' first row,
    frames by their index. At ``predict``, ``future_covariates`` must reach ``horizon`` rows
    past the end of the series. Values of the target or of a past covariate at or after the
    first forecast step are never packed into a window (see
    :func:`sklrnn.forecasting.series_data.pack`) and never read by the network.

    Split-conformal guarantees assume exchangeable windows; windows of one series overlap and
    drift, so coverage on later data is an empirical matter (``benchmarks/intervals.py``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import SegRNNForecaster
    >>> from sklrnn.forecasting import SeriesForecaster
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
        method="residual",
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
    _parameter_constraints = {
        "estimator": [None, SegRNNForecaster],
        "lookback": [Interval(Integral, 1, None)],
        "horizon": [Interval(Integral, 1, None)],
        "quantiles": [list, tuple, np.ndarray],
        "method": [Options(_METHODS)],
        "calibrate": ["boolean"],
        "calendar": [None, list, tuple],
        "scale": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    }

    def _check_params(self) -> None:
        super()._check_params()
        check_levels(self.quantiles, "quantiles")
        unknown = set(self.calendar or ()) - set(CALENDAR)
        if unknown:
            raise InvalidParameterError(
                f"calendar must be a list of {list(CALENDAR)}; got {self.calendar!r}."
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
