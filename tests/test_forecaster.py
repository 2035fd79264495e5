"""SegRNNForecaster: layouts, decoders, normalisations, time-ordered validation, persistence."""

import pickle

import numpy as np
import pytest
import torch
from helpers import SMALL
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from skorch.callbacks import Callback

from sklrnn import SegRNNForecaster
from sklrnn.features import make_windows

TINY = SMALL | dict(seg_len=12, max_epochs=3, learning_rate=0.01, batch_size=32)


def _seasonal(n=400, channels=2):
    """A noiseless series of periods 24 and 12, ``channels`` phase-shifted channels."""
    t = np.arange(n)[:, None]
    phase = np.arange(channels)[None, :]
    return np.sin(2 * np.pi * t / 24 + phase) + 0.5 * np.cos(2 * np.pi * t / 12 + 2 * phase)


@pytest.fixture(scope="module")
def windows():
    return make_windows(_seasonal(), lookback=48, horizon=24)  # (329, 48, 2), (329, 24, 2)


def test_layouts_of_X_and_y(windows):
    X, y = windows
    model = SegRNNForecaster(**TINY, random_state=0).fit(X, y)
    assert model.predict(X[:5]).shape == (5, 24, 2)
    assert (model.lookback_, model.horizon_, model.n_features_in_) == (48, 24, 2)
    X1, y1 = X[:, :, 0], y[:, :, 0]
    uni = SegRNNForecaster(**TINY, random_state=0).fit(X1, y1)
    assert uni.predict(X1[:5]).shape == (5, 24)
    # (n, L) and (n, L, 1) are the same windows: the same model accepts both.
    np.testing.assert_array_equal(uni.predict(X1[:5, :, None]), uni.predict(X1[:5]))
    one_step = SegRNNForecaster(**TINY, random_state=0).fit(X1, y1[:, 0])
    assert one_step.horizon_ == 1
    assert one_step.predict(X1[:5]).shape == (5,)
    assert one_step.predict(X1[:5]).dtype == np.float64


@pytest.mark.parametrize("decoder", ["pmf", "rmf"])
@pytest.mark.parametrize("normalization", ["last", "revin", None])
def test_decoders_and_normalizations(windows, decoder, normalization):
    X, y = windows
    model = SegRNNForecaster(
        **TINY, decoder=decoder, normalization=normalization, dropout=0.0, random_state=0
    ).fit(X, y)
    segrnn = model.net_.module_.segrnn
    assert (segrnn.decoder, segrnn.normalization) == (decoder, normalization)
    assert (segrnn.pos_emb is not None) == (decoder == "pmf")
    pred = model.predict(X[:8])
    assert np.isfinite(pred).all()
    # "last" forecasts follow a level shift exactly; RevIN follows scale and shift; None neither.
    if normalization == "revin":
        np.testing.assert_allclose(model.predict(3 * X[:8] + 5.0), 3 * pred + 5.0, atol=1e-3)
    elif normalization == "last":
        np.testing.assert_allclose(model.predict(X[:8] + 5.0), pred + 5.0, atol=1e-4)
    else:
        assert np.abs(model.predict(X[:8] + 5.0) - pred - 5.0).max() > 1e-2


def test_seg_len_dividing_neither_lookback_nor_horizon(windows):
    X, y = windows
    X, y = X[:, -30:], y[:, :10]  # L = 30, H = 10, segments of 8: 4 in (2 steps padded), 2 out
    model = SegRNNForecaster(**TINY | dict(seg_len=8), random_state=0).fit(X, y)
    segrnn = model.net_.module_.segrnn
    assert (segrnn.n_segments_in, segrnn.n_segments_out) == (4, 2)
    assert model.predict(X[:3]).shape == (3, 10, 2)


class _RecordBatches(Callback):
    """Record the targets of every training and validation batch."""

    def initialize(self):
        self.train_, self.valid_ = [], []
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        (self.train_ if training else self.valid_).append(batch[1][:, 0, 0].numpy())


def test_validation_part_is_the_last_windows_in_time_order():
    n = 50
    X = np.random.RandomState(0).normal(size=(n, 24, 1)).astype(np.float32)
    y = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, 4, 1))  # y = index
    recorder = _RecordBatches()
    model = SegRNNForecaster(
        **TINY | dict(max_epochs=2, batch_size=8),
        early_stopping=True,
        validation_fraction=0.2,
        callbacks=[("record", recorder)],
        random_state=0,
    ).fit(X, y)
    seen = dict(model.net_.callbacks_)["record"]  # the net's own copy of the recorder
    valid = np.concatenate(seen.valid_)
    train = np.concatenate(seen.train_)
    np.testing.assert_array_equal(np.unique(valid), np.arange(40, 50))  # ceil(0.2 * 50) = 10
    np.testing.assert_array_equal(np.unique(train), np.arange(40))
    # validation_scores_ is the negative MSE on those windows, at the restored best epoch
    mse = np.mean((model.predict(X[40:]) - y[40:]) ** 2)
    assert model.best_validation_score_ == pytest.approx(-mse, rel=1e-4)
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_validation_data_passed_to_fit_is_the_validation_part():
    n = 50
    X = np.random.RandomState(0).normal(size=(n, 24, 1)).astype(np.float32)
    y = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, 4, 1))  # y = index
    params = TINY | dict(max_epochs=2, batch_size=8, early_stopping=True, random_state=0)
    recorder = _RecordBatches()
    model = SegRNNForecaster(**params, callbacks=[("record", recorder)])
    model.fit(X[:40], y[:40], X_val=X[40:], y_val=y[40:])
    seen = dict(model.net_.callbacks_)["record"]
    np.testing.assert_array_equal(np.unique(np.concatenate(seen.valid_)), np.arange(40, 50))
    np.testing.assert_array_equal(np.unique(np.concatenate(seen.train_)), np.arange(40))
    # the same model as when the last 10 of the 50 windows are held out
    held_out = SegRNNForecaster(**params, validation_fraction=0.2).fit(X, y)
    np.testing.assert_allclose(model.validation_scores_, held_out.validation_scores_, rtol=1e-6)
    np.testing.assert_allclose(model.predict(X), held_out.predict(X), rtol=1e-6)


def test_validation_data_errors_come_before_training(monkeypatch, windows):
    X, y = windows
    _never_trains(monkeypatch)
    with pytest.raises(ValueError, match="set early_stopping=True"):
        SegRNNForecaster(**TINY).fit(X, y, X_val=X, y_val=y)
    model = SegRNNForecaster(**TINY, early_stopping=True)
    with pytest.raises(ValueError, match="X_val and y_val go together"):
        model.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="X_val: .*windows of 36 steps.*lookback_=48"):
        model.fit(X, y, X_val=X[:, -36:], y_val=y)
    with pytest.raises(ValueError, match="y_val: .*does not match the targets"):
        model.fit(X, y, X_val=X, y_val=y[:, :12])
    with pytest.raises(ValueError, match="X_val and y_val have different numbers of samples"):
        model.fit(X, y, X_val=X, y_val=y[:-1])


def test_learns_a_noiseless_seasonal_series_to_near_zero_error():
    X, y = make_windows(_seasonal(500), lookback=48, horizon=24)
    train, test = slice(0, 330), slice(360, None)  # forecast later windows than it saw
    model = SegRNNForecaster(
        **TINY | dict(hidden_size=16, max_epochs=40, learning_rate=0.02),
        dropout=0.0,
        random_state=0,
    ).fit(X[train], y[train])
    mse = np.mean((model.predict(X[test]) - y[test]) ** 2)
    assert mse < 1e-3 * y.var()
    assert model.score(X[test], y[test]) > 0.99
    assert model.loss_curve_[-1] < 0.01 * model.loss_curve_[0]


def test_grid_search_with_time_series_split_prefers_last_value_normalization():
    t = np.arange(600, dtype=np.float64)
    series = 0.02 * t + np.sin(2 * np.pi * t / 24)  # later folds sit above the levels seen
    X, y = make_windows(series, lookback=48, horizon=12, stride=2)
    search = GridSearchCV(
        SegRNNForecaster(**TINY | dict(max_epochs=8), random_state=0),
        {"normalization": ["last", None]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert search.best_params_ == {"normalization": "last"}
    assert search.best_score_ > 0.5
    assert search.best_estimator_.predict(X[-3:]).shape == (3, 12)


def test_learning_rate_schedule_of_the_paper(windows):
    X, y = windows
    model = SegRNNForecaster(
        **TINY | dict(max_epochs=6, seg_len=24), lr_schedule="paper", random_state=0
    ).fit(X[:64], y[:64])
    lrs = np.array(model.net_.history[:, "event_lr"])
    np.testing.assert_allclose(lrs / 0.01, [1, 1, 1, 1, 0.8, 0.64])


def test_reproducible_pickle_and_weights_only_save(tmp_path, windows):
    X, y = windows
    model = SegRNNForecaster(**TINY, lr_schedule="paper", random_state=0).fit(X, y[:, :, 0:2])
    again = clone(model).fit(X, y[:, :, 0:2])
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))

    uni = SegRNNForecaster(**TINY, decoder="rmf", random_state=0).fit(X[:, :, 0], y[:, :, 0])
    for fitted in (model, uni):
        path = tmp_path / "segrnn.pt"
        fitted.save(path)
        torch.load(path, weights_only=True)  # readable without executing code
        loaded = SegRNNForecaster.load(path)
        Xf = X if fitted is model else X[:, :, 0]
        np.testing.assert_array_equal(loaded.predict(Xf), fitted.predict(Xf))
        assert (loaded.lookback_, loaded.horizon_) == (fitted.lookback_, fitted.horizon_)
        assert loaded.get_params() == fitted.get_params()


def _never_trains(monkeypatch):
    from sklrnn._engine.net import SequenceNet

    def boom(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(SequenceNet, "fit", boom)


@pytest.mark.parametrize(
    ("params", "data", "match"),
    [
        (dict(seg_len=64), None, "seg_len=64 is longer than the look-back"),
        (dict(decoder="transformer"), None, "decoder must be one of"),
        (dict(normalization="minmax"), None, "normalization must be one of"),
        (dict(loss="huber"), None, "loss must be one of"),
        (dict(lr_schedule="cosine"), None, "lr_schedule must be one of"),
        (dict(cell="tcn"), None, "cell must be one of"),
        (dict(seg_len=0), None, "seg_len must be an integer"),
        ({}, lambda X, y: (X, y[:, :, 0]), r"y \(n_samples, horizon\) has 1 channel"),
        ({}, lambda X, y: (X, y[:, :, :1]), "has 1 channel"),
        ({}, lambda X, y: (X, y[:-1]), "different numbers of samples"),
        ({}, lambda X, y: (X, y[..., None]), "y must be of shape"),
        ({}, lambda X, y: (X, np.where(y > 0.5, np.nan, y)), "NaN"),
        ({}, lambda X, y: ([x[: 40 + i % 2] for i, x in enumerate(X)], y), "fixed length"),
    ],
)
def test_errors_before_training(monkeypatch, windows, params, data, match):
    X, y = windows
    if data is not None:
        X, y = data(X, y)
    _never_trains(monkeypatch)
    with pytest.raises(ValueError, match=match):
        SegRNNForecaster(**TINY | params).fit(X, y)


def test_errors_at_predict_and_warm_start(windows):
    X, y = windows
    model = SegRNNForecaster(**TINY | dict(max_epochs=1), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features per time step"):
        model.predict(X[:, :, :1])
    with pytest.raises(ValueError, match="look-back windows of 36 steps.*lookback_=48"):
        model.predict(X[:, -36:])
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="does not match the targets of the first fit"):
        model.fit(X, y[:, :12])
    model.fit(X, y)  # the same layout continues
    assert model.n_iter_ == 2
