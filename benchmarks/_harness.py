"""What every benchmark shares: timing, the printed table and the JSON file of results.

Every script writes ``benchmarks/results/<name>.json`` (or ``--out``) with one layout::

    {"benchmark": name, "config": {...}, "rows": [...], "machine": {...}, "versions": {...}}

plus what is particular to it (e.g. published reference numbers), so that results from
different scripts and machines read alike.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass
class Timing:
    """Wall-clock and CPU seconds of a block (CPU time summed over the process's threads)."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0


@contextmanager
def timed(sync: Callable[[], None] = lambda: None) -> Iterator[Timing]:
    """Time the block; ``sync`` (e.g. ``torch.cuda.synchronize``) runs before each clock read."""
    timing = Timing()
    sync()
    start, cpu_start = time.perf_counter(), time.process_time()
    yield timing
    sync()
    timing.seconds = time.perf_counter() - start
    timing.cpu_seconds = time.process_time() - cpu_start


def repeat(fn: Callable[[], Any], times: int) -> list[float]:
    """Wall-clock seconds of ``times`` calls of ``fn()``."""
    seconds = []
    for _ in range(times):
        with timed() as timing:
            fn()
        seconds.append(timing.seconds)
    return seconds


Column = tuple[str, str | Callable[[dict], Any]]


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def print_table(rows: Sequence[dict], columns: Sequence[Column], title: str = "") -> None:
    """Print ``rows`` under ``columns``: (header, row key or function of the row) pairs.

    The first column is aligned left, the others right; floats read from a key show 4
    significant digits, a function formats its own cell.
    """
    cells = [
        [_text(cell(row) if callable(cell) else row[cell]) for _, cell in columns] for row in rows
    ]
    widths = [
        max([len(header)] + [len(r[i]) for r in cells]) for i, (header, _) in enumerate(columns)
    ]

    def line(values: Sequence[str]) -> str:
        first, *rest = (
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths))
        )
        return " | ".join([first, *rest])

    head = line([header for header, _ in columns])
    print(f"\n{title}\n{head}" if title else f"\n{head}")
    print("-" * len(head))
    for row in cells:
        print(line(row))


def machine() -> dict:
    """The machine and its load, for reading the timings later."""
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }
    try:
        import torch
    except ImportError:
        return info
    info["torch_threads"] = torch.get_num_threads()
    info["cuda"] = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return info


def versions() -> dict:
    import numpy
    import torch

    import sklrnn

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "torch": torch.__version__,
        "sklrnn": sklrnn.__version__,
    }


def write_results(
    name: str, config: dict, rows: list[dict], out: str | Path | None = None, **extra: Any
) -> Path:
    """Write the results of benchmark ``name`` as JSON and say where; return the path."""
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "config": config, "rows": rows, **extra}
    payload |= {"machine": machine(), "versions": versions()}
    path.write_text(json.dumps(payload, indent=2, default=str))
    print(f"\nwrote {path}")
    return path
