"""The one table of training parameters, and what is derived from such tables.

Each parameter is a :class:`Param`: its name, its rule (the constraints of
:mod:`sklrnn.utils._param_validation`), its description, its default where every estimator
shares it, whether a warm-started fit honours a change of it, and whether it is neutral (it
changes nothing a fit computes, so the checkpoint fingerprint leaves it out).
:data:`TRAINING` holds the training parameters every estimator has; each family of estimators
declares its network's parameters the same way, beside its code. From the tables come:

- :func:`constraints`: a class's ``_parameter_constraints``;
- :func:`warm_start_names`: the parameters a warm-started fit honours (others raise);
- :data:`FINGERPRINT_NEUTRAL`: the parameters left out of a checkpoint's fingerprint;
- :func:`estimator_parameters`: a class decorator that sets the two above on the class and
  writes its numpydoc ``Parameters`` section, in the constructor's order. A constructor
  parameter the tables lack is an error at import, so no parameter goes undocumented.

Constructors stay explicit (scikit-learn reads the signature); ``tests/test_parameters.py``
compares every estimator's signature with its tables.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, replace
from numbers import Integral, Real
from os import PathLike
from typing import Any

import torch

from ..nn.optim import OPTIMIZERS
from ..utils._param_validation import (
    Device,
    Interval,
    Options,
    RandomState,
    SubclassOf,
    doc_type,
)
from .accelerate import MODES as ACCELERATOR_MODES
from .budget import (
    ANNEAL_SHARE,
    CONVERGED_LOSS,
    MAX_BATCH,
    MAX_EPOCHS,
    MIN_BATCH,
    MIN_EPOCHS,
    MIN_PLATEAU_STEPS,
    MIN_STEPS,
    MIN_VALIDATION,
    PLATEAU_BELOW,
    PLATEAU_DROP,
)

#: marks a parameter whose default differs between estimators (each constructor has its own)
VARIES = object()


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its rule, its description and how training treats it.

    Parameters
    ----------
    name : str
        The constructor argument.
    constraint : list
        Accepted values, as in ``_parameter_constraints`` (any one of them passes).
    doc : str
        Description for the numpydoc ``Parameters`` section (type and default are added).
    default : object, default=VARIES
        The default of every estimator that has the parameter; ``VARIES`` when they differ.
    warm_start : bool, default=False
        A warm-started fit honours a change of it; changing another parameter between two
        warm-started fits needs a new network and raises.
    neutral : bool, default=False
        It changes nothing a fit computes (where it runs, what it prints, where it saves):
        left out of the checkpoint fingerprint.
    """

    name: str
    constraint: list
    doc: str
    default: Any = VARIES
    warm_start: bool = False
    neutral: bool = False


def _training(name, constraint, doc, default=VARIES, neutral=False) -> Param:
    return Param(name, constraint, doc, default, warm_start=True, neutral=neutral)


#: the training parameters every estimator has, in the engine's order
TRAINING: tuple[Param, ...] = (
    _training(
        "optimizer", [Options(OPTIMIZERS), SubclassOf(torch.optim.Optimizer)], "Optimiser.", "adam"
    ),
    _training("learning_rate", [Interval(Real, 0, None, closed="neither")], "Learning rate."),
    _training(
        "weight_decay", [Interval(Real, 0, None)], 'L2 penalty (decoupled for ``"adamw"``).', 0.0
    ),
    _training(
        "batch_size",
        [Options(("auto",)), Interval(Integral, 1, None)],
        'Mini-batch size; ``"auto"`` is a tenth of the training samples, between '
        f"{MIN_BATCH} and {MAX_BATCH} (never more than the samples). The resolved value is in "
        "``budget_``.",
    ),
    _training(
        "max_epochs",
        [Options(("auto",)), Interval(Integral, 1, None)],
        'Maximum number of passes over the training data; ``"auto"`` gives at least '
        f"{MIN_STEPS} optimizer steps, between {MIN_EPOCHS} and {MAX_EPOCHS} epochs, and, "
        "without a validation split, stops once training is done: when the training loss has "
        f"not fallen {PLATEAU_DROP:.0%} below its best for ``n_iter_no_change`` epochs (and "
        f"{MIN_PLATEAU_STEPS} optimizer steps) once it is below {PLATEAU_BELOW:g} times the "
        f"first epoch's, or is below {CONVERGED_LOSS:g}; the learning rate first anneals to "
        f"its floor over {ANNEAL_SHARE:.0%} more epochs (at least 5). ``budget_`` says what "
        "ran and why it stopped.",
    ),
    _training(
        "early_stopping",
        ["boolean", Options(("auto",))],
        "Hold out ``validation_fraction`` of the data (stratified by class in a classifier), "
        "or validate on the ``X_val, y_val`` passed to ``fit``, and stop when the validation "
        "loss has not improved by ``tol`` for ``n_iter_no_change`` epochs; the best weights "
        'are restored. ``"auto"`` holds out data only when the validation part would have at '
        f"least {MIN_VALIDATION} samples.",
    ),
    _training(
        "validation_fraction",
        [Interval(Real, 0, 1, closed="neither")],
        "Share of the training data held out for early stopping.",
        0.1,
    ),
    _training(
        "n_iter_no_change", [Interval(Integral, 1, None)], "Patience of early stopping, in epochs."
    ),
    _training(
        "tol", [Interval(Real, 0, None)], "Minimum improvement of the validation loss.", 1e-4
    ),
    _training(
        "gradient_clip",
        [None, Interval(Real, 0, None, closed="neither")],
        "Clip the gradient norm to this value; None does not clip.",
        None,
    ),
    _training(
        "device",
        [Device()],
        'torch device; ``"auto"`` uses a GPU when one is visible.',
        "auto",
        neutral=True,
    ),
    _training(
        "callbacks",
        [None, list, tuple],
        "Extra skorch callbacks, as callbacks or ``(name, callback)`` pairs (copied at fit, "
        "the parameter is never modified).",
        None,
        neutral=True,
    ),
    Param(
        "checkpoint_dir",
        [None, str, PathLike],
        "Folder where the fit saves a checkpoint after every epoch (weights, optimiser and "
        "learning-rate schedule state, history, random generator, early-stopping state). Each "
        "fit has its own subfolder, ``fit-<fingerprint>``, named by everything that changes "
        "what the fit computes: the parameters (not those that change nothing, such as "
        "``verbose``, ``device`` or ``callbacks``), the network's and the loss's "
        "configuration, the training data, the validation data (``X_val``, ``y_val``) and, "
        "for a warm start, the weights it starts from. A fit that finds its checkpoint there "
        "resumes from it and trains only the epochs left: an interrupted fit started again "
        "with the same parameters and data ends with the weights an uninterrupted fit gets "
        "(on CPU, with an int ``random_state``), and a finished fit is loaded, not trained "
        "again. Fits of other parameters or data start afresh in their own subfolders, so "
        "one folder serves every fold of ``cross_val_score`` and every candidate of "
        "``GridSearchCV``; delete the folder to reclaim its space. Each checkpoint carries a "
        "checksum: a damaged one raises an error naming its file. None saves nothing.",
        None,
        neutral=True,
    ),
    Param(
        "accelerator",
        [None, Options(ACCELERATOR_MODES)],
        "Train through Hugging Face accelerate (skorch's ``AccelerateMixin``) with this mixed "
        'precision (``"no"``: float32), on ``device``; started by ``accelerate launch`` or '
        "``torchrun`` in several processes, each process trains on its share of every "
        "mini-batch (data parallel) and all end with the same model. The fitted estimator "
        "predicts in float32 and pickles as usual. None trains without accelerate. Not "
        "combined with ``checkpoint_dir``.",
        None,
    ),
    _training(
        "warm_start",
        ["boolean"],
        "Continue training the fitted network on the next call to ``fit``, with the current "
        "training parameters; the learning-rate schedule starts again from ``learning_rate``.",
        False,
        neutral=True,
    ),
    _training(
        "verbose",
        ["boolean", Interval(Integral, 0, None)],
        "1 prints one line per epoch (losses, validation score, time); 0 prints nothing.",
        0,
        neutral=True,
    ),
    _training(
        "random_state",
        [RandomState()],
        "Seeds weights, dropout, batch order and the validation split.",
        None,
    ),
)

#: parameters that change nothing a fit computes, left out of the checkpoint fingerprint
FINGERPRINT_NEUTRAL = frozenset(p.name for p in TRAINING if p.neutral)


def reworded(table: tuple[Param, ...], **docs: str) -> tuple[Param, ...]:
    """``table`` with the descriptions of some parameters replaced (same rules and defaults),
    for estimators where a training parameter means something more precise."""
    unknown = set(docs) - {p.name for p in table}
    if unknown:
        raise KeyError(f"reworded: no parameters {sorted(unknown)} in the table.")
    return tuple(replace(p, doc=docs.get(p.name, p.doc)) for p in table)


def merged(*tables: tuple[Param, ...]) -> dict[str, Param]:
    """The parameters of ``tables`` by name; a name in several tables is an error."""
    params: dict[str, Param] = {}
    for param in (p for table in tables for p in table):
        if param.name in params:
            raise ValueError(f"parameter {param.name!r} is declared twice.")
        params[param.name] = param
    return params


def constraints(*tables: tuple[Param, ...]) -> dict[str, list]:
    """``_parameter_constraints`` of a class with the parameters of ``tables``."""
    return {name: p.constraint for name, p in merged(*tables).items()}


def warm_start_names(*tables: tuple[Param, ...]) -> frozenset[str]:
    """The parameters of ``tables`` whose change a warm-started fit honours."""
    return frozenset(name for name, p in merged(*tables).items() if p.warm_start)


def _default(value) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def estimator_parameters(*tables: tuple[Param, ...]):
    """Class decorator: the class's parameters are those of ``tables``.

    Sets ``_parameter_table`` (by name), ``_parameter_constraints`` and
    ``_warm_start_params`` on the class and fills the ``{parameters}`` line of its docstring
    in the order of its constructor, with each type (from the rule), default (from the
    signature) and description.

    Parameters
    ----------
    *tables : tuple of Param
        The class's parameters; every constructor argument must be in exactly one.

    Returns
    -------
    decorator : callable
        Returns the class, completed.

    Examples
    --------
    >>> from numbers import Integral
    >>> from sklrnn.utils._param_validation import Interval
    >>> WIDTH = (Param("width", [Interval(Integral, 1, None)], "Steps per window.", 3),)
    >>> @estimator_parameters(WIDTH)
    ... class Windows:
    ...     '''Windows.
    ...
    ...     Parameters
    ...     ----------
    ...     {parameters}
    ...     '''
    ...     def __init__(self, width=3):
    ...         self.width = width
    >>> print(Windows.__doc__.split("----------")[1].strip())
    width : int, default=3
            Steps per window.
    >>> sorted(Windows._parameter_constraints)
    ['width']
    """
    table = merged(*tables)

    def decorate(cls):
        marker = next(line for line in cls.__doc__.splitlines() if line.strip() == "{parameters}")
        indent = marker[: len(marker) - len(marker.lstrip())]
        entries = []
        for name, arg in inspect.signature(cls.__init__).parameters.items():
            if name == "self":
                continue
            if name not in table:
                raise TypeError(f"{cls.__name__}: parameter {name!r} is in no parameter table.")
            entries.append(
                f"{indent}{name} : {doc_type(table[name].constraint)}, "
                f"default={_default(arg.default)}"
            )
            entries.append(
                textwrap.fill(
                    table[name].doc,
                    96,
                    initial_indent=indent + "    ",
                    subsequent_indent=indent + "    ",
                )
            )
        cls.__doc__ = cls.__doc__.replace(marker, "\n".join(entries))
        cls._parameter_table = table
        cls._parameter_constraints = constraints(*tables)
        cls._warm_start_params = warm_start_names(*tables)
        return cls

    return decorate
