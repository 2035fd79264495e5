# KmerEncoder is not run through scikit-learn's parametrize_with_checks: its input is DNA text
# (str, Bio.Seq, SeqRecord or a FASTA path), and the checks feed numeric 2-D arrays, which have
# no meaning as nucleotides and are refused by design.
import gzip
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

from sklrnn.datasets import load_splice
from sklrnn.features import KmerEncoder


def _reference_tokens(seq, k, stride):
    """Token ids computed letter by letter, the definition KmerEncoder vectorises."""
    ids = {"".join(p): i + 1 for i, p in enumerate(itertools.product("ACGT", repeat=k))}
    seq = seq.upper().replace("U", "T")
    return np.array([ids.get(seq[i : i + k], 0) for i in range(0, len(seq) - k + 1, stride)])


def test_tokens_hand_computed():
    # AC = 0*4+1 -> 2, CG = 1*4+2 -> 7, GT = 2*4+3 -> 12, TT -> 16, TA -> 13, AA -> 1
    out = KmerEncoder(k=2).fit_transform(["ACGT", "ttaa"])
    np.testing.assert_array_equal(out, [[2, 7, 12], [16, 13, 1]])
    assert out.dtype == np.int64


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_tokens_match_reference(k, stride):
    rng = np.random.default_rng(k * 10 + stride)
    letters = list("ACGTNacgtu")
    seqs = ["".join(rng.choice(letters, size=n)) for n in rng.integers(k, 40, size=15)]
    out = KmerEncoder(k=k, stride=stride).fit_transform(seqs)
    assert isinstance(out, list)  # different lengths
    for seq, tokens in zip(seqs, out):
        np.testing.assert_array_equal(tokens, _reference_tokens(seq, k, stride))
    same = [s[:20] for s in seqs if len(s) >= 20]
    block = KmerEncoder(k=k, stride=stride).fit_transform(same)
    assert block.shape == (len(same), len(range(0, 20 - k + 1, stride)))
    np.testing.assert_array_equal(block, [_reference_tokens(s, k, stride) for s in same])


def test_onehot_classic_and_kmer():
    out = KmerEncoder(k=1, output="onehot").fit_transform(["ACGT", "GNCA"])
    assert out.shape == (2, 4, 4)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], np.eye(4))
    np.testing.assert_array_equal(out[1, 1], 0.0)  # N: all-zero row
    seqs = ["ACGTTGCA", "GGGCCNA"]
    tokens = KmerEncoder(k=2).fit_transform(seqs)
    onehot = KmerEncoder(k=2, output="onehot").fit_transform(seqs)
    for t, o in zip(tokens, onehot):
        assert o.shape == (len(t), 16)
        np.testing.assert_array_equal(o.sum(axis=1), t > 0)
        np.testing.assert_array_equal(o.argmax(axis=1)[t > 0] + 1, t[t > 0])


def test_ambiguous_policies():
    out = KmerEncoder(k=3).fit_transform(["ACGNACG"])
    np.testing.assert_array_equal(out[0, 1:4], 0)  # the three 3-mers that hold N
    assert (out[0, [0, 4]] > 0).all()
    with pytest.raises(ValueError, match=r"X\[1\].*ambiguous letter 'R' at position 2"):
        KmerEncoder(ambiguous="error").fit_transform(["ACGT", "ACRT"])


def test_invalid_letters_and_short_sequences():
    with pytest.raises(ValueError, match=r"X\[1\] has the letter 'Z' at position 3.*IUPAC"):
        KmerEncoder(k=2).fit_transform(["ACGT", "ACGZ"])
    with pytest.raises(ValueError, match=r"X\[0\].*looks like a file name"):
        KmerEncoder(k=2).fit_transform(["genes.txt"])
    with pytest.raises(ValueError, match=r"X\[1\] has 2 letters, fewer than k=3"):
        KmerEncoder(k=3).fit_transform(["ACGT", "AC"])
    with pytest.raises(TypeError, match="single str.*Wrap one sequence in a list"):
        KmerEncoder().fit_transform("ACGTACGT")
    with pytest.raises(TypeError, match=r"X\[0\] is a int"):
        KmerEncoder().fit_transform([12])
    with pytest.raises(ValueError, match="holds no sequences"):
        KmerEncoder().fit_transform([])


def test_parameters_checked():
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 31\]; got 0"):
        KmerEncoder(k=0).fit(["A"])
    with pytest.raises(ValueError, match="output must be"):
        KmerEncoder(output="bag").fit(["A"])
    with pytest.raises(ValueError, match="use k <= 8"):
        KmerEncoder(k=9, output="onehot").fit(["A"])
    with pytest.raises(ValueError, match="ambiguous must be"):
        KmerEncoder(ambiguous="skip").fit(["A"])


def test_fitted_attributes_and_feature_names():
    enc = KmerEncoder(k=2, output="onehot").fit(None)
    assert enc.vocabulary_size_ == 17
    assert enc.n_features_out_ == 16
    names = enc.get_feature_names_out()
    assert list(names[[0, 1, 15]]) == ["AA", "AC", "TT"]
    assert list(KmerEncoder(k=2).fit(None).get_feature_names_out()) == ["kmer_token"]


def test_bio_objects_and_fasta(tmp_path):
    pytest.importorskip("Bio")
    from Bio.Seq import Seq
    from Bio.SeqRecord import SeqRecord

    records = [SeqRecord(Seq("ACGTAC"), id="r1"), SeqRecord(Seq("ggtt"), id="r2")]
    expected = [_reference_tokens("ACGTAC", 2, 1), _reference_tokens("GGTT", 2, 1)]
    for X in (records, [Seq("ACGTAC"), Seq("ggtt")]):
        out = KmerEncoder(k=2).fit_transform(X)
        for a, b in zip(out, expected):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"X\[1\] \(id 'bad'\) has the letter 'X'"):
        KmerEncoder(k=2).fit_transform([records[0], SeqRecord(Seq("ACXT"), id="bad")])

    text = ">r1 first read\nACGT\nAC\n>r2\nggtt\n"
    (tmp_path / "reads.fasta").write_text(text)
    with gzip.open(tmp_path / "reads.fa.gz", "wt") as f:
        f.write(text)
    (tmp_path / "reads.txt").write_text(text)
    for X in (
        str(tmp_path / "reads.fasta"),
        str(tmp_path / "reads.fa.gz"),
        tmp_path / "reads.txt",  # a Path is a FASTA file whatever its suffix
    ):
        out = KmerEncoder(k=2).fit_transform(X)
        for a, b in zip(out, expected):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="does not exist"):
        KmerEncoder().fit_transform(str(tmp_path / "missing.fa"))
    (tmp_path / "empty.fa").write_text("")
    with pytest.raises(ValueError, match="no records"):
        KmerEncoder().fit_transform(Path(tmp_path / "empty.fa"))


def test_splice_onehot_positions(require_data):
    splice = load_splice(data_home=require_data("dna/splice_statlog.tsv"))
    seqs = splice.X_train[:50]
    onehot = KmerEncoder(k=1, output="onehot").fit_transform(seqs)
    assert onehot.shape == (50, 60, 4)
    np.testing.assert_array_equal(onehot.sum(axis=2), 1.0)  # ACGT only in this data set
    assert "".join("ACGT"[i] for i in onehot[0].argmax(axis=1)) == seqs[0]
    tokens = KmerEncoder(k=3, stride=3).fit_transform(seqs)
    assert tokens.shape == (50, 20)
    assert tokens.min() >= 1
    assert tokens.max() <= 64


def test_plain_strings_need_no_biopython(monkeypatch, tmp_path):
    for name in ("Bio", "Bio.SeqIO", "Bio.SeqIO.FastaIO"):
        monkeypatch.setitem(sys.modules, name, None)  # makes importing biopython fail
    np.testing.assert_array_equal(KmerEncoder(k=1).fit_transform(["ACGT"]), [[1, 2, 3, 4]])
    (tmp_path / "a.fa").write_text(">a\nACGT\n")
    with pytest.raises(ImportError, match=r"pip install biopython`.*\.\[dna\]"):
        KmerEncoder().fit_transform(str(tmp_path / "a.fa"))
