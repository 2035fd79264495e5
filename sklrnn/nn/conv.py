"""The convolutions over time of :class:`~sklrnn.nn.RecurrentNet`: blocks of Conv1d, batch
norm over the valid steps and ReLU, their kernel sizes and dilations, and the padding that
keeps each output as long as its input (and runs in onnxruntime)."""

from __future__ import annotations

from numbers import Integral

import torch
import torch.nn.functional as F
from torch import nn

from ._utils import check_choice, check_positive_int

CONV_NORMS = (None, "batch")
#: ``conv_dilation="exponential"``: convolution i (from 0) is dilated by this to the power i
DILATION_GROWTH = 4


def conv_dilations(
    conv_dilation: int | str | tuple[int, ...],
    n_layers: int,
    kernel_size: int | tuple[int, ...] = 3,
    n_steps: int | None = None,
) -> tuple[int, ...]:
    """One dilation per convolution: an int for all of them, a tuple one each, or
    ``"exponential"``, ``DILATION_GROWTH ** i`` for convolution ``i``. Given the ``n_steps``
    the convolutions read, an exponential dilation is at most what keeps the kernel's outer
    taps within them: further out they would read nothing but padding.

    Examples
    --------
    >>> conv_dilations("exponential", 3), conv_dilations(2, 2), conv_dilations((1, 3), 2)
    ((1, 4, 16), (2, 2), (1, 3))
    >>> conv_dilations("exponential", 3, kernel_size=5, n_steps=10)
    (1, 4, 4)
    """
    if not isinstance(conv_dilation, str):
        return _per_layer(conv_dilation, n_layers, "conv_dilation")
    check_choice(conv_dilation, "conv_dilation", ("exponential",))
    dilations = tuple(DILATION_GROWTH**i for i in range(n_layers))
    if n_steps is None:
        return dilations
    kernels = _per_layer(kernel_size, n_layers, "conv_kernel_size")
    # the outer taps of kernel k dilated d are (k - 1) * d / 2 steps from the centre
    reach = [max(1, 2 * (n_steps - 1) // max(k - 1, 1)) for k in kernels]
    return tuple(min(d, r) for d, r in zip(dilations, reach))


def _per_layer(value: int | tuple[int, ...], n_layers: int, name: str) -> tuple[int, ...]:
    """``value`` for each of ``n_layers`` convolutions: one int for all, or one per layer."""
    values = (value,) * n_layers if isinstance(value, Integral) else tuple(value)
    for v in values:
        check_positive_int(v, name)
    values = tuple(int(v) for v in values)
    if len(values) != n_layers:
        raise ValueError(
            f"{name} has {len(values)} entries for {n_layers} convolutions; give one value, "
            "or one per entry of conv_channels."
        )
    return values


def _same_padding(kernel_size: int, dilation: int) -> str | int:
    """Padding of a convolution whose output has its input's length, centred as torch's
    ``"same"`` is. Dilated, it is ``ceil(span / 2)`` steps on each side (``span = (kernel_size
    - 1) * dilation``), and an odd span leaves one extra output step at the start to cut:
    onnxruntime runs no dilated convolution padded ``"same"``, so an exported model would fail.

    Examples
    --------
    >>> _same_padding(5, 1), _same_padding(5, 4), _same_padding(4, 3)
    ('same', 8, 5)
    """
    if dilation == 1:
        return "same"
    return ((kernel_size - 1) * dilation + 1) // 2


class _MaskedBatchNorm1d(nn.BatchNorm1d):
    """Batch norm over [B, C, T] whose training statistics count only the valid steps.

    Padded steps would otherwise pull the batch mean towards zero; at evaluation the running
    statistics apply to each step alone, so padding cannot change a valid step's output.
    """

    def forward(self, h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        n = keep.sum()
        if not self.training or (bool(keep.all()) and h.shape[0] * h.shape[2] > 1):
            return super().forward(h)
        mean = (h * keep).sum((0, 2)) / n  # [B, C, T] -> [C]
        centred = h - mean[None, :, None]
        var = (centred.square() * keep).sum((0, 2)) / n
        with torch.no_grad():
            m = self.momentum
            unbiased = var * n / (n - 1).clamp(min=1)
            self.running_mean.mul_(1 - m).add_(m * mean)
            self.running_var.mul_(1 - m).add_(m * unbiased)
            self.num_batches_tracked += 1
        scale = self.weight / torch.sqrt(var + self.eps)
        return centred * scale[None, :, None] + self.bias[None, :, None]


class _ConvFrontEnd(nn.Module):
    """Conv1d [-> BatchNorm] -> ReLU blocks over time; steps past each sequence's end are zero.

    With batch norm this is the fully convolutional network (FCN) of Wang, Yan and Oates,
    "Time series classification from scratch with deep neural networks" (IJCNN 2017); with
    dilations growing by layer, its receptive field grows exponentially with depth, as in the
    dilated convolutions of Yu and Koltun (ICLR 2016) and the temporal convolutional networks
    of Bai, Kolter and Koltun (2018). With ``pool > 1`` the output of the first block is
    max-pooled over windows of ``pool`` steps (stride ``pool``), so the later, wider blocks
    run on ``ceil(T / pool)`` steps.
    """

    def __init__(
        self,
        in_features: int,
        channels: tuple[int, ...],
        kernel_sizes: tuple[int, ...],
        norm: str | None = None,
        pool: int = 1,
        dilations: tuple[int, ...] = (),
    ) -> None:
        super().__init__()
        self.pool = pool
        widths = (in_features, *channels)
        dilations = dilations or (1,) * len(channels)  # (): every layer undilated
        self.convs = nn.ModuleList(
            nn.Conv1d(a, b, k, padding=_same_padding(k, d), dilation=d, bias=norm is None)
            for a, b, k, d in zip(widths, widths[1:], kernel_sizes, dilations)
        )
        self.norms = (
            nn.ModuleList(_MaskedBatchNorm1d(b) for b in channels) if norm == "batch" else None
        )

    def __setstate__(self, state: dict) -> None:
        state.setdefault("pool", 1)  # pickles of 0.1 read every step
        super().__setstate__(state)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, T, F] steps and their [B, T] mask -> [B, ceil(T / pool), C] features."""
        keep = mask[:, None, :].to(x.dtype)  # [B, T] -> [B, 1, T]
        h = x.transpose(1, 2) * keep  # [B, T, F] -> [B, F, T]
        for i, conv in enumerate(self.convs):
            # a dilated convolution pads ceil(span / 2) steps each side: an odd span gives one
            # step more than the input, at the start (see _same_padding)
            h = conv(h)[..., -keep.shape[-1] :]
            if self.norms is not None:
                h = self.norms[i](h, keep)
            # Zeroing the padded steps after every layer makes a padded sequence see exactly
            # the zero border an unpadded one sees.
            h = torch.relu(h) * keep
            if i == 0 and self.pool > 1:
                # The features are >= 0 and padded steps 0, so a window's max is that of its
                # valid steps: padding cannot change it.
                h = F.max_pool1d(h, self.pool, ceil_mode=True)  # [B, C, T] -> [B, C, T/pool]
                keep = F.max_pool1d(keep, self.pool, ceil_mode=True)  # [B, 1, T/pool]
        return h.transpose(1, 2)  # [B, C, T'] -> [B, T', C]
