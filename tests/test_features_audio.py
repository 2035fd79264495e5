# MFCC is not run through scikit-learn's parametrize_with_checks: its input is a list of audio
# files or of 1-D waveforms (clips of different lengths), and the checks feed numeric 2-D
# arrays of shape (n_samples, n_features), which are not audio clips.
import sys

import numpy as np
import pytest
from joblib import parallel_config
from scipy.io import wavfile

from sklrnn.datasets import load_fsdd
from sklrnn.features import MFCC

librosa = pytest.importorskip("librosa")
SR = 8000  # the native rate of FSDD


@pytest.fixture(scope="module")
def paths(require_data):
    fsdd = load_fsdd(speakers=["jackson"], data_home=require_data("fsdd/recordings"))
    return [fsdd.paths[i] for i in (0, 60, 120, 260, 499)]


def _sine(n, freq=440.0, sr=SR):
    return np.sin(2 * np.pi * freq * np.arange(n) / sr).astype(np.float32)


def test_files_match_librosa(paths):
    out = MFCC(sr=SR, n_mfcc=13).fit_transform(paths)
    assert isinstance(out, list)
    assert len(out) == len(paths)
    y, _ = librosa.load(paths[1], sr=None)
    expected = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=13, n_fft=512, hop_length=128, n_mels=40)
    assert out[1].dtype == np.float32
    assert out[1].shape == (1 + len(y) // 128, 13)
    np.testing.assert_allclose(out[1], expected.T, rtol=1e-4, atol=1e-3)
    assert len({x.shape[0] for x in out}) > 1  # clips of different lengths


def test_waveforms_equal_files_and_pcm_scaling(paths):
    rate, pcm = wavfile.read(paths[0])
    assert rate == SR
    assert pcm.dtype == np.int16
    mfcc = MFCC(sr=SR)
    from_file = mfcc.fit_transform(paths[:1])[0]
    from_floats = mfcc.transform([pcm / 32768.0])[0]
    from_ints = mfcc.transform(np.stack([pcm, pcm]))  # 2-D: one waveform per row
    np.testing.assert_allclose(from_floats, from_file, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(from_ints[1], from_file, rtol=1e-4, atol=1e-3)


def test_resampling_on_load(paths):
    y, _ = librosa.load(paths[2], sr=None)
    out = MFCC(sr=16000, hop_length=128).fit_transform(paths[2:3])[0]
    assert out.shape[0] == 1 + (2 * len(y)) // 128  # twice the samples at twice the rate


def test_deltas_and_feature_names(paths):
    mfcc = MFCC(sr=SR, n_mfcc=5, deltas=True, delta_deltas=True)
    out = mfcc.fit_transform(paths[:2])
    assert mfcc.n_features_out_ == 15
    assert out[0].shape[1] == 15
    base = out[0][:, :5].T
    np.testing.assert_allclose(
        out[0][:, 5:10].T, librosa.feature.delta(base, width=9), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(
        out[0][:, 10:].T, librosa.feature.delta(base, width=9, order=2), rtol=1e-4, atol=1e-4
    )
    names = mfcc.get_feature_names_out()
    assert list(names[[0, 4, 5, 10, 14]]) == ["mfcc0", "mfcc4", "d_mfcc0", "dd_mfcc0", "dd_mfcc4"]
    only_dd = MFCC(n_mfcc=2, delta_deltas=True).fit(None).get_feature_names_out()
    assert list(only_dd) == ["mfcc0", "mfcc1", "dd_mfcc0", "dd_mfcc1"]


def test_short_clips_with_deltas():
    mfcc = MFCC(sr=SR, n_mfcc=4, deltas=True, delta_deltas=True, hop_length=512)
    out = mfcc.fit_transform([_sine(100), _sine(1), _sine(3000)])
    assert [x.shape[0] for x in out] == [2, 2, 6]  # short clips padded to one window
    assert all(np.isfinite(x).all() for x in out)
    out = MFCC(sr=SR, deltas=True).fit_transform([_sine(50)])
    assert out[0].shape == (5, 40)


def test_padded_output():
    clips = [_sine(4000), _sine(1600), _sine(8000)]
    ragged = MFCC(sr=SR, n_mfcc=6).fit_transform(clips)
    padded = MFCC(sr=SR, n_mfcc=6, output="padded").fit_transform(clips)
    assert padded.shape == (3, 63, 6)
    assert padded.dtype == np.float32
    n = ragged[1].shape[0]
    np.testing.assert_array_equal(padded[1, :n], ragged[1])
    np.testing.assert_array_equal(padded[1, n:], 0.0)


def test_parallel_equals_sequential(paths):
    sequential = MFCC(sr=SR).fit_transform(paths)
    with parallel_config(backend="threading"):
        parallel = MFCC(sr=SR, n_jobs=2).fit_transform(paths)
    for a, b in zip(parallel, sequential):
        np.testing.assert_array_equal(a, b)


def test_bad_clips_named(tmp_path, paths):
    mfcc = MFCC(sr=SR).fit(None)
    missing = str(tmp_path / "missing.wav")
    with pytest.raises(ValueError, match=r"X\[1\]: audio file .*missing.wav' does not exist"):
        mfcc.transform([paths[0], missing])
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"this is not audio" * 10)
    with pytest.raises(ValueError, match=r"X\[0\]: could not read audio file .*garbage.wav"):
        mfcc.transform([garbage])
    empty = tmp_path / "empty.wav"
    wavfile.write(empty, SR, np.zeros(0, dtype=np.int16))
    with pytest.raises(ValueError, match=r"X\[0\]: audio file .*empty.wav' has no samples"):
        mfcc.transform([str(empty)])
    with pytest.raises(ValueError, match=r"X\[1\] is an empty waveform"):
        mfcc.transform([_sine(100), np.zeros(0)])
    with pytest.raises(ValueError, match=r"X\[0\] is a waveform of shape \(2, 100\)"):
        mfcc.transform([np.zeros((2, 100))])
    with pytest.raises(ValueError, match=r"X\[0\] has NaN"):
        mfcc.transform([np.full(100, np.nan)])
    with pytest.raises(TypeError, match="Wrap a single clip in a list"):
        mfcc.transform(paths[0])
    with pytest.raises(ValueError, match="holds no clips"):
        mfcc.transform([])


def test_parameters_checked():
    with pytest.raises(ValueError, match="n_mfcc must be None or an integer >= 1"):
        MFCC(n_mfcc=0).fit(None)
    with pytest.raises(ValueError, match="delta_width must be odd"):
        MFCC(delta_width=4).fit(None)
    with pytest.raises(ValueError, match=r"output must be one of \['list', 'padded'\]"):
        MFCC(output="dict").fit(None)
    assert MFCC(n_fft=1024).fit(None).hop_length_ == 256


def test_missing_librosa_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "librosa", None)  # makes `import librosa` fail
    with pytest.raises(ImportError, match=r"pip install librosa soundfile`.*\.\[audio\]"):
        MFCC().fit(None)


def test_log_mel_bands_without_the_cosine_transform():
    librosa = pytest.importorskip("librosa")
    from scipy.fft import dct

    t = np.arange(4000) / 8000
    clip = (np.sin(2 * np.pi * 300 * t) * np.linspace(0.1, 1, t.size)).astype(np.float32)
    bands = MFCC(sr=8000, n_mfcc=None, n_mels=32, n_fft=256, deltas=True).fit(None)
    out = bands.transform([clip])[0]
    assert out.shape[1] == bands.n_features_out_ == 64
    assert bands.get_feature_names_out()[[0, 32]].tolist() == ["logmel0", "d_logmel0"]
    mel = librosa.power_to_db(
        librosa.feature.melspectrogram(y=clip, sr=8000, n_fft=256, hop_length=64, n_mels=32)
    )
    np.testing.assert_allclose(out[:, :32], mel.T, rtol=1e-5, atol=1e-4)
    # the cepstra are the first coefficients of the bands' orthonormal DCT
    mfcc = MFCC(sr=8000, n_mfcc=13, n_mels=32, n_fft=256).fit(None).transform([clip])[0]
    np.testing.assert_allclose(mfcc, dct(mel, axis=0, norm="ortho")[:13].T, rtol=1e-4, atol=1e-3)


def test_trim_db_cuts_leading_and_trailing_silence():
    speech = _sine(4000, freq=300.0)
    padded = np.concatenate([np.zeros(3000, np.float32), speech, np.zeros(5000, np.float32)])
    quiet = np.zeros(2000, np.float32)
    mfcc = MFCC(sr=SR, n_mfcc=13, n_fft=256, hop_length=128)
    whole = mfcc.fit_transform([speech, padded, quiet])
    trimmed = mfcc.set_params(trim_db=30).fit_transform([speech, padded, quiet])
    assert whole[1].shape[0] > 90 > trimmed[1].shape[0]  # 12,000 samples vs about 4,000
    assert abs(trimmed[1].shape[0] - whole[0].shape[0]) <= 3
    # an all-quiet clip is kept whole rather than emptied
    assert trimmed[2].shape == whole[2].shape
    with pytest.raises(ValueError, match="trim_db"):
        MFCC(trim_db=0).fit(None)
    with pytest.raises(ValueError, match="trim_db"):
        MFCC(trim_db="loud").fit(None)
