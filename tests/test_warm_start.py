"""A warm start trains from the new learning rate: the schedule starts again, it does not go on."""

import numpy as np
import pytest

from sklrnn import RNNClassifier, SegRNNForecaster


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6, 2)).astype(np.float32)
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


def _lrs(est):
    return [row["event_lr"] for row in est.net_.history if "event_lr" in row]


def test_a_warm_fit_anneals_the_cosine_schedule_from_the_new_learning_rate():
    X, y = _data()
    clf = RNNClassifier(hidden_size=4, max_epochs=3, random_state=0, warm_start=True).fit(X, y)
    clf.set_params(learning_rate=0.5).fit(X, y)
    warm = _lrs(clf)[3:]
    assert warm[0] == pytest.approx(0.5)  # the first warm epoch trains at the requested rate
    assert all(a > b for a, b in zip(warm, warm[1:]))  # then anneals, never above it
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.005)  # 1 % of it
    fresh = RNNClassifier(hidden_size=4, max_epochs=3, learning_rate=0.5, random_state=0)
    np.testing.assert_allclose(warm, _lrs(fresh.fit(X, y)))  # the schedule a new fit follows


def test_a_warm_fit_starts_the_paper_schedule_again():
    X, y = _data()
    est = SegRNNForecaster(seg_len=3, hidden_size=4, max_epochs=4, lr_schedule="paper")
    est.set_params(random_state=0, warm_start=True, learning_rate=0.01).fit(X[:, :, 0], X[:, :, 1])
    first = _lrs(est)
    est.fit(X[:, :, 0], X[:, :, 1])
    assert _lrs(est)[4:] == pytest.approx(first)


def test_a_warm_fit_with_a_new_label_names_the_fitted_classes_and_the_fix():
    X, y = _data()
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"outputs for \[0, 1\] only.*warm_start=False"):
        clf.fit(X, np.where(y == 1, 2, y))
