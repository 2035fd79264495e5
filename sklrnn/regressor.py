"""RNNRegressor: sequence regression, single and multi-output."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._data import _as_numeric
from ._recurrent import RecurrentEstimator


class RNNRegressor(RegressorMixin, RecurrentEstimator):
    """Recurrent neural network regressor for sequences.

    The network of :class:`RNNClassifier` with a linear output of one value per target, trained
    with the mean squared error. ``y`` may be 1-D or ``(n_samples, n_targets)``.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}, default="lstm"
        Recurrent layer: ``"rnn"`` is the Elman SimpleRNN (tanh).
    hidden_size : int, default=64
        Hidden units per direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=False
        Also read each sequence backwards.
    dropout : float, default=0.0
        Dropout between recurrent layers and on the pooled vector.
    pooling : {"last", "mean", "max", "attention"}, default="last"
        How the outputs over time become one vector.
    conv_channels : tuple of int, default=None
        Channels of a Conv1d front end over time (a CNN-RNN); None for none.
    conv_kernel_size : int, default=3
        Kernel size of the Conv1d front end.
    frame_channels : tuple of int, default=(16, 32)
        Conv2d channels of the per-frame encoder for image sequences.
    frame_features : int, default=64
        Features per frame from the per-frame encoder.
    frame_pool_size : int, default=3
        Side of the grid the per-frame encoder's last feature map is average-pooled to, before
        its linear layer. A grid keeps where things are in the frame (the layout of a shape,
        the position of a moving object, which motion needs), at the price of
        ``frame_pool_size**2`` times the weights in that layer and of features that change when
        the content moves; 1 is global average pooling, features that barely depend on where
        the content is.
    embedding_dim : int, default=None
        When set, X holds integer token ids embedded in this many dimensions.
    position_encoding : {None, "learned", "sinusoidal"}, default=None
        Append to every step a 16-value code of its position from the start of the sequence,
        so the network knows where in a fixed-length window each step is (a DNA window around
        a splice site, say): ``"learned"`` trains one vector per position up to the longest
        sequence seen at fit (later positions share the last), ``"sinusoidal"`` uses fixed sine
        and cosine codes.
    augmentation : augmentation or list of augmentations, default=None
        Transforms from :mod:`sklrnn.augment` (``TimeMask``, ``FeatureMask``, ``TimeWarp``,
        ``SpeedChange``, ``GaussianNoise``) applied in order to every training mini-batch, and
        never to validation batches or at predict. Draws are seeded by ``random_state``.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer class, \
default="adam"
        Optimiser.
    learning_rate : float, default=1e-3
        Learning rate.
    weight_decay : float, default=0.0
        L2 penalty.
    batch_size : int, default=64
        Mini-batch size.
    max_epochs : int, default=50
        Maximum number of passes over the training data.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when the validation loss stalls;
        the best weights are restored.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement of the validation loss.
    gradient_clip : float, default=None
        Clip the gradient norm to this value.
    device : str, default="auto"
        torch device; ``"auto"`` uses a GPU when one is visible.
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None
        Extra skorch callbacks.
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``.
    verbose : int, default=0
        1 prints one line per epoch; 0 prints nothing.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, dropout, batch order and the validation split.

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

    def _encode_y(self, y, *, fit: bool) -> np.ndarray:
        y = _as_numeric(y, "y").astype(np.float32)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or (n_samples, n_targets); got shape {y.shape}.")
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        if fit:
            self._y_ndim = y.ndim
        elif y.ndim != self._y_ndim or (y.ndim == 2 and y.shape[1] != self.n_outputs_):
            raise ValueError("y has a different number of targets than at the first fit.")
        return y.reshape(len(y), -1)

    def _n_outputs(self, y: np.ndarray) -> int:
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
