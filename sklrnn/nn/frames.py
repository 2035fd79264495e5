"""Per-frame convolutional encoder for image sequences."""

from __future__ import annotations

import torch
from torch import nn


class FrameEncoder(nn.Module):
    """A small Conv2d stack applied to every frame of an image sequence.

    Each block is Conv2d(3x3, same padding) -> BatchNorm2d -> ReLU -> MaxPool2d(2) (the pooling
    is skipped once a frame is down to 1 pixel); global average pooling and a linear layer give
    ``out_features`` values per frame.

    Parameters
    ----------
    in_channels : int
        Channels of one frame (1 for grey images).
    channels : tuple of int, default=(16, 32)
        Output channels of the convolution blocks.
    out_features : int, default=64
        Size of the feature vector of one frame.

    Examples
    --------
    >>> import torch
    >>> enc = FrameEncoder(in_channels=1, channels=(8,), out_features=16)
    >>> enc(torch.zeros(10, 1, 12, 12)).shape
    torch.Size([10, 16])
    """

    def __init__(
        self, in_channels: int, channels: tuple[int, ...] = (16, 32), out_features: int = 64
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
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.proj = nn.Linear(previous, out_features)
        self.out_features = out_features

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """Encode ``frames`` of shape [N, C, H, W] into [N, out_features]."""
        x = self.pool(self.convs(frames)).flatten(1)  # [N, C', h, w] -> [N, C']
        return self.proj(x)
