"""The text-to-speech research script of the speech benchmark, ``benchmarks/speech_voices.py``.

It is no part of the package: it is imported here from its file. Each synthesiser's test skips
where its program is not installed (``make test`` installs none); the argument checks need no
program. They run with ``make test-all``.
"""

import importlib.util
import re
import shutil
from pathlib import Path

import librosa
import numpy as np
import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "speech_voices.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("speech_voices", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_spoken_digits = _load_script().make_spoken_digits


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
    except ValueError as error:  # festival without the voice package; any other error fails
        if "kal_diphone" not in str(error):
            raise
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
