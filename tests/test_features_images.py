import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier
from sklrnn.datasets import make_moving_digits
from sklrnn.features import ImageSequenceCNN

# scikit-learn's estimator checks (parametrize_with_checks) cannot run on ImageSequenceCNN:
# they feed 2-D tabular X, and an image sequence is at least (n, T, H, W); a 2-D X is rightly
# refused. Its scikit-learn contract (clone, get_params, fitted attributes, pickling, errors
# before training, use in a Pipeline) is tested here by hand instead.

TINY = dict(channels=(4,), n_features=6, max_epochs=2, random_state=0)


def _videos(n=24, n_frames=4, size=12, seed=0):
    videos = make_moving_digits(n_samples=n, n_frames=n_frames, canvas_size=size, random_state=seed)
    return videos.data, videos.digit


def test_shapes_of_4d_and_5d_input():
    X, y = _videos()
    cnn = ImageSequenceCNN(**TINY).fit(X, y)
    features = cnn.transform(X)
    assert features.shape == (24, 4, 6)
    assert features.dtype == np.float32
    assert cnn.step_shape_ == (1, 12, 12)
    assert cnn.n_features_in_ == 144
    assert cnn.n_iter_ == 2
    assert len(cnn.loss_curve_) == 2
    # (n, T, H, W) is one channel: the same as (n, T, 1, H, W)
    np.testing.assert_array_equal(
        ImageSequenceCNN(**TINY).fit(X[:, :, None], y).transform(X[:, :, None]), features
    )
    color = np.repeat(X[:, :, None], 3, axis=2)  # (n, T, 3, H, W)
    cnn3 = ImageSequenceCNN(**TINY).fit(color, y)
    assert cnn3.step_shape_ == (3, 12, 12)
    assert cnn3.transform(color).shape == (24, 4, 6)


def test_ragged_list_gives_list_and_padding_changes_nothing():
    X, y = _videos(n=12)
    ragged = [x[:t] for x, t in zip(X, [4, 2, 3, 1] * 3)]
    cnn = ImageSequenceCNN(**TINY).fit(ragged, y)
    out = cnn.transform(ragged)
    assert isinstance(out, list)
    assert [o.shape for o in out] == [(len(x), 6) for x in ragged]
    full = cnn.transform(X)  # every frame is encoded on its own (eval mode)
    for o, f in zip(out, full):
        np.testing.assert_allclose(o, f[: len(o)], rtol=1e-5, atol=1e-6)


def test_fit_is_reproducible_with_random_state():
    X, y = _videos()
    a = ImageSequenceCNN(**TINY).fit(X, y).transform(X)
    b = ImageSequenceCNN(**TINY).fit(X, y).transform(X)
    c = ImageSequenceCNN(**TINY | dict(random_state=1)).fit(X, y).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_features_trained_with_y_separate_the_classes_better_than_untrained():
    # Which digit moves in the video, read by a logistic regression on the frame features
    # averaged over time, on held-out videos.
    X, digit = _videos(n=600, n_frames=2)
    train, test = slice(0, 400), slice(400, None)
    params = dict(channels=(8, 16), n_features=16, max_epochs=6, learning_rate=1e-2)

    def accuracy(cnn):
        pooled = cnn.transform(X).mean(axis=1)
        clf = LogisticRegression(max_iter=1000).fit(pooled[train], digit[train])
        return clf.score(pooled[test], digit[test])

    trained = ImageSequenceCNN(**params, random_state=0).fit(X[train], digit[train])
    untrained = ImageSequenceCNN(**params, random_state=0).fit(X[train])
    assert trained.loss_curve_[-1] < trained.loss_curve_[0]
    assert accuracy(trained) > 0.7  # measured 0.82; untrained 0.34; chance 0.1
    assert accuracy(trained) > accuracy(untrained) + 0.2


def test_untrained_features_set_batch_norm_statistics_from_the_frames():
    X, y = _videos()
    cnn = ImageSequenceCNN(**TINY).fit(X, y)
    assert hasattr(cnn, "classes_")
    cnn.fit(X)  # refit without labels: no training, no stale classes
    assert cnn.n_iter_ == 0 and cnn.loss_curve_ == []
    assert not hasattr(cnn, "classes_")
    norm = cnn.encoder_.convs[1]
    assert isinstance(norm, torch.nn.BatchNorm2d)
    assert norm.momentum == 0.1  # restored after the calibration pass
    frames = torch.as_tensor(X.reshape(-1, 1, 12, 12))
    with torch.no_grad():
        pre = cnn.encoder_.convs[0](frames)  # the input of the batch norm
    np.testing.assert_allclose(norm.running_mean, pre.mean(dim=(0, 2, 3)), rtol=1e-4, atol=1e-5)
    assert cnn.transform(X).shape == (24, 4, 6)


def test_backbone_is_a_frozen_copy():
    X, y = _videos()
    torch.manual_seed(0)
    backbone = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(144, 5))
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    cnn = ImageSequenceCNN(backbone=backbone, max_epochs=3).fit(X, y)  # y is ignored
    assert cnn.n_iter_ == 0 and not hasattr(cnn, "classes_")
    assert cnn.encoder_ is not backbone
    for key, value in backbone.state_dict().items():
        torch.testing.assert_close(value, before[key])
    with torch.no_grad():
        expected = backbone(torch.as_tensor(X.reshape(-1, 1, 12, 12))).numpy()
    np.testing.assert_allclose(cnn.transform(X), expected.reshape(24, 4, 5), rtol=1e-5)
    assert cnn.get_feature_names_out().tolist() == [f"cnn{i}" for i in range(5)]


def test_get_feature_names_out_and_pipeline():
    X, y = _videos(n=30)
    cnn = ImageSequenceCNN(**TINY).fit(X, y)
    names = cnn.get_feature_names_out()
    assert names.dtype == object
    assert names.tolist() == ["cnn0", "cnn1", "cnn2", "cnn3", "cnn4", "cnn5"]
    pipe = make_pipeline(
        ImageSequenceCNN(**TINY), RNNClassifier(cell="gru", hidden_size=4, max_epochs=2)
    )
    assert pipe.fit(X, y).predict(X).shape == (30,)


def test_pickle_and_clone():
    X, y = _videos()
    cnn = ImageSequenceCNN(**TINY).fit(X, y)
    restored = pickle.loads(pickle.dumps(cnn))
    np.testing.assert_array_equal(restored.transform(X), cnn.transform(X))
    fresh = clone(cnn)
    assert fresh.get_params() == cnn.get_params()
    assert not hasattr(fresh, "encoder_")
    with pytest.raises(NotFittedError):
        fresh.transform(X)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.zeros((3, 4, 5), np.float32), "image sequences"),  # vectors, not frames
        (np.zeros((3, 4)), "image sequences"),
        (np.zeros((3, 4, 1, 1, 5, 5)), "dimension"),
        (np.full((3, 4, 6, 6), np.nan), "NaN"),
        ([np.zeros((2, 6, 6)), np.zeros((3, 5, 5))], "different shapes"),
        ([np.zeros((2, 6, 6)), np.zeros((3, 6))], "image sequences"),
    ],
)
def test_bad_input_is_refused(X, match):
    with pytest.raises(ValueError, match=match):
        ImageSequenceCNN(**TINY).fit(X)


def test_errors_name_the_problem():
    X, y = _videos()
    cnn = ImageSequenceCNN(**TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"fitted on frames of shape \(1, 12, 12\)"):
        cnn.transform(X[:, :, :10, :10])
    with pytest.raises(ValueError, match="at least 2"):
        ImageSequenceCNN(**TINY).fit(X, np.zeros(24))
    with pytest.raises(ValueError, match="different numbers of samples"):
        ImageSequenceCNN(**TINY).fit(X, y[:-1])
    with pytest.raises(ValueError, match="n_features"):
        ImageSequenceCNN(n_features=0).fit(X, y)
    with pytest.raises(ValueError, match="channels"):
        ImageSequenceCNN(channels=(4, -1)).fit(X, y)
    with pytest.raises(TypeError, match="backbone"):
        ImageSequenceCNN(backbone="resnet18").fit(X, y)
    with pytest.raises(ValueError, match="Flatten"):
        ImageSequenceCNN(backbone=torch.nn.Conv2d(1, 2, 3)).fit(X)
