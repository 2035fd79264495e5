"""The one estimator base: validation, target hooks, building and fitting the skorch net."""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from numbers import Integral, Real
from os import PathLike

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EarlyStopping, GradientNormClipping
from skorch.helper import predefined_split

from ..nn.optim import OPTIMIZERS
from ..utils._param_validation import (
    Device,
    Interval,
    Options,
    ParamsValidationMixin,
    RandomState,
    SubclassOf,
)
from ..utils._torch import no_subnormals, resolve_device, torch_seeded
from .accelerate import MODES as ACCELERATOR_MODES
from .accelerate import accelerated_net, plain_net
from .budget import TrainingBudget, training_budget
from .checkpoint import checkpoint_callbacks
from .guards import (
    TRAINING_PARAMS,
    FiniteLoss,
    NonFiniteLoss,
    changed_params,
    divergence_message,
    fit_transaction,
    interrupt_guard,
    training_rng,
    warn_if_diverged,
)
from .net import IndexSplit, SequenceDataset, ValidationScore, build_net
from .persist import PersistenceMixin
from .progress import CallbackSupportMixin, report_epochs, with_callbacks
from .sequences import (
    Sequences,
    check_sample_weight,
    check_sequences,
    check_step_shape,
    warn_if_channels_first,
)

logger = logging.getLogger(__name__)


class BaseSequenceEstimator(
    PersistenceMixin, CallbackSupportMixin, ParamsValidationMixin, BaseEstimator
):
    """Base of every sklrnn estimator; subclasses override the hooks below.

    Hooks, each declared here with what it must do: ``_check_X`` (how X is read),
    ``_encode_y`` / ``_decode`` (targets), ``_build_module`` (the torch module), ``_criterion``
    (a torch loss), ``_validation_kind`` and ``_score_raw`` (validation split and score),
    ``_loss_name`` and ``_validation_score_name`` (their names in plots), ``_extra_callbacks``
    (e.g. a learning-rate schedule), ``_fit_sample_weight`` (weights of the loss),
    ``_augmenter`` (training-batch augmentation),
    ``_module_metadata`` and ``_restore`` (what ``load`` needs to rebuild the module).

    Every subclass has the training parameters ``optimizer``, ``learning_rate``,
    ``weight_decay``, ``batch_size``, ``max_epochs``, ``early_stopping``,
    ``validation_fraction``, ``n_iter_no_change``, ``tol``, ``gradient_clip``, ``device``,
    ``callbacks``, ``checkpoint_dir``, ``accelerator``, ``warm_start``, ``verbose`` and
    ``random_state``.
    """

    #: How early stopping holds out validation data: ``"shuffle"``, ``"stratified"`` (by the
    #: encoded targets) or ``"last"`` (the last samples, for data in time order).
    _validation_kind = "shuffle"
    #: Name of the training loss, as plots label it (``inspection.plot_training_history``).
    _loss_name = "loss"
    #: Name of the score in ``validation_scores_``, as plots label it.
    _validation_score_name = "score"

    # The rules of the training parameters; subclasses merge them with their module's.
    _parameter_constraints = {
        "optimizer": [Options(OPTIMIZERS), SubclassOf(torch.optim.Optimizer)],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None)],
        "batch_size": [Options(("auto",)), Interval(Integral, 1, None)],
        "max_epochs": [Options(("auto",)), Interval(Integral, 1, None)],
        "early_stopping": ["boolean", Options(("auto",))],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None)],
        "gradient_clip": [None, Interval(Real, 0, None, closed="neither")],
        "device": [Device()],
        "callbacks": [None, list, tuple],
        "checkpoint_dir": [None, str, PathLike],
        "accelerator": [None, Options(ACCELERATOR_MODES)],
        "warm_start": ["boolean"],
        "verbose": ["boolean", Interval(Integral, 0, None)],
        "random_state": [RandomState()],
    }
    #: parameters a warm-started fit honours when they change; others raise
    _warm_start_params = TRAINING_PARAMS

    # ----------------------------------------------------------------- hooks
    def _check_X(self, X) -> Sequences:
        """Validate ``X`` (at fit and predict) into padded sequences with their lengths."""
        return check_sequences(X)

    def _encode_y(self, y, *, fit: bool) -> np.ndarray:
        """Targets as the loss reads them; ``fit=False`` checks them against the first fit."""
        raise NotImplementedError

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        """Turn the network's raw outputs for a batch into ``predict``'s answer."""
        raise NotImplementedError

    def _build_module(self, seqs: Sequences, y: np.ndarray) -> torch.nn.Module:
        """Record what the data fixes (e.g. ``n_outputs_``) and return a new torch module."""
        raise NotImplementedError

    def _criterion(self) -> torch.nn.Module:
        """The torch loss; the engine sets its ``reduction`` to weigh samples."""
        raise NotImplementedError

    def _score_raw(self, y_true: np.ndarray, raw: np.ndarray) -> float:
        """Validation score (higher is better) of raw outputs against encoded targets."""
        raise NotImplementedError

    def _extra_callbacks(self, budget: TrainingBudget) -> list:
        """skorch callbacks the estimator adds itself, as ``(name, callback)`` pairs."""
        return []

    def _augmenter(self):
        """What transforms each training batch (see :mod:`sklrnn.augment`); None for nothing."""
        return None

    def _fit_sample_weight(self, y: np.ndarray, sample_weight) -> np.ndarray:
        """Per-sample weights of the loss, mean 1, from ``sample_weight`` (and e.g. classes)."""
        return check_sample_weight(sample_weight, len(y))

    # ------------------------------------------------------------- training
    def _budget(self, n_samples: int, validation_data: bool = False) -> TrainingBudget:
        """Resolve ``"auto"`` batch size, epochs and early stopping for ``n_samples``.

        With ``validation_data`` (``X_val`` passed to ``fit``) every sample trains and early
        stopping is on.
        """
        budget = training_budget(
            n_samples,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            early_stopping=False if validation_data else self.early_stopping,
            validation_fraction=self.validation_fraction,
        )
        return replace(budget, early_stopping=True) if validation_data else budget

    def _callbacks(
        self, seed: int, budget: TrainingBudget, valid: SequenceDataset | None = None
    ) -> tuple[list, object]:
        callbacks, split = [("finite_loss", FiniteLoss())], None
        if budget.early_stopping:
            if valid is None:
                split = IndexSplit(self.validation_fraction, self._validation_kind, seed)
            else:
                split = predefined_split(valid)
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
        resume, checkpoint = [], []
        if self.checkpoint_dir is not None:  # around the learning-rate schedules
            resume, checkpoint = checkpoint_callbacks(
                self.checkpoint_dir, self.get_params(deep=False)
            )
        callbacks += resume + self._extra_callbacks(budget) + checkpoint
        for i, cb in enumerate(self.callbacks or []):
            name, cb = cb if isinstance(cb, tuple) else (f"user_{i}", cb)
            callbacks.append((name, copy.deepcopy(cb)))
        return callbacks, split

    def _make_net(
        self,
        module: torch.nn.Module,
        seed: int,
        budget: TrainingBudget,
        valid=None,
        accelerated: bool = False,
    ):
        callbacks, split = self._callbacks(seed, budget, valid)
        params = dict(
            optimizer=OPTIMIZERS.get(self.optimizer, self.optimizer),
            lr=float(self.learning_rate),
            optimizer__weight_decay=float(self.weight_decay),
            max_epochs=budget.max_epochs,
            batch_size=budget.batch_size,
            train_split=split,
            callbacks=callbacks,
            verbose=int(self.verbose),
            iterator_train__random_state=np.random.RandomState(seed),
            iterator_train__augment=self._augmenter(),
        )
        device = resolve_device(self.device)
        if accelerated:  # a fit through accelerate (mixed precision, several processes)
            return accelerated_net(module, self._criterion(), device, self.accelerator, **params)
        return build_net(module, self._criterion(), device=device, **params)

    @with_callbacks
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None):
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
        X_val : array-like or list of arrays, default=None
            Validation sequences for early stopping, used instead of holding out
            ``validation_fraction`` of ``X`` (e.g. the block that follows the training data in
            time). Needs ``early_stopping`` True or ``"auto"`` (then always on).
        y_val : array-like, default=None
            Targets of ``X_val``, in the layout of ``y``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with fit_transaction(self), no_subnormals():
            return self._fit(X, y, sample_weight, X_val, y_val)

    def _fit(self, X, y, sample_weight, X_val, y_val):
        self._check_params()
        if self.accelerator is not None and self.checkpoint_dir is not None:
            raise ValueError(
                "checkpoint_dir cannot be combined with accelerator yet; set one of them to None."
            )
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val go together: pass both, or neither.")
        if X_val is not None and not self.early_stopping:
            raise ValueError(
                "X_val and y_val are the validation data of early stopping; set "
                'early_stopping=True (or "auto") to use them.'
            )
        seqs = self._check_X(X)
        warn_if_channels_first(X, seqs)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        continuing = self.warm_start and hasattr(self, "net_")
        params = self.get_params(deep=False)
        if continuing:
            self._check_warm_start(params)
            self._check_step_shape(seqs)
        y_enc = self._encode_y(y, fit=not continuing)
        if len(y_enc) != len(seqs):
            raise ValueError(
                f"X and y have different numbers of samples: {len(seqs)} and {len(y_enc)}."
            )
        weights = self._fit_sample_weight(y_enc, sample_weight)
        uniform = bool(np.all(weights == 1))  # then the loss needs no weighting
        dataset = SequenceDataset(seqs.data, seqs.lengths, y_enc, None if uniform else weights)
        with torch_seeded(self.random_state) as seed:
            if not continuing:
                self.n_features_in_ = seqs.n_features
                self.step_shape_ = tuple(seqs.step_shape)
                module = self._build_module(seqs, y_enc)
            valid = self._validation_set(X_val, y_val)  # the layout of the targets is known now
            self.budget_ = self._budget(len(dataset), validation_data=X_val is not None)
            if continuing:
                net = self._continue_net(seed, valid)
            else:
                accelerated = self.accelerator is not None
                net = self._make_net(module, seed, self.budget_, valid, accelerated).initialize()
        try:
            with (
                interrupt_guard() as interrupt,
                training_rng(net.module_, seed + 1, augmented=self._augmenter() is not None),
                report_epochs(self, net, X, y, sample_weight),
            ):
                net.partial_fit(dataset, None)
        except NonFiniteLoss as exc:
            raise FloatingPointError(divergence_message(self, exc, seqs.data)) from None
        if interrupt["interrupted"]:  # skorch's partial_fit swallowed a Ctrl-C
            raise KeyboardInterrupt
        # only once training has succeeded; an accelerated net is unwrapped to a plain one
        self.net_ = plain_net(net) if hasattr(net, "accelerator") else net
        self._fit_params = params
        self._record_history()
        warn_if_diverged(self)
        return self

    def _validation_set(self, X_val, y_val) -> SequenceDataset | None:
        """``X_val`` and ``y_val``, checked like ``X`` and ``y`` at predict, or None."""
        if X_val is None:
            return None
        try:
            seqs = self._check_X(X_val)
            self._check_step_shape(seqs)
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"X_val: {exc}") from None
        try:
            y_enc = self._encode_y(y_val, fit=False)
        except ValueError as exc:
            raise ValueError(f"y_val: {exc}") from None
        if len(y_enc) != len(seqs):
            raise ValueError(
                f"X_val and y_val have different numbers of samples: {len(seqs)} and {len(y_enc)}."
            )
        return SequenceDataset(seqs.data, seqs.lengths, y_enc)

    def _check_warm_start(self, params: dict) -> None:
        """Raise if a parameter that shapes the network changed since the last fit."""
        fixed = [
            name
            for name in changed_params(getattr(self, "_fit_params", params), params)
            if name not in self._warm_start_params
        ]
        if fixed:
            raise ValueError(
                f"warm_start=True continues the fitted network, but {', '.join(fixed)} changed "
                "since the last fit and would need a new network. Restore them, or set "
                "warm_start=False to train a new network."
            )

    def _continue_net(self, seed: int, valid: SequenceDataset | None):
        """A new net with the current training parameters around a copy of the fitted weights;
        the optimizer's state carries over when the optimizer is the same. The fitted net is
        left untouched, so a failure leaves it as it was."""
        old = self.net_
        net = self._make_net(copy.deepcopy(old.module_), seed, self.budget_, valid).initialize()
        if type(net.optimizer_) is type(old.optimizer_):
            net.optimizer_.load_state_dict(copy.deepcopy(old.optimizer_.state_dict()))
            for group in net.optimizer_.param_groups:
                group["lr"], group["weight_decay"] = self.learning_rate, self.weight_decay
        net.history = copy.deepcopy(old.history)
        return net

    def _record_history(self) -> None:
        history = self.net_.history
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        self.n_iter_ = len(self.loss_curve_)
        self.best_loss_ = min(self.loss_curve_)
        if self.budget_.early_stopping:  # after a warm start, earlier epochs may have no score
            scores = [row["valid_score"] for row in history if "valid_score" in row]
            self.validation_scores_ = [float(v) for v in scores]
            self.best_validation_score_ = max(self.validation_scores_)
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None

    # ------------------------------------------------------------ inference
    def _check_step_shape(self, seqs: Sequences) -> None:
        check_step_shape(seqs, self.step_shape_, owner=type(self).__name__)

    def _raw_predict(self, X) -> np.ndarray:
        """Network outputs for X, in batches, without gradient."""
        if not hasattr(self, "net_"):  # sklearn's check_is_fitted, without its tag lookups
            check_is_fitted(self, "net_")
        seqs = self._check_X(X)
        self._check_step_shape(seqs)
        dataset = SequenceDataset(seqs.data, seqs.lengths)
        with no_subnormals():
            return self.net_.predict_raw(dataset)

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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
