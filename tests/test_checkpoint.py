"""Resumable training: a fit killed mid-epoch resumes and ends with the uninterrupted weights."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sklrnn import RNNClassifier, SegRNNForecaster

ROOT = Path(__file__).resolve().parents[1]

# a fit in a child process, SIGKILLed on the second batch of epoch KILL_EPOCH
CHILD = """
import os, signal, sys
import numpy as np, torch
from skorch.callbacks import Callback
torch.set_num_threads(1)
sys.path.insert(0, {root!r})
{setup}

class Kill(Callback):
    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == {kill_epoch} and len(net.history[-1]["batches"]) == 2:
            os.kill(os.getpid(), signal.SIGKILL)

est.set_params(checkpoint_dir={folder!r}, callbacks=[Kill()]).fit(X, y)
"""

DIGITS = """
from sklearn.datasets import load_digits
from sklrnn import RNNClassifier
digits = load_digits()
X, y = (digits.images[:240] / 16).astype(np.float32), digits.target[:240]
est = RNNClassifier(cell="lstm", hidden_size=8, num_layers=2, dropout=0.3, batch_size=32,
                    max_epochs=8, early_stopping=True, n_iter_no_change=3, random_state=0)
"""

SERIES = """
from sklrnn import SegRNNForecaster
t = np.arange(400)
series = np.sin(t / 6)[:, None] + 0.1 * np.random.RandomState(0).normal(size=(400, 2))
X = np.stack([series[i:i + 24] for i in range(360)])
y = np.stack([series[i + 24:i + 30] for i in range(360)])
est = SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=7, batch_size=32,
                       lr_schedule="paper", dropout=0.2, random_state=0)
"""


def _killed_fit(tmp_path, setup, kill_epoch):
    folder = tmp_path / "ckpt"
    script = CHILD.format(root=str(ROOT), setup=setup, kill_epoch=kill_epoch, folder=str(folder))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == -9, result.stderr  # killed, not finished
    saved = torch.load(folder / "checkpoint.pt", weights_only=True)
    assert len(saved["module"]) and not saved["finished"]
    return folder, setup


def _build(setup):
    scope = {"np": np}
    exec(textwrap.dedent(setup), scope)
    return scope["est"], scope["X"], scope["y"]


def _assert_same_fit(resumed, reference):
    assert resumed.loss_curve_ == reference.loss_curve_
    state, expected = resumed.net_.module_.state_dict(), reference.net_.module_.state_dict()
    assert state.keys() == expected.keys()
    for key in state:
        assert torch.equal(state[key], expected[key]), key


@pytest.mark.parametrize(
    ("setup", "kill_epoch"), [(DIGITS, 4), (SERIES, 5)], ids=["classifier", "forecaster"]
)
def test_killed_fit_resumes_to_the_uninterrupted_weights(tmp_path, setup, kill_epoch):
    folder, _ = _killed_fit(tmp_path, setup, kill_epoch)
    est, X, y = _build(setup)
    reference = est.fit(X, y)
    resumed, X, y = _build(setup)
    resumed.set_params(checkpoint_dir=str(folder)).fit(X, y)
    assert resumed.n_iter_ > kill_epoch - 1  # the epochs before the kill were not redone
    _assert_same_fit(resumed, reference)


def _digits(n=120):
    digits = load_digits()
    return (digits.images[:n] / 16).astype(np.float32), digits.target[:n]


def test_finished_fit_is_loaded_not_trained_again(tmp_path):
    X, y = _digits()
    params = {"cell": "gru", "hidden_size": 6, "max_epochs": 3, "random_state": 0}
    first = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    again = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    _assert_same_fit(again, first)
    assert again.net_.max_epochs == 3


def test_checkpoint_of_other_parameters_or_data_is_refused(tmp_path):
    X, y = _digits()
    RNNClassifier(hidden_size=6, max_epochs=1, random_state=0, checkpoint_dir=tmp_path).fit(X, y)
    with pytest.raises(ValueError, match="other parameters"):
        RNNClassifier(hidden_size=7, max_epochs=1, random_state=0, checkpoint_dir=tmp_path).fit(
            X, y
        )
    with pytest.raises(ValueError, match="other training data"):
        RNNClassifier(hidden_size=6, max_epochs=1, random_state=0, checkpoint_dir=tmp_path).fit(
            X[:-1], y[:-1]
        )
    with pytest.raises(TypeError, match="checkpoint_dir"):
        RNNClassifier(checkpoint_dir=3).fit(X, y)


def test_saving_and_loading_an_estimator_writes_no_checkpoint(tmp_path):
    X, y = _digits()
    folder = tmp_path / "never"
    est = SegRNNForecaster(seg_len=4, hidden_size=4, max_epochs=1, checkpoint_dir=str(folder))
    est.set_params(checkpoint_dir=None).fit(X[:, :, 0], X[:, :, 1])
    est.set_params(checkpoint_dir=str(folder)).save(tmp_path / "model.pt")
    loaded = SegRNNForecaster.load(tmp_path / "model.pt")
    assert loaded.checkpoint_dir == str(folder) and not folder.exists()
