"""Series input for the series-level forecaster: arrays, time-indexed frames and lists of them.

A series is read into a float64 array of shape ``(n_timesteps, n_channels)`` plus what is needed
to hand forecasts back in the user's layout (index, column names, 1-D or 2-D, pandas or not).
pandas is never imported here: frames are recognised by their attributes and the few pandas
calls (next timestamps) go through the objects themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._engine.sequences import FLOAT32_MAX

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


def read_one(obj, name: str, *, regular: bool = False) -> Series:
    """Read a ``(T,)`` / ``(T, C)`` array, a DataFrame or a pandas Series.

    With ``regular``, a time index must have one step between all its rows
    (:func:`check_regular`).
    """
    if obj is None:
        raise ValueError(f"{name} is None; pass an array, a DataFrame or a pandas Series.")
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
        if regular:
            check_regular(index, name)
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
        raise ValueError(
            f"{name} contains NaN or infinity. Impute or drop the missing steps (e.g. "
            "frame.interpolate()) before fit or predict."
        )
    check_range(values, name)
    return Series(values, index, columns, kind)


def check_range(values: np.ndarray, name: str, after: str = "") -> None:
    """Refuse values beyond float32, the precision the network computes in."""
    largest = float(np.abs(values).max()) if values.size else 0.0
    if largest > FLOAT32_MAX:
        raise ValueError(
            f"{name} holds values up to {largest:.3g}{after}, beyond float32 (about "
            f"{FLOAT32_MAX:.3g}), the precision the network computes in. Rescale it (e.g. "
            "divide it by a power of ten) and scale the forecasts back."
        )


def check_regular(index, name: str) -> None:
    """Refuse a time index with gaps or uneven steps, naming the first one and the fix."""
    import pandas as pd

    if len(index) < 3:
        return
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is not None or pd.infer_freq(index) is not None:
            return  # month ends and business days are regular, with uneven nanoseconds
        ticks = index.asi8
    elif isinstance(index, pd.PeriodIndex):
        ticks = index.asi8
    elif pd.api.types.is_numeric_dtype(index):
        ticks = np.asarray(index, dtype=np.float64)
    else:
        return  # labels without a time order: the rows are the steps
    steps = np.diff(ticks)
    values, counts = np.unique(steps, return_counts=True)
    if len(values) == 1:
        return
    usual = int(np.flatnonzero(steps == values[np.argmax(counts)])[0])
    first = int(np.flatnonzero(steps != steps[usual])[0])
    raise ValueError(
        f"The time index of {name} is not regular: {index[first]} is followed by "
        f"{index[first + 1]}, while most steps are {index[usual + 1] - index[usual]}. Windows "
        "would run across the gap. Fill the missing steps first, e.g. "
        "frame.asfreq(freq).interpolate() (or .ffill()), or pass an array if the rows are "
        "evenly spaced. (In a cross-validation, split with TimeSeriesSplit: its training rows "
        "have no hole.)"
    )


def layout_of(obj) -> str:
    """``"dict"``, ``"list"`` (a list or tuple of series) or ``"one"``."""
    if isinstance(obj, dict):
        return "dict"
    if isinstance(obj, (list, tuple)) and len(obj) and not np.isscalar(obj[0]):
        return "list"
    return "one"


def read_many(obj, name: str, *, regular: bool = False) -> tuple[list[Series], list, str]:
    """Read one series, a list / tuple of them or a dict of them.

    Returns the series, their keys (positions for a list, 0 for one series) and the layout
    (``"one"``, ``"list"`` or ``"dict"``).
    """
    layout = layout_of(obj)
    if layout == "dict":
        items = list(obj.items())
        if not items:
            raise ValueError(f"{name} is an empty dict; pass at least one series.")
    elif layout == "list":
        if any(isinstance(o, (list, tuple)) for o in obj):
            raise ValueError(
                f"{name} is a nested list: it could be one series of shape (T, C) or several "
                f"series. Pass np.asarray({name}) for one series, or a list of 1-D arrays "
                "(or frames) for several series."
            )
        items = list(enumerate(obj))
    else:
        return [read_one(obj, name, regular=regular)], [0], "one"
    where = "[{!r}]" if layout == "dict" else "[{}]"
    series = [read_one(o, name + where.format(k), regular=regular) for k, o in items]
    return series, [k for k, _ in items], layout


def read_aligned(
    obj, target: list[Series], name: str, *, keys=None, extra: int = 0
) -> tuple[list[np.ndarray], list | None]:
    """Covariates aligned with ``target``: the same rows, plus ``extra`` rows after the end.

    A frame is aligned by its index (every timestamp of the target, and for ``extra`` the next
    ones, must be present); an array by position from the first row of the target. A dict of
    covariates must have the keys of the series (``keys``), a list one item per series. Also
    returns the covariates' column names (None for arrays).
    """
    if obj is None:
        return [np.zeros((len(s.values) + extra, 0)) for s in target], None
    covs, cov_keys, layout = read_many(obj, name)
    if layout == "dict":
        missing = [k for k in keys or [] if k not in cov_keys]
        if keys is None or missing:
            raise ValueError(
                f"{name} is a dict, so it must hold the covariates of each series by the key of "
                f"the series; it lacks {missing or 'the series keys'}. Pass the series as a "
                "dict with the same keys."
            )
        covs = [covs[cov_keys.index(k)] for k in keys]
    elif len(covs) != len(target):
        raise ValueError(f"{name} holds {len(covs)} series, but the target holds {len(target)}.")
    out = []
    for i, (cov, tgt) in enumerate(zip(covs, target)):
        need = len(tgt.values) + extra
        where = name if len(covs) == 1 else f"{name}[{i}]"
        if tgt.index is not None and cov.index is not None:
            _check_same_kind_of_index(cov.index, tgt.index, where)
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
    columns = [c.columns if c.kind in ("frame", "pdseries") else None for c in covs]
    return out, columns


def _check_same_kind_of_index(cov_index, tgt_index, where: str) -> None:
    """Time stamps of different kinds never match: say so instead of finding no row."""
    kinds = [type(i).__name__ for i in (cov_index, tgt_index)]
    if kinds[0] != kinds[1] and "Index" not in kinds:
        raise ValueError(
            f"{where} is indexed by a {kinds[0]} and the series by a {kinds[1]}: their time "
            "stamps cannot match. Index both the same way (e.g. frame.to_timestamp())."
        )
    zones = [getattr(i, "tz", None) for i in (cov_index, tgt_index)]
    if (zones[0] is None) != (zones[1] is None):
        aware = "its index" if zones[0] is not None else "the series' index"
        raise ValueError(
            f"{where} and the series mix time-zone-aware and naive time stamps ({aware} has "
            f"the time zone {zones[0] or zones[1]}), which never match. Make both aware "
            "(frame.tz_localize(tz)) or both naive (frame.tz_convert(None))."
        )


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
