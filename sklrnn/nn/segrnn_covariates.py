"""SegRNN with covariates and quantile outputs: past and known-future inputs, several levels."""

from __future__ import annotations

import torch
from torch import nn

from ._utils import check_positive_int
from .segrnn import SegRNN, _map_state


class CovariateSegRNN(SegRNN):
    """SegRNN that reads past and known-future covariates and emits several quantiles.

    The target channels are forecast as in :class:`~sklrnn.nn.segrnn.SegRNN` (channel
    independence, segment embedding, recurrent encoder, parallel multi-step decoding); the
    covariates are shared by every target channel:

    - a **past covariate** (``n_past`` channels) is read over the look-back only: the segment
      embedding of each target channel takes the target segment and the segments of every past
      covariate, ``Linear((1 + n_past + n_future) * seg_len, hidden_size) + ReLU``;
    - a **known-future covariate** (``n_future`` channels, e.g. hour of day) is read over the
      look-back by the same embedding, and over the horizon by the decoder: the query of output
      segment ``m`` is the position (and channel) embedding plus
      ``Linear(n_future * seg_len, hidden_size)`` of the covariates in that segment;
    - the projection emits ``n_quantiles`` values per step (``Linear(hidden_size,
      seg_len * n_quantiles)``).

    With no covariates and one quantile the computation is SegRNN's with the ``"pmf"`` decoder.

    Parameters
    ----------
    lookback : int
        Number of past time steps ``L``.
    horizon : int
        Number of future time steps ``H``.
    n_channels : int
        Number of target channels ``C``.
    n_past : int, default=0
        Number of past covariates ``P``.
    n_future : int, default=0
        Number of known-future covariates ``F``.
    n_quantiles : int, default=1
        Number of outputs per step and channel ``Q``.
    **segrnn_params
        ``seg_len``, ``hidden_size``, ``cell``, ``num_layers``, ``channel_embedding``,
        ``dropout``, ``normalization`` and ``eps`` of :class:`~sklrnn.nn.segrnn.SegRNN`; the
        decoder is always ``"pmf"``.

    Notes
    -----
    ``forward(x)`` takes one packed tensor ``x`` of shape ``[B, L + H, C + P + F]``: the first
    ``L`` rows hold the look-back of targets, past and future covariates; the last ``H`` rows
    hold the future covariates in their last ``F`` columns. The last ``H`` rows of the target
    and past-covariate columns are never read, so no future value of them can reach the
    forecast, whatever they contain. Normalisation (``"last"`` or ``"revin"``) applies to the
    target channels, and to the past covariates without the affine map (each relative to its
    own look-back, so that a level shift of a covariate does not shift the forecast); known-
    future covariates are read as given. When ``seg_len`` does not divide ``H``, the
    future covariates are padded at the end with their last value.

    Output is ``[B, H, C]`` when ``n_quantiles == 1``, else ``[B, H, C, Q]``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.segrnn_covariates import CovariateSegRNN
    >>> model = CovariateSegRNN(lookback=48, horizon=12, n_channels=1, n_past=2, n_future=1,
    ...                         n_quantiles=3, seg_len=12, hidden_size=16)
    >>> model(torch.randn(5, 48 + 12, 1 + 2 + 1)).shape
    torch.Size([5, 12, 1, 3])
    """

    def __init__(
        self,
        *,
        lookback: int,
        horizon: int,
        n_channels: int,
        n_past: int = 0,
        n_future: int = 0,
        n_quantiles: int = 1,
        **segrnn_params,
    ) -> None:
        if segrnn_params.get("decoder", "pmf") != "pmf":
            raise ValueError(
                "CovariateSegRNN decodes in parallel only: decoder must be 'pmf'; got "
                f"{segrnn_params['decoder']!r}."
            )
        segrnn_params["decoder"] = "pmf"
        super().__init__(lookback=lookback, horizon=horizon, n_channels=n_channels, **segrnn_params)
        check_positive_int(n_past, "n_past", minimum=0)
        check_positive_int(n_future, "n_future", minimum=0)
        check_positive_int(n_quantiles, "n_quantiles")
        self.n_past, self.n_future, self.n_quantiles = n_past, n_future, n_quantiles
        width, d = self.seg_len, self.hidden_size
        self.embed = nn.Sequential(nn.Linear((1 + n_past + n_future) * width, d), nn.ReLU())
        dropout = self.project[0].p
        self.project = nn.Sequential(nn.Dropout(dropout), nn.Linear(d, width * n_quantiles))
        self.future_embed = nn.Linear(n_future * width, d) if n_future else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Forecast the next ``horizon`` steps of every target channel.

        Parameters
        ----------
        x : Tensor of shape (batch, lookback + horizon, n_channels + n_past + n_future)
            Packed look-back and future covariates (see Notes of the class).

        Returns
        -------
        y : Tensor of shape (batch, horizon, n_channels) or (batch, horizon, n_channels, Q)
        """
        C, P, F = self.n_channels, self.n_past, self.n_future
        L, H, W = self.lookback, self.horizon, self.seg_len
        if x.ndim != 3 or x.shape[1:] != (L + H, C + P + F):
            raise ValueError(
                f"CovariateSegRNN expects input of shape (batch, {L + H}, {C + P + F}); got "
                f"{tuple(x.shape)}."
            )
        batch, n_in, n_out = x.shape[0], self.n_segments_in, self.n_segments_out
        target, stats = self._normalize(x[:, :L, :C])  # [B, L, C]
        past_cov = self._normalize_past(x[:, :L, C : C + P])  # [B, L, P]
        covariates = torch.cat([past_cov, x[:, :L, C + P :]], dim=2)  # [B, L, P + F]
        past = torch.cat([target, covariates], dim=2).permute(0, 2, 1)  # -> [B, C + P + F, L]
        pad = n_in * W - L
        if pad:  # repeat the first value: [B, K, L] -> [B, K, N*W]
            past = torch.cat([past[:, :, :1].expand(-1, -1, pad), past], dim=2)
        past = past.reshape(batch, C + P + F, n_in, W)  # [B, K, N*W] -> [B, K, N, W]
        shared = past[:, C:].permute(0, 2, 1, 3).reshape(batch, 1, n_in, (P + F) * W)
        # [B, P + F, N, W] -> [B, 1, N, (P + F)*W], the same for every target channel
        segments = torch.cat([past[:, :C], shared.expand(-1, C, -1, -1)], dim=3)
        # [B, C, N, (1 + P + F)*W] -> [B*C, N, (1 + P + F)*W]
        segments = segments.reshape(batch * C, n_in, (1 + P + F) * W)
        _, state = self.rnn(self.embed(segments))  # state [layers, B*C, d]

        queries = self.pos_emb.unsqueeze(0).expand(C, -1, -1)  # [M, dp] -> [C, M, dp]
        if self.channel_emb is not None:
            channels = self.channel_emb.unsqueeze(1).expand(-1, n_out, -1)  # [C, M, dc]
            queries = torch.cat([queries, channels], dim=2)  # [C, M, d]
        queries = queries.unsqueeze(0).expand(batch, -1, -1, -1)  # [B, C, M, d]
        if self.future_embed is not None:
            future = x[:, L:, C + P :]  # [B, H, F]
            end_pad = n_out * W - H
            if end_pad:  # repeat the last value: [B, H, F] -> [B, M*W, F]
                future = torch.cat([future, future[:, -1:].expand(-1, end_pad, -1)], dim=1)
            future = future.reshape(batch, n_out, W, F).permute(0, 1, 3, 2)
            # [B, M*W, F] -> [B, M, W, F] -> [B, M, F, W]
            future = self.future_embed(future.reshape(batch, 1, n_out, F * W))  # [B, 1, M, d]
            queries = queries + future
        queries = queries.reshape(batch * C * n_out, 1, self.hidden_size)  # [B*C*M, 1, d]
        state = _map_state(state, lambda h: h.repeat_interleave(n_out, dim=1))
        out, _ = self.rnn(queries, state)  # [B*C*M, 1, d]
        y = self.project(out.squeeze(1))  # [B*C*M, d] -> [B*C*M, W*Q]
        Q = self.n_quantiles
        y = y.reshape(batch, C, n_out * W, Q)[:, :, :H]  # -> [B, C, M*W, Q] -> [B, C, H, Q]
        y = y.permute(3, 0, 2, 1)  # [B, C, H, Q] -> [Q, B, H, C]
        y = self._denormalize(y, stats).permute(1, 2, 3, 0)  # -> [B, H, C, Q]
        return y[..., 0] if Q == 1 else y

    def _normalize_past(self, past: torch.Tensor) -> torch.Tensor:
        """Past covariates relative to their own look-back, as the targets (no affine map)."""
        if past.shape[2] == 0 or self.normalization is None:
            return past
        if self.normalization == "last":
            return past - past[:, -1:, :]  # [B, L, P] - [B, 1, P]
        mean = past.mean(dim=1, keepdim=True)  # "revin": [B, L, P] -> [B, 1, P]
        return (past - mean) / torch.sqrt(past.var(dim=1, keepdim=True, unbiased=False) + self.eps)
