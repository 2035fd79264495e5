"""scikit-learn's own estimator checks on every public estimator."""

import numpy as np
from helpers import SMALL
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster

FAST = SMALL | dict(max_epochs=40, batch_size=32)
# The checks' 2-D X are univariate look-back windows, as short as 1 step: segments of 1 step.
# A 1-D y is one step ahead (horizon 1); a 2-D y is a horizon of one channel.
FAST_FORECASTER = FAST | dict(seg_len=1, hidden_size=16)

# One line per check that cannot pass by design, with its reason.
_UNIVARIATE = (
    "2-D X is a batch of univariate sequences: n_features_in_ counts values per time step (1), "
    "and the sequence length may differ between fit and predict"
)
_SGD = (
    "stochastic mini-batch training: a weight of 2 is not the same as a duplicated sample "
    "(the check's 15 samples fit in one batch, where Adam's scale invariance makes the two "
    "equal up to float32 rounding: the regressor's outputs pass at the edge of rtol=1e-7)"
)
EXPECTED_FAILED = {
    "check_n_features_in": _UNIVARIATE,
    "check_n_features_in_after_fitting": _UNIVARIATE,
    "check_sample_weight_equivalence_on_dense_data": _SGD,
}
_FLOAT32_ORDER = (
    "float32 batches in another order use other BLAS kernel tiles: probabilities differ by "
    "about 2e-7 relative, above the check's rtol=1e-7 (float32's epsilon is 1.2e-7); "
    "test_predictions_do_not_depend_on_the_order_of_the_batch checks it at rtol=1e-5"
)
EXPECTED_FAILED_BY_CLASS = {
    "RNNClassifier": {"check_methods_sample_order_invariance": _FLOAT32_ORDER},
    "SegRNNForecaster": {
        "check_methods_subset_invariance": (
            "float32 batches of another size use other BLAS kernels: forecasts differ by ~3e-7 "
            "relative, above the check's rtol=1e-7"
        ),
    },
}


def _expected_failed(estimator):
    return EXPECTED_FAILED | EXPECTED_FAILED_BY_CLASS.get(type(estimator).__name__, {})


class FixedLengthRNNClassifier(RNNClassifier):
    """RNNClassifier that refuses, at predict, sequences of another length than at fit.

    check_classifiers_train asserts that ``predict(X.T)`` raises for its 2-D ``X`` of shape
    (300, 2). For sklrnn a 2-D X is a batch of univariate sequences, so ``X.T`` is a valid batch
    of 2 sequences of 300 steps and RNNClassifier rightly predicts it (see
    test_a_transposed_batch_is_a_valid_batch). Only that premise is adapted here: every other
    assertion of the check (wrong-length y refused, fit from arrays and lists, training
    accuracy > 0.83, predict_proba shape, sums and agreement with predict, binary and
    multiclass) runs on RNNClassifier's own code.
    """

    def fit(self, X, y, sample_weight=None, **kwargs):
        super().fit(X, y, sample_weight, **kwargs)
        self.fit_length_ = np.shape(X)[1]
        return self

    def _raw_predict(self, X):
        if np.shape(X)[1] != self.fit_length_:
            raise ValueError(f"sequences of {np.shape(X)[1]} steps; fitted on {self.fit_length_}")
        return super()._raw_predict(X)


# checks run on a variant of the estimator, each with the one premise the variant adapts
ADAPTED = {("RNNClassifier", "check_classifiers_train"): FixedLengthRNNClassifier}


@parametrize_with_checks(
    [
        RNNClassifier(**FAST, random_state=0),
        RNNRegressor(**FAST, random_state=0),
        SegRNNForecaster(**FAST_FORECASTER, random_state=0),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible(estimator, check):
    name = getattr(check, "func", check).__name__
    variant = ADAPTED.get((type(estimator).__name__, name))
    check(estimator if variant is None else variant(**estimator.get_params()))


def test_a_transposed_batch_is_a_valid_batch():
    # why check_classifiers_train runs on FixedLengthRNNClassifier: X.T of a 2-D X is a batch
    # of univariate sequences of another length, which sklrnn predicts
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 2))
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, X[:, 0] > 0)
    assert clf.predict(X.T).shape == (2,)
