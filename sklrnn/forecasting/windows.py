"""The window estimator behind SeriesForecaster: SegRNNForecaster on packed covariate windows."""

from __future__ import annotations

import numpy as np
import torch

from .._engine.base import BaseSequenceEstimator
from .._engine.sequences import Sequences
from ..nn.segrnn_covariates import CovariateSegRNN
from .quantiles import PinballLoss, pinball
from .segrnn import SegRNNForecaster


class _PackedModule(torch.nn.Module):
    """:class:`CovariateSegRNN` fed by the engine's ``(x, lengths)`` batches."""

    def __init__(self, **params) -> None:
        super().__init__()
        self.segrnn = CovariateSegRNN(**params)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.segrnn(x)  # [B, L + H, C + P + F] -> [B, H, C] or [B, H, C, Q]


class PackedSegRNN(SegRNNForecaster):
    """SegRNNForecaster on windows packed by :func:`sklrnn.forecasting.series_data.pack`.

    Not public: SeriesForecaster builds it from its ``estimator``'s parameters and sets the
    window layout with :meth:`set_layout` before fitting. ``X`` is ``[n, L + H, C + P + F]``,
    ``y`` is ``[n, H, C]``; with quantile levels the loss is the pinball loss and predictions
    are ``[n, H, C, Q]``.
    """

    def set_layout(self, lookback, horizon, n_targets, n_past, n_future, levels=None):
        self._layout = dict(
            lookback=lookback,
            horizon=horizon,
            n_channels=n_targets,
            n_past=n_past,
            n_future=n_future,
        )
        self._levels = None if levels is None else [float(v) for v in levels]
        return self

    def _check_step_shape(self, seqs: Sequences, fitted=None) -> None:
        BaseSequenceEstimator._check_step_shape(self, seqs, fitted)
        expected = self._layout["lookback"] + self._layout["horizon"]
        if seqs.data.shape[1] != expected:
            raise ValueError(f"packed windows must have {expected} rows; got {seqs.data.shape}.")

    def _module_attributes(self, seqs: Sequences, y: np.ndarray, fitted) -> dict:
        return {"lookback_": self._layout["lookback"], "horizon_": self._layout["horizon"]}

    def _make_module(self, fitted) -> torch.nn.Module:
        return _PackedModule(
            **self._layout,
            n_quantiles=1 if self._levels is None else len(self._levels),
            seg_len=self.seg_len,
            hidden_size=self.hidden_size,
            cell=self.cell,
            num_layers=self.num_layers,
            decoder=self.decoder,
            channel_embedding=bool(self.channel_embedding),
            dropout=float(self.dropout),
            normalization=self.normalization,
        )

    def _criterion(self) -> torch.nn.Module:
        return super()._criterion() if self._levels is None else PinballLoss(self._levels)

    @property
    def _loss_name(self) -> str:
        return self.loss.upper() if self._levels is None else "pinball"

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        if raw.ndim == 4:
            return -pinball(y_true, raw, self._levels)
        return super()._score_raw(y_true, raw)

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        return raw.astype(np.float64)
