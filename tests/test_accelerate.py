"""Training through accelerate: mixed precision, and data-parallel fits in two processes."""

import json
import pickle
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._engine.net import SequenceNet

pytest.importorskip("accelerate")

ROOT = Path(__file__).resolve().parents[1]
PARAMS = {
    "cell": "gru",
    "hidden_size": 16,
    "learning_rate": 0.01,
    "max_epochs": 8,
    "device": "cpu",
    "random_state": 0,
}

# one process of a two-process data-parallel fit (launched by torch.distributed.run)
CHILD = """
import json, os, pickle, sys
import numpy as np, torch
torch.set_num_threads(1)
sys.path.insert(0, {root!r})
from sklearn.datasets import load_digits
from sklrnn import RNNClassifier
digits = load_digits()
X, y = (digits.images / 16).astype(np.float32), digits.target
clf = RNNClassifier(accelerator="no", **{params!r}).fit(X[:1000], y[:1000])
if os.environ["RANK"] == "0":
    pickle.dump(clf, open({out!r} + "/clf.pkl", "wb"))
result = {{"accuracy": clf.score(X[1000:], y[1000:]), "world": int(os.environ["WORLD_SIZE"])}}
json.dump(result, open({out!r} + f"/rank{{os.environ['RANK']}}.json", "w"))
"""


def _digits():
    digits = load_digits()
    return (digits.images / 16).astype(np.float32), digits.target


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two processes start and train: about 30 s on a busy 2-core machine
def test_two_process_fit_matches_single_process_accuracy_and_pickles(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT), params=PARAMS, out=str(tmp_path)))
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    command += ["--master_port", str(_free_port()), str(script)]
    env = {"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2]
    # both processes end with the same model
    assert ranks[0]["accuracy"] == ranks[1]["accuracy"]

    X, y = _digits()
    single = RNNClassifier(**PARAMS).fit(X[:1000], y[:1000]).score(X[1000:], y[1000:])
    assert single > 0.5  # the comparison is between models that learned
    # The two fits are equivalent, not equal: batch norm normalises each process's half batch by
    # its own statistics. Each accuracy over the 797 test digits has a standard error of about
    # 0.007 at 0.96, so two equivalent fits differ by up to about 0.02 (2 standard errors of the
    # difference). That both processes end with one model is asserted exactly, above.
    assert abs(ranks[0]["accuracy"] - single) <= 0.02

    with open(tmp_path / "clf.pkl", "rb") as f:
        clf = pickle.load(f)
    assert type(clf.net_) is SequenceNet
    assert clf.score(X[1000:], y[1000:]) == ranks[0]["accuracy"]


def test_accelerator_without_mixed_precision_trains_like_plain_skorch():
    X, y = _digits()
    plain = RNNClassifier(**dict(PARAMS, max_epochs=2)).fit(X[:300], y[:300])
    accelerated = RNNClassifier(**dict(PARAMS, max_epochs=2), accelerator="no").fit(
        X[:300], y[:300]
    )
    assert accelerated.loss_curve_ == plain.loss_curve_
    np.testing.assert_array_equal(accelerated.predict_proba(X), plain.predict_proba(X))


def test_bf16_autocast_fit_predicts_float32_and_pickles():
    X, y = _digits()
    params = dict(PARAMS, max_epochs=3, early_stopping=True, verbose=0)
    reg = RNNRegressor(**params, accelerator="bf16").fit(X[:300], y[:300].astype(float))
    assert all(p.dtype == torch.float32 for p in reg.net_.module_.parameters())
    clone = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(clone.predict(X[:50]), reg.predict(X[:50]))
    # autocast changed the arithmetic, so the fit is not the float32 one
    plain = RNNRegressor(**params).fit(X[:300], y[:300].astype(float))
    assert reg.loss_curve_ != plain.loss_curve_


def test_unknown_accelerator_mode_is_refused():
    X, y = _digits()
    with pytest.raises(ValueError, match="accelerator must be None or one of"):
        RNNClassifier(accelerator="fp64").fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="checkpoint_dir cannot be combined"):
        RNNClassifier(accelerator="no", checkpoint_dir="ckpt").fit(X[:20], y[:20])


def test_fp16_on_a_cpu_warns_that_it_trains_in_float32():
    X, y = _digits()
    params = {**PARAMS, "hidden_size": 4, "max_epochs": 1}
    with pytest.warns(UserWarning, match='accelerator="fp16" has no effect on cpu.*float32'):
        RNNClassifier(**params, accelerator="fp16").fit(X[:100], y[:100])
