"""More training clips from the same clips: speed-perturbed and noisy copies of waveforms."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ..utils._param_validation import Interval, ParamsValidationMixin, RandomState
from .audio import _import_librosa, _load


class WaveformPerturber(ParamsValidationMixin, BaseEstimator):
    """Enlarge a training set of audio clips with perturbed copies of every clip.

    Each copy of a clip is played at a random speed (resampled, so tempo, pitch and formants
    all move together, as a shorter or longer vocal tract and a faster or slower speaker would
    move them) and, optionally, mixed with white noise at a random signal-to-noise ratio.
    Speed perturbation is Ko et al. (2015), "Audio augmentation for speech recognition"; added
    noise stands in for other microphones and rooms.

    It is a resampler, not a transformer: :meth:`fit_resample` returns more clips than it was
    given, with their labels, and is called on the training clips only. Nothing in a fitted
    pipeline calls it, so clips to be predicted are never perturbed. The copies go through the
    featurizer (e.g. :class:`MFCC`) like the original clips.

    Parameters
    ----------
    n_copies : int, default=2
        Perturbed copies of each clip; the output holds ``1 + n_copies`` times the clips (the
        originals first).
    min_rate : float, default=0.85
        Slowest speed (below 1 a copy is longer and lower).
    max_rate : float, default=1.15
        Fastest speed. Each copy draws its speed uniformly from ``[min_rate, max_rate]``.
    noise_copies : int, default=0
        How many of the ``n_copies`` (the last ones) also get white noise.
    min_snr : float, default=10.0
        Lowest signal-to-noise ratio of the noise, in dB of the clip's mean power.
    max_snr : float, default=30.0
        Highest; each noisy copy draws its ratio uniformly from ``[min_snr, max_snr]``.
    sr : int, default=22050
        Sample rate files are read at (waveforms are taken as they are). Speed is a ratio, so
        the copies keep this rate.
    random_state : int, RandomState instance or None, default=None
        Seed of the speeds and the noise.

    See Also
    --------
    sklrnn.augment : Augmentation of the feature batches during training (masking, warping).
    MFCC : The featurizer that reads the clips and their copies.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.features import WaveformPerturber
    >>> clips = [np.sin(np.arange(8000) / 5).astype("float32"), np.zeros(4000, "float32")]
    >>> perturber = WaveformPerturber(n_copies=2, noise_copies=1, sr=8000, random_state=0)
    >>> X, y = perturber.fit_resample(clips, ["a", "b"])
    >>> len(X), y.tolist()
    (6, ['a', 'b', 'a', 'b', 'a', 'b'])
    >>> [len(x) for x in X[2:4]]  # the first copies, at speeds of about 1.01 and 1.06
    [7885, 3758]
    """

    _parameter_constraints = {
        "n_copies": [Interval(Integral, 1, None)],
        "min_rate": [Interval(Real, 0.1, None)],
        "max_rate": [Interval(Real, 0.1, 10)],
        "noise_copies": [Interval(Integral, 0, None)],
        "min_snr": [Interval(Real, None, None)],
        "max_snr": [Interval(Real, None, None)],
        "sr": [Interval(Integral, 1, None)],
        "random_state": [RandomState()],
    }

    def __init__(
        self,
        *,
        n_copies=2,
        min_rate=0.85,
        max_rate=1.15,
        noise_copies=0,
        min_snr=10.0,
        max_snr=30.0,
        sr=22050,
        random_state=None,
    ):
        self.n_copies = n_copies
        self.min_rate = min_rate
        self.max_rate = max_rate
        self.noise_copies = noise_copies
        self.min_snr = min_snr
        self.max_snr = max_snr
        self.sr = sr
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        if self.max_rate < self.min_rate:
            raise ValueError(f"max_rate={self.max_rate} is below min_rate={self.min_rate}.")
        if self.max_snr < self.min_snr:
            raise ValueError(f"max_snr={self.max_snr} is below min_snr={self.min_snr}.")
        if self.noise_copies > self.n_copies:
            raise ValueError(
                f"noise_copies={self.noise_copies} is more than n_copies={self.n_copies}: the "
                "noisy copies are some of the copies."
            )

    def fit_resample(self, X, y):
        """The clips, then ``n_copies`` perturbed copies of all of them, with their labels.

        Parameters
        ----------
        X : list of str, path-like or ndarray of shape (n_samples_i,)
            Audio files or waveforms sampled at ``sr``.
        y : array-like of shape (n_samples,)
            Labels of the clips.

        Returns
        -------
        X_resampled : list of ndarray
            float32 waveforms: the ``n_samples`` clips, then each round of copies in the same
            order.
        y_resampled : ndarray of shape ((1 + n_copies) * n_samples,)
            ``y`` repeated ``1 + n_copies`` times.
        """
        self._check_params()
        librosa = _import_librosa()
        clips = [_load(item, i, self.sr) for i, item in enumerate(X)]
        y = np.asarray(y)
        if len(y) != len(clips):
            raise ValueError(f"X has {len(clips)} clips but y has {len(y)} labels.")
        rng = check_random_state(self.random_state)
        out = list(clips)
        for copy in range(self.n_copies):
            noisy = copy >= self.n_copies - self.noise_copies
            for clip in clips:
                rate = rng.uniform(self.min_rate, self.max_rate)
                # read at sr, written at sr / rate samples per second, played back at sr
                new = librosa.resample(clip, orig_sr=self.sr, target_sr=round(self.sr / rate))
                if noisy:
                    power = float(np.mean(new.astype(np.float64) ** 2))
                    snr = rng.uniform(self.min_snr, self.max_snr)
                    new = new + rng.normal(size=new.shape) * np.sqrt(power / 10 ** (snr / 10))
                out.append(np.asarray(new, dtype=np.float32))
        return out, np.tile(y, 1 + self.n_copies)
