"""Featurizers and inspection say what is wrong instead of returning something else."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklrnn.features import MFCC, ChannelsFirstConverter, KmerEncoder
from sklrnn.inspection import permutation_importance


def test_permutation_importance_of_a_channels_first_pipeline_is_per_channel():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3, 12))  # channels first: 3 channels, 12 steps
    y = (X[:, 2].mean(axis=1) > 0).astype(int)  # only channel 2 matters
    flat = FunctionTransformer(lambda Z: np.asarray(Z).reshape(len(Z), -1))
    model = make_pipeline(ChannelsFirstConverter(), flat, LogisticRegression()).fit(X, y)
    result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    assert result.importances_mean.shape == (3,)
    assert int(result.importances_mean.argmax()) == 2
    timed = permutation_importance(model, X, y, axis="time", n_segments=4, random_state=0)
    assert timed.importances_mean.shape == (4,) and timed.n_timesteps == 12


def test_mfcc_refuses_more_coefficients_than_mel_bands():
    pytest.importorskip("librosa")
    with pytest.raises(ValueError, match="n_mfcc=60 is larger than n_mels=40"):
        MFCC(n_mfcc=60, n_mels=40).fit(None)


def test_an_empty_audio_file_is_named_with_a_reason(tmp_path):
    pytest.importorskip("librosa")
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="X\\[0\\]: could not read audio file .*empty.wav'.*empty"):
        MFCC().fit_transform([str(path)])


def test_a_binary_fasta_file_is_named(tmp_path):
    pytest.importorskip("Bio")
    path = tmp_path / "genome.fa"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match="genome.fa' could not be read as text"):
        KmerEncoder().fit_transform(str(path))
