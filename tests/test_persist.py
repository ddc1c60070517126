"""Pickle, joblib and save/load round trips; corrupted files; atomic saves; no unpickling."""

import json
import os
import pickle
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster, _persist

FAST = {"hidden_size": 8, "max_epochs": 2, "random_state": 0}


def values(n, seed=0, level=20.0):
    rng = np.random.default_rng(seed)
    return level + np.sin(np.arange(n) / 2) + 0.1 * rng.normal(size=n)


def series(index, name="y"):
    return pd.Series(values(len(index)), index=index, name=name)


def long_frame():
    a = pd.date_range("2020-01-01", periods=40, freq="D")
    b = pd.date_range("2020-01-11", periods=25, freq="D")
    return pd.DataFrame({
        "unique_id": ["b"] * 40 + ["a"] * 25,
        "ds": a.append(b),
        "y": np.r_[values(40), values(25, seed=1, level=500.0)],
    })  # fmt: skip


def windows(n_features=None, n=60, window=8, horizon=2, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, window) if n_features is None else (n, window, n_features)
    X = rng.normal(size=shape)
    y = X[:, -horizon:] if n_features is None else X[:, -horizon:, 0]
    return X, np.ascontiguousarray(y)



# name -> (data for fit, horizon); every case is fitted in series mode
SERIES_CASES = {
    "datetime-MS": lambda: series(pd.date_range("2000-01-01", periods=40, freq="MS")),
    "datetime-W-SAT": lambda: series(pd.date_range("2001-01-06", periods=40, freq="W-SAT")),
    "datetime-B-unnamed": lambda: series(pd.date_range("2021-03-01", periods=40, freq="B"), None),
    "datetime-utc": lambda: series(pd.date_range("2020-01-01", periods=40, freq="h", tz="UTC")),
    "datetime-tz": lambda: series(
        pd.date_range("2024-03-30", periods=40, freq="h", tz="Europe/Paris")
    ),
    "datetime-ns": lambda: series(pd.date_range("2000-01-01", periods=40, freq="D", unit="ns")),
    "period-M": lambda: series(pd.period_range("2000-01", periods=40, freq="M")),
    "period-Y": lambda: series(pd.period_range("1900", periods=40, freq="Y")),
    "range": lambda: series(pd.RangeIndex(40)),
    "range-step": lambda: series(pd.RangeIndex(100, 180, 2)),
    "int-index": lambda: series(pd.Index(np.arange(40, dtype=np.int64) * 5 + 3)),
    "wide": lambda: pd.DataFrame(
        {"a": values(40), 7: values(40, seed=2, level=-3.0)},
        index=pd.date_range("2000-01-01", periods=40, freq="QS"),
    ),
    "long": long_frame,
    "array-1d": lambda: values(40),
    "array-2d": lambda: np.column_stack([values(40), values(40, seed=3, level=1e4)]),
}


def assert_same_output(a, b):
    assert type(a) is type(b)
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, check_freq=True)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=True)
    else:
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def fit_case(name, data):
    kw = {"horizon": 3, "window": 8, **FAST}
    return RNNForecaster(**kw).fit(data)


@pytest.fixture(scope="module")
def fitted_series():
    est = RNNForecaster(horizon=3, window=8, **FAST)
    return est.fit(series(pd.date_range("2000-01-01", periods=40, freq="MS")))


# --------------------------------------------------------------------------------------------
# pickle and joblib


@pytest.mark.parametrize("mode", ["series", "windows"])
def test_pickle_and_joblib_round_trips(tmp_path, mode):
    if mode == "series":
        data = (series(pd.date_range("2000-01-01", periods=40, freq="MS")),)
        est = RNNForecaster(horizon=3, window=8, **FAST).fit(*data)
        ask = ()
    else:
        data = windows(n_features=2)
        est = RNNForecaster(**FAST).fit(*data)
        ask = (data[0][:5],)
    ref = est.predict(*ask)
    clone = pickle.loads(pickle.dumps(est))
    assert_same_output(clone.predict(*ask), ref)
    joblib.dump(est, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert_same_output(loaded.predict(*ask), ref)
    np.testing.assert_array_equal(loaded.params_, est.params_)
    # the copies go on training exactly as the original
    est.partial_fit(*data)
    clone.partial_fit(*data)
    loaded.partial_fit(*data)
    np.testing.assert_array_equal(clone.params_, est.params_)
    np.testing.assert_array_equal(loaded.params_, est.params_)


def test_pickle_from_before_linear_lags():
    """An estimator pickled before ``linear_lags`` existed loads with no shortcut."""
    est = RNNForecaster(horizon=3, window=8, **FAST).fit(
        series(pd.date_range("2000-01-01", periods=40, freq="MS"))
    )
    ref = est.predict()
    old = pickle.loads(pickle.dumps(est))
    del old.linear_lags, old.linear_lags_  # what an older version pickled
    clone = pickle.loads(pickle.dumps(old))
    assert clone.get_params()["linear_lags"] is None and clone.linear_lags_ == 0
    assert_same_output(clone.predict(), ref)
    clone.partial_fit(series(pd.date_range("2000-01-01", periods=40, freq="MS")))


# --------------------------------------------------------------------------------------------
# save / load


@pytest.mark.parametrize("case", [pytest.param(k, marks=getattr(v, "marks", ()))
                                  for k, v in SERIES_CASES.items()])  # fmt: skip
def test_save_load_series_mode(tmp_path, case):
    make = SERIES_CASES[case]
    make = getattr(make, "values", [make])[0]
    data = make()
    est = fit_case(case, data)
    path = tmp_path / "model.npz"
    est.save(path)
    loaded = RNNForecaster.load(path)
    assert isinstance(loaded, RNNForecaster)
    assert loaded.get_params() == est.get_params()
    for attr in ("window_", "horizon_", "n_iter_", "t_", "best_epoch_", "loss_curve_",
                 "validation_scores_", "series_ids_"):  # fmt: skip
        assert getattr(loaded, attr) == getattr(est, attr), attr
    assert loaded.params_.dtype == est.params_.dtype
    np.testing.assert_array_equal(loaded.params_, est.params_)
    assert_same_output(loaded.predict(), est.predict())
    assert_same_output(loaded.predict(data), est.predict(data))
    # fine-tuning goes on identically (optimizer state and random generator were saved)
    est.partial_fit(data)
    loaded.partial_fit(data)
    np.testing.assert_array_equal(loaded.params_, est.params_)
    assert loaded.t_ == est.t_ and loaded.optimizer_.t == est.optimizer_.t
    assert_same_output(loaded.predict(), est.predict())


def test_save_load_a_base_model(tmp_path, tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base, horizon=6)
    path = tmp_path / "base.tsrnn"
    est.save(path)
    loaded = RNNForecaster.load(path)
    assert loaded._mode == "pretrained" and loaded.init == str(tiny_base)
    assert loaded.get_params() == est.get_params() | {"init": str(tiny_base)}
    assert loaded.pretraining_ == est.pretraining_ and loaded.horizon_ == 6
    assert loaded.network_horizon_ == est.network_horizon_ and loaded.series_ids_ == []
    y = long_frame()
    assert_same_output(loaded.predict(y), est.predict(y))
    assert_same_output(loaded.predict_quantiles(y), est.predict_quantiles(y))
    clone = pickle.loads(pickle.dumps(est))
    assert_same_output(clone.predict(y), est.predict(y))


def test_save_load_a_fine_tuned_base_model(tmp_path, tiny_base):
    y = long_frame()
    est = RNNForecaster(init=tiny_base, horizon=6, max_epochs=2, learning_rate=1e-2,
                        random_state=0).fit(y)  # fmt: skip
    path = tmp_path / "tuned.tsrnn"
    est.save(path)
    loaded = RNNForecaster.load(path)
    assert loaded._mode == "pretrained" and loaded.init == str(tiny_base)
    assert loaded.series_ids_ == est.series_ids_ == ["a", "b"]
    np.testing.assert_array_equal(loaded.params_, est.params_)
    assert_same_output(loaded.predict(), est.predict())
    other = series(pd.date_range("2000-01-01", periods=30, freq="h"))
    assert_same_output(loaded.predict(other), est.predict(other))
    # fine-tuning goes on identically
    est.partial_fit(y)
    loaded.partial_fit(y)
    np.testing.assert_array_equal(loaded.params_, est.params_)
    assert_same_output(loaded.predict(), est.predict())


@pytest.mark.parametrize("n_features", [None, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_windows_mode(tmp_path, n_features, dtype):
    X, y = windows(n_features=n_features)
    X, y = X.astype(dtype), y.astype(dtype)
    est = RNNForecaster(optimizer="sgd", learning_rate=1e-2, **FAST).fit(X, y[:, 0])
    path = tmp_path / "w.npz"
    est.save(str(path))  # a str works as well as a Path
    loaded = RNNForecaster.load(str(path))
    pred = loaded.predict(X[:7])
    assert pred.dtype == dtype and pred.shape == (7,)
    np.testing.assert_array_equal(pred, est.predict(X[:7]))
    assert loaded.n_features_in_ == est.n_features_in_ == 8
    est.partial_fit(X, y[:, 0])
    loaded.partial_fit(X, y[:, 0])
    np.testing.assert_array_equal(loaded.params_, est.params_)
    with pytest.raises(ValueError):
        loaded.predict(windows(n_features=2 if n_features else 3)[0])


def test_save_load_keeps_feature_names(tmp_path):
    X, y = windows()
    df = pd.DataFrame(X, columns=[f"lag{i}" for i in range(X.shape[1])])
    est = RNNForecaster(**FAST).fit(df, y)
    est.save(tmp_path / "f.npz")
    loaded = RNNForecaster.load(tmp_path / "f.npz")
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)
    np.testing.assert_array_equal(loaded.predict(df), est.predict(df))


def test_save_overwrites_and_random_state_instance(tmp_path):
    y = series(pd.date_range("2000-01-01", periods=40, freq="MS"))
    est = RNNForecaster(horizon=3, window=8, hidden_size=8, max_epochs=2,
                        random_state=np.random.RandomState(0)).fit(y)  # fmt: skip
    path = tmp_path / "m.npz"
    RNNForecaster(horizon=2, window=4, **FAST).fit(y).save(path)
    est.save(path)  # replaces the first file
    loaded = RNNForecaster.load(path)
    assert loaded.horizon_ == 3
    assert_same_output(loaded.predict(), est.predict())


# --------------------------------------------------------------------------------------------
# damaged and foreign files


@pytest.fixture
def saved(tmp_path, fitted_series):
    path = tmp_path / "good.npz"
    fitted_series.save(path)
    return path


def test_truncated_file(saved, tmp_path):
    raw = saved.read_bytes()
    for cut in (0, 10, len(raw) // 3, len(raw) // 2, len(raw) - 1):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="tsrnn model"):
            RNNForecaster.load(bad)


def test_flipped_bytes_in_the_data(saved, tmp_path, fitted_series):
    """Every flipped byte of the stored members is refused (or, in a harmless spot, ignored)."""
    raw = saved.read_bytes()
    end = raw.find(b"PK\x01\x02")  # the central directory follows the members
    assert end > 0
    ref = fitted_series.predict()
    refused = 0
    positions = range(0, end, 11)
    for pos in positions:
        bad = tmp_path / "flip.npz"
        bad.write_bytes(raw[:pos] + bytes([raw[pos] ^ 0xFF]) + raw[pos + 1 :])
        try:
            loaded = RNNForecaster.load(bad)
        except ValueError:
            refused += 1
            continue
        assert_same_output(loaded.predict(), ref)
    assert refused > 0.9 * len(positions)


def test_flipped_byte_in_array_payload_fails_checksum(saved, tmp_path, fitted_series):
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("params_.npy")
        data = zf.read("params_.npy")
    # rewrite the archive with one bit of the weights changed (valid zip, valid CRC)
    bad = tmp_path / "tampered.npz"
    changed = bytearray(data)
    changed[-3] ^= 0x01
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            payload = bytes(changed) if item.filename == info.filename else src.read(item)
            dst.writestr(item, payload)
    with pytest.raises(ValueError, match="checksum"):
        RNNForecaster.load(bad)


def test_flipped_byte_in_zip_directory(saved, tmp_path):
    raw = bytearray(saved.read_bytes())
    start = raw.find(b"PK\x01\x02")
    raw[start + 10] ^= 0xFF  # compression method of the first entry
    bad = tmp_path / "dir.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="tsrnn model"):
        RNNForecaster.load(bad)


def test_not_a_zip(tmp_path):
    bad = tmp_path / "text.npz"
    bad.write_text("this is not a model\n")
    with pytest.raises(ValueError, match="not a readable tsrnn model"):
        RNNForecaster.load(bad)
    with pytest.raises(FileNotFoundError):
        RNNForecaster.load(tmp_path / "missing.npz")


def test_npy_file_is_not_a_model(tmp_path):
    npy = tmp_path / "plain.npy"
    np.save(npy, np.arange(3.0))
    with pytest.raises(ValueError, match="tsrnn"):
        RNNForecaster.load(npy)


def test_zip_without_metadata(tmp_path):
    bad = tmp_path / "plain.npz"
    np.savez(bad, params=np.zeros(10))
    with pytest.raises(ValueError, match="no metadata"):
        RNNForecaster.load(bad)


def test_foreign_metadata(tmp_path):
    bad = tmp_path / "foreign.npz"
    doc = json.dumps({"format": "something-else", "version": 1}).encode()
    np.savez(bad, __meta__=np.frombuffer(doc, dtype=np.uint8))
    with pytest.raises(ValueError, match="not a tsrnn model"):
        RNNForecaster.load(bad)


def test_wrong_format_version(saved, tmp_path, monkeypatch):
    meta, arrays = _persist.read_model(saved)
    monkeypatch.setattr(_persist, "FORMAT_VERSION", _persist.FORMAT_VERSION + 1)
    future = tmp_path / "future.npz"
    _persist.write_model(future, meta, arrays)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="format version 3; .* reads versions 1 to 2"):
        RNNForecaster.load(future)


def test_tampered_metadata_is_refused(saved, tmp_path):
    meta, arrays = _persist.read_model(saved)
    meta["state"]["spec_"][2] += 1  # a hidden size that does not fit the weights
    bad = tmp_path / "spec.npz"
    _persist.write_model(bad, meta, arrays)
    with pytest.raises(ValueError, match="tsrnn model"):
        RNNForecaster.load(bad)
    meta, arrays = _persist.read_model(saved)
    del arrays["_tails"]
    bad = tmp_path / "tails.npz"
    _persist.write_model(bad, meta, arrays)
    with pytest.raises(ValueError, match="tsrnn model"):
        RNNForecaster.load(bad)


# --------------------------------------------------------------------------------------------
# atomic save, no pickle


def test_save_is_atomic(tmp_path, monkeypatch, fitted_series):
    path = tmp_path / "model.npz"
    fitted_series.save(path)
    before = path.read_bytes()
    ref = fitted_series.predict()

    def broken_savez(file, **arrays):
        file.write(b"PK\x03\x04 half a model")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    other = RNNForecaster(horizon=2, window=4, **FAST).fit(np.arange(30.0))
    with pytest.raises(OSError, match="disk full"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert_same_output(RNNForecaster.load(path).predict(), ref)
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_load_never_unpickles(tmp_path, saved):
    marker = tmp_path / "executed"
    meta, arrays = _persist.read_model(saved)
    payload = {name: a for name, a in arrays.items()}
    payload["params"] = np.array([_Boom(str(marker))], dtype=object)
    with np.load(saved) as npz:
        payload["__meta__"] = npz["__meta__"]
    evil = tmp_path / "evil.npz"
    np.savez(evil, **payload)
    with pytest.raises(ValueError, match="tsrnn"):
        RNNForecaster.load(evil)
    assert not marker.exists()
    with pytest.raises(TypeError, match="object"):
        _persist.write_model(tmp_path / "obj.npz", {}, {"x": np.array([None], dtype=object)})


class _Boom:
    """Pickles to a call that creates a file: loading it would show up."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


# --------------------------------------------------------------------------------------------
# files written by earlier versions


DATA = os.path.join(os.path.dirname(__file__), "data")


def test_files_of_version_0_1_load_and_forecast_as_they_did():
    """Model files written by version 0.1.0 (before ``target_transform_`` and
    ``calendar_features_`` were fitted attributes) load, forecast exactly as they did, keep
    the transform and the calendar they were fitted with, and fine-tune."""
    from tsrnn.datasets import load_airline

    est = RNNForecaster.load(os.path.join(DATA, "series_log_calendar_v0.1.tsrnn"))
    assert est.target_transform_ == "log" and est.calendar_features_ is True
    expected = np.load(os.path.join(DATA, "series_log_calendar_v0.1.predict.npy"))
    np.testing.assert_allclose(est.predict().to_numpy(), expected, rtol=1e-6)
    est.partial_fit(load_airline())
    assert np.isfinite(est.predict().to_numpy()).all()

    est = RNNForecaster.load(os.path.join(DATA, "windows_v0.1.tsrnn"))
    assert est.target_transform_ is None and est.calendar_features_ is False
    X = np.load(os.path.join(DATA, "windows_v0.1.X.npy"))
    expected = np.load(os.path.join(DATA, "windows_v0.1.predict.npy"))
    np.testing.assert_allclose(est.predict(X), expected, rtol=1e-6)


def test_pickle_from_before_fitted_transform_and_calendar():
    """An estimator pickled before ``target_transform_`` / ``calendar_features_`` existed
    keeps forecasting with the transform and calendar its parameters said."""
    y = series(pd.date_range("2000-01-01", periods=60, freq="MS"))
    est = RNNForecaster(horizon=3, window=12, target_transform="log",
                        calendar_features=True, **FAST).fit(y)  # fmt: skip
    ref = est.predict()
    old = pickle.loads(pickle.dumps(est))
    del old.target_transform_, old.calendar_features_, old._in_sample_errors
    clone = pickle.loads(pickle.dumps(old))
    assert clone.target_transform_ == "log" and clone.calendar_features_ is True
    assert_same_output(clone.predict(), ref)


def test_save_load_keeps_the_fitted_transform_and_calendar(tmp_path):
    y = series(pd.date_range("2000-01-01", periods=60, freq="MS"))
    est = RNNForecaster(horizon=3, window=12, target_transform="log",
                        calendar_features=True, **FAST).fit(y)  # fmt: skip
    est.set_params(target_transform=None, calendar_features=False)
    est.save(tmp_path / "m.tsrnn")
    loaded = RNNForecaster.load(tmp_path / "m.tsrnn")
    assert loaded.target_transform_ == "log" and loaded.calendar_features_ is True
    assert_same_output(loaded.predict(), est.predict())


def test_long_covariates_quantiles_file_of_version_0_1():
    """A long-format model with covariates, quantile outputs and linear_lags, saved by
    version 0.1.0, loads and gives the same quantiles."""
    est = RNNForecaster.load(os.path.join(DATA, "long_covariates_quantiles_v0.1.tsrnn"))
    cov = pd.read_csv(os.path.join(DATA, "long_covariates_quantiles_v0.1.covariates.csv"),
                      index_col=0, parse_dates=True)  # fmt: skip
    cov.index.freq = "D"
    expected = pd.read_csv(os.path.join(DATA, "long_covariates_quantiles_v0.1.quantiles.csv"))
    got = est.predict_quantiles(quantiles=(0.1, 0.5, 0.9), covariates=cov)
    assert list(got["unique_id"]) == list(expected["unique_id"])
    np.testing.assert_allclose(got[[0.1, 0.5, 0.9]].to_numpy(), expected.iloc[:, 2:], rtol=1e-6)
    data = pd.read_csv(os.path.join(DATA, "long_covariates_quantiles_v0.1.data.csv"),
                       parse_dates=["ds"])  # fmt: skip
    est.partial_fit(data, covariates=cov)
    assert np.isfinite(est.predict(covariates=cov)["y"]).all()
