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
    with pytest.raises(ValueError, match="one series"):
        backtest(model(), pd.DataFrame({"a": series, "b": series}))


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
