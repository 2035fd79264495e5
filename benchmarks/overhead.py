"""What the scikit-learn wrapper costs over plain PyTorch.

Trains the same ``RecurrentNet`` on the same data with the same batch size and optimiser twice:
once through ``RNNClassifier.fit`` (skorch inside) and once with a hand-written PyTorch loop,
then compares seconds per epoch and prediction throughput. Both sides deliver the same things:
the loop keeps each batch's loss (the wrapper's ``loss_curve_``) and prediction returns class
probabilities as a numpy array (``predict_proba``). The wrapper's time includes everything
``fit`` and ``predict_proba`` do (input validation, building the network); the loop's starts
once its module and optimiser exist. The two sides run back to back ``--repeats`` times; the
table shows the fastest run of each and the median over the pairs of the wrapper's overhead.

Usage: python benchmarks/overhead.py [--repeats 9] [--epochs 10] [--threads 1]
Writes benchmarks/results/overhead.json.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

from sklrnn import RNNClassifier
from sklrnn.nn.recurrent import RecurrentNet

PARAMS = dict(cell="lstm", hidden_size=64, batch_size=64, learning_rate=1e-3, device="cpu")


def tasks():
    digits = load_digits()
    rng = np.random.RandomState(0)
    long_x = rng.normal(size=(2000, 100, 8)).astype(np.float32)
    return {
        "digits rows (1797 x 8 x 8)": ((digits.images / 16).astype(np.float32), digits.target),
        "synthetic (2000 x 100 x 8)": (long_x, (long_x[:, :, 0].mean(1) > 0).astype(np.int64)),
    }


def best_time(fn, calls=5):
    """The fastest of ``calls`` runs of ``fn()``, in seconds (one pass is a few milliseconds)."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_pytorch(X, y, epochs, seed=0):
    """The loop a PyTorch user writes: shuffled index batches, Adam, cross-entropy."""
    torch.manual_seed(seed)
    x_t, y_t = torch.from_numpy(X), torch.from_numpy(y).long()
    lengths = torch.full((len(X),), X.shape[1], dtype=torch.long)
    module = RecurrentNet(X.shape[2], int(y.max()) + 1, cell="lstm", hidden_size=64)
    opt = torch.optim.Adam(module.parameters(), lr=PARAMS["learning_rate"])
    loss_fn = torch.nn.CrossEntropyLoss()
    bs = PARAMS["batch_size"]
    start = time.perf_counter()
    module.train()
    batch_losses = []
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for i in range(0, len(X), bs):
            idx = order[i : i + bs]
            opt.zero_grad()
            loss = loss_fn(module(x_t[idx], lengths[idx]), y_t[idx])
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
    fit_s = time.perf_counter() - start

    def predict_proba():
        module.eval()
        with torch.no_grad():
            proba = [
                torch.softmax(module(x_t[i : i + bs], lengths[i : i + bs]), dim=1).numpy()
                for i in range(0, len(X), bs)
            ]
        return np.concatenate(proba)

    return fit_s / epochs, len(X) / best_time(predict_proba)


def wrapper(X, y, epochs, seed=0):
    clf = RNNClassifier(**PARAMS, max_epochs=epochs, random_state=seed)
    start = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - start
    return fit_s / epochs, len(X) / best_time(lambda: clf.predict_proba(X))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "overhead.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rows = []
    for name, (X, y) in tasks().items():
        wrapper(X[:200], y[:200], 1)  # warm-up: imports, first allocations
        runs = {"plain": [], "sklrnn": []}  # (seconds per epoch, predictions per second)
        for _ in range(args.repeats):
            for side, fn in (("plain", plain_pytorch), ("sklrnn", wrapper)):
                runs[side].append(fn(X, y, args.epochs))
        plain, ours = np.array(runs["plain"]), np.array(runs["sklrnn"])
        rows.append(
            {
                "task": name,
                "plain_epoch_s": plain[:, 0].min(),
                "sklrnn_epoch_s": ours[:, 0].min(),
                # the median over repeats of each back-to-back pair's ratio: drift in the
                # machine's speed hits both runs of a pair alike
                "fit_overhead_pct": 100 * (np.median(ours[:, 0] / plain[:, 0]) - 1),
                "plain_predict_per_s": plain[:, 1].max(),
                "sklrnn_predict_per_s": ours[:, 1].max(),
                "predict_overhead_pct": 100 * (np.median(plain[:, 1] / ours[:, 1]) - 1),
            }
        )

    header = (
        f"{'task':<28} {'plain s/epoch':>13} {'sklrnn s/epoch':>14} {'overhead':>9} "
        f"{'plain pred/s':>12} {'sklrnn pred/s':>13} {'overhead':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['task']:<28} {r['plain_epoch_s']:>13.3f} {r['sklrnn_epoch_s']:>14.3f} "
            f"{r['fit_overhead_pct']:>8.1f}% {r['plain_predict_per_s']:>12.0f} "
            f"{r['sklrnn_predict_per_s']:>13.0f} {r['predict_overhead_pct']:>8.1f}%"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "machine": platform.processor() or platform.machine(),
        "torch_threads": args.threads,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "torch": torch.__version__,
    }
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
