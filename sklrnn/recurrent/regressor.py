"""RNNRegressor: sequence regression, single and multi-output."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from .._engine.params import TRAINING, estimator_parameters
from .._engine.sequences import as_numeric
from ._params import RECURRENT
from .estimator import RecurrentEstimator


@estimator_parameters(RECURRENT, TRAINING)
class RNNRegressor(RegressorMixin, RecurrentEstimator):
    """Recurrent neural network regressor for sequences.

    The network of :class:`RNNClassifier` with a linear output of one value per target, trained
    with the mean squared error. ``y`` may be 1-D or ``(n_samples, n_targets)``.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    max_timesteps_ : int
        Longest sequence seen at fit (the positions of a learned position code).
    n_features_in_ : int
        Values per time step seen at fit.
    step_shape_ : tuple of int
        Shape of one time step seen at fit.
    n_outputs_ : int
        Number of targets.
    segment_length_ : int
        Steps per segment of the recurrent layer (``segment_length`` resolved).
    standardize_ : str or None
        How the network scales numeric input (``standardize``; None for token ids and frames).
    input_mean_, input_scale_ : ndarray of shape (n_features,)
        Mean and standard deviation of each of the ``n_features_in_`` features of the training
        data (only when ``standardize_`` is ``"global"`` or ``"both"``).
    loss_curve_ : list of float
        Training loss of each epoch.
    validation_scores_ : list of float or None
        Validation R² of each epoch (with early stopping).
    best_validation_score_ : float or None
        Best validation R² (with early stopping).
    best_loss_ : float
        Lowest training loss.
    n_iter_ : int
        Epochs run.
    budget_ : TrainingBudget
        Batch size, maximum epochs and early stopping this fit used (``"auto"`` resolved).
    net_ : skorch.NeuralNet
        The fitted skorch net.

    See Also
    --------
    RNNClassifier : The same network for classification.
    SegRNNForecaster : Long-term forecasting of whole horizons.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(80, 10, 1)).astype("float32")
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = RNNRegressor(cell="gru", hidden_size=8, max_epochs=40, random_state=0).fit(X, y)
    >>> reg.predict(X[:4]).shape
    (4,)
    """

    def _encode_y(self, y, fitted, *, fit: bool) -> tuple[np.ndarray, dict]:
        y = as_numeric(y, "y").astype(np.float32)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or (n_samples, n_targets); got shape {y.shape}.")
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        if fit:
            return y.reshape(len(y), -1), {"_y_ndim": y.ndim}
        if y.ndim != fitted._y_ndim or (y.ndim == 2 and y.shape[1] != fitted.n_outputs_):
            raise ValueError("y has a different number of targets than at the first fit.")
        return y.reshape(len(y), -1), {}

    def _n_outputs(self, y: np.ndarray, fitted) -> int:
        return y.shape[1]

    def _criterion(self) -> torch.nn.Module:
        return torch.nn.MSELoss()

    _loss_name = "MSE"
    _validation_score_name = "R²"

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        return float(r2_score(y_true, raw))

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        raw = raw.astype(np.float64)
        return raw.ravel() if self._y_ndim == 1 else raw

    def _module_metadata(self) -> dict:
        return super()._module_metadata() | {"y_ndim": self._y_ndim}

    def _restore(self, fitted: dict):
        self._y_ndim = fitted["y_ndim"]
        return super()._restore(fitted)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
