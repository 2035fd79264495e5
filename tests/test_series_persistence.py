"""SeriesForecaster and its window estimator: clone, save / load, ONNX export, warm start."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklrnn import SegRNNForecaster
from sklrnn.export import to_onnx
from sklrnn.forecasting import SeriesForecaster
from sklrnn.forecasting.series_data import pack
from sklrnn.forecasting.windows import PackedSegRNN

L, H = 24, 6


def tiny(**params):
    return SegRNNForecaster(
        **{"seg_len": 6, "hidden_size": 8, "max_epochs": 2, "random_state": 0, **params}
    )


def make_frame(n=200, tz=None):
    index = pd.date_range("2024-03-01", periods=n, freq="h", tz=tz, name="when")
    t = np.arange(n)
    values = np.stack([np.sin(2 * np.pi * t / 24), np.cos(2 * np.pi * t / 12)], axis=1)
    return pd.DataFrame(values, index=index, columns=["load", "temp"])


def covariates(frame):
    index = frame.index.append(pd.date_range(frame.index[-1], periods=H + 1, freq="h")[1:])
    rng = np.random.default_rng(1)
    future = pd.DataFrame(rng.standard_normal((len(index), 2)), index=index, columns=["p", "q"])
    past = pd.DataFrame(rng.standard_normal((len(frame), 1)), frame.index, columns=["x"])
    return past, future


@pytest.fixture(scope="module")
def fitted():
    frame = make_frame()
    past, future = covariates(frame)
    model = SeriesForecaster(tiny(), lookback=L, horizon=H, method="pinball", calendar=["hour"])
    return model.fit(frame, past, future.iloc[: len(frame)]), frame, past, future


def test_the_window_layout_is_made_of_parameters(fitted):
    model = fitted[0]
    params = model.estimator_.get_params()
    assert (params["lookback"], params["horizon"], params["n_past"], params["n_future"]) == (
        L,
        H,
        1,
        4,  # two future covariates and the sine and cosine of the hour
    )
    assert params["quantiles"] == tuple(model.levels_)
    twin = clone(model.estimator_)
    assert (
        twin.get_params()["lookback"] == L and twin.get_params()["quantiles"] == params["quantiles"]
    )
    with pytest.raises(ValueError, match="decoder must be 'pmf'"):
        PackedSegRNN(decoder="rmf", lookback=4, horizon=2).fit(
            np.zeros((8, 6, 1)), np.zeros((8, 2, 1))
        )


def test_a_clone_of_the_window_estimator_fits_the_same_windows(fitted):
    model = fitted[0]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, L + H, 2 + 1 + 4)).astype(np.float32)
    y = rng.standard_normal((40, H, 2)).astype(np.float32)
    twin = clone(model.estimator_).set_params(max_epochs=1).fit(X, y)
    assert twin.predict(X[:3]).shape == (3, H, 2, len(model.levels_))


def test_window_estimator_saves_and_loads(fitted, tmp_path):
    model, frame = fitted[:2]
    est = model.estimator_
    est.save(tmp_path / "windows.pt")
    back = PackedSegRNN.load(tmp_path / "windows.pt")
    X = np.random.default_rng(0).standard_normal((5, L + H, 7)).astype(np.float32)
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    assert back.get_params()["quantiles"] == est.get_params()["quantiles"]


def test_window_estimator_exports_to_onnx_with_its_packed_input(fitted, tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    est = fitted[0].estimator_
    path = to_onnx(est, tmp_path / "windows.onnx")
    session = onnxruntime.InferenceSession(str(path))
    shape = session.get_inputs()[0].shape
    assert shape[1:] == [L + H, 2 + 1 + 4]
    X = np.random.default_rng(0).standard_normal((3, L + H, 7)).astype(np.float32)
    (out,) = session.run(["prediction"], {"x": X})
    np.testing.assert_allclose(out, est.predict(X), atol=1e-5)


def test_onnx_export_of_a_series_forecaster_or_a_pipeline_says_what_to_export(fitted, tmp_path):
    model = fitted[0]
    with pytest.raises(TypeError, match=r"to_onnx\(model.estimator_, path\)"):
        to_onnx(model, tmp_path / "model.onnx")
    X = np.random.default_rng(0).standard_normal((30, 8, 1)).astype(np.float32)
    pipe = make_pipeline(FunctionTransformer(), SegRNNForecaster(seg_len=4, hidden_size=4))
    pipe.set_params(segrnnforecaster__max_epochs=1).fit(X, X[:, :2])
    with pytest.raises(TypeError, match=r"pipeline\[-1\]") as info:
        to_onnx(pipe, tmp_path / "pipe.onnx")
    assert "not fitted" not in str(info.value)


def test_series_forecaster_saves_and_loads_with_its_state(fitted, tmp_path):
    model, frame, past, future = fitted
    model.save(tmp_path / "model.pt")
    back = SeriesForecaster.load(tmp_path / "model.pt")
    pd.testing.assert_frame_equal(
        back.predict(future_covariates=future), model.predict(future_covariates=future)
    )
    newer = make_frame(230).iloc[20:]
    p2, f2 = covariates(newer)
    pd.testing.assert_frame_equal(
        back.predict_interval(newer, p2, f2), model.predict_interval(newer, p2, f2)
    )
    assert back.get_params()["estimator__hidden_size"] == 8
    np.testing.assert_array_equal(back.quantile_offsets_, model.quantile_offsets_)


def test_series_forecaster_save_keeps_time_zones_and_periods(tmp_path):
    for series in [
        make_frame(120, tz="Europe/Paris")["load"],
        pd.DataFrame(
            {"a": np.sin(np.arange(120) / 3)},
            index=pd.period_range("2000-01", periods=120, freq="M"),
        ),
        np.sin(np.arange(120) / 3),
    ]:
        model = SeriesForecaster(tiny(max_epochs=1), lookback=L, horizon=H).fit(series)
        model.save(tmp_path / "m.pt")
        back = SeriesForecaster.load(tmp_path / "m.pt")
        expected, got = model.predict(), back.predict()
        if hasattr(expected, "index"):
            pd.testing.assert_index_equal(got.index, expected.index)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_changed_weights_or_state_in_a_series_forecaster_file_are_refused(fitted, tmp_path):
    path = tmp_path / "model.pt"
    fitted[0].save(path)
    for change in ("weights", "state"):
        payload = torch.load(path, weights_only=True)
        if change == "weights":
            name = next(iter(payload["state_dict"]))
            payload["state_dict"][name] = payload["state_dict"][name] + 0.01
        else:
            payload["fitted"]["n_series_"] = 2
        torch.save(payload, tmp_path / "damaged.pt")
        with pytest.raises(ValueError, match="damaged: its checksum does not match"):
            SeriesForecaster.load(tmp_path / "damaged.pt")
    with pytest.raises(ValueError, match="found class 'SeriesForecaster'"):
        PackedSegRNN.load(path)


def test_warm_start_continues_the_fitted_network():
    series = make_frame()["load"].to_numpy()
    cold = SeriesForecaster(tiny(), lookback=L, horizon=H).fit(series)
    warm = SeriesForecaster(tiny(warm_start=True), lookback=L, horizon=H).fit(series)
    first = list(warm.estimator_.loss_curve_)
    assert first == cold.estimator_.loss_curve_
    warm.fit(series)
    curve = warm.estimator_.loss_curve_
    assert len(curve) == 4 and curve[:2] == first  # the loss curve goes on
    assert curve[2] < first[0]  # from the trained weights, not from new ones
    cold.fit(series)
    assert cold.estimator_.loss_curve_ == first  # without warm_start a new network
    with pytest.raises(ValueError, match="lookback changed"):
        warm.set_params(lookback=12).fit(series)


def test_windows_of_another_layout_are_refused_by_the_window_estimator(fitted):
    est = fitted[0].estimator_
    with pytest.raises(ValueError, match="lookback \\+ horizon = 30 rows"):
        est.predict(np.zeros((2, L, 7), np.float32))
    t = np.zeros((60, 2))
    windows = pack(t, np.zeros((60, 1)), np.zeros((60, 4)), L, H, [30])
    assert est.predict(windows).shape == (1, H, 2, len(fitted[0].levels_))


def test_a_checkpoint_of_other_quantile_levels_is_not_resumed(tmp_path):
    series = make_frame()["load"].to_numpy()

    def model(levels, folder=str(tmp_path)):
        net = tiny(checkpoint_dir=folder)
        return SeriesForecaster(net, lookback=L, horizon=H, method="pinball", quantiles=levels)

    model([0.1, 0.5, 0.9]).fit(series)
    other = model([0.4, 0.5, 0.6]).fit(series)  # another fit, in a subfolder of its own
    assert len(list(tmp_path.glob("fit-*/checkpoint.pt"))) == 2
    fresh = model([0.4, 0.5, 0.6], folder=None).fit(series)
    np.testing.assert_array_equal(other.predict(), fresh.predict())
