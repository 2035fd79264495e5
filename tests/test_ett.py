"""Tests of load_ett, on the real ETTh1 file of the data home and on small fakes."""

import os
from pathlib import Path

import numpy as np
import pytest

from sklrnn.datasets import load_ett
from sklrnn.features import make_windows

HEADER = "date,HUFL,HULL,MUFL,MULL,LUFL,LULL,OT\n"


@pytest.fixture(scope="module")
def etth1_home(require_data):
    return require_data("ett/ETTh1.csv")


@pytest.fixture(scope="module")
def etth1(etth1_home):
    return load_ett("ETTh1", data_home=etth1_home, download_if_missing=False)


def test_etth1_shapes_and_splits(etth1):
    assert etth1.data.shape == (17420, 7)
    assert etth1.data.dtype == np.float32
    assert etth1.borders == (0, 8640, 11520, 14400)
    assert etth1.train.shape == (8640, 7)
    assert etth1.val.shape == (11520 - 8640 + 720, 7)
    assert etth1.test.shape == (14400 - 11520 + 720, 7)
    np.testing.assert_array_equal(etth1.test, etth1.data[11520 - 720 : 14400])
    np.testing.assert_array_equal(etth1.val, etth1.data[8640 - 720 : 11520])
    assert etth1.feature_names == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    assert etth1.dates.shape == (17420,)
    assert etth1.dates[0] == np.datetime64("2016-07-01T00:00:00")
    assert etth1.dates[1] - etth1.dates[0] == np.timedelta64(1, "h")
    assert "ETTh1" in etth1.DESCR


def test_etth1_protocol_window_counts(etth1):
    X, y = make_windows(etth1.test, lookback=720, horizon=96)
    assert X.shape == (2785, 720, 7)
    assert y.shape == (2785, 96, 7)
    # The first test target is the first row after the test border, the last is row 14399.
    np.testing.assert_array_equal(y[0, 0], etth1.data[11520])
    np.testing.assert_array_equal(y[-1, -1], etth1.data[14399])
    X_val, _ = make_windows(etth1.val, lookback=720, horizon=96)
    assert len(X_val) == 2785
    X_train, _ = make_windows(etth1.train, lookback=720, horizon=96)
    assert len(X_train) == 8640 - 720 - 96 + 1


def test_etth1_scaling(etth1, etth1_home):
    np.testing.assert_allclose(etth1.train.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(etth1.train.std(axis=0), 1, atol=1e-4)
    # Statistics come from the train rows only: the test rows are not standardised.
    assert np.abs(etth1.test.mean(axis=0)).max() > 0.1
    raw = load_ett("ETTh1", data_home=etth1_home, scale=False)
    assert raw.scaler is None
    np.testing.assert_allclose(raw.data[0, -1], 30.531, atol=1e-3)  # OT of the first row
    np.testing.assert_allclose(
        etth1.scaler.inverse_transform(etth1.data[:5]), raw.data[:5], rtol=1e-5, atol=1e-4
    )


def test_as_frame_is_the_data_indexed_by_time(etth1_home):
    ett = load_ett("ETTh1", data_home=etth1_home, as_frame=True)
    assert list(ett.frame.columns) == ett.feature_names and ett.frame.index.freqstr == "h"
    np.testing.assert_array_equal(ett.frame.to_numpy(), ett.data)
    np.testing.assert_array_equal(ett.frame.index.to_numpy(), ett.dates.astype("datetime64[ns]"))
    assert "frame" not in load_ett("ETTh1", data_home=etth1_home)


def test_lookback_argument(etth1_home):
    ett = load_ett("ETTh1", data_home=etth1_home, lookback=96)
    assert ett.test.shape == (2880 + 96, 7)
    assert len(make_windows(ett.test, lookback=96, horizon=24)[0]) == 2880 - 24 + 1
    assert load_ett("ETTh1", data_home=etth1_home, lookback=0).test.shape == (2880, 7)
    with pytest.raises(ValueError, match="lookback=9000 is longer than the 8640 training rows"):
        load_ett("ETTh1", data_home=etth1_home, lookback=9000)
    with pytest.raises(ValueError, match="lookback"):
        load_ett("ETTh1", data_home=etth1_home, lookback=-1)


def test_environment_variable_is_the_default_data_home(monkeypatch, etth1_home):
    home = etth1_home
    monkeypatch.setenv("SKLRNN_DATA_HOME", os.fspath(home))
    assert load_ett(download_if_missing=False).data.shape == (17420, 7)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(OSError, match=str(tmp_path / "ett" / "ETTh1.csv")) as info:
        load_ett("ETTh1", data_home=tmp_path, download_if_missing=False)
    assert "raw.githubusercontent.com/zhouhaoyi/ETDataset" in str(info.value)
    assert not (tmp_path / "ett").exists()  # nothing written


def test_checksum_mismatch(tmp_path):
    (tmp_path / "ett").mkdir()
    (tmp_path / "ett" / "ETTh1.csv").write_text(HEADER + "2016-07-01 00:00:00,1,2,3,4,5,6,7\n")
    with pytest.raises(ValueError, match="sha256"):
        load_ett("ETTh1", data_home=tmp_path)


def _write_fake(path: Path, n_rows: int, start="2016-07-01T00:00", step="15m"):
    dates = np.datetime64(start) + np.arange(n_rows) * np.timedelta64(int(step[:-1]), step[-1])
    values = np.arange(n_rows)[:, None] + np.arange(7) / 10
    lines = [
        f"{str(d).replace('T', ' ')}:00," + ",".join(f"{v:g}" for v in row)
        for d, row in zip(dates, values)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n".join(lines) + "\n")


def test_fifteen_minute_data_have_four_times_the_rows(tmp_path):
    # ETTm1 has no known checksum: a fake file with the right layout is read unchecked.
    _write_fake(tmp_path / "ett" / "ETTm1.csv", 4 * 14400 + 10)
    ett = load_ett("ETTm1", data_home=tmp_path, lookback=96, scale=False)
    assert ett.borders == (0, 34560, 46080, 57600)
    assert ett.train.shape == (34560, 7)
    assert ett.test.shape == (11520 + 96, 7)
    assert ett.test[0, 0] == 46080 - 96
    assert ett.dates[1] - ett.dates[0] == np.timedelta64(15, "m")
    assert "every 15 minutes" in ett.DESCR


def test_bad_files(tmp_path):
    _write_fake(tmp_path / "ett" / "ETTh2.csv", 1000, step="1h")
    with pytest.raises(ValueError, match="has 1000 rows.*at least 14400"):
        load_ett("ETTh2", data_home=tmp_path)
    (tmp_path / "ett" / "ETTm2.csv").write_text("date,a,b\n2016-07-01 00:00:00,1,2\n")
    with pytest.raises(ValueError, match="does not look like an ETT file"):
        load_ett("ETTm2", data_home=tmp_path)


def test_unknown_name(tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        load_ett("ETTh3", data_home=tmp_path)
