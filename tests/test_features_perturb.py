"""WaveformPerturber: speed-perturbed and noisy copies of training clips."""

import numpy as np
import pytest

from sklrnn.features import WaveformPerturber

pytest.importorskip("librosa")
SR = 8000


def _clips():
    t = np.arange(SR) / SR
    return [np.sin(2 * np.pi * 200 * t).astype(np.float32), 0.5 * np.sin(np.arange(4000.0))]


def test_originals_first_then_copies_with_tiled_labels():
    clips = _clips()
    X, y = WaveformPerturber(n_copies=3, sr=SR, random_state=0).fit_resample(clips, [7, 8])
    assert len(X) == 8 and y.tolist() == [7, 8] * 4
    np.testing.assert_array_equal(X[0], clips[0])
    np.testing.assert_allclose(X[1], clips[1], rtol=1e-6)  # float64 in, float32 out
    assert all(x.dtype == np.float32 for x in X)
    rates = [len(clips[i % 2]) / len(x) for i, x in enumerate(X[2:])]
    assert all(0.84 < r < 1.16 for r in rates) and len(set(np.round(rates, 4))) == 6


def test_speed_is_a_resampling_of_the_waveform():
    clips = _clips()
    X, _ = WaveformPerturber(n_copies=1, min_rate=0.5, max_rate=0.5, sr=SR).fit_resample(
        clips[:1], [0]
    )
    assert len(X[1]) == 2 * SR  # twice as long: 200 Hz becomes 100 Hz
    spectrum = np.abs(np.fft.rfft(X[1]))
    assert np.argmax(spectrum) * SR / len(X[1]) == pytest.approx(100, abs=1)


def test_noise_on_the_last_copies_at_the_asked_ratio():
    clips = _clips()
    perturber = WaveformPerturber(
        n_copies=2,
        noise_copies=1,
        min_rate=1.0,
        max_rate=1.0,
        min_snr=20,
        max_snr=20,
        sr=SR,
        random_state=0,
    )
    X, _ = perturber.fit_resample(clips, [0, 1])
    np.testing.assert_allclose(X[2], clips[0], atol=1e-3)  # first copies: speed 1, no noise
    noise = X[4] - X[2]
    snr = 10 * np.log10(np.mean(X[2] ** 2) / np.mean(noise**2))
    assert snr == pytest.approx(20, abs=0.5)


def test_seeded_and_never_part_of_predict():
    clips = _clips()
    a, _ = WaveformPerturber(noise_copies=1, sr=SR, random_state=3).fit_resample(clips, [0, 1])
    b, _ = WaveformPerturber(noise_copies=1, sr=SR, random_state=3).fit_resample(clips, [0, 1])
    c, _ = WaveformPerturber(noise_copies=1, sr=SR, random_state=4).fit_resample(clips, [0, 1])
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(u.shape == v.shape and np.array_equal(u, v) for u, v in zip(a, c))
    # a resampler, not a transformer: a Pipeline cannot run it on the clips it predicts
    assert not hasattr(WaveformPerturber(), "transform")


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_copies": 0}, "n_copies must be an integer >= 1"),
        ({"min_rate": 1.2, "max_rate": 1.1}, "max_rate=1.1 is below min_rate=1.2"),
        ({"min_snr": 30, "max_snr": 10}, "max_snr=10 is below min_snr=30"),
        ({"n_copies": 1, "noise_copies": 2}, "noise_copies=2 is more than n_copies=1"),
        ({"random_state": "x"}, "random_state"),
    ],
)
def test_parameters_checked(params, match):
    with pytest.raises(ValueError, match=match):
        WaveformPerturber(**params).fit_resample(_clips(), [0, 1])


def test_labels_must_match_the_clips():
    with pytest.raises(ValueError, match="X has 2 clips but y has 3 labels"):
        WaveformPerturber(sr=SR).fit_resample(_clips(), [0, 1, 2])
