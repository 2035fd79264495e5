"""The training budget rule, the FCN branch and its branch dropout, per-series normalisation,
the LR schedule and the channels-first guard."""

import warnings

import numpy as np
import pytest

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._engine.budget import MIN_STEPS, training_budget
from sklrnn.exceptions import LayoutWarning
from sklrnn.features import from_channels_first

FCN = dict(hidden_size=8, conv_channels=(8, 8), device="cpu")


def _budget(n, **params):
    params = dict(batch_size="auto", max_epochs="auto", early_stopping="auto") | params
    return training_budget(n, validation_fraction=0.1, **params)


@pytest.mark.parametrize("n", [10, 36, 200, 5_000, 100_000])
def test_auto_budget_gives_enough_steps_and_sane_batches(n):
    budget = _budget(n)
    n_train = n - (int(np.ceil(0.1 * n)) if budget.early_stopping else 0)
    steps = budget.max_epochs * int(np.ceil(n_train / budget.batch_size))
    assert 1 <= budget.batch_size <= min(64, n_train)
    # small data: at least MIN_STEPS optimizer steps; large data: at least 50 passes
    assert steps >= MIN_STEPS or budget.max_epochs == 500
    assert budget.max_epochs >= 50
    # early stopping only with a validation split of hundreds of samples
    assert budget.early_stopping == (n >= 5_000)


def test_explicit_budget_is_kept():
    budget = _budget(36, batch_size=7, max_epochs=3, early_stopping=True)
    assert (budget.batch_size, budget.max_epochs, budget.early_stopping) == (7, 3, True)


def test_fitted_budget_and_cosine_schedule():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 10, 2)).astype("float32")
    y = (X[:, :, 0].mean(1) > 0).astype(int)
    clf = RNNClassifier(**FCN, max_epochs=4, learning_rate=0.01, random_state=0).fit(X, y)
    assert clf.budget_.batch_size == 16 and clf.n_iter_ == 4
    # cosine annealing ends at 1 % of the learning rate
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-4)
    flat = RNNClassifier(**FCN, max_epochs=4, learning_rate=0.01, lr_schedule=None).fit(X, y)
    assert flat.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01)


@pytest.mark.parametrize("dilation", [1, "exponential"])
@pytest.mark.parametrize("mode", ["serial", "parallel"])
def test_fcn_branch_padding_never_changes_a_prediction(mode, dilation):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(rng.randint(3, 20), 2)).astype("float32") for _ in range(50)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    clf = RNNClassifier(
        **FCN,
        conv_norm="batch",
        conv_mode=mode,
        conv_kernel_size=(5, 3),
        conv_dilation=dilation,
        max_epochs=3,
        random_state=0,
    ).fit(X, y)
    together = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X[:10]])
    np.testing.assert_allclose(together[:10], alone, atol=1e-5)
    norms = clf.net_.module_.conv.norms
    assert norms is not None and float(norms[0].running_var.mean()) != 1.0  # statistics learned


def test_batch_norm_statistics_ignore_padding():
    import torch

    from sklrnn.nn.conv import _MaskedBatchNorm1d

    norm = _MaskedBatchNorm1d(1, momentum=1.0)
    h = torch.tensor([[[1.0, 3.0, 0.0, 0.0]], [[5.0, 7.0, 9.0, 11.0]]])  # [B, C, T]
    keep = torch.tensor([[[1.0, 1.0, 0.0, 0.0]], [[1.0, 1.0, 1.0, 1.0]]])
    norm(h, keep)
    valid = torch.tensor([1.0, 3.0, 5.0, 7.0, 9.0, 11.0])
    assert float(norm.running_mean) == pytest.approx(float(valid.mean()))
    assert float(norm.running_var) == pytest.approx(float(valid.var()))


def _early_or_late_bump():
    """80 series of 60 steps with a Gaussian bump early (class 0) or late (class 1): a task
    the order decides, which a mean over time cannot tell apart."""
    rng = np.random.RandomState(0)
    t = np.arange(60)
    y = rng.randint(0, 2, 80)
    centre = np.where(y == 1, 45, 15) + rng.randint(-5, 6, 80)
    X = np.exp(-0.5 * ((t[None] - centre[:, None]) / 3.0) ** 2) + 0.1 * rng.normal(size=(80, 60))
    return X, y


def test_parallel_branch_learns_a_shape_the_order_decides():
    X, y = _early_or_late_bump()
    # the FCN branch's mean over time cannot tell early from late; the recurrent branch can,
    # through its dropout (branch_dropout=0.8, which slows it down: 30 epochs score 0.6)
    clf = RNNClassifier(
        random_state=0, hidden_size=8, conv_channels=(16, 16), max_epochs=60, learning_rate=0.01
    )
    clf.fit(X[:60], y[:60])
    assert clf.score(X[60:], y[60:]) >= 0.9


def test_default_classifier_reads_the_order():
    # The same task with the default network. Pooling the recurrent outputs by their mean
    # instead of taking the last state scored 0.6 here (0.35 with the budget's epochs), dropping
    # the whole recurrent vector of a sample 0.7: both leave the order to a network that
    # averages it away.
    X, y = _early_or_late_bump()
    clf = RNNClassifier(random_state=0, max_epochs=60).fit(X[:60], y[:60])
    assert clf.score(X[60:], y[60:]) >= 0.9


def test_dilated_convolutions_see_spans_the_plain_ones_cannot():
    # Two spikes 20 or 36 steps apart, anywhere in 120 steps: three undilated convolutions of
    # kernel 5 see 13 steps, so their mean over time cannot tell the gaps apart (0.55-0.58 with
    # two seeds); dilated 1, 4 and 16 times they see 81 steps. The recurrent layer has one unit,
    # so the convolutional branch has to do it.
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 160)
    start = rng.randint(5, 75, 160)
    X = 0.1 * rng.normal(size=(160, 120))
    X[np.arange(160), start] += 1.0
    X[np.arange(160), start + np.where(y == 1, 36, 20)] += 1.0
    clf = RNNClassifier(
        hidden_size=1, conv_channels=(16, 16, 16), max_epochs=40, random_state=0, device="cpu"
    ).fit(X[:120], y[:120])
    assert [conv.dilation for conv in clf.net_.module_.conv.convs] == [(1,), (4,), (16,)]
    assert clf.score(X[120:], y[120:]) >= 0.9


def test_exponential_dilations_stop_where_the_longest_sequence_ends():
    # a tap further out than the longest sequence reads only padding: 10 steps allow kernel 5
    # a dilation of 4 at most; 200 steps are read in segments of 2, 100 steps allow 16
    rng = np.random.RandomState(0)
    y = np.arange(20) % 2
    for n_steps, dilations in [(10, [1, 4, 4]), (200, [1, 4, 16])]:
        X = rng.normal(size=(20, n_steps, 2))
        clf = RNNClassifier(hidden_size=4, max_epochs=1, device="cpu").fit(X, y)
        assert [conv.dilation[0] for conv in clf.net_.module_.conv.convs] == dilations
    explicit = RNNClassifier(hidden_size=4, conv_dilation=(1, 8, 8), max_epochs=1).fit(X[:, :10], y)
    assert [conv.dilation[0] for conv in explicit.net_.module_.conv.convs] == [1, 8, 8]


def test_bad_conv_parameters_are_named():
    X, y = np.zeros((8, 5, 1)), np.arange(8) % 2
    for params, name in [
        (dict(conv_norm="layer"), "conv_norm"),
        (dict(conv_mode="both"), "conv_mode"),
        (dict(conv_channels=(4, 4), conv_kernel_size=(3, 3, 3)), "conv_kernel_size"),
        (dict(conv_channels=(4, 4), conv_dilation=(1, 2, 4)), "conv_dilation"),
        (dict(conv_dilation="doubling"), "conv_dilation"),
        (dict(conv_dilation=0), "conv_dilation"),
        (dict(lr_schedule="step"), "lr_schedule"),
        (dict(batch_size="big"), "batch_size"),
        (dict(early_stopping="sometimes"), "early_stopping"),
    ]:
        with pytest.raises(ValueError, match=name):
            RNNClassifier(**params).fit(X, y)


def test_channels_first_array_warns_and_names_the_fix():
    X = np.random.RandomState(0).normal(size=(20, 1, 30))  # aeon's (n, channels, timepoints)
    y = np.arange(20) % 2
    with pytest.warns(LayoutWarning, match="ChannelsFirstConverter"):
        RNNRegressor(hidden_size=4, max_epochs=1).fit(X, y.astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNRegressor(hidden_size=4, max_epochs=1).fit(from_channels_first(X), y.astype(float))


def test_channels_first_ragged_list_error_names_the_fix():
    X = [np.zeros((3, 10)), np.zeros((3, 12))]  # aeon's unequal-length (channels, T_i)
    with pytest.raises(ValueError, match="from_channels_first"):
        RNNRegressor(max_epochs=1).fit(X, [0.0, 1.0])


def test_multivariate_channels_first_warns_but_feature_vectors_do_not():
    rng = np.random.RandomState(0)
    t = np.linspace(0, 6, 100)
    # 6 sensors of smooth signals, channels first: neighbouring "features" are time points
    series = np.sin(
        t[None, None] * rng.uniform(0.5, 2, size=(30, 6, 1)) + rng.normal(size=(30, 6, 1))
    )
    y = np.arange(30) % 2
    with pytest.warns(LayoutWarning):
        RNNRegressor(hidden_size=4, max_epochs=1).fit(series, y.astype(float))
    # 10 frames of 64 unordered features (e.g. CNN features): smooth in time, not in features
    frames = np.cumsum(rng.normal(size=(30, 10, 64)), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNRegressor(hidden_size=4, max_epochs=1).fit(frames, y.astype(float))


def test_branch_dropout_drops_only_the_recurrent_branch_and_only_in_training():
    import torch

    from sklrnn.nn.recurrent import RecurrentNet

    x, lengths = torch.randn(6, 12, 2), torch.full((6,), 12)
    nets = {}
    for p in (0.0, 0.8):
        torch.manual_seed(0)
        nets[p] = RecurrentNet(
            2, 3, hidden_size=4, conv_channels=(5,), conv_mode="parallel", branch_dropout=p
        ).eval()
    torch.testing.assert_close(nets[0.0](x, lengths), nets[0.8](x, lengths))  # eval: no drop
    seen = {}
    net = nets[0.8].train()
    net.head.register_forward_hook(lambda m, inputs, out: seen.update(head_in=inputs[0]))
    torch.manual_seed(1)
    net(x, lengths)
    recurrent, conv = seen["head_in"][:, :4], seen["head_in"][:, 4:]
    assert (recurrent == 0).float().mean() > 0.5  # most recurrent features dropped
    assert (conv != 0).any() and net.branch_dropout.p == 0.8


def _scaled_shapes(n=120, steps=40):
    """Sines against square waves, each series scaled by 10**U(-3, 3)."""
    rng = np.random.RandomState(0)
    t = np.linspace(0, 4 * np.pi, steps)
    y = rng.randint(0, 2, n)
    phase = rng.uniform(0, 2 * np.pi, n)[:, None]
    shape = np.where(y[:, None] == 0, np.sin(t + phase), np.sign(np.sin(t + phase)))
    noisy = shape + 0.1 * rng.normal(size=(n, steps))
    return noisy * 10.0 ** rng.uniform(-3, 3, (n, 1)), y


def test_series_of_scales_orders_of_magnitude_apart_each_show_their_shape():
    X, y = _scaled_shapes()
    # (the large series' globally scaled features slow it: 60 epochs scored 0.85 to 0.975 over
    # three seeds, 120 scored 1.0)
    params = dict(hidden_size=8, conv_channels=(8, 8), max_epochs=120, random_state=0)
    clf = RNNClassifier(**params).fit(X[:80], y[:80])
    assert clf.standardize_ == "both" and clf.net_.module_.scaling.standardize == "both"
    assert clf.score(X[80:], y[80:]) >= 0.9
    # with one scale for all, the small series are all but flat next to the large ones
    one_scale = RNNClassifier(standardize="global", **params).fit(X[:80], y[:80])
    assert one_scale.score(X[80:], y[80:]) < clf.score(X[80:], y[80:])


@pytest.mark.parametrize("standardize", ["global", "both"])
def test_the_network_reads_the_input_standardised_by_the_training_data(standardize):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 30, 2)) * [2.0, 300.0] + [7.0, -1000.0]
    y = np.arange(40) % 2
    clf = RNNClassifier(hidden_size=4, conv_channels=(4,), max_epochs=1, standardize=standardize)
    clf.fit(X, y)
    assert clf.standardize_ == standardize
    mean, std = X.reshape(-1, 2).mean(0), X.reshape(-1, 2).std(0)
    np.testing.assert_allclose(clf.input_mean_, mean)
    np.testing.assert_allclose(clf.input_scale_, std)
    seen = {}
    hook = clf.net_.module_.conv.register_forward_pre_hook(lambda m, a: seen.update(x=a[0]))
    clf.predict(X[:3])
    hook.remove()
    # the first two features are what SequenceScaler would have given; "both" adds each
    # series standardised by its own statistics
    np.testing.assert_allclose(seen["x"][..., :2].numpy(), (X[:3] - mean) / std, rtol=1e-4)
    if standardize == "both":
        own = (X[:3] - X[:3].mean(1, keepdims=True)) / X[:3].std(1, keepdims=True)
        np.testing.assert_allclose(seen["x"][..., 2:].numpy(), own, rtol=1e-4, atol=1e-5)


def test_the_regressor_reads_numbers_as_they_are_and_token_ids_are_never_scaled():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 30, 2)) + 5.0, np.arange(40) % 2
    assert RNNRegressor(max_epochs=1).fit(X, y.astype(float)).standardize_ is None
    tokens = RNNClassifier(embedding_dim=4, max_epochs=1).fit(rng.randint(0, 5, (40, 9)), y)
    assert tokens.standardize_ is None


def test_series_standardisation_reads_only_valid_steps_and_not_token_ids():
    import torch

    from sklrnn.nn.recurrent import RecurrentNet

    torch.manual_seed(0)
    net = RecurrentNet(
        2, 3, hidden_size=4, conv_channels=(5,), conv_mode="parallel", standardize="series"
    ).eval()
    x = torch.randn(2, 9, 2) * 50
    lengths = torch.tensor([6, 9])
    garbage = x.clone()
    garbage[0, 6:] = 1e4  # padding of the first sequence
    torch.testing.assert_close(net(x, lengths), net(garbage, lengths))
    # the statistics reach the head: the scale of a series changes its output
    assert not torch.allclose(net(x, lengths), net(x * 10, lengths))
    assert RecurrentNet(1, 3, vocab_size=10, standardize="series").scaling.standardize is None
