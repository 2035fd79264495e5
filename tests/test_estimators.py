"""Behaviour of RNNClassifier and RNNRegressor beyond scikit-learn's generic checks."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from helpers import SMALL, make_sign_data
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor


def test_classifier_learns_blobs_read_as_sequences():
    # The accuracy part of scikit-learn's check_classifiers_train (listed as expected to fail
    # for its predict(X.T) part, which is a valid batch of univariate sequences here).
    X, y = make_blobs(n_samples=300, random_state=0, n_features=3, centers=3, cluster_std=0.5)
    X = StandardScaler().fit_transform(X)
    clf = RNNClassifier(**SMALL, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.83


@pytest.mark.parametrize("ragged", [False, True])
def test_predictions_do_not_depend_on_the_order_of_the_batch(ragged):
    # scikit-learn's check_methods_sample_order_invariance at float32's precision (its rtol of
    # 1e-7 is below float32's epsilon: see EXPECTED_FAILED_BY_CLASS in test_common.py)
    X, y = make_sign_data(ragged=ragged)
    clf = RNNClassifier(**SMALL, random_state=0).fit(X, y)
    order = np.random.RandomState(1).permutation(len(y))
    shuffled = [X[i] for i in order] if ragged else X[order]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(shuffled), proba[order], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(clf.predict(shuffled), clf.predict(X)[order])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_cells_and_poolings_learn(cell, pooling):
    X, y = make_sign_data()
    clf = RNNClassifier(**SMALL, cell=cell, pooling=pooling, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(clf.classes_) == ["down", "up"]


def test_bidirectional_stacked_conv_front_end():
    X, y = make_sign_data()
    clf = RNNClassifier(
        **SMALL,
        num_layers=2,
        bidirectional=True,
        dropout=0.1,
        conv_channels=(8, 8),
        conv_kernel_size=5,
        random_state=0,
    ).fit(X, y)
    module = clf.net_.module_
    assert module.rnn.bidirectional and module.rnn.num_layers == 2
    assert [c.out_channels for c in module.conv.convs] == [8, 8]
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize(
    "params",
    [dict(pooling="last"), dict(pooling="mean", bidirectional=True), dict(conv_channels=(4, 4))],
)
def test_padding_never_changes_a_prediction(params):
    X, y = make_sign_data(n=60)
    rng = np.random.RandomState(1)
    ragged = [x[: rng.randint(2, 13)] for x in X]
    clf = RNNClassifier(**SMALL, **params, random_state=0).fit(ragged, y)
    together = clf.predict_proba(ragged)
    alone = np.vstack([clf.predict_proba([seq]) for seq in ragged[:15]])
    np.testing.assert_allclose(together[:15], alone, atol=1e-5)


def test_dataset_batches_take_the_whole_set_as_it_is_and_trim_the_others():
    from sklrnn._engine.net import SequenceDataset

    x = np.arange(4 * 5, dtype=np.float32).reshape(4, 5, 1)
    data = SequenceDataset(x, np.array([5, 2, 3, 2]), y=np.arange(4))
    features, y = data.batch(slice(0, 8))  # one batch holds all: the tensors themselves
    assert features["x"] is data.x and features["lengths"] is data.lengths and y is data.y
    features, y = data.batch(slice(1, 3))  # a part: cut after its longest sequence
    assert features["x"].shape == (2, 3, 1) and y.tolist() == [1, 2]
    part = data.subset(np.array([1, 3]))  # and so is a subset, which a single batch then takes
    assert part.x.shape == (2, 2, 1) and part.batch(slice(0, 2))[0]["x"].shape == (2, 2, 1)
    np.testing.assert_array_equal(part.x.numpy(), x[[1, 3], :2])


def test_input_layouts_and_dtypes():
    X, y = make_sign_data(n=40)
    clf = RNNClassifier(**SMALL | dict(max_epochs=2), random_state=0)
    assert clf.fit(X.astype(np.float64), y).predict(X).shape == (40,)
    assert clf.fit((X * 10).astype(np.int64), y).n_features_in_ == 2
    univariate = clf.fit(X[:, :, 0], y)
    assert univariate.n_features_in_ == 1 and univariate.predict(X[:5, :, 0]).shape == (5,)
    # A univariate model reads sequences of another length too.
    assert univariate.predict(X[:5, :7, 0]).shape == (5,)
    labels = np.array([10, 30])[(y == "up").astype(int)]
    assert set(clf.fit(X, labels).predict(X)) <= {10, 30}


def test_token_input_through_an_embedding():
    rng = np.random.RandomState(0)
    tokens = rng.randint(1, 6, size=(80, 10))
    y = (tokens == 5).any(axis=1).astype(int)
    clf = RNNClassifier(**SMALL, embedding_dim=4, random_state=0).fit(tokens, y)
    assert clf.vocabulary_size_ == 6
    assert clf.score(tokens, y) > 0.8
    # Ids never seen at fit are read as the unknown id 0 instead of failing.
    assert clf.predict(np.full((2, 10), 99)).shape == (2,)


@pytest.mark.parametrize("channel_axis", [False, True])
def test_image_sequences_end_to_end(channel_axis):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 4, 8, 8)).astype(np.float32)
    y = np.arange(40) % 2
    X[y == 1, :, :4] += 1.0  # class 1 is brighter at the top of every frame
    if channel_axis:
        X = X[:, :, None]
    clf = RNNClassifier(**SMALL, frame_channels=(4,), frame_features=8, random_state=0)
    clf.fit(X, y)
    assert clf.step_shape_ == (1, 8, 8)
    assert clf.score(X, y) > 0.9


def _moving_square(n=240, size=12, n_frames=4, seed=0):
    """Videos of a bright 2x2 square moving 2 pixels a frame, right (y=1) or left (y=0).

    A left video is a right one played backwards. The square stays a pixel off the edges and
    moves by whole cells of a 2x2 max-pool, so one Conv2d block followed by global average
    pooling gives every frame of a video exactly the same features: only a pooled grid can see
    the motion.
    """
    rng = np.random.RandomState(seed)
    X = np.zeros((n, n_frames, size, size), np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        row = rng.randint(1, size - 2)
        cols = rng.randint(1, size - 2 - 2 * (n_frames - 1)) + 2 * np.arange(n_frames)
        for t, col in enumerate(cols if y[i] else cols[::-1]):
            X[i, t, row : row + 2, col : col + 2] = 1.0
    return X, y


def test_frame_pool_size_lets_the_frame_encoder_see_motion():
    X, y = _moving_square()
    train, test = slice(0, 160), slice(160, None)
    params = dict(SMALL, cell="gru", frame_channels=(4,), frame_features=8, random_state=0)
    grid = RNNClassifier(**params, frame_pool_size=2).fit(X[train], y[train])
    assert grid.net_.module_.frames.proj.in_features == 4 * 2 * 2
    assert grid.score(X[test], y[test]) > 0.9  # measured 1.0

    pooled = RNNClassifier(**params, frame_pool_size=1).fit(X[train], y[train])
    encoder = pooled.net_.module_.frames.eval()
    with torch.no_grad():
        features = encoder(torch.as_tensor(X[:8].reshape(32, 1, 12, 12))).reshape(8, 4, -1)
    torch.testing.assert_close(features, features[:, :1].expand_as(features))
    assert pooled.score(X[test], y[test]) < 0.7  # measured 0.59; chance 0.5


def test_frame_pool_size_is_saved(tmp_path):
    X, y = _moving_square(n=40)
    reg = RNNRegressor(**SMALL | dict(max_epochs=2), frame_channels=(4,), frame_features=8)
    reg.set_params(frame_pool_size=2, random_state=0).fit(X, y.astype(np.float32))
    reg.save(tmp_path / "reg.pt")
    loaded = RNNRegressor.load(tmp_path / "reg.pt")
    assert loaded.frame_pool_size == 2
    np.testing.assert_allclose(loaded.predict(X), reg.predict(X), rtol=1e-6)


def test_multi_output_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 8, 2)).astype(np.float32)
    y = np.stack([X[:, -1, 0], X[:, :, 1].mean(axis=1)], axis=1)
    reg = RNNRegressor(**SMALL | dict(max_epochs=40), random_state=0).fit(X, y)
    assert reg.predict(X).shape == (150, 2)
    assert reg.n_outputs_ == 2
    assert reg.score(X, y) > 0.7


def test_class_weight_and_sample_weight_move_the_decision():
    # X carries no information, so the model can only learn the (weighted) class prior.
    X = np.zeros((120, 6, 2), dtype=np.float32)
    y = np.zeros(120, dtype=int)
    y[:12] = 1
    params = SMALL | dict(max_epochs=40, hidden_size=4)
    plain = RNNClassifier(**params, random_state=0).fit(X, y)
    balanced = RNNClassifier(**params, class_weight="balanced", random_state=0).fit(X, y)
    assert abs(plain.predict_proba(X)[:, 1].mean() - 0.1) < 0.05  # the base rate
    assert abs(balanced.predict_proba(X)[:, 1].mean() - 0.5) < 0.05  # balanced classes
    weighted = RNNClassifier(**params, random_state=0).fit(X, y, sample_weight=np.where(y, 9, 1))
    assert abs(weighted.predict_proba(X)[:, 1].mean() - 0.5) < 0.05
    by_label = RNNClassifier(**params, class_weight={1: 9}, random_state=0).fit(X, y)
    np.testing.assert_allclose(by_label.predict_proba(X), weighted.predict_proba(X), atol=1e-5)


def test_attributes_and_early_stopping():
    X, y = make_sign_data(n=200)
    clf = RNNClassifier(
        **SMALL | dict(max_epochs=200),
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.2,
        random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert 0.5 < clf.best_validation_score_ <= 1.0
    plain = RNNClassifier(**SMALL | dict(max_epochs=3), random_state=0).fit(X, y)
    assert plain.n_iter_ == 3 and plain.validation_scores_ is None


def test_same_random_state_same_predictions_and_rng_untouched():
    X, y = make_sign_data()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = RNNClassifier(**SMALL, dropout=0.3, early_stopping=True, random_state=7).fit(X, y)
    after = torch.rand(1)
    b = RNNClassifier(**SMALL, dropout=0.3, early_stopping=True, random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert torch.equal(before, after)  # fitting does not consume the user's torch RNG
    c = RNNClassifier(**SMALL, dropout=0.3, random_state=8).fit(X, y)
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X))


def test_warm_start_continues_training():
    X, y = make_sign_data()
    clf = RNNClassifier(**SMALL | dict(max_epochs=3), warm_start=True, random_state=0).fit(X, y)
    first = clf.net_.module_.head.weight.detach().clone()
    clf.fit(X, y)
    assert clf.n_iter_ == 6
    assert clf.loss_curve_[3] < clf.loss_curve_[0]
    assert not torch.equal(first, clf.net_.module_.head.weight)
    cold = clone(clf).set_params(warm_start=False).fit(X, y)
    assert cold.n_iter_ == 3
    with pytest.raises(ValueError, match="features per time step"):
        clf.fit(X[:, :, :1], y)


def test_clone_of_fitted_is_unfitted_and_pickle_round_trip(tmp_path):
    X, y = make_sign_data()
    clf = RNNClassifier(**SMALL, random_state=0).fit(X, y)
    assert not hasattr(clone(clf), "net_")
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    joblib.dump(clf, tmp_path / "clf.joblib")
    loaded = joblib.load(tmp_path / "clf.joblib")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_weights_only_save_and_load(tmp_path, estimator):
    X, y = make_sign_data()
    if estimator == "classifier":
        model = RNNClassifier(**SMALL, embedding_dim=None, bidirectional=True, random_state=0)
    else:
        y = X[:, :, 0].sum(axis=1)
        model = RNNRegressor(**SMALL, conv_channels=(4,), random_state=0)
    model.fit(X, y)
    path = tmp_path / "model.pt"
    model.save(path)
    payload = torch.load(path, weights_only=True)  # no code is executed to read it
    assert payload["class"] == type(model).__name__
    loaded = type(model).load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(loaded._raw_predict(X), model._raw_predict(X), rtol=1e-6)
    assert loaded.get_params() == model.get_params()
    with pytest.raises(ValueError, match="not a file written by"):
        (RNNRegressor if estimator == "classifier" else RNNClassifier).load(path)


def test_save_refuses_what_it_cannot_store(tmp_path):
    X, y = make_sign_data(n=40)
    clf = RNNClassifier(**SMALL | dict(max_epochs=1), callbacks=[Callback()], random_state=0).fit(
        X, y
    )
    with pytest.raises(ValueError, match="pickle"):
        clf.save(tmp_path / "x.pt")


def test_gpu_pickle_loads_without_gpu():
    """A net whose device is cuda unpickles onto the CPU on a machine without a GPU."""
    X, y = make_sign_data(n=40)
    clf = RNNClassifier(**SMALL | dict(max_epochs=1), random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"  # as pickled on a GPU machine
    state = pickle.dumps(clf)
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: the CPU fallback cannot be exercised here")
    with pytest.warns(UserWarning, match="not available"):
        restored = pickle.loads(state)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_allclose(restored.predict_proba(X), expected, rtol=1e-6)


def test_grid_search_parallel_and_cross_val_on_a_fitted_estimator():
    X, y = make_sign_data(n=90)
    fitted = RNNClassifier(**SMALL | dict(max_epochs=5), random_state=0).fit(X, y)
    search = GridSearchCV(fitted, {"cell": ["rnn", "gru"], "hidden_size": [4, 8]}, cv=2, n_jobs=2)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["cell"] in {"rnn", "gru"}
    scores = cross_val_score(fitted, X, y, cv=3)
    # chance is about 0.5; 5 epochs (cosine schedule) measured 0.67 to 0.73 per fold
    assert scores.shape == (3,) and scores.mean() > 0.6


def test_verbose_prints_epochs_and_silent_by_default(capsys):
    X, y = make_sign_data(n=40)
    RNNClassifier(**SMALL | dict(max_epochs=2), random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    RNNClassifier(**SMALL | dict(max_epochs=2), early_stopping=True, verbose=1, random_state=0).fit(
        X, y
    )
    out = capsys.readouterr().out
    for column in ("epoch", "train_loss", "valid_loss", "valid_score", "dur"):
        assert column in out
    assert out.count("\n") >= 4  # header, rule, two epochs


def test_user_callbacks_are_copied_and_run():
    class Count(Callback):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    X, y = make_sign_data(n=40)
    counter = Count()
    clf = RNNClassifier(
        **SMALL | dict(max_epochs=3), callbacks=[("count", counter)], random_state=0
    )
    clf.fit(X, y)
    assert counter.epochs == 0  # the parameter is never modified
    assert dict(clf.net_.callbacks_)["count"].epochs == 3


def test_auto_device_picks_what_is_there():
    X, y = make_sign_data(n=30)
    clf = RNNClassifier(**SMALL | dict(device="auto", max_epochs=1), random_state=0).fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.net_.device == expected


def test_predictions_do_not_depend_on_the_batch_they_are_made_in():
    # scikit-learn's subset and order invariance checks, at float32 precision: the convolutions
    # run other kernels on batches of other sizes (differences of ~3e-7 relative)
    rng = np.random.RandomState(0)
    X, y = 3 * rng.uniform(size=(20, 3)), np.arange(20) % 3
    clf = RNNClassifier(hidden_size=8, max_epochs=40, random_state=1).fit(X, y)
    whole = clf.predict_proba(X)
    one_by_one = np.vstack([clf.predict_proba(x[None]) for x in X])
    order = rng.permutation(20)
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X[order]), whole[order], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X[order]), clf.predict(X)[order])
