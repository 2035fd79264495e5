"""Per-sequence standardisation: every sequence scaled by its own statistics over time."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._engine.sequences import check_sequences
from ..utils._param_validation import ParamsValidationMixin
from .sequences import _check_channels, _flat_steps, _same_layout


class SequenceNormalizer(ParamsValidationMixin, TransformerMixin, BaseEstimator):
    """Standardise each sequence by its own mean and standard deviation of every feature.

    Each feature of a sequence is centred on its mean over that sequence's valid steps and
    divided by its standard deviation there. For speech features this is cepstral mean and
    variance normalisation: what is constant over a clip (the microphone, the room, much of a
    speaker's timbre) is removed, which helps a model trained on a few voices meet new ones.
    Nothing is learned from the training data, so every clip is treated alike at fit and at
    predict. The output has the layout of the input.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract each sequence's mean of every feature.
    with_std : bool, default=True
        Divide by each sequence's standard deviation of every feature (a feature constant over
        a sequence is only centred).

    Attributes
    ----------
    n_features_in_ : int
        Number of features of one time step.

    See Also
    --------
    SequenceScaler : One mean and standard deviation for all sequences, learned at fit.
    sklearn.preprocessing.Normalizer : The per-sample idea for vectors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import SequenceNormalizer
    >>> X = [np.array([[0.0], [2.0]]), np.array([[4.0], [6.0], [8.0]])]
    >>> [x.ravel().round(2) for x in SequenceNormalizer().fit_transform(X)]
    [array([-1.,  1.], dtype=float32), array([-1.22,  0.  ,  1.22], dtype=float32)]
    """

    _parameter_constraints = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        """Record the number of features; nothing else is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Sequences; a list may hold sequences of different lengths.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceNormalizer
            The fitted transformer.
        """
        self._check_params()
        self.n_features_in_ = _flat_steps(check_sequences(X)).data.shape[2]
        return self

    def transform(self, X):
        """Standardise every sequence by its own statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of array-like
            Sequences with the number of features seen at fit.

        Returns
        -------
        X_normalized : ndarray or list of ndarray
            float32, in the layout of ``X``; padding stays zero.
        """
        check_is_fitted(self, "n_features_in_")
        seqs = check_sequences(X)
        flat = _check_channels(seqs, self.n_features_in_)
        data = flat.data.astype(np.float64)  # [N, T, F]
        valid = flat.mask()[:, :, None]  # [N, T] -> [N, T, 1]
        counts = np.maximum(flat.lengths, 1)[:, None, None].astype(np.float64)
        centred = data - (data * valid).sum(axis=1, keepdims=True) / counts  # [N, T, F]
        if self.with_mean:
            data = centred
        if self.with_std:
            std = np.sqrt(((centred * valid) ** 2).sum(axis=1, keepdims=True) / counts)
            data = data / np.where(std < 1e-8, 1.0, std)
        data = np.where(valid, data, 0.0).astype(np.float32)
        return _same_layout(X, data.reshape(seqs.data.shape), seqs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
