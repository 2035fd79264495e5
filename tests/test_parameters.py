"""Each parameter's rule is declared once, in its class's ``_parameter_constraints`` table."""

import inspect

import numpy as np
import pytest

from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster
from sklrnn._engine import checkpoint
from sklrnn._engine.params import (
    FINGERPRINT_NEUTRAL,
    TRAINING,
    VARIES,
    Param,
    estimator_parameters,
)
from sklrnn.features import (
    MFCC,
    ImageSequenceCNN,
    KmerEncoder,
    LagWindows,
    SequencePadder,
    SequenceScaler,
    WaveformPerturber,
)
from sklrnn.utils._param_validation import InvalidParameterError

CHECKED = [
    RNNClassifier,
    RNNRegressor,
    SegRNNForecaster,
    ImageSequenceCNN,
    KmerEncoder,
    LagWindows,
    MFCC,
    SequencePadder,
    SequenceScaler,
    WaveformPerturber,
]


@pytest.mark.parametrize("cls", CHECKED, ids=lambda c: c.__name__)
def test_every_parameter_has_one_rule(cls):
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert sorted(cls._parameter_constraints) == sorted(params)
    required = {"lookback": 4}.items() if cls is LagWindows else ()
    cls(**dict(required))._check_params()  # the defaults obey the rules


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (dict(optimizer=int), r"optimizer must be one of \[.*\] or a .*Optimizer class; got the "),
        (dict(optimizer=None), "optimizer must be one of"),
        (dict(conv_channels=4), r"conv_channels must be None or a tuple of integers >= 1; got 4\."),
        (dict(bidirectional="no"), "bidirectional must be a bool; got 'no'"),
        (dict(device="meta"), 'device must be "auto" or a torch device'),
        (dict(device="gpu0"), "device must be"),
        (
            dict(class_weight=[1, 2]),
            r"class_weight must be None or one of \['balanced'\] or a dict; got list",
        ),
        (dict(random_state="seed"), "random_state must be None, an integer"),
        (dict(hidden_size=8.0), "hidden_size must be an integer >= 1; got 8.0"),
        (dict(early_stopping=None), "early_stopping must be a bool"),
        (dict(learning_rate=float("inf")), "learning_rate must be a finite positive number"),
        (dict(tol=float("nan")), "tol must be a finite number >= 0"),
    ],
)
def test_wrong_types_are_named_before_training(params, match):
    X, y = np.zeros((6, 3, 2), np.float32), np.arange(6) % 2
    with pytest.raises(TypeError, match=match) as info:
        RNNClassifier(max_epochs=1, **params).fit(X, y)
    assert isinstance(info.value, ValueError)  # also a ValueError, as scikit-learn's
    assert isinstance(info.value, InvalidParameterError)


def test_numpy_integers_are_integers():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(12, 5, 2)).astype(np.float32), np.arange(12) % 2
    i = np.int64
    clf = RNNClassifier(
        hidden_size=i(4),
        num_layers=i(2),
        batch_size=i(4),
        max_epochs=i(2),
        conv_channels=(i(3),),
        device="cpu",
        random_state=i(0),
    ).fit(X, y)
    assert clf.net_.module_.rnn.hidden_size == 4 and clf.n_iter_ == 2
    windows = rng.normal(size=(10, 8, 1)).astype(np.float32)
    model = SegRNNForecaster(seg_len=i(4), hidden_size=i(4), max_epochs=i(1), device="cpu")
    assert model.fit(windows, windows[:, :2]).predict(windows).shape == (10, 2, 1)


# ------------------------------------------------------------------ the parameter tables
ESTIMATORS = [RNNClassifier, RNNRegressor, SegRNNForecaster]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_signature_matches_the_parameter_tables(cls):
    signature = inspect.signature(cls.__init__).parameters
    names = [name for name in signature if name != "self"]
    assert sorted(names) == sorted(cls._parameter_table)
    assert {p.name for p in TRAINING} <= set(names)
    assert all(signature[name].kind is inspect.Parameter.KEYWORD_ONLY for name in names)
    for name, param in cls._parameter_table.items():
        if param.default is not VARIES:
            default = signature[name].default
            assert type(default) is type(param.default) and default == param.default, name


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_constraints_and_warm_start_set_come_from_the_tables(cls):
    table = cls._parameter_table
    assert cls._parameter_constraints == {name: p.constraint for name, p in table.items()}
    assert cls._warm_start_params == {name for name, p in table.items() if p.warm_start}
    # every estimator's learning-rate schedule may change between warm-started fits
    assert "lr_schedule" in cls._warm_start_params
    assert not {"hidden_size", "num_layers", "checkpoint_dir"} & cls._warm_start_params
    assert ("class_weight" in cls._warm_start_params) == (cls is RNNClassifier)
    assert ("loss" in cls._warm_start_params) == (cls is SegRNNForecaster)


def test_the_checkpoint_fingerprint_leaves_out_the_neutral_parameters():
    assert {"callbacks", "checkpoint_dir", "device", "verbose", "warm_start"} == FINGERPRINT_NEUTRAL
    params = RNNClassifier().get_params()
    same = checkpoint.params_fingerprint(params | {"verbose": 1, "device": "cpu"})
    assert same == checkpoint.params_fingerprint(params)
    for change in ({"hidden_size": 8}, {"learning_rate": 0.1}, {"random_state": 1}):
        assert checkpoint.params_fingerprint(params | change) != same


def test_a_parameter_missing_from_the_tables_is_an_error_at_class_creation():
    table = (Param("width", [None], "Width.", None),)
    with pytest.raises(TypeError, match="'depth' is in no parameter table"):

        @estimator_parameters(table)
        class Model:
            """Model.

            Parameters
            ----------
            {parameters}
            """

            def __init__(self, width=None, depth=2):
                self.width, self.depth = width, depth

    with pytest.raises(ValueError, match="'width' is declared twice"):
        estimator_parameters(table, table)
