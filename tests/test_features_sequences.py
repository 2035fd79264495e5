import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklrnn.features import (
    ChannelsFirstConverter,
    SequencePadder,
    SequenceScaler,
    from_channels_first,
    to_channels_first,
)

UNIVARIATE_2D = (
    "2-D X is n univariate sequences: n_features_in_ counts features per time step (1), "
    "not time steps"
)
SHORTER_STEPS = (
    "2-D X is n univariate sequences: X[:, :-1] has shorter sequences, which is valid input"
)


def _expected_failed_checks(estimator):
    return {
        "check_n_features_in": UNIVARIATE_2D,
        "check_n_features_in_after_fitting": UNIVARIATE_2D,
        "check_transformer_general": SHORTER_STEPS,
    }


@parametrize_with_checks(
    [SequenceScaler(), SequencePadder(), ChannelsFirstConverter()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _ragged(rng, n_features=3):
    return [rng.normal(5.0, 3.0, size=(t, n_features)) for t in (4, 7, 2, 5)]


# SequenceScaler


def test_scaler_statistics_over_valid_steps_only():
    rng = np.random.default_rng(0)
    X = _ragged(rng)
    scaler = SequenceScaler().fit(X)
    steps = np.concatenate(X)  # every valid step once, no padding
    reference = StandardScaler().fit(steps)
    np.testing.assert_allclose(scaler.mean_, reference.mean_)
    np.testing.assert_allclose(scaler.scale_, reference.scale_)
    assert scaler.n_features_in_ == 3
    assert scaler.n_steps_seen_ == 18


def test_scaler_keeps_list_layout_and_values():
    rng = np.random.default_rng(1)
    X = _ragged(rng)
    out = SequenceScaler().fit_transform(X)
    assert isinstance(out, list)
    assert [x.shape for x in out] == [x.shape for x in X]
    assert all(x.dtype == np.float32 for x in out)
    steps = np.concatenate(out)
    np.testing.assert_allclose(steps.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(steps.std(axis=0), 1.0, atol=1e-5)


def test_scaler_univariate_list_and_arrays():
    X = [np.array([0.0, 2.0]), np.array([4.0, 6.0, 8.0])]
    out = SequenceScaler().fit_transform(X)
    assert [x.shape for x in out] == [(2,), (3,)]
    np.testing.assert_allclose(out[1], [0.0, np.sqrt(0.5), np.sqrt(2.0)], rtol=1e-6)

    X2 = np.arange(12.0).reshape(3, 4)
    out2 = SequenceScaler().fit_transform(X2)
    assert out2.shape == (3, 4)
    np.testing.assert_allclose(out2, (X2 - X2.mean()) / X2.std(), rtol=1e-6)

    X3 = np.random.default_rng(2).normal(size=(5, 6, 2))
    out3 = SequenceScaler().fit_transform(X3)
    assert out3.shape == (5, 6, 2)
    np.testing.assert_allclose(out3.reshape(-1, 2).mean(axis=0), 0.0, atol=1e-6)


def test_scaler_inverse_and_options():
    rng = np.random.default_rng(3)
    X = _ragged(rng)
    scaler = SequenceScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    for a, b in zip(back, X):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)

    steps = np.concatenate(X)
    centred = SequenceScaler(with_std=False).fit(X)
    assert centred.scale_ is None
    np.testing.assert_allclose(
        np.concatenate(centred.transform(X)), steps - steps.mean(axis=0), rtol=1e-5, atol=1e-5
    )
    scaled = SequenceScaler(with_mean=False).fit(X)
    assert scaled.mean_ is None
    np.testing.assert_allclose(
        np.concatenate(scaled.transform(X)), steps / steps.std(axis=0), rtol=1e-5
    )


def test_scaler_constant_feature_left_unscaled():
    X = np.ones((3, 4, 2))
    X[..., 1] = np.arange(4.0)
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    np.testing.assert_array_equal(scaler.transform(X)[..., 0], 0.0)


def test_scaler_errors():
    scaler = SequenceScaler().fit(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="expecting 3 features"):
        scaler.transform(np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match="NaN"):
        SequenceScaler().fit([np.array([[1.0], [np.nan]]), np.array([[2.0]])])


# SequencePadder


@pytest.mark.parametrize(
    ("padding", "truncating", "expected"),
    [
        ("post", "post", [[1, 2, 3, 0], [4, 5, 0, 0], [6, 7, 8, 9]]),
        ("pre", "post", [[0, 1, 2, 3], [0, 0, 4, 5], [6, 7, 8, 9]]),
        ("post", "pre", [[1, 2, 3, 0], [4, 5, 0, 0], [7, 8, 9, 10]]),
        ("pre", "pre", [[0, 1, 2, 3], [0, 0, 4, 5], [7, 8, 9, 10]]),
    ],
)
def test_padder_modes(padding, truncating, expected):
    X = [np.array([1, 2, 3]), np.array([4, 5]), np.arange(6, 11)]
    out = SequencePadder(4, padding=padding, truncating=truncating).fit_transform(X)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int64  # token ids stay integers


def test_padder_features_value_and_learned_length():
    rng = np.random.default_rng(0)
    X = _ragged(rng, n_features=2)
    padder = SequencePadder(value=-1.0).fit(X)
    assert padder.max_len_ == 7
    out = padder.transform(X)
    assert out.shape == (4, 7, 2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[2, :2], X[2], rtol=1e-6)
    np.testing.assert_array_equal(out[2, 2:], -1.0)
    # the learned length applies at transform, also to longer sequences
    longer = padder.transform([rng.normal(size=(10, 2))])
    assert longer.shape == (1, 7, 2)


def test_padder_array_input_and_errors():
    X = np.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(SequencePadder(3).fit_transform(X), X[:, :3])
    np.testing.assert_array_equal(SequencePadder(6).fit_transform(X)[:, 5], 0.0)
    with pytest.raises(ValueError, match=r"padding must be one of \['post', 'pre'\]"):
        SequencePadder(padding="both").fit(X)
    with pytest.raises(ValueError, match="max_len must be None or an integer >= 1"):
        SequencePadder(max_len=0).fit(X)
    padder = SequencePadder().fit(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="expecting 3 features"):
        padder.transform(np.zeros((2, 5, 4)))


# channels first


def test_from_channels_first_values():
    X = np.arange(24.0).reshape(2, 3, 4)  # (n, C, T)
    out = from_channels_first(X)
    assert out.shape == (2, 4, 3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[1, 2], X[1, :, 2])
    np.testing.assert_array_equal(to_channels_first(out), X)


def test_channels_first_ragged_list_and_univariate():
    X = [np.arange(6.0).reshape(2, 3), np.arange(10.0).reshape(2, 5)]
    out = from_channels_first(X)
    assert [x.shape for x in out] == [(3, 2), (5, 2)]
    np.testing.assert_array_equal(out[1][:, 0], X[1][0])
    assert [x.shape for x in to_channels_first(out)] == [(2, 3), (2, 5)]
    X2 = np.arange(8.0).reshape(2, 4)  # univariate: the same in both layouts
    np.testing.assert_array_equal(from_channels_first(X2), X2)


def test_converter_round_trip_and_errors():
    X = np.random.default_rng(0).normal(size=(4, 3, 50))
    conv = ChannelsFirstConverter().fit(X)
    assert conv.n_features_in_ == 3
    np.testing.assert_allclose(conv.inverse_transform(conv.transform(X)), X, rtol=1e-6)
    with pytest.raises(ValueError, match="expecting 3 features"):
        conv.transform(np.zeros((4, 2, 50)))
    with pytest.raises(ValueError, match="channels first.*Reshape your data"):
        from_channels_first(np.zeros(5))
    with pytest.raises(ValueError, match=r"X\[1\].*\(n_channels, n_timesteps\)"):
        from_channels_first([np.zeros((2, 3)), np.zeros((2, 3, 4))])
