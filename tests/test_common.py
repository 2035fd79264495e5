"""scikit-learn's own estimator checks on every public estimator."""

from conftest import SMALL
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
EXPECTED_FAILED_BY_CLASS = {
    # Its accuracy part (> 0.83) passes; it then calls predict(X.T), which is a valid batch of
    # univariate sequences. tests/test_estimators.py repeats the accuracy part.
    "RNNClassifier": {"check_classifiers_train": _UNIVARIATE},
    "SegRNNForecaster": {
        "check_methods_subset_invariance": (
            "float32 batches of another size use other BLAS kernels: forecasts differ by ~3e-7 "
            "relative, above the check's rtol=1e-7"
        ),
    },
}


def _expected_failed(estimator):
    return EXPECTED_FAILED | EXPECTED_FAILED_BY_CLASS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [
        RNNClassifier(**FAST, random_state=0),
        RNNRegressor(**FAST, random_state=0),
        SegRNNForecaster(**FAST_FORECASTER, random_state=0),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
