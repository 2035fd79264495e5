"""Resumable training: a fit killed mid-epoch resumes and ends with the uninterrupted weights."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, SegRNNForecaster, SeriesForecaster

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
from sklearn.model_selection import cross_val_score
from skorch.callbacks import Callback
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
    (file,) = folder.glob("fit-*/checkpoint.pt")
    saved = torch.load(file, weights_only=True)
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


def _fits(folder):
    return sorted(p.parent.name for p in Path(folder).glob("fit-*/checkpoint.pt"))


def test_fits_of_other_parameters_or_data_keep_their_own_checkpoints(tmp_path):
    X, y = _digits()
    params = {"hidden_size": 6, "max_epochs": 1, "random_state": 0}
    first = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    other_params = RNNClassifier(**params, checkpoint_dir=tmp_path).set_params(hidden_size=7)
    _assert_same_fit(
        other_params.fit(X, y), RNNClassifier(**params).set_params(hidden_size=7).fit(X, y)
    )
    other_data = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X[:-1], y[:-1])
    _assert_same_fit(other_data, RNNClassifier(**params).fit(X[:-1], y[:-1]))
    assert len(_fits(tmp_path)) == 3
    again = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)  # the first, loaded
    _assert_same_fit(again, first)
    with pytest.raises(TypeError, match="checkpoint_dir"):
        RNNClassifier(checkpoint_dir=3).fit(X, y)


def test_other_validation_data_is_another_fit(tmp_path):
    # X_val / y_val change the fit (early stopping keeps the best epoch on them)
    X, y = _digits(160)
    params = {"hidden_size": 6, "max_epochs": 4, "n_iter_no_change": 1, "random_state": 0}
    fit_val = {"X_val": X[120:140], "y_val": y[120:140]}
    RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X[:120], y[:120], **fit_val)
    other_val = {"X_val": X[140:], "y_val": y[140:]}
    refit = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X[:120], y[:120], **other_val)
    _assert_same_fit(refit, RNNClassifier(**params).fit(X[:120], y[:120], **other_val))
    assert len(_fits(tmp_path)) == 2


def test_forecaster_settings_are_part_of_the_fit(tmp_path):
    t = np.arange(160)
    series = np.sin(t / 5) + 0.1 * np.random.RandomState(0).normal(size=160)

    def forecaster(quantiles, folder=None, method="pinball"):
        est = SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=2, random_state=0)
        est.set_params(checkpoint_dir=folder)
        return SeriesForecaster(est, lookback=24, horizon=6, quantiles=quantiles, method=method)

    forecaster([0.1, 0.5, 0.9], tmp_path, method="residual").fit(series)  # a point network
    forecaster([0.1, 0.5, 0.9], tmp_path).fit(series)  # three quantile outputs: another fit
    refit = forecaster([0.4, 0.5, 0.6], tmp_path).fit(series)  # other levels: another fit
    fresh = forecaster([0.4, 0.5, 0.6]).fit(series)
    _assert_same_fit(refit.estimator_, fresh.estimator_)
    assert len(_fits(tmp_path)) == 3


class _NoTraining(Callback):
    def on_epoch_begin(self, net, **kwargs):
        raise AssertionError("a finished fit was trained again")


def test_cross_validation_folds_resume_their_own_fits(tmp_path):
    X, y = _digits()
    params = {"hidden_size": 6, "max_epochs": 2, "random_state": 0}
    expected = cross_val_score(RNNClassifier(**params), X, y, cv=3)
    est = RNNClassifier(**params, checkpoint_dir=tmp_path)
    np.testing.assert_array_equal(cross_val_score(est, X, y, cv=3), expected)
    assert len(_fits(tmp_path)) == 3
    # each fold finds its own finished fit: nothing trains, the scores are the same
    est.set_params(callbacks=[_NoTraining()])
    scores = cross_val_score(est, X, y, cv=3, error_score="raise")
    np.testing.assert_array_equal(scores, expected)
    assert len(_fits(tmp_path)) == 3


def test_a_warm_start_continues_instead_of_loading_the_first_fit(tmp_path):
    X, y = _digits()
    params = {"hidden_size": 6, "max_epochs": 2, "random_state": 0, "warm_start": True}
    est = RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y).fit(X, y)
    reference = RNNClassifier(**params).fit(X, y).fit(X, y)
    assert est.n_iter_ == 4
    _assert_same_fit(est, reference)
    assert len(_fits(tmp_path)) == 2


def _finished_checkpoint(tmp_path):
    X, y = _digits()
    params = {"hidden_size": 6, "max_epochs": 1, "random_state": 0}
    RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    (path,) = tmp_path.glob("fit-*/checkpoint.pt")
    return path, lambda: RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)


def test_a_changed_weight_in_a_checkpoint_is_detected(tmp_path):
    path, refit = _finished_checkpoint(tmp_path)
    payload = torch.load(path, weights_only=True)
    key = next(iter(payload["module"]))
    payload["module"][key].view(-1)[0] += 0.25  # one weight changed after writing
    torch.save(payload, path)
    with pytest.raises(ValueError, match="damaged: its checksum") as info:
        refit()
    assert str(path) in str(info.value) and "Delete the folder" in str(info.value)


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "foreign"])
def test_an_unreadable_checkpoint_names_the_file_and_the_fix(tmp_path, damage):
    path, refit = _finished_checkpoint(tmp_path)
    content = path.read_bytes()
    if damage == "foreign":
        torch.save({"weights": torch.zeros(3)}, path)
    else:
        new = {"empty": b"", "truncated": content[: len(content) // 2], "garbage": b"e" * 300}
        path.write_bytes(new[damage])
    expected = "not a checkpoint of this version" if damage == "foreign" else "cannot be read"
    with pytest.raises(ValueError, match=expected) as info:
        refit()
    assert str(path) in str(info.value) and f"Delete the folder {str(path.parent)!r}" in str(
        info.value
    )


def test_parameter_fingerprint_is_the_same_for_equal_random_states():
    from sklrnn._engine.checkpoint import params_fingerprint

    key = params_fingerprint({"random_state": np.random.RandomState(0), "verbose": 0})
    assert key == params_fingerprint({"random_state": np.random.RandomState(0), "verbose": 1})
    assert key != params_fingerprint({"random_state": np.random.RandomState(1)})


def test_saving_and_loading_an_estimator_writes_no_checkpoint(tmp_path):
    X, y = _digits()
    folder = tmp_path / "never"
    est = SegRNNForecaster(seg_len=4, hidden_size=4, max_epochs=1, checkpoint_dir=str(folder))
    est.set_params(checkpoint_dir=None).fit(X[:, :, 0], X[:, :, 1])
    est.set_params(checkpoint_dir=str(folder)).save(tmp_path / "model.pt")
    loaded = SegRNNForecaster.load(tmp_path / "model.pt")
    assert loaded.checkpoint_dir == str(folder) and not folder.exists()


def test_a_checkpoint_write_that_fails_keeps_the_last_epoch(tmp_path, monkeypatch):
    X, y = _digits()
    est = RNNClassifier(hidden_size=4, max_epochs=3, random_state=0, checkpoint_dir=tmp_path)
    real_save, calls = torch.save, []

    def save_twice_then_fail(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # the disk fills up while writing the third epoch
            with open(f, "wb") as handle:
                handle.write(b"PK half")
            raise OSError(28, "No space left on device")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_twice_then_fail)
    with pytest.raises(OSError, match="No space"):
        est.fit(X, y)
    monkeypatch.undo()
    (folder,) = tmp_path.iterdir()
    assert os.listdir(folder) == ["checkpoint.pt"]  # no temporary file left behind
    saved = torch.load(folder / "checkpoint.pt", weights_only=True)
    assert len(saved["module"]) and not saved["finished"]
    resumed = RNNClassifier(hidden_size=4, max_epochs=3, random_state=0, checkpoint_dir=tmp_path)
    reference = RNNClassifier(hidden_size=4, max_epochs=3, random_state=0)
    np.testing.assert_array_equal(
        resumed.fit(X, y).predict_proba(X), reference.fit(X, y).predict_proba(X)
    )


def test_a_file_as_checkpoint_dir_and_an_old_checkpoint_are_named(tmp_path):
    X, y = _digits()
    params = {"hidden_size": 4, "max_epochs": 1, "random_state": 0}
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="checkpoint_dir=.*file'? is a file"):
        RNNClassifier(**params, checkpoint_dir=tmp_path / "file").fit(X, y)
    (tmp_path / "checkpoint.pt").write_bytes(b"an earlier version's checkpoint")
    with pytest.warns(UserWarning, match="earlier version of sklrnn.*not resumed"):
        RNNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
