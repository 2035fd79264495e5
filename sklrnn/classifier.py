"""RNNClassifier: sequence classification."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from ._data import check_sample_weight
from ._recurrent import RecurrentEstimator


class RNNClassifier(ClassifierMixin, RecurrentEstimator):
    """Recurrent neural network classifier for sequences.

    A SimpleRNN, LSTM or GRU (optionally bidirectional, stacked, behind a Conv1d front end, an
    embedding for token ids or a per-frame CNN for image sequences) reads each sequence; its
    pooled output goes through a linear layer and a softmax. Training runs on skorch with the
    cross-entropy loss.

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
        How the outputs over time become one vector: the true last step of each sequence
        (padded ones included), the mean or max over valid steps, or learned attention.
    conv_channels : tuple of int, default=None
        Channels of a Conv1d front end over time (a CNN-RNN); None for none.
    conv_kernel_size : int, default=3
        Kernel size of the Conv1d front end.
    frame_channels : tuple of int, default=(16, 32)
        Conv2d channels of the per-frame encoder, used when X holds image sequences
        ``(n, T, H, W)`` or ``(n, T, C, H, W)``.
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
        When set, X holds integer token ids ``(n, T)`` (or a list of 1-D arrays), embedded in
        this many dimensions; the vocabulary size is learned from the data and ids unseen at fit
        are read as id 0.
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
        L2 penalty (decoupled for ``"adamw"``).
    batch_size : int, default=64
        Mini-batch size.
    max_epochs : int, default=50
        Maximum number of passes over the training data.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop when the validation
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs; the best weights are
        restored.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement of the validation loss.
    gradient_clip : float, default=None
        Clip the gradient norm to this value.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, multiplied with ``sample_weight``.
    device : str, default="auto"
        torch device; ``"auto"`` uses a GPU when one is visible.
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None
        Extra skorch callbacks (copied at fit, the parameter is never modified).
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``.
    verbose : int, default=0
        1 prints one line per epoch (losses, validation score, time); 0 prints nothing.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, dropout, batch order and the validation split.

    Attributes
    ----------
    max_timesteps_ : int
        Longest sequence seen at fit (the positions of a learned position code).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Values per time step seen at fit.
    step_shape_ : tuple of int
        Shape of one time step seen at fit.
    n_outputs_ : int
        Number of network outputs (classes).
    vocabulary_size_ : int
        Number of token ids (only with ``embedding_dim``).
    loss_curve_ : list of float
        Training loss of each epoch.
    validation_scores_ : list of float or None
        Validation accuracy of each epoch (with early stopping).
    best_validation_score_ : float or None
        Best validation accuracy (with early stopping).
    best_loss_ : float
        Lowest training loss.
    n_iter_ : int
        Epochs run.
    net_ : skorch.NeuralNet
        The fitted skorch net (its ``module_`` is the torch module, its ``history`` the log).

    See Also
    --------
    RNNRegressor : The same network for regression.
    sklrnn.features.MFCC, sklrnn.features.KmerEncoder : Featurizers that produce sequences.

    Notes
    -----
    X is ``(n_samples, n_timesteps, n_features)``; 2-D X is univariate sequences; a list of
    ``(T_i, n_features)`` arrays may mix lengths: the batch is padded and packed inside, and the
    padding never changes a prediction.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 12, 2)).astype("float32")
    >>> y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(cell="gru", hidden_size=8, max_epochs=30, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.classes_.tolist()
    ((3,), ['down', 'up'])
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _validation_kind = "stratified"

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        pooling="last",
        conv_channels=None,
        conv_kernel_size=3,
        frame_channels=(16, 32),
        frame_features=64,
        frame_pool_size=3,
        embedding_dim=None,
        position_encoding=None,
        augmentation=None,
        optimizer="adam",
        learning_rate=1e-3,
        weight_decay=0.0,
        batch_size=64,
        max_epochs=50,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        gradient_clip=None,
        class_weight=None,
        device="auto",
        callbacks=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            dropout=dropout,
            pooling=pooling,
            conv_channels=conv_channels,
            conv_kernel_size=conv_kernel_size,
            frame_channels=frame_channels,
            frame_features=frame_features,
            frame_pool_size=frame_pool_size,
            embedding_dim=embedding_dim,
            position_encoding=position_encoding,
            augmentation=augmentation,
            optimizer=optimizer,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            batch_size=batch_size,
            max_epochs=max_epochs,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            gradient_clip=gradient_clip,
            device=device,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            random_state=random_state,
        )
        self.class_weight = class_weight

    def _encode_y(self, y, *, fit: bool) -> np.ndarray:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if fit:
            encoder = LabelEncoder().fit(y)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    "RNNClassifier needs samples of at least 2 classes in the data, but the data "
                    f"contains only one class: {encoder.classes_[0]!r}."
                )
            self.classes_ = encoder.classes_
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y contains labels not seen at the first fit: {set(y[unknown])}.")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _fit_sample_weight(self, y: np.ndarray, sample_weight) -> np.ndarray:
        weights = check_sample_weight(sample_weight, len(y))
        if self.class_weight is not None:
            class_weight = self.class_weight
            if isinstance(class_weight, dict):  # keys are labels; y is encoded
                class_weight = {
                    i: class_weight.get(label, 1.0) for i, label in enumerate(self.classes_)
                }
            weights = weights * compute_sample_weight(class_weight, y)
        return check_sample_weight(weights, len(y))

    def _n_outputs(self, y: np.ndarray) -> int:
        return len(self.classes_)

    def _criterion(self) -> torch.nn.Module:
        return torch.nn.CrossEntropyLoss()

    _loss_name = "cross-entropy"
    _validation_score_name = "accuracy"

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        return float(np.mean(raw.argmax(axis=1) == y_true))

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        return self.classes_[raw.argmax(axis=1)]

    def predict_proba(self, X):
        """Class probabilities of sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return softmax(self._raw_predict(X).astype(np.float64), axis=1)

    def _module_metadata(self) -> dict:
        return super()._module_metadata() | {"classes_": self.classes_.tolist()}

    def _restore(self, fitted: dict):
        self.classes_ = np.asarray(fitted["classes_"])
        return super()._restore(fitted)
