"""torch helpers of the estimators: the device to train on and the seeded block of a fit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state


def resolve_device(device: str | torch.device) -> str | torch.device:
    """``"auto"`` is ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


@contextmanager
def torch_seeded(random_state: int | np.random.RandomState | None) -> Iterator[int]:
    """Run a block with torch's CPU generator seeded from ``random_state``; yield the seed.

    The generator's state before the block is restored after it, so a fit never changes the
    random numbers the caller's code draws next.
    """
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield seed
