"""scikit-learn callbacks (``sklearn.callback``) over skorch's epochs.

scikit-learn 1.9 added an experimental callback API: an estimator that inherits
:class:`~sklearn.callback.CallbackSupportMixin` accepts ``set_callbacks(ProgressBar())``,
describes its ``fit`` as a tree of tasks, and meta-estimators (``GridSearchCV``, ``Pipeline``)
hang the trees of the estimators they fit under their own. In sklrnn one fit is one task whose
subtasks are the epochs; :func:`report_epochs` opens that task around skorch's training loop
and :class:`EpochTasks` turns skorch's ``on_epoch_begin`` / ``on_epoch_end`` into the
subtasks' ``on_fit_task_begin`` / ``on_fit_task_end`` hooks. A callback that asks to stop at
the end of an epoch stops training as skorch's early stopping does.

With scikit-learn < 1.9 the mixin and the decorator are no-ops and nothing is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from skorch import NeuralNet
from skorch.callbacks import Callback

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9: no callback API

    class CallbackSupportMixin:  # type: ignore[no-redef]
        """Stand-in for ``sklearn.callback.CallbackSupportMixin`` (scikit-learn < 1.9)."""

    def with_callbacks(method: Callable) -> Callable:  # type: ignore[no-redef]
        """Stand-in for ``sklearn.callback.with_callbacks`` (scikit-learn < 1.9)."""
        return method


__all__ = ["CallbackSupportMixin", "EpochTasks", "report_epochs", "with_callbacks"]

_NAME = "sklearn_callbacks"


class EpochTasks(Callback):
    """skorch callback: each epoch is a subtask ``"epoch"`` of the estimator's fit task.

    Parameters
    ----------
    context : sklearn.callback.CallbackContext
        The estimator's fit task (its root context).
    estimator : estimator instance
        The estimator being fitted, passed to the hooks.
    X, y : array-like
        The training data as given to ``fit``, passed to the hooks (e.g. for a scorer).
    metadata : dict or None
        Training metadata passed to the hooks, e.g. ``{"sample_weight": ...}``.
    fitted : dict or None
        The fitted attributes of the fit in progress, besides ``net_`` (the estimator gets
        them only once training has succeeded): a callback that rebuilds the fitted
        estimator at an epoch's end (``ScoringMonitor``) sets them on its copy.
    """

    def __init__(self, context, estimator, X=None, y=None, metadata=None, fitted=None) -> None:
        self.context = context
        self.estimator = estimator
        self.X = X
        self.y = y
        self.metadata = metadata
        self.fitted = fitted
        self.epoch_context_ = None

    def _hook_data(self) -> dict[str, Any]:
        return {"estimator": self.estimator, "X": self.X, "y": self.y, "metadata": self.metadata}

    def on_epoch_begin(self, net: NeuralNet, **kwargs) -> None:
        self.epoch_context_ = self.context.subcontext(task_name="epoch")
        self.epoch_context_.call_on_fit_task_begin(**self._hook_data())

    def on_epoch_end(self, net: NeuralNet, **kwargs) -> None:
        context, self.epoch_context_ = self.epoch_context_, None
        stop = context.call_on_fit_task_end(
            **self._hook_data(),
            reconstruction_attributes=lambda: (self.fitted or {}) | {"net_": net},
        )
        if stop:
            raise KeyboardInterrupt  # skorch's way to end training after this epoch


@contextmanager
def report_epochs(
    estimator, net: NeuralNet, X=None, y=None, sample_weight=None, fitted=None
) -> Iterator:
    """Run the estimator's fit task, with the epochs of ``net`` as its subtasks.

    Call it in ``fit`` (decorated with :func:`with_callbacks`) around the training of an
    initialised skorch net::

        with report_epochs(self, net, X, y, sample_weight):
            net.partial_fit(dataset, None)

    With scikit-learn < 1.9 nothing is done. The bridge is removed from ``net`` afterwards, so
    the fitted net keeps no reference to the callbacks, the context or the data.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted; with callback support it inherits
        :class:`~sklearn.callback.CallbackSupportMixin`.
    net : skorch.NeuralNet
        The initialised net that trains, ``net.max_epochs`` epochs at most.
    X, y : array-like
        The training data as given to ``fit``.
    sample_weight : array-like or None
        Passed to the hooks as ``metadata={"sample_weight": ...}``.
    fitted : dict or None
        The fitted attributes of the fit in progress, besides ``net_`` (see
        :class:`EpochTasks`).
    """
    if not hasattr(estimator, "_init_callback_context"):  # scikit-learn < 1.9
        yield
        return
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    context = estimator._init_callback_context(max_subtasks=net.max_epochs)
    context.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=metadata)
    net.callbacks_.append((_NAME, EpochTasks(context, estimator, X, y, metadata, fitted)))
    try:
        yield
    finally:
        net.callbacks_ = [(name, cb) for name, cb in net.callbacks_ if name != _NAME]
    context.call_on_fit_task_end(
        estimator=estimator,
        X=X,
        y=y,
        metadata=metadata,
        reconstruction_attributes=lambda: (fitted or {}) | {"net_": net},
    )
