"""The one estimator base: validation, target hooks, building and fitting the skorch net."""

from __future__ import annotations

import copy
import logging
from numbers import Real
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EarlyStopping, GradientNormClipping

from ._data import (
    Sequences,
    check_positive_int,
    check_sample_weight,
    check_sequences,
    check_step_shape,
)
from ._engine import IndexSplit, SequenceDataset, ValidationScore, build_net
from ._progress import CallbackSupportMixin, report_epochs, with_callbacks

logger = logging.getLogger(__name__)

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def resolve_device(device: str) -> str:
    """``"auto"`` is ``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class BaseSequenceEstimator(CallbackSupportMixin, BaseEstimator):
    """Base of every sklrnn estimator; subclasses override the hooks below.

    Hooks: ``_check_X`` (how X is read), ``_encode_y`` / ``_decode`` (targets),
    ``_build_module`` (the torch module), ``_criterion`` (a torch loss),
    ``_validation_kind`` and ``_score_raw`` (validation split and score; ``_loss_name`` and
    ``_validation_score_name`` label them in plots),
    ``_extra_callbacks`` (e.g. a learning-rate schedule), ``_augmenter`` (training-batch
    augmentation), ``_module_metadata`` (what ``load``
    needs to rebuild the module).

    Every subclass has the training parameters ``optimizer``, ``learning_rate``,
    ``weight_decay``, ``batch_size``, ``max_epochs``, ``early_stopping``,
    ``validation_fraction``, ``n_iter_no_change``, ``tol``, ``gradient_clip``, ``device``,
    ``callbacks``, ``warm_start``, ``verbose`` and ``random_state``.
    """

    _validation_kind = "shuffle"

    # ----------------------------------------------------------------- hooks
    def _check_X(self, X) -> Sequences:
        return check_sequences(X)

    def _encode_y(self, y, *, fit: bool) -> np.ndarray:
        raise NotImplementedError

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _build_module(self, seqs: Sequences, y: np.ndarray) -> torch.nn.Module:
        raise NotImplementedError

    def _criterion(self) -> torch.nn.Module:
        raise NotImplementedError

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        raise NotImplementedError

    def _extra_callbacks(self) -> list:
        return []

    def _augmenter(self):
        """What transforms each training batch (see :mod:`sklrnn.augment`); None for nothing."""
        return None

    def _fit_sample_weight(self, y: np.ndarray, sample_weight) -> np.ndarray:
        return check_sample_weight(sample_weight, len(y))

    def _validate_params(self) -> None:
        """Check the training parameters; subclasses extend it with their module's."""
        for name in ("batch_size", "max_epochs", "n_iter_no_change"):
            check_positive_int(getattr(self, name), name)
        for name in ("learning_rate",):
            value = getattr(self, name)
            if not isinstance(value, Real) or not value > 0:
                raise ValueError(f"{name} must be a positive number; got {value!r}.")
        if not isinstance(self.weight_decay, Real) or self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0; got {self.weight_decay!r}.")
        if not isinstance(self.validation_fraction, Real) or not (0 < self.validation_fraction < 1):
            raise ValueError(
                f"validation_fraction must be in (0, 1); got {self.validation_fraction!r}."
            )
        if self.gradient_clip is not None and not (
            isinstance(self.gradient_clip, Real) and self.gradient_clip > 0
        ):
            raise ValueError(f"gradient_clip must be None or > 0; got {self.gradient_clip!r}.")
        if isinstance(self.optimizer, str) and self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                f"class; got {self.optimizer!r}."
            )
        if self.device != "auto":
            torch.device(self.device)  # raises a clear RuntimeError for a bad name

    # ------------------------------------------------------------- training
    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _callbacks(self, seed: int) -> tuple[list, IndexSplit | None]:
        callbacks, split = [], None
        if self.early_stopping:
            split = IndexSplit(self.validation_fraction, self._validation_kind, seed)
            callbacks.append(("valid_score", ValidationScore(self._score_raw)))
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                        sink=logger.info,
                    ),
                )
            )
        if self.gradient_clip is not None:
            callbacks.append(("gradient_clip", GradientNormClipping(self.gradient_clip)))
        callbacks += self._extra_callbacks()
        for i, cb in enumerate(self.callbacks or []):
            name, cb = cb if isinstance(cb, tuple) else (f"user_{i}", cb)
            callbacks.append((name, copy.deepcopy(cb)))
        return callbacks, split

    def _make_net(self, module: torch.nn.Module, seed: int):
        callbacks, split = self._callbacks(seed)
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        return build_net(
            module,
            self._criterion(),
            augment=self._augmenter(),
            optimizer=optimizer,
            lr=self.learning_rate,
            optimizer__weight_decay=self.weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=split,
            callbacks=callbacks,
            device=resolve_device(self.device),
            verbose=int(self.verbose),
        )

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Training sequences; a list of ``(T_i, n_features)`` arrays may have different
            lengths.
        y : array-like
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        seqs = self._check_X(X)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        continuing = self.warm_start and hasattr(self, "net_")
        if continuing:
            self._check_step_shape(seqs)
        y_enc = self._encode_y(y, fit=not continuing)
        if len(y_enc) != len(seqs):
            raise ValueError(
                f"X and y have different numbers of samples: {len(seqs)} and {len(y_enc)}."
            )
        weights = self._fit_sample_weight(y_enc, sample_weight)
        uniform = bool(np.all(weights == 1))  # then the loss needs no weighting
        dataset = SequenceDataset(seqs.data, seqs.lengths, y_enc, None if uniform else weights)
        seed = self._seed()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if continuing:
                net = self.net_
            else:
                self.n_features_in_ = seqs.n_features
                self.step_shape_ = tuple(seqs.step_shape)
                net = self._make_net(self._build_module(seqs, y_enc), seed).initialize()
            with report_epochs(self, net, X, y, sample_weight):
                net.partial_fit(dataset, None)
        self.net_ = net  # only once training has succeeded
        self._record_history()
        return self

    def _record_history(self) -> None:
        history = self.net_.history
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        self.n_iter_ = len(self.loss_curve_)
        self.best_loss_ = min(self.loss_curve_)
        if self.early_stopping:
            self.validation_scores_ = [float(v) for v in history[:, "valid_score"]]
            self.best_validation_score_ = max(self.validation_scores_)
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None

    # ------------------------------------------------------------ inference
    def _check_step_shape(self, seqs: Sequences) -> None:
        check_step_shape(seqs, self.step_shape_, owner=type(self).__name__)

    def _raw_predict(self, X) -> np.ndarray:
        """Network outputs for X, in batches, without gradient."""
        check_is_fitted(self, "net_")
        seqs = self._check_X(X)
        self._check_step_shape(seqs)
        dataset = SequenceDataset(seqs.data, seqs.lengths)
        return self.net_.predict_proba(dataset)

    def predict(self, X):
        """Predict targets for sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences, with the per-step shape seen at fit.

        Returns
        -------
        y_pred : ndarray
            Predictions.
        """
        return self._decode(self._raw_predict(X))

    # ---------------------------------------------------------- persistence
    def save(self, path) -> None:
        """Save hyperparameters and weights to ``path`` in a weights-only format.

        The file is read back by :meth:`load` with ``torch.load(weights_only=True)``: loading
        it never executes code from the file. Estimators with user ``callbacks`` or a custom
        optimizer class cannot be saved this way (pickle them instead).

        Parameters
        ----------
        path : str or path-like
            Destination file.
        """
        check_is_fitted(self, "net_")
        params = self.get_params(deep=False)
        if params.get("callbacks") or not isinstance(params.get("optimizer"), str):
            raise ValueError(
                "save() stores only plain parameters; this estimator has callbacks or a custom "
                "optimizer class. Use pickle or joblib.dump for it."
            )
        state = {k: v.detach().cpu() for k, v in self.net_.module_.state_dict().items()}
        payload = {
            "format": "sklrnn-weights-1",
            "class": type(self).__name__,
            "params": params,
            "fitted": self._module_metadata(),
            "state_dict": state,
        }
        torch.save(payload, Path(path))

    def _module_metadata(self) -> dict:
        """Plain values (lists, numbers, strings) that ``_restore`` needs to rebuild the model."""
        return {
            "n_features_in_": self.n_features_in_,
            "step_shape_": list(self.step_shape_),
            "loss_curve_": self.loss_curve_,
        }

    def _restore(self, fitted: dict) -> torch.nn.Module:
        raise NotImplementedError

    @classmethod
    def load(cls, path, device: str = "cpu"):
        """Load an estimator written by :meth:`save`, without executing code from the file.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        device : str, default="cpu"
            Device to place the weights on.

        Returns
        -------
        estimator : object
            A fitted estimator that predicts like the saved one.
        """
        payload = torch.load(Path(path), map_location="cpu", weights_only=True)
        if payload.get("format") != "sklrnn-weights-1" or payload.get("class") != cls.__name__:
            raise ValueError(
                f"{path} is not a file written by {cls.__name__}.save() "
                f"(found class {payload.get('class')!r})."
            )
        est = cls(**payload["params"]).set_params(device=device)
        fitted = payload["fitted"]
        est.n_features_in_ = fitted["n_features_in_"]
        est.step_shape_ = tuple(fitted["step_shape_"])
        est.loss_curve_ = fitted["loss_curve_"]
        est.n_iter_ = len(est.loss_curve_)
        module = est._restore(fitted)
        module.load_state_dict(payload["state_dict"])
        est.net_ = est._make_net(module, 0).initialize()
        return est

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
