"""ONNX export of a fitted estimator's network, to run it in onnxruntime without sklrnn.

What is exported is the torch module the estimator trained, traced through its own ``forward``
(nothing is re-implemented layer by layer), followed by the estimator's output step:

- :class:`~sklrnn.RNNClassifier`: inputs ``x`` and ``lengths``; outputs ``probabilities``
  (``predict_proba``) and ``label`` (``predict``: the class labels themselves, numbers or
  strings);
- :class:`~sklrnn.RNNRegressor`: inputs ``x`` and ``lengths``; output ``prediction``
  (``predict``, 1-D when ``y`` was 1-D at fit);
- :class:`~sklrnn.SegRNNForecaster`: input ``x`` (look-back windows); output ``prediction``
  (``predict``, in the layout of the ``y`` seen at fit);
- ``SeriesForecaster.estimator_`` (the window estimator of
  :class:`~sklrnn.forecasting.SeriesForecaster`): input ``x`` of shape
  ``(batch, lookback + horizon, C + P + F)``, the scaled windows that
  :func:`sklrnn.forecasting.series_data.pack` makes (targets, past and known-future
  covariates); output ``prediction`` of shape ``(batch, horizon, C)``, or
  ``(batch, horizon, C, Q)`` for ``method="pinball"``, in scaled units. Scaling, packing and
  the conformal corrections of the quantiles stay outside the file.

``x`` is the padded batch the estimator builds from ``X`` (float32, or int64 token ids) of
shape ``(batch, time, *step_shape_)``, and ``lengths`` (int64, shape ``(batch,)``) the number
of valid steps of each sequence. Batch size and sequence length are dynamic. Sequences of
different lengths are handled by the ``sequence_lens`` input of ONNX's RNN/GRU/LSTM operators
and by masks in the pooling: the exported graph holds no packed sequences and gives, on a
padded batch, what the packed recurrence gives in torch. Featurizers before the estimator (MFCC,
k-mer encoders, scalers in a pipeline) are not part of the file.

The recurrent layers go through torch's TorchScript-based ONNX exporter, the one that maps
packed sequences onto ``sequence_lens``.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .utils._deps import missing_dependency
from .utils._io import atomic_write

__all__ = ["onnx_inputs", "to_onnx"]


def _import_onnx():
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise missing_dependency("ONNX export", ("onnx",), "onnx") from exc
    return onnx


class _ClassifierGraph(nn.Module):
    """Network logits -> (class probabilities, index of the most probable class)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor, lengths: torch.Tensor):
        logits = self.module(x, lengths)  # [B, K]
        return torch.softmax(logits, dim=1), logits.argmax(dim=1)


class _RegressorGraph(nn.Module):
    """Network outputs [B, n_outputs], flattened to [B] when ``flat``."""

    def __init__(self, module: nn.Module, flat: bool) -> None:
        super().__init__()
        self.module = module
        self.flat = flat

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out = self.module(x, lengths)
        return out.reshape(-1) if self.flat else out  # [B, 1] -> [B]


class _ForecasterGraph(nn.Module):
    """Windows [B, L, C] -> forecasts in the layout of the ``y`` seen at fit."""

    def __init__(self, module: nn.Module, y_ndim: int) -> None:
        super().__init__()
        self.module = module
        self.y_ndim = y_ndim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.module(x)  # [B, L, C] -> [B, H, C]
        if self.y_ndim == 1:
            return out.reshape(-1)  # [B, 1, 1] -> [B]
        if self.y_ndim == 2:
            return out[:, :, 0]  # [B, H, 1] -> [B, H]
        return out


def _example_inputs(estimator) -> tuple[torch.Tensor, ...]:
    """A batch to trace with: two sequences, the second one step shorter than the first.

    Tracing records the path the example takes; a ragged example takes the path that handles
    padding (which a batch of full-length sequences also goes through correctly).
    """
    step_shape = tuple(estimator.step_shape_)
    if _is_forecaster(estimator):  # the window estimator of SeriesForecaster reads L + H rows
        steps = getattr(estimator, "n_timesteps_in_", estimator.lookback_)
        return (torch.zeros(2, steps, *step_shape),)
    steps = 3
    if getattr(estimator, "embedding_dim", None) is not None:
        x = torch.zeros(2, steps, dtype=torch.long)
    else:
        x = torch.randn(2, steps, *step_shape, generator=torch.Generator().manual_seed(0))
    return x, torch.tensor([steps, steps - 1])


def _is_forecaster(estimator) -> bool:
    return hasattr(estimator, "lookback_")


def _graph(estimator) -> tuple[nn.Module, list[str], list[str], dict]:
    module = copy.deepcopy(estimator.net_.module_).cpu().eval()
    if _is_forecaster(estimator):
        names_out = ["prediction"]
        axes = {"x": {0: "batch"}, "prediction": {0: "batch"}}
        return _ForecasterGraph(module, estimator._y_ndim), ["x"], names_out, axes
    axes = {"x": {0: "batch", 1: "time"}, "lengths": {0: "batch"}}
    if hasattr(estimator, "classes_"):
        graph = _ClassifierGraph(module)
        names_out = ["probabilities", "label_index"]
    else:
        graph = _RegressorGraph(module, flat=estimator._y_ndim == 1)
        names_out = ["prediction"]
    axes |= {name: {0: "batch"} for name in names_out}
    return graph, ["x", "lengths"], names_out, axes


def _add_labels(model, classes: np.ndarray) -> None:
    """Append ``label = classes[label_index]`` to the graph, in place of ``label_index``."""
    onnx = _import_onnx()
    from onnx import helper, numpy_helper

    values = np.asarray(classes)
    if values.dtype.kind in "USO":
        values = values.astype(str).astype(object)
    model.graph.initializer.append(numpy_helper.from_array(values, name="classes"))
    model.graph.node.append(helper.make_node("Gather", ["classes", "label_index"], ["label"]))
    index_output = next(o for o in model.graph.output if o.name == "label_index")
    model.graph.output.remove(index_output)
    elem_type = helper.np_dtype_to_tensor_dtype(values.dtype)
    model.graph.output.append(helper.make_tensor_value_info("label", elem_type, ["batch"]))
    onnx.checker.check_model(model)


def _check_exportable(estimator) -> None:
    """Refuse what has no network of its own, saying what to export instead."""
    if hasattr(estimator, "net_"):
        return
    name = type(estimator).__name__
    if hasattr(estimator, "steps"):  # a Pipeline: its other steps are not torch modules
        raise TypeError(
            f"to_onnx exports one estimator's network, not a {name}: its other steps are not "
            "part of the graph. Export the final estimator, to_onnx(pipeline[-1], path), and "
            "apply pipeline[:-1].transform(X) before feeding the file."
        )
    if hasattr(estimator, "estimator_"):  # SeriesForecaster: the network is its estimator_
        raise TypeError(
            f"to_onnx exports a network; {name} also scales the series, packs windows and "
            "calibrates the quantiles outside it. Export its window estimator, "
            "to_onnx(model.estimator_, path): input x of shape (batch, lookback + horizon, "
            "n_channels + n_past + n_future) of scaled values."
        )
    check_is_fitted(estimator, "net_")


def to_onnx(estimator, path, *, opset_version: int = 17) -> Path:
    """Write a fitted estimator's network to an ONNX file.

    Parameters
    ----------
    estimator : RNNClassifier, RNNRegressor or SegRNNForecaster
        A fitted estimator.
    path : str or path-like
        Destination file, written atomically (a temporary file, then a rename).
    opset_version : int, default=17
        ONNX opset of the graph.

    Returns
    -------
    path : pathlib.Path
        The file written.

    See Also
    --------
    onnx_inputs : The ``x`` / ``lengths`` arrays the file expects, built from ``X``.

    Notes
    -----
    Inputs: ``x`` of shape ``(batch, time, *step_shape_)`` (float32, or int64 token ids with
    ``embedding_dim``) and, except for :class:`~sklrnn.SegRNNForecaster`, ``lengths`` (int64,
    ``(batch,)``); batch size and time are dynamic (the forecaster's look-back is fixed).
    Outputs: ``probabilities`` and ``label`` for a classifier, ``prediction`` otherwise. The
    file's metadata (``metadata_props``) records the estimator class, its step shape and, for a
    classifier, the classes as JSON.

    Examples
    --------
    >>> import numpy as np, onnxruntime, tempfile, os
    >>> from sklrnn import RNNClassifier
    >>> from sklrnn.export import onnx_inputs, to_onnx
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 8, 2)).astype("float32")
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(cell="gru", hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    >>> path = to_onnx(clf, os.path.join(tempfile.mkdtemp(), "clf.onnx"))
    >>> session = onnxruntime.InferenceSession(path)
    >>> proba, label = session.run(["probabilities", "label"], onnx_inputs(clf, X[:3]))
    >>> bool(np.allclose(proba, clf.predict_proba(X[:3]), atol=1e-5))
    True
    >>> label.tolist() == clf.predict(X[:3]).tolist()
    True
    """
    _check_exportable(estimator)
    if not isinstance(opset_version, int) or opset_version < 14:
        raise ValueError(f"opset_version must be an int >= 14; got {opset_version!r}.")
    onnx = _import_onnx()
    graph, names_in, names_out, axes = _graph(estimator)
    path = Path(path)
    with atomic_write(path, suffix=".onnx") as tmp:
        with warnings.catch_warnings():
            # the tracer warns about every Python branch on a tensor (it records the path the
            # ragged example takes, on purpose) and torch about its TorchScript-based exporter
            warnings.simplefilter("ignore")
            torch.onnx.export(
                graph,
                _example_inputs(estimator),
                str(tmp),
                dynamo=False,
                input_names=names_in,
                output_names=names_out,
                dynamic_axes=axes,
                opset_version=opset_version,
            )
        model = onnx.load(str(tmp))
        metadata = {
            "estimator": type(estimator).__name__,
            "step_shape": json.dumps(list(estimator.step_shape_)),
        }
        if "label_index" in names_out:
            _add_labels(model, estimator.classes_)
            metadata["classes"] = json.dumps(np.asarray(estimator.classes_).tolist())
        onnx.helper.set_model_props(model, metadata)
        onnx.save(model, str(tmp))
    return path


def onnx_inputs(estimator, X) -> dict[str, np.ndarray]:
    """The inputs of an exported file for sequences ``X``, padded as the estimator pads them.

    Parameters
    ----------
    estimator : RNNClassifier, RNNRegressor or SegRNNForecaster
        The fitted estimator the file was exported from.
    X : array-like or list of arrays
        Sequences, in any layout the estimator's ``predict`` accepts.

    Returns
    -------
    inputs : dict of str to ndarray
        ``{"x": ..., "lengths": ...}`` (``{"x": ...}`` for a forecaster), to pass to
        ``onnxruntime.InferenceSession.run``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.export import onnx_inputs
    >>> X = [np.ones((5, 2)), np.ones((3, 2))]
    >>> reg = RNNRegressor(hidden_size=4, max_epochs=1, random_state=0).fit(X, [0.0, 1.0])
    >>> feed = onnx_inputs(reg, X)
    >>> feed["x"].shape, feed["lengths"].tolist()
    ((2, 5, 2), [5, 3])
    """
    check_is_fitted(estimator, "net_")
    seqs = estimator._check_X(X)
    estimator._check_step_shape(seqs)
    if _is_forecaster(estimator):
        return {"x": seqs.data}
    return {"x": seqs.data, "lengths": seqs.lengths.astype(np.int64)}
