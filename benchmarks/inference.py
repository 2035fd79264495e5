"""Inference speed: sklrnn ``predict``, plain PyTorch and onnxruntime, side by side.

For each model, the same fitted network answers the same batches three ways:

- ``sklrnn``: ``estimator.predict(X)`` on a numpy array (validation, padding, batching, decoding
  of the labels included);
- ``torch``: the estimator's torch module called directly under ``torch.inference_mode()`` on a
  tensor made from the same array, the output turned into a numpy array of class indices (or of
  values for the forecaster);
- ``onnxruntime``: the file written by :func:`sklrnn.export.to_onnx`, run by an
  ``InferenceSession`` on the CPU with the same number of threads.

The three sides take turns, a block of 10 back-to-back calls each per round in a shuffled
order, so that whatever else the machine does falls on all three alike; the first call of each
block is not counted, since it pays for the caches the previous side left (what a serving
loop, calling one model again and again, never pays). Latency is the fastest counted call of a
side (``timeit``'s advice: on a shared machine the slower calls measure the other processes;
the medians are in the JSON file too); the overhead of ``predict`` is the median over rounds of
its block's median time over plain torch's in the same round. A batch that takes more than a
few seconds gets fewer rounds (at least 5);
predictions per second are the batch size over that latency. ``predict`` runs the network
on mini-batches of the estimator's ``batch_size``; the estimators here are fitted with
``batch_size=256``, so that all three sides run a batch of 256 as one forward pass. The
models: an LSTM classifier (hidden 64) over the rows of scikit-learn's digits images (8 steps
of 8 values), and SegRNN in its published ETTh1 shape (look-back 720, horizon 96, 7 channels,
segments of 24, d=512) on random windows (the weights do not change the speed).

Usage: python benchmarks/inference.py [--rounds 50] [--threads 1]
Writes benchmarks/results/inference.json.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from _harness import print_table, repeat, write_results
from sklearn.datasets import load_digits

from sklrnn import RNNClassifier, SegRNNForecaster
from sklrnn.export import to_onnx

BATCHES = (1, 256)


def models():
    """(name, fitted estimator, X to draw batches from)."""
    digits = load_digits()
    X = (digits.images / 16).astype(np.float32)
    clf = RNNClassifier(
        cell="lstm",
        hidden_size=64,
        conv_channels=None,  # the recurrent network alone, without the FCN branch
        max_epochs=2,
        batch_size=256,
        device="cpu",
        random_state=0,
    )
    yield "LSTM classifier, digits rows (8 x 8)", clf.fit(X, digits.target), X
    rng = np.random.RandomState(0)
    windows = rng.normal(size=(300, 720, 7)).astype(np.float32)
    targets = rng.normal(size=(300, 96, 7)).astype(np.float32)
    seg = SegRNNForecaster(
        seg_len=24, hidden_size=512, max_epochs=1, batch_size=256, device="cpu", random_state=0
    )
    yield "SegRNN forecaster, L=720 H=96 C=7 d=512", seg.fit(windows, targets), windows


def rounds_of(answer, x, rounds, block=10, budget_s=3.0):
    """Seconds of each side's calls on ``x``: per round, a block of ``block`` calls of each
    side in a shuffled order, the first call of a block dropped (it pays for the caches the
    previous side left), for ``rounds`` rounds (fewer, at least 5, when a round takes more than
    ``budget_s / rounds``; blocks of 3 when one call of each side takes over 50 ms). Returns,
    per side, an array of shape (rounds, block - 1)."""
    per_round = sum(repeat(lambda fn=fn: fn(x), 1)[0] for fn in answer.values())  # warm-up
    block = block if per_round < 0.05 else 3  # a slow batch: blocks of 3 (2 counted)
    rounds = max(5, min(rounds, int(budget_s / (per_round * block))))
    times = {side: [] for side in answer}
    order, rng = list(answer), np.random.default_rng(0)
    for _ in range(rounds):
        rng.shuffle(order)  # no side always runs after the same other one
        for side in order:
            times[side].append(repeat(lambda fn=answer[side]: fn(x), block)[1:])
    return {side: np.array(t) for side, t in times.items()}


def sides(est, path, threads):
    """The three ways to answer a batch ``x`` (numpy), each returning a numpy array."""
    module = est.net_.module_.eval()
    classifier = hasattr(est, "classes_")

    def plain_torch(x):
        with torch.inference_mode():
            x_t = torch.from_numpy(x)
            lengths = torch.full((len(x),), x.shape[1], dtype=torch.long)
            out = module(x_t, lengths)
            return (out.argmax(1) if classifier else out).numpy()

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    output = ["label" if classifier else "prediction"]

    def onnxruntime(x):
        feed = {"x": x}
        if not hasattr(est, "lookback_"):
            feed["lengths"] = np.full(len(x), x.shape[1], dtype=np.int64)
        return session.run(output, feed)[0]

    return {"sklrnn": est.predict, "torch": plain_torch, "onnxruntime": onnxruntime}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, est, X in models():
            path = to_onnx(est, Path(tmp) / "model.onnx")
            answer = sides(est, path, args.threads)
            for batch_size in BATCHES:
                times = rounds_of(answer, np.ascontiguousarray(X[:batch_size]), args.rounds)
                row = {"model": name, "batch": batch_size, "rounds": len(times["torch"])}
                for side, t in times.items():
                    row[f"{side}_latency_ms"] = 1e3 * t.min()
                    row[f"{side}_median_ms"] = 1e3 * np.median(t)
                    row[f"{side}_per_s"] = batch_size / t.min()
                blocks = np.median(times["sklrnn"], 1) / np.median(times["torch"], 1)
                row["sklrnn_overhead_pct"] = 100 * (np.median(blocks) - 1)
                rows.append(row)

    columns = [("model", "model"), ("batch", "batch")]
    for side in ("sklrnn", "torch", "onnxruntime"):
        columns += [(f"{side} ms", f"{side}_latency_ms"), (f"{side} /s", f"{side}_per_s")]
    columns.append(("predict vs torch", lambda r: f"{r['sklrnn_overhead_pct']:+.1f} %"))
    print_table(rows, columns)
    config = {"rounds": args.rounds, "threads": args.threads, "onnxruntime": ort.__version__}
    write_results("inference", config, rows, args.out)


if __name__ == "__main__":
    main()
