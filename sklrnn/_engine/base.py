"""The one estimator base: a fit is prepare, build, train, commit; hooks return values."""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EarlyStopping, GradientNormClipping, LRScheduler
from skorch.helper import predefined_split

from ..nn.optim import OPTIMIZERS, load_optimizer_state
from ..utils._param_validation import ParamsValidationMixin
from ..utils._torch import no_subnormals, resolve_device, torch_seeded
from .accelerate import accelerated_net, plain_net
from .budget import TrainingBudget, TrainingDone, fitted_budget, training_budget
from .checkpoint import checkpoint_callbacks
from .guards import (
    FiniteLoss,
    NonFiniteLoss,
    changed_params,
    divergence_message,
    warn_if_diverged,
)
from .net import IndexSplit, SequenceDataset, ValidationScore, build_net
from .params import TRAINING, constraints, warm_start_names
from .persist import PersistenceMixin
from .progress import CallbackSupportMixin, report_epochs, with_callbacks
from .sequences import (
    Sequences,
    check_sample_weight,
    check_sequences,
    check_step_shape,
    warn_if_channels_first,
)
from .training import history_attributes, train

logger = logging.getLogger(__name__)

#: attributes that are not fitted state: scikit-learn's callback bookkeeping, managed around
#: ``fit`` by scikit-learn itself
_NOT_STATE = ("_callback", "_skl_", "__")


class BaseSequenceEstimator(
    PersistenceMixin, CallbackSupportMixin, ParamsValidationMixin, BaseEstimator
):
    """Base of every sklrnn estimator; subclasses override the hooks below.

    ``fit`` reads as prepare (validate the parameters and data, encode the targets), build
    (the torch module and the skorch net), train, and commit: every fitted attribute is set
    at once, only after training has succeeded, so a fit that raises or is interrupted leaves
    the estimator as it was. Hooks therefore never write to ``self``: what a fit learns, they
    return. Those that need what the fit learned so far take ``fitted``, the fitted
    attributes (the fit's state in progress during ``fit``, the estimator itself after).

    Hooks, each declared here with what it must do: ``_check_X`` (how X is read),
    ``_encode_y`` / ``_decode`` (targets), ``_module_attributes`` (what the data fixes about
    the module) and ``_make_module`` (the torch module from them), ``_criterion`` (a torch
    loss), ``_validation_kind`` and ``_score_raw`` (validation split and score),
    ``_loss_name`` and ``_validation_score_name`` (their names in plots), ``_extra_callbacks``
    (e.g. a learning-rate schedule), ``_fit_sample_weight`` (weights of the loss),
    ``_augmenter`` (training-batch augmentation), ``_module_metadata`` and ``_restore`` (what
    ``load`` needs to rebuild the module).

    Every subclass has the training parameters of :data:`~sklrnn._engine.params.TRAINING`
    (``optimizer``, ``learning_rate``, ..., ``random_state``).
    """

    #: How early stopping holds out validation data: ``"shuffle"``, ``"stratified"`` (by the
    #: encoded targets) or ``"last"`` (the last samples, for data in time order).
    _validation_kind = "shuffle"
    #: Name of the training loss, as plots label it (``inspection.plot_training_history``).
    _loss_name = "loss"
    #: Name of the score in ``validation_scores_``, as plots label it.
    _validation_score_name = "score"

    # the rules of the training parameters; a subclass's estimator_parameters(...) adds its own
    _parameter_constraints = constraints(TRAINING)
    #: parameters a warm-started fit honours when they change; others raise
    _warm_start_params = warm_start_names(TRAINING)
    #: parameters added after a release, with the value that reproduces the network an
    #: estimator pickled or saved before them was fitted with (they are filled in at loading)
    _legacy_params: dict = {}

    def __setstate__(self, state: dict) -> None:
        for name, value in self._legacy_params.items():
            state.setdefault(name, value)
        super().__setstate__(state)

    # ----------------------------------------------------------------- hooks
    def _check_X(self, X) -> Sequences:
        """Validate ``X`` (at fit and predict) into padded sequences with their lengths."""
        return check_sequences(X)

    def _encode_y(self, y, fitted, *, fit: bool) -> tuple[np.ndarray, dict]:
        """Targets as the loss reads them, and the target attributes learned from them.

        With ``fit=True`` (a first fit) the attributes are learned from ``y`` and returned
        (e.g. ``{"classes_": ...}``); ``fitted`` holds ``n_features_in_`` and
        ``step_shape_``. With ``fit=False`` ``y`` is checked against ``fitted`` and ``{}``
        is returned.
        """
        raise NotImplementedError

    def _decode(self, raw: np.ndarray) -> np.ndarray:
        """Turn the network's raw outputs for a batch into ``predict``'s answer."""
        raise NotImplementedError

    def _module_attributes(self, seqs: Sequences, y: np.ndarray, fitted) -> dict:
        """The fitted attributes the training data fixes about the module (e.g.
        ``{"n_outputs_": 3}``), from the sequences and the encoded targets."""
        return {}

    def _make_module(self, fitted) -> torch.nn.Module:
        """A new torch module for the fitted attributes ``fitted`` (at fit and at load)."""
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

    def _fit_sample_weight(self, y: np.ndarray, sample_weight, fitted) -> np.ndarray:
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
        callbacks += resume + self._extra_callbacks(budget)
        if self.max_epochs == "auto" and not budget.early_stopping:  # the budget's own stop
            eta_min = self.learning_rate / 100  # the floor of the cosine schedule
            anneal = getattr(self, "lr_schedule", None) == "cosine"
            callbacks.append(
                ("training_done", TrainingDone(self.n_iter_no_change, eta_min, anneal))
            )
        callbacks += checkpoint
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
        with no_subnormals():
            self._fit(X, y, sample_weight, X_val, y_val)
        warn_if_diverged(self)
        return self

    def _fit(self, X, y, sample_weight, X_val, y_val) -> None:
        # prepare, build, train, commit: nothing is set on the estimator before the commit
        seqs, dataset, fitted = self._prepare(X, y, sample_weight, X_val, y_val)
        with torch_seeded(self.random_state) as seed:
            net, budget = self._build(seqs, dataset, fitted, seed, X_val, y_val)
        learned = vars(fitted) | {"budget_": budget}
        epochs = report_epochs(self, net, X, y, sample_weight, fitted=learned)
        try:
            train(net, dataset, seed, augmented=self._augmenter() is not None, report=epochs)
        except NonFiniteLoss as exc:
            raise FloatingPointError(
                divergence_message(
                    type(self).__name__, exc, seqs.data, self.learning_rate, self.optimizer
                )
            ) from None
        # an accelerated net becomes a plain one (float32, one process's module), then every
        # process sets the same evaluation statistics from the same training data
        net = plain_net(net) if hasattr(net, "accelerator") else net
        net.settle_batch_norm(dataset, seed + 2)
        self._commit(net, fitted_budget(budget, net.history), fitted)

    def _prepare(self, X, y, sample_weight, X_val, y_val):
        """Check the parameters and the data; encode the targets. Returns the sequences, the
        training data set and the fitted attributes learned so far (for a warm start, a copy
        of the estimator's)."""
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
        if self._continuing():
            self._check_warm_start(self.get_params(deep=False))
            self._check_step_shape(seqs)
            fitted = SimpleNamespace(**self._fitted_state())
        else:
            fitted = SimpleNamespace(
                n_features_in_=seqs.n_features, step_shape_=tuple(seqs.step_shape)
            )
        y_enc, learned = self._encode_y(y, fitted, fit=not self._continuing())
        vars(fitted).update(learned)
        if len(y_enc) != len(seqs):
            raise ValueError(
                f"X and y have different numbers of samples: {len(seqs)} and {len(y_enc)}."
            )
        weights = self._fit_sample_weight(y_enc, sample_weight, fitted)
        uniform = bool(np.all(weights == 1))  # then the loss needs no weighting
        dataset = SequenceDataset(seqs.data, seqs.lengths, y_enc, None if uniform else weights)
        return seqs, dataset, fitted

    def _build(self, seqs, dataset, fitted, seed: int, X_val, y_val):
        """The module (new, or a copy of the fitted one for a warm start) in an initialised
        skorch net, and the training budget. Run with torch seeded, so ``random_state`` fixes
        the initial weights."""
        if not self._continuing():
            vars(fitted).update(self._module_attributes(seqs, dataset.y.numpy(), fitted))
        valid = self._validation_set(X_val, y_val, fitted)  # the target layout is known now
        budget = self._budget(len(dataset), validation_data=X_val is not None)
        if self._continuing():
            return self._continue_net(seed, budget, valid), budget
        module = self._make_module(fitted)
        accelerated = self.accelerator is not None
        return self._make_net(module, seed, budget, valid, accelerated).initialize(), budget

    def _commit(self, net, budget: TrainingBudget, fitted) -> None:
        """Set every fitted attribute at once: those the fit learned, the plain net, the budget
        and the history. Public fitted attributes
        of an earlier fit that this one did not learn are removed."""
        state = vars(fitted) | {"net_": net, "budget_": budget}
        state |= history_attributes(net, budget) | {"_fit_params": self.get_params(deep=False)}
        stale = [name for name in self._fitted_state() if name not in state]
        for name in stale:
            if not name.startswith("_"):
                delattr(self, name)
        for name, value in state.items():
            setattr(self, name, value)

    def _continuing(self) -> bool:
        """Whether this fit continues the fitted network (``warm_start``)."""
        return bool(self.warm_start) and hasattr(self, "net_")

    def _fitted_state(self) -> dict:
        """The estimator's fitted attributes: all that are not parameters."""
        params = self.get_params(deep=False)
        return {
            name: value
            for name, value in vars(self).items()
            if name not in params and not name.startswith(_NOT_STATE)
        }

    def _validation_set(self, X_val, y_val, fitted) -> SequenceDataset | None:
        """``X_val`` and ``y_val``, checked like ``X`` and ``y`` at predict, or None."""
        if X_val is None:
            return None
        try:
            seqs = self._check_X(X_val)
            self._check_step_shape(seqs, fitted)
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"X_val: {exc}") from None
        try:
            y_enc, _ = self._encode_y(y_val, fitted, fit=False)
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

    def _continue_net(self, seed: int, budget: TrainingBudget, valid: SequenceDataset | None):
        """A new net with the current training parameters around a copy of the fitted weights;
        the optimizer's state carries over when the optimizer is the same. The learning-rate
        schedule starts again from ``learning_rate`` (it counts this fit's epochs, not the
        history's). The fitted net is left untouched, so a failure leaves it as it was."""
        old = self.net_
        net = self._make_net(copy.deepcopy(old.module_), seed, budget, valid)
        plateau = ("ReduceLROnPlateau", torch.optim.lr_scheduler.ReduceLROnPlateau)
        for _, cb in net.callbacks:
            if isinstance(cb, LRScheduler) and cb.policy not in plateau:
                cb.last_epoch = -1  # else skorch resumes the schedule at len(history)
        net.initialize()
        if type(net.optimizer_) is type(old.optimizer_):
            load_optimizer_state(net.optimizer_, copy.deepcopy(old.optimizer_.state_dict()))
            for group in net.optimizer_.param_groups:
                group["lr"], group["weight_decay"] = self.learning_rate, self.weight_decay
                group.pop("initial_lr", None)  # a schedule's base rate: learning_rate
        net.history = copy.deepcopy(old.history)
        return net

    # ------------------------------------------------------------ inference
    def _check_step_shape(self, seqs: Sequences, fitted=None) -> None:
        """Raise if ``seqs`` do not have the per-step shape of the fit (``fitted``, by default
        the estimator)."""
        fitted = self if fitted is None else fitted
        check_step_shape(seqs, fitted.step_shape_, owner=type(self).__name__)

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
