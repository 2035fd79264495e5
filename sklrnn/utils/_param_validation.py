"""Declarative parameter rules: every estimator lists the values each of its parameters accepts.

A class sets ``_parameter_constraints``, a dict from parameter name to a list of constraints; a
value is valid when it satisfies any constraint of its list. Subclasses merge their parent's
table, one entry a line::

    _parameter_constraints = {
        **Parent._parameter_constraints,
        "hidden_size": [Interval(Integral, 1, None)],
    }

The idea is scikit-learn's ``_parameter_constraints``; this module is a small local version
with sklrnn's messages: ``"<name> must be <what the rules allow>; got <value>."``. A constraint
is ``None`` (the value None), ``"boolean"``, a class (any instance of it), or one of the
constraint objects below.
"""

from __future__ import annotations

import importlib
import inspect
import reprlib
from numbers import Integral, Real
from typing import Any

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A parameter value its rules do not allow: a ValueError and a TypeError, as in sklearn."""


class Interval:
    """Numbers of ``kind`` (``Integral`` or ``Real``) between ``left`` and ``right``.

    ``None`` leaves a side open; ``closed`` is ``"left"``, ``"right"``, ``"both"`` or
    ``"neither"``. Booleans are never numbers here; numpy integers and floats are.

    Examples
    --------
    >>> from numbers import Integral
    >>> Interval(Integral, 1, None).describe()
    'an integer >= 1'
    """

    def __init__(self, kind: type, left: float | None, right: float | None, *, closed="left"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if not np.isfinite(value):  # NaN or an infinite learning rate, tolerance, ...
            return False
        if self.left is not None:
            low_ok = value >= self.left if self.closed in ("left", "both") else value > self.left
            if not low_ok:
                return False
        if self.right is not None:
            closed_right = self.closed in ("right", "both")
            return bool(value <= self.right if closed_right else value < self.right)
        return True

    def doc_type(self) -> str:
        return "int" if self.kind is Integral else "float"

    def describe(self) -> str:
        what = "an integer" if self.kind is Integral else "a finite number"
        if self.left is None and self.right is None:
            return what
        if self.kind is Real and self.left == 0 and self.right is None and self.closed == "neither":
            return "a finite positive number"
        if self.right is None:
            sign = ">=" if self.closed in ("left", "both") else ">"
            return f"{what} {sign} {self.left}"
        if self.left is None:
            sign = "<=" if self.closed in ("right", "both") else "<"
            return f"{what} {sign} {self.right}"
        low = "[" if self.closed in ("left", "both") else "("
        high = "]" if self.closed in ("right", "both") else ")"
        return f"{what} in {low}{self.left}, {self.right}{high}"


class Options:
    """One of a fixed set of values (strings, or None).

    Examples
    --------
    >>> Options(("post", "pre")).describe()
    "one of ['post', 'pre']"
    """

    def __init__(self, values) -> None:
        self.values = tuple(values)

    def is_satisfied_by(self, value: Any) -> bool:
        return (value is None or isinstance(value, str)) and value in self.values

    def doc_type(self) -> str:
        names = ", ".join(f'"{v}"' for v in self.values if v is not None)
        return "{" + names + "}" + (" or None" if None in self.values else "")

    def describe(self) -> str:
        return f"one of {list(self.values)}"


class SubclassOf:
    """A class derived from ``base`` (e.g. a ``torch.optim.Optimizer`` class)."""

    def __init__(self, base: type) -> None:
        self.base = base

    def is_satisfied_by(self, value: Any) -> bool:
        return inspect.isclass(value) and issubclass(value, self.base)

    def doc_type(self) -> str:
        return f"{_class_name(self.base)} class"

    def describe(self) -> str:
        return f"a {_class_name(self.base)} class"


class IntTuple:
    """A tuple or list of integers >= ``minimum`` (layer widths); numpy integers count."""

    def __init__(self, minimum: int = 1) -> None:
        self.minimum = minimum

    def is_satisfied_by(self, value: Any) -> bool:
        item = Interval(Integral, self.minimum, None)
        return isinstance(value, (tuple, list)) and all(map(item.is_satisfied_by, value))

    def doc_type(self) -> str:
        return "tuple of int"

    def describe(self) -> str:
        return f"a tuple of integers >= {self.minimum}"


class Device:
    """``"auto"``, or a torch device (name or ``torch.device``) that can hold weights."""

    def is_satisfied_by(self, value: Any) -> bool:
        if value == "auto" and isinstance(value, str):
            return True
        import torch

        if not isinstance(value, (str, torch.device)):
            return False
        try:
            return torch.device(value).type != "meta"
        except (RuntimeError, ValueError):
            return False

    def doc_type(self) -> str:
        return "str or torch.device"

    def describe(self) -> str:
        return '"auto" or a torch device such as "cpu", "cuda" or "cuda:1"'


class RandomState:
    """None, an integer seed or a ``numpy.random.RandomState``."""

    def is_satisfied_by(self, value: Any) -> bool:
        if value is None or isinstance(value, np.random.RandomState):
            return True
        return Interval(Integral, 0, 2**32 - 1, closed="both").is_satisfied_by(value)

    def doc_type(self) -> str:
        return "int, RandomState instance or None"

    def describe(self) -> str:
        return "None, an integer in [0, 2**32 - 1] or a numpy RandomState"


def _satisfies(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if constraint == "boolean":
        return isinstance(value, (bool, np.bool_))
    if inspect.isclass(constraint):
        return isinstance(value, constraint)
    return constraint.is_satisfied_by(value)


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if constraint == "boolean":
        return "a bool"
    if inspect.isclass(constraint):
        return f"a {_class_name(constraint)}"
    return constraint.describe()


def _class_name(cls: type) -> str:
    """The shortest public path of ``cls``: ``torch.nn.Module``, not ``torch.nn.modules...``."""
    if cls.__module__ == "builtins":
        return cls.__name__
    parts = cls.__module__.split(".")
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        if getattr(importlib.import_module(prefix), cls.__name__, None) is cls:
            return f"{prefix}.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def doc_type(constraints: list) -> str:
    """The numpydoc type of a parameter with these constraints, None last.

    Examples
    --------
    >>> from numbers import Real
    >>> doc_type([None, Interval(Real, 0, None)])
    'float or None'
    """
    kinds = []
    for rule in sorted(constraints, key=lambda rule: rule is None):
        if rule is None:
            kinds.append("None")
        elif rule == "boolean":
            kinds.append("bool")
        elif inspect.isclass(rule):
            kinds.append(_class_name(rule))
        else:
            kinds.append(rule.doc_type())
    kinds = list(dict.fromkeys(kinds))  # bool or int -> one of each
    return kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " or " + kinds[-1]


def _shown(value: Any) -> str:
    """``value`` as the message shows it: its repr, with its type when that is not obvious."""
    if value is None or isinstance(value, (str, bool, int, float, np.generic)):
        return repr(value)
    if inspect.isclass(value):
        return f"the class {value.__qualname__}"
    return f"{type(value).__name__} {reprlib.repr(value)}"


def check_params(params: dict[str, Any], constraints: dict[str, list]) -> None:
    """Raise :class:`InvalidParameterError` for the first value its constraints reject.

    Parameters
    ----------
    params : dict
        Parameter values by name (e.g. ``estimator.get_params(deep=False)``).
    constraints : dict
        Constraints by name; a value passes when it satisfies any of its list.

    Examples
    --------
    >>> from numbers import Integral
    >>> check_params({"k": 3}, {"k": [Interval(Integral, 1, None)]})
    >>> check_params({"k": 0}, {"k": [None, Interval(Integral, 1, None)]})
    Traceback (most recent call last):
    ...
    sklrnn.utils._param_validation.InvalidParameterError: k must be None or an integer >= 1; got 0.
    """
    for name, rules in constraints.items():
        if name not in params:  # e.g. a user's subclass without that parameter
            continue
        value = params[name]
        if not any(_satisfies(rule, value) for rule in rules):
            allowed = " or ".join(_describe(rule) for rule in rules)
            raise InvalidParameterError(f"{name} must be {allowed}; got {_shown(value)}.")


class ParamsValidationMixin:
    """Checks an estimator's parameters against its ``_parameter_constraints`` table.

    ``fit`` calls :meth:`_check_params` before reading any data. A rule that ties two
    parameters together goes in an override that calls ``super()._check_params()`` first.

    Examples
    --------
    >>> from numbers import Integral
    >>> from sklearn.base import BaseEstimator
    >>> class Windows(ParamsValidationMixin, BaseEstimator):
    ...     _parameter_constraints = {"width": [Interval(Integral, 1, None)]}
    ...     def __init__(self, width=3):
    ...         self.width = width
    >>> Windows(width=2.5)._check_params()
    Traceback (most recent call last):
    ...
    sklrnn.utils._param_validation.InvalidParameterError: width must be an integer >= 1; got 2.5.
    """

    _parameter_constraints: dict[str, list] = {}

    def _check_params(self) -> None:
        """Raise :class:`InvalidParameterError` for the first parameter its rules reject."""
        check_params(self.get_params(deep=False), self._parameter_constraints)
