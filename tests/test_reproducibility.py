"""Same random_state, same model: sequentially, in threads and in processes."""

import numpy as np
import pytest
import torch
from joblib import Parallel, delayed

from sklrnn import RNNClassifier, SegRNNForecaster

CONFIGS = [
    {"random_state": 0},
    {"random_state": 1, "num_layers": 2, "dropout": 0.3},  # dropout draws while training
    {"random_state": 2, "cell": "gru", "pooling": "attention"},
    {"random_state": 3, "dropout": 0.2, "early_stopping": True, "validation_fraction": 0.25},
]


def fit_proba(params):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6, 3)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    model = RNNClassifier(hidden_size=6, max_epochs=3, batch_size=8, device="cpu", **params)
    return model.fit(X, y).predict_proba(X)


@pytest.fixture(scope="module")
def sequential():
    return [fit_proba(p) for p in CONFIGS]


def test_threads_give_the_sequential_models(sequential):
    before = torch.get_rng_state()
    threaded = Parallel(n_jobs=2, backend="threading")(delayed(fit_proba)(p) for p in CONFIGS)
    for got, want in zip(threaded, sequential):
        np.testing.assert_array_equal(got, want)
    assert torch.equal(torch.get_rng_state(), before)


@pytest.mark.slow
def test_processes_give_the_sequential_models(sequential):
    in_processes = Parallel(n_jobs=2, backend="loky")(delayed(fit_proba)(p) for p in CONFIGS)
    for got, want in zip(in_processes, sequential):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_fit_leaves_the_callers_torch_generator_untouched():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit_proba(CONFIGS[1])
    SegRNNForecaster(seg_len=2, hidden_size=4, max_epochs=1, dropout=0.5, device="cpu").fit(
        np.random.RandomState(0).normal(size=(20, 4)), np.zeros((20, 2))
    )
    assert torch.equal(torch.rand(3), expected)


def test_different_seeds_give_different_models(sequential):
    other = fit_proba(CONFIGS[0] | {"random_state": 7})
    assert not np.allclose(other, sequential[0])
