"""Lets an example report its headline figure to ``make demo``'s table (examples/showcase.py).

When the environment variable ``SKLRNN_RESULTS`` names a file, :func:`report` appends one JSON
line to it; otherwise it does nothing, so the examples run the same on their own.
"""

import json
import os


def report(task: str, metric: str, value: float, reference: str, seconds: float) -> None:
    """Record ``value`` of ``metric`` on ``task`` next to its published or measured reference."""
    path = os.environ.get("SKLRNN_RESULTS")
    if path:
        row = dict(task=task, metric=metric, value=float(value), reference=reference)
        row["seconds"] = round(float(seconds), 1)
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")
