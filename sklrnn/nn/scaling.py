"""Input scaling inside the network: the ``standardize`` choice of
:class:`~sklrnn.nn.RecurrentNet`, both its statistics at fit time and the layer that applies
them, so that an exported or reloaded model scales its input exactly as training did."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._utils import check_choice

STANDARDIZE = (None, "global", "series", "both")

#: standard deviations at or below this are taken as a constant feature
STD_FLOOR = 1e-6


def input_statistics(steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and scale of ``steps`` [n_steps, F] (the valid steps of a training set),
    in float64: the scale is the standard deviation, as :class:`~sklrnn.features.SequenceScaler`
    computes it, and 1 for a feature whose standard deviation is at most ``STD_FLOOR``.

    Examples
    --------
    >>> import numpy as np
    >>> mean, scale = input_statistics(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> mean, scale
    (array([2., 5.]), array([1., 1.]))
    """
    steps = np.asarray(steps, dtype=np.float64)
    std = steps.std(axis=0)
    return steps.mean(axis=0), np.where(std > STD_FLOOR, std, 1.0)


def series_statistics(steps: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Each sequence standardised by its own mean and standard deviation of every feature over
    its valid steps, and those statistics as features: ``sign(mean) log(1 + |mean|)`` (much as
    ``asinh``, exportable to ONNX) and ``log(std)``.

    ``steps`` [B, T, F] and ``mask`` [B, T] give ``(standardised [B, T, F], statistics [B, 2F])``;
    padded steps stay zero, a feature constant over a sequence is only centred (its log-std is
    that of ``STD_FLOOR``).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[[1.0], [3.0], [0.0]]])  # one sequence, 2 valid steps of 3
    >>> z, stats = series_statistics(x, torch.tensor([[True, True, False]]))
    >>> z[0, :2, 0], stats
    (tensor([-1.,  1.]), tensor([[1.0986, 0.0000]]))
    """
    # in float64, so that a sequence gets the same float32 values in a batch of any size
    keep = mask.unsqueeze(-1).double()  # [B, T] -> [B, T, 1]
    x = steps.double()
    n = keep.sum(1).clamp(min=1)  # [B, 1]
    mean = (x * keep).sum(1) / n  # [B, T, F] -> [B, F]
    centred = (x - mean[:, None]) * keep
    std = (centred.square().sum(1) / n).sqrt()  # [B, F]
    scale = torch.where(std > STD_FLOOR, std, torch.ones_like(std))
    signed_log = torch.sign(mean) * torch.log(1 + mean.abs())
    stats = torch.cat([signed_log, torch.log(std.clamp(min=STD_FLOOR))], dim=1)
    return (centred / scale[:, None]).to(steps.dtype), stats.to(steps.dtype)


class InputScaling(nn.Module):
    """Numeric steps scaled as ``standardize`` says, and the statistics the head reads.

    ``None``: the steps as they are. ``"global"``: every feature minus ``input_mean``, divided
    by ``input_scale`` (the training data's statistics, fixed: buffers outside the state dict,
    given at construction). ``"series"``: each sequence by its own statistics
    (:func:`series_statistics`), which go to the head. ``"both"``: each feature both ways
    (2F features per step), and the series statistics.

    Parameters
    ----------
    standardize : {None, "global", "series", "both"}
        The scaling.
    n_features : int
        Features per step.
    input_mean, input_scale : sequence of float or None, default=None
        Per-feature statistics of ``"global"`` and ``"both"`` (see :func:`input_statistics`).

    Attributes
    ----------
    out_features : int
        Features per step after the scaling.
    n_statistics : int
        Series statistics per sequence for the head (0 when none).

    Examples
    --------
    >>> import torch
    >>> scaling = InputScaling("both", 1, input_mean=[1.0], input_scale=[2.0])
    >>> steps, stats = scaling(torch.tensor([[[1.0], [3.0]]]), torch.tensor([[True, True]]))
    >>> steps[0], scaling.out_features, scaling.n_statistics
    (tensor([[ 0., -1.],
            [ 1.,  1.]]), 2, 2)
    """

    def __init__(
        self, standardize: str | None, n_features: int, input_mean=None, input_scale=None
    ) -> None:
        super().__init__()
        check_choice(standardize, "standardize", STANDARDIZE)
        self.standardize = standardize
        if standardize in ("global", "both"):
            for name, values in (("input_mean", input_mean), ("input_scale", input_scale)):
                tensor = torch.as_tensor(values, dtype=torch.float32).reshape(n_features)
                self.register_buffer(name, tensor, persistent=False)
        self.out_features = n_features * (2 if standardize == "both" else 1)
        self.n_statistics = 2 * n_features * (standardize in ("series", "both"))

    def forward(self, steps: torch.Tensor, mask: torch.Tensor):
        """[B, T, F] steps and [B, T] mask -> (scaled [B, T, out_features], [B, n_statistics] or
        None)."""
        if self.standardize is None:
            return steps, None
        if self.standardize == "global":
            return (steps - self.input_mean) / self.input_scale, None
        alone, stats = series_statistics(steps, mask)
        if self.standardize == "series":
            return alone, stats
        return torch.cat([(steps - self.input_mean) / self.input_scale, alone], dim=-1), stats
