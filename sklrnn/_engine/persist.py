"""The weights-only file format of ``save`` / ``load``: plain values, a checksum, atomic writes.

``torch.load(weights_only=True)`` reads tensors and plain Python values (None, bool, int, float,
str, bytes, lists, tuples, dicts) and refuses anything else, so that loading never runs code
from the file. :func:`encode` turns what estimators hold (numpy scalars and arrays, a
``RandomState``, datetime labels) into such values, tagged so that :func:`decode` restores them
exactly; whatever it cannot encode is refused with an error naming it, before anything is
written. :func:`checksum` covers the weights and the rest of the payload; :func:`read_payload`
verifies it, so a damaged file raises instead of loading wrong weights.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..utils._io import atomic_write
from .budget import TrainingBudget

FORMAT = "sklrnn-weights-2"
_TAG = "__sklrnn_value__"
_PLAIN = (type(None), bool, int, float, str, bytes)


def encode(value: Any, where: str) -> Any:
    """``value`` as plain values that a weights-only load reads back; ``where`` names it."""
    if isinstance(value, np.generic):  # numpy scalars, np.datetime64 included
        return {_TAG: "ndarray", "array": encode(np.asarray(value), where), "scalar": True}
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        items = [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        if _TAG in value:
            raise ValueError(f"{where}: the key {_TAG!r} is reserved by save().")
        keys = [encode(k, f"a key of {where}") for k in value]
        if all(isinstance(k, (str, int, bool, type(None))) for k in keys):
            return {k: encode(v, f"{where}[{k!r}]") for k, v in zip(keys, value.values())}
        values = [encode(v, f"{where}[{k!r}]") for k, v in value.items()]
        return {_TAG: "dict", "items": list(zip(keys, values))}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "Mm":  # datetime64 / timedelta64: exact integer ticks
            values = value.view(np.int64).tolist()
        elif value.dtype.kind == "O":
            values = [encode(v, f"{where}[{i}]") for i, v in enumerate(value.ravel().tolist())]
        elif value.dtype.kind in "biufcUS":
            values = value.ravel().tolist()
        else:
            raise ValueError(f"save() cannot store {where}: an array of dtype {value.dtype}.")
        return {
            _TAG: "ndarray",
            "dtype": value.dtype.str if value.dtype.kind != "O" else "O",
            "shape": list(value.shape),
            "values": values,
        }
    if isinstance(value, np.random.RandomState):
        name, keys, pos, has_gauss, cached = value.get_state()
        return {_TAG: "RandomState", "state": [name, keys.tolist(), pos, has_gauss, cached]}
    raise ValueError(
        f"save() cannot store {where} = {value!r} (a {type(value).__name__}) in its weights-only "
        "format; use plain numbers, strings, lists, dicts or numpy values, or pickle the "
        "estimator (joblib.dump) instead."
    )


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, tuple):
        return tuple(decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    kind = value.get(_TAG)
    if kind is None:
        return {k: decode(v) for k, v in value.items()}
    if kind == "dict":
        return {decode(k): decode(v) for k, v in value["items"]}
    if kind == "RandomState":
        name, keys, pos, has_gauss, cached = value["state"]
        rng = np.random.RandomState()
        rng.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
        return rng
    if kind == "ndarray" and value.get("scalar"):
        return decode(value["array"])[()]
    if kind == "ndarray":
        dtype = np.dtype(value["dtype"])
        if dtype.kind in "Mm":
            array = np.asarray(value["values"], dtype=np.int64).view(dtype)
        elif dtype.kind == "O":
            array = np.empty(len(value["values"]), dtype=object)
            array[:] = [decode(v) for v in value["values"]]
        else:
            array = np.asarray(value["values"], dtype=dtype)
        return array.reshape(value["shape"])
    raise ValueError(f"unknown stored value kind {kind!r}")


def hash_tensor(digest, label: str, tensor: torch.Tensor) -> None:
    """Feed ``tensor`` into the hashlib ``digest``: ``label``, dtype, shape, then its bytes."""
    tensor = tensor.detach().cpu().contiguous()
    digest.update(f"{label}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
    digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())


def checksum(payload: dict) -> str:
    """sha256 over the weights (names, dtypes, shapes, bytes) and the rest of the payload."""
    digest = hashlib.sha256()
    for key in sorted(payload["state_dict"]):
        hash_tensor(digest, key, payload["state_dict"][key])
    rest = {k: v for k, v in payload.items() if k not in ("state_dict", "checksum")}
    digest.update(repr(rest).encode())
    return digest.hexdigest()


def write_atomic(payload: dict, path) -> None:
    """``torch.save`` through :func:`~sklrnn.utils._io.atomic_write`: a failure while writing
    leaves any previous file at ``path`` as it was."""
    with atomic_write(path) as tmp:
        torch.save(payload, tmp)


def read_payload(path, cls_name: str) -> dict:
    """The verified payload of a file written by ``save``, or a ValueError that says why not."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {str(path)!r}.")
    what = f"{str(path)!r} is not a file written by {cls_name}.save()"
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # empty, truncated, foreign or damaged files raise many types
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        size = path.stat().st_size
        raise ValueError(
            f"{what}, or it is damaged: it could not be read ({size} bytes; {reason})."
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise ValueError(f"{what} (expected format {FORMAT!r}, found {found!r}).")
    if payload.get("class") != cls_name:
        raise ValueError(f"{what} (found class {payload.get('class')!r}).")
    if payload.get("checksum") != checksum(payload):
        raise ValueError(
            f"{str(path)!r} is damaged: its checksum does not match its contents (weights or "
            "parameters changed after save). Restore the file from a copy."
        )
    return payload


class PersistenceMixin:
    """``save`` and ``load`` of the estimators, in the format above.

    The estimator provides ``net_``, ``_make_net`` and the two hooks ``_module_metadata`` (what
    ``load`` needs besides the weights) and ``_restore`` (the bare module rebuilt from it).
    """

    def save(self, path) -> None:
        """Save hyperparameters and weights to ``path`` in a weights-only format.

        The file is read back by :meth:`load` with ``torch.load(weights_only=True)``: loading
        it never executes code from the file. Numpy scalars and arrays, a ``RandomState``
        ``random_state`` and datetime labels are stored exactly; a value that cannot be stored
        (user ``callbacks``, a custom optimizer class, other objects) raises a ValueError
        before anything is written. The file is written to a temporary file beside ``path``
        and renamed onto it, so a failure never leaves a truncated file; it carries a
        checksum of the weights and parameters that :meth:`load` verifies.

        Parameters
        ----------
        path : str or path-like
            Destination file.
        """
        write_atomic(self._payload(), path)

    def _payload(self) -> dict:
        """The checksummed payload :meth:`save` writes (its ``state_dict`` holds the weights)."""
        check_is_fitted(self, "net_")
        params = self.get_params(deep=False)
        if params.get("callbacks") or not isinstance(params.get("optimizer"), str):
            raise ValueError(
                "save() stores only plain parameters; this estimator has callbacks or a custom "
                "optimizer class. Use pickle or joblib.dump for it."
            )
        state = {k: v.detach().cpu().clone() for k, v in self.net_.module_.state_dict().items()}
        payload = {
            "format": FORMAT,
            "class": type(self).__name__,
            "params": encode(params, "the parameter"),
            "fitted": encode(self._module_metadata(), "the fitted attribute"),
            "state_dict": state,
        }
        payload["checksum"] = checksum(payload)
        return payload

    def _module_metadata(self) -> dict:
        """Plain values (lists, numbers, strings) that ``_restore`` needs to rebuild the model."""
        return {
            "n_features_in_": self.n_features_in_,
            "step_shape_": list(self.step_shape_),
            "loss_curve_": self.loss_curve_,
            "budget_": list(vars(self.budget_).values()),
        }

    def _restore(self, fitted: dict) -> torch.nn.Module:
        """Set the fitted attributes ``_module_metadata`` saved and return the bare module."""
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
        return cls._from_payload(read_payload(path, cls.__name__), device)

    @classmethod
    def _from_payload(cls, payload: dict, device: str = "cpu"):
        """The fitted estimator of a verified payload (``params``, ``fitted``, ``state_dict``)."""
        params = cls._legacy_params | decode(payload["params"])
        est = cls(**params).set_params(device=device)
        fitted = decode(payload["fitted"])
        est.n_features_in_ = fitted["n_features_in_"]
        est.step_shape_ = tuple(fitted["step_shape_"])
        est.loss_curve_ = fitted["loss_curve_"]
        est.n_iter_ = len(est.loss_curve_)
        est.budget_ = TrainingBudget(*fitted["budget_"])
        module = est._restore(fitted)
        module.load_state_dict(payload["state_dict"])
        est.net_ = est._make_net(module, 0, est.budget_).initialize()
        est._fit_params = est.get_params(deep=False)
        return est
