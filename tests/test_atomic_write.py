"""One atomic_write: a failed write leaves the previous file intact and no temporary file."""

import hashlib
import io
import os
import re
import urllib.request

import pytest
from helpers import make_binary_data as data

from sklrnn import RNNClassifier
from sklrnn.datasets._fetch import fetch_file
from sklrnn.utils._io import atomic_write


def test_a_write_replaces_the_file_at_once(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nothing visible before the block ends
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["file.bin"]


def _write(target, content: bytes, error: BaseException | None = None) -> None:
    with atomic_write(target) as tmp:
        tmp.write_bytes(content)
        if error is not None:
            raise error


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_previous_file_and_no_temporary_file(tmp_path, error):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)):
        _write(target, b"half a fi", error)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.bin"]


def test_a_new_file_gets_the_permissions_of_a_plain_write_and_a_replaced_one_keeps_its_own(
    tmp_path,
):
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    with atomic_write(tmp_path / "new") as tmp:
        tmp.write_bytes(b"x")
    assert (tmp_path / "new").stat().st_mode == plain.stat().st_mode
    os.chmod(plain, 0o640)
    with atomic_write(plain) as tmp:
        tmp.write_bytes(b"x")
    assert plain.stat().st_mode & 0o777 == 0o640


def test_a_missing_folder_is_named(tmp_path):
    folder = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match=re.escape(f"the folder {str(folder)!r}")):
        _write(folder / "file.bin", b"x")
    assert not folder.exists()


# ------------------------------------------------------------------- the four writers
@pytest.fixture(scope="module")
def model():
    X, y = data()
    return RNNClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y), X


def test_onnx_export_into_a_missing_folder_names_the_folder(model, tmp_path):
    pytest.importorskip("onnx")
    from sklrnn.export import to_onnx

    folder = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError) as info:
        to_onnx(model[0], folder / "model.onnx")
    message = str(info.value)
    assert str(folder) in message and "does not exist" in message and ".tmp" not in message


def test_a_failed_onnx_export_leaves_the_previous_file(model, tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    from sklrnn.export import to_onnx

    target = tmp_path / "model.onnx"
    target.write_bytes(b"previous")

    def broken_save(model, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(onnx, "save", broken_save)
    with pytest.raises(OSError, match="No space"):
        to_onnx(model[0], target)
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["model.onnx"]


def test_save_into_a_missing_folder_names_the_folder(model, tmp_path):
    folder = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(folder)))):
        model[0].save(folder / "model.pt")


class _BrokenResponse(io.BytesIO):
    """A download that breaks after its first bytes."""

    def read(self, *args):
        if self.tell():
            raise OSError("connection reset by peer")
        return super().read(5)


def test_a_failed_download_leaves_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: _BrokenResponse(b"x" * 50))
    with pytest.raises(OSError, match="connection reset"):
        fetch_file(
            "set/data.csv", url="https://example.org/data.csv", sha256=None, data_home=tmp_path
        )
    assert os.listdir(tmp_path / "set") == []


def test_a_download_with_the_wrong_checksum_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"other"))
    with pytest.raises(ValueError, match="downloaded from https://example.org/d.csv has sha256"):
        fetch_file(
            "set/d.csv", url="https://example.org/d.csv", sha256="0" * 64, data_home=tmp_path
        )
    assert os.listdir(tmp_path / "set") == []
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"right"))
    path = fetch_file(
        "set/d.csv",
        url="https://example.org/d.csv",
        sha256=hashlib.sha256(b"right").hexdigest(),
        data_home=tmp_path,
    )
    assert path.read_bytes() == b"right"
