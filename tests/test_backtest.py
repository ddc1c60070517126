"""tsrnn.backtest: rolling origins, refit modes, metrics."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import BacktestResult, RNNForecaster, backtest


@pytest.fixture(scope="module")
def series():
    t = np.arange(300)
    values = 20 + 3 * np.sin(2 * np.pi * t / 12) + 0.02 * t
    values += np.random.default_rng(0).normal(0, 0.3, len(t))
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=len(t), freq="MS"))


def model(**kw):
    kw = dict(horizon=6, hidden_size=8, max_epochs=5, random_state=0) | kw
    return RNNForecaster(**kw)


@pytest.mark.parametrize("refit", ["partial", True, False])
def test_origins_forecasts_and_metrics(series, refit):
    template = model()
    result = backtest(template, series, n_windows=4, step=3, refit=refit)
    assert isinstance(result, BacktestResult)
    assert not hasattr(template, "params_")  # the template is cloned, never fitted
    f, m = result.forecasts, result.metrics
    assert len(m) == 4 and len(f) == 4 * 6
    # origins step 3 apart, the last one leaving exactly one horizon of actuals
    cutoffs = list(m["cutoff"])
    assert cutoffs[-1] == series.index[-7]
    assert [series.index.get_loc(c) for c in cutoffs] == [284, 287, 290, 293]
    first = f[f["window"] == 0]
    np.testing.assert_array_equal(first["y"], series.iloc[285:291].to_numpy())
    assert list(first["ds"]) == list(series.index[285:291])
    for name in ("mae", "rmse", "smape", "mase"):
        assert np.isfinite(m[name]).all()
    mae = np.mean(np.abs(first["y"] - first["y_pred"]))
    assert m["mae"].iloc[0] == pytest.approx(mae)
    assert set(result.summary.index) >= {"mae", "rmse", "smape", "mase", "seconds"}


def test_partial_is_much_faster_than_refitting_at_similar_accuracy(series):
    full = backtest(model(max_epochs=20), series, n_windows=6, refit=True)
    partial = backtest(model(max_epochs=20), series, n_windows=6, refit="partial")
    # after the first origin, each partial update costs a fraction of a fit
    assert partial.metrics["seconds"][1:].sum() < full.metrics["seconds"][1:].sum() / 5
    assert partial.summary["mase"] < 2 * full.summary["mase"] + 0.1


def test_refit_false_keeps_one_model(series):
    result = backtest(model(), series, n_windows=3, refit=False)
    assert result.metrics["seconds"][1:].max() < result.metrics["seconds"][0]


def test_bad_arguments(series):
    with pytest.raises(ValueError, match="refit"):
        backtest(model(), series, refit="sometimes")
    with pytest.raises(ValueError, match="horizon"):
        backtest(RNNForecaster(), series)
    with pytest.raises(ValueError, match="too short"):
        backtest(model(), series[:40], n_windows=8)


def test_missing_values_are_filled_for_the_metrics_too(series):
    """With allow_missing the model sees interpolated values; the actuals and the metrics
    see the same values, never the NaN."""
    gappy = series.copy()
    gappy.iloc[[100, 290, 295]] = np.nan  # one in training, two among the actuals
    result = backtest(model(allow_missing=True), gappy, n_windows=2, step=6)
    for name in ("mae", "rmse", "smape", "mase"):
        assert np.isfinite(result.metrics[name]).all()
    actual = result.forecasts.set_index("ds")["y"]
    assert np.isfinite(actual).all()
    filled = gappy.interpolate()
    np.testing.assert_allclose(actual, filled.loc[actual.index])


# ---------------------------------------------------------------------------------------------
# panels: one global model, origins counted from each series' own end


@pytest.fixture(scope="module")
def panel():
    """Three monthly series of different lengths, start and end dates (long format)."""
    rng = np.random.default_rng(1)
    frames = []
    for k, (n, start) in enumerate([(80, "2000-01-01"), (100, "1998-03-01"), (60, "2001-06-01")]):
        t = np.arange(n)
        values = 10 + k + 2 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.2, n)
        index = pd.date_range(start, periods=n, freq="MS")
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": index, "y": values}))
    return pd.concat(frames, ignore_index=True)


def tiny(**kw):
    return model(max_epochs=2, **kw)


@pytest.mark.parametrize("refit", ["partial", True, False])
def test_panel_origins_per_series(panel, refit):
    result = backtest(tiny(), panel, n_windows=3, step=4, refit=refit)
    f, m = result.forecasts, result.metrics
    assert list(f.columns) == ["unique_id", "window", "cutoff", "ds", "y", "y_pred"]
    assert list(m.columns) == ["unique_id", "window", "cutoff"] + [
        "mae", "rmse", "smape", "mase", "seconds"]  # fmt: skip
    assert len(m) == 3 * 3 and len(f) == 3 * 3 * 6
    for uid, y in panel.groupby("unique_id"):
        y = y.set_index("ds")["y"]
        rows = m[m["unique_id"] == uid]
        # each series' last origin leaves exactly one horizon after it, the others 4 apart
        assert [y.index.get_loc(c) for c in rows["cutoff"]] == [len(y) - 7 - 8, len(y) - 11,
                                                                 len(y) - 7]  # fmt: skip
        last = f[(f["unique_id"] == uid) & (f["window"] == 2)]
        np.testing.assert_array_equal(last["y"], y.iloc[-6:].to_numpy())
        assert list(last["ds"]) == list(y.index[-6:])
        mae = np.mean(np.abs(last["y"] - last["y_pred"]))
        assert rows["mae"].iloc[2] == pytest.approx(mae)
    for name in ("mae", "rmse", "smape", "mase", "seconds"):
        assert np.isfinite(m[name]).all()
    # one model serves every series: an origin's seconds are shared by its rows
    assert (m.groupby("window")["seconds"].nunique() == 1).all()
    summary = result.summary
    assert summary["mae"] == pytest.approx(m["mae"].mean())
    assert summary["seconds"] == pytest.approx(m.groupby("window")["seconds"].first().sum())
    assert list(result.per_series.index) == ["s0", "s1", "s2"]


def test_panel_wide_and_long_agree(panel):
    wide = panel.pivot(index="ds", columns="unique_id", values="y")  # NaN edges: ragged
    a = backtest(tiny(), panel, n_windows=2, refit="partial")
    b = backtest(tiny(), wide, n_windows=2, refit="partial")
    pd.testing.assert_frame_equal(a.forecasts, b.forecasts, check_dtype=False)
    pd.testing.assert_frame_equal(
        a.metrics.drop(columns="seconds"), b.metrics.drop(columns="seconds"), check_dtype=False
    )


def test_panel_partial_fit_gets_the_new_windows_of_every_series(panel, monkeypatch):
    calls = []
    original = RNNForecaster.partial_fit

    def spy(self, y, *args, **kw):
        calls.append((self.window_, y.groupby("unique_id")["ds"].agg(["min", "max", "size"])))
        return original(self, y, *args, **kw)

    monkeypatch.setattr(RNNForecaster, "partial_fit", spy)
    backtest(tiny(window=10), panel, n_windows=3, step=4, refit="partial")
    assert len(calls) == 2
    for i, (window, got) in enumerate(calls, start=1):
        for uid, y in panel.groupby("unique_id"):
            n = len(y)
            cut, previous = n - 6 - (2 - i) * 4, n - 6 - (3 - i) * 4
            first = max(0, previous - window - 6 + 1)
            assert got.loc[uid, "min"] == y["ds"].iloc[first]
            assert got.loc[uid, "max"] == y["ds"].iloc[cut - 1]
            assert got.loc[uid, "size"] == cut - first


def test_panel_too_short_series_are_named(panel):
    short = pd.concat([panel, pd.DataFrame({
        "unique_id": "tiny", "ds": pd.date_range("2005-01-01", periods=20, freq="MS"),
        "y": np.arange(20.0)})])  # fmt: skip
    with pytest.raises(ValueError, match=r"1 of 4 series.*'tiny' \(20 values\)"):
        backtest(tiny(), short, n_windows=3)


def test_panel_of_arrays_and_one_long_series(panel):
    values = np.column_stack([np.sin(np.arange(90) / 2) + k for k in range(2)])
    result = backtest(tiny(), values, n_windows=2)
    assert sorted(result.metrics["unique_id"].unique()) == [0, 1]
    assert result.forecasts["ds"].max() == 89
    one = backtest(tiny(), panel[panel["unique_id"] == "s1"], n_windows=2)
    assert set(one.forecasts["unique_id"]) == {"s1"}  # the layout decides the frames


def test_panel_with_long_covariates(panel):
    """Long covariates covering every series reach each fit, update and forecast; rows
    missing for one series are refused with the estimator's error."""
    covariates = panel[["unique_id", "ds"]].copy()
    covariates["promo"] = (panel["ds"].dt.month % 5 == 0).astype(float)
    lifted = panel.assign(y=panel["y"] + 3 * covariates["promo"])
    result = backtest(tiny(), lifted, n_windows=2, covariates=covariates)
    assert np.isfinite(result.metrics["mae"]).all()
    with pytest.raises(ValueError, match="covariates"):
        backtest(
            tiny(), lifted, n_windows=2, covariates=covariates[covariates["unique_id"] != "s2"]
        )


def test_the_public_name_is_the_function_whatever_was_imported_first():
    import subprocess
    import sys

    code = "import tsrnn._backtest, tsrnn; assert callable(tsrnn.backtest), tsrnn.backtest"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("refit", ["partial", True])
def test_fine_tuning_a_base_model(series, tiny_base, refit):
    """init=path: every origin fits from the base model (or fine-tunes it on the new values),
    with a horizon beyond the base network's 4 steps."""
    template = RNNForecaster(init=tiny_base, horizon=6, max_epochs=2, random_state=0)
    result = backtest(template, series, n_windows=3, step=3, refit=refit)
    assert not hasattr(template, "params_")
    f, m = result.forecasts, result.metrics
    assert len(m) == 3 and len(f) == 18
    assert np.isfinite(f["y_pred"]).all() and np.isfinite(m["mase"]).all()
    assert [series.index.get_loc(c) for c in m["cutoff"]] == [287, 290, 293]
