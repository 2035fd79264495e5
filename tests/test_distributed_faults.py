"""A model search on Dask survives the loss of a worker and gives the local results."""

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklrnn import RNNClassifier

joblib = pytest.importorskip("joblib")
distributed = pytest.importorskip("distributed")

GRID = {"cell": ["gru", "lstm"], "hidden_size": [4, 6, 8]}


def make_classification(n=96, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 10, 2)).astype(np.float32)
    return X, np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")


def search():
    model = RNNClassifier(
        max_epochs=20, learning_rate=0.02, batch_size=16, random_state=0, device="cpu"
    )
    return GridSearchCV(model, GRID, cv=3)


def kill_a_busy_worker(client, pids, running, timeout=120):
    """SIGKILL the process of a worker while it runs a task of the search; its address."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not running.done():
        busy = [addr for addr, keys in client.processing().items() if keys and addr in pids]
        if busy:
            os.kill(pids[busy[0]], signal.SIGKILL)
            return busy[0]
        time.sleep(0.05)
    raise AssertionError("no worker was busy with the search")


@pytest.mark.slow
def test_grid_search_survives_a_killed_worker():
    X, y = make_classification()
    local = search().fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = client.run(os.getpid)

        def fit_on_dask():
            # scatter: every worker holds X and y, so losing one loses no data
            with joblib.parallel_backend("dask", scatter=[X, y]):
                return search().fit(X, y)

        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(fit_on_dask)
            killed = kill_a_busy_worker(client, pids, running)
            assert not running.done()  # killed mid-search
            remote = running.result(timeout=600)
        with pytest.raises(ProcessLookupError):
            os.kill(pids[killed], 0)  # the process is gone (its nanny started a new one)

    assert remote.best_params_ == local.best_params_
    for key in ["params", "rank_test_score"] + [f"split{i}_test_score" for i in range(3)]:
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_allclose(remote.predict_proba(X), local.predict_proba(X), rtol=1e-6)
