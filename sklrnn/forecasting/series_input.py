"""Reading the inputs of a SeriesForecaster: series matched by identity, frames by name, scaling.

At ``fit`` the series, their covariates and their scaling statistics are read and the names
are recorded; at ``predict`` every input is matched with what the fit saw:

- series by identity: a dict by its keys (a model fitted on a list has the keys 0, 1, ...), a
  list by position, checked where the data allow it (the names of pandas Series and the
  columns of frames at each position, and, in a list, a time index that must not end before
  the fitted series began);
- columns of frames (target and covariates) by name and order, as scikit-learn checks feature
  names: a reordered or renamed column is refused, with the order the fit had;
- time indexes: regular (no gap) at fit, time zones and index kinds consistent.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .series_data import (
    calendar_features,
    check_range,
    read_aligned,
    read_many,
)

_ROLES = ("past_covariates", "future_covariates")


class SeriesInputMixin:
    """``_read`` of :class:`~sklrnn.forecasting.SeriesForecaster` and the checks it runs."""

    def _n_val_rows(self, n_rows: int) -> int:
        return math.ceil(self.validation_fraction * n_rows)

    def _read(self, series, past, future, *, fit: bool, extra: int = 0):
        """Read and scale the inputs; match them with the fit's unless ``fit``.

        Returns a :class:`Read` with, per series given: the scaled ``(target, past, future)``
        arrays, the series, the fitted slot it takes and its scaling statistics; and the keys
        and layout of the input.
        """
        tgts, keys, layout = read_many(series, "series", regular=fit)
        slots = list(range(len(tgts))) if fit else self._slots(tgts, keys, layout)
        n_c = tgts[0].values.shape[1] if fit else self.n_channels_
        for i, s in enumerate(tgts):
            if s.values.shape[1] != n_c:
                raise ValueError(
                    f"series[{keys[i]!r}] has {s.values.shape[1]} channels; expected {n_c} (the "
                    "same for every series)."
                )
            if not fit:
                self._check_series(s, slots[i], _where("series", keys[i], layout), layout)
        cov_keys = keys if layout == "dict" else None
        pasts, past_cols = read_aligned(past, tgts, "past_covariates", keys=cov_keys)
        futures, fut_cols = read_aligned(
            future, tgts, "future_covariates", keys=cov_keys, extra=extra
        )
        columns = (
            _same_columns(past_cols, "past_covariates"),
            _same_columns(fut_cols, "future_covariates"),
        )
        if not fit:
            for role, got, n_got, k in zip(_ROLES, columns, (pasts, futures), range(2)):
                self._check_columns(role, got, n_got[0].shape[1], k)
        cal = [calendar_features(s.index, self.calendar or (), len(s.values), extra) for s in tgts]
        if fit:
            stats = [self._fit_stats(t.values, p, f) for t, p, f in zip(tgts, pasts, futures)]
        else:
            stats = [self._stats[j] for j in slots]
        scaled = []
        for i, (s, p, f, c, st) in enumerate(zip(tgts, pasts, futures, cal, stats)):
            (mt, sd_t), (mp, sd_p), (mf, sd_f) = st
            arrays = ((s.values - mt) / sd_t, (p - mp) / sd_p, np.hstack([(f - mf) / sd_f, c]))
            for name, values in zip(("series", *_ROLES), arrays):
                check_range(values, _where(name, keys[i], layout), after=" after scaling")
            scaled.append(arrays)
        return Read(scaled, tgts, slots, stats, keys, layout, columns)

    def _fit_stats(self, target, past, future):
        border = len(target) - self._n_val_rows(len(target))
        stats = []
        for values in (target, past, future[: len(target)]):
            if not self.scale or values.shape[1] == 0:
                stats.append((np.zeros(values.shape[1]), np.ones(values.shape[1])))
                continue
            std = values[:border].std(axis=0)
            stats.append((values[:border].mean(axis=0), np.where(std > 0, std, 1.0)))
        return stats

    # ------------------------------------------------------------ matching
    def _slots(self, tgts, keys, layout) -> list[int]:
        """The fitted series each given series is: by key for a dict, else by position."""
        known = list(self._keys)
        if layout == "dict":
            unknown = [k for k in keys if k not in known]
            if unknown:
                raise ValueError(
                    f"series has the key(s) {unknown}, which the fit did not see; its series "
                    f"have the keys {known} (positions, if it was fitted on a list)."
                )
            return [known.index(k) for k in keys]
        if len(tgts) != self.n_series_:
            raise ValueError(
                f"The forecaster was fitted on {self.n_series_} series; got {len(tgts)}. Pass "
                "the same series (extended in time), in the order of fit, or a dict "
                f"{{key: series}} of those to forecast (keys: {known})."
            )
        return list(range(len(tgts)))

    def _check_series(self, s, slot: int, where: str, layout: str) -> None:
        """Names of a series against those of the fitted series ``slot``; for a list given to
        a global model, also its time span (a dict states the identity of each series)."""
        index, columns, kind = self._meta[slot]
        if kind in ("frame", "pdseries") and s.kind in ("frame", "pdseries"):
            named = [c for c in columns if c is not None]
            if named and list(s.columns) != list(columns):
                raise ValueError(
                    f"{where} has the column(s) {list(s.columns)}, but the series fitted in its "
                    f"place has {list(columns)}. " + _column_fix(s.columns, columns, where)
                )
        start = self._starts[slot]
        comparable = layout == "list" and start is not None and type(s.index) is type(start)
        if comparable and s.index[-1] < start[0]:
            raise ValueError(
                f"{where} ends at {s.index[-1]}, before the series fitted in its place began "
                f"({start[0]}): it is not that series. Series are matched by position (or by "
                "key): pass them in the order of fit, or as a dict {key: series}."
            )

    def _check_columns(self, role: str, got, n_got: int, k: int) -> None:
        want = self._cov_columns[k]
        if want is None or n_got == 0:
            return
        if got is None:
            warnings.warn(
                f"{role} has no column names, but the fit's had {list(want)}; its columns "
                "are matched by position. Pass a DataFrame to have them checked by name.",
                UserWarning,
                stacklevel=5,
            )
        elif list(got) != list(want):
            raise ValueError(
                f"{role} has the columns {list(got)}, but the fit had {list(want)}. "
                + _column_fix(got, want, role)
            )


class Read:
    """What :meth:`SeriesInputMixin._read` returns."""

    def __init__(self, scaled, tgts, slots, stats, keys, layout, columns) -> None:
        self.scaled, self.tgts, self.slots, self.stats = scaled, tgts, slots, stats
        self.keys, self.layout, self.columns = keys, layout, columns


def _where(name: str, key, layout: str) -> str:
    return name if layout == "one" else f"{name}[{key!r}]"


def _same_columns(columns, role: str):
    """The covariate columns every series shares (None for arrays); different ones are refused."""
    if columns is None:
        return None
    first = columns[0]
    for i, other in enumerate(columns[1:], 1):
        if (other is None) != (first is None) or (first is not None and list(other) != first):
            raise ValueError(
                f"{role}[{i}] has the columns {other}, but {role}[0] has {first}: the covariates "
                "of every series must have the same columns, in the same order."
            )
    return None if first is None else list(first)


def _column_fix(got, want, where: str) -> str:
    """How to give the fit's columns: reorder, or the names that differ."""
    if sorted(map(str, got)) == sorted(map(str, want)) and len(got) == len(want):
        return f"Columns are matched by name and order: pass {where}[{list(want)}]."
    missing = [c for c in want if c not in list(got)]
    unexpected = [c for c in got if c not in list(want)]
    return (
        f"Missing: {missing}; not seen at fit: {unexpected}. Rename the columns as at fit, or "
        "refit the forecaster on the new ones."
    )
