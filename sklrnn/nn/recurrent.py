"""RecurrentNet: [embedding | frame encoder] [+ positions] -> [Conv1d] [-> segments] ->
RNN/LSTM/GRU -> pooling -> head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._utils import check_choice, check_positive_int, valid_mask

# _MaskedBatchNorm1d and _ConvFrontEnd lived here before 0.2: pickles name them in this module
from .conv import (  # noqa: F401
    CONV_NORMS,
    _ConvFrontEnd,
    _MaskedBatchNorm1d,
    _per_layer,
    conv_dilations,
)
from .frames import FrameEncoder
from .scaling import InputScaling

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
POOLINGS = ("last", "mean", "max", "attention")
POSITION_ENCODINGS = (None, "learned", "sinusoidal")


def sinusoidal_positions(n_steps: int, dim: int) -> torch.Tensor:
    """[n_steps, dim] sine / cosine position codes (Vaswani et al., 2017, section 3.5)."""
    position = torch.arange(n_steps, dtype=torch.float32)[:, None]  # [T, 1]
    frequency = torch.exp(torch.arange(0, dim, 2) * (-9.210340371976184 / dim))  # ln(1e4)
    codes = torch.zeros(n_steps, dim)
    codes[:, 0::2] = torch.sin(position * frequency)
    codes[:, 1::2] = torch.cos(position * frequency[: dim // 2])
    return codes


CONV_MODES = ("serial", "parallel")


def coarse_lengths(lengths: torch.Tensor, factor: int) -> torch.Tensor:
    """Valid steps of each sequence once every ``factor`` steps become one: ``ceil(T_i / factor)``.

    Examples
    --------
    >>> import torch
    >>> coarse_lengths(torch.tensor([1, 4, 5]), 4)
    tensor([1, 1, 2])
    """
    return torch.div(lengths + factor - 1, factor, rounding_mode="floor")


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
        Output channels of a stack of Conv1d layers over time; empty for none.
    conv_kernel_size : int or tuple of int, default=3
        Kernel size of the convolutions (same padding): one for all layers, or one per layer.
    conv_dilation : int, tuple of int or "exponential", default=1
        Dilation of the convolutions: one for all layers, one per layer, or ``"exponential"``:
        convolution ``i`` (from 0) dilated by ``4 ** i`` (``DILATION_GROWTH``), so that three
        convolutions of kernel 5 see 81 steps (at the segments' resolution) instead of 13.
    conv_norm : {None, "batch"}, default=None
        Batch normalisation after each convolution (statistics over valid steps only).
    conv_mode : {"serial", "parallel"}, default="serial"
        ``"serial"``: the convolutions feed the recurrent layer (a CNN-RNN). ``"parallel"``:
        the convolutions and the recurrent layer both read the input; the valid-step mean of
        the last convolution is concatenated with the pooled recurrent output (the LSTM-FCN
        layout of Karim, Majumdar, Darabi and Chen, IEEE Access 2018).
    standardize : {None, "global", "series", "both"}, default=None
        How numeric input is scaled before the first layer (token ids and frames are read as
        they are). ``"global"``: every feature minus ``input_mean``, divided by
        ``input_scale`` (the training data's statistics, fixed). ``"series"``: each sequence
        standardised by its own mean and standard deviation of every feature over its valid
        steps, and ``sign(mean) log(1 + |mean|)`` and ``log(std)`` of every feature given to the
        head beside the pooled vector: the shapes of series whose scales differ by orders of
        magnitude all reach the network, and the scales are not lost. ``"both"``: every
        feature both ways (``2 * n_features`` per step), and the statistics to the head. The
        layer is ``scaling`` (``sklrnn.nn.scaling.InputScaling``).
    input_mean, input_scale : sequence of float or None, default=None
        Per-feature statistics of ``standardize="global"`` and ``"both"``.
    branch_dropout : float, default=0.0
        With ``conv_mode="parallel"``, dropout on the pooled recurrent output before it joins
        the convolutional branch (LSTM-FCN drops 80 % of it there). Without it, on small
        training sets the head memorises the training series through the recurrent features
        instead of learning the convolutional ones, which generalise better.
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
    position_encoding : {None, "learned", "sinusoidal"}, default=None
        Append to every step a code of its position from the start of the sequence, so that the
        network knows where in a fixed-length window each step is: ``"learned"`` trains one
        vector per position (positions past ``max_len - 1`` share the last one),
        ``"sinusoidal"`` uses fixed sine and cosine codes.
    position_dim : int, default=16
        Size of the position code.
    max_len : int, default=1
        Positions of the learned code (the longest sequence expected).
    segment_length : int, default=1
        Read long sequences at a coarser time resolution. Above 1, the recurrent layer reads
        one step per segment of ``segment_length`` steps, each segment's steps flattened and
        embedded by a linear layer and a ReLU (the segments of SegRNN, Lin et al., "SegRNN:
        segment recurrent neural network for long-term time series forecasting", 2023), so it
        walks ``ceil(T / segment_length)`` steps instead of ``T``; the convolutions max-pool
        the output of their first layer by the same factor (with ``conv_mode="serial"`` the
        recurrent layer reads those pooled features). 1 reads every step.

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
        conv_kernel_size: int | tuple[int, ...] = 3,
        conv_dilation: int | str | tuple[int, ...] = 1,
        conv_norm: str | None = None,
        conv_mode: str = "serial",
        standardize: str | None = None,
        input_mean=None,
        input_scale=None,
        branch_dropout: float = 0.0,
        frame_shape: tuple[int, int, int] | None = None,
        frame_channels: tuple[int, ...] = (16, 32),
        frame_features: int = 64,
        frame_pool_size: int = 1,
        vocab_size: int | None = None,
        embedding_dim: int = 16,
        position_encoding: str | None = None,
        position_dim: int = 16,
        max_len: int = 1,
        segment_length: int = 1,
    ) -> None:
        super().__init__()
        check_positive_int(segment_length, "segment_length")
        check_choice(cell, "cell", CELLS)
        check_choice(pooling, "pooling", POOLINGS)
        check_choice(conv_norm, "conv_norm", CONV_NORMS)
        check_choice(conv_mode, "conv_mode", CONV_MODES)
        check_choice(position_encoding, "position_encoding", POSITION_ENCODINGS)
        self.pooling = pooling
        self.conv_mode = conv_mode
        self.branch_dropout = nn.Dropout(branch_dropout)
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
        numeric = vocab_size is None and frame_shape is None  # ids and frames are not scaled
        self.scaling = InputScaling(
            standardize if numeric else None, step_features, input_mean, input_scale
        )
        step_features = self.scaling.out_features
        n_statistics = self.scaling.n_statistics  # each feature's mean and log-std reach the head
        self.position_encoding = position_encoding
        self.positions: nn.Embedding | None = None
        if position_encoding == "learned":
            self.positions = nn.Embedding(max_len, position_dim)
        elif position_encoding == "sinusoidal":
            self.register_buffer("codes", sinusoidal_positions(max_len, position_dim), False)
        self.position_dim = position_dim
        step_features += position_dim * (position_encoding is not None)
        self.conv = None
        conv_width = 0
        if conv_channels:
            n_layers = len(conv_channels)
            self.conv = _ConvFrontEnd(
                step_features,
                tuple(conv_channels),
                _per_layer(conv_kernel_size, n_layers, "conv_kernel_size"),
                conv_norm,
                pool=segment_length,
                dilations=conv_dilations(conv_dilation, n_layers),
            )
            if conv_mode == "serial":
                step_features = conv_channels[-1]
            else:
                conv_width = conv_channels[-1]
        self.segment_length = segment_length
        self.segments: nn.Linear | None = None
        if segment_length > 1 and not (conv_channels and conv_mode == "serial"):
            self.segments = nn.Linear(segment_length * step_features, hidden_size)
            step_features = hidden_size
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
        self.head = nn.Linear(width + conv_width + n_statistics, n_outputs)

    def __setstate__(self, state: dict) -> None:
        state.setdefault("segment_length", 1)  # pickles of 0.1 read every step
        state.setdefault("segments", None)
        modules = state.setdefault("_modules", {})
        modules.setdefault("branch_dropout", nn.Dropout(0.0))
        modules.setdefault("scaling", InputScaling(None, 1))
        super().__setstate__(state)

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

    def _positions(self, steps: torch.Tensor) -> torch.Tensor:
        """[B, T, P] position codes for the steps of a [B, T, F] batch."""
        n_steps = steps.shape[1]
        if self.positions is not None:
            index = torch.arange(n_steps, device=steps.device).clamp(
                max=self.positions.num_embeddings - 1
            )
            codes = self.positions(index)  # [T] -> [T, P]
        elif n_steps <= len(self.codes):
            codes = self.codes[:n_steps]
        else:
            codes = sinusoidal_positions(n_steps, self.position_dim).to(steps.device)
        return codes.to(steps.dtype).expand(steps.shape[0], -1, -1)  # [T, P] -> [B, T, P]

    def forward(
        self,
        x: torch.Tensor,
        lengths: torch.Tensor,
        mix_index: torch.Tensor | None = None,
        mix_weight: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Map a padded batch ``x`` with valid ``lengths`` to outputs [B, n_outputs].

        With ``mix_index`` and ``mix_weight`` (training batches under mixup,
        :func:`sklrnn.augment.mix_batch`), sequence ``i`` is blended with sequence
        ``mix_index[i]`` once both are scaled: ``w * s[i] + (1 - w) * s[j]``, valid over the
        longer of the two, and so are the series' statistics.
        """
        mask = valid_mask(lengths, x.shape[1])
        steps = self._embed_steps(x, mask)
        steps, stats = self.scaling(steps, mask)
        if mix_index is not None:
            w = mix_weight.to(steps.dtype)[:, None]  # [B] -> [B, 1]
            steps = steps * mask.unsqueeze(-1).to(steps.dtype)  # padding blends as zeros
            steps = w[..., None] * steps + (1 - w[..., None]) * steps[mix_index]
            stats = None if stats is None else w * stats + (1 - w) * stats[mix_index]
            lengths = torch.maximum(lengths, lengths[mix_index])
            mask = valid_mask(lengths, x.shape[1])
        if self.position_encoding is not None:
            steps = torch.cat([steps, self._positions(steps)], dim=-1)  # [B, T, F + P]
        conv_pooled = None
        if self.conv is not None and self.conv_mode == "parallel":
            conv_out = self.conv(steps, mask)  # [B, T', C], padded steps are zero
            n_valid = coarse_lengths(lengths, self.segment_length).to(conv_out.dtype)
            conv_pooled = conv_out.sum(1) / n_valid.clamp(min=1)[:, None]  # [B, T', C] -> [B, C]
        elif self.conv is not None:
            steps = self.conv(steps, mask)  # [B, T, F] -> [B, T', C]
        if self.segments is not None:
            steps = self._segment(steps, mask)  # [B, T, F] -> [B, T', H]
        if self.segment_length > 1:
            lengths = coarse_lengths(lengths, self.segment_length)
            mask = valid_mask(lengths, steps.shape[1])
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
        if conv_pooled is not None:
            pooled = torch.cat([self.branch_dropout(pooled), conv_pooled], dim=1)
        if stats is not None:
            pooled = torch.cat([pooled, stats], dim=1)  # the scales reach the head
        return self.head(self.dropout(pooled))

    def _segment(self, steps: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """[B, T, F] steps -> [B, ceil(T / W), H] segment embeddings (W = segment_length)."""
        width = self.segment_length
        batch, n_steps, n_features = steps.shape
        n_segments = -(-n_steps // width)
        steps = steps * mask.unsqueeze(-1).to(steps.dtype)  # padded steps read as zeros
        steps = F.pad(steps, (0, 0, 0, n_segments * width - n_steps))  # [B, N*W, F]
        # [B, N*W, F] -> [B, N, W*F]
        segments = steps.reshape(batch, n_segments, width * n_features)
        return torch.relu(self.segments(segments))  # [B, N, W*F] -> [B, N, H]

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
