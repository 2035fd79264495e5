"""When a fit without validation data stops (``TrainingDone``, ``budget_``), and the segments
that keep the recurrence short on long sequences (``segment_length``)."""

import numpy as np
import pytest
import torch

from sklrnn import RNNClassifier
from sklrnn._engine.budget import (
    MAX_RECURRENT_STEPS,
    MIN_PLATEAU_STEPS,
    TrainingDone,
    resolve_segment_length,
)
from sklrnn.nn.recurrent import RecurrentNet

TINY = dict(hidden_size=4, conv_channels=(4, 4), device="cpu", random_state=0)


def _data(n=32, steps=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps, 1)).astype("float32")
    return X, (X[:, :, 0].mean(1) > 0).astype(int)


class _Net:
    """What TrainingDone reads of a skorch net: a history and an optimizer's groups."""

    def __init__(self, lr=0.01):
        self.history = []
        self.optimizer_ = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)


class _History(list):
    def record(self, key, value):
        self[-1][key] = value


def _run(callback, losses, batches=10):
    net = _Net()
    net.history = _History()
    callback.on_train_begin(net)
    for epoch, loss in enumerate(losses, 1):
        net.history.append({"epoch": epoch, "train_loss": loss, "batches": [{}] * batches})
        try:
            callback.on_epoch_end(net)
        except KeyboardInterrupt:
            return net, epoch
    return net, None


def test_plateau_anneals_then_stops():
    # 20 epochs of falling loss, then flat: a plateau after max(5, 100 steps / 10) epochs
    losses = [1 / (1 + e) for e in range(20)] + [0.01] * 100  # flat at a 100th of the first
    net, stopped = _run(TrainingDone(patience=5, eta_min=1e-4), losses)
    marked = [row for row in net.history if "training_done" in row]
    assert [row["training_done"] for row in marked] == ["plateau"]
    found = marked[0]["epoch"]
    assert found == 21 + MIN_PLATEAU_STEPS // 10  # the flat loss is the best from epoch 21
    # the learning rate anneals over max(5, 10 % of the epochs) more epochs, then the fit ends
    assert stopped == found + 5
    assert net.optimizer_.param_groups[0]["lr"] < 0.01 * 0.2


def test_falling_loss_is_not_a_plateau_but_a_fitted_one_converges():
    falling = [0.9**e for e in range(60)]  # 10 % lower every epoch, never below 1e-3
    assert _run(TrainingDone(patience=5, eta_min=0.0), falling)[1] is None
    net, stopped = _run(TrainingDone(patience=5, eta_min=0.0, anneal=False), [0.5, 1e-4])
    assert stopped == 2 and net.history[-1]["training_done"] == "converged"


# unblended batches; blended ones (mixup, the default) with a network wide enough to fit them:
# their loss is reported less the blends' entropy, so the same rule ends the fit
@pytest.mark.parametrize(
    "params",
    [dict(mixup=0.0), dict(hidden_size=16, conv_channels=(16, 16))],
    ids=["plain", "mixup"],
)
def test_fit_reports_what_ran_and_why_it_stopped(params):
    X, y = _data()
    clf = RNNClassifier(**(TINY | params), learning_rate=0.05).fit(X, y)
    budget = clf.budget_
    assert budget.stop_reason in ("plateau", "converged")
    assert budget.n_epochs == clf.n_iter_ < budget.max_epochs
    assert budget.n_steps == budget.n_epochs * 2  # 32 samples in batches of 16
    assert budget.stop_epoch < budget.n_epochs
    fixed = RNNClassifier(**TINY, max_epochs=3).fit(X, y)  # an explicit budget runs whole
    assert (fixed.budget_.n_epochs, fixed.budget_.stop_reason) == (3, "max_epochs")
    assert fixed.budget_.stop_epoch is None


def test_auto_segment_length_follows_the_series_length():
    assert resolve_segment_length("auto", MAX_RECURRENT_STEPS) == 1
    assert resolve_segment_length("auto", MAX_RECURRENT_STEPS + 1) == 2
    assert resolve_segment_length("auto", 1460) == 12
    assert resolve_segment_length(3, 1460) == 3


@pytest.mark.parametrize("conv", [dict(), dict(conv_channels=(4, 4), conv_mode="parallel")])
def test_segments_shorten_the_recurrence(conv):
    net = RecurrentNet(2, 3, hidden_size=4, segment_length=5, **conv)
    seen = []
    net.rnn.register_forward_hook(lambda module, args, out: seen.append(args[0].shape))
    out = net(torch.zeros(2, 23, 2), torch.tensor([23, 23]))
    assert out.shape == (2, 3)
    assert seen == [torch.Size([2, 5, 4])]  # ceil(23 / 5) steps of the hidden size


def test_serial_convolutions_pool_instead():
    net = RecurrentNet(
        2, 3, hidden_size=4, conv_channels=(6, 4), conv_mode="serial", segment_length=4
    )
    seen = []
    net.rnn.register_forward_hook(lambda module, args, out: seen.append(args[0].shape))
    net(torch.zeros(2, 10, 2), torch.tensor([10, 10]))
    assert net.segments is None and seen == [torch.Size([2, 3, 4])]


@pytest.mark.parametrize("mode", ["serial", "parallel"])
def test_segments_padding_never_changes_a_prediction(mode):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(5, 30), 1)).astype("float32") for _ in range(24)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    clf = RNNClassifier(**TINY, conv_mode=mode, conv_norm="batch", segment_length=4, max_epochs=2)
    clf.fit(X, y)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_long_series_are_read_in_segments_by_default():
    X, y = _data(n=16, steps=300)
    clf = RNNClassifier(**TINY, max_epochs=1).fit(X, y)
    assert clf.segment_length_ == 3
    # three steps of one feature, read twice (standardize="both")
    assert clf.net_.module_.segments.in_features == 3 * 2
    assert RNNClassifier(**TINY, max_epochs=1).fit(X[:, :20], y).segment_length_ == 1


def test_a_plateau_high_up_is_a_stall_not_the_end():
    stalled = [0.7, 0.5] + [0.45] * 100  # flat at two thirds of the first epoch's loss
    net, stopped = _run(TrainingDone(patience=5, eta_min=0.0), stalled)
    assert stopped is None and not any("training_done" in row for row in net.history)


def test_batch_norm_keeps_the_statistics_of_the_training_data():
    # series whose levels differ: small batches see little of the variance between series
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(40, 12, 1)) + 5 * rng.normal(size=(40, 1, 1))).astype("float32")
    y = (X[:, :, 0].mean(1) > 0).astype(int)
    clf = RNNClassifier(
        **TINY | dict(conv_channels=(4,)), conv_norm="batch", standardize=None, max_epochs=3
    )
    clf.fit(X, y)
    conv, norm = clf.net_.module_.conv.convs[0], clf.net_.module_.conv.norms[0]
    with torch.no_grad():
        h = conv(torch.as_tensor(X).transpose(1, 2))  # [B, T, 1] -> [B, C, T]
    np.testing.assert_allclose(norm.running_mean, h.mean((0, 2)), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.running_var, h.var((0, 2)), rtol=1e-3)
