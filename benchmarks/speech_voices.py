"""Synthetic spoken digits "zero" to "nine" from espeak-ng, flite, festival, SVOX pico or
RHVoice: a research script of the speaker-independent speech benchmark.

It drives external text-to-speech programs through ``subprocess``, so what it returns depends
on which programs and voices (and which of their versions) are installed: it is a tool of the
benchmarks, not a reproducible generator of the library. ``benchmarks/speech_loso.py`` imports
it (run from the repository root, ``benchmarks/`` is on the import path); elsewhere::

    import sys; sys.path.insert(0, "benchmarks")
    from speech_voices import make_spoken_digits

The programs are Debian packages (some in contrib and non-free; the MBROLA voices and RHVoice's
evgeniy-eng and lyubov are free for non-commercial use only)::

    apt-get install espeak-ng flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
    apt-get install mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 libttspico-utils \
        rhvoice rhvoice-english
    apt-get install mbrola-af1 mbrola-nl2 mbrola-fr1 mbrola-fr4 mbrola-de1 mbrola-de2 \
        mbrola-de3 mbrola-de4 mbrola-de5 mbrola-de6 mbrola-gr2 mbrola-hu1 mbrola-pl1 \
        mbrola-ro1 mbrola-sw1 mbrola-sw2
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import tempfile
import wave

import numpy as np
from scipy.signal import resample_poly
from sklearn.utils import Bunch, check_random_state

from sklrnn.utils.validation import check_positive_int

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOICES = ("en", "en-us", "en+f3", "en+m3", "en-us+f2", "en-gb-scotland+m4", "en+f4", "en-029")
SPEEDS = (130, 200)  # words per minute, espeak-ng's -s (its default is 175)
PITCHES = (25, 75)  # 0-99, espeak-ng's -p (its default is 50)
SILENCE = 1e-3
# The program of each engine, where its name differs
PROGRAMS = {"pico": "pico2wave", "rhvoice": "RHVoice-test"}
# What to install where a synthesiser is missing (Debian and Ubuntu package names)
INSTALL = {
    "espeak-ng": "apt-get install espeak-ng (Debian, Ubuntu), brew install espeak-ng (macOS), or "
    "see https://github.com/espeak-ng/espeak-ng",
    "flite": "apt-get install flite (Debian, Ubuntu), or see http://cmuflite.org",
    "festival": "apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts "
    "(Debian, Ubuntu: the program and three English voices), or see "
    "https://www.cstr.ed.ac.uk/projects/festival/",
    "pico": "apt-get install libttspico-utils (Debian non-free, Ubuntu multiverse)",
    "rhvoice": "apt-get install rhvoice rhvoice-english (Debian non-free), or see "
    "https://github.com/RHVoice/RHVoice",
}
# The usual mean F0 (Hz) of flite's built-in voices, around which the pitch is set
FLITE_F0 = {"kal": 100.0, "kal16": 100.0, "awb": 100.0, "rms": 100.0, "slt": 165.0}
FLITE_F0_OTHER = 120.0
# Scales a festival voice's intonation targets (the linear-regression F0 model of its diphone
# voices; voices with other intonation models keep their pitch) and sets the speaking rate of its
# HTS voices (which ignore Duration_Stretch)
FESTIVAL_SCALE_F0 = """\
(define (sklrnn_scale_f0 factor)
  (let ((mean (assoc 'target_f0_mean int_lr_params)) (std (assoc 'target_f0_std int_lr_params)))
    (if (and mean std)
        (set! int_lr_params
              (cons (list 'target_f0_mean (* factor (cadr mean)))
                    (cons (list 'target_f0_std (* factor (cadr std))) int_lr_params))))))
(define (sklrnn_hts_rate rate)
  (if (symbol-bound? 'hts_engine_params)
      (set! hts_engine_params (append hts_engine_params (list (list "-r" rate))))))
"""

DESCR = """\
Synthetic spoken digits
-----------------------

The English words "zero" to "nine" spoken by speech synthesisers, with several voices and a
random speed and pitch for each utterance, mono float32 waveforms with the silence at both ends
trimmed. espeak-ng's own voices are formant synthesis (rule-made, far from a recorded voice);
flite's, festival's, pico's and RHVoice's voices and the MBROLA voices espeak-ng can speak with
are built from recordings of real speakers (CMU ARCTIC, the CSTR and MBROLA diphone voices, SVOX
pico, RHVoice). A stand-in for the Free Spoken Digit Dataset
(``sklrnn.datasets.load_fsdd``) that needs no download, only the programs (the packages are
listed at the top of ``benchmarks/speech_voices.py``).
"""


def _split_voice(voice: str) -> tuple[str, str]:
    """``"flite:slt"`` -> ``("flite", "slt")``; a name without an engine is espeak-ng's."""
    engine, sep, name = voice.partition(":")
    if not sep:
        return "espeak-ng", voice
    if engine not in SYNTHESISE or not name:
        raise ValueError(
            f"voice {voice!r}: expected an espeak-ng voice name or ENGINE:NAME with ENGINE one of "
            f"{', '.join(SYNTHESISE)}."
        )
    return engine, name


def _executable(engine: str) -> str:
    program = PROGRAMS.get(engine, engine)
    path = shutil.which(program)
    if path is None:
        raise OSError(
            f"make_spoken_digits needs the {engine} speech synthesiser for its voices, whose "
            f"program {program} is not on PATH. Install it: {INSTALL[engine]}."
        )
    return path


def _read_wav(data) -> tuple[np.ndarray, int]:
    """int16 samples and their rate from wav bytes or a wav file."""
    with wave.open(io.BytesIO(data) if isinstance(data, bytes) else data) as wav:
        rate, width = wav.getframerate(), wav.getsampwidth()
        frames = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"the synthesiser wrote {8 * width}-bit samples; expected 16-bit.")
    return np.frombuffer(frames, dtype="<i2"), rate


def _espeak(executable: str, word: str, voice: str, speed: int, pitch: int):
    """One espeak-ng utterance as int16 samples and their rate."""
    command = [executable, "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word]
    proc = subprocess.run(command, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0 or len(proc.stdout) <= 44:
        message = proc.stderr.decode(errors="replace").strip()
        if voice.startswith("mb-"):  # an MBROLA voice: its own program and package
            message += (
                f" (espeak-ng's MBROLA voices need the mbrola program and the voice: apt-get "
                f"install mbrola mbrola-{voice[3:].split('-')[0].partition('+')[0]}, Debian "
                "contrib and non-free)"
            )
        raise ValueError(f"espeak-ng could not speak with voice {voice!r}: {message}")
    return _read_wav(proc.stdout)  # --stdout writes a streaming header


def _speak_to_file(command: list[str], path: str, engine: str, name: str):
    """Run a synthesiser ``command`` that writes one utterance to ``path``; its samples and
    rate (the file is removed)."""
    proc = subprocess.run(command, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0 or not os.path.exists(path):
        message = (proc.stdout + proc.stderr).decode(errors="replace").strip()
        raise ValueError(f"{engine} could not speak with voice {name!r}: {message}")
    samples = _read_wav(path)
    os.remove(path)
    return samples


def _stretch(speed: int) -> float:
    """espeak-ng's speed (words per minute) -> a duration factor (130 -> 1.27, 200 -> 0.83)."""
    return 165.0 / speed


def _f0_factor(pitch: int) -> float:
    """espeak-ng's pitch (25-75) -> a factor of the voice's mean F0 (25 -> 0.75, 75 -> 1.3)."""
    return 0.75 + 0.55 * (pitch - 25) / 50


def _percents(speed: int, pitch: int) -> tuple[str, str]:
    """espeak-ng's speed and pitch -> the rate and pitch in percent of a voice's own."""
    return f"{100 / _stretch(speed):.0f}", f"{100 * _f0_factor(pitch):.0f}"


def _check_voices(engine: str, jobs, known: list[str], hint: str = "") -> None:
    """Raise a ValueError for the first voice of ``jobs`` that ``engine`` does not know."""
    for name in {job[1] for job in jobs}:
        if name not in known:
            raise ValueError(
                f"{engine} could not speak with voice {name!r}: its voices are "
                f"{', '.join(known) or 'none'}{hint}."
            )


def _flite_voices(executable: str) -> list[str]:
    proc = subprocess.run([executable, "-lv"], capture_output=True, timeout=60, check=False)
    return proc.stdout.decode(errors="replace").partition(":")[2].split()


def _flite(executable: str, jobs, folder: str):
    """flite utterances ``(word, voice, speed, pitch)`` -> a list of (samples, rate)."""
    # flite would fall back on its default voice without a word
    _check_voices("flite", jobs, _flite_voices(executable))
    path = os.path.join(folder, "flite.wav")
    out = []
    for word, name, speed, pitch in jobs:
        f0 = FLITE_F0.get(name, FLITE_F0_OTHER) * _f0_factor(pitch)
        command = [executable, "-voice", name, "-t", word, "-o", path,
                   "--setf", f"duration_stretch={_stretch(speed):.4f}",
                   "--setf", f"int_f0_target_mean={f0:.2f}"]  # fmt: skip
        out.append(_speak_to_file(command, path, "flite", name))
    return out


def _festival(executable: str, jobs, folder: str):
    """festival utterances ``(word, voice, speed, pitch)`` -> a list of (samples, rate), all
    from one festival process."""
    proc = subprocess.run(
        [executable, "--pipe"], input=b"(print (voice.list))\n", capture_output=True, timeout=60
    )
    known = proc.stdout.decode(errors="replace").strip("() \n").split()
    _check_voices("festival", jobs, known, f" (its voices are packages: {INSTALL['festival']})")
    script = [FESTIVAL_SCALE_F0]
    paths = []
    for i, (word, name, speed, pitch) in enumerate(jobs):
        paths.append(os.path.join(folder, f"festival{i}.wav"))
        stretch = _stretch(speed)
        script += [
            f"(voice_{name})",
            f"(Parameter.set 'Duration_Stretch {stretch:.4f})",  # diphone and cluster voices
            f"(sklrnn_hts_rate {1 / stretch:.4f})",  # HTS voices
            f"(sklrnn_scale_f0 {_f0_factor(pitch):.4f})",
            f'(utt.save.wave (SynthText "{word}") "{paths[-1]}" \'riff)',
        ]
    script_path = os.path.join(folder, "digits.scm")
    with open(script_path, "w") as fh:
        fh.write("\n".join(script) + "\n")
    proc = subprocess.run(
        [executable, "-b", script_path], capture_output=True, timeout=60 + len(jobs), check=False
    )
    if proc.returncode != 0 or not all(os.path.exists(p) for p in paths):
        message = (proc.stdout + proc.stderr).decode(errors="replace").strip()
        raise ValueError(f"festival could not speak: {message}")
    return [_read_wav(p) for p in paths]


def _pico(executable: str, jobs, folder: str):
    """SVOX pico utterances ``(word, language, speed, pitch)`` -> a list of (samples, rate).

    pico has one voice per language; its text markup sets the speed and the pitch in percent
    of the voice's own."""
    out = []
    path = os.path.join(folder, "pico.wav")
    for word, name, speed, pitch in jobs:
        rate, f0 = _percents(speed, pitch)
        text = f'<speed level="{rate}"><pitch level="{f0}">{word}</pitch></speed>'
        out.append(_speak_to_file([executable, "-l", name, "-w", path, text], path, "pico", name))
    return out


def _rhvoice_voices(executable: str) -> list[str]:
    """The voices RHVoice has: the folders of its voice data beside its program (RHVoice-test
    speaks with its default voice when given a name it does not know)."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(executable)))
    folders = [os.path.join(prefix, "share", "RHVoice", "voices"), "/usr/share/RHVoice/voices"]
    return sorted({name for f in folders if os.path.isdir(f) for name in os.listdir(f)})


def _rhvoice(executable: str, jobs, folder: str):
    """RHVoice utterances ``(word, voice, speed, pitch)`` -> a list of (samples, rate).

    Its options set the rate and the pitch in percent of the voice's own."""
    _check_voices("rhvoice", jobs, _rhvoice_voices(executable), f" ({INSTALL['rhvoice']})")
    out = []
    path, text = os.path.join(folder, "rhvoice.wav"), os.path.join(folder, "rhvoice.txt")
    for word, name, speed, pitch in jobs:
        with open(text, "w") as fh:
            fh.write(word + "\n")
        rate, f0 = _percents(speed, pitch)
        command = [executable, "-p", name, "-r", rate, "-t", f0, "-i", text, "-o", path]
        out.append(_speak_to_file(command, path, "rhvoice", name))
    return out


def _espeak_jobs(executable: str, jobs, folder: str):
    """espeak-ng utterances ``(word, voice, speed, pitch)`` -> a list of (samples, rate)."""
    return [_espeak(executable, *job) for job in jobs]


# How each engine speaks a list of utterances ``(word, name, speed, pitch)``
SYNTHESISE = {
    "espeak-ng": _espeak_jobs,
    "flite": _flite,
    "festival": _festival,
    "pico": _pico,
    "rhvoice": _rhvoice,
}


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
    """Synthesise the spoken words "zero" to "nine" with espeak-ng, flite, festival, pico or
    RHVoice.

    The utterances of each digit take the voices of ``voices`` in turn (the same voices for
    every digit), each with a random speed and a random pitch. Five synthesisers serve:

    * espeak-ng (``apt-get install espeak-ng``), the default: formant synthesis, many languages
      and voice variants, but rule-made sounds far from a recorded voice. Speed 130-200 words
      per minute, pitch 25-75 on its 0-99 scale. With the MBROLA diphone voices installed
      (Debian contrib and non-free: ``apt-get install mbrola mbrola-us1 mbrola-us2 mbrola-us3
      mbrola-en1``; free for non-commercial use) espeak-ng also speaks with recorded voices:
      ``"mb-us1"`` (US female), ``"mb-us2"``, ``"mb-us3"`` (US male) and ``"mb-en1"``
      (British male), and with the MBROLA voices of other languages it speaks English with
      their speakers' accents, e.g. ``"mb-de4-en"`` (German male) or ``"mb-fr4-en"`` (French
      female; ``espeak-ng --voices=mb`` lists them, the package of ``"mb-de4-en"`` is
      ``mbrola-de4``).
    * flite (``apt-get install flite``): voices built from recordings of real speakers, named
      ``"flite:kal"`` (a diphone voice, US male), ``"flite:awb"`` (Scottish male),
      ``"flite:rms"`` (US male) and ``"flite:slt"`` (US female), the last three statistical
      voices trained on the CMU ARCTIC recordings.
    * festival (``apt-get install festival`` and voice packages, e.g. ``festvox-kallpc16k``,
      ``festvox-kdlpc16k``, ``festvox-us-slt-hts``): voices named ``"festival:"`` and the name
      festival lists, e.g. ``"festival:kal_diphone"``, ``"festival:ked_diphone"`` (US male
      diphone voices) and ``"festival:cmu_us_slt_arctic_hts"`` (US female, HMM-based).
    * SVOX pico (``apt-get install libttspico-utils``, Debian non-free): one voice built from
      recordings per language, ``"pico:en-US"`` and ``"pico:en-GB"`` (both female); its text
      markup sets the speed and the pitch.
    * RHVoice (``apt-get install rhvoice rhvoice-english``, Debian non-free): statistical voices
      trained on recordings, ``"rhvoice:bdl"`` (US male), ``"rhvoice:clb"`` (US female),
      ``"rhvoice:alan"`` (Scottish male) and ``"rhvoice:slt"`` (US female), the speakers of
      CMU ARCTIC, and ``"rhvoice:evgeniy-eng"`` (male) and ``"rhvoice:lyubov"`` (female),
      recorded for RHVoice; its options set the speed and the pitch.

    Speed and pitch are drawn on espeak-ng's scales for every voice; flite, festival, pico and
    RHVoice stretch the durations by ``165 / speed`` (1.27 to 0.83) and set the voice's mean
    pitch to 0.75-1.3 times its usual (flite's rms voice and festival's HTS voices keep their
    own pitch: their engines ignore the setting).

    Parameters
    ----------
    n_per_digit : int, default=10
        Utterances per digit.
    voices : str or list of str, default=None
        The voices: espeak-ng voice names (``-v``), e.g. ``"en"``, ``"en-us"`` or ``"en+f3"`` (a
        language and a variant), or ``"ENGINE:NAME"`` with ENGINE ``espeak-ng``, ``flite``,
        ``festival``, ``pico`` or ``rhvoice`` (see above). None uses eight English espeak-ng
        voices, male and female.
    random_state : int, RandomState instance or None, default=None
        Seed of the speeds and pitches.
    sr : int, default=8000
        Sample rate of the returned waveforms in Hz (the synthesisers speak at 8,000 to 32,000
        Hz; the waveforms are resampled).
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
            The voice of each utterance, as given in ``voices``.
        speed, pitch : ndarray of shape (10 * n_per_digit,)
            The speed (words per minute) and pitch of each utterance, on espeak-ng's scales.
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
        When the program of a voice (``espeak-ng``, ``flite``, ``festival``, ``pico2wave`` or
        ``RHVoice-test``) is not installed; the message says what to install.
    ValueError
        When a voice name is malformed or its synthesiser does not know it.

    See Also
    --------
    sklrnn.datasets.load_fsdd : Real recordings of spoken digits.
    sklrnn.features.MFCC : Features of the waveforms (``MFCC(sr=8000)``).

    Examples
    --------
    >>> import shutil
    >>> if shutil.which("espeak-ng"):  # runs where the synthesiser is installed
    ...     speech = make_spoken_digits(n_per_digit=1, random_state=0)
    ...     assert len(speech.waveforms) == 10 and speech.target[3] == 3
    >>> if shutil.which("flite"):
    ...     speech = make_spoken_digits(2, voices=["flite:slt", "flite:awb"], random_state=0)
    ...     assert speech.voice[:2].tolist() == ["flite:slt", "flite:awb"]
    """
    check_positive_int(n_per_digit, "n_per_digit")
    check_positive_int(sr, "sr")
    voices = list(VOICES if voices is None else ([voices] if isinstance(voices, str) else voices))
    if not voices or not all(isinstance(v, str) and v for v in voices):
        raise ValueError(f"voices must be a non-empty list of voice names; got {voices}.")
    split = {v: _split_voice(v) for v in voices}
    executables = {engine: _executable(engine) for engine, _ in split.values()}
    rng = check_random_state(random_state)
    n = 10 * n_per_digit
    target = np.repeat(np.arange(10), n_per_digit)
    # the same voices for every digit, so that the voice says nothing about the digit
    voice = np.asarray([voices[j % len(voices)] for j in range(n_per_digit)] * 10, dtype=object)
    speed = rng.randint(SPEEDS[0], SPEEDS[1] + 1, size=n)
    pitch = rng.randint(PITCHES[0], PITCHES[1] + 1, size=n)
    sounds = [None] * n
    with tempfile.TemporaryDirectory(prefix="sklrnn-digits-") as folder:
        for engine, executable in executables.items():
            rows = [i for i in range(n) if split[voice[i]][0] == engine]
            jobs = [(WORDS[target[i]], split[voice[i]][1], speed[i], pitch[i]) for i in rows]
            spoken = SYNTHESISE[engine](executable, jobs, folder)
            for i, (samples, rate) in zip(rows, spoken):
                sounds[i] = _to_float(samples, rate, sr)
    if return_X_y:
        return sounds, target
    return Bunch(
        waveforms=sounds,
        target=target,
        voice=voice,
        speed=speed,
        pitch=pitch,
        sample_rate=sr,
        target_names=list(WORDS),
        DESCR=DESCR,
    )
