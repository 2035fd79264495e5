"""Throughput of KmerEncoder on more than 50 MB of random DNA.

Two workloads: 500,000 reads of 100 bp (one block, a 2-D output) and the same reads plus three
long sequences of 0.5-2 Mb (different lengths, a list output). Each encoding runs ``--repeats``
times; the table gives the median and best throughput in MB (10**6 letters) per second, and the
results go to ``benchmarks/results/kmer_speed.json`` (see ``_harness.py``).

    python benchmarks/kmer_speed.py [--repeats 3] [--n-reads 500000]
"""

from __future__ import annotations

import argparse

import numpy as np
from _harness import print_table, repeat, write_results

from sklrnn.features import KmerEncoder

ENCODINGS = [
    ("tokens k=1", {"k": 1}),
    ("tokens k=3", {"k": 3}),
    ("tokens k=6", {"k": 6}),
    ("onehot k=1", {"k": 1, "output": "onehot"}),
]
LONG_LENGTHS = (2_000_000, 1_000_000, 500_000)


def random_dna(n_letters: int, rng: np.random.Generator) -> str:
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, n_letters)]
    return letters.tobytes().decode("ascii")


def workloads(n_reads: int, read_length: int, seed: int) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    text = random_dna(n_reads * read_length, rng)
    reads = [text[i : i + read_length] for i in range(0, len(text), read_length)]
    long = [random_dna(n, rng) for n in LONG_LENGTHS]
    return {"reads": reads, "reads+long": reads + long}


def measure(seqs: list[str], params: dict, repeats: int) -> list[float]:
    encoder = KmerEncoder(**params).fit(seqs)
    return repeat(lambda: encoder.transform(seqs), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-reads", type=int, default=500_000)
    parser.add_argument("--read-length", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="JSON path (default results/kmer_speed.json)")
    args = parser.parse_args()

    rows = []
    for workload, seqs in workloads(args.n_reads, args.read_length, args.seed).items():
        megabases = sum(map(len, seqs)) / 1e6
        for name, params in ENCODINGS:
            seconds = measure(seqs, params, args.repeats)
            rows.append(
                {
                    "workload": workload,
                    "n_sequences": len(seqs),
                    "megabases": round(megabases, 3),
                    "encoding": name,
                    "params": params,
                    "seconds": [round(s, 4) for s in seconds],
                    "mb_per_s_median": round(megabases / float(np.median(seconds)), 1),
                    "mb_per_s_best": round(megabases / min(seconds), 1),
                }
            )

    print_table(
        rows,
        [
            ("workload", "workload"),
            ("MB", lambda r: f"{r['megabases']:.1f}"),
            ("encoding", "encoding"),
            ("median MB/s", lambda r: f"{r['mb_per_s_median']:.1f}"),
            ("best MB/s", lambda r: f"{r['mb_per_s_best']:.1f}"),
        ],
    )
    config = {k: v for k, v in vars(args).items() if k != "out"}
    write_results("kmer_speed", config, rows, args.out)


if __name__ == "__main__":
    main()
