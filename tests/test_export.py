"""ONNX export: the file run in onnxruntime gives what predict / predict_proba give."""

import json

import numpy as np
import pytest
import torch

from sklrnn import RNNClassifier, RNNRegressor, SegRNNForecaster
from sklrnn.export import onnx_inputs, to_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ATOL = 1e-5
TINY = {"hidden_size": 4, "max_epochs": 2, "batch_size": 16, "random_state": 0}


def _sequences(n=24, T=9, F=2, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n, T, F)).astype(np.float32)


def _ragged(X, seed=1):
    """The sequences of X cut to random lengths (the first one kept whole)."""
    rng = np.random.RandomState(seed)
    lengths = rng.randint(1, X.shape[1] + 1, size=len(X))
    lengths[0] = X.shape[1]
    return [x[:n] for x, n in zip(X, lengths)]


def _run(est, path, X, outputs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(outputs, onnx_inputs(est, X))


def _check_classifier(clf, tmp_path, X):
    path = to_onnx(clf, tmp_path / "clf.onnx")
    # batches: the whole set, one sequence, sequences of other lengths, ragged sequences
    longer = _sequences(n=5, T=X.shape[1] + 6, F=X.shape[2], seed=3) if X.ndim == 3 else None
    batches = [X, X[:1], _ragged(X)] + ([longer] if longer is not None else [])
    for batch in batches:
        proba, label = _run(clf, path, batch, ["probabilities", "label"])
        np.testing.assert_allclose(proba, clf.predict_proba(batch), atol=ATOL, rtol=0)
        assert label.tolist() == clf.predict(batch).tolist()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_classifier_cells_and_poolings_match_onnxruntime(tmp_path, cell, pooling):
    X = _sequences()
    y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    params = {"num_layers": 2, "bidirectional": True} if pooling == "last" else {}
    clf = RNNClassifier(cell=cell, pooling=pooling, **params, **TINY).fit(X, y)
    _check_classifier(clf, tmp_path, X)


# the classifier's default dilations (1, 4), and an even kernel with an odd dilation, whose
# span is odd: onnxruntime runs neither with torch's "same" padding
@pytest.mark.parametrize("conv", [{}, {"conv_kernel_size": 4, "conv_dilation": (1, 3)}])
def test_classifier_conv_front_end_and_integer_labels_match_onnxruntime(tmp_path, conv):
    X = _sequences()
    y = np.array([3, 7, 11] * 8)
    params = dict(cell="gru", conv_channels=(5, 3), bidirectional=True, **conv, **TINY)
    clf = RNNClassifier(**params).fit(X, y)
    _check_classifier(clf, tmp_path, X)
    model = onnx.load(tmp_path / "clf.onnx")
    assert json.loads({p.key: p.value for p in model.metadata_props}["classes"]) == [3, 7, 11]


def test_token_embeddings_match_onnxruntime(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 6, size=(24, 10))
    y = (X == 2).sum(axis=1) > 1
    clf = RNNClassifier(embedding_dim=3, pooling="attention", **TINY).fit(X, y)
    path = to_onnx(clf, tmp_path / "tokens.onnx")
    unseen = X.copy()
    unseen[:, 0] = 9  # ids beyond the vocabulary read as id 0
    for batch in [X, [x[: 3 + i % 7] for i, x in enumerate(X)], unseen]:
        proba, label = _run(clf, path, batch, ["probabilities", "label"])
        np.testing.assert_allclose(proba, clf.predict_proba(batch), atol=ATOL, rtol=0)
        assert label.tolist() == clf.predict(batch).tolist()


def test_image_sequences_match_onnxruntime(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(12, 3, 8, 8)).astype(np.float32)  # (n, T, H, W) frames
    y = np.arange(12) % 2
    clf = RNNClassifier(frame_channels=(4,), frame_features=6, frame_pool_size=2, **TINY)
    clf.fit(X, y)
    path = to_onnx(clf, tmp_path / "frames.onnx")
    proba, label = _run(clf, path, X, ["probabilities", "label"])
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=ATOL, rtol=0)
    assert label.tolist() == clf.predict(X).tolist()
    # estimators take image sequences of one length; the torch module takes ragged ones
    x, lengths = X[:, :, None], np.array([3, 1, 2] * 4)
    with torch.inference_mode():
        logits = clf.net_.module_(torch.as_tensor(x), torch.as_tensor(lengths))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (proba,) = session.run(["probabilities"], {"x": x, "lengths": lengths})
    np.testing.assert_allclose(proba, torch.softmax(logits, 1).numpy(), atol=ATOL, rtol=0)


@pytest.mark.parametrize("multi_output", [False, True])
def test_regressor_with_conv_front_end_matches_onnxruntime(tmp_path, multi_output):
    X = _sequences()
    y = X.sum(axis=1) if multi_output else X[:, :, 0].sum(axis=1)
    reg = RNNRegressor(cell="lstm", conv_channels=(4,), pooling="mean", **TINY).fit(X, y)
    path = to_onnx(reg, tmp_path / "reg.onnx")
    for batch in [X, X[:1], _ragged(X)]:
        (pred,) = _run(reg, path, batch, ["prediction"])
        expected = reg.predict(batch)
        assert pred.shape == expected.shape
        np.testing.assert_allclose(pred, expected, atol=ATOL, rtol=0)


def test_univariate_2d_input_matches_onnxruntime(tmp_path):
    X = _sequences(F=1)[:, :, 0]  # (n, T): univariate sequences
    reg = RNNRegressor(cell="gru", **TINY).fit(X, X.mean(axis=1))
    path = to_onnx(reg, tmp_path / "uni.onnx")
    for batch in [X, [x[: 2 + i % 7] for i, x in enumerate(X)]]:
        (pred,) = _run(reg, path, batch, ["prediction"])
        np.testing.assert_allclose(pred, reg.predict(batch), atol=ATOL, rtol=0)


def test_exported_recurrence_uses_sequence_lengths_not_packed_sequences(tmp_path):
    X = _sequences()
    reg = RNNRegressor(cell="lstm", bidirectional=True, **TINY).fit(X, X[:, 0, 0])
    model = onnx.load(to_onnx(reg, tmp_path / "reg.onnx"))
    ops = [node.op_type for node in model.graph.node]
    assert not [op for op in ops if "Pack" in op or "Pad" in op]
    (lstm,) = [node for node in model.graph.node if node.op_type == "LSTM"]
    assert len(lstm.input) >= 5 and lstm.input[4]  # the sequence_lens input is wired
    names = [i.name for i in model.graph.input]
    assert names == ["x", "lengths"]
    time_dim = model.graph.input[0].type.tensor_type.shape.dim[1]
    assert time_dim.dim_param  # a named, dynamic time axis


FORECASTER_OPTIONS = [
    {"decoder": "pmf", "channel_embedding": True, "normalization": "last"},
    {"decoder": "pmf", "channel_embedding": False, "normalization": "revin"},
    {"decoder": "pmf", "channel_embedding": True, "normalization": None, "cell": "lstm"},
    {"decoder": "rmf", "normalization": "last"},
    {"decoder": "rmf", "normalization": "revin", "cell": "lstm"},
    {"decoder": "rmf", "normalization": None, "cell": "rnn"},
]


@pytest.mark.parametrize("options", FORECASTER_OPTIONS)
def test_forecaster_decoders_and_normalizations_match_onnxruntime(tmp_path, options):
    rng = np.random.RandomState(0)
    series = np.sin(np.arange(140)[:, None] / 5 + np.arange(3)) + 0.1 * rng.normal(size=(140, 3))
    L, H = 20, 10  # seg_len 6 divides neither: padding and cropping are exported too
    X = np.stack([series[i : i + L] for i in range(100)])
    y = np.stack([series[i + L : i + L + H] for i in range(100)])
    est = SegRNNForecaster(seg_len=6, hidden_size=8, max_epochs=2, random_state=0, **options)
    est.fit(X, y)
    path = to_onnx(est, tmp_path / "segrnn.onnx")
    for batch in [X, X[:1]]:
        (pred,) = _run(est, path, batch, ["prediction"])
        np.testing.assert_allclose(pred, est.predict(batch), atol=ATOL, rtol=0)


@pytest.mark.parametrize("y_ndim", [1, 2])
def test_forecaster_output_has_the_layout_of_y(tmp_path, y_ndim):
    series = np.sin(np.arange(80) / 4)
    X = np.stack([series[i : i + 12] for i in range(60)])
    y = np.stack([series[i + 12 : i + 16] for i in range(60)])
    y = y[:, 0] if y_ndim == 1 else y
    est = SegRNNForecaster(seg_len=4, hidden_size=6, max_epochs=2, random_state=0).fit(X, y)
    (pred,) = _run(est, to_onnx(est, tmp_path / "f.onnx"), X, ["prediction"])
    assert pred.shape == est.predict(X).shape == y.shape
    np.testing.assert_allclose(pred, est.predict(X), atol=ATOL, rtol=0)


def test_export_refuses_unfitted_estimators_and_bad_opsets(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        to_onnx(RNNClassifier(), tmp_path / "x.onnx")
    X = _sequences(n=8)
    reg = RNNRegressor(hidden_size=4, max_epochs=1).fit(X, X[:, 0, 0])
    with pytest.raises(ValueError, match="opset_version"):
        to_onnx(reg, tmp_path / "x.onnx", opset_version=9)
    assert not (tmp_path / "x.onnx").exists()
