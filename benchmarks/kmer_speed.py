"""Throughput of KmerEncoder on short reads and on long sequences of random DNA.

Two workloads: 100,000 reads of 200 bp (20 MB, one block, a 2-D output) and the same reads plus
three long sequences of 0.5-2 Mb (different lengths, a list output). Each encoding runs
``--repeats`` times. The table gives the input throughput in MB (10**6 letters) per second, median
and best over the repeats of wall-clock time, and the best over process CPU time (which a busy
machine distorts less); and the output written per second in GB (one-hot output is 4 * 4**k bytes
per letter, so its speed is bound by memory bandwidth). Results go to
``benchmarks/results/kmer_speed.json`` (see ``_harness.py``).

    python benchmarks/kmer_speed.py [--repeats 5] [--n-reads 100000] [--read-length 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _harness import print_table, write_results

from sklrnn.features import KmerEncoder

ENCODINGS = [
    ("tokens k=1", {"k": 1}),
    ("tokens k=3", {"k": 3}),
    ("tokens k=6", {"k": 6}),
    ("onehot k=1", {"k": 1, "output": "onehot"}),
    ("onehot k=3", {"k": 3, "output": "onehot"}),
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


def measure(seqs: list[str], params: dict, repeats: int) -> tuple[list, list, int]:
    """Wall-clock and CPU seconds of each repeat, and the bytes of the output."""
    encoder = KmerEncoder(**params).fit(seqs)
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = encoder.transform(seqs)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        n_bytes = out.nbytes if isinstance(out, np.ndarray) else sum(a.nbytes for a in out)
        del out
    return wall, cpu, n_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-reads", type=int, default=100_000)
    parser.add_argument("--read-length", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="JSON path (default results/kmer_speed.json)")
    args = parser.parse_args()

    rows = []
    for workload, seqs in workloads(args.n_reads, args.read_length, args.seed).items():
        megabases = sum(map(len, seqs)) / 1e6
        for name, params in ENCODINGS:
            seconds, cpu, n_bytes = measure(seqs, params, args.repeats)
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
                    "cpu_seconds": [round(s, 4) for s in cpu],
                    "mb_per_cpu_s_best": round(megabases / min(cpu), 1),
                    "output_gb": round(n_bytes / 1e9, 3),
                    "output_gb_per_s_best": round(n_bytes / 1e9 / min(seconds), 2),
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
            ("CPU MB/s", lambda r: f"{r['mb_per_cpu_s_best']:.1f}"),
            ("out GB", lambda r: f"{r['output_gb']:.2f}"),
            ("out GB/s", lambda r: f"{r['output_gb_per_s_best']:.2f}"),
        ],
    )
    config = {k: v for k, v in vars(args).items() if k != "out"}
    write_results("kmer_speed", config, rows, args.out)


if __name__ == "__main__":
    main()
