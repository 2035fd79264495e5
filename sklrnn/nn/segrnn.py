"""SegRNN: segment-wise recurrent network for long-term time series forecasting."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._utils import check_choice, check_positive_int
from .recurrent import CELLS

DECODERS = ("pmf", "rmf")
NORMALIZATIONS = ("last", "revin", None)

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class SegRNN(nn.Module):
    """Segment recurrent network (SegRNN) for multi-step forecasting of a multivariate series.

    Implements the model of Lin et al. (2023), "SegRNN: Segment Recurrent Neural Network for
    Long-Term Time Series Forecasting" (arXiv:2308.11200). Every channel is forecast on its own
    with shared weights (channel independence): the look-back of one channel is cut into
    ``N = ceil(lookback / seg_len)`` segments, each segment is embedded by
    ``Linear(seg_len, hidden_size) + ReLU``, and a recurrent encoder runs over the ``N``
    segment embeddings. The decoder then produces ``M = ceil(horizon / seg_len)`` output
    segments:

    - ``"pmf"`` (parallel multi-step forecasting, the paper's choice): every output segment
      ``m`` is decoded independently by one recurrent step whose input is a learned position
      embedding of ``m`` (concatenated with a learned embedding of the channel when
      ``channel_embedding``) and whose initial state is the encoder's final state; the ``M``
      steps run as one batch.
    - ``"rmf"`` (recurrent multi-step forecasting): with ``h_0`` the encoder's final state,
      segment ``m`` is ``y_m = project(h_{m-1})`` and the next state is
      ``h_m = cell(embed(y_m), h_{m-1})``, where ``embed`` is the same segment embedding as the
      encoder's and ``cell`` the same recurrent network. Each predicted segment is thus fed
      back as the next input. Position and channel embeddings are not used.

    ``project`` is ``Dropout(dropout)`` followed by ``Linear(hidden_size, seg_len)``, applied
    to the top layer's state.

    Parameters
    ----------
    lookback : int
        Number of past time steps ``L`` the model reads.
    horizon : int
        Number of future time steps ``H`` the model predicts.
    n_channels : int
        Number of channels ``C`` of the series (needed for the channel embedding and RevIN).
    seg_len : int, default=24
        Length ``W`` of one segment; at most ``lookback``.
    hidden_size : int, default=512
        Size ``d`` of the segment embedding and of the recurrent state.
    cell : {"gru", "lstm", "rnn"}, default="gru"
        Recurrent cell of the encoder and decoder.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    decoder : {"pmf", "rmf"}, default="pmf"
        Parallel or recurrent multi-step decoding, see above.
    channel_embedding : bool, default=True
        With ``"pmf"``, give the decoder a learned embedding of the channel of size
        ``hidden_size // 2`` next to the position embedding of size
        ``hidden_size - hidden_size // 2``; else the position embedding has size
        ``hidden_size``. Ignored by ``"rmf"``.
    dropout : float, default=0.1
        Dropout before the output projection.
    normalization : {"last", "revin"} or None, default="last"
        ``"last"`` subtracts each channel's last look-back value from the look-back and adds it
        back to the forecast. ``"revin"`` is reversible instance normalisation: each channel of
        each sample is standardised by its own look-back mean and standard deviation, then
        scaled and shifted by a learned per-channel affine map; the forecast goes through the
        inverse. None feeds the values as they are.
    eps : float, default=1e-5
        Added to the variance (and to the affine weight when inverting) by ``"revin"``.

    Attributes
    ----------
    n_segments_in : int
        ``N``, the number of look-back segments.
    n_segments_out : int
        ``M``, the number of decoded segments.

    Notes
    -----
    Input is ``[B, L, C]``, output ``[B, H, C]``. When ``seg_len`` does not divide ``lookback``
    (the reference implementation requires it to), the normalised look-back is padded at its
    start to ``N * seg_len`` steps by repeating its first value, so that the padding holds no
    information the series did not have and the most recent steps stay aligned with the
    segment borders; the RevIN statistics are computed on the real steps only. When ``seg_len``
    does not divide ``horizon``, the ``M * seg_len`` decoded steps are cropped to the first
    ``horizon``. A ``seg_len`` larger than ``lookback`` is rejected: such a model would see
    mostly padding.

    Dropout acts only before the output projection, as in the paper; with ``num_layers > 1``
    there is no dropout between the recurrent layers.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.segrnn import SegRNN
    >>> model = SegRNN(lookback=48, horizon=12, n_channels=3, seg_len=12, hidden_size=16)
    >>> model(torch.randn(5, 48, 3)).shape
    torch.Size([5, 12, 3])
    """

    def __init__(
        self,
        *,
        lookback: int,
        horizon: int,
        n_channels: int,
        seg_len: int = 24,
        hidden_size: int = 512,
        cell: str = "gru",
        num_layers: int = 1,
        decoder: str = "pmf",
        channel_embedding: bool = True,
        dropout: float = 0.1,
        normalization: str | None = "last",
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        for name, value in [
            ("lookback", lookback),
            ("horizon", horizon),
            ("n_channels", n_channels),
            ("seg_len", seg_len),
            ("hidden_size", hidden_size),
            ("num_layers", num_layers),
        ]:
            check_positive_int(value, name)
        if seg_len > lookback:
            raise ValueError(
                f"seg_len={seg_len} is longer than the look-back windows (lookback={lookback} "
                f"steps); a segment must fit in the look-back window: use seg_len <= {lookback}."
            )
        check_choice(cell, "cell", CELLS)
        check_choice(decoder, "decoder", DECODERS)
        check_choice(normalization, "normalization", NORMALIZATIONS)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}.")
        if not eps > 0:
            raise ValueError(f"eps must be positive; got {eps!r}.")
        use_channel = decoder == "pmf" and bool(channel_embedding)
        if use_channel and hidden_size < 2:
            raise ValueError(
                "hidden_size must be at least 2 with channel_embedding=True (half of the decoder "
                f"input is the channel embedding); got {hidden_size}."
            )

        self.lookback = lookback
        self.horizon = horizon
        self.n_channels = n_channels
        self.seg_len = seg_len
        self.hidden_size = hidden_size
        self.decoder = decoder
        self.normalization = normalization
        self.eps = eps
        self.n_segments_in = math.ceil(lookback / seg_len)
        self.n_segments_out = math.ceil(horizon / seg_len)

        self.embed = nn.Sequential(nn.Linear(seg_len, hidden_size), nn.ReLU())
        self.rnn = CELLS[cell](hidden_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.project = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size, seg_len))
        self.pos_emb: nn.Parameter | None = None
        self.channel_emb: nn.Parameter | None = None
        if decoder == "pmf":
            channel_size = hidden_size // 2 if use_channel else 0
            self.pos_emb = nn.Parameter(
                torch.randn(self.n_segments_out, hidden_size - channel_size)
            )
            if use_channel:
                self.channel_emb = nn.Parameter(torch.randn(n_channels, channel_size))
        self.revin_weight: nn.Parameter | None = None
        self.revin_bias: nn.Parameter | None = None
        if normalization == "revin":
            self.revin_weight = nn.Parameter(torch.ones(n_channels))
            self.revin_bias = nn.Parameter(torch.zeros(n_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forecast the next ``horizon`` steps of every channel.

        Parameters
        ----------
        x : Tensor of shape (batch, lookback, n_channels)
            The look-back windows.

        Returns
        -------
        y : Tensor of shape (batch, horizon, n_channels)
        """
        if x.ndim != 3 or x.shape[1:] != (self.lookback, self.n_channels):
            raise ValueError(
                f"SegRNN expects input of shape (batch, {self.lookback}, {self.n_channels}); "
                f"got {tuple(x.shape)}."
            )
        batch, channels, width = x.shape[0], self.n_channels, self.seg_len
        x, stats = self._normalize(x)
        x = x.permute(0, 2, 1)  # [B, L, C] -> [B, C, L]
        pad = self.n_segments_in * self.seg_len - self.lookback
        if pad:
            # repeat the first value: [B, C, L] -> [B, C, N*W]
            x = torch.cat([x[:, :, :1].expand(-1, -1, pad), x], dim=2)
        x = x.reshape(batch * channels, self.n_segments_in, width)  # [B, C, N*W] -> [B*C, N, W]
        _, state = self.rnn(self.embed(x))  # [B*C, N, d] -> state [layers, B*C, d]
        if self.decoder == "pmf":
            y = self._decode_parallel(state, batch)
        else:
            y = self._decode_recurrent(state)
        y = y.reshape(batch, channels, self.n_segments_out * width)  # [B*C, M, W] -> [B, C, M*W]
        y = y[:, :, : self.horizon].permute(0, 2, 1)  # [B, C, M*W] -> [B, H, C]
        return self._denormalize(y, stats)

    def _decode_parallel(self, state: State, batch: int) -> torch.Tensor:
        """All output segments at once: one recurrent step per (sample, channel, segment)."""
        n_out, n_channels = self.n_segments_out, self.n_channels
        queries = self.pos_emb.unsqueeze(0).expand(n_channels, -1, -1)  # [M, dp] -> [C, M, dp]
        if self.channel_emb is not None:
            channels = self.channel_emb.unsqueeze(1).expand(-1, n_out, -1)  # [C, dc] -> [C, M, dc]
            queries = torch.cat([queries, channels], dim=2)  # [C, M, dp + dc] = [C, M, d]
        queries = queries.unsqueeze(0).expand(batch, -1, -1, -1)  # [C, M, d] -> [B, C, M, d]
        queries = queries.reshape(batch * n_channels * n_out, 1, self.hidden_size)
        # [B, C, M, d] -> [B*C*M, 1, d]
        state = _map_state(state, lambda h: h.repeat_interleave(n_out, dim=1))
        # [layers, B*C, d] -> [layers, B*C*M, d], each (sample, channel) state repeated M times
        out, _ = self.rnn(queries, state)  # out [B*C*M, 1, d]
        y = self.project(out.squeeze(1))  # [B*C*M, d] -> [B*C*M, W]
        return y.reshape(batch * n_channels, n_out, self.seg_len)  # -> [B*C, M, W]

    def _decode_recurrent(self, state: State) -> torch.Tensor:
        """One output segment after the other, each fed back as the next input."""
        segments = []
        for m in range(self.n_segments_out):
            top = (state[0] if isinstance(state, tuple) else state)[-1]  # [B*C, d]
            segment = self.project(top)  # [B*C, d] -> [B*C, W]
            segments.append(segment)
            if m + 1 < self.n_segments_out:
                step = self.embed(segment).unsqueeze(1)  # [B*C, W] -> [B*C, 1, d]
                _, state = self.rnn(step, state)
        return torch.stack(segments, dim=1)  # M x [B*C, W] -> [B*C, M, W]

    def _normalize(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        if self.normalization == "last":
            last = x[:, -1:, :]  # [B, L, C] -> [B, 1, C]
            return x - last, (last,)
        if self.normalization == "revin":
            mean = x.mean(dim=1, keepdim=True)  # [B, L, C] -> [B, 1, C]
            std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + self.eps)
            return (x - mean) / std * self.revin_weight + self.revin_bias, (mean, std)
        return x, ()

    def _denormalize(self, y: torch.Tensor, stats: tuple[torch.Tensor, ...]) -> torch.Tensor:
        if self.normalization == "last":
            return y + stats[0]
        if self.normalization == "revin":
            mean, std = stats
            return (y - self.revin_bias) / (self.revin_weight + self.eps) * std + mean
        return y


def _map_state(state: State, fn) -> State:
    """Apply ``fn`` to a GRU/RNN state or to both tensors of an LSTM state."""
    if isinstance(state, tuple):
        return tuple(fn(s) for s in state)
    return fn(state)
