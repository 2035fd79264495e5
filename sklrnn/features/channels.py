"""Channels-first sequences ``(n, C, T)`` (sktime, aeon, tsai) read as sklrnn's ``(n, T, C)``."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._engine.sequences import check_sequences, is_sequence_list
from .sequences import _check_channels


def from_channels_first(X):
    """Convert channels-first sequences ``(n, C, T)`` to sklrnn's ``(n, T, C)``.

    sktime, aeon and tsai store a batch of multivariate series channels first; sklrnn, PyTorch's
    batch-first RNNs and Keras store them time first. The layout is never guessed, so
    channels-first data goes through this function or :class:`ChannelsFirstConverter`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_channels, n_timesteps) or list of array-like
        Channels-first sequences; a list may hold ``(n_channels, T_i)`` arrays of different
        lengths. A 2-D array ``(n_samples, n_timesteps)`` is univariate in both layouts and is
        returned as is.

    Returns
    -------
    X_time_first : ndarray of shape (n_samples, n_timesteps, n_channels) or list of ndarray
        float32; a list of ``(T_i, n_channels)`` arrays for a list input.

    See Also
    --------
    ChannelsFirstConverter : The same as a transformer, for pipelines.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import from_channels_first
    >>> X = np.arange(12).reshape(2, 3, 2)  # 2 series, 3 channels, 2 steps
    >>> from_channels_first(X).shape
    (2, 2, 3)
    >>> from_channels_first(X)[0]
    array([[0., 2., 4.],
           [1., 3., 5.]], dtype=float32)
    """
    if is_sequence_list(X):
        swapped = [_swap(x, f"X[{i}]", 2) for i, x in enumerate(X)]
        return check_sequences(swapped).to_list()
    return check_sequences(_swap(X, "X", 3)).data


def _swap(x, name: str, ndim: int):
    """Swap the last two axes of an array with ``ndim`` dimensions (``ndim - 1`` passes as is)."""
    if sp.issparse(x):
        return x  # check_sequences says why sparse input is refused
    try:
        array = np.asarray(x)
    except ValueError:
        return x  # check_sequences words the error
    if array.ndim == ndim:
        return np.ascontiguousarray(np.swapaxes(array, -1, -2))  # [..., C, T] -> [..., T, C]
    if array.ndim == ndim - 1:
        return array
    layout = "(n_channels, n_timesteps)" if ndim == 2 else "(n_samples, n_channels, n_timesteps)"
    raise ValueError(
        f"Expected {name} of shape {layout} (channels first); got shape {array.shape}."
        + (" Reshape your data, e.g. X.reshape(1, -1) for one sequence." * (array.ndim < 2))
    )


def to_channels_first(X):
    """Convert sklrnn's time-first sequences ``(n, T, C)`` to channels first ``(n, C, T)``.

    The inverse of :func:`from_channels_first`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps, n_channels) or list of array-like
        Time-first sequences; a list may hold ``(T_i, n_channels)`` arrays.

    Returns
    -------
    X_channels_first : ndarray of shape (n_samples, n_channels, n_timesteps) or list of ndarray
        float32; a list of ``(n_channels, T_i)`` arrays for a list input.

    See Also
    --------
    from_channels_first : The conversion the other way.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import to_channels_first
    >>> to_channels_first(np.zeros((2, 5, 3))).shape
    (2, 3, 5)
    """
    seqs = check_sequences(X)
    if is_sequence_list(X):
        return [np.ascontiguousarray(x.T) for x in seqs.to_list()]  # [T, C] -> [C, T]
    data = seqs.data
    return np.ascontiguousarray(np.swapaxes(data, 1, 2)) if data.ndim == 3 else data


class ChannelsFirstConverter(TransformerMixin, BaseEstimator):
    """Read channels-first sequences ``(n, C, T)`` as sklrnn's ``(n, T, C)``.

    Put it first in a pipeline that gets data in the sktime / aeon / tsai layout.

    Attributes
    ----------
    n_features_in_ : int
        Number of channels seen at fit (1 for 2-D input).

    See Also
    --------
    from_channels_first : The same conversion as a function.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import ChannelsFirstConverter
    >>> X = np.zeros((4, 3, 50))  # 4 series, 3 channels, 50 steps
    >>> conv = ChannelsFirstConverter().fit(X)
    >>> conv.transform(X).shape
    (4, 50, 3)
    >>> conv.inverse_transform(conv.transform(X)).shape
    (4, 3, 50)
    """

    def fit(self, X, y=None):
        """Record the number of channels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list of array-like
            Channels-first sequences.
        y : None
            Ignored.

        Returns
        -------
        self : ChannelsFirstConverter
            The fitted converter.
        """
        self.n_features_in_ = check_sequences(from_channels_first(X)).n_features
        return self

    def transform(self, X):
        """Convert to time first.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list of array-like
            Channels-first sequences with the number of channels seen at fit.

        Returns
        -------
        X_time_first : ndarray of shape (n_samples, n_timesteps, n_channels) or list of ndarray
            float32.
        """
        check_is_fitted(self, "n_features_in_")
        out = from_channels_first(X)
        _check_channels(check_sequences(out), self.n_features_in_)
        return out

    def inverse_transform(self, X):
        """Convert time-first sequences back to channels first.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_channels) or list of array-like
            Time-first sequences.

        Returns
        -------
        X_channels_first : ndarray of shape (n_samples, n_channels, n_timesteps) or list
            float32.
        """
        check_is_fitted(self, "n_features_in_")
        _check_channels(check_sequences(X), self.n_features_in_)
        return to_channels_first(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
