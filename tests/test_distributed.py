"""Model selection over a real Dask cluster gives the results of the same search run locally."""

import numpy as np
import pytest
from helpers import SMALL, make_sign_data
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklrnn import RNNClassifier, RNNRegressor

joblib = pytest.importorskip("joblib")
distributed = pytest.importorskip("distributed")

GRID = {"cell": ["gru", "lstm"], "hidden_size": [4, 8]}


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes on this machine, no dashboard."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def make_regression(n=96, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8, 1)).astype(np.float32)
    return X, X[:, :, 0].sum(axis=1)


def classifier():
    return RNNClassifier(**SMALL | dict(hidden_size=4), random_state=0)


def regressor():
    return RNNRegressor(**SMALL, cell="gru", random_state=0)


def on_dask(client, fn):
    """Run ``fn()`` under joblib's Dask backend; also return the workers that computed tasks."""
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        result = fn()
    workers = {task["worker"] for task in stream.data}
    assert workers, "nothing ran on the cluster"
    assert workers <= set(client.scheduler_info()["workers"])
    return result, workers


def test_grid_search_on_dask_matches_local(client):
    X, y = make_sign_data(n=96, n_timesteps=10)
    local = GridSearchCV(classifier(), GRID, cv=2, n_jobs=1).fit(X, y)
    remote, _ = on_dask(client, lambda: GridSearchCV(classifier(), GRID, cv=2).fit(X, y))

    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    # the search learned something, so equal scores are not equal chance
    assert local.best_score_ > 0.7
    np.testing.assert_allclose(remote.predict_proba(X), local.predict_proba(X), rtol=1e-6)


def test_pipeline_search_on_dask_matches_local(client):
    # a featurizer parameter and an estimator parameter tuned together
    X, y = make_regression()
    pipe = make_pipeline(FunctionTransformer(), regressor())
    grid = {"functiontransformer__func": [None, np.tanh], "rnnregressor__cell": ["gru", "rnn"]}
    local = GridSearchCV(pipe, grid, cv=KFold(2)).fit(X, y)
    remote, _ = on_dask(client, lambda: GridSearchCV(pipe, grid, cv=KFold(2)).fit(X, y))

    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-5
    )


def test_cross_validate_on_dask_matches_local(client):
    X, y = make_regression()
    local = cross_validate(regressor(), X, y, cv=3)
    remote, _ = on_dask(client, lambda: cross_validate(regressor(), X, y, cv=3))
    np.testing.assert_allclose(remote["test_score"], local["test_score"], rtol=1e-5)


def test_fit_on_a_worker_predicts_like_a_local_fit(client):
    # the estimator travels to a worker, trains there and comes back fitted (pickle both ways)
    X, y = make_sign_data(n=96, n_timesteps=10)
    fitted_remotely = client.submit(RNNClassifier.fit, classifier(), X, y, pure=False).result()
    fitted_locally = classifier().fit(X, y)
    assert fitted_remotely.classes_.tolist() == ["down", "up"]
    np.testing.assert_allclose(
        fitted_remotely.predict_proba(X), fitted_locally.predict_proba(X), rtol=1e-6
    )
    proba_on_worker = client.submit(RNNClassifier.predict_proba, fitted_locally, X).result()
    np.testing.assert_allclose(proba_on_worker, fitted_locally.predict_proba(X), rtol=1e-6)
