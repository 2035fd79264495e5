"""Training and inference cost of SegRNN against point-wise RNNs and a Transformer.

All models map a batch of look-back windows ``[B, L, C]`` to forecasts ``[B, H, C]`` (default
ETTh1's shape: L = 720, C = 7, H = 96) and have the same width ``d`` (``--d-model``):

- ``segrnn``: :class:`sklrnn.nn.segrnn.SegRNN` (GRU, PMF decoder, channel independent): a
  GRU over ``L / seg_len`` segments of each channel;
- ``gru`` / ``lstm``: a point-wise recurrent layer over the 720 steps reading all channels at
  each step (``input_size = C``, as the SegRNN paper's "vanilla RNN" baseline), its last state
  mapped by one Linear layer to the ``H * C`` outputs (direct, not recurrent, decoding);
- ``gru_ci``: the same GRU run channel independently (``input_size = 1``, ``B * C`` sequences
  of 720 steps, a Linear to ``H``): SegRNN without segments;
- ``transformer``: a plain ``torch.nn.TransformerEncoder`` (2 layers, 8 heads, feed-forward
  ``4 d``, post-norm) over the 720 point-wise tokens (``Linear(C, d)`` plus a learned position
  embedding, channels mixed as in the vanilla Transformer of the LTSF papers), then a Linear
  over time (720 -> H) and one over features (d -> C). No decoder stack.

Dropout is 0 everywhere, which lets torch use its fused attention kernel (in the Transformer's
favour). Every model runs in its own subprocess, so that peak memory is its own: on CPU the peak
resident set size (``ru_maxrss``) minus the resident size before the first step (activations,
gradients, optimiser state); on CUDA ``torch.cuda.max_memory_allocated``. A training step is
forward + MSE + backward + Adam step; times are means over ``--steps`` steps after 2 warm-up
steps, inference is a forward pass without gradient on the same batch.

    python benchmarks/efficiency.py --device cpu --batch-size 32 --d-model 128
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys

import torch
from _harness import print_table, timed, write_results
from torch import nn

from sklrnn.nn.segrnn import SegRNN

MODELS = ("segrnn", "gru", "lstm", "gru_ci", "transformer")


class PointwiseRNN(nn.Module):
    """A GRU or LSTM over every time step, all channels at once; Linear to ``H * C``."""

    def __init__(self, cell: str, n_channels: int, horizon: int, d_model: int) -> None:
        super().__init__()
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = rnn(n_channels, d_model, batch_first=True)
        self.head = nn.Linear(d_model, horizon * n_channels)
        self.horizon, self.n_channels = horizon, n_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # [B, L, C] -> [B, L, d]
        y = self.head(out[:, -1])  # [B, d] -> [B, H*C]
        return y.reshape(len(x), self.horizon, self.n_channels)  # [B, H*C] -> [B, H, C]


class ChannelIndependentGRU(nn.Module):
    """A point-wise GRU over each channel separately (shared weights); Linear to ``H``."""

    def __init__(self, horizon: int, d_model: int) -> None:
        super().__init__()
        self.rnn = nn.GRU(1, d_model, batch_first=True)
        self.head = nn.Linear(d_model, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, channels = x.shape
        x = x.permute(0, 2, 1).reshape(batch * channels, length, 1)  # [B, L, C] -> [B*C, L, 1]
        out, _ = self.rnn(x)  # [B*C, L, 1] -> [B*C, L, d]
        y = self.head(out[:, -1])  # [B*C, d] -> [B*C, H]
        return y.reshape(batch, channels, -1).permute(0, 2, 1)  # [B*C, H] -> [B, H, C]


class PointwiseTransformer(nn.Module):
    """TransformerEncoder over point-wise tokens; Linear over time, then over features."""

    def __init__(self, lookback: int, n_channels: int, horizon: int, d_model: int) -> None:
        super().__init__()
        self.embed = nn.Linear(n_channels, d_model)
        self.position = nn.Parameter(torch.randn(lookback, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead=8, dim_feedforward=4 * d_model, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.time = nn.Linear(lookback, horizon)
        self.out = nn.Linear(d_model, n_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.embed(x) + self.position)  # [B, L, C] -> [B, L, d]
        h = self.time(h.transpose(1, 2)).transpose(1, 2)  # [B, d, L] -> [B, d, H] -> [B, H, d]
        return self.out(h)  # [B, H, d] -> [B, H, C]


def build(name: str, args: argparse.Namespace) -> nn.Module:
    L, C, H, d = args.lookback, args.channels, args.horizon, args.d_model
    if name == "segrnn":
        return SegRNN(lookback=L, horizon=H, n_channels=C, seg_len=args.seg_len, hidden_size=d)
    if name in ("gru", "lstm"):
        return PointwiseRNN(name, C, H, d)
    if name == "gru_ci":
        return ChannelIndependentGRU(H, d)
    return PointwiseTransformer(L, C, H, d)


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker(name: str, args: argparse.Namespace) -> dict:
    """Measure one model in this process."""
    torch.manual_seed(0)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model = build(name, args).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(args.batch_size, args.lookback, args.channels, device=device)
    y = torch.randn(args.batch_size, args.horizon, args.channels, device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()

    rss_before = _rss_mib()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for _ in range(2):
        step()
    with timed(sync) as train:
        for _ in range(args.steps):
            step()
    model.eval()
    with torch.no_grad():
        model(x)
        with timed(sync) as infer:
            for _ in range(args.steps):
                model(x)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:  # ru_maxrss is in KiB on Linux
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before
    return {
        "model": name,
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_step_seconds": train.seconds / args.steps,
        "inference_seconds": infer.seconds / args.steps,
        "peak_memory_mib": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--seg-len", type=int, default=24)
    parser.add_argument("--lookback", type=int, default=720)
    parser.add_argument("--horizon", type=int, default=96)
    parser.add_argument("--channels", type=int, default=7)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--out", default=None, help="JSON path (default results/efficiency.json)")
    parser.add_argument("--worker", choices=MODELS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return

    rows = []
    for name in args.models:
        cmd = [sys.executable, __file__, *sys.argv[1:], "--worker", name]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{name:>12}: {r['train_step_seconds']:.3f} s/step, "
            f"{r['inference_seconds']:.3f} s/inference, {r['peak_memory_mib']:.0f} MiB",
            flush=True,
        )
    seg = next((r for r in rows if r["model"] == "segrnn"), None)
    for r in rows:
        if seg and r is not seg:
            r["segrnn_time_saving"] = 1 - seg["train_step_seconds"] / r["train_step_seconds"]
            r["segrnn_memory_saving"] = 1 - seg["peak_memory_mib"] / r["peak_memory_mib"]
    columns = [
        ("model", "model"),
        ("params", lambda r: f"{r['parameters']:,}"),
        ("train s/step", lambda r: f"{r['train_step_seconds']:.3f}"),
        ("infer s", lambda r: f"{r['inference_seconds']:.3f}"),
        ("peak MiB", lambda r: f"{r['peak_memory_mib']:.0f}"),
    ]
    if seg:
        columns.append(
            (
                "SegRNN time / mem saving",
                lambda r: (
                    f"{r['segrnn_time_saving']:.0%} / {r['segrnn_memory_saving']:.0%}"
                    if "segrnn_time_saving" in r
                    else ""
                ),
            )
        )
    title = (
        f"L={args.lookback} C={args.channels} H={args.horizon} batch={args.batch_size} "
        f"d={args.d_model} seg_len={args.seg_len} device={args.device}"
    )
    print_table(rows, columns, title=title)
    config = {k: v for k, v in vars(args).items() if k not in ("worker", "out")}
    write_results("efficiency", config, rows, args.out)


if __name__ == "__main__":
    main()
