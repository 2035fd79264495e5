"""Training-time augmentation: the transforms, and that only training batches see them."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.augment import (
    Augmentation,
    FeatureMask,
    FrequencyWarp,
    GaussianNoise,
    SpeedChange,
    TimeMask,
    TimeWarp,
)


class Recorder(Augmentation):
    """Counts the batches it sees and adds a large offset, so that any use shows."""

    def __init__(self, offset=100.0):
        self.offset = offset

    def __call__(self, x, lengths):
        self.calls_ = getattr(self, "calls_", 0) + 1
        self.sizes_ = getattr(self, "sizes_", []) + [len(x)]
        return x + self.offset, lengths


def _data(n=40, t=12, f=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, t, f)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X, y


def test_augmentation_runs_on_every_training_batch_and_never_at_predict():
    X, y = _data()
    recorder = Recorder()
    clf = RNNClassifier(
        cell="gru",
        hidden_size=4,
        max_epochs=3,
        batch_size=8,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        augmentation=[recorder],
        random_state=0,
    )
    clf.fit(X, y)
    # the estimator's own copy of the list is the one the engine used
    used = clf.net_.iterator_train__augment.transforms[0]
    assert used is recorder
    assert recorder.calls_ == 3 * 4  # 3 epochs x 32 training samples / 8, validation untouched
    assert set(recorder.sizes_) == {8}
    proba = clf.predict_proba(X)
    clf.score(X, y)
    assert recorder.calls_ == 12  # predict, predict_proba and score never augment
    # predictions are those of the network on the data as it is
    module = clf.net_.module_.eval()
    with torch.no_grad():
        logits = module(torch.as_tensor(X), torch.full((len(X),), X.shape[1]))
    np.testing.assert_allclose(proba, torch.softmax(logits, 1).numpy(), rtol=1e-5, atol=1e-6)


def test_same_seed_same_model_and_augmentation_changes_training():
    X, y = _data()
    aug = [SpeedChange(0.8, 1.2), TimeMask(3), FeatureMask(1), TimeWarp(2), GaussianNoise(0.3)]
    aug.append(FrequencyWarp(0.9, 1.1))
    make = lambda a, seed=0: RNNRegressor(  # noqa: E731
        cell="gru", hidden_size=4, max_epochs=3, batch_size=8, augmentation=a, random_state=seed
    )
    X_before = X.copy()
    first = make(aug).fit(X, y.astype(float))
    np.testing.assert_array_equal(X, X_before)  # the batches are views of X: never written
    second = make(aug).fit(X, y.astype(float))
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    assert first.loss_curve_ == second.loss_curve_
    plain = make(None).fit(X, y.astype(float))
    assert plain.loss_curve_ != first.loss_curve_
    other_seed = make(aug, seed=1).fit(X, y.astype(float))
    assert other_seed.loss_curve_ != first.loss_curve_
    # clone keeps the parameter and gives an unfitted, equal configuration
    assert clone(first).get_params()["augmentation"][0].get_params() == {
        "min_rate": 0.8,
        "max_rate": 1.2,
    }


def test_time_mask_stays_inside_each_sequence():
    torch.manual_seed(0)
    x = torch.ones(50, 30, 2)
    lengths = torch.randint(5, 31, (50,))
    out, new_lengths = TimeMask(max_width=4, n_masks=2)(x, lengths)
    assert torch.equal(new_lengths, lengths)
    masked = out[:, :, 0] == 0
    steps = torch.arange(30)[None, :]
    assert not (masked & (steps >= lengths[:, None])).any()
    assert masked.sum(1).max() <= 8  # two runs of at most four steps
    assert masked.any()
    assert torch.equal(out[:, :, 0] == 0, out[:, :, 1] == 0)  # whole steps are masked


def test_feature_mask_zeros_whole_feature_bands():
    torch.manual_seed(0)
    out, _ = FeatureMask(max_width=3)(torch.ones(20, 6, 10), torch.full((20,), 6))
    zero = out == 0
    assert torch.equal(zero, zero[:, :1].expand_as(zero))  # the same features at every step
    widths = zero[:, 0].sum(1)
    assert widths.max() <= 3 and widths.max() > 0
    with pytest.raises(ValueError, match="FeatureMask needs numeric features"):
        RNNClassifier(embedding_dim=4, augmentation=[FeatureMask()]).fit(
            np.ones((4, 5), dtype=int), [0, 1, 0, 1]
        )


def test_frequency_warp_moves_the_spectrum_along_the_feature_axis():
    torch.manual_seed(0)
    bands = torch.zeros(16, 3, 20)
    bands[:, :, 10] = 1.0  # one formant at band 10
    out, lengths = FrequencyWarp(0.8, 1.25)(bands, torch.full((16,), 3))
    assert (lengths == 3).all()
    peak = (out[:, 0] * torch.arange(20.0)).sum(1) / out[:, 0].sum(1)  # centre of mass
    assert (peak >= 10 / 1.25 - 0.01).all() and (peak <= 10 / 0.8 + 0.01).all()
    assert peak.std() > 0.3  # each sequence has its own factor
    assert torch.equal(out[:, 0], out[:, 2])  # the same warp at every step of a sequence


def test_speed_change_resamples_each_sequence_to_its_new_length():
    torch.manual_seed(0)
    lengths = torch.tensor([20, 10, 7])
    x = torch.zeros(3, 20, 1)
    for i, n in enumerate(lengths.tolist()):
        x[i, :n, 0] = torch.linspace(1, 2, n)  # a ramp, zero padding after it
    out, new_lengths = SpeedChange(0.5, 0.8)(x, lengths)
    assert ((new_lengths >= lengths * 1.25 - 1) & (new_lengths <= lengths * 2 + 1)).all()
    for i, n in enumerate(new_lengths.tolist()):
        ramp = out[i, :n, 0]
        assert ramp[0] == 1 and torch.isclose(ramp[-1], torch.tensor(2.0))
        assert (ramp.diff() > 0).all()  # still a ramp, stretched
        assert (out[i, n:] == 0).all()


def test_time_warp_keeps_length_ends_and_order():
    torch.manual_seed(3)
    x = torch.arange(40.0).view(1, 40, 1).repeat(8, 1, 1)
    out, lengths = TimeWarp(max_shift=6)(x, torch.full((8,), 40))
    assert (lengths == 40).all()
    assert (out[:, 0, 0] == 0).all() and (out[:, -1, 0] == 39).all()
    assert (out[:, :, 0].diff(dim=1) > 0).all()
    assert not torch.equal(out, x)


def test_gaussian_noise_leaves_padding_alone():
    torch.manual_seed(0)
    x = torch.zeros(2, 6, 3)
    out, _ = GaussianNoise(std=1.0)(x, torch.tensor([6, 2]))
    assert (out[1, 2:] == 0).all()
    assert 0.5 < out[0].std() < 1.5


def test_token_ids_can_be_time_masked_and_stretched():
    rng = np.random.RandomState(0)
    X = rng.randint(1, 9, size=(30, 15))
    y = X[:, 0] % 2
    clf = RNNClassifier(
        hidden_size=4,
        embedding_dim=4,
        max_epochs=2,
        augmentation=[TimeMask(3), SpeedChange(0.8, 1.2)],
        random_state=0,
    ).fit(X, y)
    assert clf.predict(X).shape == (30,)


@pytest.mark.parametrize(
    ("augmentation", "error", "match"),
    [
        ("timemask", TypeError, "augmentation must be None"),
        ([lambda x, n: (x, n)], TypeError, r"augmentation\[0\] is a function"),
        ([TimeMask(max_width=0)], ValueError, "TimeMask max_width must be an integer >= 1"),
        ([SpeedChange(1.2, 0.9)], ValueError, r"SpeedChange max_rate must be >= min_rate \(1.2\)"),
        ([GaussianNoise(std=-1)], ValueError, "GaussianNoise std"),
        (
            [TimeMask(value=np.nan)],
            ValueError,
            "TimeMask value must be a finite float32 number; got nan",
        ),
        (
            [GaussianNoise(np.inf)],
            ValueError,
            "GaussianNoise std must be a finite float32 number; got inf",
        ),
        ([GaussianNoise(float("nan"))], ValueError, "GaussianNoise std must be a finite float32"),
        ([TimeMask(value=-1e39)], ValueError, "TimeMask value must be a finite float32 number"),
    ],
)
def test_bad_augmentation_is_named_before_training(augmentation, error, match):
    X, y = _data(n=8)
    with pytest.raises(error, match=match):
        RNNClassifier(hidden_size=4, max_epochs=1, augmentation=augmentation).fit(X, y)


def test_mixup_blends_the_scaled_sequences_and_their_statistics_in_the_network():
    from sklrnn.nn.recurrent import RecurrentNet

    torch.manual_seed(0)
    net = RecurrentNet(
        3,
        2,
        hidden_size=4,
        conv_channels=(4,),
        standardize="both",
        input_mean=[1.0] * 3,
        input_scale=[2.0] * 3,
    ).eval()
    scales = torch.tensor([1.0, 10.0, 100.0, 1000.0])[:, None, None]
    x, lengths = torch.randn(4, 10, 3) * scales, torch.full((4,), 10)
    index = torch.tensor([1, 0, 3, 2])
    with torch.no_grad():
        plain = net(x, lengths)
        # a share of 1 keeps every sequence, 0 gives each its partner, statistics included
        alone = net(x, lengths, index, torch.ones(4))
        partner = net(x, lengths, index, torch.zeros(4))
    np.testing.assert_allclose(alone, plain, atol=1e-5)
    np.testing.assert_allclose(partner, plain[index], atol=1e-5)


def test_mixup_loss_scores_each_blend_against_both_targets_by_their_shares():
    from sklrnn._engine.net import build_net

    net = build_net(torch.nn.Linear(2, 3), torch.nn.CrossEntropyLoss()).initialize()
    torch.manual_seed(0)
    y_pred, y = torch.randn(4, 3), torch.tensor([0, 1, 2, 1])
    index, share = torch.tensor([2, 3, 0, 1]), torch.full((4,), 0.3)
    weight = torch.tensor([1.0, 2.0, 1.0, 0.5])
    ce = torch.nn.functional.cross_entropy(y_pred, y, reduction="none")
    ce_partner = torch.nn.functional.cross_entropy(y_pred, y[index], reduction="none")
    mix = {"mix_index": index, "mix_weight": share}
    # the loss is reported less the least any prediction reaches: the blended targets' entropy
    # where a pair has two classes (sequences 0 and 2; 1 and 3 are both class 1)
    two = torch.tensor([1.0, 0.0, 1.0, 0.0])
    entropy = -(0.3 * np.log(0.3) + 0.7 * np.log(0.7)) * two
    expected = (0.3 * ce + 0.7 * ce_partner - entropy).mean()
    torch.testing.assert_close(net.get_loss(y_pred, y, X=mix, training=True), expected)
    first, second = 0.3 * weight, 0.7 * weight[index]
    least = -(first * torch.log(first / (first + second)))
    least = least - second * torch.log(second / (first + second))
    expected = (first * ce + second * ce_partner - least * two).mean()
    weighted = net.get_loss(y_pred, y, X=mix | {"sample_weight": weight}, training=True)
    torch.testing.assert_close(weighted, expected)


def test_mixup_loss_is_zero_for_the_blended_target_and_above_it_otherwise():
    from sklrnn._engine.net import build_net

    net = build_net(torch.nn.Linear(2, 3), torch.nn.CrossEntropyLoss()).initialize()
    y, index = torch.tensor([0, 1, 2, 1]), torch.tensor([2, 3, 0, 1])  # pair 1, 3: one class
    mix = {"mix_index": index, "mix_weight": torch.full((4,), 0.8)}
    target = 0.8 * torch.eye(3)[y] + 0.2 * torch.eye(3)[y[index]]
    exact = torch.log(target.clamp_min(1e-12))  # logits whose softmax is the blended target
    assert abs(float(net.get_loss(exact, y, X=mix, training=True))) < 1e-5
    torch.manual_seed(0)
    for _ in range(5):
        assert float(net.get_loss(exact + torch.randn(4, 3), y, X=mix, training=True)) > 0


def test_classifier_mixes_numeric_batches_when_asked_and_never_token_ids():
    X, y = _data()
    make = lambda **p: RNNClassifier(hidden_size=4, max_epochs=2, random_state=0, **p)  # noqa: E731
    clf = make(mixup=0.2).fit(X, y)
    assert clf.net_.iterator_train__augment.mixup == 0.2
    assert make(mixup=0.2).fit(X, y).loss_curve_ == clf.loss_curve_  # seeded like other draws
    assert make().fit(X, y).net_.iterator_train__augment.mixup == 0.2  # the default
    plain = make(mixup=0.0).fit(X, y)
    assert plain.net_.iterator_train__augment is None and plain.loss_curve_ != clf.loss_curve_
    tokens = make(mixup=0.2, embedding_dim=4).fit((np.abs(X[:, :, 0]) * 3).astype(int), y)
    assert tokens.net_.iterator_train__augment is None
