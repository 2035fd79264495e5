"""Per-frame convolutional encoder for image sequences."""

from __future__ import annotations

import torch
from torch import nn

from ._utils import valid_mask


class FrameEncoder(nn.Module):
    """A small Conv2d stack applied to every frame of an image sequence.

    Each block is Conv2d(3x3, same padding) -> BatchNorm2d -> ReLU -> MaxPool2d(2) (the pooling
    is skipped once a frame is down to 1 pixel); global average pooling and a linear layer give
    ``out_features`` values per frame. With ``pool_size > 1`` the last feature map is averaged
    over a ``pool_size x pool_size`` grid instead, and the linear layer reads the grid: the
    features then say where in the frame the content is, not only what it is.

    Parameters
    ----------
    in_channels : int
        Channels of one frame (1 for grey images).
    channels : tuple of int, default=(16, 32)
        Output channels of the convolution blocks.
    out_features : int, default=64
        Size of the feature vector of one frame.
    pool_size : int, default=1
        Side of the grid the last feature map is average-pooled to: 1 is global average
        pooling (features that do not change when the content moves in the frame).

    Examples
    --------
    >>> import torch
    >>> enc = FrameEncoder(in_channels=1, channels=(8,), out_features=16)
    >>> enc(torch.zeros(10, 1, 12, 12)).shape
    torch.Size([10, 16])
    >>> FrameEncoder(in_channels=1, channels=(8,), pool_size=3).proj.in_features
    72
    """

    def __init__(
        self,
        in_channels: int,
        channels: tuple[int, ...] = (16, 32),
        out_features: int = 64,
        *,
        pool_size: int = 1,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        previous = in_channels
        for width in channels:
            layers += [
                nn.Conv2d(previous, width, kernel_size=3, padding=1),
                nn.BatchNorm2d(width),
                nn.ReLU(),
                nn.MaxPool2d(2, ceil_mode=True),
            ]
            previous = width
        self.convs = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(pool_size)
        self.proj = nn.Linear(previous * pool_size * pool_size, out_features)
        self.out_features = out_features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """Encode ``frames`` of shape [N, C, H, W] into [N, out_features]."""
        x = self.pool(self.convs(frames)).flatten(1)  # [N, C', h, w] -> [N, C' * p * p]
        return self.proj(x)


class FrameClassifier(nn.Module):
    """A frame encoder with a linear head that classifies every frame as its sequence's class.

    It trains an encoder on image sequences labelled as a whole: every valid frame of a sequence
    gets the sequence's label. The output for a sequence is the mean over its valid frames of
    the per-frame log-probabilities, so the negative log-likelihood of the output
    (``nn.NLLLoss``) is exactly the mean per-frame cross-entropy of the sequence. Padded frames
    are never encoded.

    Parameters
    ----------
    encoder : nn.Module
        Maps frames [N, C, H, W] to features [N, n_features], e.g. a :class:`FrameEncoder`.
    n_features : int
        Size of the encoder's output.
    n_classes : int
        Number of classes.

    Examples
    --------
    >>> import torch
    >>> clf = FrameClassifier(FrameEncoder(1, (4,), 8), n_features=8, n_classes=3)
    >>> clf(torch.zeros(2, 5, 1, 12, 12), torch.tensor([5, 2])).shape
    torch.Size([2, 3])
    """

    def __init__(self, encoder: nn.Module, n_features: int, n_classes: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(n_features, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Map padded sequences [B, T, C, H, W] with ``lengths`` to [B, n_classes] log-probs."""
        lengths = lengths.to(x.device)
        mask = valid_mask(lengths, x.shape[1])  # [B, T]
        frames = x[mask]  # [B, T, C, H, W] -> [n_valid, C, H, W], row by row
        log_proba = torch.log_softmax(self.head(self.encoder(frames)), dim=1)  # [n_valid, K]
        owner = torch.arange(len(lengths), device=x.device).repeat_interleave(lengths)
        total = log_proba.new_zeros(len(lengths), log_proba.shape[1])
        total = total.index_add(0, owner, log_proba)  # [n_valid, K] -> [B, K]
        return total / lengths[:, None].to(total.dtype)
