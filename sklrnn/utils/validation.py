"""Validators of plain arguments, shared by estimators, transformers, loaders and inspection."""

from __future__ import annotations

from numbers import Integral

from ._param_validation import Interval, check_params


def check_positive_int(value, name: str, *, allow_none: bool = False, minimum: int = 1) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is an integer >= ``minimum``.

    Parameters
    ----------
    value : object
        The value to check; numpy integers count, booleans do not.
    name : str
        The argument's name, for the message.
    allow_none : bool, default=False
        Also accept None.
    minimum : int, default=1
        The smallest value allowed.

    Examples
    --------
    >>> check_positive_int(3, "n_repeats")
    >>> check_positive_int(0, "n_repeats")
    Traceback (most recent call last):
    ...
    sklrnn.utils._param_validation.InvalidParameterError: n_repeats must be an integer >= 1; got 0.
    """
    rules = (
        [None, Interval(Integral, minimum, None)]
        if allow_none
        else [Interval(Integral, minimum, None)]
    )
    check_params({name: value}, {name: rules})
