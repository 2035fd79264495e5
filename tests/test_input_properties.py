"""Property-based tests of the input-validation path (hypothesis).

Whatever X, y and sample_weight a user passes, ``fit`` either trains and ``predict`` answers in
the right shape, or ``fit`` raises a ValueError or TypeError before the first epoch starts.
"""

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


@st.composite
def sequences(draw, n):
    """X for ``n`` samples: a valid array (2-D or 3-D, any numeric dtype, as an array or nested
    lists) or a valid ragged list, with at most one fault put in half the time."""
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

    if draw(st.booleans()):  # one array
        shape = [n, draw(st.integers(1, 4))] + [draw(st.integers(1, 3))] * draw(st.booleans())
        if fault == "ndim":
            shape = shape[:1] if draw(st.booleans()) else shape + [2, 2]
        if fault == "empty-dim":
            shape[draw(st.integers(0, len(shape) - 1))] = 0
        array = values(tuple(shape))
        return array if draw(st.booleans()) else array.tolist()
    width = draw(st.integers(1, 3))
    lengths = [draw(st.integers(1, 5)) for _ in range(n)]
    lengths[0] = lengths[-1] + 1  # ragged for sure
    if fault == "zero-length":
        lengths[draw(st.integers(0, n - 1))] = 0
    widths = [width] * n
    if fault == "ragged-width":
        widths[-1] = width + 1
    univariate = draw(st.booleans()) and fault != "ragged-width"
    return [values((t,) if univariate else (t, w)) for t, w in zip(lengths, widths)]


@st.composite
def labels(draw, n):
    """y for ``n`` samples: ints, strings, floats, bools, NaN, one class, wrong length, None."""
    kinds = ["int", "str", "float", "bool", "nan", "one", "short", "none"]
    kind = draw(st.sampled_from(["int"] * 4 + ["str"] * 4 + ["float"] * 3 + kinds))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    y = rng.randint(0, 3, size=n)
    if kind == "str":
        return np.array(["a", "b", "c"])[y].tolist()
    if kind == "float":
        return rng.normal(size=n)
    if kind == "bool":
        return y.astype(bool)
    if kind == "nan":
        return np.where(y == 0, np.nan, y)
    if kind == "one":
        return np.zeros(n, dtype=int)
    if kind == "short":
        return y[:-1]
    return None if kind == "none" else y


def run_or_refuse(model, X, y, sample_weight, check_output):
    started = TrainingStarted.count
    try:
        model.fit(X, y, sample_weight=sample_weight)
    except (ValueError, TypeError) as exc:
        assert TrainingStarted.count == started, "raised after training had started"
        event(f"refused: {type(exc).__name__}: {str(exc)[:40]}")
        return False
    check_output(model, X)
    event("fitted and predicted")
    return True


def n_samples(X):
    return len(X)


@SETTINGS
@given(data=st.data(), n=st.integers(2, 6))
def test_classifier_fits_and_predicts_or_refuses_before_training(data, n):
    X = data.draw(sequences(n))
    y = data.draw(labels(n))
    weights = [None] * 4 + [np.arange(n) + 1.0, -np.ones(n), np.full(n, np.nan), np.ones(n + 1)]
    weight = data.draw(st.sampled_from(weights))
    model = RNNClassifier(
        hidden_size=2, max_epochs=1, batch_size=4, device="cpu", callbacks=[TrainingStarted()]
    )

    def check(model, X):
        proba = model.predict_proba(X)
        assert proba.shape == (n_samples(X), len(model.classes_))
        assert np.all(np.isfinite(proba))
        assert set(model.predict(X)) <= set(model.classes_)

    run_or_refuse(model, X, y, weight, check)


@SETTINGS
@given(data=st.data(), n=st.integers(2, 6))
def test_regressor_fits_and_predicts_or_refuses_before_training(data, n):
    X = data.draw(sequences(n))
    y = data.draw(labels(n))
    if data.draw(st.booleans()) and y is not None:
        y = np.column_stack([y, y])  # two targets
    model = RNNRegressor(
        hidden_size=2, max_epochs=1, batch_size=4, device="cpu", callbacks=[TrainingStarted()]
    )

    def check(model, X):
        pred = model.predict(X)
        assert pred.shape == np.asarray(y).shape[:1] + np.asarray(y).shape[1:]
        assert np.all(np.isfinite(pred))

    run_or_refuse(model, X, y, None, check)
