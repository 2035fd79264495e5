import os
from pathlib import Path

import pytest
import torch

from sklrnn.datasets import get_data_home

# Tiny models train fastest on one thread; the machine has 2 cores.
torch.set_num_threads(1)
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def require_data():
    """``require_data("fsdd/recordings")``: the data home, or a skip when it lacks that path.

    The reference data sets cannot be downloaded in CI; ``make test`` points the data home at
    ``../shared/data`` when it is there. A test that reads them skips, saying what is missing
    and where, on a machine without them.
    """

    def require(relative_path: str) -> Path:
        home = get_data_home()
        if not (home / relative_path).exists():
            pytest.skip(f"{relative_path} is not in the data home {home}; set SKLRNN_DATA_HOME")
        return home

    return require
