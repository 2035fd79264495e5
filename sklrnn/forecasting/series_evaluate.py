"""Forecasts of a fitted SeriesForecaster from origins inside the series, and their score."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .series_data import layout_of, read_many


class SeriesEvaluateMixin:
    """``historical_forecasts`` and ``score`` of :class:`~sklrnn.forecasting.SeriesForecaster`.

    They read the fitted state and the ``_forecast_at`` / ``_give_back`` of
    :class:`~sklrnn.forecasting.series_predict.SeriesPredictMixin`.
    """

    def historical_forecasts(
        self,
        series,
        past_covariates=None,
        future_covariates=None,
        *,
        origins=None,
        recalibrate=None,
    ):
        """Point forecasts and quantiles from given origins, in the series' units.

        Origin ``o`` is the first forecast row: the forecast reads the rows before ``o`` (and
        the known-future covariates up to ``o + horizon``) only. This is what
        :func:`~sklrnn.forecasting.backtest` evaluates.

        Parameters
        ----------
        series, past_covariates, future_covariates : as at fit
            The series (for a global model, all of them, as at fit).
        origins : array-like of int, or a list (dict) of them for a list (dict) of series, \
default=None
            First forecast rows, each at least ``lookback`` and leaving ``horizon`` rows of
            series after it; None forecasts after the end of each series (then
            ``future_covariates`` must reach ``horizon`` rows further).
        recalibrate : int, default=None
            Before each origin, measure the quantile corrections again on the last
            ``recalibrate`` windows whose truth is known by then (see
            :func:`~sklrnn.forecasting.backtest`); None keeps the fitted ones.

        Returns
        -------
        forecasts : Bunch, or a list (dict) of Bunch for a list (dict) of series
            ``origins`` (n_origins,), ``y_pred`` (n_origins, horizon, n_channels) and
            ``quantiles`` (n_origins, horizon, n_channels, n_quantiles) at ``levels``.
        """
        layout = self._layout if series is None else layout_of(series)
        if origins is not None:
            if layout == "one":
                origins = [origins]
            elif layout == "dict":
                origins = [origins[k] for k in (self._keys if series is None else series)]
            origins = [np.atleast_1d(np.asarray(o, dtype=np.int64)) for o in origins]
        elif recalibrate is not None:
            raise ValueError("recalibrate needs origins inside the series; pass origins.")
        out, read = self._forecast_at(
            series, past_covariates, future_covariates, origins=origins, recalibrate=recalibrate
        )
        results = [
            Bunch(origins=at, y_pred=point, quantiles=quantiles, levels=self.levels_)
            for point, quantiles, at in out
        ]
        return self._give_back(results, read)

    def score(self, series, past_covariates=None, future_covariates=None):
        """R² of the forecasts from every ``horizon``-th origin of held-out series.

        The series (rows after those of fit, or other series of a global model's kind) are
        forecast from origins ``lookback, lookback + horizon, ...`` reading only the rows
        before each origin (as :meth:`historical_forecasts`), and the forecasts of all origins,
        steps and channels are compared with the truth, as scikit-learn's ``r2_score`` over the
        flattened outputs. Model selection on one long series:
        ``GridSearchCV(model, grid, cv=TimeSeriesSplit(n_splits, test_size=...))`` fits on
        the rows before each test block and scores on the block, which needs at least
        ``lookback + horizon`` rows; :func:`~sklrnn.forecasting.backtest` gives more detail.

        Parameters
        ----------
        series, past_covariates, future_covariates : as at fit
            Series with at least ``lookback + horizon`` rows each.

        Returns
        -------
        score : float
            R² of the forecasts (1 is perfect; higher is better).
        """
        check_is_fitted(self, "estimator_")
        L, H = self.lookback, self.horizon
        tgts, keys, layout = read_many(series, "series")
        short = [(k, len(s.values)) for k, s in zip(keys, tgts) if len(s.values) < L + H]
        if short:
            raise ValueError(
                f"score forecasts from inside the series it is given, which needs at least "
                f"lookback + horizon = {L + H} rows; series {short[0][0]!r} has {short[0][1]}. "
                "In a cross-validation, make every test block that long (e.g. "
                f"TimeSeriesSplit(test_size={L + H}) or more)."
            )
        origins = [np.arange(L, len(s.values) - H + 1, H) for s in tgts]
        if layout == "one":
            origins = origins[0]
        elif layout == "dict":
            origins = dict(zip(keys, origins))
        result = self.historical_forecasts(
            series, past_covariates, future_covariates, origins=origins
        )
        if layout == "one":
            result = [result]
        elif layout == "dict":
            result = [result[k] for k in keys]
        y_true, y_pred = [], []
        for got, s in zip(result, tgts):
            rows = got.origins[:, None] + np.arange(H)[None, :]
            y_true.append(s.values[rows].reshape(-1))
            y_pred.append(got.y_pred.reshape(-1))
        return float(r2_score(np.concatenate(y_true), np.concatenate(y_pred)))
