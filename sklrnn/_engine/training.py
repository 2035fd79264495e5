"""The training step every fit goes through, and a function to train any module with it.

:func:`train` runs skorch's training of an initialised net under the engine's guards (a real
Ctrl-C reaches the caller, seeded dropout and augmentation, a NaN loss stops training).
Estimators call it from ``fit``; :func:`fit_module` trains a given torch module with a given loss
on a :class:`~sklrnn._engine.net.SequenceDataset` through the same net builder, budget rule,
seeding and guards, for components (such as a featurizer's encoder) that are not estimators.
:func:`history_attributes` reads the fitted attributes of an estimator from a trained net.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import torch

from ..nn.optim import OPTIMIZERS
from ..utils._torch import no_subnormals, resolve_device
from .budget import TrainingBudget, training_budget
from .guards import FiniteLoss, NonFiniteLoss, divergence_message, interrupt_guard, training_rng
from .net import SequenceDataset, SequenceNet, build_net


def train(
    net: SequenceNet,
    dataset: SequenceDataset,
    seed: int,
    *,
    augmented: bool = False,
    report: AbstractContextManager | None = None,
) -> None:
    """Train the initialised ``net`` on ``dataset`` (``partial_fit``: a warm net goes on),
    dropout and augmentation seeded from ``seed + 1`` (``augmented``: the batches are),
    inside the context manager ``report`` if given. Raises :class:`~.guards.NonFiniteLoss`
    when a loss becomes NaN or infinite, and ``KeyboardInterrupt`` on a Ctrl-C, which skorch
    would otherwise swallow."""
    with (
        interrupt_guard() as interrupt,
        training_rng(net.module_, seed + 1, augmented=augmented),
        report or nullcontext(),
    ):
        net.partial_fit(dataset, None)
    if interrupt["interrupted"]:
        raise KeyboardInterrupt


def fit_module(
    module: torch.nn.Module,
    criterion: torch.nn.Module,
    dataset: SequenceDataset,
    *,
    seed: int,
    max_epochs: int | str,
    batch_size: int | str,
    learning_rate: float = 1e-3,
    optimizer: str = "adam",
    device: str = "auto",
    verbose: int = 0,
    owner: str = "fit_module",
) -> SequenceNet:
    """Train ``module`` with the loss ``criterion`` on ``dataset``; return the fitted net.

    The net is the estimators' (:func:`~.net.build_net`): the module is called as
    ``module(x, lengths)`` on mini-batches of whole sequences, samples are weighted when
    ``dataset`` has weights, nothing is held out; ``"auto"`` batch size and epochs follow the
    estimators' budget rule. ``seed`` seeds the batch order and dropout (build the module under
    :func:`~sklrnn.utils._torch.torch_seeded` to seed its weights too); a diverging loss raises
    a FloatingPointError that names ``owner``. The fitted net's ``module_`` is ``module`` and
    its ``history`` the log.
    """
    budget = training_budget(
        len(dataset),
        batch_size=batch_size,
        max_epochs=max_epochs,
        early_stopping=False,
        validation_fraction=0.1,
    )
    net = build_net(
        module,
        criterion,
        optimizer=OPTIMIZERS[optimizer],
        lr=float(learning_rate),
        max_epochs=budget.max_epochs,
        batch_size=budget.batch_size,
        callbacks=[("finite_loss", FiniteLoss())],
        device=resolve_device(device),
        verbose=int(verbose),
        iterator_train__random_state=np.random.RandomState(seed),
    ).initialize()
    try:
        with no_subnormals():
            train(net, dataset, seed)
    except NonFiniteLoss as exc:
        message = divergence_message(owner, exc, dataset.x.numpy(), learning_rate, optimizer)
        raise FloatingPointError(message) from None
    return net


def history_attributes(net: SequenceNet, budget: TrainingBudget) -> dict:
    """The fitted attributes read from the net's history: loss curve, epochs, scores."""
    history = net.history
    loss_curve = [float(v) for v in history[:, "train_loss"]]
    attributes = {"loss_curve_": loss_curve, "n_iter_": len(loss_curve)}
    attributes["best_loss_"] = min(loss_curve)
    scores = best = None
    if budget.early_stopping:  # after a warm start, earlier epochs may have no score
        scores = [float(row["valid_score"]) for row in history if "valid_score" in row]
        best = max(scores)
    return attributes | {"validation_scores_": scores, "best_validation_score_": best}
