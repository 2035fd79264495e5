"""What keeps a fit honest: real interrupts, seeding, divergence.

(A ``fit`` that raises or is interrupted leaves the estimator as it was because the engine
sets the fitted attributes only once training has succeeded: see ``base.py``.)

- :func:`interrupt_guard`: skorch's ``partial_fit`` swallows ``KeyboardInterrupt`` (its callbacks
  stop training that way); a real Ctrl-C (SIGINT) during the fit is noted, and the fit raises
  ``KeyboardInterrupt`` once skorch returns;
- :func:`training_rng`, through :func:`~sklrnn.utils._torch.seeded`: one lock around every use
  of torch's global random number generator by a fit, so that fits in threads draw the same
  numbers as sequential ones, and the caller's generator state is left untouched;
- :class:`FiniteLoss`: a skorch callback that stops training when a loss is NaN or infinite,
  and :func:`warn_if_diverged` for a loss that explodes but stays finite;
- :func:`changed_params`: which hyperparameters differ from those of the last fit (warm start).
"""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import Callback

from ..utils._torch import seeded


@contextmanager
def interrupt_guard() -> Iterator[dict]:
    """Note a SIGINT received in the body: ``{"interrupted": True}`` in the yielded dict.

    The previous handler still runs (by default it raises ``KeyboardInterrupt``). Outside the
    main thread or when SIGINT is ignored nothing is installed.
    """
    state = {"interrupted": False}
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield state
        return

    def handler(signum, frame):
        state["interrupted"] = True
        previous(signum, frame)

    signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


def uses_global_rng(module: torch.nn.Module) -> bool:
    """Whether training ``module`` draws from torch's global generator (active dropout)."""
    for sub in module.modules():
        if isinstance(sub, torch.nn.modules.dropout._DropoutNd) and sub.p > 0:
            return True
        if isinstance(sub, torch.nn.RNNBase) and sub.dropout > 0 and sub.num_layers > 1:
            return True
    return False


def training_rng(module: torch.nn.Module, seed: int, augmented: bool = False):
    """The context training runs in: :func:`seeded` when training draws random numbers from
    torch's global generator (dropout, batch augmentation), else nothing (batch order and
    splits have their own generators), so fits in threads without them run in parallel."""
    return seeded(seed) if augmented or uses_global_rng(module) else nullcontext()


class NonFiniteLoss(ArithmeticError):
    """Raised by :class:`FiniteLoss`; the estimator turns it into a message for the user."""

    def __init__(self, name: str, value: float, epoch: int) -> None:
        super().__init__(f"{name} is {value} at epoch {epoch}")
        self.name, self.value, self.epoch = name, value, epoch


class FiniteLoss(Callback):
    """Stop training at the end of the first epoch whose training or validation loss is NaN or
    infinite (the weights are lost by then; nothing later can recover them)."""

    def on_epoch_end(self, net, **kwargs) -> None:
        row = net.history[-1]
        for name in ("train_loss", "valid_loss"):
            value = row.get(name)
            if value is not None and not np.isfinite(value):
                raise NonFiniteLoss(name, float(value), int(row["epoch"]))


def divergence_message(
    owner: str, error: NonFiniteLoss, data: np.ndarray, learning_rate: float, optimizer
) -> str:
    """What to tell the user when the loss of ``owner``'s training became NaN or infinite."""
    largest = float(np.abs(data).max()) if data.size and data.dtype.kind == "f" else None
    scale = "" if largest is None else f" (the largest |X| value is {largest:.3g})"
    return (
        f"{owner}: the {error.name.replace('_', ' ')} became {error.value} at "
        f"epoch {error.epoch}; training stopped and the estimator is left as it was before fit. "
        f"The likely causes are a learning rate too large for the optimizer "
        f"(learning_rate={learning_rate!r}, optimizer={optimizer!r}) or "
        f"unscaled inputs{scale}. Lower learning_rate, set gradient_clip, or standardise X "
        "(and y for regression)."
    )


#: a final training loss this many times the lowest one means the training diverged
DIVERGENCE_RATIO = 100.0


def warn_if_diverged(estimator) -> None:
    """A ConvergenceWarning when the training loss ended far above its lowest value: a finite
    but exploding loss (a learning rate too large) that the NaN guard does not catch."""
    curve = estimator.loss_curve_
    if len(curve) > 1 and curve[-1] > DIVERGENCE_RATIO * min(curve) and curve[-1] > 0:
        warnings.warn(
            f"{type(estimator).__name__}: the training loss grew from {min(curve):.3g} to "
            f"{curve[-1]:.3g}; training diverged. The learning rate is likely too large "
            f"(learning_rate={estimator.learning_rate!r}, optimizer={estimator.optimizer!r}); "
            "lower it or set gradient_clip.",
            ConvergenceWarning,
            stacklevel=4,
        )


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays compare elementwise
        try:
            return bool(np.array_equal(a, b))
        except (TypeError, ValueError):
            return False


def changed_params(before: dict, now: dict) -> list[str]:
    """Names of the parameters whose value in ``now`` differs from ``before``."""
    return sorted(k for k in now if k not in before or not _same(before[k], now[k]))
