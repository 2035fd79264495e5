"""Quantile forecasts: the pinball loss, split-conformal calibration and interpolation."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import torch


class PinballLoss(torch.nn.Module):
    """Pinball (quantile) loss of ``Q`` quantile forecasts against one target.

    ``loss = max(q * (y - f_q), (q - 1) * (y - f_q))`` for every level ``q``; its minimiser is
    the ``q``-quantile of the target's distribution (Koenker and Bassett, 1978).

    Parameters
    ----------
    quantiles : sequence of float
        The levels, in (0, 1), in the order of the last axis of the forecasts.
    reduction : {"mean", "none"}, default="mean"
        Mean over every element, or the elementwise losses (the engine weights samples).
    """

    def __init__(self, quantiles: Sequence[float], reduction: str = "mean") -> None:
        super().__init__()
        self.register_buffer("levels", torch.tensor(list(quantiles), dtype=torch.float32))
        self.reduction = reduction

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        diff = y_true.unsqueeze(-1) - y_pred  # [B, H, C] -> [B, H, C, 1] - [B, H, C, Q]
        loss = torch.maximum(self.levels * diff, (self.levels - 1) * diff)
        return loss.mean() if self.reduction == "mean" else loss


def pinball(y_true: np.ndarray, y_pred: np.ndarray, levels: Sequence[float]) -> float:
    """Mean pinball loss of quantile forecasts ``[..., Q]`` against ``y_true [...]``."""
    levels = np.asarray(levels, dtype=np.float64)
    diff = np.asarray(y_true, np.float64)[..., None] - y_pred
    return float(np.mean(np.maximum(levels * diff, (levels - 1) * diff)))


def check_levels(levels, name: str) -> np.ndarray:
    """Levels in (0, 1), increasing and distinct."""
    values = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if (
        values.ndim != 1
        or not len(values)
        or not all(isinstance(v, Real) for v in values.tolist())
        or not np.all((values > 0) & (values < 1))
    ):
        raise ValueError(f"{name} must be numbers in (0, 1); got {levels!r}.")
    if np.any(np.diff(values) <= 0):
        raise ValueError(f"{name} must be increasing and distinct; got {levels!r}.")
    return values


def conformal_offsets(y_true: np.ndarray, base: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """One-sided split-conformal shift of each quantile forecast, per step and channel.

    For level ``a`` the scores are ``s = y - f_a`` on the calibration windows; the shift is
    their empirical quantile at level ``ceil((n + 1) a) / n`` (upper levels) or
    ``floor((n + 1) a) / n`` (lower levels), the finite-sample correction of split conformal
    prediction, so that ``f_a + shift`` is exceeded with probability at most ``1 - a`` (upper)
    or at least ``1 - a`` (lower) when calibration and test windows are exchangeable.

    Parameters
    ----------
    y_true : ndarray of shape (n, H, C)
    base : ndarray of shape (n, H, C, Q)
        Uncalibrated quantile forecasts (a point forecast repeated for residual quantiles).
    levels : ndarray of shape (Q,)

    Returns
    -------
    offsets : ndarray of shape (H, C, Q)
    """
    n = len(y_true)
    scores = y_true[..., None] - base  # [n, H, C, Q]
    offsets = np.empty(base.shape[1:], dtype=np.float64)
    for q, level in enumerate(levels):
        if level > 0.5:
            adjusted, method = min(1.0, np.ceil((n + 1) * level) / n), "higher"
        elif level < 0.5:
            adjusted, method = max(0.0, np.floor((n + 1) * level) / n), "lower"
        else:
            adjusted, method = 0.5, "linear"
        offsets[..., q] = np.quantile(scores[..., q], adjusted, axis=0, method=method)
    return offsets


def interpolate(quantiles: np.ndarray, levels: np.ndarray, wanted, name: str) -> np.ndarray:
    """Quantiles at ``wanted`` levels, linear between the forecast ``levels`` (last axis)."""
    wanted = np.atleast_1d(np.asarray(wanted, dtype=np.float64))
    lo, hi = levels.min(), levels.max()
    if np.any(wanted < lo - 1e-12) or np.any(wanted > hi + 1e-12):
        raise ValueError(
            f"{name} asks for quantile levels {wanted.tolist()}, outside the levels "
            f"[{lo}, {hi}] the forecaster was fitted for; fit it with quantiles that include "
            "them."
        )
    flat = quantiles.reshape(-1, len(levels))  # [..., Q] -> [m, Q]
    out = np.stack([np.interp(wanted, levels, row) for row in flat])  # [m, A]
    return out.reshape(*quantiles.shape[:-1], len(wanted))
