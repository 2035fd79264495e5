"""Shared part of RNNClassifier and RNNRegressor: the RecurrentNet module they build (their
parameters are in ``_params``)."""

from __future__ import annotations

import warnings

import numpy as np
from skorch.callbacks import LRScheduler

from .._engine.base import BaseSequenceEstimator
from .._engine.budget import TrainingBudget, resolve_segment_length
from .._engine.params import TRAINING, estimator_parameters
from .._engine.sequences import Sequences, check_sequences
from ..augment import Augmenter, check_augmentation
from ..nn.conv import conv_dilations
from ..nn.recurrent import RecurrentNet
from ..nn.scaling import input_statistics
from ..utils._tokens import holds_marked_tokens
from ._params import POSITION_DIM, RECURRENT


def resolve_position_encoding(value, embedding_dim):
    """The position code of the network: ``"auto"`` is ``"learned"`` for token ids (an
    ``embedding_dim``) and None for numeric sequences."""
    if value != "auto":
        return value
    return "learned" if embedding_dim is not None else None


def resolve_standardize(value, seqs: Sequences) -> dict:
    """The fitted attributes of ``standardize``: ``standardize_`` (None for token ids and
    frames, which are read as they are) and, for ``"global"`` and ``"both"``, the training
    data's ``input_mean_`` and ``input_scale_``."""
    if value is None or seqs.data.dtype.kind in "iu" or len(seqs.step_shape) > 1:
        return {"standardize_": None}
    if value == "series":
        return {"standardize_": "series"}
    mean, scale = input_statistics(seqs.data[seqs.mask()].reshape(-1, seqs.n_features))
    return {"standardize_": value, "input_mean_": mean, "input_scale_": scale}


#: the embedding table may take at most this many bytes (float32 weights)
MAX_EMBEDDING_BYTES = 2**30


def check_vocabulary(tokens: np.ndarray, embedding_dim: int) -> int:
    """The vocabulary size, largest id + 1; a ValueError when its embedding table would exceed
    :data:`MAX_EMBEDDING_BYTES` (a few stray huge ids would allocate it silently)."""
    size = int(tokens.max()) + 1
    if size * embedding_dim * 4 > MAX_EMBEDDING_BYTES:
        n_distinct = len(np.unique(tokens))
        raise ValueError(
            f"X holds token id {size - 1}: the embedding would have {size} rows of "
            f"embedding_dim={embedding_dim} ({size * embedding_dim * 4 / 2**30:.1f} GiB) for "
            f"{n_distinct} distinct ids. Token ids must be 0..n_tokens-1: map them first, "
            "e.g. with np.unique(X, return_inverse=True)."
        )
    return size


@estimator_parameters(RECURRENT, TRAINING)
class RecurrentEstimator(BaseSequenceEstimator):
    """Base of the estimators built on :class:`~sklrnn.nn.recurrent.RecurrentNet`.

    Parameters
    ----------
    {parameters}
    """

    # 0.1.0 read every step and had neither per-series normalisation, branch dropout nor
    # dilated convolutions
    _legacy_params = {
        "segment_length": 1,
        "standardize": None,
        "branch_dropout": 0.0,
        "conv_dilation": 1,
    }

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
        conv_dilation=1,
        conv_norm=None,
        conv_mode="serial",
        standardize=None,
        branch_dropout=0.8,
        frame_channels=(16, 32),
        frame_features=64,
        frame_pool_size=3,
        embedding_dim=None,
        position_encoding="auto",
        segment_length="auto",
        augmentation=None,
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
        device="auto",
        callbacks=None,
        checkpoint_dir=None,
        accelerator=None,
        warm_start=False,
        verbose=0,
        random_state=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.pooling = pooling
        self.conv_channels = conv_channels
        self.conv_kernel_size = conv_kernel_size
        self.conv_dilation = conv_dilation
        self.conv_norm = conv_norm
        self.conv_mode = conv_mode
        self.standardize = standardize
        self.branch_dropout = branch_dropout
        self.frame_channels = frame_channels
        self.frame_features = frame_features
        self.frame_pool_size = frame_pool_size
        self.embedding_dim = embedding_dim
        self.position_encoding = position_encoding
        self.segment_length = segment_length
        self.augmentation = augmentation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.gradient_clip = gradient_clip
        self.device = device
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.accelerator = accelerator
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    def _n_outputs(self, y: np.ndarray, fitted) -> int:
        """Number of network outputs for the encoded targets ``y`` (classes or targets)."""
        raise NotImplementedError

    # The rule "one kernel size, or one per convolution" is RecurrentNet's own: it raises when
    # fit builds the module, before training.

    def _extra_callbacks(self, budget: TrainingBudget) -> list:
        if self.lr_schedule == "cosine":
            # per epoch, from learning_rate down to 1 % of it at max_epochs
            policy = dict(policy="CosineAnnealingLR", T_max=budget.max_epochs)
            policy["eta_min"] = self.learning_rate / 100
        elif self.lr_schedule == "plateau":
            monitor = "valid_loss" if budget.early_stopping else "train_loss"
            patience = max(1, self.n_iter_no_change // 2)
            policy = dict(policy="ReduceLROnPlateau", monitor=monitor, patience=patience)
            policy["factor"] = 0.5
        else:
            return []
        return [("lr_schedule", LRScheduler(**policy))]

    def _check_params(self) -> None:
        super()._check_params()
        check_augmentation(self.augmentation, token_input=self.embedding_dim is not None)

    def _augmenter(self) -> Augmenter | None:
        transforms = check_augmentation(self.augmentation, self.embedding_dim is not None)
        mixup = self._mixup()
        return Augmenter(transforms, mixup) if transforms or mixup else None

    def _mixup(self) -> float:
        """The ``alpha`` of mixup on training batches (:func:`sklrnn.augment.mix_batch`), 0
        for none."""
        return 0.0

    def _check_X(self, X) -> Sequences:
        tokens = self.embedding_dim is not None
        if not tokens and holds_marked_tokens(X):
            warnings.warn(
                f"{type(self).__name__} received the token ids of a KmerEncoder with "
                "embedding_dim=None: each id is read as a number, and ids of unrelated k-mers "
                "that happen to be close look alike to the network. Set embedding_dim (e.g. "
                "16) to embed the tokens, or use KmerEncoder(output='onehot').",
                UserWarning,
                stacklevel=4,
            )
        return check_sequences(X, tokens=tokens, allow_frames=not tokens)

    def _module_attributes(self, seqs: Sequences, y: np.ndarray, fitted) -> dict:
        n_steps = int(seqs.data.shape[1])
        attributes = {
            "n_outputs_": self._n_outputs(y, fitted),
            "max_timesteps_": n_steps,
            "segment_length_": resolve_segment_length(self.segment_length, n_steps),
        }
        if self.embedding_dim is not None:
            attributes["vocabulary_size_"] = check_vocabulary(seqs.data, int(self.embedding_dim))
        return attributes | resolve_standardize(self.standardize, seqs)

    def _module_metadata(self) -> dict:
        return super()._module_metadata() | {
            "n_outputs_": self.n_outputs_,
            "vocabulary_size_": getattr(self, "vocabulary_size_", None),
            "max_timesteps_": self.max_timesteps_,
            "segment_length_": self.segment_length_,
            "standardize_": getattr(self, "standardize_", None),  # pickles of 0.1 have none
            "input_mean_": getattr(self, "input_mean_", None),
            "input_scale_": getattr(self, "input_scale_", None),
        }

    def _restore(self, fitted: dict) -> RecurrentNet:
        self.n_outputs_ = fitted["n_outputs_"]
        self.max_timesteps_ = fitted.get("max_timesteps_", 1)
        self.segment_length_ = fitted.get("segment_length_", 1)  # files of 0.1 read every step
        if fitted["vocabulary_size_"] is not None:
            self.vocabulary_size_ = fitted["vocabulary_size_"]
        self.standardize_ = fitted.get("standardize_")  # files of 0.1 read numbers as they are
        if self.standardize_ in ("global", "both"):
            self.input_mean_ = fitted["input_mean_"]
            self.input_scale_ = fitted["input_scale_"]
        return self._make_module(self)

    def _conv_dilation(self, fitted):
        """``conv_dilation``; ``"exponential"`` resolved for the longest sequence seen at fit,
        at the resolution the convolutions after the first read (``segment_length_``)."""
        if self.conv_dilation != "exponential" or not self.conv_channels:
            return self.conv_dilation
        n_steps = -(-int(fitted.max_timesteps_) // int(getattr(fitted, "segment_length_", 1)))
        n_layers = len(self.conv_channels)
        return conv_dilations("exponential", n_layers, self.conv_kernel_size, n_steps)

    def _make_module(self, fitted) -> RecurrentNet:
        step_shape = fitted.step_shape_
        frames = step_shape if len(step_shape) == 3 else None
        # numpy integers (np.arange grids) pass the checks; torch's layers need Python ints
        return RecurrentNet(
            n_features=int(np.prod(step_shape, dtype=int)),
            n_outputs=int(fitted.n_outputs_),
            cell=self.cell,
            hidden_size=int(self.hidden_size),
            num_layers=int(self.num_layers),
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            pooling=self.pooling,
            conv_channels=tuple(map(int, self.conv_channels or ())),
            conv_kernel_size=self.conv_kernel_size,  # RecurrentNet reads numpy integers too
            conv_dilation=self._conv_dilation(fitted),
            conv_norm=self.conv_norm,
            conv_mode=self.conv_mode,
            standardize=getattr(fitted, "standardize_", None),
            input_mean=getattr(fitted, "input_mean_", None),
            input_scale=getattr(fitted, "input_scale_", None),
            branch_dropout=float(self.branch_dropout),
            frame_shape=frames,
            frame_channels=tuple(map(int, self.frame_channels)),
            frame_features=int(self.frame_features),
            frame_pool_size=int(self.frame_pool_size),
            vocab_size=getattr(fitted, "vocabulary_size_", None),
            embedding_dim=int(self.embedding_dim or 16),
            position_encoding=resolve_position_encoding(self.position_encoding, self.embedding_dim),
            position_dim=POSITION_DIM,
            max_len=fitted.max_timesteps_,
            segment_length=int(getattr(fitted, "segment_length_", 1)),
        )
