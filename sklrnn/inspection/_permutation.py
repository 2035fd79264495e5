"""Permutation importance over the channels or the time segments of sequence input."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch, _safe_indexing, check_random_state
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.random import sample_without_replacement

from .._engine.sequences import check_sequences
from ..features.channels import ChannelsFirstConverter
from ..utils.validation import check_positive_int

_AXES = ("features", "time")


def permutation_importance(
    estimator,
    X,
    y,
    *,
    axis="features",
    groups=None,
    n_segments=10,
    scoring=None,
    n_repeats=5,
    n_jobs=None,
    random_state=None,
    sample_weight=None,
    max_samples=1.0,
):
    """Permutation importance of the channels or time segments of sequences.

    The sequence counterpart of :func:`sklearn.inspection.permutation_importance`.
    A baseline score of the fitted ``estimator`` is computed on ``X``; then one
    channel (``axis="features"``), one group of channels (``groups``) or one
    contiguous segment of time steps (``axis="time"``) is shuffled across the
    samples, and the importance is the decrease of the score. Every channel or
    segment is shuffled ``n_repeats`` times.

    Parameters
    ----------
    estimator : object
        A fitted estimator, or a :class:`~sklearn.pipeline.Pipeline`, that accepts
        ``X`` as given and is compatible with ``scoring``. A pipeline that starts with a
        :class:`~sklrnn.features.ChannelsFirstConverter` takes channels-first ``X``
        ``(n_samples, n_channels, n_timesteps)``: its channels are the features and its
        last axis is time, as the converter reads it.

    X : ndarray of shape (n_samples, n_timesteps, n_features) or (n_samples, \
n_timesteps), or list of ndarray of shape (n_timesteps_i, n_features)
        Sequences on which the importance is computed: training data or a
        hold-out set. A 2-D array holds univariate sequences (one feature).
        A list holds sequences of different lengths and is passed on to the
        estimator as a list. With ``axis="time"``, image sequences
        ``(n_samples, n_timesteps, H, W[, C])`` are accepted too.

    y : array-like of shape (n_samples,) or (n_samples, n_outputs), or None
        Targets, or None for unsupervised scorers.

    axis : {"features", "time"}, default="features"
        What is permuted across samples:

        - ``"features"``: one channel at a time (its whole time course);
        - ``"time"``: one of ``n_segments`` contiguous segments of time steps at
          a time, all channels of those steps together.

    groups : list of list of int, default=None
        Only with ``axis="features"``: feature indices permuted together, one
        importance per group (e.g. the x, y and z axes of one accelerometer).
        None gives one group per feature.

    n_segments : int, default=10
        Only with ``axis="time"``: number of contiguous segments the time axis
        is split into. Segment ``j`` of a sequence of length ``T`` covers the
        steps ``[floor(j * T / n_segments), floor((j + 1) * T / n_segments))``.
        At most the length of the shortest sequence.

    scoring : str, callable, list, tuple, dict or None, default=None
        Scorer, as in :func:`sklearn.inspection.permutation_importance`: a scorer
        name, a callable ``scorer(estimator, X, y)``, None for the estimator's
        ``score`` method, or several scorers as a list, tuple or dict.

    n_repeats : int, default=5
        Number of times each channel or segment is permuted.

    n_jobs : int, default=None
        Number of jobs run in parallel over the channels, groups or segments.
        None means 1 unless in a :obj:`joblib.parallel_backend` context; -1 means
        all processors.

    random_state : int, RandomState instance or None, default=None
        Controls the permutations and the subsampling. Pass an int for
        reproducible results, whatever ``n_jobs``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights used in scoring.

    max_samples : int or float, default=1.0
        Number of samples drawn without replacement from ``X`` in each repeat:
        an int, or a fraction of ``n_samples`` if float.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch` or dict of such instances
        With ``n_columns`` the number of features, groups or segments:

        importances_mean : ndarray of shape (n_columns,)
            Mean of the importance over ``n_repeats``.
        importances_std : ndarray of shape (n_columns,)
            Standard deviation over ``n_repeats``.
        importances : ndarray of shape (n_columns, n_repeats)
            Raw importances: baseline score minus permuted score.
        axis : str
            The ``axis`` argument.
        groups : list of ndarray of int
            With ``axis="features"``: the feature indices of each row.
        segments : ndarray of shape (n_segments, 2) or None
            With ``axis="time"``: first and past-the-end step of each segment,
            or None when the sequences have different lengths.
        n_timesteps : int or None
            With ``axis="time"``: the common length of the sequences, or None.

        With several scorers, a dict mapping each scorer name to such a Bunch.

    See Also
    --------
    sklearn.inspection.permutation_importance : The same for tabular data.
    plot_permutation_importance : Box plot of the result.

    Notes
    -----
    A permuted sample ``i`` receives the channel (or segment) of the sample
    ``perm[i]`` and keeps everything else. Sequences of different lengths are
    matched by relative position: the donor's channel, or the donor's segment,
    is resampled to the receiver's length by nearest index (step ``k`` of ``m``
    reads step ``floor((k + 0.5) * m_donor / m)`` of the donor). This moves
    values without inventing new ones, so integer and token inputs stay valid;
    sequences of equal length are permuted exactly.

    Every repeat permutes the original ``X`` anew. With ``max_samples < 1``,
    the subsets of each repeat are drawn once and shared by all columns, and
    the baseline is scored on the same subset, so that the importance compares
    like with like (scikit-learn scores the baseline on all of ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklrnn.inspection import permutation_importance
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 20, 3))        # 100 sequences, 20 steps, 3 channels
    >>> y = (X[:, 10:, 0].mean(axis=1) > 0).astype(int)  # channel 0, second half
    >>> flatten = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    >>> model = make_pipeline(flatten, LogisticRegression()).fit(X, y)
    >>> result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    >>> result.importances.shape
    (3, 3)
    >>> int(result.importances_mean.argmax())
    0
    >>> result = permutation_importance(
    ...     model, X, y, axis="time", n_segments=2, n_repeats=3, random_state=0
    ... )
    >>> result.segments.tolist()
    [[0, 10], [10, 20]]
    >>> int(result.importances_mean.argmax())
    1
    """
    if axis not in _AXES:
        raise ValueError(f"axis must be 'features' or 'time'; got {axis!r}.")
    check_positive_int(n_repeats, "n_repeats")
    estimator, X = _time_first_pipeline(estimator, X)
    sequences = check_sequences(X, allow_nan=True, allow_frames=axis == "time")
    data = _as_batch(X)
    lengths = sequences.lengths
    n_samples = len(lengths)
    if y is not None and len(y) != n_samples:
        raise ValueError(
            f"X and y have different numbers of samples: X has {n_samples}, y has {len(y)}."
        )
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape}; expected ({n_samples},)."
            )
    max_samples = _check_max_samples(max_samples, n_samples)

    extra: dict = {"axis": axis}
    if axis == "features":
        columns = _check_groups(groups, sequences.n_features)
        extra["groups"] = columns
    else:
        if groups is not None:
            raise ValueError("groups applies to axis='features' only; got axis='time'.")
        check_positive_int(n_segments, "n_segments")
        shortest = int(lengths.min())
        if n_segments > shortest:
            raise ValueError(
                f"n_segments={n_segments} is larger than the shortest sequence "
                f"({shortest} steps); every segment needs at least one step."
            )
        columns = list(range(n_segments))
        same_length = bool((lengths == lengths[0]).all())
        bounds = _segment_bounds(int(lengths[0]), n_segments)
        extra["segments"] = np.column_stack([bounds[:-1], bounds[1:]]) if same_length else None
        extra["n_timesteps"] = int(lengths[0]) if same_length else None

    # One seed per column drawn up front: the result does not depend on n_jobs.
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max + 1, size=len(columns))
    subsets = None
    if max_samples < n_samples:
        subsets = [
            sample_without_replacement(n_samples, max_samples, random_state=rng)
            for _ in range(n_repeats)
        ]

    scorer = check_scoring(estimator, scoring=scoring)
    if subsets is None:
        baseline = [_score(scorer, estimator, data, y, sample_weight)] * n_repeats
    else:
        baseline = [
            _score(scorer, estimator, *_take(data, y, sample_weight, rows)) for rows in subsets
        ]
    scores = Parallel(n_jobs=n_jobs)(
        delayed(_column_scores)(
            estimator,
            data,
            lengths,
            y,
            sample_weight,
            column,
            axis,
            n_segments,
            seed,
            n_repeats,
            subsets,
            scorer,
        )
        for column, seed in zip(columns, seeds)
    )
    if isinstance(baseline[0], dict):
        return {
            name: _bunch(
                [b[name] for b in baseline], [[s[name] for s in col] for col in scores], extra
            )
            for name in baseline[0]
        }
    return _bunch(baseline, scores, extra)


def _as_batch(X) -> np.ndarray | list[np.ndarray]:
    """X as one array, or as a list of arrays when it comes as a list of sequences."""
    if isinstance(X, (list, tuple)):
        return [np.asarray(x) for x in X]
    return np.asarray(X)


def _check_max_samples(max_samples, n_samples: int) -> int:
    if isinstance(max_samples, Integral) and not isinstance(max_samples, bool):
        if not 1 <= max_samples <= n_samples:
            raise ValueError(
                f"max_samples must be between 1 and n_samples={n_samples}; got {max_samples}."
            )
        return int(max_samples)
    if isinstance(max_samples, Real) and 0 < max_samples <= 1:
        return max(1, int(max_samples * n_samples))
    raise ValueError(f"max_samples must be an int >= 1 or a float in (0, 1]; got {max_samples!r}.")


def _check_groups(groups, n_features: int) -> list[np.ndarray]:
    if groups is None:
        return [np.array([j]) for j in range(n_features)]
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__len__") or not len(groups):
        raise ValueError(
            f"groups must be a non-empty list of lists of feature indices; got {groups!r}."
        )
    checked = []
    for g, group in enumerate(groups):
        indices = np.atleast_1d(np.asarray(group))
        if indices.size == 0 or indices.dtype.kind not in "iu" or indices.ndim != 1:
            raise ValueError(
                f"groups[{g}] must be a non-empty list of int feature indices; got {group!r}."
            )
        bad = indices[(indices < 0) | (indices >= n_features)]
        if bad.size:
            raise ValueError(
                f"groups[{g}] holds feature index {int(bad[0])}, out of range for X with "
                f"{n_features} feature(s) (valid: 0 to {n_features - 1})."
            )
        checked.append(np.unique(indices))
    return checked


def _segment_bounds(length: int, n_segments: int) -> np.ndarray:
    """Step where each segment starts, and the end: ``floor(j * length / n_segments)``."""
    return np.arange(n_segments + 1) * length // n_segments


def _resample_index(n_out: int, n_in: int) -> np.ndarray:
    """Nearest-index map from ``n_out`` receiver steps to ``n_in`` donor steps."""
    index = ((np.arange(n_out) + 0.5) * n_in / n_out).astype(np.int64)
    return np.minimum(index, n_in - 1)


def _take(data: np.ndarray | list[np.ndarray], y, sample_weight, rows: np.ndarray) -> tuple:
    """The samples at ``rows`` of X, y and sample_weight."""
    data = [data[i] for i in rows] if isinstance(data, list) else data[rows]
    y = None if y is None else _safe_indexing(y, rows)
    sample_weight = None if sample_weight is None else sample_weight[rows]
    return data, y, sample_weight


def _score(scorer, estimator, X, y, sample_weight):
    if sample_weight is not None:
        return scorer(estimator, X, y, sample_weight=sample_weight)
    return scorer(estimator, X, y)


def _permute(
    data: np.ndarray | list[np.ndarray],
    lengths: np.ndarray,
    column: np.ndarray | int,
    axis: str,
    n_segments: int,
    perm: np.ndarray,
) -> np.ndarray | list[np.ndarray]:
    """A copy of ``data`` where sample ``i`` takes ``column`` from sample ``perm[i]``."""
    if isinstance(data, np.ndarray):
        out = data.copy()
        if axis == "features":
            # [n, T] -> [n, T, 1]: a univariate sequence is one feature.
            view, source = (out, data) if data.ndim == 3 else (out[..., None], data[..., None])
            view[:, :, column] = source[:, :, column][perm]
        else:
            start, stop = _segment_bounds(data.shape[1], n_segments)[column : column + 2]
            out[:, start:stop] = data[perm, start:stop]
        return out
    out = [x.copy() for x in data]
    for i, donor in enumerate(perm):
        receiver, source = out[i], data[donor]
        if axis == "features":
            if receiver.ndim == 1:  # [T_i] -> [T_i, 1]
                receiver, source = receiver[:, None], source[:, None]
            index = _resample_index(lengths[i], lengths[donor])
            receiver[:, column] = source[index][:, column]
        else:
            start, stop = _segment_bounds(int(lengths[i]), n_segments)[column : column + 2]
            d_start, d_stop = _segment_bounds(int(lengths[donor]), n_segments)[column : column + 2]
            receiver[start:stop] = source[d_start + _resample_index(stop - start, d_stop - d_start)]
    return out


def _column_scores(
    estimator,
    data: np.ndarray | list[np.ndarray],
    lengths: np.ndarray,
    y,
    sample_weight,
    column: np.ndarray | int,
    axis: str,
    n_segments: int,
    seed: int,
    n_repeats: int,
    subsets: list[np.ndarray] | None,
    scorer,
) -> list:
    """Scores of ``estimator`` with ``column`` permuted, one per repeat."""
    rng = check_random_state(seed)
    scores = []
    for repeat in range(n_repeats):
        X_r, y_r, w_r, lengths_r = data, y, sample_weight, lengths
        if subsets is not None:
            X_r, y_r, w_r = _take(data, y, sample_weight, subsets[repeat])
            lengths_r = lengths[subsets[repeat]]
        perm = rng.permutation(len(lengths_r))
        X_perm = _permute(X_r, lengths_r, column, axis, n_segments, perm)
        scores.append(_score(scorer, estimator, X_perm, y_r, w_r))
    return scores


def _bunch(baseline: list, scores: list[list], extra: dict) -> Bunch:
    importances = np.asarray(baseline, dtype=float)[None, :] - np.asarray(scores, dtype=float)
    return Bunch(
        importances_mean=importances.mean(axis=1),
        importances_std=importances.std(axis=1),
        importances=importances,
        **extra,
    )


def _time_first_pipeline(estimator, X) -> tuple:
    """``(estimator, X)`` with a leading :class:`ChannelsFirstConverter` applied to X.

    A pipeline that starts with the converter reads X channels first; tools that look at X's
    axes (permutation importance) work on the converted, time-first X with the rest of the
    pipeline. Anything else is returned as it is.
    """
    if (
        isinstance(estimator, Pipeline)
        and len(estimator) > 1
        and isinstance(estimator[0], ChannelsFirstConverter)
    ):
        return estimator[1:], estimator[0].transform(X)
    return estimator, X
