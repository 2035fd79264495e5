"""DNA sequences as k-mer token or one-hot sequences (biopython only for FASTA files)."""

from __future__ import annotations

import gzip
import itertools
import os
from collections.abc import Iterable
from numbers import Integral
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._deps import missing_dependency
from ..utils._param_validation import Interval, Options, ParamsValidationMixin
from ..utils._tokens import mark_tokens

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".ffn", ".frn", ".fas")
BASES = "ACGT"
AMBIGUOUS = "NRYSWKMBDHV-"
MAX_ONEHOT_K = 8

_INVALID, _AMBIGUOUS = 255, 4
_LOOKUP = np.full(256, _INVALID, dtype=np.uint8)
for _code, _letters in enumerate(["Aa", "Cc", "Gg", "TtUu"]):
    _LOOKUP[np.frombuffer(_letters.encode(), np.uint8)] = _code
_LOOKUP[np.frombuffer((AMBIGUOUS + AMBIGUOUS.lower()).encode(), np.uint8)] = _AMBIGUOUS
_TABLE = _LOOKUP.tobytes()  # for bytes.translate: letter -> base code, 4 ambiguous, 255 invalid


def _is_fasta_path(X) -> bool:
    if isinstance(X, os.PathLike):
        return True
    if not isinstance(X, str):
        return False
    name = X.lower().removesuffix(".gz")
    return name.endswith(FASTA_SUFFIXES)


def read_fasta(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read the sequences and ids of a FASTA file (gzipped when the name ends with ``.gz``).

    Parameters
    ----------
    path : str or path-like
        The FASTA file.

    Returns
    -------
    sequences : list of str
        One sequence per record, in file order.
    ids : list of str
        The first word of each record's title.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklrnn.features.dna import read_fasta
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "two.fa")
    ...     with open(path, "w") as f:
    ...         _ = f.write(">a first\\nACGT\\nAC\\n>b\\nGG\\n")
    ...     read_fasta(path)
    (['ACGTAC', 'GG'], ['a', 'b'])
    """
    try:
        from Bio.SeqIO.FastaIO import SimpleFastaParser
    except ImportError as exc:
        raise missing_dependency("Reading FASTA files", ("biopython",), "dna") from exc
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"FASTA file {str(path)!r} does not exist or is not a file.")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt") as handle:
            records = list(SimpleFastaParser(handle))
    except (UnicodeDecodeError, OSError, EOFError) as exc:  # binary, not gzip, truncated
        raise ValueError(
            f"FASTA file {str(path)!r} could not be read as text ({type(exc).__name__}: {exc}); "
            "expected a FASTA text file (optionally gzip-compressed)."
        ) from exc
    if not records:
        raise ValueError(f"FASTA file {str(path)!r} holds no records (no line starts with '>').")
    return [seq for _, seq in records], [title.split(maxsplit=1)[0] for title, _ in records]


def _as_strings(X) -> tuple[list[str], list[str] | None]:
    """Sequences of X as str, and their ids when they have some (FASTA, SeqRecord)."""
    if _is_fasta_path(X):
        return read_fasta(X)
    if isinstance(X, (str, bytes)) or type(X).__module__.startswith("Bio."):
        raise TypeError(
            "X must be a list of sequences or the path of a FASTA file (a pathlib.Path, or a str "
            f"ending with one of {FASTA_SUFFIXES}, optionally .gz); got a single "
            f"{type(X).__name__}. Wrap one sequence in a list: [sequence]."
        )
    if not isinstance(X, Iterable):
        raise TypeError(f"X must be a list of sequences; got {type(X).__name__}.")
    if isinstance(X, list) and X and all(type(x) is str for x in X):
        return X, None  # the common case, without a Python loop per item
    seqs, ids, has_ids = [], [], False
    for i, item in enumerate(X):
        if hasattr(item, "seq") and hasattr(item, "id"):  # Bio.SeqRecord.SeqRecord
            ids.append(str(item.id))
            has_ids = True
            item = item.seq
        else:
            ids.append(str(i))
        if isinstance(item, bytes):
            item = item.decode("ascii", errors="replace")
        elif not isinstance(item, str):
            if not type(item).__module__.startswith("Bio."):  # Bio.Seq.Seq gives its letters
                raise TypeError(
                    f"X[{i}] is a {type(item).__name__}; expected a DNA sequence as str, bytes, "
                    "Bio.Seq.Seq or Bio.SeqRecord.SeqRecord."
                )
            item = str(item)
        seqs.append(item)
    if not seqs:
        raise ValueError("X holds no sequences; at least one is required.")
    return seqs, ids if has_ids else None


def _where(index: int, ids: list[str] | None) -> str:
    return f"X[{index}]" + ("" if ids is None else f" (id {ids[index]!r})")


def _id_dtype(k: int) -> type[np.unsignedinteger]:
    """The smallest unsigned type that holds every token id of k-mers (``4**k``)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if 4**k <= np.iinfo(dtype).max:
            return dtype
    return np.uint64


def _rolling_ids(codes: np.ndarray, k: int, any_ambiguous: bool) -> np.ndarray:
    """Token id of the k-mer starting at every letter of ``codes`` where one fits.

    ``codes`` holds base codes (0-3, 4 for an ambiguous letter). The ids are computed on the
    flat array in the smallest type that holds them: ``k`` shift-or passes over contiguous
    memory. K-mers across the border of two joined sequences are computed too and never read.
    """
    n = codes.size - k + 1
    digits = codes & 3 if any_ambiguous else codes  # ambiguous (4) -> 0, set to 0 below
    ids = digits[:n].astype(_id_dtype(k))
    for j in range(1, k):  # base-4 rolling code: ids = ids * 4 + next letter
        ids <<= 2
        ids |= digits[j : j + n]
    ids += 1  # ids start at 1; 0 is padding / ambiguous
    if any_ambiguous:
        ambiguous = codes == _AMBIGUOUS
        bad = ambiguous[:n].copy()
        for j in range(1, k):
            bad |= ambiguous[j : j + n]
        ids[bad] = 0
    return ids


class KmerEncoder(
    ParamsValidationMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Encode DNA sequences as sequences of k-mer tokens or one-hot k-mer vectors.

    Each position ``0, stride, 2 * stride, ...`` of a sequence where a whole k-mer fits gives
    one time step: the id of the k-mer ("tokens") or its one-hot vector ("onehot"), ready for an
    RNN (token ids go to an embedding, one-hot steps to the recurrent layer directly).

    Parameters
    ----------
    k : int, default=3
        Length of the k-mers. ``k=1`` with ``output="onehot"`` is the classic 4-channel one-hot
        encoding of the bases.
    stride : int, default=1
        Step between the starts of consecutive k-mers; ``stride=k`` gives non-overlapping k-mers.
    output : {"tokens", "onehot"}, default="tokens"
        "tokens": one int64 id per k-mer. Ids run from 1 to ``4**k`` in the lexicographic order
        of the k-mers over ``ACGT`` (``AA..A`` is 1, ``TT..T`` is ``4**k``); **0 is reserved for
        padding and for k-mers with an ambiguous letter**. "onehot": one float32 row of length
        ``4**k`` per k-mer (column ``j`` is token ``j + 1``), all zeros for an ambiguous k-mer.
    ambiguous : {"zero", "error"}, default="zero"
        What to do with a k-mer that contains an IUPAC ambiguity code (``N R Y S W K M B D H V``)
        or a gap ``-``: "zero" gives token 0 / an all-zero row and keeps the position, "error"
        raises a ValueError naming the sequence.

    Attributes
    ----------
    vocabulary_size_ : int
        ``4**k + 1``: the number of token ids, padding included (the size of an embedding).
    n_features_out_ : int
        Features of one output step: 1 for tokens, ``4**k`` for one-hot.

    See Also
    --------
    read_fasta : The FASTA reader used for file input.
    SequencePadder : Pad token sequences of different lengths to one length.

    Notes
    -----
    **Input.** ``X`` is a list (or any iterable) of sequences, each a ``str``, ``bytes``,
    ``Bio.Seq.Seq`` or ``Bio.SeqRecord.SeqRecord``; or ``X`` is the path of a FASTA file, whose
    records are the samples in file order: a ``pathlib.Path`` (any name), or a ``str`` ending with
    ``.fa``, ``.fasta``, ``.fna``, ``.ffn``, ``.frn`` or ``.fas`` (each optionally followed by
    ``.gz``). Any other ``str`` is one sequence, and must be put in a list. Only FASTA files need
    biopython.

    **Letters.** Lower case is read as upper case and ``U`` as ``T``. A letter outside the IUPAC
    nucleotide alphabet raises a ValueError naming the sequence (its index, and its id for
    SeqRecords and FASTA records). A sequence shorter than ``k`` has no k-mer and raises too.

    **Output.** A 2-D array ``(n_samples, n_kmers)`` of tokens (3-D ``(n_samples, n_kmers,
    4**k)`` for one-hot) when every sequence gives the same number of k-mers; otherwise a list of
    one array per sequence.

    Examples
    --------
    >>> from sklrnn.features import KmerEncoder
    >>> KmerEncoder(k=2).fit_transform(["ACGT", "ttaa"])
    array([[ 2,  7, 12],
           [16, 13,  1]])
    >>> KmerEncoder(k=1, output="onehot").fit_transform(["ACGN"])[0]
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 0.]], dtype=float32)
    """

    def __init__(self, k=3, *, stride=1, output="tokens", ambiguous="zero"):
        self.k = k
        self.stride = stride
        self.output = output
        self.ambiguous = ambiguous

    _parameter_constraints = {
        "k": [Interval(Integral, 1, 31, closed="both")],  # ids are int64
        "stride": [Interval(Integral, 1, None)],
        "output": [Options(("tokens", "onehot"))],
        "ambiguous": [Options(("zero", "error"))],
    }

    def _check_params(self) -> None:
        super()._check_params()
        if self.output == "onehot" and self.k > MAX_ONEHOT_K:
            raise ValueError(
                f"output='onehot' with k={self.k} gives {4**self.k} columns per step; use k <= "
                f"{MAX_ONEHOT_K}, or output='tokens' with an embedding."
            )

    def fit(self, X, y=None):
        """Check the parameters; nothing is learned and X is not read.

        Parameters
        ----------
        X : list of sequences or path
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : KmerEncoder
            The fitted encoder.
        """
        self._check_params()
        self.vocabulary_size_ = 4**self.k + 1
        self.n_features_out_ = 1 if self.output == "tokens" else 4**self.k
        return self

    def transform(self, X):
        """Encode the sequences.

        Parameters
        ----------
        X : list of str, bytes, Bio.Seq.Seq or Bio.SeqRecord.SeqRecord, or path
            The sequences, or a FASTA file (see Notes of the class).

        Returns
        -------
        X_encoded : ndarray or list of ndarray
            Tokens: int64 of shape ``(n_samples, n_kmers)``, or a list of ``(n_kmers_i,)``
            arrays. One-hot: float32 of shape ``(n_samples, n_kmers, 4**k)``, or a list of
            ``(n_kmers_i, 4**k)`` arrays.
        """
        check_is_fitted(self, "vocabulary_size_")
        self._check_params()
        seqs, ids = _as_strings(X)
        lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
        short = np.flatnonzero(lengths < self.k)
        if short.size:
            i = int(short[0])
            raise ValueError(
                f"{_where(i, ids)} has {lengths[i]} letters, fewer than k={self.k}: it has no "
                "k-mer. Drop it, or use a smaller k."
            )
        joined = "".join(seqs).encode("ascii", "replace").translate(_TABLE)
        codes = np.frombuffer(joined, np.uint8)
        if _INVALID in joined or (self.ambiguous == "error" and _AMBIGUOUS in joined):
            self._check_letters(codes, seqs, lengths, ids)
        ids_flat = _rolling_ids(codes, self.k, _AMBIGUOUS in joined)
        if (lengths == lengths[0]).all():  # one block: a strided view of the rolling ids
            length, n_kmers = int(lengths[0]), (int(lengths[0]) - self.k) // self.stride + 1
            item = ids_flat.itemsize
            rows = as_strided(  # [N * L - k + 1] -> [N, n_kmers], no copy
                ids_flat, (len(seqs), n_kmers), (length * item, self.stride * item), writeable=False
            )
            return self._mark(self._finish(rows))
        # k-mers of the concatenation; those of sequence i start at its first letter
        encoded = self._finish(ids_flat)
        starts = (np.cumsum(lengths) - lengths).tolist()
        stops = (np.cumsum(lengths) - self.k + 1).tolist()
        out = [encoded[a : b : self.stride] for a, b in zip(starts, stops)]
        self._mark(out[0])
        return out

    def _mark(self, encoded: np.ndarray) -> np.ndarray:
        """Record token output, so an estimator without an embedding can warn about it."""
        return mark_tokens(encoded) if self.output == "tokens" else encoded

    def _check_letters(
        self, codes: np.ndarray, seqs: list[str], lengths: np.ndarray, ids: list[str] | None
    ) -> None:
        bad = codes == _INVALID
        if self.ambiguous == "error":
            bad |= codes == _AMBIGUOUS
        if not bad.any():
            return
        pos = int(np.argmax(bad))
        i = int(np.searchsorted(np.cumsum(lengths), pos, side="right"))
        offset = pos - int(lengths[:i].sum())
        letter = seqs[i][offset]
        if codes[pos] == _AMBIGUOUS:
            raise ValueError(
                f"{_where(i, ids)} has the ambiguous letter {letter!r} at position {offset}, and "
                "ambiguous='error'. Use ambiguous='zero' to encode such k-mers as 0."
            )
        hint = " It looks like a file name: pass the path itself as X." * ("." in seqs[i])
        raise ValueError(
            f"{_where(i, ids)} has the letter {letter!r} at position {offset}, outside the IUPAC "
            f"nucleotide alphabet ({BASES}U and {AMBIGUOUS}, any case).{hint}"
        )

    def _finish(self, ids: np.ndarray) -> np.ndarray:
        """Token ids as returned: a fresh int64 array, or one-hot rows (0 is an all-zero row)."""
        if self.output == "tokens":
            return ids.astype(np.int64)
        n_columns = 4**self.k
        if n_columns <= 16:  # short rows: copy one row of a table per step (row 0 all zeros)
            table = np.eye(n_columns + 1, n_columns, k=-1, dtype=np.float32)
            return np.take(table, ids, axis=0)  # [N, T] -> [N, T, V]
        # Fresh zeros come from the kernel already zeroed; only the ones are written. The flat
        # index of the one of step i is i * n_columns + (token - 1).
        onehot = np.zeros(ids.size * n_columns, dtype=np.float32)
        flat = ids.ravel()
        position = np.arange(-1, onehot.size - 1, n_columns, dtype=np.int64)
        position += flat
        if not flat.all():  # ambiguous k-mers (token 0) stay all zero
            position = position[flat != 0]
        np.put(onehot, position, 1.0)
        return onehot.reshape(*ids.shape, n_columns)  # [N * T * V] -> [N, T, V]

    def get_feature_names_out(self, input_features=None):
        """Names of the features of one output step.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            The k-mers in column order for one-hot, ``["kmer_token"]`` for tokens.
        """
        check_is_fitted(self, "vocabulary_size_")
        if self.output == "tokens":
            return np.asarray(["kmer_token"], dtype=object)
        kmers = ("".join(p) for p in itertools.product(BASES, repeat=self.k))
        return np.asarray(list(kmers), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
