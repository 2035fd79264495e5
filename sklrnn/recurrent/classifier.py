"""RNNClassifier: sequence classification."""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from .._engine.params import TRAINING, Param, estimator_parameters
from .._engine.sequences import check_sample_weight
from ..utils._param_validation import Interval, Options
from ._params import RECURRENT
from .estimator import RecurrentEstimator

#: the classifier's own parameters
CLASSIFIER: tuple[Param, ...] = (
    Param(
        "class_weight",
        [None, Options(("balanced",)), dict],
        "Weights of the classes in the loss, multiplied with ``sample_weight``.",
        None,
        warm_start=True,
    ),
    Param(
        "mixup",
        [Interval(Real, 0, None)],
        "Mixup (Zhang et al., 2018) on numeric training batches: each batch is blended with a "
        "shuffled copy of itself by a weight drawn from ``Beta(mixup, mixup)``, inside the "
        "network once it has scaled its input (``sklrnn.augment.mix_batch``), and the loss "
        "scores each blend against both classes by that weight. It keeps a network from "
        "learning its few training series by heart, which the recurrent branch otherwise does "
        "on data sets of a few series per class; 0.2 is the value measured on the UCR archive "
        "(``benchmarks/results/ucr.md``, runs G and I). 0 turns it off; token ids are never "
        "blended. Validation batches and predictions see the data as it is. The training loss "
        "of a blended batch is reported less the least loss any prediction could reach on it "
        "(the entropy of its two classes' shares), so that 0 still means fitted data and the "
        "budget's stop rule reads it as it reads an unblended loss.",
        0.2,
        warm_start=True,
    ),
)


@estimator_parameters(CLASSIFIER, RECURRENT, TRAINING)
class RNNClassifier(ClassifierMixin, RecurrentEstimator):
    """Recurrent neural network classifier for sequences.

    A SimpleRNN, LSTM or GRU (optionally bidirectional and stacked, behind an embedding for
    token ids or a per-frame CNN for image sequences) reads each sequence; its pooled output
    goes through a linear layer and a softmax. Training runs on skorch with the cross-entropy
    loss.

    By default the network reads numeric input standardised both by the training data's
    statistics and by each series' own, whose statistics also reach the output layer
    (``standardize``); a fully convolutional branch runs beside the LSTM
    (three Conv1d layers of 64, 128 and 64 channels, kernel 5, dilated 1, 4 and 16 times,
    batch norm and ReLU, averaged over time; the LSTM-FCN layout, with its dropout of 80 % on
    the LSTM's output, ``branch_dropout``); and the training budget adapts to the data: batch
    size, number of epochs and early stopping follow the rules of ``batch_size``,
    ``max_epochs`` and ``early_stopping`` below, with a cosine learning-rate schedule.
    ``conv_channels=None`` gives the recurrent network alone.

    Parameters
    ----------
    {parameters}

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
        Validation accuracy of each epoch (with early stopping).
    best_validation_score_ : float or None
        Best validation accuracy (with early stopping).
    best_loss_ : float
        Lowest training loss.
    n_iter_ : int
        Epochs run.
    budget_ : TrainingBudget
        Batch size, maximum epochs and early stopping this fit used (``"auto"`` resolved).
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
    # estimators saved before mixup existed lack the attribute: they trained without it
    _legacy_params = RecurrentEstimator._legacy_params | {"mixup": 0.0}

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        pooling="last",
        conv_channels=(64, 128, 64),
        conv_kernel_size=5,
        conv_dilation="exponential",
        conv_norm="batch",
        conv_mode="parallel",
        standardize="both",
        branch_dropout=0.8,
        frame_channels=(16, 32),
        frame_features=64,
        frame_pool_size=3,
        embedding_dim=None,
        position_encoding="auto",
        segment_length="auto",
        augmentation=None,
        mixup=0.2,
        optimizer="adam",
        learning_rate=1e-3,
        weight_decay=0.0,
        lr_schedule="cosine",
        batch_size="auto",
        max_epochs="auto",
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        gradient_clip=None,
        class_weight=None,
        device="auto",
        callbacks=None,
        checkpoint_dir=None,
        accelerator=None,
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
            conv_dilation=conv_dilation,
            conv_norm=conv_norm,
            conv_mode=conv_mode,
            standardize=standardize,
            branch_dropout=branch_dropout,
            frame_channels=frame_channels,
            frame_features=frame_features,
            frame_pool_size=frame_pool_size,
            embedding_dim=embedding_dim,
            position_encoding=position_encoding,
            segment_length=segment_length,
            augmentation=augmentation,
            optimizer=optimizer,
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            lr_schedule=lr_schedule,
            batch_size=batch_size,
            max_epochs=max_epochs,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            gradient_clip=gradient_clip,
            device=device,
            callbacks=callbacks,
            checkpoint_dir=checkpoint_dir,
            accelerator=accelerator,
            warm_start=warm_start,
            verbose=verbose,
            random_state=random_state,
        )
        self.class_weight = class_weight
        self.mixup = mixup

    def _encode_y(self, y, fitted, *, fit: bool) -> tuple[np.ndarray, dict]:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        learned = {}
        if fit:
            encoder = LabelEncoder().fit(y)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    "Training a classifier needs samples of at least 2 classes in y, but y "
                    f"contains only one class: {encoder.classes_[0]!r}."
                )
            learned["classes_"] = encoder.classes_
        classes = learned.get("classes_", getattr(fitted, "classes_", None))
        unknown = ~np.isin(y, classes)
        if unknown.any():
            raise ValueError(
                f"y contains labels not seen at the first fit: {set(y[unknown].tolist())}; the "
                f"network has outputs for {classes.tolist()} only. Drop those samples, or set "
                "warm_start=False to train a new network on every label."
            )
        return np.searchsorted(classes, y).astype(np.int64), learned

    def _mixup(self) -> float:
        return 0.0 if self.embedding_dim is not None else float(self.mixup)  # ids: no blends

    def _fit_sample_weight(self, y: np.ndarray, sample_weight, fitted) -> np.ndarray:
        weights = check_sample_weight(sample_weight, len(y))
        if self.class_weight is not None:
            class_weight, classes = self.class_weight, fitted.classes_
            if isinstance(class_weight, dict):  # keys are labels; y is encoded
                unknown = [key for key in class_weight if key not in set(classes)]
                if unknown:
                    raise ValueError(
                        f"class_weight has keys that are not labels of y: {unknown}; the "
                        f"labels are {classes.tolist()}."
                    )
                class_weight = {i: class_weight.get(label, 1.0) for i, label in enumerate(classes)}
            weights = weights * compute_sample_weight(class_weight, y)
        return check_sample_weight(weights, len(y))

    def _n_outputs(self, y: np.ndarray, fitted) -> int:
        return len(fitted.classes_)

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
        return super()._module_metadata() | {"classes_": self.classes_}

    def _restore(self, fitted: dict):
        self.classes_ = np.asarray(fitted["classes_"])
        return super()._restore(fitted)
