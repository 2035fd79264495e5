"""StatLog primate splice-junction DNA sequences, read from the data home."""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch_file

SPLICE_PATH = "dna/splice_statlog.tsv"
SPLICE_SHA256 = "e9a80955f97d21b518dfbeb76d7fe053891836eb691fd4a8f646285f472c748f"
SPLICE_CLASSES = ("ei", "ie", "n")

DESCR = """\
.. _splice_dataset:

StatLog primate splice-junction sequences
-----------------------------------------

3,186 windows of 60 nucleotides of primate DNA around candidate splice junctions, each
labelled ``ei`` (exon-intron boundary, a donor site), ``ie`` (intron-exon boundary, an
acceptor site) or ``n`` (neither). The junction, when there is one, sits in the middle of the
window, so the position of each letter matters.

**Protocol.** The StatLog split: train on the 2,000 ``train`` rows, report accuracy on the
1,186 ``test`` rows. Published test accuracies (StatLog project): RBF network 95.9 %, logistic
discrimination 93.9 %, naive Bayes 93.2 %, C4.5 92.4 %, backprop MLP 91.2 %, majority 52.0 %.

**File.** ``dna/splice_statlog.tsv`` in the data home, one row per sequence,
``split<TAB>class<TAB>sequence`` with no header, decoded from the ``DNA`` data of the R package
mlbench (3 bits per base). Origin: UCI Machine Learning Repository, "Molecular Biology (Splice-
junction Gene Sequences)", licence CC BY 4.0.
"""


def load_splice(data_home: str | os.PathLike | None = None) -> Bunch:
    """Load the StatLog splice-junction DNA sequences.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; None uses ``SKLRNN_DATA_HOME``, else ``~/sklrnn_data``. The file is
        ``<data_home>/dna/splice_statlog.tsv`` and its sha256 is checked.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, in the StatLog order, with the attributes:

        data : list of str
            The sequences, 60 letters of ``ACGT`` each.
        target : ndarray of shape (n_samples,)
            The class: ``"ei"``, ``"ie"`` or ``"n"``.
        split : ndarray of shape (n_samples,)
            ``"train"`` or ``"test"``.
        X_train, X_test : list of str
            The training and test sequences.
        y_train, y_test : ndarray
            Their classes.
        target_names : list of str
            The classes.
        DESCR : str
            Description of the data set.

    Raises
    ------
    OSError
        When the file is not in the data home; the message says where to put it.
    ValueError
        When the file's checksum or format is not the expected one.

    See Also
    --------
    sklrnn.features.KmerEncoder : Turn the sequences into token or one-hot sequences.

    Examples
    --------
    Without the file, the error says where it goes:

    >>> import tempfile
    >>> from sklrnn.datasets import load_splice
    >>> with tempfile.TemporaryDirectory() as empty:
    ...     try:
    ...         load_splice(data_home=empty)
    ...     except OSError as exc:
    ...         print("splice_statlog.tsv not found" in str(exc))
    True

    With it (in ``SKLRNN_DATA_HOME``):

    >>> splice = load_splice()  # doctest: +SKIP
    >>> len(splice.X_train), len(splice.X_test), splice.X_train[0][:12]  # doctest: +SKIP
    (2000, 1186, 'CTAGGCTCCAGA')
    """
    try:
        path = fetch_file(SPLICE_PATH, url=None, sha256=SPLICE_SHA256, data_home=data_home)
    except OSError as exc:
        raise OSError(
            f"{exc} The file is the StatLog DNA data of the R package mlbench (dataset DNA) "
            "written as split<TAB>class<TAB>sequence, one row per sequence."
        ) from None
    rows = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    if rows and rows[0][0] == "split":  # tolerate a header line
        rows = rows[1:]
    bad = [i for i, r in enumerate(rows) if len(r) != 3 or r[0] not in ("train", "test")]
    if bad:
        raise ValueError(f"{path}, row {bad[0] + 1}: expected split<TAB>class<TAB>sequence.")
    split, target, data = (list(col) for col in zip(*rows))
    split, target = np.asarray(split, dtype=object), np.asarray(target, dtype=object)
    train = split == "train"
    return Bunch(
        data=data,
        target=target,
        split=split,
        X_train=[s for s, t in zip(data, train) if t],
        y_train=target[train],
        X_test=[s for s, t in zip(data, train) if not t],
        y_test=target[~train],
        target_names=list(SPLICE_CLASSES),
        DESCR=DESCR,
    )
