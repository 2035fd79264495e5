"""Resumable training: skorch's ``Checkpoint`` and ``LoadInitState`` behind ``checkpoint_dir``.

After every epoch :class:`EpochCheckpoint` writes one file, ``checkpoint.pt``, holding all a
fit needs to go on exactly where it stopped: the weights, the optimiser state, the history
(which gives the epoch count and, through skorch's ``LRScheduler``, the learning-rate
schedule's position), torch's random number generator (batch order, dropout) and the state of
early stopping (patience used, best weights so far). The file is written atomically
(:func:`~sklrnn.utils._io.atomic_write`), so a process killed while writing leaves the previous
epoch's checkpoint intact, and it carries a checksum of everything in it: a damaged file raises
an error instead of loading wrong weights.

Each fit has its own subfolder of ``checkpoint_dir``, named by a fingerprint of everything that
changes what the fit computes (:func:`fit_fingerprint`): the estimator's parameters except the
neutral ones, the network's and the loss's configuration (e.g. a forecaster's layout and
quantile levels), the training data, the validation data (``X_val`` / ``y_val``, or the
held-out split) and, for a warm start, the weights it starts from. When a fit begins,
:class:`ResumeFromCheckpoint` loads the checkpoint of its own subfolder if there is one and
trains only the epochs left; a fit of other parameters or data finds none and starts afresh in
another subfolder. So the folds of ``cross_val_score`` or the candidates of ``GridSearchCV``
sharing one ``checkpoint_dir`` never collide, and each resumes its own fit.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Checkpoint, EarlyStopping, LoadInitState, LRScheduler
from skorch.history import History

from ..nn.optim import load_optimizer_state
from ..utils._io import atomic_write
from .params import FINGERPRINT_NEUTRAL
from .persist import hash_tensor
from .skorch_compat import early_stopping_state, early_stopping_triggered, set_early_stopping_state

FILE_NAME = "checkpoint.pt"
FORMAT = "sklrnn-checkpoint-2"
_CONFIG = (type(None), bool, int, float, str, tuple, list)


def _stable_repr(value) -> str:
    """``repr`` that is the same in every process for equal values (no memory addresses)."""
    if isinstance(value, np.random.RandomState):
        _, keys, pos, has_gauss, cached = value.get_state()
        state = hashlib.sha256(keys.tobytes()).hexdigest()
        return f"RandomState({state}, {pos}, {has_gauss}, {cached!r})"
    if isinstance(value, np.ndarray):
        data = value.tobytes() if value.dtype.kind != "O" else repr(value.tolist()).encode()
        return f"ndarray({value.dtype}, {value.shape}, {hashlib.sha256(data).hexdigest()})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_stable_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "(" + ", ".join(_stable_repr(v) for v in value) + ")"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def params_fingerprint(params: dict) -> str:
    """A stable digest of an estimator's training parameters, the neutral ones left out."""
    kept = {k: _stable_repr(v) for k, v in sorted(params.items()) if k not in FINGERPRINT_NEUTRAL}
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()


def data_fingerprint(dataset) -> str:
    """A digest of a :class:`~sklrnn._engine.net.SequenceDataset`'s tensors."""
    digest = hashlib.sha256()
    for name in ("x", "lengths", "y", "sample_weight"):
        tensor = getattr(dataset, name, None)
        digest.update(name.encode())
        if tensor is not None:
            array = tensor.detach().cpu().contiguous().numpy()
            digest.update(str((array.dtype, array.shape)).encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def _update(digest, value) -> None:
    """Feed ``value`` (tensors, containers of them, plain values) into ``digest``."""
    if isinstance(value, torch.Tensor):
        hash_tensor(digest, "tensor", value)
    elif isinstance(value, dict):
        digest.update(b"{")
        for key, item in value.items():
            digest.update(f"{key!r}:".encode())
            _update(digest, item)
        digest.update(b"}")
    elif isinstance(value, (list, tuple)):
        digest.update(b"[" if isinstance(value, list) else b"(")
        for item in value:
            _update(digest, item)
        digest.update(b"]")
    else:
        digest.update(f"{_stable_repr(value)};".encode())


def checksum(payload: dict) -> str:
    """sha256 over every value of a checkpoint's payload (tensors by their bytes)."""
    digest = hashlib.sha256()
    _update(digest, {k: v for k, v in payload.items() if k != "checksum"})
    return digest.hexdigest()


def model_fingerprint(module: torch.nn.Module, criterion: torch.nn.Module) -> str:
    """A digest of the network's and the loss's configuration.

    Each submodule's class and plain attributes (sizes, layout, options), the names, dtypes and
    shapes of the network's weights (not their values, which depend on the seed), and the
    loss's buffers by value (e.g. quantile levels or class weights).
    """
    digest = hashlib.sha256()
    for role, owner in (("module", module), ("criterion", criterion)):
        for name, sub in owner.named_modules():
            config = {
                k: v
                for k, v in sorted(vars(sub).items())
                if not k.startswith("_") and k not in ("training", "reduction")
                if isinstance(v, _CONFIG)
            }
            digest.update(f"{role}.{name}:{type(sub).__qualname__}:".encode())
            digest.update(_stable_repr(config).encode())
        for name, tensor in owner.state_dict().items():
            digest.update(f"{role}.{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
            if role == "criterion":
                _update(digest, tensor)
    return digest.hexdigest()


def validation_fingerprint(split) -> str:
    """A digest of how the fit validates: ``X_val`` / ``y_val`` by value, or the split rule."""
    valid = getattr(split, "keywords", {}).get("valid_ds")  # skorch.helper.predefined_split
    if valid is not None:
        return "validation data " + data_fingerprint(valid)
    rule = {k: getattr(split, k, None) for k in ("kind", "fraction")}
    return f"{type(split).__name__} {_stable_repr(rule)}"


def fit_fingerprint(params_key: str, net, dataset) -> str:
    """The fingerprint of a fit: parameters, network, loss, data, validation and, for a warm
    start (a net with history), the weights it starts from."""
    parts = [
        params_key,
        model_fingerprint(net.module_, net.criterion_),
        data_fingerprint(dataset),
        validation_fingerprint(net.train_split),
    ]
    if len(net.history):
        start = hashlib.sha256()
        _update(start, net.module_.state_dict())
        parts.append(f"warm start {len(net.history)} {start.hexdigest()}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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
        Folder holding one subfolder per fit (created if missing).
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
        """This fit's checkpoint file: ``<dirname>/fit-<fingerprint>/checkpoint.pt``."""
        return Path(self.dirname) / f"fit-{self.fit_key_[:16]}" / FILE_NAME

    def initialize(self):
        # skorch creates the folder here; it is created at the first save instead, so that
        # building a net (e.g. in ``load``) writes nothing
        self._validate_filenames()
        self.fit_key_ = ""
        self.start_epoch_ = 0
        self.max_epochs_ = None
        self.loaded_finished_ = False
        self.pending_schedulers_ = []
        return self

    def on_train_begin(self, net, **kwargs) -> None:
        # the schedulers exist now (built by their own on_train_begin from the restored
        # history); give them the state they had when the checkpoint was written
        for cb, state in zip(_schedulers(net), self.pending_schedulers_):
            cb.lr_scheduler_.load_state_dict(state)
        self.pending_schedulers_ = []

    def save_model(self, net, finished: bool = False) -> None:
        payload = {
            "format": FORMAT,
            "fit_key": self.fit_key_,
            "finished": finished,
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "history": json.dumps(net.history.to_list()),
            "rng": torch.get_rng_state(),
            "batch_rng": _batch_rng_state(net),
            "early_stopping": [early_stopping_state(cb) for cb in _early_stoppings(net)],
            "schedulers": [
                cb.lr_scheduler_.state_dict()
                for cb in _schedulers(net)
                if cb.lr_scheduler_ is not None
            ],
        }
        payload["checksum"] = checksum(payload)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(self.path) as tmp:  # a kill leaves the last complete checkpoint
            torch.save(payload, tmp)

    def on_train_end(self, net, **kwargs) -> None:
        max_epochs = self.max_epochs_ if self.max_epochs_ is not None else net.max_epochs
        stopped = any(early_stopping_triggered(cb) for cb in _early_stoppings(net))
        done = len(net.history) - self.start_epoch_  # a warm start's history has earlier fits
        if done > 0 and (done >= max_epochs or stopped) and not self.loaded_finished_:
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


def read_checkpoint(path: Path) -> dict:
    """The verified payload of a checkpoint file, or a ValueError that names the file and
    says what to do."""
    fix = (
        f"Delete the folder {str(path.parent)!r} to start this fit afresh (the other fits in "
        "checkpoint_dir are not affected)."
    )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # empty, truncated or foreign files raise many types
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"The checkpoint {str(path)!r} cannot be read ({path.stat().st_size} bytes; "
            f"{reason}): it is empty, truncated or not a checkpoint. {fix}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(
            f"{str(path)!r} is not a checkpoint of this version of sklrnn (expected format "
            f"{FORMAT!r}, found {found!r}). {fix}"
        )
    if payload.get("checksum") != checksum(payload):
        raise ValueError(
            f"The checkpoint {str(path)!r} is damaged: its checksum does not match its contents "
            f"(weights or training state changed after it was written). {fix}"
        )
    return payload


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ValueError(
            f"checkpoint_dir={str(folder)!r} is a file; checkpoint_dir must be a folder (it is "
            "created if missing). Choose another path."
        )
    if (folder / FILE_NAME).is_file():
        warnings.warn(
            f"{str(folder / FILE_NAME)!r} was written by an earlier version of sklrnn, which kept "
            "one checkpoint per folder; it is not resumed (each fit now has a subfolder of "
            "checkpoint_dir). Delete the file once that fit is no longer needed.",
            UserWarning,
            stacklevel=2,
        )


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
        _check_folder(Path(checkpoint.dirname))
        checkpoint.fit_key_ = fit_fingerprint(checkpoint.params_key, net, X)
        checkpoint.start_epoch_ = len(net.history)
        checkpoint.max_epochs_ = net.max_epochs
        if not checkpoint.path.exists():
            return
        payload = read_checkpoint(checkpoint.path)
        if payload["fit_key"] != checkpoint.fit_key_:
            raise ValueError(
                f"The checkpoint {str(checkpoint.path)!r} belongs to another fit (its "
                "fingerprint differs from this fit's). Delete its folder to start this fit "
                "afresh."
            )
        net.module_.load_state_dict(payload["module"])
        load_optimizer_state(net.optimizer_, payload["optimizer"])
        net.history_ = History(json.loads(payload["history"]))
        torch.set_rng_state(payload["rng"])
        _set_batch_rng_state(net, payload["batch_rng"])
        for cb, state in zip(_early_stoppings(net), payload["early_stopping"]):
            set_early_stopping_state(cb, state)
        checkpoint.pending_schedulers_ = payload["schedulers"]
        checkpoint.loaded_finished_ = payload["finished"]
        done = len(net.history) - checkpoint.start_epoch_
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
