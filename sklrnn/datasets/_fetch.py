"""The fetch pattern shared by every loader: a data home, a checksum, a download when online."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import urllib.request
from pathlib import Path

from ..utils._io import atomic_write

logger = logging.getLogger(__name__)


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """Return the folder sklrnn reads data sets from.

    The folder is ``data_home`` when given, else the environment variable ``SKLRNN_DATA_HOME``,
    else ``~/sklrnn_data``. It is not created here.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit data folder.

    Returns
    -------
    path : pathlib.Path
        The data folder.

    Examples
    --------
    >>> from sklrnn.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get("SKLRNN_DATA_HOME", Path.home() / "sklrnn_data")
    return Path(data_home).expanduser()


def sha256sum(path: str | os.PathLike) -> str:
    """Hex sha256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file(
    relative_path: str,
    *,
    url: str | None,
    sha256: str | None,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> Path:
    """Return the path of a data file, downloading it when it is missing.

    Parameters
    ----------
    relative_path : str
        Path of the file inside the data home, e.g. ``"ett/ETTh1.csv"``.
    url : str or None
        Public address to download from; None when the file can only be placed by hand.
    sha256 : str or None
        Expected checksum; a file that does not match raises an error.
    data_home : str or path-like, default=None
        See :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise an error instead of downloading.

    Returns
    -------
    path : pathlib.Path
        The local file.

    Raises
    ------
    OSError
        When the file is missing and cannot be downloaded; the message says where to put it.
    ValueError
        When the checksum does not match.
    """
    home = get_data_home(data_home)
    path = home / relative_path
    if not path.exists():
        if not download_if_missing or url is None:
            raise OSError(_missing_message(path, url))
        path.parent.mkdir(parents=True, exist_ok=True)
        logger.info("Downloading %s to %s", url, path)
        try:
            with atomic_write(path) as tmp:  # a failed download leaves no partial file
                with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as f:
                    shutil.copyfileobj(response, f)
                _check_sha256(
                    tmp,
                    sha256,
                    f"The file downloaded from {url}",
                    f"It was not kept; download again, or place a verified copy at {path}.",
                )
        except OSError as exc:
            raise OSError(f"{_missing_message(path, url)} (download failed: {exc})") from exc
        return path
    _check_sha256(path, sha256, str(path), "Delete it and fetch it again.")
    return path


def _check_sha256(path: Path, sha256: str | None, what: str, fix: str) -> None:
    if sha256 is None:
        return
    got = sha256sum(path)
    if got != sha256:
        raise ValueError(
            f"{what} has sha256 {got}, expected {sha256}: the file is corrupt or a different "
            f"version. {fix}"
        )


def _missing_message(path: Path, url: str | None) -> str:
    where = f"Download it from {url} and place it there" if url else "Place a copy there"
    return (
        f"Data file {path} not found. {where}, or point data_home / the SKLRNN_DATA_HOME "
        "environment variable at a folder that has it."
    )
