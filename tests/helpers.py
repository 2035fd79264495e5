"""Data and settings shared by the tests (fixtures live in ``conftest.py``)."""

import numpy as np

#: A small model that trains in about a second on 2 cores; tests override what they need, e.g.
#: ``RNNClassifier(**SMALL | dict(max_epochs=3))``. Import it with ``from helpers import SMALL``.
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


def make_binary_data(n=40, seed=0):
    """``(n, 6, 3)`` float32 sequences labelled 0/1 by the sign of channel 0's mean."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 6, 3)).astype(np.float32)
    return X, (X[:, :, 0].mean(axis=1) > 0).astype(int)
