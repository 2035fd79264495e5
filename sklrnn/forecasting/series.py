"""SeriesForecaster: series in, horizon out, with quantiles, covariates and many series."""

from __future__ import annotations

import copy
import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ..utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    ParamsValidationMixin,
)
from . import series_persist
from .quantiles import check_levels, conformal_offsets
from .segrnn import SegRNNForecaster
from .series_data import CALENDAR, pack, targets
from .series_evaluate import SeriesEvaluateMixin
from .series_input import SeriesInputMixin, _where
from .series_predict import SeriesPredictMixin, _as_quantiles, _rows_from
from .windows import PackedSegRNN

_METHODS = ("residual", "pinball")
#: parameters the fitted state depends on: changed after fit, they need a new fit
_LAYOUT = ("lookback", "horizon", "quantiles", "method", "calendar", "scale")


class SeriesForecaster(
    SeriesPredictMixin, SeriesEvaluateMixin, SeriesInputMixin, ParamsValidationMixin, BaseEstimator
):
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
        ``predict_quantiles`` are interpolated between them. The median (0.5) is always
        forecast: it is the point forecast. The default gives the 80 % and 95 % intervals.
    method : {"residual", "pinball"}, default="residual"
        ``"residual"``: the network is a point forecaster (``estimator.loss``) and quantile
        ``a`` is its forecast plus the ``a``-quantile of its errors on the validation windows,
        per step and channel (split-conformal prediction); the point forecast is the median
        of these quantiles (the forecast plus the median error). The intervals cost the
        network no accuracy; hence the default.
        ``"pinball"``: the network emits every quantile, trained with the pinball loss. On
        ETTh1 its intervals are a little narrower and its median a little less accurate (MSE
        +6 %; see the forecasting guide).
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
        The quantile levels: those of ``quantiles``, with 0.5 added where it lacks (the median
        is the point forecast).
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

    What ``predict`` checks (see the guide page "Series checks"): a global model's series
    are identified by their key (a dict, at fit and at predict: any subset, in any order) or by
    their position in the list of fit (a dict ``{position: series}`` picks some of them); a
    list in another order is refused where the names of the series or their time stamps show
    it. The columns of frames (series and covariates) must have the names and the order of
    fit, as scikit-learn checks feature names; an array instead of a frame is matched by
    position, with a warning. A time index with a gap is refused at fit (fill it first, e.g.
    ``frame.asfreq(freq).interpolate()``); values beyond float32 are refused; after
    ``set_params`` of ``lookback``, ``horizon``, ``quantiles``, ``method``, ``calendar`` or
    ``scale`` the forecaster must be fitted again.

    The point forecast is the median of the forecast quantiles (level 0.5 is always
    forecast), so it lies in every central interval, by construction. With
    ``method="residual"`` it is the network's forecast plus the median of its validation
    errors (per step and channel), and quantile ``a`` the network's forecast plus their
    split-conformal ``a``-quantile: the intervals keep their conformal calibration, and a
    bias the validation windows show is corrected in the point forecast too.

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
    def _windows(self, scaled, origins_of):
        X, y = [], []
        for (t, p, f), origins in zip(scaled, origins_of):
            if len(origins):
                X.append(pack(t, p, f, self.lookback, self.horizon, origins))
                y.append(targets(t, self.horizon, origins))
        return X, y

    def _window_estimator(self, base: SegRNNForecaster, **layout) -> PackedSegRNN:
        """The window estimator to fit: a new one, or with ``warm_start`` a copy of the fitted
        one (whose network then trains on; a changed layout is refused by its warm start)."""
        if base.warm_start and hasattr(self, "estimator_"):
            est = copy.deepcopy(self.estimator_)
            return est.set_params(**base.get_params(), **layout)
        return PackedSegRNN(**base.get_params(), **layout)

    # ------------------------------------------------------------ fit
    def fit(self, series, past_covariates=None, future_covariates=None):
        """Fit one model on one series or on a list of series.

        Parameters
        ----------
        series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels), DataFrame, \
Series, or a list or dict of them
            The target series, oldest row first; a list or a dict trains one global model on
            all. A time index must be regular (no gap).
        past_covariates : array-like or DataFrame (or a list or dict of them), default=None
            Inputs known up to the present only, with the rows of ``series``.
        future_covariates : array-like or DataFrame (or a list or dict of them), default=None
            Inputs known in advance, with (at least) the rows of ``series``.

        Returns
        -------
        self : SeriesForecaster
            The fitted forecaster.
        """
        self._check_params()
        base = self._base_estimator()
        if base.decoder != "pmf":
            raise ValueError(
                "estimator.decoder must be 'pmf' for SeriesForecaster (its network decodes the "
                f"horizon in parallel); got {base.decoder!r}. Set estimator__decoder='pmf'."
            )
        levels = np.union1d(np.asarray(self.quantiles, dtype=np.float64), [0.5])
        L, H = self.lookback, self.horizon
        read = self._read(series, past_covariates, future_covariates, fit=True)
        scaled, tgts = read.scaled, read.tgts
        n_user = (
            0 if past_covariates is None else scaled[0][1].shape[1],
            0
            if future_covariates is None
            else scaled[0][2].shape[1] - 2 * len(self.calendar or ()),
        )
        X_tr, y_tr, X_val, y_val = self._fit_windows(read)
        n_past = scaled[0][1].shape[1]
        n_future = scaled[0][2].shape[1]
        est = self._window_estimator(
            base,
            lookback=L,
            horizon=H,
            n_past=n_past,
            n_future=n_future,
            quantiles=tuple(levels.tolist()) if self.method == "pinball" else None,
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
        self._stats, self._n_user = read.stats, n_user
        self.n_series_, self.n_channels_ = len(tgts), tgts[0].values.shape[1]
        self.n_past_covariates_, self.n_future_covariates_ = n_past, n_future
        self.n_train_windows_, self.n_validation_windows_ = len(X_tr), len(X_val)
        self._keys, self._layout, self._cov_columns = read.keys, read.layout, read.columns
        self._meta = [(None, s.columns, s.kind) for s in tgts]  # the tails hold the index
        self._starts = [None if s.index is None else s.index[:1] for s in tgts]
        self._fitted_with = {name: copy.deepcopy(getattr(self, name)) for name in _LAYOUT}
        self._tail_starts = [len(s.values) - L for s in tgts]
        self._tails = (
            _rows_from(series, self._tail_starts),
            None if past_covariates is None else _rows_from(past_covariates, self._tail_starts),
        )
        return self

    def _fit_windows(self, read):
        """Training and validation windows of every series, or an error that says which
        parameter to change."""
        L, H, frac = self.lookback, self.horizon, self.validation_fraction
        train_origins, val_origins = [], []
        for (t, _, _), key in zip(read.scaled, read.keys):
            if len(t) < L + H:
                raise ValueError(
                    f"{_where('series', key, read.layout)} has {len(t)} rows; every series needs "
                    f"at least lookback + horizon = {L} + {H} = {L + H} rows (one window), or no "
                    "forecast could be made from it. Use a shorter lookback or horizon, or drop "
                    "that series."
                )
            border = len(t) - self._n_val_rows(len(t))
            train_origins.append(np.arange(L, border - H + 1))
            val_origins.append(np.arange(max(L, border), len(t) - H + 1))
        X_tr, y_tr = self._windows(read.scaled, train_origins)
        X_val, y_val = self._windows(read.scaled, val_origins)
        longest = max(len(t) for t, _, _ in read.scaled)
        if not X_val:
            n_val = self._n_val_rows(longest)
            raise ValueError(
                f"No validation window: validation_fraction={frac} holds out the last {n_val} "
                f"rows of the longest series ({longest} rows), fewer than the horizon={H} steps "
                f"one validation window needs. Raise validation_fraction to at least "
                f"{math.ceil(1000 * H / longest) / 1000:g}."
            )
        if not X_tr:
            raise ValueError(
                f"No training window: the longest series has {longest} rows, of which "
                f"validation_fraction={frac} holds out the last {self._n_val_rows(longest)}; "
                f"the rest must hold lookback + horizon = {L + H} rows. Use a smaller "
                "validation_fraction, a shorter lookback or horizon, or longer series."
            )
        return tuple(map(np.concatenate, (X_tr, y_tr, X_val, y_val)))

    def __setstate__(self, state: dict) -> None:
        # a pickle of sklrnn 0.1.0 identifies series by position and recorded no names
        if "estimator_" in state and "_keys" not in state:
            n = state["n_series_"]
            state["_keys"] = list(range(n))
            state["_layout"] = "list" if state.pop("_is_list", False) else "one"
            state["_cov_columns"], state["_starts"] = (None, None), [None] * n
        super().__setstate__(state)

    # ------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Save the fitted forecaster to ``path`` in a weights-only format.

        The file holds the parameters, the fitted state (scaling statistics, quantile levels
        and corrections, the series' identities, column names and last ``lookback`` rows) and
        the window estimator's weights. :meth:`load` reads it with
        ``torch.load(weights_only=True)``, so loading never executes code from the file; the
        write is atomic (a temporary file, then a rename) and the file carries a checksum that
        :meth:`load` verifies.

        Parameters
        ----------
        path : str or path-like
            Destination file.
        """
        check_is_fitted(self, "estimator_")
        series_persist.save(self, path)

    @classmethod
    def load(cls, path, device="cpu"):
        """Load a forecaster written by :meth:`save`, without executing code from the file.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        device : str, default="cpu"
            Device to place the weights on.

        Returns
        -------
        model : SeriesForecaster
            A fitted forecaster that forecasts like the saved one.
        """
        return series_persist.load(cls, path, device)
