"""``save`` / ``load`` of a fitted SeriesForecaster in the engine's weights-only format.

The file holds the forecaster's parameters, its fitted state (scaling statistics, quantile
levels and offsets, the identities, column names and tails of the series, ...) and its window
estimator (parameters, fitted metadata and weights), in one payload written by
:mod:`sklrnn._engine.persist`: plain values only (loading runs no code from the file), a
checksum over weights and state, an atomic write. pandas indexes and frames, which that format
does not know, are first turned into tagged plain values here and restored exactly (time stamps,
time zone, frequency, names).
"""

from __future__ import annotations

import numpy as np

from .._engine.persist import FORMAT, checksum, decode, encode, read_payload, write_atomic
from .segrnn import SegRNNForecaster
from .windows import PackedSegRNN

_PANDAS = "__sklrnn_pandas__"


def _plain(value):
    """``value`` with every pandas index, frame and Series turned into tagged plain values."""
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if not hasattr(value, "to_numpy") or isinstance(value, np.ndarray):
        return value
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {
            _PANDAS: "frame",
            "values": value.to_numpy(),
            "columns": list(value.columns),
            "index": _plain(value.index),
        }
    if isinstance(value, pd.Series):
        return {
            _PANDAS: "series",
            "values": value.to_numpy(),
            "name": value.name,
            "index": _plain(value.index),
        }
    out = {_PANDAS: "index", "name": value.name}
    if isinstance(value, pd.DatetimeIndex):
        tz = None if value.tz is None else str(value.tz)
        naive = value if tz is None else value.tz_convert("UTC").tz_localize(None)
        return out | {
            "kind": "datetime",
            "values": naive.to_numpy(),
            "tz": tz,
            "freq": value.freqstr,
        }
    if isinstance(value, pd.PeriodIndex):
        return out | {"kind": "period", "values": value.asi8.copy(), "freq": value.freqstr}
    if isinstance(value, pd.RangeIndex):
        return out | {"kind": "range", "values": [value.start, value.stop, value.step]}
    if isinstance(value, pd.Index):
        return out | {"kind": "index", "values": value.to_numpy()}
    raise ValueError(
        f"save() cannot store a {type(value).__name__} in its weights-only format; pickle the "
        "forecaster (joblib.dump) instead."
    )


def _pandas(value):
    """The inverse of :func:`_plain`."""
    if isinstance(value, (list, tuple)):
        items = [_pandas(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if not isinstance(value, dict):
        return value
    kind = value.get(_PANDAS)
    if kind is None:
        return {k: _pandas(v) for k, v in value.items()}
    import pandas as pd

    if kind == "frame":
        return pd.DataFrame(
            value["values"], index=_pandas(value["index"]), columns=value["columns"]
        )
    if kind == "series":
        return pd.Series(value["values"], index=_pandas(value["index"]), name=value["name"])
    name, values = value["name"], value["values"]
    if value["kind"] == "datetime":
        index = pd.DatetimeIndex(values, name=name)
        if value["tz"] is not None:
            index = index.tz_localize("UTC").tz_convert(value["tz"])
        return pd.DatetimeIndex(index, freq=value["freq"], name=name)
    if value["kind"] == "period":
        return pd.PeriodIndex.from_ordinals(values, freq=value["freq"]).rename(name)
    if value["kind"] == "range":
        return pd.RangeIndex(*values, name=name)
    return pd.Index(values, name=name)


def save(model, path) -> None:
    """Write the fitted ``model`` (a SeriesForecaster) to ``path``."""
    params = model.get_params(deep=False)
    estimator = params.pop("estimator")
    inner = model.estimator_._payload()
    state = {k: v for k, v in vars(model).items() if k not in params and k != "estimator"}
    state.pop("estimator_")
    payload = {
        "format": FORMAT,
        "class": type(model).__name__,
        "params": encode(params, "the parameter"),
        "estimator": None if estimator is None else encode(estimator.get_params(), "estimator"),
        "fitted": encode(_plain(state), "the fitted attribute"),
        "window_estimator": {k: inner[k] for k in ("params", "fitted")},
        "state_dict": inner["state_dict"],
    }
    payload["checksum"] = checksum(payload)
    write_atomic(payload, path)


def load(cls, path, device: str = "cpu"):
    """The SeriesForecaster of class ``cls`` written by :func:`save` to ``path``."""
    payload = read_payload(path, cls.__name__)
    params = decode(payload["params"])
    if payload["estimator"] is not None:
        params["estimator"] = SegRNNForecaster(**decode(payload["estimator"]))
    model = cls(**params)
    for name, value in _pandas(decode(payload["fitted"])).items():
        setattr(model, name, value)
    inner = dict(payload["window_estimator"], state_dict=payload["state_dict"])
    model.estimator_ = PackedSegRNN._from_payload(inner, device)
    return model
