"""Synthetic spoken digits "zero" to "nine" from the espeak-ng speech synthesiser."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import wave

import numpy as np
from scipy.signal import resample_poly
from sklearn.utils import Bunch, check_random_state

from ..utils.validation import check_positive_int

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOICES = ("en", "en-us", "en+f3", "en+m3", "en-us+f2", "en-gb-scotland+m4", "en+f4", "en-029")
SPEEDS = (130, 200)  # words per minute, espeak-ng's -s (its default is 175)
PITCHES = (25, 75)  # 0-99, espeak-ng's -p (its default is 50)
SILENCE = 1e-3

DESCR = """\
.. _spoken_digits_dataset:

Synthetic spoken digits
-----------------------

The English words "zero" to "nine" spoken by the espeak-ng formant synthesiser, with several
voices and a random speed and pitch for each utterance, mono float32 waveforms with the silence
at both ends trimmed. A stand-in for the Free Spoken Digit Dataset (:func:`load_fsdd`) that
needs no download, only the ``espeak-ng`` program (``apt-get install espeak-ng``).
"""


def _synthesise(executable: str, word: str, voice: str, speed: int, pitch: int):
    """One utterance as int16 samples and their rate."""
    command = [executable, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word]
    proc = subprocess.run(command, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0 or len(proc.stdout) <= 44:
        message = proc.stderr.decode(errors="replace").strip()
        raise ValueError(f"espeak-ng could not speak with voice {voice!r}: {message}")
    with wave.open(io.BytesIO(proc.stdout)) as wav:  # --stdout writes a streaming header
        rate, width = wav.getframerate(), wav.getsampwidth()
        frames = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"espeak-ng wrote {8 * width}-bit samples; expected 16-bit.")
    return np.frombuffer(frames, dtype="<i2"), rate


def _to_float(samples: np.ndarray, rate: int, sr: int) -> np.ndarray:
    """int16 samples at ``rate`` -> float32 at ``sr``, leading and trailing silence removed."""
    y = samples.astype(np.float64) / 32768.0
    loud = np.flatnonzero(np.abs(y) > SILENCE)
    if loud.size:
        y = y[loud[0] : loud[-1] + 1]
    if rate != sr:
        g = math.gcd(rate, sr)
        y = resample_poly(y, sr // g, rate // g)
    return y.astype(np.float32)


def make_spoken_digits(
    n_per_digit: int = 10,
    voices=None,
    random_state=None,
    sr: int = 8000,
    return_X_y: bool = False,
):
    """Synthesise the spoken words "zero" to "nine" with espeak-ng.

    The utterances of each digit take the voices of ``voices`` in turn (the same voices for
    every digit), each with a random speed (130-200 words per minute) and a random pitch (25-75
    on espeak-ng's 0-99 scale).

    Parameters
    ----------
    n_per_digit : int, default=10
        Utterances per digit.
    voices : list of str, default=None
        The espeak-ng voices (``-v``), e.g. ``"en"``, ``"en-us"`` or ``"en+f3"`` (a language and a
        variant); None uses eight English voices, male and female.
    random_state : int, RandomState instance or None, default=None
        Seed of the speeds and pitches.
    sr : int, default=8000
        Sample rate of the returned waveforms in Hz (espeak-ng speaks at 22,050 Hz; the
        waveforms are resampled).
    return_X_y : bool, default=False
        Return ``(waveforms, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, ordered by digit, with the attributes:

        waveforms : list of ndarray of shape (n_samples_i,)
            float32 waveforms at ``sr`` Hz.
        target : ndarray of shape (10 * n_per_digit,)
            The digit spoken.
        voice : ndarray of shape (10 * n_per_digit,)
            The espeak-ng voice of each utterance.
        speed, pitch : ndarray of shape (10 * n_per_digit,)
            espeak-ng's speed (words per minute) and pitch of each utterance.
        sample_rate : int
            ``sr``.
        target_names : list of str
            The words.
        DESCR : str
            Description of the data set.

    (waveforms, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        When the ``espeak-ng`` program is not installed.
    ValueError
        When espeak-ng does not know a voice.

    See Also
    --------
    load_fsdd : Real recordings of spoken digits.
    sklrnn.features.MFCC : Features of the waveforms (``MFCC(sr=8000)``).

    Examples
    --------
    >>> import shutil
    >>> from sklrnn.datasets import make_spoken_digits
    >>> if shutil.which("espeak-ng"):  # runs where the synthesiser is installed
    ...     speech = make_spoken_digits(n_per_digit=1, random_state=0)
    ...     assert len(speech.waveforms) == 10 and speech.target[3] == 3
    """
    executable = shutil.which("espeak-ng")
    if executable is None:
        raise OSError(
            "make_spoken_digits needs the espeak-ng speech synthesiser, which is not on PATH. "
            "Install it: apt-get install espeak-ng (Debian, Ubuntu), brew install espeak-ng "
            "(macOS), or see https://github.com/espeak-ng/espeak-ng."
        )
    check_positive_int(n_per_digit, "n_per_digit")
    check_positive_int(sr, "sr")
    voices = list(VOICES if voices is None else ([voices] if isinstance(voices, str) else voices))
    if not voices or not all(isinstance(v, str) and v for v in voices):
        raise ValueError(f"voices must be a non-empty list of espeak-ng voice names; got {voices}.")
    rng = check_random_state(random_state)
    n = 10 * n_per_digit
    target = np.repeat(np.arange(10), n_per_digit)
    # the same voices for every digit, so that the voice says nothing about the digit
    voice = np.asarray([voices[j % len(voices)] for j in range(n_per_digit)] * 10, dtype=object)
    speed = rng.randint(SPEEDS[0], SPEEDS[1] + 1, size=n)
    pitch = rng.randint(PITCHES[0], PITCHES[1] + 1, size=n)
    waveforms = [
        _to_float(*_synthesise(executable, WORDS[d], v, s, p), sr)
        for d, v, s, p in zip(target, voice, speed, pitch)
    ]
    if return_X_y:
        return waveforms, target
    return Bunch(
        waveforms=waveforms,
        target=target,
        voice=voice,
        speed=speed,
        pitch=pitch,
        sample_rate=sr,
        target_names=list(WORDS),
        DESCR=DESCR,
    )
