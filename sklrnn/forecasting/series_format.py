"""Forecasts handed back in the layout of the series they continue."""

from __future__ import annotations

import numpy as np

from .series_data import future_index


def format_forecast(values: np.ndarray, meta, *, H: int, quantiles=None, coverage=None):
    """``values`` of shape ``[H, C, ...]`` in the layout of the series ``meta`` describes.

    Arrays: a 1-D series drops the channel axis. Frames and pandas Series: a DataFrame indexed
    by the ``H`` time stamps after the series' end, with the series' columns for point forecasts,
    ``(column, alpha)`` columns for quantiles and ``(column, coverage, "lower"/"upper")``
    columns for intervals (sktime's layouts); a point forecast of a pandas Series is a Series.
    """
    index, columns, kind = meta
    if kind == "array1d":
        return values[:, 0]
    if kind == "array2d":
        return values
    import pandas as pd

    future = future_index(index, H)
    if quantiles is None and coverage is None:
        if kind == "pdseries":
            return pd.Series(values[:, 0], index=future, name=columns[0])
        return pd.DataFrame(values, index=future, columns=columns)
    if quantiles is not None:
        cols = pd.MultiIndex.from_product([columns, list(quantiles)])
    else:
        cols = pd.MultiIndex.from_product([columns, list(coverage), ["lower", "upper"]])
    return pd.DataFrame(values.reshape(H, -1), index=future, columns=cols)
