"""The GPU paths: training with ``device="cuda"``, and a GPU-fitted model used on a CPU machine.

These tests need a CUDA device and are skipped without one (CI has none); run them on a GPU
machine with ``pytest tests/test_gpu.py``. The CPU-only fallback of unpickling is also covered
without a GPU in ``test_estimators.py``.
"""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from helpers import SMALL, make_sign_data

from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster
from sklrnn.features import make_windows

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

ON_GPU = SMALL | dict(hidden_size=16, max_epochs=20, device="cuda")


def _device_of(estimator):
    return next(estimator.net_.module_.parameters()).device.type


def test_classifier_trains_on_the_gpu_with_ragged_input_and_weights():
    X, y = make_sign_data(n=160, n_timesteps=20, ragged=True)
    clf = RNNClassifier(
        cell="lstm", bidirectional=True, pooling="attention", class_weight="balanced",
        early_stopping=True, random_state=0, **ON_GPU,
    )  # fmt: skip
    clf.fit(X, y, sample_weight=np.linspace(0.5, 1.5, len(y)))
    assert _device_of(clf) == "cuda"
    assert clf.score(X, y) > 0.85
    proba = clf.predict_proba(X)
    assert proba.dtype == np.float64 and np.allclose(proba.sum(axis=1), 1)


def test_regressor_and_conv_front_end_train_on_the_gpu():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 16, 3)).astype(np.float32)
    y = np.stack([X[:, :, 0].mean(1), X[:, -4:, 1].sum(1)], axis=1)
    reg = RNNRegressor(cell="gru", conv_channels=(8,), random_state=0, **ON_GPU).fit(X, y)
    assert _device_of(reg) == "cuda"
    assert reg.score(X, y) > 0.5


def test_forecaster_trains_on_the_gpu():
    t = np.arange(2000, dtype=np.float32)
    series = np.stack([np.sin(2 * np.pi * t / 24), np.cos(2 * np.pi * t / 48)], axis=1)
    X, Y = make_windows(series, lookback=96, horizon=24)
    f = SegRNNForecaster(
        seg_len=24, hidden_size=32, max_epochs=5, learning_rate=0.01, device="cuda", random_state=0
    ).fit(X, Y)
    assert _device_of(f) == "cuda"
    naive = np.mean((X[:, -1:, :] - Y) ** 2)  # repeat the last value
    assert np.mean((f.predict(X) - Y) ** 2) < 0.2 * naive


def test_image_sequences_train_end_to_end_on_the_gpu():
    """The per-frame Conv2d encoder and the RNN, on (n, T, H, W) input: a bright square moving
    right or left."""
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 0.1, size=(120, 6, 12, 12)).astype(np.float32)
    y = rng.randint(0, 2, size=120)
    for i, label in enumerate(y):
        for t in range(6):
            col = 1 + t if label else 10 - t
            X[i, t, 5:8, col : col + 2] = 1.0
    clf = RNNClassifier(
        cell="gru", frame_channels=(8,), frame_features=16, random_state=0, **ON_GPU
    )
    clf.fit(X, y)
    assert _device_of(clf) == "cuda"
    assert clf.score(X, y) > 0.9


def test_same_seed_same_model_on_the_gpu():
    X, y = make_sign_data(n=80, n_timesteps=20, ragged=True)
    a = RNNClassifier(cell="gru", random_state=3, **ON_GPU).fit(X, y).predict_proba(X)
    b = RNNClassifier(cell="gru", random_state=3, **ON_GPU).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_gpu_model_loads_and_predicts_on_a_machine_without_gpu(tmp_path):
    """Pickle and save() of a GPU-fitted model, read back in a process that sees no GPU."""
    X, y = make_sign_data(n=80, n_timesteps=20, ragged=True)
    clf = RNNClassifier(cell="lstm", random_state=0, **ON_GPU).fit(X, y)
    expected = clf.predict_proba(X)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    clf.save(tmp_path / "model.pt")
    (tmp_path / "X.pkl").write_bytes(pickle.dumps(X))
    script = textwrap.dedent(
        """
        import pickle, sys, warnings
        from pathlib import Path
        import numpy as np, torch
        from sklrnn import RNNClassifier
        assert not torch.cuda.is_available()
        d = Path(sys.argv[1])
        X = pickle.loads((d / "X.pkl").read_bytes())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skorch warns that it falls back to the CPU
            unpickled = pickle.loads((d / "model.pkl").read_bytes())
        loaded = RNNClassifier.load(d / "model.pt", device="cpu")
        np.save(d / "unpickled.npy", unpickled.predict_proba(X))
        np.save(d / "loaded.npy", loaded.predict_proba(X))
        """
    )
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, check=True)
    for name in ("unpickled", "loaded"):
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.npy"), expected, atol=1e-4)
