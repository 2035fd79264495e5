"""SequenceNormalizer: each sequence standardised by its own statistics."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklrnn.features import SequenceNormalizer

UNIVARIATE_2D = (
    "2-D X is n univariate sequences: n_features_in_ counts features per time step (1), "
    "not time steps"
)


@parametrize_with_checks(
    [SequenceNormalizer()],
    expected_failed_checks=lambda est: {
        "check_n_features_in": UNIVARIATE_2D,
        "check_n_features_in_after_fitting": UNIVARIATE_2D,
        "check_transformer_general": (
            "2-D X is n univariate sequences: X[:, :-1] has shorter sequences, which is valid input"
        ),
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_every_sequence_gets_zero_mean_unit_std_over_its_valid_steps():
    rng = np.random.default_rng(0)
    X = [
        rng.normal(loc, scale, size=(t, 3))
        for loc, scale, t in [(5, 2, 9), (-3, 0.5, 4), (0, 9, 6)]
    ]
    out = SequenceNormalizer().fit_transform(X)
    assert [o.shape for o in out] == [x.shape for x in X]
    for o, x in zip(out, X):
        np.testing.assert_allclose(o.mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(o.std(axis=0), 1, atol=1e-5)
        np.testing.assert_allclose(o, (x - x.mean(0)) / x.std(0), atol=1e-5)
    # the same sequences padded into one array: padding is neither counted nor changed
    padded = np.zeros((3, 9, 3))
    for i, x in enumerate(X):
        padded[i, : len(x)] = x
    block = SequenceNormalizer().fit_transform(padded[:1])
    np.testing.assert_allclose(block[0], out[0], atol=1e-5)


def test_constant_features_are_only_centred_and_options_apply():
    X = np.array([[[1.0, 2.0], [1.0, 4.0], [1.0, 6.0]]])
    out = SequenceNormalizer().fit_transform(X)
    np.testing.assert_array_equal(out[0, :, 0], 0)
    centred = SequenceNormalizer(with_std=False).fit_transform(X)
    np.testing.assert_allclose(centred[0, :, 1], [-2, 0, 2])
    scaled = SequenceNormalizer(with_mean=False).fit_transform(X)
    np.testing.assert_allclose(scaled[0, :, 1], np.array([2, 4, 6]) / np.std([2, 4, 6]), rtol=1e-6)
