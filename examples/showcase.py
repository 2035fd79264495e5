"""The showcase behind ``make demo``: every example that has its data, and one table of results.

Each example runs as its own process, exactly as a user would run it. The showcase times it
from outside (the whole script: data, training, figures) and reads its headline figures from
what it prints, with the patterns below. Examples whose data is missing are listed as skipped,
with the reason; a failing example, or one whose output lacks a headline, makes the showcase
fail.

Usage: python examples/showcase.py [--only NAME ...]
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ACCURACY = r"([0-9]*\.[0-9]+)"
# script: (what it needs beyond the installed package, its headlines), a headline being
# (task, metric, pattern whose group is the figure in the example's output, reference)
EXAMPLES = {
    "plot_digits_as_sequences.py": (
        None,
        [
            (
                "digits as 8-row sequences (BiLSTM)",
                "test accuracy",
                rf"^test accuracy {ACCURACY}",
                "target >= 0.95",
            )
        ],
    ),
    "plot_moving_digits.py": (
        None,
        [
            (
                f"moving digits: {route}",
                "test accuracy",
                rf"^{re.escape(route)}: accuracy {ACCURACY}",
                reference,
            )
            for route, reference in [
                ("(a) CNN features + GRU", "bag of frames (below)"),
                ("control: bag of frames", "chance 0.05"),
                ("control: GRU on shuffled frames", "chance 0.05"),
                ("(b) end-to-end CNN-GRU", "bag of frames (above)"),
            ]
        ],
    ),
    "plot_spoken_digits.py": (
        "fsdd/recordings",
        [
            (
                "FSDD spoken digits, upstream split (GRU)",
                "test accuracy",
                rf"^GRU, upstream split: test accuracy {ACCURACY}",
                "~0.98",
            ),
            (
                "FSDD spoken digits, speaker never heard (BiGRU)",
                "test accuracy",
                rf"^speaker-robust BiGRU, held-out speaker: accuracy {ACCURACY}",
                "LR on MFCC means (in its output)",
            ),
        ],
    ),
    "plot_splice_junctions.py": (
        "dna/splice_statlog.tsv",
        [
            (
                "StatLog splice junctions (BiLSTM + positions)",
                "test accuracy",
                rf"^BiLSTM: test accuracy {ACCURACY}",
                "StatLog best 0.959 (RBF)",
            )
        ],
    ),
    "plot_segrnn_ett.py": (
        "ett/ETTh1.csv",
        [
            (
                "ETTh1 H=96 (SegRNN, L=336, d=128)",
                "test MSE",
                rf"^test MSE {ACCURACY}",
                "SegRNN paper 0.351 (L=720)",
            )
        ],
    ),
    "plot_permutation_importance.py": ("ett/ETTh1.csv", []),
    "plot_grid_search.py": ("fsdd/recordings", []),
}


def data_home() -> Path:
    return Path(os.environ.get("SKLRNN_DATA_HOME", Path.home() / "sklrnn_data"))


def run(script: Path, out_dir: Path, env: dict) -> tuple[int, str, float]:
    """Run ``script``, echoing its output; return its exit code, output and wall-clock time."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=out_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return process.wait(), "".join(lines), time.perf_counter() - start


def headline(output: str, pattern: str) -> float | None:
    match = re.search(pattern, output, flags=re.MULTILINE)
    return None if match is None else float(match.groups()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only examples whose name contains these")
    args = parser.parse_args()

    env = dict(os.environ, MPLBACKEND="Agg")
    # Small models train fastest on one thread, and far faster when the machine is busy.
    env.setdefault("OMP_NUM_THREADS", "1")
    out_dir = HERE / "output"
    out_dir.mkdir(exist_ok=True)
    rows, skipped, failed = [], [], []
    for script, (needs, headlines) in EXAMPLES.items():
        if args.only and not any(name in script for name in args.only):
            continue
        if needs and not (data_home() / needs).exists():
            skipped.append((script, f"needs {data_home() / needs}"))
            continue
        print(f"\n=== {script} ===", flush=True)
        code, output, seconds = run(HERE / script, out_dir, env)
        print(f"--- {script}: exit {code} after {seconds:.0f} s", flush=True)
        if code:
            failed.append(script)
            continue
        for task, metric, pattern, reference in headlines:
            value = headline(output, pattern)
            if value is None:
                failed.append(f"{script} (no line matches {pattern!r})")
            else:
                rows.append((task, metric, value, seconds, reference))

    header = f"{'task':<46} {'metric':<16} {'sklrnn':>8}  {'script s':>8}  reference"
    print("\n" + header + "\n" + "-" * (len(header) + 30))
    for task, metric, value, seconds, reference in rows:
        print(f"{task:<46} {metric:<16} {value:>8.4f}  {seconds:>8.1f}  {reference}")
    print("script s: wall-clock time of the whole example (data, every model, figures)")
    for script, why in skipped:
        print(f"skipped {script}: {why}")
    print(f"\nfigures in {out_dir}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
