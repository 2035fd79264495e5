"""fit_module: any torch module trains on sequences through the estimators' engine."""

import numpy as np
import pytest
import torch

from sklrnn._engine.net import SequenceDataset, SequenceNet
from sklrnn._engine.training import fit_module
from sklrnn.utils._torch import torch_seeded


class MeanRegressor(torch.nn.Module):
    """The mean of each sequence's valid steps, through a linear layer."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x, lengths):
        mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]  # [B, T]
        mean = (x * mask[..., None]).sum(1) / lengths[:, None]  # [B, T, 2] -> [B, 2]
        return self.linear(mean)


def _data(n=64, scale=1.0):
    rng = np.random.RandomState(0)
    x = rng.normal(size=(n, 6, 2)).astype(np.float32) * scale
    lengths = rng.randint(2, 7, size=n)
    y = np.stack([x[i, :t].mean(0) @ [1.0, -2.0] for i, t in enumerate(lengths)])
    return SequenceDataset(x, lengths, y[:, None].astype(np.float32))


def _fit(seed=0, **kw):
    with torch_seeded(seed) as s:
        module = MeanRegressor()
    params = dict(max_epochs=30, batch_size=16, learning_rate=0.05, device="cpu") | kw
    return fit_module(module, torch.nn.MSELoss(), _data(), seed=s, **params)


def test_trains_the_module_and_keeps_the_history():
    net = _fit()
    assert isinstance(net, SequenceNet)
    losses = net.history[:, "train_loss"]
    assert len(losses) == 30 and losses[-1] < 0.05 * losses[0]
    weights = net.module_.linear.weight.detach().numpy().ravel()
    np.testing.assert_allclose(weights, [1.0, -2.0], atol=0.2)


def test_the_seed_fixes_the_result():
    first, second, other = _fit(seed=3), _fit(seed=3), _fit(seed=4)
    assert first.history[:, "train_loss"] == second.history[:, "train_loss"]
    assert first.history[:, "train_loss"] != other.history[:, "train_loss"]


def test_auto_batch_size_follows_the_estimators_rule():
    net = _fit(max_epochs=1, batch_size="auto")
    assert net.batch_size == 16  # a tenth of 64 samples, at least 16


def test_a_diverging_loss_is_an_error_naming_the_owner():
    with pytest.raises(FloatingPointError, match=r"^MyFeaturizer: the train loss became"):
        _fit(learning_rate=1e30, max_epochs=5, owner="MyFeaturizer")


def test_adam_runs_fused_on_a_cpu_and_other_optimizers_as_they_are():
    from sklrnn import RNNClassifier
    from sklrnn.nn.optim import _FUSED_CPU, optimizer_options

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 8, 2)).astype("float32"), np.arange(20) % 2
    params = dict(max_epochs=1, random_state=0, device="cpu")
    for name in ("adam", "adamw"):
        clf = RNNClassifier(optimizer=name, **params).fit(X, y)
        assert clf.net_.optimizer_.param_groups[0]["fused"] is (True if _FUSED_CPU else None)
        # a warm start loads the optimizer's state and keeps its implementation
        clf.set_params(warm_start=True).fit(X, y)
        assert clf.net_.optimizer_.param_groups[0]["fused"] is (True if _FUSED_CPU else None)
    sgd = RNNClassifier(optimizer="sgd", **params).fit(X, y)
    assert not sgd.net_.optimizer_.param_groups[0].get("fused")

    class MyAdam(torch.optim.Adam):
        pass

    assert optimizer_options(MyAdam, "cpu") == {}
    assert optimizer_options(torch.optim.Adam, "cuda") == {}


def test_a_loaded_optimizer_state_keeps_the_new_optimizers_implementation():
    from sklrnn.nn.optim import load_optimizer_state

    w = torch.nn.Parameter(torch.zeros(3))
    w.grad = torch.ones(3)
    saved = torch.optim.Adam([w], foreach=True)
    saved.step()
    fresh = torch.optim.Adam([w], foreach=False)
    load_optimizer_state(fresh, saved.state_dict())
    assert fresh.param_groups[0]["foreach"] is False
    assert int(fresh.state[w]["step"]) == 1  # the moments and the step count did load
