"""
Grid search on a Dask cluster
=============================

scikit-learn's model selection runs its fits through joblib, and joblib can hand them to a
`Dask <https://distributed.dask.org>`_ cluster: inside ``with joblib.parallel_backend("dask")``
every (candidate, fold) fit of a :class:`~sklearn.model_selection.GridSearchCV` becomes a task
on a worker, and the fitted models and scores come back to this process. Nothing in the
estimator changes: sklrnn estimators pickle, train with the ``random_state`` they are given,
and give the same scores on the cluster as in a local search.

This example computes MFCC features of the Free Spoken Digit Dataset here (the workers only
receive arrays, so they need no copy of the audio files), searches 8 settings of a GRU / LSTM
classifier with 2-fold cross-validation on the cluster, and plots the scores and the timeline
of the tasks on each worker.

Usage::

    python examples/plot_distributed_search.py                        # a LocalCluster here
    python examples/plot_distributed_search.py tcp://scheduler:8786   # an existing cluster
    DASK_SCHEDULER_ADDRESS=tcp://scheduler:8786 python examples/plot_distributed_search.py
    python examples/plot_distributed_search.py --compare-local        # also time n_jobs=1

Pointing it at a real cluster
-----------------------------
- Start a scheduler and workers (``dask scheduler``; ``dask worker tcp://scheduler:8786
  --nworkers 4 --nthreads 1`` on each machine, or a deployment from ``dask-jobqueue``,
  ``dask-kubernetes``...), install sklrnn (same versions of sklrnn, torch and scikit-learn) on
  every worker, and connect with ``Client("tcp://scheduler:8786")``.
- One model per worker: give each worker one thread (``--nthreads 1``,
  ``threads_per_worker=1``) and as many worker processes as cores. Dask starts workers with
  ``OMP_NUM_THREADS=1``, so torch uses one thread per fit and the fits do not fight over
  cores. Leave the search's ``n_jobs`` unset: the Dask backend decides how many tasks run.
- Memory allocator: Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also
  fixes glibc's mmap threshold; torch training then runs about 2x slower (measured on CPU).
  Unset it for the workers, in a Dask config file (``distributed: nanny: pre-spawn-environ:
  MALLOC_TRIM_THRESHOLD_: null``) or as this example does for its LocalCluster, or start
  ``dask worker`` with ``MALLOC_MMAP_THRESHOLD_=33554432`` in its environment.
- GPUs: one worker per GPU, e.g. ``dask-cuda``'s ``LocalCUDACluster()`` on a multi-GPU machine
  or ``dask cuda worker tcp://scheduler:8786`` on each GPU machine; each worker sees only its
  own GPU, and ``device="cuda"`` (or the default ``"auto"``, resolved on the worker at fit
  time) trains there. A fitted model comes back to a machine without a GPU as a CPU model.
- Large data: ``joblib.parallel_backend("dask", scatter=[X, y])`` sends the data to the
  workers once instead of with every batch of tasks.
- Progress: ``GridSearchCV(verbose=1)`` prints on this machine; an estimator's ``verbose=1``
  epoch log prints in the worker's log; the Dask dashboard (``dashboard_address=":8787"``)
  shows the tasks live.
"""

# %%
# Connect to the cluster given on the command line or in DASK_SCHEDULER_ADDRESS, else start
# a LocalCluster of single-threaded worker processes on this machine. Worker processes are
# started anew and import this script, so the work happens under ``if __name__ == "__main__"``.
import argparse
import os
import time

import dask
import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from distributed import Client, LocalCluster, get_task_stream
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier
from sklrnn.datasets import load_fsdd
from sklrnn.features import MFCC, SequenceScaler


def local_cluster():
    """Single-threaded worker processes on this machine, one per core (at most 4)."""
    n_workers = max(1, min(4, os.cpu_count() or 1))
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which fixes glibc's mmap threshold
    # and makes torch's many mid-sized allocations slow (training about 2x slower); unset it.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )


# %%
# Features here, arrays to the workers
def spoken_digits():
    """MFCC frames of every other FSDD training recording, and their digits."""
    fsdd = load_fsdd()
    train = np.flatnonzero(fsdd.train_mask)[::2]
    X = MFCC(sr=8000, n_mfcc=13).fit_transform([fsdd.paths[i] for i in train])
    return X, fsdd.target[train]


PIPE = make_pipeline(SequenceScaler(), RNNClassifier(max_epochs=15, batch_size=32, random_state=0))
PARAM_GRID = {
    "rnnclassifier__cell": ["gru", "lstm"],
    "rnnclassifier__hidden_size": [16, 32],
    "rnnclassifier__learning_rate": [3e-3, 1e-2],
}
CV = StratifiedKFold(2, shuffle=True, random_state=0)


# %%
# The plots: the candidates' scores, and which worker ran what when
def plot(table, tasks):
    fig, (ax_scores, ax_tasks) = plt.subplots(1, 2, figsize=(13, 4.5))
    labels = [f"{r.cell} h={r.hidden_size} lr={r.learning_rate:g}" for r in table.itertuples()]
    ax_scores.barh(labels, table["mean_test_score"], xerr=table["std_test_score"])
    ax_scores.invert_yaxis()
    ax_scores.set_xlim(0, 1)
    ax_scores.set_xlabel("cross-validated accuracy")
    ax_scores.set_title("Candidates, best on top")

    t0 = min(s["start"] for task in tasks for s in task["startstops"])
    rows = {worker: i for i, worker in enumerate(sorted({task["worker"] for task in tasks}))}
    for task in tasks:
        for s in task["startstops"]:
            if s["action"] == "compute":
                ax_tasks.barh(rows[task["worker"]], s["stop"] - s["start"], left=s["start"] - t0)
    ax_tasks.set_yticks(list(rows.values()), [f"worker {i}" for i in rows.values()])
    ax_tasks.set_xlabel("seconds since the first task")
    ax_tasks.set_title("Tasks (batches of fits) on each worker")
    fig.tight_layout()
    fig.savefig("distributed_search.png", dpi=100)
    print("figure saved to distributed_search.png")


# %%
# The search on the cluster, optionally the same search here for comparison
def main():
    parser = argparse.ArgumentParser(description="GridSearchCV of an RNN on a Dask cluster")
    parser.add_argument("address", nargs="?", default=os.environ.get("DASK_SCHEDULER_ADDRESS"))
    parser.add_argument("--compare-local", action="store_true", help="also run the search here")
    args = parser.parse_args()

    cluster = None if args.address else local_cluster()
    with Client(args.address or cluster) as client:
        n_workers = len(client.scheduler_info()["workers"])
        threads = sorted(set(client.run(torch.get_num_threads).values()))
        print(f"{n_workers} workers, torch threads per worker: {threads}")
        X, y = spoken_digits()
        print(f"{len(X)} recordings, {X[0].shape[1]} coefficients per frame")

        search = GridSearchCV(PIPE, PARAM_GRID, cv=CV)
        start = time.perf_counter()
        with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
            search.fit(X, y)
        dask_seconds = time.perf_counter() - start
        n_fits = len(search.cv_results_["params"]) * CV.get_n_splits()
        print(f"Dask: {n_fits} fits + refit in {dask_seconds:.0f} s on {n_workers} workers")
        print(f"best {search.best_params_}: accuracy {search.best_score_:.3f}")
    if cluster is not None:
        cluster.close()

    if args.compare_local:
        local = GridSearchCV(PIPE, PARAM_GRID, cv=CV, n_jobs=1)
        start = time.perf_counter()
        local.fit(X, y)
        seconds = time.perf_counter() - start
        scores = local.cv_results_["mean_test_score"], search.cv_results_["mean_test_score"]
        print(f"here, n_jobs=1: {seconds:.0f} s ({seconds / dask_seconds:.1f}x the Dask time); "
              f"same scores as on Dask: {np.allclose(*scores)}")  # fmt: skip

    results = pd.DataFrame(search.cv_results_)
    names = {f"param_rnnclassifier__{p}": p for p in ("cell", "hidden_size", "learning_rate")}
    table = results[[*names, "mean_test_score", "std_test_score", "mean_fit_time"]]
    table = table.rename(columns=names).sort_values("mean_test_score", ascending=False)
    print(table.to_string(index=False, float_format="{:.3f}".format))
    plot(table, stream.data)


if __name__ == "__main__":
    main()
