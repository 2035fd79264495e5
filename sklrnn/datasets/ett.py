"""Electricity Transformer Temperature (ETT) data sets, with the long-term forecasting splits."""

from __future__ import annotations

import csv
import os

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

from ..utils.validation import check_positive_int
from ._fetch import fetch_file

__all__ = ["load_ett"]

_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/{name}.csv"
# Only ETTh1 has a reference copy whose checksum is known here; the others are not checked.
_SHA256: dict[str, str | None] = {
    "ETTh1": "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
    "ETTh2": None,
    "ETTm1": None,
    "ETTm2": None,
}
_COLUMNS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
_HOURS_PER_MONTH = 30 * 24

_DESCR = """\
Electricity Transformer Temperature ({name})
--------------------------------------------

Two years (2016-07 to 2018-06) of one electricity transformer in China, sampled {every}:
six power load features (High/Middle/Low UseFul and UseLess Load: HUFL, HULL, MUFL, MULL,
LUFL, LULL) and the oil temperature OT. {n_rows} rows, 7 columns.

Long-term forecasting protocol (Zhou et al., Informer, AAAI 2021; used by SegRNN, PatchTST,
DLinear): rows are split in time into 12 months of training, 4 of validation and 4 of test
(months of 30 days); later rows are unused. A StandardScaler fitted on the training rows of all
7 columns scales every row, every channel is both input and target, and errors are reported on
the scaled data. The validation and test segments start ``lookback`` rows before their borders
so that their first window's look-back lies before the border and no target is lost.

Borders ({name}): train [{b0}, {b1}), validation [{b1}, {b2}), test [{b2}, {b3}).

Licence: CC BY-ND 4.0. Source: https://github.com/zhouhaoyi/ETDataset
"""


def _borders(name: str) -> tuple[int, int, int, int]:
    per_month = _HOURS_PER_MONTH * (4 if name.startswith("ETTm") else 1)
    return 0, 12 * per_month, 16 * per_month, 20 * per_month


def _read_csv(path: os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip() for h in header] != ["date", *_COLUMNS]:
            raise ValueError(
                f"{path} does not look like an ETT file: expected the columns "
                f"{['date', *_COLUMNS]}, got {header}."
            )
        rows = [row for row in reader if row]
    dates = np.array([row[0] for row in rows], dtype="datetime64[s]")
    values = np.array([row[1:] for row in rows], dtype=np.float64)
    return dates, values


def load_ett(
    name: str = "ETTh1",
    *,
    lookback: int = 720,
    data_home: str | os.PathLike | None = None,
    scale: bool = True,
    as_frame: bool = False,
    download_if_missing: bool = True,
) -> Bunch:
    """Load an ETT data set and its train / validation / test segments.

    The file ``ett/{name}.csv`` is read from the data home (see
    :func:`~sklrnn.datasets.get_data_home`) and downloaded from the ETDataset repository when it
    is missing. The segments follow the long-term forecasting protocol: with ``B`` the borders
    ``(0, 12, 16, 20)`` months (of 30 days), ``train`` holds the rows ``[B0, B1)``, ``val`` the
    rows ``[B1 - lookback, B2)`` and ``test`` the rows ``[B2 - lookback, B3)``, so that
    ``make_windows(data.test, lookback, horizon)`` gives exactly the protocol's test windows.

    Parameters
    ----------
    name : {"ETTh1", "ETTh2", "ETTm1", "ETTm2"}, default="ETTh1"
        Hourly (``h``) or 15-minute (``m``) data of transformer 1 or 2.
    lookback : int, default=720
        Look-back length ``L`` the validation and test segments are extended by; 0 gives the
        bare segments. At most the number of training rows.
    data_home : str or path-like, default=None
        Folder holding ``ett/{name}.csv``; default: ``SKLRNN_DATA_HOME``, else ``~/sklrnn_data``.
    scale : bool, default=True
        Standardise every column with a StandardScaler fitted on the training rows.
    as_frame : bool, default=False
        Also return ``frame``: ``data`` as a pandas DataFrame indexed by time (with its
        frequency), the input :class:`~sklrnn.forecasting.SeriesForecaster` takes.
    download_if_missing : bool, default=True
        If False, raise an OSError instead of downloading a missing file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n_rows, 7)
            All rows, float32, scaled when ``scale``.
        train, val, test : ndarray of shape (n_rows_split, 7)
            Views of ``data``: the segments described above.
        dates : ndarray of shape (n_rows,)
            Time stamp of every row, ``datetime64[s]``.
        frame : DataFrame of shape (n_rows, 7)
            Only with ``as_frame=True``: ``data`` with the column names, indexed by ``dates``.
        feature_names : list of str
            The 7 column names; ``"OT"`` (oil temperature) is the classic univariate target.
        borders : tuple of int
            ``(B0, B1, B2, B3)``, the row borders of the splits before the look-back extension.
        lookback : int
            The ``lookback`` used for ``val`` and ``test``.
        scaler : StandardScaler or None
            The scaler fitted on the training rows; None when ``scale=False``. Use its
            ``inverse_transform`` to return to the original units.
        DESCR : str
            Description of the data set and protocol.

    Raises
    ------
    OSError
        If the file is missing and cannot be downloaded; the message names the expected path.
    ValueError
        If ``name`` is unknown, the checksum does not match, or the file has too few rows.

    Notes
    -----
    The sha256 of ``ETTh1.csv`` is checked; no reference checksum is known for the other three
    files, which are read unchecked.

    Examples
    --------
    >>> from sklrnn.datasets import load_ett
    >>> from sklrnn.features import make_windows
    >>> ett = load_ett("ETTh1", lookback=720)  # doctest: +SKIP
    >>> X_test, y_test = make_windows(ett.test, lookback=720, horizon=96)  # doctest: +SKIP
    >>> X_test.shape  # doctest: +SKIP
    (2785, 720, 7)
    """
    if name not in _SHA256:
        raise ValueError(f"name must be one of {sorted(_SHA256)}; got {name!r}.")
    borders = _borders(name)
    check_positive_int(lookback, "lookback", minimum=0)
    if lookback > borders[1]:
        raise ValueError(
            f"lookback={lookback} is longer than the {borders[1]} training rows of {name}."
        )
    path = fetch_file(
        f"ett/{name}.csv",
        url=_URL.format(name=name),
        sha256=_SHA256[name],
        data_home=data_home,
        download_if_missing=download_if_missing,
    )
    dates, values = _read_csv(path)
    if len(values) < borders[3]:
        raise ValueError(
            f"{path} has {len(values)} rows; the {name} protocol needs at least {borders[3]}."
        )
    scaler = None
    if scale:
        scaler = StandardScaler().fit(values[borders[0] : borders[1]])
        values = scaler.transform(values)
    data = np.ascontiguousarray(values, dtype=np.float32)
    every = "every 15 minutes" if name.startswith("ETTm") else "hourly"
    b0, b1, b2, b3 = borders
    extra = {}
    if as_frame:
        import pandas as pd

        index = pd.DatetimeIndex(dates, freq="15min" if name.startswith("ETTm") else "h")
        extra["frame"] = pd.DataFrame(data, index=index, columns=list(_COLUMNS))
    return Bunch(
        **extra,
        data=data,
        train=data[b0:b1],
        val=data[b1 - lookback : b2],
        test=data[b2 - lookback : b3],
        dates=dates,
        feature_names=list(_COLUMNS),
        borders=borders,
        lookback=lookback,
        scaler=scaler,
        DESCR=_DESCR.format(name=name, every=every, n_rows=len(data), b0=b0, b1=b1, b2=b2, b3=b3),
    )
