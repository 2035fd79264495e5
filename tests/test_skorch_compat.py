"""The skorch installed has every internal that sklrnn._engine.skorch_compat relies on, and the
compat functions do what the engine expects of them."""

import numpy as np
import pytest
import skorch
import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping
from skorch.hf import AccelerateMixin

from sklrnn._engine import skorch_compat
from sklrnn._engine.net import SequenceDataset, SequenceNet, build_net
from sklrnn._engine.skorch_compat import (
    early_stopping_state,
    early_stopping_triggered,
    set_early_stopping_state,
    set_training,
)


class _Mean(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)

    def forward(self, x, lengths):
        return self.linear(x.mean(1))  # [B, T, 2] -> [B, 1]


def _data(n=40):
    rng = np.random.RandomState(0)
    x = rng.normal(size=(n, 5, 2)).astype(np.float32)
    return SequenceDataset(x, np.full(n, 5), x.sum((1, 2))[:, None])


def test_the_internals_it_relies_on_exist():
    assert hasattr(NeuralNet, "_set_training")
    assert hasattr(NeuralNet, "_initialize_callbacks")
    assert isinstance(NeuralNet._criteria, list)
    for name in ("_initialize_accelerator", "_initialize_callbacks", "_unwrap_accelerator"):
        assert hasattr(AccelerateMixin, name), name
    stopper = EarlyStopping().initialize()
    stopper.on_train_begin(None)
    for attr in ("misses_", "dynamic_threshold_", "best_model_weights_", "best_epoch_"):
        assert hasattr(stopper, attr), f"skorch {skorch.__version__}: EarlyStopping.{attr}"


def test_early_stopping_state_round_trips_onto_a_new_callback():
    net = build_net(
        _Mean(),
        torch.nn.MSELoss(),
        max_epochs=6,
        batch_size=8,
        lr=1e3,  # diverges, so that early stopping counts misses
        train_split=lambda ds, y=None: (ds.subset(np.arange(30)), ds.subset(np.arange(30, 40))),
        callbacks=[("es", EarlyStopping(patience=2, threshold=0.0, load_best=True))],
        device="cpu",
    ).fit(_data(), None)
    stopper = dict(net.callbacks_)["es"]
    state = early_stopping_state(stopper)
    assert set(state) == {"misses", "threshold", "best_epoch", "best_weights"}
    assert isinstance(state["threshold"], float)
    assert early_stopping_triggered(stopper) == (state["misses"] >= 2)
    fresh = EarlyStopping(patience=2).initialize()
    set_early_stopping_state(fresh, state)
    assert early_stopping_state(fresh)["misses"] == state["misses"]
    assert fresh.best_model_weights_ is state["best_weights"]


def test_set_training_switches_modes_and_skips_a_switch_that_changes_nothing(monkeypatch):
    net = build_net(_Mean(), torch.nn.MSELoss(), max_epochs=1, device="cpu").initialize()
    set_training(net, False)
    assert not net.module_.training and not net.criterion_.training
    walked = []
    monkeypatch.setattr(NeuralNet, "_set_training", lambda self, training=True: walked.append(1))
    set_training(net, False)  # already in eval mode: skorch's walk is skipped
    assert walked == []
    set_training(net, True)
    assert walked == [1]


def test_the_plain_net_is_a_lean_net():
    assert issubclass(SequenceNet, skorch_compat.LeanNeuralNet)


def test_unwrap_accelerated_gives_a_plain_net_that_pickles():
    pytest.importorskip("accelerate")
    import pickle

    from sklrnn._engine.accelerate import accelerated_net, plain_net

    net = accelerated_net(
        _Mean(), torch.nn.MSELoss(), "cpu", "no", max_epochs=2, batch_size=8, lr=0.01
    ).fit(_data(), None)
    net = plain_net(net)
    assert type(net) is SequenceNet and not hasattr(net, "accelerator")
    assert isinstance(net.optimizer_, torch.optim.Optimizer)
    assert pickle.loads(pickle.dumps(net)).predict_raw(_data()).shape == (40, 1)
