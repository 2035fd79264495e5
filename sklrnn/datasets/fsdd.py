"""Free Spoken Digit Dataset: recordings of the digits 0-9, read from the data home."""

from __future__ import annotations

import os
import re

import numpy as np
from sklearn.utils import Bunch

from ._fetch import get_data_home

FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset"
_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")

DESCR = """\
.. _fsdd_dataset:

Free Spoken Digit Dataset (FSDD)
--------------------------------

Recordings of English speakers saying the digits 0 to 9, 8 kHz mono wav files named
``{digit}_{speaker}_{index}.wav``, 50 recordings per digit and speaker (index 0-49).

**Protocol.** By the upstream convention the recordings with index 0-4 are the test set and
index 5-49 the training set (``test_mask`` / ``train_mask``). Holding out whole speakers
(``speaker``) measures speaker-independent accuracy, which is much lower.

**Source.** Jakobovski et al., https://github.com/Jakobovski/free-spoken-digit-dataset
(``recordings/``), licence CC BY-SA 4.0.
"""


def load_fsdd(data_home: str | os.PathLike | None = None, speakers=None) -> Bunch:
    """Load the file list of the Free Spoken Digit Dataset.

    The wav files are read from ``<data_home>/fsdd/recordings/``; put the ``recordings``
    folder of the upstream repository there. Turn the files into features with
    :class:`~sklrnn.features.MFCC` (``sr=8000``, the native rate).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; None uses ``SKLRNN_DATA_HOME``, else ``~/sklrnn_data``.
    speakers : list of str, default=None
        Keep only these speakers; None keeps all.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, sorted by speaker, digit and index, with the attributes:

        paths : list of str
            Paths of the wav files.
        target : ndarray of shape (n_samples,)
            The spoken digit, 0-9.
        speaker : ndarray of shape (n_samples,)
            Name of the speaker.
        index : ndarray of shape (n_samples,)
            Number of the recording, 0-49.
        train_mask, test_mask : ndarray of shape (n_samples,)
            The upstream split: index 5-49 train, 0-4 test.
        speakers : list of str
            The speakers present.
        sample_rate : int
            8000, the rate of the recordings.
        DESCR : str
            Description of the data set.

    Raises
    ------
    OSError
        When the folder is missing or holds no recordings; the message says where to put them.
    ValueError
        When a requested speaker has no recordings.

    See Also
    --------
    sklrnn.features.MFCC : Features of the recordings.

    Examples
    --------
    A data home with three (silent) recordings of two speakers:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from scipy.io import wavfile
    >>> from sklrnn.datasets import load_fsdd
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name) / "fsdd" / "recordings"
    >>> folder.mkdir(parents=True)
    >>> for name in ["5_bob_12.wav", "3_ann_7.wav", "3_ann_0.wav"]:
    ...     wavfile.write(folder / name, 8000, np.zeros(800, dtype=np.int16))
    >>> fsdd = load_fsdd(data_home=tmp.name)
    >>> [Path(p).name for p in fsdd.paths]
    ['3_ann_0.wav', '3_ann_7.wav', '5_bob_12.wav']
    >>> fsdd.target, fsdd.test_mask
    (array([3, 3, 5]), array([ True, False, False]))
    >>> tmp.cleanup()
    """
    folder = get_data_home(data_home) / "fsdd" / "recordings"
    names = sorted(os.listdir(folder)) if folder.is_dir() else []
    parsed = [(int(m[1]), m[2], int(m[3]), name) for name in names if (m := _NAME.match(name))]
    if not parsed:
        raise OSError(
            f"No FSDD recordings ({{digit}}_{{speaker}}_{{index}}.wav files) found in {folder}. "
            f"Download the recordings/ folder of {FSDD_URL} (e.g. git clone it) and copy it "
            f"to {folder}, or point data_home / the SKLRNN_DATA_HOME environment variable at a "
            "folder that has fsdd/recordings/."
        )
    available = sorted({p[1] for p in parsed})
    if speakers is not None:
        if isinstance(speakers, str):
            speakers = [speakers]
        unknown = sorted(set(speakers) - set(available))
        if unknown:
            raise ValueError(
                f"speakers {unknown} have no recordings in {folder}; available: {available}."
            )
        parsed = [p for p in parsed if p[1] in set(speakers)]
    parsed.sort(key=lambda p: (p[1], p[0], p[2]))
    digit, speaker, index, name = zip(*parsed)
    index = np.asarray(index, dtype=np.int64)
    return Bunch(
        paths=[str(folder / n) for n in name],
        target=np.asarray(digit, dtype=np.int64),
        speaker=np.asarray(speaker, dtype=object),
        index=index,
        train_mask=index >= 5,
        test_mask=index < 5,
        speakers=sorted(set(speaker)),
        sample_rate=8000,
        DESCR=DESCR,
    )
