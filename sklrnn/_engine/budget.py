"""The training budget: batch size, epochs, early stopping and the time resolution of long
sequences when they are left on ``"auto"``, and when a fit without validation data is done.

One rule for every estimator that accepts ``"auto"``, so that the same defaults train on 40
sequences and on 100,000, and on sequences of 24 steps and of 2,000:

- ``early_stopping="auto"`` holds out a validation split only when it would contain at least
  ``MIN_VALIDATION`` samples; a score on a handful of samples picks an epoch by chance;
- ``batch_size="auto"`` is a tenth of the training samples, between ``MIN_BATCH`` and
  ``MAX_BATCH`` (never more than the samples), so that small data sets still take several
  optimizer steps per epoch;
- ``max_epochs="auto"`` gives at least ``MIN_STEPS`` optimizer steps in all, between
  ``MIN_EPOCHS`` and ``MAX_EPOCHS`` epochs. Without a validation split, training stops
  earlier once it is done (:class:`TrainingDone`): when the epoch's training loss has not
  fallen below ``1 - PLATEAU_DROP`` times its best for ``n_iter_no_change`` epochs and
  ``MIN_PLATEAU_STEPS`` optimizer steps (a plateau) once that best is below
  ``PLATEAU_BELOW`` times the first epoch's loss (higher up, a plateau is a stall that more
  epochs get out of, not the end of training), or is below ``CONVERGED_LOSS`` (the
  training data are fitted). The learning rate then still anneals: a cosine from its
  current value down to the schedule's floor over ``ANNEAL_SHARE`` of the epochs run (at
  least ``MIN_ANNEAL_EPOCHS``), and the fit ends;
- ``segment_length="auto"`` lets the recurrent layer walk at most ``MAX_RECURRENT_STEPS``
  steps: longer sequences are read in segments of ``ceil(n_timesteps / MAX_RECURRENT_STEPS)``
  steps (see :class:`~sklrnn.nn.recurrent.RecurrentNet`).

What ran and why it stopped is in the fitted ``budget_`` (:class:`TrainingBudget`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skorch.callbacks import Callback

MIN_VALIDATION = 500
MIN_BATCH, MAX_BATCH = 16, 64
MIN_STEPS = 1000
MIN_EPOCHS, MAX_EPOCHS = 50, 500
PLATEAU_DROP = 0.01
PLATEAU_BELOW = 0.02
CONVERGED_LOSS = 1e-3
ANNEAL_SHARE, MIN_ANNEAL_EPOCHS = 0.1, 5
MIN_PLATEAU_STEPS = 100
MAX_RECURRENT_STEPS = 128

#: why a fit ended, as ``budget_.stop_reason`` says it
STOP_REASONS = ("max_epochs", "early_stopping", "plateau", "converged")


@dataclass(frozen=True)
class TrainingBudget:
    """Resolved training budget of one fit, and what ran of it.

    ``batch_size``, ``max_epochs`` and ``early_stopping`` are the budget (``"auto"``
    resolved); ``n_epochs`` and ``n_steps`` are the epochs and optimizer steps the fit ran,
    ``stop_reason`` why it ended (one of :data:`STOP_REASONS`), ``stop_epoch`` the epoch at
    which :class:`TrainingDone` found training done (None when it did not). Before training
    the last four are None.
    """

    batch_size: int
    max_epochs: int
    early_stopping: bool
    n_epochs: int | None = None
    n_steps: int | None = None
    stop_reason: str | None = None
    stop_epoch: int | None = None


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
    >>> budget = training_budget(36, batch_size="auto", max_epochs="auto", early_stopping="auto",
    ...                          validation_fraction=0.1)
    >>> budget.batch_size, budget.max_epochs, budget.early_stopping, budget.stop_reason
    (16, 334, False, None)
    >>> budget = training_budget(100_000, batch_size="auto", max_epochs="auto",
    ...                          early_stopping="auto", validation_fraction=0.1)
    >>> budget.batch_size, budget.max_epochs, budget.early_stopping
    (64, 50, True)
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


def resolve_segment_length(segment_length: int | str, n_timesteps: int) -> int:
    """Steps per segment of the recurrent layer: ``"auto"`` is the fewest that keep it at
    most ``MAX_RECURRENT_STEPS`` steps long.

    Examples
    --------
    >>> resolve_segment_length("auto", 100), resolve_segment_length("auto", 1460)
    (1, 12)
    >>> resolve_segment_length(4, 1460)
    4
    """
    if segment_length == "auto":
        return max(1, math.ceil(n_timesteps / MAX_RECURRENT_STEPS))
    return int(segment_length)


def fitted_budget(budget: TrainingBudget, history) -> TrainingBudget:
    """``budget`` with the epochs and steps a fit's skorch ``history`` ran, and why it ended."""
    n_epochs = len(history)
    n_steps = sum(len(row["batches"]) for row in history)
    stops = [row["training_done"] for row in history if row.get("training_done")]
    stop_epoch = next(
        (row["epoch"] for row in history if row.get("training_done") in STOP_REASONS), None
    )
    if stops and stops[-1] in STOP_REASONS and n_epochs < budget.max_epochs:
        reason = stops[-1]
    elif budget.early_stopping and n_epochs < budget.max_epochs:
        reason = "early_stopping"
    else:
        reason = "max_epochs"
    return TrainingBudget(
        budget.batch_size,
        budget.max_epochs,
        budget.early_stopping,
        n_epochs,
        n_steps,
        reason,
        stop_epoch,
    )


class TrainingDone(Callback):
    """Stop a fit without validation data once training is done (see the module's rule).

    When the training loss has plateaued low (``"plateau"``) or is below ``CONVERGED_LOSS``
    (``"converged"``), the reason is written in that epoch's history (``training_done``) and
    the learning rate anneals from its current value to ``eta_min`` by a cosine over
    ``max(MIN_ANNEAL_EPOCHS, ceil(ANNEAL_SHARE * epoch))`` epochs (``anneal=False``: none);
    then training ends. Only the epochs of the current call to ``fit`` count.

    Parameters
    ----------
    patience : int
        Epochs without a new best loss ``PLATEAU_DROP`` below the last one that make a plateau;
        at least ``MIN_PLATEAU_STEPS`` optimizer steps, so that a data set of a few batches
        is not stopped by the noise of a few epochs.
    eta_min : float
        Learning rate at the end of the annealing.
    anneal : bool
        Anneal before stopping (a cosine schedule); False stops at once.
    """

    def __init__(self, patience: int, eta_min: float, anneal: bool = True) -> None:
        self.patience = patience
        self.eta_min = eta_min
        self.anneal = anneal

    def on_train_begin(self, net, **kwargs):
        self.first_epoch_ = len(net.history)  # after a warm start, earlier fits' epochs

    def _verdict(self, losses: list[float], steps_per_epoch: int) -> str | None:
        if losses[-1] < CONVERGED_LOSS:
            return "converged"
        patience = max(self.patience, math.ceil(MIN_PLATEAU_STEPS / steps_per_epoch))
        best, since = math.inf, 0
        for loss in losses:
            if loss < best * (1 - PLATEAU_DROP):
                best, since = loss, 0
            else:
                since += 1
        low = best <= PLATEAU_BELOW * losses[0]
        return "plateau" if since >= patience and low else None

    def on_epoch_end(self, net, **kwargs):
        history = net.history[self.first_epoch_ :]
        done = [row for row in history if row.get("training_done") in STOP_REASONS]
        if not done:
            losses = [row["train_loss"] for row in history]
            verdict = self._verdict(losses, len(history[-1]["batches"]))
            if verdict is None:
                return
            net.history.record("training_done", verdict)
            epoch = len(history)
            lr = net.optimizer_.param_groups[0]["lr"]
            tail = max(MIN_ANNEAL_EPOCHS, math.ceil(ANNEAL_SHARE * epoch)) if self.anneal else 0
            net.history.record("anneal_from", [lr, epoch, tail])
            if tail == 0:
                raise KeyboardInterrupt
            return
        lr_start, start, tail = done[0]["anneal_from"]
        elapsed = len(history) - start
        if elapsed >= tail:
            raise KeyboardInterrupt
        lr = self.eta_min + (lr_start - self.eta_min) * (1 + math.cos(math.pi * elapsed / tail)) / 2
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
