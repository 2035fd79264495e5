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
Writes benchmarks/results/overhead.json (see _harness.py).
"""

import argparse

import numpy as np
import torch
from _harness import print_table, repeat, timed, write_results
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
    return min(repeat(fn, calls))


def plain_pytorch(X, y, epochs, seed=0):
    """The loop a PyTorch user writes: shuffled index batches, Adam, cross-entropy."""
    torch.manual_seed(seed)
    x_t, y_t = torch.from_numpy(X), torch.from_numpy(y).long()
    lengths = torch.full((len(X),), X.shape[1], dtype=torch.long)
    module = RecurrentNet(X.shape[2], int(y.max()) + 1, cell="lstm", hidden_size=64)
    opt = torch.optim.Adam(module.parameters(), lr=PARAMS["learning_rate"])
    loss_fn = torch.nn.CrossEntropyLoss()
    bs = PARAMS["batch_size"]
    with timed() as fit:
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

    def predict_proba():
        module.eval()
        with torch.no_grad():
            proba = [
                torch.softmax(module(x_t[i : i + bs], lengths[i : i + bs]), dim=1).numpy()
                for i in range(0, len(X), bs)
            ]
        return np.concatenate(proba)

    return fit.seconds / epochs, len(X) / best_time(predict_proba)


def wrapper(X, y, epochs, seed=0):
    clf = RNNClassifier(**PARAMS, max_epochs=epochs, random_state=seed)
    with timed() as fit:
        clf.fit(X, y)
    return fit.seconds / epochs, len(X) / best_time(lambda: clf.predict_proba(X))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="JSON path (default results/overhead.json)")
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

    print_table(
        rows,
        [
            ("task", "task"),
            ("plain s/epoch", lambda r: f"{r['plain_epoch_s']:.3f}"),
            ("sklrnn s/epoch", lambda r: f"{r['sklrnn_epoch_s']:.3f}"),
            ("overhead", lambda r: f"{r['fit_overhead_pct']:.1f}%"),
            ("plain pred/s", lambda r: f"{r['plain_predict_per_s']:.0f}"),
            ("sklrnn pred/s", lambda r: f"{r['sklrnn_predict_per_s']:.0f}"),
            ("overhead", lambda r: f"{r['predict_overhead_pct']:.1f}%"),
        ],
    )
    config = dict(PARAMS, epochs=args.epochs, repeats=args.repeats, torch_threads=args.threads)
    write_results("overhead", config, rows, args.out)


if __name__ == "__main__":
    main()
