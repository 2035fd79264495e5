"""What every module in ``sklrnn.nn`` shares: argument checks and the valid-step mask.

Plain torch: this package imports nothing from the rest of sklrnn, nor scikit-learn.
"""

from __future__ import annotations

from collections.abc import Collection
from numbers import Integral

import torch


def check_positive_int(value: object, name: str, *, minimum: int = 1) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")


def check_choice(value: object, name: str, choices: Collection) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is one of ``choices``."""
    if not (value is None or isinstance(value, str)) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}; got {value!r}.")


def valid_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """Boolean [B, T] mask, True on the valid steps of each sequence.

    Examples
    --------
    >>> import torch
    >>> valid_mask(torch.tensor([2, 3]), 3)
    tensor([[ True,  True, False],
            [ True,  True,  True]])
    """
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]
