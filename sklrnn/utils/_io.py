"""Atomic file writes: the one way sklrnn writes a file a reader might find half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[Path]:
    """Write the file at ``path`` all at once, or not at all.

    Yields the path of a new temporary file in the folder of ``path``; the caller writes the
    whole content there (by its path, or by opening it). When the block ends without an error,
    the temporary file gets the permissions of the file it replaces (or of a new file under the
    umask), is flushed to disk (``fsync``) and renamed onto ``path`` in one step. When the block
    raises (``KeyboardInterrupt`` included), the temporary file is removed and any previous file
    at ``path`` is left as it was. A process killed while writing leaves the previous file and,
    at worst, a hidden ``.<name>.*`` temporary file beside it, never a truncated ``path``.

    Parameters
    ----------
    path : str or path-like
        Destination file. Its folder must exist.
    suffix : str, default=".tmp"
        Ending of the temporary file's name (for writers that look at it, e.g. ``".onnx"``).

    Yields
    ------
    tmp : pathlib.Path
        The temporary file to write.

    Raises
    ------
    FileNotFoundError
        When the folder of ``path`` does not exist; the message names the folder.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Cannot write {str(path)!r}: the folder {str(folder)!r} does not exist. Create it "
            "first (e.g. os.makedirs) or choose a path in an existing folder."
        )
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _file_mode(path))  # mkstemp makes the file private (0600)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)  # the content is on disk before the rename makes it visible
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The permissions of the file at ``path`` if there is one, else those a new file gets."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
