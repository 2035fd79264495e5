"""torch helpers of the estimators: the device to train on, the seeded blocks of a fit and the
CPU setting that keeps recurrent networks off the slow path of subnormal floats."""

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


# the smallest positive float64 (subnormal) and a one to multiply it by, as names so that the
# product is computed at run time (Python's float arithmetic obeys the thread's flush setting
# like torch's and numpy's, and costs a fraction of a numpy operation)
_SUBNORMAL, _ONE = 5e-324, 1.0
# numpy computes its float limits on first use and warns when that happens while flushing:
# compute them now
for _kind in (np.float16, np.float32, np.float64, np.longdouble):
    np.finfo(_kind)


def _flushing() -> bool:
    """Whether this thread already treats subnormal floats as zero (torch has no getter)."""
    return _SUBNORMAL * _ONE == 0.0


class no_subnormals:  # noqa: N801 (a context manager, used like a function)
    """Flush subnormal floats to zero in the body, then leave the thread's setting as it was.

    Recurrent states on long series decay into subnormal numbers (below 1.2e-38), which x86
    CPUs handle on a slow path: on ArrowHead (251 steps) the default classifier's epochs took
    2.7 times longer and its LSTM 7 times (``benchmarks/ucr.py``). Only numbers below 1.2e-38
    change. The setting is per thread, so fits in other threads are not affected; on CPUs
    without it (``torch.set_flush_denormal`` returns False) the body runs as it is.
    """

    # a class rather than a generator function: predict enters it on every call, and the
    # generator machinery costs more than the setting itself

    __slots__ = ("_set",)

    def __enter__(self) -> None:
        self._set = not _flushing() and torch.set_flush_denormal(True)

    def __exit__(self, *exc_info) -> None:
        if self._set:
            torch.set_flush_denormal(False)
