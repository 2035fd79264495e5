"""The window estimator behind SeriesForecaster: SegRNNForecaster on packed covariate windows."""

from __future__ import annotations

import inspect
from numbers import Integral

import numpy as np
import torch

from .._engine.base import BaseSequenceEstimator
from .._engine.params import Param, constraints
from .._engine.sequences import Sequences
from ..nn.segrnn_covariates import CovariateSegRNN
from ..utils._param_validation import Interval, InvalidParameterError
from .quantiles import PinballLoss, check_levels, pinball
from .segrnn import SegRNNForecaster

#: the window layout, the parameters PackedSegRNN adds to SegRNNForecaster's
LAYOUT: tuple[Param, ...] = (
    Param("lookback", [Interval(Integral, 1, None)], "Look-back ``L``: the first rows.", 96),
    Param("horizon", [Interval(Integral, 1, None)], "Horizon ``H``: the last rows.", 24),
    Param("n_past", [Interval(Integral, 0, None)], "Past-covariate columns ``P``.", 0),
    Param("n_future", [Interval(Integral, 0, None)], "Known-future columns ``F``.", 0),
    Param(
        "quantiles",
        [None, list, tuple, np.ndarray],
        "Quantile levels emitted (pinball loss); None emits a point forecast.",
        None,
    ),
)


class _PackedModule(torch.nn.Module):
    """:class:`CovariateSegRNN` fed by the engine's ``(x, lengths)`` batches."""

    def __init__(self, **params) -> None:
        super().__init__()
        self.segrnn = CovariateSegRNN(**params)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.segrnn(x)  # [B, L + H, C + P + F] -> [B, H, C] or [B, H, C, Q]


class PackedSegRNN(SegRNNForecaster):
    """SegRNNForecaster on windows packed by :func:`sklrnn.forecasting.series_data.pack`.

    The estimator :class:`~sklrnn.forecasting.SeriesForecaster` trains (its ``estimator_``).
    The window layout is a set of ordinary parameters, so ``clone``, ``save`` / ``load``,
    ``to_onnx``, ``warm_start`` and checkpoints see it like any other parameter.

    Parameters
    ----------
    lookback : int, default=96
        Look-back ``L``: the first ``L`` rows of each window.
    horizon : int, default=24
        Horizon ``H``: the last ``H`` rows of each window (known-future covariates only) and
        the rows of each target.
    n_past : int, default=0
        Past-covariate columns ``P``, after the ``C`` target columns.
    n_future : int, default=0
        Known-future covariate columns ``F``, the last ones.
    quantiles : sequence of float, default=None
        Quantile levels the network emits, trained with the pinball loss; None emits a point
        forecast trained with ``loss``.
    **params
        Every parameter of :class:`~sklrnn.SegRNNForecaster` (``seg_len``, ``hidden_size``,
        ``max_epochs``, ``random_state``, ...); ``decoder`` must be ``"pmf"``.

    Notes
    -----
    ``X`` is ``(n_samples, L + H, C + P + F)`` and ``y`` is ``(n_samples, H, C)``; the number
    of target channels ``C`` is what ``X`` has beyond the covariates. ``predict`` returns
    ``(n_samples, H, C)``, or ``(n_samples, H, C, Q)`` with ``quantiles``.
    """

    _parameter_table = {**SegRNNForecaster._parameter_table, **{p.name: p for p in LAYOUT}}
    _parameter_constraints = {**SegRNNForecaster._parameter_constraints, **constraints(LAYOUT)}

    def __init__(self, *, lookback=96, horizon=24, n_past=0, n_future=0, quantiles=None, **params):
        super().__init__(**params)
        self.lookback = lookback
        self.horizon = horizon
        self.n_past = n_past
        self.n_future = n_future
        self.quantiles = quantiles

    @classmethod
    def _get_param_names(cls):
        inherited = inspect.signature(SegRNNForecaster.__init__).parameters
        return sorted([*(p.name for p in LAYOUT), *(p for p in inherited if p != "self")])

    def __setstate__(self, state: dict) -> None:
        # a pickle of sklrnn 0.1.0 holds the layout in ``_layout`` and ``_levels``
        if "_layout" in state:
            layout, levels = state.pop("_layout"), state.pop("_levels", None)
            state.update({k: layout[k] for k in ("lookback", "horizon", "n_past", "n_future")})
            state["quantiles"] = None if levels is None else tuple(levels)
        super().__setstate__(state)

    def _check_params(self) -> None:
        super()._check_params()
        if self.quantiles is not None:
            check_levels(self.quantiles, "quantiles")
        if self.decoder != "pmf":
            raise InvalidParameterError(
                f"PackedSegRNN decodes in parallel only: decoder must be 'pmf'; got "
                f"{self.decoder!r}."
            )

    # the fitted layout: lookback_ and horizon_ as SegRNNForecaster's, from the parameters
    def _check_step_shape(self, seqs: Sequences, fitted=None) -> None:
        fitted = self if fitted is None else fitted
        BaseSequenceEstimator._check_step_shape(self, seqs, fitted)
        self._check_window(seqs, fitted.lookback_, fitted.horizon_)

    def _check_window(self, seqs: Sequences, lookback: int, horizon: int) -> None:
        n_in = self.n_past + self.n_future
        if seqs.data.shape[1] != lookback + horizon or seqs.data.shape[2] <= n_in:
            raise ValueError(
                f"PackedSegRNN reads windows of lookback + horizon = {lookback + horizon} rows "
                f"and more than n_past + n_future = {n_in} columns; got X of shape "
                f"{seqs.data.shape}. Pack them with sklrnn.forecasting.series_data.pack."
            )

    def _module_attributes(self, seqs: Sequences, y: np.ndarray, fitted) -> dict:
        self._check_window(seqs, self.lookback, self.horizon)
        n_targets = seqs.data.shape[2] - self.n_past - self.n_future
        if y.shape[1:] != (self.horizon, n_targets):
            raise ValueError(
                f"y must be of shape (n_samples, horizon={self.horizon}, {n_targets} target "
                f"channel(s)); got {y.shape}."
            )
        return {"lookback_": self.lookback, "horizon_": self.horizon}

    @property
    def n_timesteps_in_(self) -> int:
        """Rows of the windows ``X`` holds: ``lookback_ + horizon_``."""
        return self.lookback_ + self.horizon_

    def _make_module(self, fitted) -> torch.nn.Module:
        return _PackedModule(
            lookback=fitted.lookback_,
            horizon=fitted.horizon_,
            n_channels=fitted.n_features_in_ - self.n_past - self.n_future,
            n_past=self.n_past,
            n_future=self.n_future,
            n_quantiles=1 if self.quantiles is None else len(self.quantiles),
            seg_len=self.seg_len,
            hidden_size=self.hidden_size,
            cell=self.cell,
            num_layers=self.num_layers,
            decoder=self.decoder,
            channel_embedding=bool(self.channel_embedding),
            dropout=float(self.dropout),
            normalization=self.normalization,
        )

    def _levels(self) -> list[float] | None:
        return None if self.quantiles is None else [float(v) for v in self.quantiles]

    def _criterion(self) -> torch.nn.Module:
        levels = self._levels()
        return super()._criterion() if levels is None else PinballLoss(levels)

    @property
    def _loss_name(self) -> str:
        return self.loss.upper() if self.quantiles is None else "pinball"

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        if raw.ndim == 4:
            return -pinball(y_true, raw, self._levels())
        return super()._score_raw(y_true, raw)

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        return raw.astype(np.float64)
