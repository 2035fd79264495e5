import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from sklrnn.datasets import load_fsdd, load_splice, make_moving_digits

# load_fsdd


def test_fsdd_all_recordings_and_split(require_data):
    fsdd = load_fsdd(data_home=require_data("fsdd/recordings"))
    assert len(fsdd.paths) == 2000
    assert fsdd.speakers == ["george", "jackson", "lucas", "nicolas"]
    assert fsdd.test_mask.sum() == 200  # index 0-4: 4 speakers x 10 digits x 5
    np.testing.assert_array_equal(fsdd.train_mask, ~fsdd.test_mask)
    np.testing.assert_array_equal(np.bincount(fsdd.target), [200] * 10)
    for i in (0, 777, 1999):
        name = Path(fsdd.paths[i]).name
        assert name == f"{fsdd.target[i]}_{fsdd.speaker[i]}_{fsdd.index[i]}.wav"
        assert Path(fsdd.paths[i]).is_file()
    assert "index 0-4 are the test set" in fsdd.DESCR


def test_fsdd_sorted_and_speaker_filter(require_data):
    require_data("fsdd/recordings")
    fsdd = load_fsdd(speakers=["lucas", "george"])
    assert fsdd.speakers == ["george", "lucas"]
    keys = list(zip(fsdd.speaker, fsdd.target, fsdd.index))
    assert keys == sorted(keys)  # speaker, digit, then index as a number (2 before 10)
    assert keys[:3] == [("george", 0, 0), ("george", 0, 1), ("george", 0, 2)]
    assert load_fsdd(speakers="lucas").paths == fsdd.paths[500:]
    with pytest.raises(ValueError, match=r"speakers \['bob'\] have no recordings.*george"):
        load_fsdd(speakers=["bob"])


def test_fsdd_missing_folder(tmp_path):
    with pytest.raises(OSError, match="github.com/Jakobovski/free-spoken-digit-dataset") as err:
        load_fsdd(data_home=tmp_path)
    assert str(tmp_path / "fsdd" / "recordings") in str(err.value)
    (tmp_path / "fsdd" / "recordings").mkdir(parents=True)
    (tmp_path / "fsdd" / "recordings" / "notes.txt").write_text("no wavs here")
    with pytest.raises(OSError, match="No FSDD recordings"):
        load_fsdd(data_home=tmp_path)


def test_fsdd_data_home_argument(tmp_path, require_data):
    require_data("fsdd/recordings")
    folder = tmp_path / "fsdd" / "recordings"
    folder.mkdir(parents=True)
    source = Path(load_fsdd(speakers=["george"]).paths[12])
    shutil.copy(source, folder / "7_zoe_3.wav")
    fsdd = load_fsdd(data_home=tmp_path)
    assert fsdd.paths == [str(folder / "7_zoe_3.wav")]
    assert fsdd.target.tolist() == [7]
    assert fsdd.test_mask.tolist() == [True]


# load_splice


def test_splice_statlog_split(require_data):
    splice = load_splice(data_home=require_data("dna/splice_statlog.tsv"))
    assert len(splice.data) == 3186
    assert (len(splice.X_train), len(splice.X_test)) == (2000, 1186)
    assert splice.X_train[0] == "CTAGGCTCCAGATAGCCATAGAAGAACCAAACACTTTCTGCGTGTGTGAGAATAATCAGA"
    assert {len(s) for s in splice.data} == {60}
    assert set("".join(splice.data)) == set("ACGT")
    classes, counts = np.unique(splice.y_train, return_counts=True)
    assert classes.tolist() == ["ei", "ie", "n"]
    assert counts.tolist() == [464, 485, 1051]
    assert (splice.split[:2000] == "train").all()
    assert (splice.split[2000:] == "test").all()
    np.testing.assert_array_equal(splice.y_test, splice.target[2000:])
    assert splice.target_names == ["ei", "ie", "n"]


# Three lines in the layout of UCI's splice.data (class, instance name, 60 bases), one with an
# ambiguity code, and a blank line.
UCI_LINES = (
    "EI,      ATRINS-DONOR-521,      " + "CCAGCTGCAT" * 6 + "\n"
    "IE,      ATRINS-ACCEPTOR-701,   " + "cttccttcct" * 6 + "\n"
    "\n"
    "N,       HUMGLUT4B-NEG-1,       " + "ACGTACGTAC" * 5 + "ACGTDNSRAC" + "\n"
)


def test_parse_uci_splice():
    from sklrnn.datasets.splice import parse_uci_splice

    data, target, names = parse_uci_splice(UCI_LINES)
    assert data[0] == "CCAGCTGCAT" * 6
    assert data[1] == "CTTCCTTCCT" * 6  # upper case, as the StatLog file
    assert data[2].endswith("ACGTDNSRAC")
    np.testing.assert_array_equal(target, ["ei", "ie", "n"])
    np.testing.assert_array_equal(
        names, ["ATRINS-DONOR-521", "ATRINS-ACCEPTOR-701", "HUMGLUT4B-NEG-1"]
    )
    with pytest.raises(ValueError, match="line 2: expected CLASS, NAME, SEQUENCE"):
        parse_uci_splice("N, A, " + "A" * 60 + "\nN, B\n")
    with pytest.raises(ValueError, match="line 1: class 'XX' is not one of EI, IE, N"):
        parse_uci_splice("XX, A, " + "A" * 60)
    with pytest.raises(ValueError, match="line 1: expected 60 letters"):
        parse_uci_splice("N, A, " + "A" * 59)
    with pytest.raises(ValueError, match="line 1: expected 60 letters"):
        parse_uci_splice("N, A, " + "A" * 59 + "X")


def test_splice_from_uci_file(tmp_path):
    (tmp_path / "dna").mkdir()
    (tmp_path / "dna" / "splice.data").write_text(UCI_LINES)
    splice = load_splice(data_home=tmp_path, source="uci", download_if_missing=False)
    assert splice.split is None
    assert len(splice.data) == 3 and splice.target_names == ["ei", "ie", "n"]
    np.testing.assert_array_equal(splice.target, ["ei", "ie", "n"])
    with pytest.raises(OSError, match="archive.ics.uci.edu"):
        load_splice(data_home=tmp_path / "empty", source="uci", download_if_missing=False)
    with pytest.raises(ValueError, match="source must be 'statlog' or 'uci'"):
        load_splice(data_home=tmp_path, source="mlbench")


def test_splice_missing_and_corrupt(tmp_path):
    with pytest.raises(OSError, match=re.escape(str(tmp_path / "dna" / "splice_statlog.tsv"))):
        load_splice(data_home=tmp_path)
    (tmp_path / "dna").mkdir()
    (tmp_path / "dna" / "splice_statlog.tsv").write_text("train\tn\tACGT\n")
    with pytest.raises(ValueError, match="sha256"):
        load_splice(data_home=tmp_path)


# make_moving_digits


def _centre_x(videos):
    mass = videos.sum(axis=2)  # [N, T, W]
    return (mass * np.arange(videos.shape[-1])).sum(-1) / mass.sum(-1)


def test_moving_digits_shapes_and_labels():
    videos = make_moving_digits(n_samples=60, n_frames=7, canvas_size=20, random_state=0)
    assert videos.data.shape == (60, 7, 20, 20)
    assert videos.data.dtype == np.float32
    assert videos.data.min() == 0.0
    assert videos.data.max() == 1.0
    np.testing.assert_array_equal(videos.target, 2 * videos.digit + videos.direction)
    assert set(videos.direction) == {0, 1}
    assert videos.target_names[7] == "3 right-to-left"
    # the digit moves the way its label says, at least half the free width
    shift = _centre_x(videos.data)[:, -1] - _centre_x(videos.data)[:, 0]
    np.testing.assert_array_equal(shift > 0, videos.direction == 0)
    assert (np.abs(shift) > 6 - 1e-6).all()
    # a digit image is shown unchanged in every frame
    mass = videos.data.sum(axis=(2, 3))
    np.testing.assert_allclose(mass, np.broadcast_to(mass[:, :1], mass.shape), rtol=1e-5)


def test_moving_digits_order_is_the_only_direction_cue():
    videos = make_moving_digits(n_samples=400, random_state=1)
    x = _centre_x(videos.data)
    # as bags of frames the two directions look the same: same spread of positions ...
    left, right = x[videos.direction == 0], x[videos.direction == 1]
    assert abs(np.sort(left, axis=1).mean() - np.sort(right, axis=1).mean()) < 1.0
    # ... and a right-to-left video played backwards moves left-to-right
    backwards = videos.data[videos.direction == 1][:, ::-1]
    assert (np.diff(_centre_x(backwards), axis=1) >= 0).all()


def test_moving_digits_reproducible_and_checked():
    a = make_moving_digits(n_samples=5, random_state=3)
    X, y = make_moving_digits(n_samples=5, random_state=3, return_X_y=True)
    np.testing.assert_array_equal(a.data, X)
    np.testing.assert_array_equal(a.target, y)
    with pytest.raises(ValueError, match="canvas_size must be an integer >= 10"):
        make_moving_digits(canvas_size=8)
    with pytest.raises(ValueError, match="n_frames must be an integer >= 2"):
        make_moving_digits(n_frames=1)


def test_no_speech_synthesiser_in_the_package():
    """The text-to-speech driver is a benchmark script: the loaders run no external program."""
    import sklrnn.datasets

    assert "make_spoken_digits" not in sklrnn.datasets.__all__
    assert not hasattr(sklrnn.datasets, "make_spoken_digits")
    datasets = Path(sklrnn.datasets.__file__).parent
    assert not [path for path in datasets.rglob("*.py") if "subprocess" in path.read_text()]
