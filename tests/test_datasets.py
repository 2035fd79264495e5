import re
import shutil
from pathlib import Path

import librosa
import numpy as np
import pytest

from sklrnn.datasets import load_fsdd, load_splice, make_moving_digits, make_spoken_digits

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


# make_spoken_digits


def test_spoken_digits_needs_espeak(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(OSError, match="apt-get install espeak-ng"):
        make_spoken_digits(n_per_digit=1)


needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng)",
)


@needs_espeak
def test_spoken_digits_synthesised():
    speech = make_spoken_digits(n_per_digit=2, voices=["en", "en+f3"], random_state=0)
    assert len(speech.waveforms) == 20
    np.testing.assert_array_equal(speech.target, np.repeat(np.arange(10), 2))
    assert speech.voice.tolist()[:4] == ["en", "en+f3", "en", "en+f3"]
    for y in speech.waveforms:
        assert y.dtype == np.float32
        assert y.ndim == 1
        assert 800 < len(y) < 16000  # 0.1 s to 2 s at 8 kHz
        assert 0.05 < np.abs(y).max() <= 1.0
    assert speech.speed.min() >= 130
    assert speech.speed.max() <= 200
    again = make_spoken_digits(n_per_digit=2, voices=["en", "en+f3"], random_state=0)
    np.testing.assert_array_equal(again.waveforms[5], speech.waveforms[5])


@needs_espeak
def test_spoken_digits_rate_and_voice_errors():
    low = make_spoken_digits(n_per_digit=1, voices=["en"], random_state=0, sr=8000)
    high = make_spoken_digits(n_per_digit=1, voices=["en"], random_state=0, sr=16000)
    ratio = len(high.waveforms[4]) / len(low.waveforms[4])
    assert abs(ratio - 2.0) < 0.01
    with pytest.raises(ValueError, match="could not speak with voice 'xx-nope'"):
        make_spoken_digits(n_per_digit=1, voices=["xx-nope"])
    with pytest.raises(ValueError, match="apt-get install mbrola mbrola-zz9"):
        make_spoken_digits(n_per_digit=1, voices=["mb-zz9"])  # no such MBROLA voice
    with pytest.raises(ValueError, match="apt-get install mbrola mbrola-zz9, Debian"):
        make_spoken_digits(n_per_digit=1, voices=["mb-zz9-en"])  # its accented English variant


@pytest.mark.parametrize(
    ("voice", "package"),
    [("en", "apt-get install espeak-ng"), ("flite:slt", "apt-get install flite"),
     ("festival:kal_diphone", "apt-get install festival festvox-kallpc16k"),
     ("pico:en-US", "apt-get install libttspico-utils"),
     ("rhvoice:bdl", "apt-get install rhvoice rhvoice-english")],
)  # fmt: skip
def test_spoken_digits_missing_program_names_its_package(monkeypatch, voice, package):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(OSError, match=re.escape(package)):
        make_spoken_digits(n_per_digit=1, voices=[voice])


def test_spoken_digits_argument_errors(monkeypatch):
    monkeypatch.setenv("PATH", "")  # the arguments are checked before any program is looked for
    for bad in (["foo:bar"], ["flite:"], ["flite:slt", "nope:en"]):
        with pytest.raises(ValueError, match="ENGINE one of espeak-ng, flite, festival, pico"):
            make_spoken_digits(n_per_digit=1, voices=bad)
    with pytest.raises(ValueError, match="non-empty list of voice names"):
        make_spoken_digits(n_per_digit=1, voices=[])
    with pytest.raises(ValueError, match="n_per_digit"):
        make_spoken_digits(n_per_digit=0, voices=["flite:slt"])
    with pytest.raises(ValueError, match="sr"):
        make_spoken_digits(n_per_digit=1, voices=["flite:slt"], sr=0)


def _spoken_checks(speech, n):
    assert len(speech.waveforms) == n
    for y in speech.waveforms:
        assert y.dtype == np.float32
        assert y.ndim == 1
        assert 800 < len(y) < 16000  # 0.1 s to 2 s at 8 kHz
        assert 0.05 < np.abs(y).max() <= 1.0


@pytest.mark.skipif(
    shutil.which("flite") is None, reason="flite is not installed (apt-get install flite)"
)
def test_spoken_digits_flite():
    voices = ["flite:kal", "flite:awb", "flite:rms", "flite:slt"]
    speech = make_spoken_digits(n_per_digit=4, voices=voices, random_state=0)
    _spoken_checks(speech, 40)
    assert speech.voice.tolist()[:5] == voices + ["flite:kal"]
    again = make_spoken_digits(n_per_digit=4, voices=voices, random_state=0)
    np.testing.assert_array_equal(again.waveforms[7], speech.waveforms[7])
    # the speed sets the duration: of eight utterances of a word, the slower are the longer
    kal = make_spoken_digits(n_per_digit=8, voices=["flite:kal"], random_state=1)
    lengths = np.array([len(y) for y in kal.waveforms]).reshape(10, 8)
    speeds = kal.speed.reshape(10, 8)
    agree = [np.corrcoef(-np.argsort(np.argsort(s)), np.argsort(np.argsort(n)))[0, 1]
             for s, n in zip(speeds, lengths)]  # fmt: skip
    assert np.mean(agree) > 0.5
    with pytest.raises(ValueError, match="flite could not speak with voice 'nope'"):
        make_spoken_digits(n_per_digit=1, voices=["flite:nope"])


needs_festival = pytest.mark.skipif(
    shutil.which("festival") is None,
    reason="festival is not installed (apt-get install festival festvox-kallpc16k)",
)


@needs_festival
def test_spoken_digits_festival():
    with pytest.raises(ValueError, match="festival could not speak with voice 'nope'"):
        make_spoken_digits(n_per_digit=1, voices=["festival:nope"])
    voices = ["festival:kal_diphone"] + (["en"] if shutil.which("espeak-ng") else [])
    try:
        speech = make_spoken_digits(n_per_digit=2, voices=voices, random_state=0)
    except ValueError as error:  # festival without the voice package
        pytest.skip(f"{error} (apt-get install festvox-kallpc16k)")
    _spoken_checks(speech, 20)
    assert speech.voice.tolist()[:2] == (voices * 2)[:2]  # engines mixed, in the order asked
    again = make_spoken_digits(n_per_digit=2, voices=voices, random_state=0)
    np.testing.assert_array_equal(again.waveforms[4], speech.waveforms[4])


@pytest.mark.skipif(
    shutil.which("pico2wave") is None,
    reason="SVOX pico is not installed (apt-get install libttspico-utils)",
)
def test_spoken_digits_pico():
    with pytest.raises(ValueError, match="pico could not speak with voice 'xx-XX'"):
        make_spoken_digits(n_per_digit=1, voices=["pico:xx-XX"])
    voices = ["pico:en-US", "pico:en-GB"]
    speech = make_spoken_digits(n_per_digit=6, voices=voices, random_state=0)
    _spoken_checks(speech, 60)
    assert speech.voice.tolist()[:3] == voices + ["pico:en-US"]
    again = make_spoken_digits(n_per_digit=6, voices=voices, random_state=0)
    np.testing.assert_array_equal(again.waveforms[5], speech.waveforms[5])
    # the markup sets the speed: of six utterances of a word by one voice, the slower are longer
    lengths = np.array([len(y) for y in speech.waveforms]).reshape(10, 3, 2).transpose(0, 2, 1)
    speeds = speech.speed.reshape(10, 3, 2).transpose(0, 2, 1)  # digit, voice, utterance
    agree = [
        np.corrcoef(-s, n)[0, 1] for s, n in zip(speeds.reshape(20, 3), lengths.reshape(20, 3))
    ]
    assert np.mean(agree) > 0.5


@pytest.mark.skipif(
    shutil.which("RHVoice-test") is None,
    reason="RHVoice is not installed (apt-get install rhvoice rhvoice-english)",
)
def test_spoken_digits_rhvoice():
    with pytest.raises(ValueError, match="rhvoice could not speak with voice 'nope'.*bdl"):
        make_spoken_digits(n_per_digit=1, voices=["rhvoice:nope"])  # not its default voice
    speech = make_spoken_digits(n_per_digit=6, voices=["rhvoice:bdl"], random_state=0)
    _spoken_checks(speech, 60)
    again = make_spoken_digits(n_per_digit=6, voices=["rhvoice:bdl"], random_state=0)
    np.testing.assert_array_equal(again.waveforms[5], speech.waveforms[5])
    # the options set the speed and the pitch: of six utterances of a word, the slower are the
    # longer and the higher pitched have the higher median F0
    lengths = np.array([len(y) for y in speech.waveforms]).reshape(10, 6)
    f0 = np.array([np.median(librosa.yin(y, fmin=50, fmax=400, sr=8000, frame_length=512))
                   for y in speech.waveforms]).reshape(10, 6)  # fmt: skip
    speeds, pitches = speech.speed.reshape(10, 6), speech.pitch.reshape(10, 6)
    assert np.mean([np.corrcoef(-s, n)[0, 1] for s, n in zip(speeds, lengths)]) > 0.5
    assert np.mean([np.corrcoef(p, f)[0, 1] for p, f in zip(pitches, f0)]) > 0.5


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or not Path("/usr/share/mbrola/us1").exists(),
    reason="espeak-ng or the MBROLA voice us1 is not installed (apt-get install mbrola-us1)",
)
def test_spoken_digits_mbrola_through_espeak():
    speech = make_spoken_digits(n_per_digit=2, voices=["mb-us1", "en"], random_state=0)
    _spoken_checks(speech, 20)
    assert speech.voice.tolist()[:2] == ["mb-us1", "en"]
    again = make_spoken_digits(n_per_digit=2, voices=["mb-us1", "en"], random_state=0)
    np.testing.assert_array_equal(again.waveforms[2], speech.waveforms[2])
