"""ONNX export: the exported graph, run in ONNX Runtime, forecasts as the estimator does.

Every model is tiny and trained for one epoch, then given random weights (a fresh model's
output layer is zero, which would hide errors in the network); the graph runs on float32
windows and is compared with ``predict`` on the same values.
"""

import sys

import numpy as np
import pandas as pd
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from sklearn.exceptions import NotFittedError  # noqa: E402

from tsrnn import RNNForecaster  # noqa: E402
from tsrnn._data import scale_windows  # noqa: E402
from tsrnn._onnx import export  # noqa: E402

WINDOW, HORIZON, PERIOD = 12, 3, 4


def model(**kw):
    defaults = dict(hidden_size=4, window=WINDOW, horizon=HORIZON, seasonal_period=PERIOD,
                    max_epochs=1, early_stopping=False, random_state=0)  # fmt: skip
    return RNNForecaster(**(defaults | kw))


def series(n=80, level=50.0, seed=0):
    """A seasonal series of float32 values (so the graph and the estimator read the same)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = level + 0.2 * level * np.sin(2 * np.pi * t / PERIOD) + rng.normal(0, 0.05 * level, n)
    return y.astype(np.float32).astype(np.float64)


def randomize(est, seed=1):
    """Random weights in (-0.5, 0.5): every block of the network reaches the output."""
    rng = np.random.default_rng(seed)
    est.params_ = rng.uniform(-0.5, 0.5, est.params_.shape).astype(est.params_.dtype)
    return est


def session(est, tmp_path, **kw):
    path = tmp_path / "model.onnx"
    export(est, path, **kw)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def assert_close(got, expected, label):
    """Equal to float32 rounding, relative to the level of each row of the forecast."""
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape
    rows = np.abs(expected).reshape(len(expected), -1)
    level = rows.max(axis=1).reshape((-1,) + (1,) * (expected.ndim - 1))
    relative = float((np.abs(got - expected) / np.maximum(level, 1e-300)).max())
    print(f"{label}: max |onnx - predict| / level = {relative:.3g}")
    bad = np.abs(got - expected) > 1e-4 * np.abs(expected) + 1e-5 * level
    assert not bad.any(), f"{label}: {got[bad]} != {expected[bad]}"


def run_series(est, tmp_path, histories, label):
    """Compare the graph on the last windows of ``histories`` (n_time, n_series) with
    ``predict`` (and ``predict_quantiles`` for a quantile model)."""
    histories = np.asarray(histories, dtype=np.float64)
    sess = session(est, tmp_path)
    windows = histories[-est.window_ :].T.astype(np.float32)
    outputs = sess.run(None, {"window": windows})
    assert_close(outputs[0], est.predict(histories).T, f"{label} forecast")
    if est.quantiles_ is not None:
        expected = est.predict_quantiles(histories, quantiles=est.quantiles_)  # (h, n, L)
        assert_close(outputs[1], expected.transpose(1, 0, 2), f"{label} quantiles")
    else:
        assert len(outputs) == 1
    return outputs


# --------------------------------------------------------------------------------------------
# series mode


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_cells_and_layers(cell, num_layers, tmp_path):
    y = np.column_stack([series(seed=0), series(seed=1, level=3.0)])
    est = randomize(model(cell=cell, num_layers=num_layers).fit(y))
    run_series(est, tmp_path, y, f"{cell} x{num_layers}")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_quantiles(cell, tmp_path):
    y = np.column_stack([series(seed=2), series(seed=3, level=500.0)])
    est = randomize(model(cell=cell, quantiles=(0.1, 0.9)).fit(y))
    assert est.quantiles_ == [0.1, 0.5, 0.9]
    quantiles = run_series(est, tmp_path, y, f"quantiles {cell}")[1]
    assert quantiles.shape == (2, HORIZON, 3)
    assert (np.diff(quantiles, axis=2) >= 0).all()  # sorted: never crossing


def test_linear_lags(tmp_path):
    y = np.column_stack([series(seed=4), series(seed=5)])
    est = randomize(model(cell="gru", num_layers=2, linear_lags=5, quantiles=(0.2,)).fit(y))
    assert est.spec_.n_head_features == 5
    run_series(est, tmp_path, y, "linear_lags")


@pytest.mark.parametrize(
    "baseline, period", [("auto", PERIOD), ("seasonal", PERIOD), ("last", 1), ("none", 0)]
)
def test_baselines(baseline, period, tmp_path):
    y = np.column_stack([series(seed=6), series(seed=7)])
    est = randomize(model(baseline=baseline).fit(y))
    assert est.baseline_period_ == period
    run_series(est, tmp_path, y, f"baseline {baseline}")


def test_auto_baseline_without_season_is_last(tmp_path):
    y = np.column_stack([series(seed=8), series(seed=9)])
    est = randomize(model(seasonal_period=None, horizon=5).fit(y))
    assert est.baseline_period_ == 1
    run_series(est, tmp_path, y, "baseline auto (no season)")


def test_log_transform(tmp_path):
    y = np.column_stack([series(seed=10), series(seed=11, level=2.0)])
    y[-3:, 1] = 0.0  # zeros in the window: log1p(0)
    est = randomize(model(target_transform="log", quantiles=(0.1, 0.9)).fit(y))
    outputs = run_series(est, tmp_path, y, "log")
    assert (outputs[1] >= 0).all()


def test_log_transform_clips_at_zero(tmp_path):
    y = np.column_stack([series(seed=12, level=0.05), np.zeros(80)])
    est = model(target_transform="log", baseline="none").fit(y)
    est.params_[:] = 0
    est.params_[-HORIZON:] = -5.0  # b_out: the zero window forecasts expm1(-5) < 0 -> 0
    outputs = run_series(est, tmp_path, y, "log clipped")
    assert (outputs[0][1] == 0).all() and (outputs[0][0] > 0).all()


def test_batch_with_constant_and_nearly_constant_windows(tmp_path):
    window = 48
    rng = np.random.default_rng(13)
    y = np.column_stack([series(n=120), series(n=120, seed=99)])
    est = randomize(model(window=window, cell="lstm", num_layers=2).fit(y))
    top = np.float32(2**24 - 1)  # float32 values one unit apart, std / mean ~ 8e-9 < 1e-8
    nearly_constant = np.full(window, top, dtype=np.float64)
    nearly_constant[10] = top - 1
    histories = np.column_stack([
        series(n=window, seed=14), series(n=window, level=1e6, seed=15),
        series(n=window, level=1e-3, seed=16), np.full(window, 7.0), np.zeros(window),
        nearly_constant, np.r_[np.full(window - 1, 3.0), 4.0],
        rng.normal(0, 1, window).astype(np.float32),
    ])  # fmt: skip
    _, _, loc, scale = scale_windows(histories.T)
    assert loc[5] == top and scale[5] != nearly_constant.std()  # the constant-window rule
    outputs = run_series(est, tmp_path, histories, "batch of 8 windows")
    assert outputs[0].shape == (8, HORIZON)


def test_batch_size_is_dynamic(tmp_path):
    y = series()
    est = randomize(model().fit(y))
    sess = session(est, tmp_path)
    windows = np.lib.stride_tricks.sliding_window_view(y, WINDOW).astype(np.float32)
    all_at_once = sess.run(["forecast"], {"window": windows})[0]
    one = sess.run(["forecast"], {"window": windows[-1:]})[0]
    np.testing.assert_array_equal(one, all_at_once[-1:])
    assert_close(one[0], est.predict(y), "single series")


def test_pandas_series_and_float64_model(tmp_path):
    idx = pd.date_range("2020-01-01", periods=80, freq="MS")
    y = pd.Series(series(), index=idx)
    est = randomize(model(seasonal_period=None, window=24, dtype="float64").fit(y))
    sess = session(est, tmp_path)
    got = sess.run(["forecast"], {"window": y.to_numpy()[-24:].astype(np.float32)[None]})[0]
    assert_close(got[0], est.predict(y).to_numpy(), "float64 model, monthly Series")
    meta = {p.key: p.value for p in onnx.load(tmp_path / "model.onnx").metadata_props}
    assert meta["frequency"] == "MS" and meta["baseline_period"] == "12"


@pytest.mark.parametrize("kw", [{"covariates": True}, {"calendar_features": True}])
def test_covariates_and_calendar_features_are_refused(kw, tmp_path):
    idx = pd.date_range("2022-01-01", periods=60, freq="D")
    y = pd.Series(series(n=60), index=idx)
    if "covariates" in kw:
        cov = pd.DataFrame({"promo": np.arange(60) % 2.0}, index=idx)
        est = model(seasonal_period=7, window=14).fit(y, covariates=cov)
    else:
        est = model(seasonal_period=7, window=14, **kw).fit(y)
    with pytest.raises(ValueError, match="not supported for models with covariates/calendar"):
        export(est, tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()


def test_a_base_model_is_refused(tiny_base, tmp_path):
    for est in (RNNForecaster.from_pretrained(tiny_base),
                RNNForecaster.from_pretrained(tiny_base).partial_fit(series(n=40))):  # fmt: skip
        with pytest.raises(ValueError, match="not supported for a base model"):
            est.to_onnx(tmp_path / "model.onnx")
        assert not (tmp_path / "model.onnx").exists()


# --------------------------------------------------------------------------------------------
# windows mode


def windows_data(n_features, y_2d, n=60, seed=20):
    rng = np.random.default_rng(seed)
    shape = (n, 10) if n_features is None else (n, 10, n_features)
    X = rng.normal(3.0, 2.0, shape)
    target = X if n_features is None else X[:, :, 0]
    y = np.column_stack([target[:, -1] + target[:, -2], target.mean(axis=1)]) * 10 + 100
    return X, (y if y_2d else y[:, 0])


@pytest.mark.parametrize("quantiles", [None, (0.1, 0.9)])
@pytest.mark.parametrize(
    "n_features, y_2d, cell", [(None, False, "lstm"), (None, True, "gru"), (3, False, "rnn"),
                               (3, True, "lstm")]
)  # fmt: skip
def test_windows_mode(n_features, y_2d, cell, quantiles, tmp_path):
    X, y = windows_data(n_features, y_2d)
    est = randomize(
        RNNForecaster(cell=cell, hidden_size=4, num_layers=2, linear_lags=3, max_epochs=1,
                      quantiles=quantiles, early_stopping=False, random_state=0).fit(X, y)
    )  # fmt: skip
    sess = session(est, tmp_path)
    Xq = X[:7].astype(np.float32)
    outputs = sess.run(None, {"X": Xq})
    label = f"windows X{X.ndim}d y{y.ndim}d {cell} q={quantiles}"
    assert_close(outputs[0], est.predict(Xq), label)
    if quantiles is not None:
        expected = est.predict_quantiles(Xq, quantiles=est.quantiles_)
        assert_close(outputs[1], expected, label + " quantiles")
    else:
        assert len(outputs) == 1


# --------------------------------------------------------------------------------------------
# the file and the function


@pytest.mark.parametrize("opset", [13, 18, 21])
def test_opsets(opset, tmp_path):
    y = np.column_stack([series(seed=30), series(seed=31)])
    est = randomize(model(cell="gru", quantiles=(0.25,)).fit(y))
    export(est, tmp_path / "model.onnx", opset=opset)
    written = onnx.load(tmp_path / "model.onnx")
    assert written.opset_import[0].version == opset
    sess = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(["forecast"], {"window": y[-WINDOW:].T.astype(np.float32)})[0]
    assert_close(got, est.predict(y).T, f"opset {opset}")


def test_model_documents_its_inputs_and_outputs(tmp_path):
    est = randomize(model(quantiles=(0.1, 0.9), linear_lags=2).fit(series()))
    written = export(est, tmp_path / "model.onnx")
    meta = {p.key: p.value for p in written.metadata_props}
    assert meta["mode"] == "series" and meta["input"] == "window"
    assert meta["window"] == str(WINDOW) and meta["horizon"] == str(HORIZON)
    assert meta["quantile_levels"] == "[0.1, 0.5, 0.9]"
    assert meta["outputs"] == '["forecast", "quantiles"]'
    assert "forecast" in written.doc_string and "quantiles" in written.graph.doc_string
    (inp,) = written.graph.input
    dims = inp.type.tensor_type.shape.dim
    assert inp.name == "window" and dims[0].dim_param == "batch"
    assert dims[1].dim_value == WINDOW
    assert [o.name for o in written.graph.output] == ["forecast", "quantiles"]


def test_errors(tmp_path, monkeypatch):
    with pytest.raises(NotFittedError):
        export(RNNForecaster(horizon=2), tmp_path / "model.onnx")
    est = model().fit(series())
    with pytest.raises(ValueError, match="opset must be at least 13"):
        export(est, tmp_path / "model.onnx", opset=12)
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if onnx were not installed
    with pytest.raises(ImportError, match=r"pip install 'tsrnn\[onnx\]'"):
        export(est, tmp_path / "model.onnx")


def test_the_estimator_method(tmp_path):
    y = pd.Series(np.sin(np.arange(120) / 4) + 5, index=pd.date_range("2000", periods=120,
                                                                       freq="D"))  # fmt: skip
    f = RNNForecaster(horizon=4, hidden_size=4, max_epochs=1, random_state=0).fit(y)
    f.to_onnx(tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    window = y.to_numpy()[-f.window_:][None].astype(np.float32)
    got = session.run(["forecast"], {"window": window})[0][0]
    np.testing.assert_allclose(got, f.predict().to_numpy(), rtol=1e-4)
