"""RecurrentNet: [embedding | frame encoder] -> [Conv1d] -> RNN/LSTM/GRU -> pooling -> head."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._utils import check_choice, valid_mask
from .frames import FrameEncoder

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
POOLINGS = ("last", "mean", "max", "attention")


class _ConvFrontEnd(nn.Module):
    """Conv1d -> ReLU blocks over time; steps past each sequence's end are reset to zero."""

    def __init__(self, in_features: int, channels: tuple[int, ...], kernel_size: int) -> None:
        super().__init__()
        widths = (in_features, *channels)
        self.convs = nn.ModuleList(
            nn.Conv1d(a, b, kernel_size, padding="same") for a, b in zip(widths, widths[1:])
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask[:, None, :].to(x.dtype)  # [B, T] -> [B, 1, T]
        h = x.transpose(1, 2) * keep  # [B, T, F] -> [B, F, T]
        for conv in self.convs:
            # Zeroing the padded steps after every layer makes a padded sequence see exactly
            # the zero border an unpadded one sees.
            h = torch.relu(conv(h)) * keep
        return h.transpose(1, 2)  # [B, C, T] -> [B, T, C]


class RecurrentNet(nn.Module):
    """A recurrent network over (possibly padded) batches of sequences.

    The input is embedded (token ids), encoded frame by frame (image sequences) or used as is
    (vectors), optionally passed through a stack of Conv1d layers over time (CNN-RNN), then through
    a recurrent layer; the sequence of outputs is pooled into one vector and a linear head gives
    the outputs. Padded steps never influence the result: recurrence runs on packed sequences
    and pooling only looks at valid steps.

    Parameters
    ----------
    n_features : int
        Values per time step of vector input (ignored for tokens and frames).
    n_outputs : int
        Size of the output (classes or regression targets).
    cell : {"rnn", "lstm", "gru"}, default="lstm"
        Recurrent layer type.
    hidden_size : int, default=64
        Hidden units per direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Run a second recurrent layer backwards in time.
    dropout : float, default=0.0
        Dropout between recurrent layers and on the pooled vector before the head.
    pooling : {"last", "mean", "max", "attention"}, default="last"
        ``"last"``: final hidden state of the last layer (true last step of each sequence; both
        directions when bidirectional); ``"mean"``/``"max"``: over the valid steps of the top
        layer's outputs; ``"attention"``: a learned softmax weighting of the valid steps.
    conv_channels : tuple of int, default=()
        Output channels of a Conv1d front end over time; empty for none.
    conv_kernel_size : int, default=3
        Kernel size of the front end's convolutions (same padding).
    frame_shape : tuple of int or None, default=None
        ``(C, H, W)`` of one frame for image-sequence input, encoded by a
        :class:`~sklrnn.nn.frames.FrameEncoder` trained end to end.
    frame_channels : tuple of int, default=(16, 32)
        Channels of the frame encoder's Conv2d blocks.
    frame_features : int, default=64
        Features per frame from the frame encoder.
    frame_pool_size : int, default=1
        Side of the grid the frame encoder's last feature map is average-pooled to (its
        ``pool_size``); 1 is global average pooling.
    vocab_size : int or None, default=None
        Number of token ids for token input (an embedding layer); None for numeric input.
    embedding_dim : int, default=16
        Size of the token embedding.

    Examples
    --------
    >>> import torch
    >>> net = RecurrentNet(n_features=3, n_outputs=2, cell="gru", hidden_size=8)
    >>> net(torch.zeros(4, 10, 3), torch.tensor([10, 7, 3, 1])).shape
    torch.Size([4, 2])
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int,
        *,
        cell: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
        conv_channels: tuple[int, ...] = (),
        conv_kernel_size: int = 3,
        frame_shape: tuple[int, int, int] | None = None,
        frame_channels: tuple[int, ...] = (16, 32),
        frame_features: int = 64,
        frame_pool_size: int = 1,
        vocab_size: int | None = None,
        embedding_dim: int = 16,
    ) -> None:
        super().__init__()
        check_choice(cell, "cell", CELLS)
        check_choice(pooling, "pooling", POOLINGS)
        self.pooling = pooling
        self.embedding: nn.Embedding | None = None
        self.frames: FrameEncoder | None = None
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim)
            step_features = embedding_dim
        elif frame_shape is not None:
            self.frames = FrameEncoder(
                frame_shape[0], tuple(frame_channels), frame_features, pool_size=frame_pool_size
            )
            step_features = frame_features
        else:
            step_features = n_features
        self.conv = None
        if conv_channels:
            self.conv = _ConvFrontEnd(step_features, tuple(conv_channels), conv_kernel_size)
            step_features = conv_channels[-1]
        self.rnn = CELLS[cell](
            step_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        width = hidden_size * (2 if bidirectional else 1)
        self.attention = nn.Linear(width, 1) if pooling == "attention" else None
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width, n_outputs)

    def _embed_steps(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Turn raw input into [B, T, F] step features."""
        if self.embedding is not None:
            # Ids beyond the vocabulary (never seen in training) read as the unknown id 0.
            x = x.masked_fill(x >= self.embedding.num_embeddings, 0)
            return self.embedding(x)  # [B, T] -> [B, T, E]
        if self.frames is not None:
            # Only valid frames are encoded, so padding cannot touch batch-norm statistics.
            out = x.new_zeros(*mask.shape, self.frames.out_features)
            out[mask] = self.frames(x[mask])  # [n_valid, C, H, W] -> [n_valid, F]
            return out
        return x.unsqueeze(-1) if x.dim() == 2 else x  # [B, T] -> [B, T, 1]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Map a padded batch ``x`` with valid ``lengths`` to outputs [B, n_outputs]."""
        mask = valid_mask(lengths, x.shape[1])
        steps = self._embed_steps(x, mask)
        if self.conv is not None:
            steps = self.conv(steps, mask)
        max_len = steps.shape[1]
        ragged = bool((lengths < max_len).any())
        if ragged:
            packed = pack_padded_sequence(
                steps, lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            out, state = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=max_len)
        else:
            out, state = self.rnn(steps)  # out: [B, T, D]
        pooled = self._pool(out, state, mask)
        return self.head(self.dropout(pooled))

    def _pool(self, out: torch.Tensor, state, mask: torch.Tensor) -> torch.Tensor:
        if self.pooling == "last":
            h_n = state[0] if isinstance(state, tuple) else state  # LSTM state is (h, c)
            directions = 2 if self.rnn.bidirectional else 1
            top = h_n[-directions:]  # [layers*dirs, B, H] -> [dirs, B, H]
            return top.transpose(0, 1).reshape(out.shape[0], -1)  # [dirs, B, H] -> [B, dirs*H]
        valid = mask.unsqueeze(-1)  # [B, T] -> [B, T, 1]
        if self.pooling == "mean":
            return (out * valid).sum(1) / valid.sum(1).clamp(min=1)
        if self.pooling == "max":
            return out.masked_fill(~valid, float("-inf")).amax(1)
        scores = self.attention(out).masked_fill(~valid, float("-inf"))  # [B, T, 1]
        return (torch.softmax(scores, dim=1) * out).sum(1)
