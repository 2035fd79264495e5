"""Every use of skorch's internals, in one place.

The engine builds on skorch's public API (``NeuralNet`` and its callbacks). Where it must go
further (the state of ``EarlyStopping`` that a checkpoint saves, the per-batch train/eval
switch, the accelerate wrapper's set-up and unwrapping) it goes through the names below, and
``tests/test_skorch_compat.py`` checks that the skorch installed has what they rely on. A new
skorch release that moves one of them is adapted here, and nowhere else.
"""

from __future__ import annotations

from typing import Any

from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, LRScheduler, PrintLog
from skorch.hf import AccelerateMixin

_EARLY_STOPPING_STATE = {
    "misses": "misses_",
    "threshold": "dynamic_threshold_",
    "best_epoch": "best_epoch_",
    "best_weights": "best_model_weights_",
}


# ------------------------------------------------------------------------ early stopping
def early_stopping_state(callback: EarlyStopping) -> dict[str, Any]:
    """What an ``EarlyStopping`` callback has counted so far (patience used, best score and
    epoch, best weights), as a dict that :func:`set_early_stopping_state` restores."""
    state = {key: getattr(callback, attr) for key, attr in _EARLY_STOPPING_STATE.items()}
    state["threshold"] = float(state["threshold"])
    return state


def set_early_stopping_state(callback: EarlyStopping, state: dict[str, Any]) -> None:
    """Give an ``EarlyStopping`` callback the state :func:`early_stopping_state` returned."""
    for key, attr in _EARLY_STOPPING_STATE.items():
        setattr(callback, attr, state[key])


def early_stopping_triggered(callback: EarlyStopping) -> bool:
    """Whether an ``EarlyStopping`` callback has used up its patience (training stopped)."""
    return callback.misses_ >= callback.patience


# ------------------------------------------------------------------ the train/eval switch
class LeanNeuralNet(NeuralNet):
    """``NeuralNet`` whose per-batch train/eval switch is skipped when nothing would change.

    skorch switches the mode of every module and criterion before every batch; the switch
    walks every submodule and costs as much as a small batch's forward pass.
    """

    def _set_training(self, training=True):
        if self.module_.training is training and self.criterion_.training is training:
            return
        super()._set_training(training)


def set_training(net: NeuralNet, training: bool) -> None:
    """Put the net's modules and criteria in training (True) or evaluation mode."""
    net._set_training(training)


# --------------------------------------------------------------------------- accelerate
class AccelerateCompat(AccelerateMixin):
    """skorch's ``AccelerateMixin`` with the two set-up steps sequences need.

    A loss without parameters is not wrapped (``DistributedDataParallel`` refuses it), and a
    net without epoch log (``verbose=0``) routes no log through the accelerator's print.
    """

    def _initialize_accelerator(self):
        criteria = self._criteria
        self._criteria = [
            name for name in criteria if any(True for _ in getattr(self, name + "_").parameters())
        ]
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria = criteria

    def _initialize_callbacks(self):
        if self.__dict__.get("callbacks__print_log", True) is None:
            self.__dict__.pop("callbacks__print_log__sink", None)
            return NeuralNet._initialize_callbacks(self)
        return super()._initialize_callbacks()


def unwrap_accelerated(net: AccelerateCompat, plain_class: type[NeuralNet]) -> NeuralNet:
    """Turn a fitted accelerated net, in place, into an instance of ``plain_class`` (its base
    without accelerate): the module unwrapped, the accelerator and its print dropped, the
    torch optimizer taken out of accelerate's wrapper. A learning-rate schedule held the
    wrapper: it is dropped, and rebuilt from the history when training continues."""
    net._unwrap_accelerator()
    for name in ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator"):
        vars(net).pop(name, None)
    net.__class__ = plain_class
    if "callbacks__print_log__sink" in vars(net):
        net.callbacks__print_log__sink = print
    net.optimizer_ = getattr(net.optimizer_, "optimizer", net.optimizer_)
    for _, callback in net.callbacks_:
        if isinstance(callback, PrintLog):  # its sink was the accelerator's print
            callback.sink = print
        if isinstance(callback, LRScheduler):
            callback.lr_scheduler_ = None
    return net
