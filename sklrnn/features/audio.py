"""Audio clips as MFCC frame sequences (librosa, imported when used)."""

from __future__ import annotations

import os
import warnings
from numbers import Integral, Real
from types import ModuleType

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._engine.sequences import check_sequences
from ..utils._deps import missing_dependency
from ..utils._param_validation import Interval, Options, ParamsValidationMixin


def _import_librosa() -> ModuleType:
    try:
        import librosa
    except ImportError as exc:
        raise missing_dependency("MFCC", ("librosa", "soundfile"), "audio") from exc
    return librosa


def _load(item, index: int, sr: int) -> np.ndarray:
    """The samples of one clip at ``sr`` Hz, float32 mono; a ValueError names a bad clip."""
    librosa = _import_librosa()
    if isinstance(item, (str, os.PathLike)):
        path = os.fspath(item)
        if not os.path.isfile(path):
            raise ValueError(f"X[{index}]: audio file {path!r} does not exist.")
        if os.path.getsize(path) == 0:
            raise ValueError(f"X[{index}]: could not read audio file {path!r}: it is empty.")
        try:
            with warnings.catch_warnings():  # librosa warns before each fallback reader
                warnings.simplefilter("ignore")
                y, _ = librosa.load(path, sr=sr, mono=True)
        except Exception as exc:  # soundfile, audioread and decoders raise many types
            reason = str(exc).strip() or type(exc).__name__
            raise ValueError(f"X[{index}]: could not read audio file {path!r}: {reason}") from exc
        if y.size == 0:
            raise ValueError(f"X[{index}]: audio file {path!r} has no samples.")
        return y
    try:
        y = np.asarray(item)
    except ValueError as exc:
        raise ValueError(f"X[{index}] could not be read as a waveform: {exc}") from None
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"X[{index}] is a {type(item).__name__} of dtype {y.dtype}; expected a file path "
            "or a 1-D numeric waveform."
        )
    if y.ndim != 1:
        raise ValueError(
            f"X[{index}] is a waveform of shape {y.shape}; expected a 1-D (mono) waveform."
        )
    if y.size == 0:
        raise ValueError(f"X[{index}] is an empty waveform.")
    if y.dtype.kind in "iu":  # PCM integers -> [-1, 1], as soundfile reads them
        y = y / float(2 ** (8 * y.dtype.itemsize - 1))
    if not np.all(np.isfinite(y)):
        raise ValueError(f"X[{index}] has NaN or infinite samples.")
    return y.astype(np.float32)


def _delta(librosa: ModuleType, feats: np.ndarray, width: int, order: int) -> np.ndarray:
    """Deltas along frames with the widest odd window that fits the clip."""
    n_frames = feats.shape[1]
    fit = min(width, n_frames if n_frames % 2 else n_frames - 1)
    if fit >= 3:
        return librosa.feature.delta(feats, width=fit, order=order, mode="interp")
    return librosa.feature.delta(feats, width=3, order=order, mode="nearest")


def _clip_features(item, index: int, params: dict) -> np.ndarray:
    """MFCC (and deltas) of one clip, shape [n_frames, n_features]."""
    librosa = _import_librosa()
    y = _load(item, index, params["sr"])
    if params["trim_db"] is not None:  # leading and trailing silence off; all-quiet clips stay
        frame = params["n_fft"]
        trimmed, _ = librosa.effects.trim(
            y, top_db=params["trim_db"], frame_length=frame, hop_length=max(1, frame // 4)
        )
        y = trimmed if trimmed.size else y
    if y.size < params["n_fft"]:  # short clips: pad with silence to one full window
        y = np.pad(y, (0, params["n_fft"] - y.size))
    mel = librosa.feature.melspectrogram(
        y=y,
        sr=params["sr"],
        n_fft=params["n_fft"],
        hop_length=params["hop_length"],
        n_mels=params["n_mels"],
    )  # [n_mels, n_frames], power
    mfcc = librosa.power_to_db(mel)  # [n_mels, n_frames], dB
    if params["n_mfcc"] is not None:  # librosa.feature.mfcc's own steps: dB, then a DCT
        mfcc = librosa.feature.mfcc(S=mfcc, n_mfcc=params["n_mfcc"])  # [n_mfcc, n_frames]
    parts = [mfcc]
    if params["deltas"]:
        parts.append(_delta(librosa, mfcc, params["delta_width"], 1))
    if params["delta_deltas"]:
        parts.append(_delta(librosa, mfcc, params["delta_width"], 2))
    return np.ascontiguousarray(np.concatenate(parts).T, dtype=np.float32)  # [F, T] -> [T, F]


class MFCC(ParamsValidationMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Mel-frequency cepstral coefficients of audio clips, one feature vector per frame.

    Each clip (an audio file, or a waveform already sampled at ``sr``) becomes a sequence of
    frames, ready for :class:`~sklrnn.RNNClassifier`. Clips of different lengths give sequences
    of different lengths.

    Parameters
    ----------
    sr : int, default=22050
        Sample rate in Hz the features are computed at; files are resampled to it on load, and
        waveforms must already be sampled at it.
    n_mfcc : int or None, default=20
        Number of coefficients per frame. None gives the ``n_mels`` log-mel energies (dB)
        themselves, without the cosine transform: features ordered by frequency, as
        :class:`~sklrnn.augment.FrequencyWarp` needs.
    n_fft : int, default=512
        Length of the FFT window in samples. Clips shorter than one window are padded with
        silence at their end.
    hop_length : int, default=None
        Samples between consecutive frames; None uses ``n_fft // 4``.
    n_mels : int, default=40
        Number of mel bands the coefficients are computed from.
    deltas : bool, default=False
        Append the first derivative of the coefficients along time.
    delta_deltas : bool, default=False
        Append the second derivative.
    delta_width : int, default=9
        Frames in the window of the derivatives, odd and >= 3. A clip with fewer frames uses
        the widest odd window that fits it (3 frames with edge repetition below 3 frames).
    trim_db : float or None, default=None
        Cut each clip's leading and trailing silence before the features are computed: the
        frames (``n_fft`` samples, hop ``n_fft // 4``) quieter than ``trim_db`` decibels below
        the clip's loudest frame (:func:`librosa.effects.trim`). Recordings start and end with
        different amounts of silence; trimming keeps that from reaching the model. A clip that
        is quiet throughout is kept whole. None keeps every clip whole.
    output : {"list", "padded"}, default="list"
        "list": a list of ``(n_frames_i, n_features)`` arrays, one per clip. "padded": one array
        ``(n_samples, max_frames, n_features)``, shorter clips zero-padded at their end.
    n_jobs : int, default=None
        Clips processed in parallel with joblib; None means 1 unless in a
        ``joblib.parallel_config`` context, -1 means all processors.

    Attributes
    ----------
    hop_length_ : int
        The hop length used.
    n_features_out_ : int
        Features per frame: ``n_mfcc`` times 1, 2 or 3 with deltas and delta-deltas.

    See Also
    --------
    librosa.feature.mfcc : The computation of each clip.
    sklrnn.datasets.load_fsdd : Spoken digit recordings to try it on.

    Notes
    -----
    ``X`` is a list of clips, each a path (``str`` or path-like, any format librosa reads) or a
    1-D waveform array (floats in [-1, 1]; integer PCM is scaled to it); a 2-D array is read as
    one waveform per row. A missing, unreadable or empty file, an empty waveform and a waveform
    with NaN raise a ValueError that names the clip. ``fit`` learns nothing and does not read X.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import MFCC
    >>> t = np.arange(8000) / 8000
    >>> clips = [np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 220 * t[:4000])]
    >>> mfcc = MFCC(sr=8000, n_mfcc=13, deltas=True)
    >>> [x.shape for x in mfcc.fit_transform(clips)]
    [(63, 26), (32, 26)]
    >>> mfcc.get_feature_names_out()[[0, 13]]
    array(['mfcc0', 'd_mfcc0'], dtype=object)
    """

    def __init__(
        self,
        *,
        sr=22050,
        n_mfcc=20,
        n_fft=512,
        hop_length=None,
        n_mels=40,
        deltas=False,
        delta_deltas=False,
        delta_width=9,
        trim_db=None,
        output="list",
        n_jobs=None,
    ):
        self.sr = sr
        self.n_mfcc = n_mfcc
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.deltas = deltas
        self.delta_deltas = delta_deltas
        self.delta_width = delta_width
        self.trim_db = trim_db
        self.output = output
        self.n_jobs = n_jobs

    _parameter_constraints = {
        "sr": [Interval(Integral, 1, None)],
        "n_mfcc": [None, Interval(Integral, 1, None)],
        "n_fft": [Interval(Integral, 1, None)],
        "hop_length": [None, Interval(Integral, 1, None)],
        "n_mels": [Interval(Integral, 1, None)],
        "deltas": ["boolean"],
        "delta_deltas": ["boolean"],
        "delta_width": [Interval(Integral, 3, None)],
        "trim_db": [None, Interval(Real, 0, None, closed="neither")],
        "output": [Options(("list", "padded"))],
        "n_jobs": [None, Integral],
    }

    def _check_params(self) -> None:
        super()._check_params()
        if self.delta_width % 2 == 0:
            raise ValueError(f"delta_width must be odd; got {self.delta_width}.")
        if self.n_mfcc is not None and self.n_mfcc > self.n_mels:
            raise ValueError(
                f"n_mfcc={self.n_mfcc} is larger than n_mels={self.n_mels}: the MFCCs are the "
                "cosine transform of the mel bands, so there are at most n_mels of them. Use "
                "n_mfcc <= n_mels."
            )

    def fit(self, X, y=None):
        """Check the parameters and that librosa is installed; X is not read.

        Parameters
        ----------
        X : list of str, path-like or ndarray
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : MFCC
            The fitted transformer.
        """
        self._check_params()
        _import_librosa()
        self.hop_length_ = self.n_fft // 4 if self.hop_length is None else self.hop_length
        per_part = self.n_mels if self.n_mfcc is None else self.n_mfcc
        self.n_features_out_ = per_part * (1 + bool(self.deltas) + bool(self.delta_deltas))
        return self

    def transform(self, X):
        """Compute the MFCC frames of each clip.

        Parameters
        ----------
        X : list of str, path-like or ndarray of shape (n_samples_i,)
            Audio files or waveforms sampled at ``sr``.

        Returns
        -------
        X_mfcc : list of ndarray of shape (n_frames_i, n_features_out) or ndarray
            float32; an array of shape ``(n_samples, max_frames, n_features_out_)`` with
            ``output="padded"``.
        """
        check_is_fitted(self, "n_features_out_")
        self._check_params()
        one_clip = isinstance(X, np.ndarray) and (
            X.ndim == 0 or (X.ndim == 1 and X.dtype.kind not in "OUS")
        )  # a 1-D array of paths (e.g. a DataFrame column) is a list of clips
        if isinstance(X, (str, os.PathLike)) or one_clip:
            raise TypeError(
                "X must be a list of audio files or waveforms; got one "
                f"{type(X).__name__}. Wrap a single clip in a list: [clip]."
            )
        clips = list(X)
        if not clips:
            raise ValueError("X holds no clips; at least one is required.")
        params = {
            "sr": self.sr,
            "n_mfcc": self.n_mfcc,
            "n_fft": self.n_fft,
            "hop_length": self.hop_length_,
            "n_mels": self.n_mels,
            "deltas": self.deltas,
            "delta_deltas": self.delta_deltas,
            "delta_width": self.delta_width,
            "trim_db": self.trim_db,
        }
        feats = Parallel(n_jobs=self.n_jobs)(
            delayed(_clip_features)(clip, i, params) for i, clip in enumerate(clips)
        )
        return feats if self.output == "list" else check_sequences(feats).data

    def get_feature_names_out(self, input_features=None):
        """Names of the features of one frame.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str
            ``mfcc0 ...`` (``logmel0 ...`` with ``n_mfcc=None``), then ``d_mfcc0 ...`` and
            ``dd_mfcc0 ...`` when computed.
        """
        check_is_fitted(self, "n_features_out_")
        base = "logmel" if self.n_mfcc is None else "mfcc"
        prefixes = [base, f"d_{base}"] if self.deltas else [base]
        prefixes += [f"dd_{base}"] if self.delta_deltas else []
        n_per_part = self.n_mels if self.n_mfcc is None else self.n_mfcc
        names = [f"{p}{i}" for p in prefixes for i in range(n_per_part)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
