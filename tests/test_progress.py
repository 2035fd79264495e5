"""Progress of long fits: skorch's epoch log (``verbose``) and scikit-learn's callback API."""

import pickle

import numpy as np
import pytest
import torch
from helpers import SMALL, make_sign_data
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from skorch import NeuralNet

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._engine.progress import CallbackSupportMixin, report_epochs, with_callbacks

sklearn_callback = pytest.importorskip("sklearn.callback", reason="scikit-learn >= 1.9")


def tiny(cls=RNNClassifier, **params):
    params = SMALL | {"hidden_size": 4, "max_epochs": 3, "random_state": 0} | params
    return cls(**params)


class Recorder:
    """A FitCallback that records each hook call: (hook, path of (estimator, task, task_id))."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []

    def setup(self, estimator, context):
        self.events.append(("setup", type(estimator).__name__))

    def teardown(self, estimator, context):
        self.events.append(("teardown", type(estimator).__name__))

    @staticmethod
    def _path(context):
        path = []
        while context is not None:
            path.insert(0, (context.estimator_name, context.task_name, context.task_id))
            context = context.parent
        return tuple(path)

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", self._path(context)))

    def on_fit_task_end(self, estimator, context):
        self.events.append(("end", self._path(context)))
        last = self.stop_after is not None and context.task_name == "epoch"
        return last and context.task_id + 1 >= self.stop_after

    def epochs(self):
        return [path for hook, path in self.events if hook == "end" and path[-1][1] == "epoch"]


class PropagatedRecorder(Recorder):
    """The same, set on a meta-estimator and handed down to the estimators it fits."""

    max_propagation_depth = None


# ----------------------------------------------------------------------- verbose
def test_verbose_prints_one_row_per_epoch(capsys):
    X, y = make_sign_data(n=48, n_timesteps=6)
    tiny(max_epochs=4, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if "epoch" in line)
    assert "train_loss" in header
    rows = [line.split() for line in lines if line.split() and line.split()[0].isdigit()]
    assert [int(row[0]) for row in rows] == [1, 2, 3, 4]


def test_verbose_zero_prints_nothing(capsys):
    X, y = make_sign_data(n=48, n_timesteps=6)
    tiny(verbose=0).fit(X, y)
    GridSearchCV(tiny(), {"cell": ["gru", "rnn"]}, cv=2).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


# ------------------------------------------------- the bridge, on a bare skorch net
class TinyNetEstimator(CallbackSupportMixin, BaseEstimator):
    """The smallest estimator that trains a skorch net inside ``report_epochs``."""

    def __init__(self, max_epochs=4):
        self.max_epochs = max_epochs

    @with_callbacks
    def fit(self, X, y):
        torch.manual_seed(0)
        net = NeuralNet(
            torch.nn.Linear(X.shape[1], 1),
            criterion=torch.nn.MSELoss,
            max_epochs=self.max_epochs,
            train_split=None,
            verbose=0,
        ).initialize()
        with report_epochs(self, net, X, y):
            net.partial_fit(X, y)
        self.net_ = net
        return self


def test_report_epochs_makes_each_epoch_a_subtask():
    X = np.random.RandomState(0).normal(size=(20, 3)).astype(np.float32)
    y = X[:, :1].copy()
    recorder = Recorder()
    est = TinyNetEstimator(max_epochs=4).set_callbacks(recorder).fit(X, y)

    root = ("TinyNetEstimator", "fit", 0)
    assert recorder.events[0] == ("setup", "TinyNetEstimator")
    assert recorder.events[1] == ("begin", (root,))
    assert recorder.events[2:-2] == [
        (hook, (root, ("TinyNetEstimator", "epoch", i)))
        for i in range(4)
        for hook in ("begin", "end")
    ]
    assert recorder.events[-2:] == [("end", (root,)), ("teardown", "TinyNetEstimator")]
    # the bridge and the context are gone from the fitted estimator and its net
    assert "sklearn_callbacks" not in dict(est.net_.callbacks_)
    assert not hasattr(est, "_callback_fit_ctx")


def test_report_epochs_stops_when_a_callback_asks():
    X = np.random.RandomState(0).normal(size=(20, 3)).astype(np.float32)
    est = TinyNetEstimator(max_epochs=10).set_callbacks(Recorder(stop_after=2))
    est.fit(X, X[:, :1].copy())
    assert len(est.net_.history) == 2


# ------------------------------------------------------------- sklrnn estimators
def test_estimator_reports_its_epochs():
    X, y = make_sign_data(n=48, n_timesteps=6)
    recorder = Recorder()
    tiny(max_epochs=3).set_callbacks(recorder).fit(X, y)
    root = ("RNNClassifier", "fit", 0)
    assert recorder.epochs() == [(root, ("RNNClassifier", "epoch", i)) for i in range(3)]
    assert [e[0] for e in recorder.events].count("setup") == 1
    assert recorder.events[-1] == ("teardown", "RNNClassifier")


def test_callbacks_do_not_change_the_model():
    X, y = make_sign_data(n=48, n_timesteps=6)
    plain = tiny().fit(X, y)
    monitor = sklearn_callback.ScoringMonitor(scoring="accuracy")
    watched = tiny().set_callbacks(Recorder(), monitor).fit(X, y)
    np.testing.assert_array_equal(watched.predict_proba(X), plain.predict_proba(X))
    # the fitted estimator keeps no context and pickles
    assert not hasattr(watched, "_callback_fit_ctx")
    assert "sklearn_callbacks" not in dict(watched.net_.callbacks_)
    restored = pickle.loads(pickle.dumps(watched))
    np.testing.assert_array_equal(restored.predict(X), plain.predict(X))


def test_a_callback_can_stop_training():
    X, y = make_sign_data(n=48, n_timesteps=6)
    clf = tiny(max_epochs=20).set_callbacks(Recorder(stop_after=4)).fit(X, y)
    assert clf.n_iter_ == 4
    assert len(clf.loss_curve_) == 4


def test_scoring_monitor_scores_every_epoch():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 8, 1)).astype(np.float32)
    y = X[:, :, 0].sum(axis=1)
    monitor = sklearn_callback.ScoringMonitor(scoring="r2")
    reg = tiny(RNNRegressor, cell="gru", hidden_size=8, max_epochs=12, learning_rate=0.02)
    reg.set_callbacks(monitor).fit(X, y)
    log = monitor.get_logs().data_as_pandas
    per_epoch = log[log["task_name"] == "epoch"]
    assert per_epoch["task_id"].tolist() == list(range(12))
    assert per_epoch["r2"].iloc[-1] > per_epoch["r2"].iloc[0] + 0.2
    # the score of the last epoch is the score of the fitted model
    assert per_epoch["r2"].iloc[-1] == pytest.approx(reg.score(X, y))


def test_epochs_nest_under_grid_search_and_pipeline():
    X, y = make_sign_data(n=48, n_timesteps=6)
    recorder = PropagatedRecorder()
    pipe = Pipeline([("identity", "passthrough"), ("rnn", tiny(max_epochs=2))])
    search = GridSearchCV(pipe, {"rnn__cell": ["gru", "lstm"]}, cv=2)
    search.set_callbacks(recorder).fit(X, y)

    search_root = ("GridSearchCV", "fit", 0)
    evaluations = [
        (search_root, ("GridSearchCV", "search", 0), ("Pipeline", "fit", i)) for i in range(4)
    ]
    refit = (search_root, ("Pipeline", "fit", 1))
    estimator_fit = ("RNNClassifier", "fit", 1)  # the Pipeline's second step
    assert recorder.epochs() == [
        (*parent, estimator_fit, ("RNNClassifier", "epoch", epoch))
        for parent in [*evaluations, refit]
        for epoch in range(2)
    ]
    assert recorder.events[0] == ("setup", "GridSearchCV")  # set up once, on the search
    assert [hook for hook, _ in recorder.events].count("setup") == 1


def test_progress_bar_runs_inside_a_search():
    pytest.importorskip("rich")
    X, y = make_sign_data(n=48, n_timesteps=6)
    search = GridSearchCV(tiny(), {"cell": ["gru", "lstm"]}, cv=2)
    search.set_callbacks(sklearn_callback.ProgressBar(max_propagation_depth=None)).fit(X, y)
    plain = GridSearchCV(tiny(), {"cell": ["gru", "lstm"]}, cv=2).fit(X, y)
    # the bar watches the fits without changing them
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )
