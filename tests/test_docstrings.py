"""The estimators document every parameter once, and shared parameters the same way."""

import inspect

import pytest
from numpydoc.docscrape import ClassDoc
from sklearn.utils._testing import assert_docstring_consistency

from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster
from sklrnn._engine.params import TRAINING
from sklrnn.forecasting.segrnn import WINDOW_TRAINING

ESTIMATORS = [RNNClassifier, RNNRegressor, SegRNNForecaster]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_parameters_documented_in_constructor_order_with_their_defaults(cls):
    documented = ClassDoc(cls)["Parameters"]
    signature = inspect.signature(cls.__init__).parameters
    assert [p.name for p in documented] == [name for name in signature if name != "self"]
    for param in documented:
        default = signature[param.name].default
        shown = f'"{default}"' if isinstance(default, str) else repr(default)
        assert param.type.endswith(f"default={shown}"), param.name
        assert param.desc, param.name


def test_classifier_and_regressor_describe_their_shared_parameters_alike():
    # the classifier's network defaults to the dilated FCN branch and to per-series
    # normalisation; the descriptions are the same
    network = (
        "conv_channels",
        "conv_kernel_size",
        "conv_dilation",
        "conv_norm",
        "conv_mode",
        "standardize",
    )
    assert_docstring_consistency(
        [RNNClassifier, RNNRegressor],
        include_params=True,
        exclude_params=["class_weight"],
        ignore_types=network,
    )


def test_training_parameters_described_alike_in_all_estimators():
    window = {p.name: p.doc for p in WINDOW_TRAINING}
    shared = [p.name for p in TRAINING if p.doc == window[p.name]]
    # the defaults (in the types) differ: the forecaster's are the published SegRNN settings
    assert_docstring_consistency(ESTIMATORS, include_params=shared, ignore_types=tuple(shared))
