"""SegRNNForecaster on the ETTh1 long-term forecasting protocol, next to the published numbers.

Protocol (see ``load_ett``): look-back L = 720, horizons H in {96, 192, 336, 720}, the train /
validation / test row blocks of Informer, a StandardScaler fitted on the train rows, all 7
channels in and out, every stride-1 test window (2,785 at H = 96); MSE and MAE are means over
windows x H x channels on the scaled data.

Validation: the protocol early-stops on its own validation block, passed to ``fit`` as
``X_val, y_val``; the model trains on exactly the train windows.

Timing: ``seconds`` is wall-clock fit + predict; ``CPU s`` is the CPU time of the fit summed over
the process's threads, which depends less on other work on a shared machine.

Presets: ``paper`` is SegRNN's published ETTh1 configuration (d = 512, segments of 24, batch
64, Adam 3e-4, MSE loss, at most 30 epochs, patience 5; meant for a GPU). ``cpu`` is a smaller
model for a 2-core CPU, after the older arXiv scripts (segments of 48, dropout 0.5, batch 256,
L1 loss) with d = 128, lr 2e-3 and at most 10 epochs, patience 3; both use the official learning
rate schedule. ``--set name=value`` overrides any estimator parameter of the preset.

    python benchmarks/ltsf.py --preset cpu --horizons 96
    python benchmarks/ltsf.py --preset paper --device cuda
"""

from __future__ import annotations

import argparse
import ast

import numpy as np
import torch
from _harness import print_table, timed, write_results

from sklrnn import SegRNNForecaster
from sklrnn.datasets import load_ett
from sklrnn.features import make_windows
from sklrnn.utils._torch import resolve_device

LOOKBACK = 720
HORIZONS = (96, 192, 336, 720)

# Test MSE / MAE on ETTh1, L = 720 (shared/data/README.md: the SegRNN IEEE IoT-J table).
PUBLISHED = {
    "SegRNN": {96: (0.351, 0.392), 192: (0.392, 0.414), 336: (0.423, 0.433), 720: (0.466, 0.472)},
    "PatchTST": {96: (0.375, 0.404), 192: (0.418, 0.430), 336: (0.462, 0.460), 720: (0.495, 0.497)},
    "DLinear": {96: (0.381, 0.407), 192: (0.419, 0.430), 336: (0.454, 0.456), 720: (0.499, 0.512)},
}
# Measured on this split at H = 96 (same README).
BASELINES_96 = {"repeat last": (1.294, 0.713), "ridge on 720 lags": (0.376, 0.399)}

PRESETS = {
    "paper": dict(
        seg_len=24,
        hidden_size=512,
        cell="gru",
        decoder="pmf",
        channel_embedding=True,
        normalization="last",
        dropout=0.1,
        loss="mse",
        batch_size=64,
        learning_rate=3e-4,
        max_epochs=30,
        early_stopping=True,
        n_iter_no_change=5,
        tol=0.0,
        lr_schedule="paper",
    ),
    "cpu": dict(
        seg_len=48,
        hidden_size=128,
        cell="gru",
        decoder="pmf",
        channel_embedding=True,
        normalization="last",
        dropout=0.5,
        loss="mae",
        batch_size=256,
        learning_rate=2e-3,
        max_epochs=10,
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.0,
        lr_schedule="paper",
    ),
}


def protocol_data(horizon: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The train, validation and test windows of the protocol, as ``(X, y)`` pairs."""
    ett = load_ett("ETTh1", lookback=LOOKBACK)
    return {
        part: make_windows(getattr(ett, part), LOOKBACK, horizon)
        for part in ("train", "val", "test")
    }


def run_horizon(params: dict, horizon: int, verbose: int) -> dict:
    data = protocol_data(horizon)
    (X, y), (X_val, y_val) = data.pop("train"), data.pop("val")
    X_test, y_test = data["test"]
    sizes = {"train": len(X), "val": len(X_val), "test": len(X_test)}
    model = SegRNNForecaster(**params, verbose=verbose)
    with timed() as fit:
        model.fit(X, y, X_val=X_val, y_val=y_val)
    del X, y, X_val, y_val
    with timed() as predict:
        pred = model.predict(X_test)
    err = pred - y_test
    history = model.net_.history
    return {
        "horizon": horizon,
        "windows": sizes,
        "mse": float(np.mean(err**2)),
        "mae": float(np.mean(np.abs(err))),
        "fit_seconds": fit.seconds,
        "fit_cpu_seconds": fit.cpu_seconds,
        "predict_seconds": predict.seconds,
        "epochs": model.n_iter_,
        "best_epoch": int(np.argmax(model.validation_scores_)) + 1,
        "best_val_mse": -model.best_validation_score_,
        "train_loss": model.loss_curve_,
        "valid_loss": [float(v) for v in history[:, "valid_loss"]],
        "val_mse": [-v for v in model.validation_scores_],
        "epoch_seconds": [float(v) for v in history[:, "dur"]],
    }


def print_results(preset: str, rows: list[dict]) -> None:
    columns = [
        ("H", "horizon"),
        ("ours MSE/MAE", lambda r: f"{r['mse']:.3f} / {r['mae']:.3f}"),
        ("seconds", lambda r: f"{r['fit_seconds'] + r['predict_seconds']:.0f}"),
        ("CPU s", lambda r: f"{r['fit_cpu_seconds']:.0f}"),
        ("epochs", "epochs"),
    ]
    for name, scores in PUBLISHED.items():
        columns.append(
            (f"{name} MSE/MAE", lambda r, s=scores: "{:.3f} / {:.3f}".format(*s[r["horizon"]]))
        )
    print_table(rows, columns, title=f"ETTh1, L={LOOKBACK}, preset {preset!r}")
    if any(r["horizon"] == 96 for r in rows):
        print(
            "H=96 baselines on this split: "
            + ", ".join(f"{k} {m:.3f} / {a:.3f}" for k, (m, a) in BASELINES_96.items())
        )


def _override(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--horizons", type=int, nargs="+", default=list(HORIZONS))
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", type=_override, action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--out", default=None, help="JSON path (default results/ltsf_<preset>.json)"
    )
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    params = dict(PRESETS[args.preset], device=args.device, random_state=args.seed)
    params.update(dict(args.set))
    if args.max_epochs is not None:
        params["max_epochs"] = args.max_epochs

    rows = []
    for horizon in args.horizons:
        rows.append(run_horizon(params, horizon, args.verbose))
        print_results(args.preset, rows[-1:])
    print_results(args.preset, rows)
    config = {"preset": args.preset, "params": params, "lookback": LOOKBACK}
    config["device"] = resolve_device(args.device)
    published = {k: {str(h): v for h, v in d.items()} for k, d in PUBLISHED.items()}
    write_results(f"ltsf_{args.preset}", config, rows, args.out, published=published)


if __name__ == "__main__":
    main()
