"""Sequence input handling: the one validation path for every estimator and transformer.

Accepted layouts (batch first, as in PyTorch and Keras):

- ``ndarray of shape (n_samples, n_timesteps)``: univariate sequences, or token ids;
- ``ndarray of shape (n_samples, n_timesteps, n_features)``: multivariate sequences;
- ``ndarray of shape (n_samples, n_timesteps, H, W)`` or ``(n_samples, n_timesteps, C, H, W)``:
  image sequences (only where the caller allows frames);
- a list of ``(T_i,)`` or ``(T_i, n_features)`` arrays: sequences of different lengths, padded
  at the end and described by their lengths; nothing is truncated.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..exceptions import LayoutWarning

#: the largest magnitude the networks compute with (float32); larger input becomes infinite
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class Sequences:
    """A validated batch of sequences.

    Attributes
    ----------
    data : ndarray of shape (n_samples, max_len, *step_shape)
        Sequences padded with zeros after their last valid step; float32, or int64 for tokens.
    lengths : ndarray of shape (n_samples,)
        Number of valid steps of each sequence.
    """

    data: np.ndarray
    lengths: np.ndarray

    @property
    def step_shape(self) -> tuple[int, ...]:
        """Shape of one time step: ``()`` for univariate or tokens, ``(F,)``, ``(C, H, W)``."""
        return self.data.shape[2:]

    @property
    def n_features(self) -> int:
        """Number of values in one time step."""
        return int(np.prod(self.step_shape, dtype=int))

    @property
    def is_ragged(self) -> bool:
        return bool(len(self.lengths)) and bool((self.lengths != self.data.shape[1]).any())

    def __len__(self) -> int:
        return len(self.lengths)

    def mask(self) -> np.ndarray:
        """Boolean array of shape (n_samples, max_len), True on valid steps."""
        return np.arange(self.data.shape[1])[None, :] < self.lengths[:, None]

    def to_list(self) -> list[np.ndarray]:
        """The sequences without their padding, one array per sample."""
        return [seq[:n] for seq, n in zip(self.data, self.lengths)]

    def take(self, indices) -> Sequences:
        """The sequences at ``indices``."""
        return Sequences(self.data[indices], self.lengths[indices])


def as_numeric(array, name: str, index=None) -> np.ndarray:
    where = name if index is None else f"{name}[{index}]"
    if not isinstance(array, np.ndarray) and sp.issparse(array):
        raise TypeError(
            f"{where} is a sparse matrix; sklrnn needs dense sequences. Call X.toarray() first."
        )
    try:
        array = np.asarray(array)
    except ValueError as exc:  # nested lists that numpy cannot shape
        raise ValueError(f"{where} could not be read as an array: {exc}") from None
    if array.dtype.kind in "biuf":  # numbers: the common case, decided on the dtype alone
        return array
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {where} has a complex dtype.")
    if array.dtype.kind in "USV":
        raise TypeError(
            f"{where} holds strings ({array.dtype}); sklrnn estimators need numbers. "
            "Encode text first, e.g. with sklrnn.features.KmerEncoder for DNA."
        )
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{where} has dtype object with values that are not numbers: {exc}"
            ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where} has dtype {array.dtype}; expected numbers.")
    return array


def is_sequence_list(X) -> bool:
    """True for a list of sequences, which transformers answer with a list.

    A list or tuple is a list of sequences when it holds arrays, or sequences of different
    shapes; nested lists of numbers with one shape are read as one array.
    """
    if not isinstance(X, (list, tuple)) or not X or np.isscalar(X[0]):
        return False
    return any(isinstance(x, np.ndarray) for x in X) or len({np.shape(x) for x in X}) > 1


def is_ragged(X) -> bool:
    """True for a list of sequences of different shapes (which no array can hold)."""
    return is_sequence_list(X) and len({np.shape(x) for x in X}) > 1


def pad_sequences(seqs: list[np.ndarray], dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths, zero-padded after their last step.

    Returns ``data`` of shape ``(n, max_len, *step_shape)`` and the ``lengths``.
    """
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    data = np.zeros((len(seqs), int(lengths.max()), *seqs[0].shape[1:]), dtype=dtype)
    for i, s in enumerate(seqs):
        data[i, : len(s)] = s
    return data, lengths


def check_sequences(
    X,
    *,
    name: str = "X",
    tokens: bool = False,
    allow_frames: bool = False,
    allow_nan: bool = False,
) -> Sequences:
    """Validate sequence input and return it padded, with its lengths.

    Parameters
    ----------
    X : array-like or list of array-like
        The sequences, in one of the layouts of this module's docstring.
    name : str, default="X"
        Name of the argument, used in error messages.
    tokens : bool, default=False
        Read X as integer token ids: ``(n_samples, n_timesteps)`` or a list of 1-D arrays.
    allow_frames : bool, default=False
        Accept image sequences (4-D and 5-D arrays).
    allow_nan : bool, default=False
        Accept NaN (never inf).

    Returns
    -------
    sequences : Sequences
        float32 data (int64 for tokens), zero-padded, with the length of each sequence.

    Raises
    ------
    ValueError
        For empty input, empty sequences, NaN or inf, or a wrong number of dimensions.
    TypeError
        For strings, sparse matrices and other non-numeric input.
    """
    if X is None:
        raise ValueError(f"{name} is None; expected an array of sequences.")
    if isinstance(X, Sequences):
        return X
    if is_ragged(X):
        seqs = [as_numeric(x, name, i) for i, x in enumerate(X)]
        ndims = {s.ndim for s in seqs}
        if len(ndims) > 1 or not ndims <= ({1} if tokens else {1, 2}):
            want = "1-D arrays of token ids" if tokens else "(T_i,) or (T_i, n_features) arrays"
            raise ValueError(
                f"{name} is a list of sequences of different lengths; expected {want} "
                f"with the same number of dimensions, got dimensions {sorted(ndims)}."
            )
        widths = {s.shape[1:] for s in seqs}
        if len(widths) > 1:
            hint = ""
            if len({s.shape[0] for s in seqs}) == 1:
                hint = (
                    f" Every sequence has {seqs[0].shape[0]} rows: this looks like channels-first "
                    "data (a list of (n_channels, T_i) arrays, as aeon and sktime give); convert "
                    "it with sklrnn.features.from_channels_first or ChannelsFirstConverter."
                )
            raise ValueError(
                f"The sequences in {name} have different numbers of features: "
                f"{sorted(w[0] for w in widths)}.{hint}"
            )
        data, lengths = pad_sequences(seqs)
        _check_step_size(data.shape, name)
        data = _cast(data, name, tokens=tokens, allow_nan=allow_nan)
        _check_lengths(lengths, name)
        return Sequences(data, lengths)

    array = as_numeric(X, name)
    if array.ndim and array.shape[0] == 0:  # e.g. [], before a misleading dimension count
        raise ValueError(
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is required."
        )
    allowed = (2,) if tokens else ((2, 3, 4, 5) if allow_frames else (2, 3))
    if array.ndim not in allowed:
        layouts = (
            "(n_samples, n_timesteps) token ids"
            if tokens
            else "(n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)"
            + (", (n, T, H, W) or (n, T, C, H, W)" if allow_frames else "")
        )
        hint = " Reshape your data, e.g. X.reshape(1, -1) for a single sequence." * (
            array.ndim == 1
        )
        raise ValueError(
            f"Expected {name} of shape {layouts}; got an array with {array.ndim} "
            f"dimension(s) of shape {array.shape}.{hint}"
        )
    if array.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 is "
            f"required: {name} holds sequences of length 0."
        )
    _check_step_size(array.shape, name)
    if array.ndim == 4:  # (n, T, H, W) -> (n, T, 1, H, W)
        array = array[:, :, None]
    lengths = np.full(array.shape[0], array.shape[1], dtype=np.int64)
    data = _cast(array, name, tokens=tokens, allow_nan=allow_nan)
    return Sequences(data, lengths)


def _check_step_size(shape: tuple, name: str) -> None:
    """Refuse time steps that hold no value (a 0 in the step shape)."""
    if 0 in shape[2:]:
        raise ValueError(
            f"{name} has 0 features per time step (shape {shape}); every step needs at least "
            "one value."
        )


CHANNELS_FIRST_MAX_STEPS = 16


def _lag1_correlation(data: np.ndarray, axis: int) -> float:
    """Correlation of neighbouring values along ``axis`` (0 when undefined)."""
    if data.shape[axis] < 2:
        return 0.0
    first = np.take(data, np.arange(data.shape[axis] - 1), axis=axis).ravel()
    second = np.take(data, np.arange(1, data.shape[axis]), axis=axis).ravel()
    if first.std() == 0 or second.std() == 0:
        return 0.0
    return float(np.corrcoef(first, second)[0, 1])


def warn_if_channels_first(X, sequences: Sequences) -> None:
    """Warn when a 3-D array looks channels first ``(n, C, T)`` but is read as ``(n, T, F)``.

    The layout is never guessed; this only flags the likely misread: at most
    ``CHANNELS_FIRST_MAX_STEPS`` "time steps" that each hold more "features", where either there
    is a single step (a univariate aeon/sktime array ``(n, 1, T)``) or neighbouring "features"
    are correlated like neighbouring points of a series (above 0.5) and more than neighbouring
    "steps" are. Feature vectors (MFCCs, CNN features) are not smooth along their features, so
    short sequences of long feature vectors do not warn.
    """
    if isinstance(X, Sequences) or is_ragged(X) or sequences.data.ndim != 3:
        return
    n_steps, n_features = sequences.data.shape[1:]
    if not (n_steps < n_features and n_steps <= CHANNELS_FIRST_MAX_STEPS):
        return
    if n_steps > 1:
        sample = sequences.data[:256].astype(np.float64)
        along_features = _lag1_correlation(sample, axis=2)
        if not along_features > max(0.5, _lag1_correlation(sample, axis=1)):
            return
    warnings.warn(
        f"X of shape {sequences.data.shape} is read as {n_steps} time step(s) of "
        f"{n_features} features each. If it is channels first (n_samples, n_channels, "
        "n_timepoints), as aeon and sktime give, convert it with "
        "sklrnn.features.from_channels_first(X) or put ChannelsFirstConverter() first in "
        "the pipeline.",
        LayoutWarning,
        stacklevel=3,
    )


def _check_lengths(lengths: np.ndarray, name: str) -> None:
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(
            f"{name}[{empty[0]}] is a sequence of length 0; every sequence needs at least one step."
        )


def _cast(array: np.ndarray, name: str, *, tokens: bool, allow_nan: bool) -> np.ndarray:
    if tokens:
        if array.dtype.kind == "f" and (
            not np.all(np.isfinite(array)) or np.any(array != np.round(array))
        ):
            raise ValueError(f"{name} must hold integer token ids; found non-integer values.")
        if array.size and array.min() < 0:
            raise ValueError(f"{name} must hold non-negative token ids; found {array.min()}.")
        return np.ascontiguousarray(array, dtype=np.int64)
    # a sum is NaN or infinite when any value is (one pass, no temporary array), so the
    # element-wise checks run only when it is; they also clear a float32 sum that overflowed
    # on large finite values
    if array.dtype.kind == "f" and not (
        array.dtype.itemsize <= 4
        and math.isfinite(np.add.reduce(array, axis=None, dtype=np.float32))
    ):
        bad = ~np.isfinite(array)
        if allow_nan:
            bad &= ~np.isnan(array)
        if bad.any():
            sample = int(np.argwhere(bad)[0][0])
            kind = "NaN" if np.isnan(array).any() and not allow_nan else "infinity"
            raise ValueError(
                f"Input {name} contains {kind} (first in sample {sample}); "
                "sklrnn needs finite values. Impute or drop missing steps first."
            )
        if array.dtype.itemsize > 4 and array.size:  # values beyond float32 would become inf
            big = np.abs(np.where(np.isnan(array), 0, array)) > FLOAT32_MAX
            if big.any():
                sample = int(np.argwhere(big)[0][0])
                raise ValueError(
                    f"Input {name} holds values too large for float32 (first in sample "
                    f"{sample}: {array[tuple(np.argwhere(big)[0])]:.3g}; the limit is 3.4e+38). "
                    "Scale X first, e.g. with a StandardScaler."
                )
    return np.ascontiguousarray(array, dtype=np.float32)


def check_step_shape(
    sequences: Sequences, step_shape: tuple[int, ...], name: str = "X", owner: str = "the model"
) -> None:
    """Raise if the per-step shape of ``sequences`` differs from ``step_shape`` (seen at fit)."""
    if tuple(sequences.step_shape) != tuple(step_shape):
        want = int(np.prod(step_shape, dtype=int))
        raise ValueError(
            f"{name} has {sequences.n_features} features per time step (step shape "
            f"{tuple(sequences.step_shape)}), but {owner} is expecting {want} features as input "
            f"(step shape {tuple(step_shape)})."
        )


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray:
    """Validate ``sample_weight`` and scale it to mean 1 (None gives ones)."""
    if sample_weight is None:
        return np.ones(n_samples, dtype=np.float32)
    w = as_numeric(sample_weight, "sample_weight").astype(np.float64)
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {w.shape}, expected ({n_samples},) to match the samples of X."
        )
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError("sample_weight must be finite and non-negative.")
    if w.sum() <= 0:
        raise ValueError("sample_weight sums to zero; at least one sample needs a positive weight.")
    return (w / w.mean()).astype(np.float32)
