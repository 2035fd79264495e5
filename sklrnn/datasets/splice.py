"""StatLog primate splice-junction DNA sequences, read from the data home."""

from __future__ import annotations

import os

import numpy as np
from sklearn.utils import Bunch

from ._fetch import fetch_file

SPLICE_PATH = "dna/splice_statlog.tsv"
SPLICE_SHA256 = "e9a80955f97d21b518dfbeb76d7fe053891836eb691fd4a8f646285f472c748f"
SPLICE_CLASSES = ("ei", "ie", "n")
# The UCI file: its public address, and where it goes in the data home. Its checksum has not been
# established (it was never downloaded where this loader was written), so it is not checked.
UCI_PATH = "dna/splice.data"
UCI_URL = (
    "https://archive.ics.uci.edu/ml/machine-learning-databases/"
    "molecular-biology/splice-junction-gene-sequences/splice.data"
)
UCI_SHA256 = None
# A, C, G, T and the ambiguity codes of the UCI file: D (A, G or T), N (any), S (C or G), R (A or G)
UCI_LETTERS = frozenset("ACGTDNSR")

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

**Files.** ``source="statlog"``: ``dna/splice_statlog.tsv`` in the data home, one row per
sequence, ``split<TAB>class<TAB>sequence`` with no header, decoded from the ``DNA`` data of the
R package mlbench (3 bits per base), in the StatLog order. ``source="uci"``: ``dna/splice.data``,
the public file of the UCI Machine Learning Repository, "Molecular Biology (Splice-junction Gene
Sequences)": 3,190 lines ``CLASS, NAME, SEQUENCE``, without the StatLog split. Licence CC BY
4.0.
"""


def parse_uci_splice(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Read the lines of UCI's ``splice.data``: ``CLASS, NAME, SEQUENCE``.

    Returns the sequences (upper case; ``ACGT`` and the ambiguity codes ``D``, ``N``, ``S``,
    ``R``), their classes in lower case (``"ei"``, ``"ie"``, ``"n"``) and the instance names.
    Blank lines are skipped; any other malformed line raises a ValueError naming it.
    """
    data, target, names = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 3:
            raise ValueError(f"splice.data, line {number}: expected CLASS, NAME, SEQUENCE.")
        label, name, sequence = fields[0].lower(), fields[1], fields[2].upper()
        if label not in SPLICE_CLASSES:
            raise ValueError(
                f"splice.data, line {number}: class {fields[0]!r} is not one of EI, IE, N."
            )
        if len(sequence) != 60 or not set(sequence) <= UCI_LETTERS:
            raise ValueError(
                f"splice.data, line {number}: expected 60 letters of ACGT (or the ambiguity "
                f"codes D, N, S, R); got {sequence[:70]!r}."
            )
        data.append(sequence)
        target.append(label)
        names.append(name)
    return data, np.asarray(target, dtype=object), np.asarray(names, dtype=object)


def _load_uci(data_home, download_if_missing: bool) -> Bunch:
    path = fetch_file(
        UCI_PATH,
        url=UCI_URL,
        sha256=UCI_SHA256,
        data_home=data_home,
        download_if_missing=download_if_missing,
    )
    data, target, names = parse_uci_splice(path.read_text())
    return Bunch(
        data=data,
        target=target,
        name=names,
        split=None,
        target_names=list(SPLICE_CLASSES),
        DESCR=DESCR,
    )


def load_splice(
    data_home: str | os.PathLike | None = None,
    source: str = "statlog",
    download_if_missing: bool = True,
) -> Bunch:
    """Load the StatLog splice-junction DNA sequences.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; None uses ``SKLRNN_DATA_HOME``, else ``~/sklrnn_data``.
    source : {"statlog", "uci"}, default="statlog"
        ``"statlog"`` reads ``<data_home>/dna/splice_statlog.tsv`` (its sha256 is checked): the
        3,186 sequences in the StatLog order with its train/test split, the protocol of the
        published figures. ``"uci"`` reads UCI's ``splice.data`` from
        ``<data_home>/dna/splice.data``, downloading it from the UCI repository when it is
        missing: all 3,190 sequences, a few with ambiguity codes (``D``, ``N``, ``S``, ``R``),
        and no split (``split`` is None; split them yourself, e.g. with
        :func:`~sklearn.model_selection.train_test_split`). Its checksum is not checked.
    download_if_missing : bool, default=True
        With ``source="uci"``, whether to download the missing file (the StatLog file is never
        downloaded: it has no public address).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, in the StatLog order, with the attributes:

        data : list of str
            The sequences, 60 letters of ``ACGT`` each (and a few ambiguity codes with
            ``source="uci"``).
        target : ndarray of shape (n_samples,)
            The class: ``"ei"``, ``"ie"`` or ``"n"``.
        split : ndarray of shape (n_samples,) or None
            ``"train"`` or ``"test"``; None with ``source="uci"``.
        X_train, X_test : list of str
            The training and test sequences (``source="statlog"`` only).
        y_train, y_test : ndarray
            Their classes (``source="statlog"`` only).
        name : ndarray of shape (n_samples,)
            The UCI instance names (``source="uci"`` only).
        target_names : list of str
            The classes.
        DESCR : str
            Description of the data set.

    Raises
    ------
    OSError
        When the file is not in the data home (and, for UCI's, cannot be downloaded); the
        message says where to put it.
    ValueError
        When the file's checksum or format is not the expected one, or ``source`` is unknown.

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

    UCI's file is read by ``parse_uci_splice``:

    >>> from sklrnn.datasets.splice import parse_uci_splice
    >>> line = "EI,  ATRINS-DONOR-521,  " + "CCAGCTGCAT" * 6
    >>> data, target, names = parse_uci_splice(line)
    >>> target[0], names[0], len(data[0])
    ('ei', 'ATRINS-DONOR-521', 60)
    """
    if source == "uci":
        return _load_uci(data_home, download_if_missing)
    if source != "statlog":
        raise ValueError(f"source must be 'statlog' or 'uci'; got {source!r}.")
    try:
        path = fetch_file(SPLICE_PATH, url=None, sha256=SPLICE_SHA256, data_home=data_home)
    except OSError as exc:
        raise OSError(
            f"{exc} The file is the StatLog DNA data of the R package mlbench (dataset DNA) "
            "written as split<TAB>class<TAB>sequence, one row per sequence; "
            "load_splice(source='uci') reads UCI's public splice.data instead."
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
