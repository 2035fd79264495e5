"""save() is atomic and checksummed; whatever it accepts, load() reads back exactly."""

import os
import zipfile

import numpy as np
import pytest
import torch
from helpers import make_binary_data as data
from sklearn.model_selection import GridSearchCV

from sklrnn import RNNClassifier, RNNRegressor


def C(**kw):
    return RNNClassifier(
        **{"hidden_size": 8, "max_epochs": 2, "device": "cpu", "random_state": 0, **kw}
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, y = data()
    model = C().fit(X, y)
    path = tmp_path_factory.mktemp("saved") / "model.pt"
    model.save(path)
    return model, path, X


# ------------------------------------------------------------------------ atomic save
def test_a_failed_save_leaves_the_previous_file_intact(saved, tmp_path, monkeypatch):
    model, path, X = saved
    target = tmp_path / "model.pt"
    target.write_bytes(path.read_bytes())

    def broken_save(obj, f):  # a disk that fills up halfway
        if hasattr(f, "write"):
            f.write(b"PK\x03\x04 half a file")
        else:
            with open(f, "wb") as handle:
                handle.write(b"PK\x03\x04 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="No space"):
        model.save(target)
    monkeypatch.undo()
    assert target.read_bytes() == path.read_bytes()
    assert os.listdir(tmp_path) == ["model.pt"]  # no temporary file left behind
    np.testing.assert_array_equal(
        RNNClassifier.load(target).predict_proba(X), model.predict_proba(X)
    )


def test_save_keeps_the_permissions_a_plain_write_would_give(saved, tmp_path):
    model, path, X = saved
    plain = tmp_path / "plain.pt"
    plain.write_bytes(b"")
    model.save(tmp_path / "new.pt")
    assert (tmp_path / "new.pt").stat().st_mode == plain.stat().st_mode
    os.chmod(plain, 0o640)
    model.save(plain)  # overwriting keeps the file's own permissions
    assert plain.stat().st_mode & 0o777 == 0o640


def test_a_value_save_cannot_store_is_refused_before_writing(tmp_path):
    X, y = data()
    model = C(class_weight={0: 1.0, 1: 2.0}).fit(X, y)
    model.class_weight = {0: 1.0, 1: 2.0, "odd": {1, 2}}  # a set: not a plain value
    with pytest.raises(ValueError, match="cannot store the parameter\\['class_weight'\\]"):
        model.save(tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------ whatever save accepts
def assert_round_trip(model, X, path):
    model.save(path)
    loaded = type(model).load(path)
    for name, value in model.get_params(deep=False).items():
        got = loaded.get_params(deep=False)[name]
        if isinstance(value, np.random.RandomState):
            assert got.randint(10**9) == value.randint(10**9)
        elif name != "device":
            assert type(got) is type(value) and np.all(got == value), name
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    return loaded


def test_a_grid_search_winner_with_numpy_parameters_loads(tmp_path):
    X, y = data()
    grid = {"learning_rate": np.logspace(-3, -2, 2), "hidden_size": np.arange(4, 6)}
    search = GridSearchCV(C(hidden_size=4), grid, cv=2).fit(X, y)
    assert isinstance(search.best_estimator_.learning_rate, np.float64)
    assert_round_trip(search.best_estimator_, X, tmp_path / "best.pt")


def test_random_state_instances_numpy_keys_and_datetime_labels_load(tmp_path):
    X, y = data()
    days = np.array(["2024-01-01", "2024-06-30"], dtype="datetime64[D]")[y]
    model = C(random_state=np.random.RandomState(3), class_weight={days[0]: 2.0}).fit(X, days)
    loaded = assert_round_trip(model, X, tmp_path / "dates.pt")
    assert loaded.classes_.dtype == np.dtype("datetime64[D]")
    assert list(loaded.class_weight) == [days[0]]

    nanos = days.astype("datetime64[ns]")
    model = C(class_weight={np.int64(0): 1.0}).fit(X, y)
    assert_round_trip(model, X, tmp_path / "keys.pt")
    model = C().fit(X, nanos)
    assert assert_round_trip(model, X, tmp_path / "ns.pt").classes_.dtype == nanos.dtype


def test_a_regressor_with_numpy_float_parameters_loads(tmp_path):
    X, y = data()
    reg = RNNRegressor(hidden_size=np.int32(4), max_epochs=1, learning_rate=np.float32(0.01))
    reg.set_params(device="cpu", random_state=np.int64(0)).fit(X, y.astype(float))
    reg.save(tmp_path / "reg.pt")
    loaded = RNNRegressor.load(tmp_path / "reg.pt")
    assert loaded.learning_rate == reg.learning_rate and type(loaded.hidden_size) is np.int32
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


# -------------------------------------------------------------------- damaged files
def _weights_entry(path):
    """Offset and size of the largest tensor record of a saved file (the weights)."""
    with zipfile.ZipFile(path) as archive:
        info = max(
            (i for i in archive.infolist() if "/data/" in i.filename), key=lambda i: i.file_size
        )
    with open(path, "rb") as handle:  # the local header: 30 bytes + name + extra field
        handle.seek(info.header_offset + 26)
        name_len, extra_len = np.frombuffer(handle.read(4), dtype="<u2")
    return info.header_offset + 30 + int(name_len) + int(extra_len), info.file_size


def test_flipped_bytes_in_the_weights_are_detected(saved, tmp_path):
    model, path, X = saved
    raw = bytearray(path.read_bytes())
    start, size = _weights_entry(path)
    for i in np.random.RandomState(0).choice(size, 200, replace=False):
        raw[start + i] ^= 0xFF
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="damaged: its checksum does not match"):
        RNNClassifier.load(damaged)


@pytest.mark.parametrize("seed", range(4))
def test_flipped_bytes_anywhere_raise_or_change_nothing(saved, tmp_path, seed):
    model, path, X = saved
    raw = bytearray(path.read_bytes())
    for i in np.random.RandomState(seed).choice(len(raw), 50, replace=False):
        raw[i] ^= 0xFF
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes(bytes(raw))
    try:
        loaded, message = RNNClassifier.load(damaged), None
    except ValueError as exc:
        loaded, message = None, str(exc)
    if loaded is None:
        assert "damaged" in message or "not a file written by" in message
    else:  # the flips hit bytes nothing reads (zip padding, comments)
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, not a model\n", "foreign"],
    ids=["empty", "text", "foreign-torch-file"],
)
def test_loading_a_file_save_did_not_write_names_the_file(tmp_path, content):
    path = tmp_path / "other.pt"
    if content == "foreign":
        torch.save({"weights": torch.zeros(2)}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match="other.pt' is not a file written by RNNClassifier"):
        RNNClassifier.load(path)


def test_loading_with_the_wrong_class_names_the_class(saved):
    with pytest.raises(ValueError, match="found class 'RNNClassifier'"):
        RNNRegressor.load(saved[1])
