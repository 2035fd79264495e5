import os
from pathlib import Path

import numpy as np
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


#: A small model that trains in about a second on 2 cores; tests override what they need, e.g.
#: ``RNNClassifier(**SMALL | dict(max_epochs=3))``. Import it with ``from conftest import SMALL``.
SMALL = dict(hidden_size=8, max_epochs=15, learning_rate=0.02, batch_size=16, device="cpu")


def make_sign_data(n=120, n_timesteps=12, n_features=2, *, seed=0, ragged=False):
    """Sequences labelled ``"up"`` or ``"down"`` by the sign of channel 0's mean.

    The other channels are noise. With ``ragged``, a list of sequences of 5 to ``n_timesteps``
    steps.
    """
    rng = np.random.RandomState(seed)
    if ragged:
        X = [
            rng.normal(size=(rng.randint(5, n_timesteps + 1), n_features)).astype(np.float32)
            for _ in range(n)
        ]
    else:
        X = list(rng.normal(size=(n, n_timesteps, n_features)).astype(np.float32))
    y = np.array(["up" if x[:, 0].mean() > 0 else "down" for x in X])
    return (X if ragged else np.stack(X)), y
