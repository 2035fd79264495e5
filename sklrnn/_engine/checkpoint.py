"""Resumable training: skorch's ``Checkpoint`` and ``LoadInitState`` behind ``checkpoint_dir``.

After every epoch :class:`EpochCheckpoint` writes one file, ``checkpoint.pt``, holding all a
fit needs to go on exactly where it stopped: the weights, the optimiser state, the history
(which gives the epoch count and, through skorch's ``LRScheduler``, the learning-rate
schedule's position), torch's random number generator (batch order, dropout) and the state of
early stopping (patience used, best weights so far). The file is written to a temporary name
and renamed, so a process killed while writing leaves the previous epoch's checkpoint intact.

When a fit begins, :class:`ResumeFromCheckpoint` loads that file if it exists and trains only
the epochs left. The file also records a fingerprint of the estimator's training parameters and
of the data; resuming with other parameters or other data raises an error instead of silently
mixing two fits.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Checkpoint, EarlyStopping, LoadInitState, LRScheduler
from skorch.history import History

from .params import FINGERPRINT_NEUTRAL

FILE_NAME = "checkpoint.pt"
FORMAT = "sklrnn-checkpoint-1"
# parameters that do not change what a fit computes, left out of the fingerprint
_NEUTRAL_PARAMS = FINGERPRINT_NEUTRAL


def params_fingerprint(params: dict) -> str:
    """A stable digest of an estimator's training parameters."""
    kept = {k: repr(v) for k, v in sorted(params.items()) if k not in _NEUTRAL_PARAMS}
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()


def data_fingerprint(dataset) -> str:
    """A digest of a :class:`~sklrnn._engine.SequenceDataset`'s tensors."""
    digest = hashlib.sha256()
    for name in ("x", "lengths", "y", "sample_weight"):
        tensor = getattr(dataset, name, None)
        digest.update(name.encode())
        if tensor is not None:
            array = tensor.detach().cpu().contiguous().numpy()
            digest.update(str((array.dtype, array.shape)).encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def _early_stoppings(net) -> list[EarlyStopping]:
    return [cb for _, cb in net.callbacks_ if isinstance(cb, EarlyStopping)]


def _schedulers(net) -> list[LRScheduler]:
    return [cb for _, cb in net.callbacks_ if isinstance(cb, LRScheduler)]


class EpochCheckpoint(Checkpoint):
    """skorch ``Checkpoint`` that saves everything needed to resume, after every epoch.

    It must come after the learning-rate schedulers in the callbacks: it saves the optimiser
    once they have stepped at the end of the epoch, and gives them back their state when a fit
    resumes.

    Parameters
    ----------
    dirname : str or path-like
        Folder of the checkpoint file (created if missing).
    params_key : str
        Fingerprint of the estimator's training parameters.
    """

    def __init__(self, dirname, params_key: str = "") -> None:
        super().__init__(
            monitor=None,
            f_params=None,
            f_optimizer=None,
            f_criterion=None,
            f_history=None,
            dirname=str(dirname),
            event_name=None,
        )
        self.params_key = params_key

    @property
    def path(self) -> Path:
        return Path(self.dirname) / FILE_NAME

    def initialize(self):
        # skorch creates the folder here; it is created at the first save instead, so that
        # building a net (e.g. in ``load``) writes nothing
        self._validate_filenames()
        self.data_key_ = ""
        self.max_epochs_ = None
        self.pending_schedulers_ = []
        return self

    def on_train_begin(self, net, **kwargs) -> None:
        # the schedulers exist now (built by their own on_train_begin from the restored
        # history); give them the state they had when the checkpoint was written
        for cb, state in zip(_schedulers(net), self.pending_schedulers_):
            cb.lr_scheduler_.load_state_dict(state)
        self.pending_schedulers_ = []

    def save_model(self, net, finished: bool = False) -> None:
        stoppers = [
            {
                "misses": cb.misses_,
                "threshold": float(cb.dynamic_threshold_),
                "best_epoch": cb.best_epoch_,
                "best_weights": cb.best_model_weights_,
            }
            for cb in _early_stoppings(net)
        ]
        payload = {
            "format": FORMAT,
            "params_key": self.params_key,
            "data_key": self.data_key_,
            "finished": finished,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "history": json.dumps(net.history.to_list()),
            "rng": torch.get_rng_state(),
            "batch_rng": _batch_rng_state(net),
            "early_stopping": stoppers,
            "schedulers": [
                cb.lr_scheduler_.state_dict()
                for cb in _schedulers(net)
                if cb.lr_scheduler_ is not None
            ],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(FILE_NAME + ".tmp")
        torch.save(payload, tmp)
        os.replace(tmp, self.path)  # atomic: a kill leaves the last complete checkpoint

    def on_train_end(self, net, **kwargs) -> None:
        max_epochs = self.max_epochs_ if self.max_epochs_ is not None else net.max_epochs
        stopped = any(cb.misses_ >= cb.patience for cb in _early_stoppings(net))
        if len(net.history) and (len(net.history) >= max_epochs or stopped):
            # the final weights (the best ones with early stopping): a fit of the same
            # parameters on the same data loads them and trains no further
            self.save_model(net, finished=True)


def _batch_rng_state(net) -> dict | None:
    """The state of the generator that shuffles the training batches, as tensors and numbers."""
    rng = getattr(net, "iterator_train__random_state", None)
    if rng is None:
        return None
    name, keys, pos, has_gauss, cached = rng.get_state()
    return {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos)} | {
        "has_gauss": int(has_gauss),
        "cached": float(cached),
    }


def _set_batch_rng_state(net, state: dict | None) -> None:
    rng = getattr(net, "iterator_train__random_state", None)
    if rng is not None and state is not None:
        keys = state["keys"].numpy().astype(np.uint32)
        rng.set_state(("MT19937", keys, state["pos"], state["has_gauss"], state["cached"]))


class ResumeFromCheckpoint(LoadInitState):
    """skorch ``LoadInitState`` that resumes from an :class:`EpochCheckpoint`'s file.

    It must come after early stopping and before learning-rate schedulers in the callbacks, so
    that it restores early stopping's state after that callback resets it, and so that the
    schedulers are built from the restored history (their own state follows in
    :meth:`EpochCheckpoint.on_train_begin`).
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        if self.did_load_:
            return
        self.did_load_ = True
        checkpoint = self.checkpoint
        checkpoint.data_key_ = data_fingerprint(X)
        checkpoint.max_epochs_ = net.max_epochs
        if not checkpoint.path.exists():
            return
        payload = torch.load(checkpoint.path, map_location="cpu", weights_only=True)
        if payload.get("format") != FORMAT:
            raise ValueError(f"{checkpoint.path} is not an sklrnn checkpoint.")
        for key, what in (("params_key", "parameters"), ("data_key", "training data")):
            if payload[key] != getattr(checkpoint, key if key == "params_key" else "data_key_"):
                raise ValueError(
                    f"checkpoint_dir={checkpoint.dirname!r} holds a checkpoint of a fit with "
                    f"other {what}; resume with the same parameters and data, or use another "
                    "checkpoint_dir (or delete the folder) to start afresh."
                )
        net.module_.load_state_dict(payload["module"])
        net.optimizer_.load_state_dict(payload["optimizer"])
        net.history_ = History(json.loads(payload["history"]))
        torch.set_rng_state(payload["rng"])
        _set_batch_rng_state(net, payload["batch_rng"])
        for cb, state in zip(_early_stoppings(net), payload["early_stopping"]):
            cb.misses_ = state["misses"]
            cb.dynamic_threshold_ = state["threshold"]
            cb.best_epoch_ = state["best_epoch"]
            cb.best_model_weights_ = state["best_weights"]
        checkpoint.pending_schedulers_ = payload["schedulers"]
        done = len(net.history)
        # train only the epochs left; on_train_end gives the net its max_epochs back
        net.max_epochs = 0 if payload["finished"] else max(0, net.max_epochs - done)

    def on_train_end(self, net, **kwargs) -> None:
        if self.checkpoint.max_epochs_ is not None:
            net.max_epochs = self.checkpoint.max_epochs_


def checkpoint_callbacks(dirname, params: dict) -> tuple[list, list]:
    """The named callbacks that make a fit resumable from ``dirname``.

    Returns the callbacks to put before the learning-rate schedulers (after early stopping)
    and those to put after them.
    """
    checkpoint = EpochCheckpoint(dirname, params_fingerprint(params))
    return [("resume", ResumeFromCheckpoint(checkpoint))], [("checkpoint", checkpoint)]
