"""Transformers that understand sequences: scaling and padding.

They read their input through :func:`sklrnn._engine.sequences.check_sequences`, so they accept
everything an sklrnn estimator accepts: ``(n_samples, n_timesteps)`` and ``(n_samples, n_timesteps,
n_features)`` arrays and lists of sequences of different lengths.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._engine.sequences import Sequences, check_sequences, check_step_shape, is_sequence_list
from ..utils._param_validation import Interval, Options, ParamsValidationMixin
from ..utils._tokens import holds_marked_tokens, mark_tokens


def _flat_steps(seqs: Sequences) -> Sequences:
    """The same sequences with every time step flattened to ``(n_features,)``."""
    n, t = seqs.data.shape[:2]
    return Sequences(seqs.data.reshape(n, t, -1), seqs.lengths)  # [N, T, *S] -> [N, T, F]


def _same_layout(X, data: np.ndarray, seqs: Sequences) -> np.ndarray | list[np.ndarray]:
    """Give ``data`` (shaped like ``seqs.data``) back in the layout of ``X``."""
    if is_sequence_list(X):
        return [
            out[:n].reshape(np.shape(x)) for out, n, x in zip(data, seqs.lengths, X, strict=True)
        ]
    return data


def _check_channels(seqs: Sequences, n_features: int, name: str = "X") -> Sequences:
    flat = _flat_steps(seqs)
    check_step_shape(flat, (n_features,), name)
    return flat


class SequenceScaler(ParamsValidationMixin, TransformerMixin, BaseEstimator):
    """Standardise each feature over all valid time steps of all sequences.

    The mean and standard deviation of a feature are computed over every time step of every
    sequence, so a feature is scaled the same way at every step; padding never counts. The
    output has the layout of the input: a list in gives a list out, an array in gives an array
    of the same shape out.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean of each feature.
    with_std : bool, default=True
        Divide each feature by its standard deviation (features that do not vary are left
        unscaled).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        Mean of each feature; None when ``with_mean=False``.
    var_ : ndarray of shape (n_features,) or None
        Variance of each feature; None when ``with_std=False``.
    scale_ : ndarray of shape (n_features,) or None
        Divisor of each feature; None when ``with_std=False``.
    n_features_in_ : int
        Number of features of one time step (1 for univariate sequences).
    n_steps_seen_ : int
        Number of valid time steps the statistics were computed on.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same for one vector per sample.
    SequencePadder : Pad or cut sequences to one length.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import SequenceScaler
    >>> X = [np.array([[0.0], [2.0]]), np.array([[4.0], [6.0], [8.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_
    array([4.])
    >>> [x.ravel().round(2) for x in scaler.transform(X)]
    [array([-1.41, -0.71], dtype=float32), array([0.  , 0.71, 1.41], dtype=float32)]
    """

    _parameter_constraints = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Sequences; a list may hold sequences of different lengths.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        self._check_params()
        seqs = _flat_steps(check_sequences(X))
        steps = seqs.data[seqs.mask()].astype(np.float64)  # [N, T, F] -> [n_valid, F]
        self.n_features_in_ = steps.shape[1]
        self.n_steps_seen_ = steps.shape[0]
        self.mean_ = steps.mean(axis=0) if self.with_mean else None
        if self.with_std:
            self.var_ = steps.var(axis=0)
            scale = np.sqrt(self.var_)
            # Constant features keep their values, as in StandardScaler.
            self.scale_ = np.where(scale < 10 * np.finfo(np.float64).eps, 1.0, scale)
        else:
            self.var_ = self.scale_ = None
        return self

    def transform(self, X):
        """Scale the sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Sequences with the number of features seen at fit.

        Returns
        -------
        X_scaled : ndarray or list of ndarray
            float32, in the layout of ``X``.
        """
        return self._apply(X, inverse=False)

    def inverse_transform(self, X):
        """Undo the scaling.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Scaled sequences.

        Returns
        -------
        X_original : ndarray or list of ndarray
            float32, in the layout of ``X``.
        """
        return self._apply(X, inverse=True)

    def _apply(self, X, *, inverse: bool):
        check_is_fitted(self, "n_features_in_")
        seqs = check_sequences(X)
        data = _check_channels(seqs, self.n_features_in_).data.astype(np.float64)
        mean = 0.0 if self.mean_ is None else self.mean_
        scale = 1.0 if self.scale_ is None else self.scale_
        data = data * scale + mean if inverse else (data - mean) / scale
        return _same_layout(X, data.astype(np.float32).reshape(seqs.data.shape), seqs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


class SequencePadder(ParamsValidationMixin, TransformerMixin, BaseEstimator):
    """Pad and truncate sequences to one length, giving a regular array.

    Parameters
    ----------
    max_len : int, default=None
        Length of the output sequences. None uses the longest sequence seen at fit.
    padding : {"post", "pre"}, default="post"
        Add ``value`` after ("post") or before ("pre") a shorter sequence.
    truncating : {"post", "pre"}, default="post"
        Cut a longer sequence at its end ("post": keep the first ``max_len`` steps) or at its
        start ("pre": keep the last ``max_len`` steps).
    value : float, default=0.0
        Fill value of the padding.

    Attributes
    ----------
    max_len_ : int
        Length of the output sequences.
    n_features_in_ : int
        Number of features of one time step (1 for univariate sequences).

    See Also
    --------
    SequenceScaler : Standardise the features of sequences.

    Notes
    -----
    Integer sequences of one value per step (token ids, e.g. from :class:`KmerEncoder`) stay
    int64 when ``value`` is a whole number; everything else becomes float32. The output of a 2-D
    array or of a list of 1-D sequences is ``(n_samples, max_len)``, otherwise
    ``(n_samples, max_len, n_features)``. sklrnn estimators accept sequences of different lengths
    directly and mask the padding; padding to one length is for other models, or to cut long
    sequences.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import SequencePadder
    >>> X = [np.array([1, 2, 3]), np.array([4, 5]), np.array([6, 7, 8, 9, 10])]
    >>> SequencePadder(max_len=4, padding="pre", truncating="pre").fit_transform(X)
    array([[ 0,  1,  2,  3],
           [ 0,  0,  4,  5],
           [ 7,  8,  9, 10]])
    """

    def __init__(self, max_len=None, *, padding="post", truncating="post", value=0.0):
        self.max_len = max_len
        self.padding = padding
        self.truncating = truncating
        self.value = value

    _parameter_constraints = {
        "max_len": [None, Interval(Integral, 1, None)],
        "padding": [Options(("post", "pre"))],
        "truncating": [Options(("post", "pre"))],
        "value": [Interval(Real, None, None)],
    }

    def _check(self, X) -> Sequences:
        tokens = float(self.value).is_integer() and _holds_integers(X)
        return check_sequences(X, tokens=tokens)

    def fit(self, X, y=None):
        """Record the output length and the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Sequences; a list may hold sequences of different lengths.
        y : None
            Ignored.

        Returns
        -------
        self : SequencePadder
            The fitted padder.
        """
        self._check_params()
        seqs = self._check(X)
        self.n_features_in_ = seqs.n_features
        self.max_len_ = int(seqs.lengths.max()) if self.max_len is None else self.max_len
        return self

    def transform(self, X):
        """Pad or truncate every sequence to ``max_len_`` steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Sequences with the number of features seen at fit.

        Returns
        -------
        X_padded : ndarray of shape (n_samples, max_len) or (n_samples, max_len, n_features)
            int64 for integer token ids, float32 otherwise.
        """
        check_is_fitted(self, "max_len_")
        seqs = self._check(X)
        _check_channels(seqs, self.n_features_in_)
        data, lengths, width = seqs.data, seqs.lengths, self.max_len_
        kept = np.minimum(lengths, width)
        start = lengths - kept if self.truncating == "pre" else np.zeros_like(lengths)
        offset = width - kept if self.padding == "pre" else np.zeros_like(lengths)
        steps = np.arange(width)[None, :]  # output step j of sample i reads step src[i, j]
        valid = (steps >= offset[:, None]) & (steps < (offset + kept)[:, None])
        src = start[:, None] + steps - offset[:, None]
        out = np.full((len(lengths), width, *seqs.step_shape), self.value, dtype=data.dtype)
        rows = np.broadcast_to(np.arange(len(lengths))[:, None], valid.shape)
        out[valid] = data[rows[valid], src[valid]]  # [n_valid, *S]
        return mark_tokens(out) if holds_marked_tokens(X) else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _holds_integers(X) -> bool:
    """True when X is integer data with one value per step (token ids)."""
    items = X if is_sequence_list(X) else [X]
    try:
        arrays = [np.asarray(x) for x in items]
    except ValueError:  # let check_sequences word the error
        return False
    ndim = 1 if is_sequence_list(X) else 2
    return all(a.dtype.kind in "iub" and a.ndim == ndim for a in arrays)
