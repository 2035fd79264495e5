"""The training budget: batch size, epochs and early stopping when they are left on ``"auto"``.

One rule for every estimator that accepts ``"auto"``, so that the same defaults train on 40
sequences and on 100,000:

- ``early_stopping="auto"`` holds out a validation split only when it would contain at least
  ``MIN_VALIDATION`` samples; a score on a handful of samples picks an epoch by chance;
- ``batch_size="auto"`` is a tenth of the training samples, between ``MIN_BATCH`` and
  ``MAX_BATCH`` (never more than the samples), so that small data sets still take several
  optimizer steps per epoch;
- ``max_epochs="auto"`` gives at least ``MIN_STEPS`` optimizer steps in all, between
  ``MIN_EPOCHS`` and ``MAX_EPOCHS`` epochs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_VALIDATION = 500
MIN_BATCH, MAX_BATCH = 16, 64
MIN_STEPS = 1500
MIN_EPOCHS, MAX_EPOCHS = 50, 500


@dataclass(frozen=True)
class TrainingBudget:
    """Resolved training budget of one fit."""

    batch_size: int
    max_epochs: int
    early_stopping: bool


def validation_size(n_samples: int, validation_fraction: float) -> int:
    """Samples in the validation split: ``ceil(validation_fraction * n_samples)``."""
    return math.ceil(validation_fraction * n_samples)


def training_budget(
    n_samples: int,
    *,
    batch_size: int | str,
    max_epochs: int | str,
    early_stopping: bool | str,
    validation_fraction: float,
) -> TrainingBudget:
    """Resolve the ``"auto"`` entries of a budget for ``n_samples`` training samples.

    Parameters
    ----------
    n_samples : int
        Samples passed to ``fit``.
    batch_size, max_epochs : int or "auto"
        The estimator's parameters.
    early_stopping : bool or "auto"
        The estimator's parameter.
    validation_fraction : float
        Share of the samples held out when early stopping is on.

    Returns
    -------
    budget : TrainingBudget
        Integers and a bool.

    Examples
    --------
    >>> training_budget(36, batch_size="auto", max_epochs="auto", early_stopping="auto",
    ...                 validation_fraction=0.1)
    TrainingBudget(batch_size=16, max_epochs=500, early_stopping=False)
    >>> training_budget(100_000, batch_size="auto", max_epochs="auto", early_stopping="auto",
    ...                 validation_fraction=0.1)
    TrainingBudget(batch_size=64, max_epochs=50, early_stopping=True)
    """
    if early_stopping == "auto":
        early_stopping = validation_size(n_samples, validation_fraction) >= MIN_VALIDATION
    n_train = n_samples - (validation_size(n_samples, validation_fraction) if early_stopping else 0)
    n_train = max(n_train, 1)
    if batch_size == "auto":
        batch_size = min(n_train, max(MIN_BATCH, min(MAX_BATCH, n_train // 10)))
    if max_epochs == "auto":
        steps_per_epoch = math.ceil(n_train / batch_size)
        max_epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch)))
    return TrainingBudget(int(batch_size), int(max_epochs), bool(early_stopping))
