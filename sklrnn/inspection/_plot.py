"""Plots of fitted sequence models: permutation importances and training histories."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._deps import missing_dependency

_KINDS = ("box", "bar")


def plot_permutation_importance(result, feature_names=None, *, ax=None, kind="box", top=None):
    """Horizontal plot of permutation importances, the most important on top.

    Parameters
    ----------
    result : :class:`~sklearn.utils.Bunch`
        The result of :func:`permutation_importance` (for one scorer: with
        several, pass ``result[name]``). A result of
        :func:`sklearn.inspection.permutation_importance` works too.

    feature_names : list of str, default=None
        With ``axis="features"``: the names of the input features (a group is
        labelled with the names of its features joined by "+"). Otherwise: one
        name per row of ``result.importances``. None gives ``"feature 0"``, ...
        for features and ``"steps 0-59"``, ... for time segments (``"0-10%"``,
        ... of each sequence when the sequences have different lengths).

    ax : matplotlib Axes, default=None
        Axes to draw on; None creates a new figure.

    kind : {"box", "bar"}, default="box"
        ``"box"``: a box plot of the ``n_repeats`` importances of each row;
        ``"bar"``: bars of the mean importance with the standard deviation.

    top : int, default=None
        Show only the ``top`` rows with the largest mean importance.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with the plot.

    See Also
    --------
    permutation_importance : Compute the importances to plot.

    Notes
    -----
    matplotlib is imported when this function is called; install it with
    ``pip install matplotlib``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklrnn.inspection import permutation_importance, plot_permutation_importance
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 20, 3))
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    >>> model = make_pipeline(flatten, LogisticRegression()).fit(X, y)
    >>> result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    >>> ax = plot_permutation_importance(result, ["pressure", "noise", "flow"])
    >>> ax.get_yticklabels()[-1].get_text()
    'pressure'
    """
    plt = _pyplot("plot_permutation_importance")
    if isinstance(result, Mapping) and "importances" not in result:
        names = ", ".join(repr(name) for name in result)
        raise TypeError(
            f"result holds the results of several scorers ({names}); plot one of them, "
            "e.g. result[name]."
        )
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'box' or 'bar'; got {kind!r}.")
    importances = np.asarray(result["importances"], dtype=float)
    importances = importances.reshape(len(importances), -1)
    labels = _labels(result, feature_names, len(importances))
    order = np.argsort(np.asarray(result["importances_mean"]), kind="stable")
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            raise ValueError(f"top must be an integer >= 1 or None; got {top!r}.")
        order = order[-top:]

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 1.5 + 0.35 * len(order)))
    positions = np.arange(1, len(order) + 1)
    if kind == "box":
        _boxplot(ax, importances[order].T, positions)
    else:
        ax.barh(positions, importances[order].mean(axis=1), xerr=importances[order].std(axis=1))
    ax.set_yticks(positions, [labels[i] for i in order])
    ax.axvline(0, color="k", linestyle="--", linewidth=1)
    ax.set_xlabel("Decrease in score")
    title = {"time": "Permutation importance of time segments"}.get(
        result.get("axis"), "Permutation importance of features"
    )
    ax.set_title(title)
    return ax


def plot_training_history(estimator, *, ax=None):
    """Training loss per epoch and, with early stopping, the validation score on a second axis.

    Parameters
    ----------
    estimator : fitted RNNClassifier, RNNRegressor or SegRNNForecaster
        The model whose ``loss_curve_`` and ``validation_scores_`` are drawn; a
        :class:`~sklearn.pipeline.Pipeline` ending in one works too.

    ax : matplotlib Axes, default=None
        Axes to draw the loss on; None creates a new figure. The validation score goes on a twin
        Axes sharing its x-axis.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with the loss curve.

    Notes
    -----
    matplotlib is imported when this function is called; install it with
    ``pip install matplotlib``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklrnn import RNNClassifier
    >>> from sklrnn.inspection import plot_training_history
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 10, 2)).astype(np.float32)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=4, early_stopping=True, random_state=0)
    >>> ax = plot_training_history(clf.fit(X, y))
    >>> [line.get_label() for line in ax.get_legend().get_lines()]
    ['training loss', 'validation accuracy']
    """
    plt = _pyplot("plot_training_history")
    model = estimator[-1] if hasattr(estimator, "steps") else estimator
    check_is_fitted(model, "loss_curve_")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.5))
    epochs = np.arange(1, len(model.loss_curve_) + 1)
    ax.plot(epochs, model.loss_curve_, label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"training loss ({model._loss_name})")
    lines = list(ax.lines)
    if model.validation_scores_ is not None:
        ax_score = ax.twinx()
        label = f"validation {model._validation_score_name}"
        ax_score.plot(epochs, model.validation_scores_, color="tab:orange", label=label)
        ax_score.set_ylabel(label)
        lines += ax_score.lines
    ax.legend(handles=lines, loc="center right")
    ax.set_title("Learning curve")
    return ax


def _pyplot(function: str):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise missing_dependency(function, ("matplotlib",), "plot") from exc
    return plt


def _boxplot(ax, values: np.ndarray, positions: np.ndarray) -> None:
    try:  # matplotlib >= 3.10
        ax.boxplot(values, positions=positions, orientation="horizontal", whis=10)
    except TypeError:
        ax.boxplot(values, positions=positions, vert=False, whis=10)


def _labels(result, feature_names, n_rows: int) -> list[str]:
    axis = result.get("axis")
    if axis == "features" and result.get("groups") is not None:
        groups = result["groups"]
        if feature_names is None:
            feature_names = [f"feature {j}" for j in range(max(int(g.max()) for g in groups) + 1)]
        feature_names = list(feature_names)
        for g, group in enumerate(groups):
            if group.max() >= len(feature_names):
                raise ValueError(
                    f"feature_names has {len(feature_names)} names, but row {g} uses feature "
                    f"{int(group.max())}."
                )
        return [" + ".join(str(feature_names[j]) for j in group) for group in groups]
    if feature_names is not None:
        feature_names = [str(name) for name in feature_names]
        if len(feature_names) != n_rows:
            raise ValueError(
                f"feature_names has {len(feature_names)} names; expected {n_rows}, one per row "
                "of result.importances."
            )
        return feature_names
    if axis == "time":
        if result.get("segments") is not None:
            return [
                f"steps {start}-{stop - 1}" if stop - start > 1 else f"step {start}"
                for start, stop in result["segments"]
            ]
        edges = np.linspace(0, 100, n_rows + 1)
        return [f"{a:.3g}-{b:.3g}%" for a, b in zip(edges[:-1], edges[1:])]
    return [f"feature {j}" for j in range(n_rows)]
