"""Lag windows for time series: a series becomes look-back windows and their targets.

Layout rule, the same for :func:`make_windows` and :class:`LagWindows`: a 1-D series of shape
``(n_timesteps,)`` is univariate and gives 2-D windows ``(n_windows, lookback)`` (the estimators'
convention for univariate sequences); a 2-D series of shape ``(n_timesteps, n_channels)`` gives
3-D windows ``(n_windows, lookback, n_channels)``. Window ``i`` starts at row ``i * stride``.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from ..utils._param_validation import Interval, ParamsValidationMixin
from ..utils.validation import check_positive_int

__all__ = ["LagWindows", "make_windows"]


def _check_series(series, name: str = "series") -> np.ndarray:
    """Return ``series`` as a finite float32 array of shape (T,) or (T, C)."""
    array = check_array(series, ensure_2d=False, dtype=np.float32, input_name=name, allow_nd=True)
    if array.ndim not in (1, 2):
        raise ValueError(
            f"Expected {name} of shape (n_timesteps,) or (n_timesteps, n_channels); got an array "
            f"of shape {array.shape}. Cut each series separately."
        )
    return array


def _n_windows(n_timesteps: int, length: int, stride: int, what: str) -> int:
    if n_timesteps < length:
        raise ValueError(
            f"The series has {n_timesteps} time steps, but {what} needs at least {length}."
        )
    return (n_timesteps - length) // stride + 1


def _windows(array: np.ndarray, start: int, length: int, n: int, stride: int) -> np.ndarray:
    """Read-only view: ``n`` windows of ``length`` rows starting at ``start + i * stride``."""
    view = sliding_window_view(array[start:], length, axis=0)[: (n - 1) * stride + 1 : stride]
    # [n, C, length] -> [n, length, C]; 1-D: [n, length] already
    return np.moveaxis(view, -1, 1) if array.ndim == 2 else view


def make_windows(
    series, lookback: int, horizon: int, stride: int = 1, *, copy: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into look-back windows and the horizon that follows each of them.

    Window ``i`` is ``X[i] = series[s : s + lookback]`` and its target is
    ``y[i] = series[s + lookback : s + lookback + horizon]`` with ``s = i * stride``; there are
    ``n_windows = (n_timesteps - lookback - horizon) // stride + 1`` of them, so that every
    window has its full target and no window is dropped at the end when ``stride=1``.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
        The series, oldest row first.
    lookback : int
        Number of rows ``L`` of each input window.
    horizon : int
        Number of rows ``H`` of each target.
    stride : int, default=1
        Rows between the starts of two consecutive windows.
    copy : bool, default=True
        If True, return contiguous, writable float32 arrays (``n_windows`` times the memory of
        a window). If False, return read-only strided views that take no memory per window: views
        of ``series`` itself when it is a float32 array, else of its float32 copy.

    Returns
    -------
    X : ndarray of shape (n_windows, lookback) or (n_windows, lookback, n_channels)
        The look-back windows; 2-D for a 1-D series.
    y : ndarray of shape (n_windows, horizon) or (n_windows, horizon, n_channels)
        The targets; 2-D for a 1-D series.

    Raises
    ------
    ValueError
        If the series is shorter than ``lookback + horizon`` or not finite, or if a size is
        not a positive integer.

    See Also
    --------
    LagWindows : The look-back windows alone, as a transformer for pipelines.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import make_windows
    >>> X, y = make_windows(np.arange(10), lookback=4, horizon=2, stride=2)
    >>> X
    array([[0., 1., 2., 3.],
           [2., 3., 4., 5.],
           [4., 5., 6., 7.]], dtype=float32)
    >>> y
    array([[4., 5.],
           [6., 7.],
           [8., 9.]], dtype=float32)
    >>> X, y = make_windows(np.zeros((100, 3)), lookback=24, horizon=12)
    >>> X.shape, y.shape
    ((65, 24, 3), (65, 12, 3))
    """
    check_positive_int(lookback, "lookback")
    check_positive_int(horizon, "horizon")
    check_positive_int(stride, "stride")
    array = _check_series(series)
    n = _n_windows(
        len(array), lookback + horizon, stride, f"lookback + horizon = {lookback} + {horizon}"
    )
    X = _windows(array, 0, lookback, n, stride)
    y = _windows(array, lookback, horizon, n, stride)
    if copy:
        return X.copy(order="C"), y.copy(order="C")
    return X, y


class LagWindows(ParamsValidationMixin, TransformerMixin, BaseEstimator):
    """Transform a series into its look-back windows, for use in a pipeline.

    ``LagWindows(lookback, horizon).transform(series)`` equals
    ``make_windows(series, lookback, horizon)[0]``: with ``horizon > 0`` only the windows that
    have a full horizon after them are cut, so that they align with the targets of
    :func:`make_windows`. With ``horizon=0`` every window is cut, down to the one that ends
    with the last row (the one to forecast the future from).

    Parameters
    ----------
    lookback : int
        Number of rows ``L`` of each window.
    horizon : int, default=0
        Number of rows kept free after the last window.
    stride : int, default=1
        Rows between the starts of two consecutive windows.

    Attributes
    ----------
    n_features_in_ : int
        Number of channels of the series seen at fit (1 for a 1-D series).
    n_timesteps_in_ : int
        Number of rows of the series seen at fit.

    See Also
    --------
    make_windows : Windows and their targets, for training.

    Notes
    -----
    ``fit`` learns nothing but the number of channels; ``transform`` does not return one row per
    input row, so this transformer cannot be followed by an estimator trained through
    ``Pipeline.fit`` with per-row targets: build the training windows with :func:`make_windows`
    and use the pipeline to predict.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import LagWindows
    >>> series = np.arange(20.0).reshape(10, 2)
    >>> LagWindows(lookback=3, horizon=2).fit_transform(series).shape
    (6, 3, 2)
    >>> LagWindows(lookback=3).fit_transform(np.arange(10.0))[-1]
    array([7., 8., 9.], dtype=float32)
    """

    def __init__(self, lookback, horizon=0, stride=1):
        self.lookback = lookback
        self.horizon = horizon
        self.stride = stride

    _parameter_constraints = {
        "lookback": [Interval(Integral, 1, None)],
        "horizon": [Interval(Integral, 0, None)],
        "stride": [Interval(Integral, 1, None)],
    }

    def fit(self, X, y=None):
        """Check the parameters and record the number of channels.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series.
        y : None
            Ignored.

        Returns
        -------
        self : LagWindows
            The transformer (it learns nothing from the data).
        """
        self._check_params()
        array = _check_series(X, "X")
        self.n_features_in_ = 1 if array.ndim == 1 else array.shape[1]
        self.n_timesteps_in_ = len(array)
        return self

    def transform(self, X):
        """Cut the look-back windows.

        Parameters
        ----------
        X : array-like of shape (n_timesteps,) or (n_timesteps, n_channels)
            The series.

        Returns
        -------
        windows : ndarray of shape (n_windows, lookback) or (n_windows, lookback, n_channels)
            Contiguous float32 windows, ``n_windows = (n_timesteps - lookback - horizon) //
            stride + 1``.
        """
        check_is_fitted(self)
        self._check_params()
        array = _check_series(X, "X")
        n_channels = 1 if array.ndim == 1 else array.shape[1]
        if n_channels != self.n_features_in_ and array.ndim == 1:
            raise ValueError(
                f"X is a univariate series of shape {array.shape}, but LagWindows is expecting "
                f"{self.n_features_in_} features as input (one per channel of the series). "
                f"Reshape your data to (n_timesteps, {self.n_features_in_})."
            )
        if n_channels != self.n_features_in_:
            raise ValueError(
                f"X has {n_channels} features, but LagWindows is expecting "
                f"{self.n_features_in_} features as input (one per channel of the series)."
            )
        what = f"lookback + horizon = {self.lookback} + {self.horizon}"
        n = _n_windows(len(array), self.lookback + self.horizon, self.stride, what)
        return _windows(array, 0, self.lookback, n, self.stride).copy(order="C")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # windows are always float32
        return tags
