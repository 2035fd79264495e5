"""Series input for the series-level forecaster: arrays, time-indexed frames and lists of them.

A series is read into a float64 array of shape ``(n_timesteps, n_channels)`` plus what is needed
to hand forecasts back in the user's layout (index, column names, 1-D or 2-D, pandas or not).
pandas is never imported here: frames are recognised by their attributes and the few pandas
calls (next timestamps) go through the objects themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CALENDAR = ("minute", "hour", "dayofweek", "dayofmonth", "dayofyear", "month")
_PERIODS = {
    "minute": 60,
    "hour": 24,
    "dayofweek": 7,
    "dayofmonth": 31,
    "dayofyear": 366,
    "month": 12,
}


@dataclass
class Series:
    """One validated series: values ``(T, C)`` and how to give forecasts back."""

    values: np.ndarray
    index: object = None  # the pandas index of a frame or Series, else None
    columns: list = field(default_factory=list)
    kind: str = "array2d"  # "array1d", "array2d", "frame" or "pdseries"


def _is_pandas(obj) -> bool:
    return hasattr(obj, "iloc") and hasattr(obj, "index")


def read_one(obj, name: str) -> Series:
    """Read a ``(T,)`` / ``(T, C)`` array, a DataFrame or a pandas Series."""
    if _is_pandas(obj):
        kind = "frame" if hasattr(obj, "columns") else "pdseries"
        columns = list(obj.columns) if kind == "frame" else [obj.name]
        index = obj.index
        try:
            values = np.asarray(obj.to_numpy(dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers only: {exc}") from None
        if not index.is_monotonic_increasing or not index.is_unique:
            raise ValueError(f"The index of {name} must be increasing and without duplicates.")
    else:
        index = None
        try:
            values = np.asarray(obj, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be an array of numbers: {exc}") from None
        kind = "array1d" if values.ndim == 1 else "array2d"
        columns = list(range(values.shape[1])) if values.ndim == 2 else [0]
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or values.size == 0:
        raise ValueError(
            f"{name} must be of shape (n_timesteps,) or (n_timesteps, n_channels), a DataFrame or "
            f"a list of them; got shape {np.shape(obj)}."
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return Series(values, index, columns, kind)


def read_many(obj, name: str) -> tuple[list[Series], bool]:
    """Read one series or a list / tuple of them; also say whether a list was given."""
    if isinstance(obj, (list, tuple)) and len(obj) and not np.isscalar(obj[0]):
        return [read_one(o, f"{name}[{i}]") for i, o in enumerate(obj)], True
    return [read_one(obj, name)], False


def read_aligned(obj, target: list[Series], name: str, *, extra: int = 0) -> list[np.ndarray]:
    """Covariates aligned with ``target``: the same rows, plus ``extra`` rows after the end.

    A frame is aligned by its index (every timestamp of the target, and for ``extra`` the next
    ones, must be present); an array by position from the first row of the target.
    """
    if obj is None:
        return [np.zeros((len(s.values) + extra, 0)) for s in target]
    covs, _ = read_many(obj, name)
    if len(covs) != len(target):
        raise ValueError(f"{name} holds {len(covs)} series, but the target holds {len(target)}.")
    out = []
    for i, (cov, tgt) in enumerate(zip(covs, target)):
        need = len(tgt.values) + extra
        where = name if len(covs) == 1 else f"{name}[{i}]"
        if tgt.index is not None and cov.index is not None:
            wanted = tgt.index if not extra else tgt.index.append(future_index(tgt.index, extra))
            positions = cov.index.get_indexer(wanted)
            if (positions < 0).any():
                missing = wanted[positions < 0]
                raise ValueError(
                    f"{where} has no row for {len(missing)} time stamp(s) it needs, from "
                    f"{missing[0]}; its index must cover the target's"
                    + (f" and the {extra} steps after it." if extra else ".")
                )
            out.append(cov.values[positions])
            continue
        if len(cov.values) < need:
            raise ValueError(
                f"{where} has {len(cov.values)} rows; it needs {need} (the target's "
                f"{len(tgt.values)} rows" + (f" and the {extra} after them)." if extra else ").")
            )
        out.append(cov.values[:need])
    return out


def future_index(index, n: int):
    """The ``n`` time stamps after the end of a pandas index."""
    import pandas as pd

    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1], periods=n + 1, name=index.name)[1:]
    if isinstance(index, pd.DatetimeIndex):
        freq = index.freq or (pd.infer_freq(index) if len(index) > 2 else None)
        if freq is None:
            raise ValueError(
                "The time index has no regular frequency (index.freq and pandas.infer_freq "
                "give none), so the time stamps of the forecast are unknown; pass a series "
                "with a regular index."
            )
        return pd.date_range(index[-1], periods=n + 1, freq=freq, name=index.name)[1:]
    step = index[-1] - index[-2] if len(index) > 1 else 1
    return pd.Index(index[-1] + step * np.arange(1, n + 1), name=index.name)


def calendar_features(index, names, n_rows: int, n_extra: int = 0) -> np.ndarray:
    """Sine and cosine of each calendar field of ``index`` (and of ``n_extra`` later stamps)."""
    if not names:
        return np.zeros((n_rows + n_extra, 0))
    if index is None or not hasattr(index, "dayofweek"):
        raise ValueError(
            f"calendar={list(names)} needs a DataFrame or Series with a DatetimeIndex; the "
            "series has no time index."
        )
    if n_extra:
        index = index.append(future_index(index, n_extra))
    columns = []
    for name in names:
        value = np.asarray(getattr(index, "day" if name == "dayofmonth" else name), float)
        angle = 2 * np.pi * value / _PERIODS[name]
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1)


def pack(target, past, future, lookback: int, horizon: int, origins) -> np.ndarray:
    """Windows ``[n, L + H, C + P + F]`` at ``origins`` (first forecast row of each).

    Rows ``[o - L, o)`` of target, past and future covariates fill the first ``L`` rows; the
    last ``H`` rows hold the future covariates of rows ``[o, o + H)`` and zeros elsewhere, so
    no value of the target or of a past covariate at or after the origin is ever packed.
    """
    origins = np.asarray(origins, dtype=np.int64)
    n_c, n_p, n_f = target.shape[1], past.shape[1], future.shape[1]
    out = np.zeros((len(origins), lookback + horizon, n_c + n_p + n_f), dtype=np.float32)
    rows = origins[:, None] + np.arange(-lookback, 0)[None, :]  # [n, L]
    out[:, :lookback, :n_c] = target[rows]
    out[:, :lookback, n_c : n_c + n_p] = past[rows]
    if n_f:
        all_rows = origins[:, None] + np.arange(-lookback, horizon)[None, :]  # [n, L + H]
        out[:, :, n_c + n_p :] = future[all_rows]
    return out


def targets(target, horizon: int, origins) -> np.ndarray:
    """The ``H`` rows of ``target`` from each origin: ``[n, H, C]``."""
    rows = np.asarray(origins, np.int64)[:, None] + np.arange(horizon)[None, :]
    return target[rows].astype(np.float32)
