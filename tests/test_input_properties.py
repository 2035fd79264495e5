"""Property-based tests of the input-validation path (hypothesis).

Each drawn X, y and sample_weight knows which faults it holds. Valid input must train and
``predict`` must answer in the right shape; input with a fault must be refused before the first
epoch starts, with the error type and a message that name that fault.
"""

import re

import numpy as np
import pytest
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402

# Random shapes include channels-first-looking arrays, which warn by design (the warning has
# its own tests in test_budget_and_fcn.py).
pytestmark = pytest.mark.filterwarnings("ignore::sklrnn.exceptions.LayoutWarning")

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class TrainingStarted(Callback):
    """Counts the fits that reached skorch's training loop (class-level: fit copies callbacks)."""

    count = 0

    def on_train_begin(self, net, **kwargs):
        type(self).count += 1


def special_values(draw, array, choices=(np.nan, np.inf, -np.inf, 1e39, -3.0)):
    """Put NaN / inf / huge values at a few places of a float array."""
    if array.dtype.kind != "f" or array.size == 0:
        return array
    for _ in range(draw(st.integers(1, 2))):
        index = tuple(draw(st.integers(0, n - 1)) for n in array.shape)
        with np.errstate(over="ignore"):  # 1e39 in a float16 / float32 array is inf
            array[index] = draw(st.sampled_from(choices))
    return array


VALID_DTYPES = ["float32", "float64", "float16", "int8", "int64", "uint8", "bool", "object"]
FAULTS = ["ndim", "empty-dim", "strings", "complex", "nonfinite", "overflow", "ragged-width"]
FAULTS += ["zero-length"]


FLOAT32_MAX = float(np.finfo(np.float32).max)


def _bad_values(arrays) -> set[str]:
    """``{"nonfinite"}`` when a value is NaN, infinite or beyond float32, else empty."""
    for array in arrays:
        values = np.asarray(array, dtype=np.float64)
        if not np.isfinite(values).all() or np.abs(values).max(initial=0) > FLOAT32_MAX:
            return {"nonfinite"}
    return set()


@st.composite
def sequences(draw, n):
    """``(X, faults)``: X for ``n`` samples, a valid array (2-D to 5-D, any numeric dtype, as an
    array or nested lists) or a valid ragged list, with at most one fault put in half the time;
    ``faults`` names the fault X actually holds (empty for valid X)."""
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    fault = draw(st.sampled_from([None] * len(FAULTS) + FAULTS))
    dtype = draw(st.sampled_from(VALID_DTYPES))
    forced = {"strings": "U3", "complex": "c8", "nonfinite": "float64", "overflow": "float64"}
    dtype = forced.get(fault, dtype)
    scale = draw(st.sampled_from([1.0, 1000.0]))

    def values(shape):
        array = rng.normal(size=shape) * scale
        array = array.astype(str) if dtype == "U3" else array.astype(dtype)
        if fault == "overflow":  # finite in float64, infinite in the network's float32
            return special_values(draw, array, choices=(1e39, -1e300))
        return special_values(draw, array) if fault == "nonfinite" else array

    kind = {"strings": {"strings"}, "complex": {"complex"}}.get(fault, set())
    if draw(st.booleans()):  # one array
        shape = [n, draw(st.integers(1, 4))] + [draw(st.integers(1, 3))] * draw(st.booleans())
        if fault == "ndim":  # 1-D is refused; 4-D and 5-D are image sequences
            shape = shape[:1] if draw(st.booleans()) else shape + [2, 2]
            kind = {"ndim"} if len(shape) == 1 else set()
        if fault == "empty-dim":
            axis = draw(st.integers(0, len(shape) - 1))
            shape[axis] = 0
            kind = {("empty-samples", "empty-steps", "empty-features")[axis]}
        array = values(tuple(shape))
        if fault in ("nonfinite", "overflow"):
            kind = _bad_values([array])
        return (array if draw(st.booleans()) else array.tolist()), kind
    width = draw(st.integers(1, 3))
    lengths = [draw(st.integers(1, 5)) for _ in range(n)]
    lengths[0] = lengths[-1] + 1  # ragged for sure
    if fault == "zero-length":
        lengths[draw(st.integers(0, n - 1))] = 0
        kind = {"zero-length"}
    widths = [width] * n
    if fault == "ragged-width":
        widths[-1] = width + 1
        kind = {"ragged-width"}
    univariate = draw(st.booleans()) and fault != "ragged-width"
    X = [values((t,) if univariate else (t, w)) for t, w in zip(lengths, widths)]
    if fault in ("nonfinite", "overflow"):
        kind = _bad_values(X)
    return X, kind


@st.composite
def labels(draw, n):
    """``(y, kind)``: y for ``n`` samples as ints, strings, floats, bools, with NaN, of one
    class, of the wrong length or None."""
    kinds = ["int", "str", "float", "bool", "nan", "one", "short", "none"]
    kind = draw(st.sampled_from(["int"] * 4 + ["str"] * 4 + ["float"] * 3 + kinds))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    y = rng.randint(0, 3, size=n)
    if kind == "str":
        return np.array(["a", "b", "c"])[y].tolist(), kind
    if kind == "float":
        return rng.normal(size=n), kind
    if kind == "bool":
        return y.astype(bool), kind
    if kind == "nan":
        return np.where(y == 0, np.nan, y), kind
    if kind == "one":
        return np.zeros(n, dtype=int), kind
    if kind == "short":
        return y[:-1], kind
    return (None if kind == "none" else y), kind


# what each fault must raise: the error type and a message that names the problem
REFUSALS = {
    "ndim": (ValueError, r"Expected X of shape .* 1 dimension"),
    "empty-samples": (ValueError, r"0 sample"),
    "empty-steps": (ValueError, r"X holds sequences of length 0"),
    "empty-features": (ValueError, r"X has 0 features per time step"),
    "strings": (TypeError, r"X(\[\d+\])? holds strings"),
    "complex": (ValueError, r"Complex data not supported: X"),
    "nonfinite": (ValueError, r"X contains (NaN|infinity)|X holds values too large for float32"),
    "zero-length": (ValueError, r"X\[\d+\] is a sequence of length 0"),
    "ragged-width": (ValueError, r"sequences in X have different numbers of features"),
    "y-none": (ValueError, r"requires y to be passed"),
    "y-short": (ValueError, r"X and y have different numbers of samples"),
    "y-nan": (ValueError, r"y contains NaN"),
    "y-strings": (TypeError, r"y holds strings"),
    "y-continuous": (ValueError, r"Unknown label type: continuous"),
    "y-one-class": (ValueError, r"at least 2 classes"),
    "weight-values": (ValueError, r"sample_weight must be finite and non-negative"),
    "weight-length": (ValueError, r"sample_weight\.shape == .* to match the samples of X"),
}


def label_faults(y, kind, n, classifier):
    """The faults of targets ``y`` drawn as ``kind`` for ``n`` samples."""
    if y is None:
        return {"y-none"}
    faults = {"y-short"} if len(y) != n else set()
    array = np.asarray(y)
    if array.dtype.kind == "f" and np.isnan(array).any():
        return faults | {"y-nan"}
    if not classifier:
        return faults | ({"y-strings"} if array.dtype.kind == "U" else set())
    if kind == "float":
        return faults | {"y-continuous"}
    return faults | ({"y-one-class"} if len(np.unique(array)) < 2 else set())


def weight_faults(weight, n):
    if weight is None:
        return set()
    if len(weight) != n:
        return {"weight-length"}
    return set() if np.all(np.isfinite(weight) & (weight >= 0)) else {"weight-values"}


def run_or_refuse(model, X, y, sample_weight, faults, check_output):
    """Valid input (no ``faults``) must fit and predict; otherwise ``fit`` must raise, before
    training, the error of one of ``faults`` with its message."""
    started = TrainingStarted.count
    if not faults:
        model.fit(X, y, sample_weight=sample_weight)  # any error fails the test
        check_output(model, X)
        event("valid: fitted and predicted")
        return
    with pytest.raises((ValueError, TypeError)) as info:
        model.fit(X, y, sample_weight=sample_weight)
    assert TrainingStarted.count == started, "raised after training had started"
    message = str(info.value)
    named = [
        f
        for f in faults
        if isinstance(info.value, REFUSALS[f][0]) and re.search(REFUSALS[f][1], message)
    ]
    assert named, f"expected the error of one of {sorted(faults)}; got {info.value!r}"
    event(f"refused: {named[0]}")


def n_samples(X):
    return len(X)


@SETTINGS
@given(data=st.data(), n=st.integers(2, 6))
def test_classifier_fits_and_predicts_or_refuses_before_training(data, n):
    X, x_faults = data.draw(sequences(n))
    y, kind = data.draw(labels(n))
    weights = [None] * 4 + [np.arange(n) + 1.0, -np.ones(n), np.full(n, np.nan), np.ones(n + 1)]
    weight = data.draw(st.sampled_from(weights))
    faults = x_faults | label_faults(y, kind, n, classifier=True) | weight_faults(weight, n)
    model = RNNClassifier(
        hidden_size=2, max_epochs=1, batch_size=4, device="cpu", callbacks=[TrainingStarted()]
    )

    def check(model, X):
        proba = model.predict_proba(X)
        assert proba.shape == (n_samples(X), len(model.classes_))
        assert np.all(np.isfinite(proba))
        assert set(model.predict(X)) <= set(model.classes_)

    run_or_refuse(model, X, y, weight, faults, check)


@SETTINGS
@given(data=st.data(), n=st.integers(2, 6))
def test_regressor_fits_and_predicts_or_refuses_before_training(data, n):
    X, x_faults = data.draw(sequences(n))
    y, kind = data.draw(labels(n))
    if data.draw(st.booleans()) and y is not None:
        y = np.column_stack([y, y])  # two targets
    faults = x_faults | label_faults(y, kind, n, classifier=False)
    model = RNNRegressor(
        hidden_size=2, max_epochs=1, batch_size=4, device="cpu", callbacks=[TrainingStarted()]
    )

    def check(model, X):
        pred = model.predict(X)
        assert pred.shape == np.asarray(y).shape[:1] + np.asarray(y).shape[1:]
        assert np.all(np.isfinite(pred))

    run_or_refuse(model, X, y, None, faults, check)
