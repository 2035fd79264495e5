"""The showcase behind ``make demo``: every example that has its data, and one table of results.

Each example runs as its own process (as a user would run it) and reports its headline figure
through ``examples/_results.py``. Examples whose data is missing are listed as skipped, with the
reason; a failing example makes the showcase fail.

Usage: python examples/showcase.py [--only NAME ...]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, what it needs beyond the installed package)
EXAMPLES = [
    ("plot_digits_as_sequences.py", None),
    ("plot_moving_digits.py", None),
    ("plot_spoken_digits.py", "fsdd/recordings"),
    ("plot_splice_junctions.py", "dna/splice_statlog.tsv"),
    ("plot_segrnn_ett.py", "ett/ETTh1.csv"),
    ("plot_permutation_importance.py", "ett/ETTh1.csv"),
    ("plot_grid_search.py", "fsdd/recordings"),
]


def data_home() -> Path:
    return Path(os.environ.get("SKLRNN_DATA_HOME", Path.home() / "sklrnn_data"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only examples whose name contains these")
    args = parser.parse_args()

    results_file = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    env = dict(os.environ, SKLRNN_RESULTS=str(results_file), MPLBACKEND="Agg")
    # Small models train fastest on one thread, and far faster when the machine is busy.
    env.setdefault("OMP_NUM_THREADS", "1")
    out_dir = HERE / "output"
    out_dir.mkdir(exist_ok=True)
    skipped, failed = [], []
    for script, needs in EXAMPLES:
        if args.only and not any(name in script for name in args.only):
            continue
        if not (HERE / script).exists():
            skipped.append((script, "not written yet"))
            continue
        if needs and not (data_home() / needs).exists():
            skipped.append((script, f"needs {data_home() / needs}"))
            continue
        print(f"\n=== {script} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / script)], cwd=out_dir, env=env)
        print(f"--- {script}: exit {code} after {time.perf_counter() - start:.0f} s", flush=True)
        if code:
            failed.append(script)

    rows = [json.loads(line) for line in results_file.read_text().splitlines() if line]
    results_file.unlink()
    header = f"{'task':<46} {'metric':<16} {'sklrnn':>8}  {'seconds':>7}  reference"
    print("\n" + header + "\n" + "-" * (len(header) + 30))
    for r in rows:
        print(
            f"{r['task']:<46} {r['metric']:<16} {r['value']:>8.4f}  {r['seconds']:>7.1f}  "
            f"{r['reference']}"
        )
    for script, why in skipped:
        print(f"skipped {script}: {why}")
    print(f"\nfigures in {out_dir}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
