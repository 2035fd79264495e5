"""sktime adapter: SegRNN as an sktime forecaster (needs the ``sktime`` extra)."""

from __future__ import annotations

import numpy as np

try:
    import pandas as pd
    from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
except ImportError as exc:  # pragma: no cover - depends on the environment
    from ..utils._deps import missing_dependency

    raise missing_dependency("SegRNNSktimeForecaster", ("sktime", "pandas"), "sktime") from exc

from .series import SeriesForecaster
from .series_data import check_regular

__all__ = ["SegRNNSktimeForecaster"]

_ROLES = ("future", "past")


class SegRNNSktimeForecaster(BaseForecaster):
    """SegRNN forecaster for sktime, with quantiles, intervals, exogenous data and update.

    A thin adapter over :class:`~sklrnn.forecasting.SeriesForecaster` (and thus the one training
    engine): ``fit(y, X, fh)`` trains a network for the horizon ``max(fh)``; ``predict``,
    ``predict_quantiles`` and ``predict_interval`` forecast from the end of the data seen so
    far; ``update(y, X)`` appends new data and, with ``update_params=True``, refits on all of
    it. Works with sktime's ``evaluate``, ``ForecastingGridSearchCV`` (tune ``estimator__*``)
    and pipelines.

    Parameters
    ----------
    estimator : SegRNNForecaster, default=None
        Network and training parameters; see :class:`~sklrnn.forecasting.SeriesForecaster`.
    lookback : int, default=96
        Look-back ``L``.
    quantiles : sequence of float, default=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, \
0.95, 0.975, 0.99)
        Quantile levels forecast; other levels are interpolated between them.
    method : {"residual", "pinball"}, default="residual"
        Point network plus validation-residual (split-conformal) quantiles, or a quantile
        network trained with the pinball loss.
    calibrate : bool, default=True
        Split-conformal calibration of the quantiles on the validation windows.
    scale : bool, default=True
        Standardise series and exogenous data by their training rows.
    validation_fraction : float, default=0.2
        Last share of the rows held out for early stopping and calibration.
    exogenous : {"future", "past"}, default="future"
        Role of ``X``. ``"future"``: values known in advance (sktime's convention: ``predict``
        receives ``X`` at the forecast times); steps of the horizon that ``X`` lacks take the
        nearest given value. ``"past"``: values read over the look-back only; ``X`` given to
        ``predict`` is not needed. Either way, a forecaster fitted with ``X`` needs ``X`` for
        every time point of ``y`` (at ``fit`` and ``update``): the history is never filled in.

    Attributes
    ----------
    forecaster_ : SeriesForecaster
        The fitted series-level forecaster.

    See Also
    --------
    sklrnn.forecasting.SeriesForecaster : The native series-level API.

    Notes
    -----
    Calendar covariates are not made here: use sktime's ``DateTimeFeatures`` transformer to
    put them into ``X``. Only out-of-sample horizons are supported.

    The time index of ``y`` must be regular, at ``fit`` and after each ``update``: a gap
    (missing months, an update that skips some) raises a ValueError naming it. Fill the
    missing steps first, e.g. ``y.asfreq(freq).interpolate()``.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from sklrnn import SegRNNForecaster
    >>> from sklrnn.forecasting import SegRNNSktimeForecaster
    >>> y = load_airline()
    >>> net = SegRNNForecaster(seg_len=12, hidden_size=8, max_epochs=2, random_state=0)
    >>> model = SegRNNSktimeForecaster(net, lookback=24).fit(y, fh=[1, 2, 3])
    >>> model.predict().index.astype(str).tolist()
    ['1961-01', '1961-02', '1961-03']
    >>> model.predict_interval(coverage=0.9).shape
    (3, 2)
    """

    _tags = {
        "authors": "sklrnn developers",
        "maintainers": "sklrnn developers",
        "python_dependencies": ["torch", "skorch"],
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:update": True,
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
        "capability:categorical_in_X": False,
    }
    # the data seen so far is kept by the adapter itself (``_y_seen``, ``_X_seen``)
    _config = {"remember_data": False}

    def __init__(
        self,
        estimator=None,
        lookback=96,
        quantiles=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99),
        method="residual",
        calibrate=True,
        scale=True,
        validation_fraction=0.2,
        exogenous="future",
    ):
        self.estimator = estimator
        self.lookback = lookback
        self.quantiles = quantiles
        self.method = method
        self.calibrate = calibrate
        self.scale = scale
        self.validation_fraction = validation_fraction
        self.exogenous = exogenous
        super().__init__()
        # the base class creates these only under remember_data=True; a user may switch it on
        # after construction, and sktime then expects them
        self._y = getattr(self, "_y", None)
        self._X = getattr(self, "_X", None)

    # ------------------------------------------------------------ helpers
    def _horizon_steps(self, fh) -> np.ndarray:
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
        if steps.min() < 1:
            raise NotImplementedError(
                "SegRNNSktimeForecaster forecasts out of sample only; fh must be after the cutoff."
            )
        return steps

    def _covariates(self, X, with_future: bool):
        """Exogenous values aligned with the stored y (and the horizon when ``with_future``)."""
        if self._X_seen is None and X is None:
            return None
        known = _append(self._X_seen, X)
        index = self._y_seen.index
        if with_future:
            steps = ForecastingHorizon(np.arange(1, self.forecaster_.horizon + 1), is_relative=True)
            index = index.append(steps.to_absolute_index(self.cutoff))
        aligned = known.reindex(index)
        n_seen = len(self._y_seen)
        missing = aligned.iloc[:n_seen].isna().any(axis=1)
        if missing.any():
            raise ValueError(
                f"X has no values for {int(missing.sum())} time point(s) of y, from "
                f"{missing.index[missing.argmax()]}: exogenous data are never filled in for "
                "the observed history. Pass X with y to update (and to fit) for the same time "
                "points."
            )
        if with_future:  # steps of the horizon X lacks take the nearest given value
            aligned = aligned.ffill().bfill()
        return aligned.to_numpy(dtype=np.float64)

    def _series_forecaster(self, horizon: int) -> SeriesForecaster:
        if self.exogenous not in _ROLES:
            raise ValueError(f"exogenous must be one of {list(_ROLES)}; got {self.exogenous!r}.")
        return SeriesForecaster(
            self.estimator,
            lookback=self.lookback,
            horizon=horizon,
            quantiles=self.quantiles,
            method=self.method,
            calibrate=self.calibrate,
            scale=self.scale,
            validation_fraction=self.validation_fraction,
        )

    def _fit_on(self, y, X) -> None:
        horizon = int(self._horizon_steps(self.fh).max())
        forecaster = self._series_forecaster(horizon)
        cov = None if X is None else X.to_numpy(dtype=np.float64)
        key = "future_covariates" if self.exogenous == "future" else "past_covariates"
        forecaster.fit(y.to_numpy(dtype=np.float64), **{key: cov})
        self.forecaster_ = forecaster

    def _inputs(self, X) -> dict:
        series = self._y_seen.to_numpy(dtype=np.float64)
        if self.exogenous == "future":
            return {"series": series, "future_covariates": self._covariates(X, True)}
        return {"series": series, "past_covariates": self._covariates(None, False)}

    def _frame(self, values: np.ndarray, fh, columns) -> pd.DataFrame:
        rows = self._horizon_steps(fh) - 1
        index = fh.to_absolute_index(self.cutoff)
        return pd.DataFrame(values[rows].reshape(len(rows), -1), index=index, columns=columns)

    # ------------------------------------------------------------ sktime hooks
    def _fit(self, y, X=None, fh=None):
        check_regular(y.index, "y")
        self._y_seen, self._X_seen = y, X
        self._fit_on(y, X)
        return self

    def _update(self, y, X=None, update_params=True):
        y_seen = _append(self._y_seen, y)
        try:
            check_regular(y_seen.index, "y (the data seen so far and the update)")
            if self._X_seen is not None and X is None:
                raise ValueError(
                    "The forecaster was fitted with exogenous data X: pass X for the new time "
                    "points of y to update as well; they are never filled in."
                )
        except ValueError:
            self._set_cutoff_from_y(self._y_seen)  # sktime moved it before calling _update
            raise
        self._y_seen = y_seen
        self._X_seen = None if X is None and self._X_seen is None else _append(self._X_seen, X)
        if update_params:
            self._fit_on(self._y_seen, self._X_seen)
        return self

    def _predict(self, fh, X=None):
        values = self.forecaster_.predict(**self._inputs(X))
        return self._frame(values, fh, self._get_columns("predict"))

    def _predict_quantiles(self, fh, X, alpha):
        values = self.forecaster_.predict_quantiles(**self._inputs(X), alpha=alpha)
        columns = self._get_columns("predict_quantiles", alpha=alpha)
        return self._frame(values, fh, columns)

    def _predict_interval(self, fh, X, coverage):
        values = self.forecaster_.predict_interval(**self._inputs(X), coverage=coverage)
        columns = self._get_columns("predict_interval", coverage=coverage)
        return self._frame(values, fh, columns)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast configurations for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only ``"default"`` exists.

        Returns
        -------
        params : list of dict
            Constructor arguments of two test instances.
        """
        from .segrnn import SegRNNForecaster

        net = SegRNNForecaster(
            seg_len=2, hidden_size=4, max_epochs=1, batch_size=16, device="cpu", random_state=0
        )
        return [
            {"estimator": net, "lookback": 4, "validation_fraction": 0.3},
            {
                "estimator": net,
                "lookback": 4,
                "validation_fraction": 0.3,
                "method": "pinball",
                "exogenous": "past",
            },
        ]


def _append(old, new):
    """Rows of ``new`` after (or replacing) those of ``old``, in time order."""
    if old is None or new is None:
        return new if old is None else old
    both = pd.concat([old, new])
    return both[~both.index.duplicated(keep="last")].sort_index()
