"""A fitted model is never silently wrong; a failed or interrupted fit changes nothing."""

import signal
import warnings

import numpy as np
import pytest
import torch
from helpers import make_binary_data as data
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster


def C(**kw):
    return RNNClassifier(
        **{"hidden_size": 8, "max_epochs": 2, "device": "cpu", "random_state": 0}
        # the recurrent network alone, one batch per epoch, a constant learning rate
        | {"conv_channels": None, "lr_schedule": None, "batch_size": 64}
        | kw
    )


class Boom(Callback):
    """Raise ``error`` at the end of epoch ``epoch``."""

    def __init__(self, epoch=1, error=RuntimeError):
        self.epoch, self.error = epoch, error

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epoch:
            raise self.error("boom")


class SigInt(Callback):
    """Send this process SIGINT (as Ctrl-C does) after ``batches`` training batches."""

    def __init__(self, batches=1):
        self.batches = batches

    def on_train_begin(self, net, **kwargs):
        self.seen_ = 0

    def on_batch_end(self, net, training=False, **kwargs):
        self.seen_ += training
        if self.seen_ == self.batches:
            signal.raise_signal(signal.SIGINT)


@pytest.fixture
def ctrl_c_raises():
    """Python's own SIGINT handler for the test: a process started in the background (as CI
    may start the tests) inherits SIGINT ignored, and then Python installs no handler."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def fitted_state(est):
    params = set(est.get_params(deep=False))
    return {k: v for k, v in vars(est).items() if k not in params and not k.startswith("_skl")}


def assert_state_is(est, before):
    after = fitted_state(est)
    assert after.keys() == before.keys()
    for name, value in before.items():
        assert after[name] is value, name


# --------------------------------------------------- a fit commits once, or changes nothing
def test_failed_refit_leaves_every_fitted_attribute_as_it_was():
    X, y = data()
    model = C().fit(X, y)
    before, proba = fitted_state(model), model.predict_proba(X)
    weights = {k: v.clone() for k, v in model.net_.module_.state_dict().items()}
    model.set_params(callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X, np.where(y, "cat", "dog"))  # new labels, fails after one epoch
    assert_state_is(model, before)
    model.set_params(callbacks=None)
    assert set(model.predict(X)) <= {0, 1}
    np.testing.assert_array_equal(model.predict_proba(X), proba)
    for k, v in model.net_.module_.state_dict().items():
        assert torch.equal(v, weights[k])


def test_failed_warm_start_fit_leaves_weights_and_optimizer_as_they_were():
    X, y = data()
    model = C(warm_start=True).fit(X, y)
    before = fitted_state(model)
    opt = {k: v["exp_avg"].clone() for k, v in model.net_.optimizer_.state_dict()["state"].items()}
    proba = model.predict_proba(X)
    with pytest.raises(RuntimeError, match="boom"):
        model.set_params(callbacks=[Boom(epoch=3)]).fit(X, y)  # 2 more epochs trained first
    assert_state_is(model, before)
    np.testing.assert_array_equal(model.set_params(callbacks=None).predict_proba(X), proba)
    for k, v in model.net_.optimizer_.state_dict()["state"].items():
        assert torch.equal(v["exp_avg"], opt[k])


def test_failed_refit_with_more_targets_keeps_the_regressor_saveable(tmp_path):
    X, y = data()
    reg = RNNRegressor(hidden_size=4, max_epochs=1, device="cpu", random_state=0)
    reg.fit(X, y.astype(float))
    reg.set_params(callbacks=[Boom()])
    with pytest.raises(RuntimeError):
        reg.fit(X, np.column_stack([y, y]).astype(float))
    assert reg.n_outputs_ == 1 and reg.predict(X).shape == (40,)
    reg.set_params(callbacks=None).save(tmp_path / "reg.pt")
    assert RNNRegressor.load(tmp_path / "reg.pt").predict(X).shape == (40,)


def test_failed_first_fit_leaves_the_estimator_unfitted():
    X, y = data()
    model = C(callbacks=[Boom()])
    before = dict(vars(model))
    with pytest.raises(RuntimeError):
        model.fit(X, y)
    assert {k: v for k, v in vars(model).items() if not k.startswith("_skl")} == before
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


class Peek(Callback):
    """Record, at the end of every epoch, the fitted attributes ``est`` has by then."""

    def __init__(self, est):
        self.est, self.seen = est, []

    def __deepcopy__(self, memo):  # fit copies its callbacks; this one watches the estimator
        return self

    def on_epoch_end(self, net, **kwargs):
        # (scikit-learn's callback API keeps its context of the fit on the estimator)
        self.seen.append(sorted(k for k in fitted_state(self.est) if k != "_callback_fit_ctx"))


@pytest.mark.parametrize("make", [C, lambda **kw: SegRNNForecaster(seg_len=2, **kw)])
def test_fit_sets_the_fitted_attributes_at_once_after_training(make):
    X, y = data()
    est = make(max_epochs=2, device="cpu")
    peek = Peek(est)
    est.set_params(callbacks=[peek]).fit(X, y if make is C else X[:, :2])
    assert peek.seen == [[], []]  # nothing was set on the estimator while it trained
    assert {"n_features_in_", "step_shape_", "budget_", "net_", "loss_curve_"} <= set(vars(est))


def test_a_refit_keeps_nothing_of_the_previous_fit(tmp_path):
    rng = np.random.RandomState(0)
    tokens, y = rng.randint(0, 5, size=(20, 6)), np.arange(20) % 2
    model = C(embedding_dim=3).fit(tokens, y)
    assert model.vocabulary_size_ == 5
    X = tokens.astype(np.float32)[:, :, None]
    model.set_params(embedding_dim=None).fit(X, y)  # a refit without embedding
    assert not hasattr(model, "vocabulary_size_")
    model.save(tmp_path / "model.pt")
    loaded = RNNClassifier.load(tmp_path / "model.pt")
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-6)


def test_numpy_integer_sizes_reach_torch_as_ints():
    X, y = data()
    model = C(hidden_size=np.int64(5), num_layers=np.int64(1), conv_channels=(np.int32(4),))
    assert model.fit(X, y).net_.module_.rnn.hidden_size == 5


# ------------------------------------------------------------------------ interrupts
@pytest.mark.parametrize("batches", [1, 3], ids=["first-epoch", "second-epoch"])
def test_ctrl_c_reaches_the_caller_and_leaves_the_estimator_unfitted(batches, ctrl_c_raises):
    X, y = data()
    model = C(batch_size=20, callbacks=[SigInt(batches)])
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


def test_ctrl_c_during_a_refit_keeps_the_previous_model(ctrl_c_raises):
    X, y = data()
    model = C(batch_size=20).fit(X, y)
    before = fitted_state(model)
    with pytest.raises(KeyboardInterrupt):
        model.set_params(callbacks=[SigInt(3)]).fit(X, 1 - y)
    assert_state_is(model, before)


def test_a_callback_that_stops_training_is_not_an_interrupt():
    X, y = data()
    model = C(max_epochs=5, callbacks=[Boom(epoch=2, error=KeyboardInterrupt)]).fit(X, y)
    assert model.n_iter_ == 2  # skorch's way to stop early: training ends, fit succeeds


# ------------------------------------------------------------------------ divergence
def test_a_diverging_loss_stops_training_with_an_error_naming_the_cause():
    X, y = data()
    with pytest.raises(FloatingPointError, match=r"learning_rate=1e\+38.*unscaled inputs"):
        C(learning_rate=1e38, optimizer="sgd", max_epochs=10).fit(X, y)


def test_an_overflowing_loss_on_unscaled_targets_stops_training():
    X, y = data()
    reg = RNNRegressor(hidden_size=4, max_epochs=3, optimizer="sgd", device="cpu", random_state=0)
    with pytest.raises(FloatingPointError, match="train loss became inf at epoch 1.*standardise"):
        reg.fit(X, y * 1e20)


def test_a_finite_but_exploding_loss_warns():
    X, y = data()
    with pytest.warns(
        ConvergenceWarning, match=r"grew from 0\.\d+ to \d+; training diverged.*learning_rate=10000"
    ):
        C(max_epochs=3, optimizer="sgd", learning_rate=1e4).fit(X, y)


def test_a_healthy_fit_does_not_warn():
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        C(max_epochs=5, learning_rate=0.05).fit(X, y)


def test_a_diverging_regressor_with_early_stopping_names_the_cause():
    X, y = data()
    reg = RNNRegressor(
        hidden_size=4, max_epochs=3, learning_rate=1e30, early_stopping=True,
        validation_fraction=0.25, device="cpu", random_state=0,
    )  # fmt: skip
    with pytest.raises(FloatingPointError, match="learning rate"):
        reg.fit(X, y.astype(float))
    with pytest.raises(NotFittedError):
        check_is_fitted(reg)


def test_float64_values_beyond_float32_are_refused():
    X, y = data()
    X = X.astype(np.float64)
    X[7, 2, 1] = 1e39
    with pytest.raises(ValueError, match="too large for float32.*sample 7"):
        C().fit(X, y)


# ----------------------------------------------------------------------- warm start
def test_warm_start_honours_changed_training_parameters():
    X, y = data()
    model = C(warm_start=True).fit(X, y)
    model.set_params(max_epochs=1, learning_rate=0.5, batch_size=7).fit(X, y)
    assert model.n_iter_ == 3
    assert [g["lr"] for g in model.net_.optimizer_.param_groups] == [0.5]
    assert model.net_.batch_size == 7
    model.set_params(early_stopping=True, validation_fraction=0.25).fit(X, y)
    assert model.n_iter_ == 4 and len(model.validation_scores_) == 1


@pytest.mark.parametrize("change", [{"hidden_size": 16}, {"cell": "gru"}, {"dropout": 0.5}])
def test_warm_start_refuses_parameters_that_need_a_new_network(change):
    X, y = data()
    model = C(warm_start=True).fit(X, y)
    before = fitted_state(model)
    with pytest.raises(ValueError, match=f"{next(iter(change))} changed.*warm_start=False"):
        model.set_params(**change).fit(X, y)
    assert_state_is(model, before)


def test_warm_start_of_a_forecaster_honours_its_loss():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 8, 2)), rng.normal(size=(30, 4, 2))
    model = SegRNNForecaster(seg_len=4, hidden_size=4, max_epochs=1, warm_start=True, device="cpu")
    model.fit(X, y).set_params(loss="mae").fit(X, y)
    assert isinstance(model.net_.criterion_, torch.nn.L1Loss) and model.n_iter_ == 2


# --------------------------------------------------------------------- small ones
def test_class_weight_keys_that_match_no_label_raise():
    X, y = data()
    labels = np.where(y, "up", "down")
    with pytest.raises(ValueError, match="class_weight has keys.*'UP'"):
        C(class_weight={"UP": 100, "down": 1}).fit(X, labels)


def test_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    X, y = data()
    with pytest.raises(ValueError, match="device='cuda'.*no CUDA GPU"):
        C(device="cuda").fit(X, y)


def test_a_huge_token_id_is_refused_before_allocating_the_embedding():
    tokens = np.zeros((4, 5), dtype=np.int64)
    tokens[0, 0] = 10**8
    with pytest.raises(ValueError, match="token id 100000000.*np.unique"):
        C(embedding_dim=4).fit(tokens, [0, 1, 0, 1])


def test_fits_flush_subnormal_floats_and_leave_the_threads_setting_as_it_was():
    from sklrnn.utils._torch import _flushing, no_subnormals

    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush subnormal floats")
    seen = []

    class Probe(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(_flushing())

    X, y = data()
    clf = RNNClassifier(hidden_size=4, max_epochs=2, callbacks=[Probe()], random_state=0)
    clf.fit(X, y)
    assert seen == [True, True]  # subnormals are flushed while the network trains
    assert not _flushing()  # and the thread is as it was afterwards
    clf.predict(X)
    assert not _flushing()
    with no_subnormals():  # a caller who flushes already keeps flushing
        clf.predict(X)
        assert _flushing()
    assert not _flushing()
