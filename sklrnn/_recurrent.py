"""Shared part of RNNClassifier and RNNRegressor: the RecurrentNet module and its parameters."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from ._base import BaseSequenceEstimator
from ._data import Sequences, check_positive_int, check_sequences
from .augment import Augmenter, check_augmentation
from .nn.recurrent import CELLS, POOLINGS, POSITION_ENCODINGS, RecurrentNet
from .utils._tokens import holds_marked_tokens

POSITION_DIM = 16  # size of the position code of ``position_encoding``


class RecurrentEstimator(BaseSequenceEstimator):
    """Base of the estimators built on :class:`~sklrnn.nn.recurrent.RecurrentNet`."""

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
        device="auto",
        callbacks=None,
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
        self.frame_channels = frame_channels
        self.frame_features = frame_features
        self.frame_pool_size = frame_pool_size
        self.embedding_dim = embedding_dim
        self.position_encoding = position_encoding
        self.augmentation = augmentation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.gradient_clip = gradient_clip
        self.device = device
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}; got {self.cell!r}.")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {list(POOLINGS)}; got {self.pooling!r}.")
        for name in (
            "hidden_size",
            "num_layers",
            "conv_kernel_size",
            "frame_features",
            "frame_pool_size",
        ):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.embedding_dim, "embedding_dim", allow_none=True)
        for name in ("conv_channels", "frame_channels"):
            for width in getattr(self, name) or ():
                check_positive_int(width, f"each entry of {name}")
        if not isinstance(self.dropout, Real) or not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout!r}.")
        if self.position_encoding not in POSITION_ENCODINGS:
            raise ValueError(
                f"position_encoding must be one of {list(POSITION_ENCODINGS)}; "
                f"got {self.position_encoding!r}."
            )
        check_augmentation(self.augmentation, token_input=self.embedding_dim is not None)

    def _augmenter(self) -> Augmenter | None:
        transforms = check_augmentation(self.augmentation, self.embedding_dim is not None)
        return Augmenter(transforms) if transforms else None

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

    def _build_module(self, seqs: Sequences, y: np.ndarray) -> RecurrentNet:
        if self.embedding_dim is not None:
            self.vocabulary_size_ = int(seqs.data.max()) + 1
        self.n_outputs_ = self._n_outputs(y)
        self.max_timesteps_ = int(seqs.data.shape[1])
        return self._make_module()

    def _module_metadata(self) -> dict:
        return super()._module_metadata() | {
            "n_outputs_": self.n_outputs_,
            "vocabulary_size_": getattr(self, "vocabulary_size_", None),
            "max_timesteps_": self.max_timesteps_,
        }

    def _restore(self, fitted: dict) -> RecurrentNet:
        self.n_outputs_ = fitted["n_outputs_"]
        self.max_timesteps_ = fitted.get("max_timesteps_", 1)
        if fitted["vocabulary_size_"] is not None:
            self.vocabulary_size_ = fitted["vocabulary_size_"]
        return self._make_module()

    def _make_module(self) -> RecurrentNet:
        frames = self.step_shape_ if len(self.step_shape_) == 3 else None
        return RecurrentNet(
            n_features=int(np.prod(self.step_shape_, dtype=int)),
            n_outputs=self.n_outputs_,
            cell=self.cell,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            pooling=self.pooling,
            conv_channels=tuple(self.conv_channels or ()),
            conv_kernel_size=self.conv_kernel_size,
            frame_shape=frames,
            frame_channels=tuple(self.frame_channels),
            frame_features=self.frame_features,
            frame_pool_size=self.frame_pool_size,
            vocab_size=getattr(self, "vocabulary_size_", None),
            embedding_dim=self.embedding_dim or 16,
            position_encoding=self.position_encoding,
            position_dim=POSITION_DIM,
            max_len=self.max_timesteps_,
        )
