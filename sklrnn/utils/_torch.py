"""torch helpers of the estimators: the device to train on and the seeded blocks of a fit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state

#: held while a fit seeds and uses torch's global (process-wide) random number generator
TORCH_RNG_LOCK = threading.RLock()


def resolve_device(device: str | torch.device) -> str | torch.device:
    """``"auto"`` is ``"cuda"`` when a GPU is visible, else ``"cpu"``; a CUDA device without
    a visible GPU is a ValueError."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but torch sees no CUDA GPU (torch.cuda.is_available() is "
            "False); use device='auto' or 'cpu'."
        )
    return device


def _cuda_devices() -> list[int]:
    return list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's global generator for the body, restoring the caller's state afterwards.

    The lock makes the seed-and-draw atomic across threads.
    """
    with TORCH_RNG_LOCK, torch.random.fork_rng(devices=_cuda_devices()):
        torch.manual_seed(seed)
        yield


@contextmanager
def torch_seeded(random_state: int | np.random.RandomState | None) -> Iterator[int]:
    """Run a block with torch's generator seeded from ``random_state``; yield the seed.

    The generator's state before the block is restored after it, so a fit never changes the
    random numbers the caller's code draws next.
    """
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    with seeded(seed):
        yield seed
