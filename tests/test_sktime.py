"""The sktime interface: sktime's own estimator checks, and direct uses of TsrnnForecaster."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.forecasting.base import ForecastingHorizon  # noqa: E402

from tsrnn.sktime import TsrnnForecaster  # noqa: E402

FAST = {"hidden_size": 3, "window": 6, "max_epochs": 2, "batch_size": 16, "random_state": 0}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tsrnn's notes on tiny data
        yield


def _series(n=60, start="2020-01-01", freq="D", seed=0, name="load"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + np.sin(2 * np.pi * t / 7) + 0.1 * rng.standard_normal(n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq), name=name)


def _panel(n=40):
    frames = []
    for i, key in enumerate(["a", "b", "c"]):
        s = _series(n, seed=i)
        frames.append(pd.DataFrame({"id": key, "time": s.index, "y": s.to_numpy() * (i + 1)}))
    return pd.concat(frames).set_index(["id", "time"])


def test_import_tsrnn_does_not_import_sktime():
    code = "import sys, tsrnn; tsrnn.RNNForecaster; print('sktime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_sktime_check_estimator():
    """sktime's whole forecaster suite on get_test_params (a few minutes on 2 cores)."""
    from sktime.utils.estimator_checks import check_estimator

    results = check_estimator(TsrnnForecaster, raise_exceptions=False, verbose=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert not failed, failed


def test_series_relative_fh():
    y = _series()
    f = TsrnnForecaster(**FAST).fit(y[:-3], fh=[1, 2, 3])
    pred = f.predict()
    assert isinstance(pred, pd.Series) and pred.name == "load"
    assert pred.index.equals(y.index[-3:])
    assert np.isfinite(pred).all()
    assert f.forecaster_.horizon_ == 3
    # a subset of the horizon: the same network (horizon 3), its values at those steps
    subset = TsrnnForecaster(**FAST).fit(y[:-3], fh=[1, 3]).predict()
    assert subset.index.equals(y.index[[-3, -1]])
    assert np.allclose(subset.to_numpy(), pred.to_numpy()[[0, 2]])


def test_series_absolute_fh_and_gaps():
    y = _series()
    fh = ForecastingHorizon(y.index[[-4, -1]], is_relative=False)
    f = TsrnnForecaster(**FAST).fit(y[:-4], fh=fh)
    pred = f.predict()
    assert list(pred.index) == list(y.index[[-4, -1]])
    assert f.forecaster_.horizon_ == 4
    relative = TsrnnForecaster(**FAST).fit(y[:-4], fh=[1, 4]).predict()
    assert np.allclose(pred.to_numpy(), relative.to_numpy())


def test_matches_rnnforecaster():
    from tsrnn import RNNForecaster

    y = _series()
    pred = TsrnnForecaster(**FAST).fit(y, fh=[1, 2]).predict()
    direct = RNNForecaster(horizon=2, **FAST).fit(y).predict()
    assert np.allclose(pred.to_numpy(), direct.to_numpy(), rtol=1e-5)


def test_panel_global_model():
    y = _panel()
    f = TsrnnForecaster(**FAST).fit(y, fh=[1, 2])
    pred = f.predict()
    assert pred.index.names == ["id", "time"]
    assert list(pred.index.get_level_values(0)) == ["a", "a", "b", "b", "c", "c"]
    last = y.index.get_level_values(1).max()
    assert set(pred.index.get_level_values(1)) == {last + pd.Timedelta(days=k) for k in (1, 2)}
    # one model for every instance; the level of each series is kept
    levels = pred.groupby(level=0)["y"].mean()
    assert levels["a"] < levels["b"] < levels["c"]
    intervals = f.predict_interval(coverage=0.8)
    assert intervals.index.equals(pred.index)
    assert (intervals.iloc[:, 0] <= intervals.iloc[:, 1]).all()


def test_update_with_and_without_params():
    y = _series(70)
    f = TsrnnForecaster(**FAST).fit(y[:60], fh=[1, 2, 3])
    params = f.forecaster_.params_.copy()

    moved = f.clone().fit(y[:60], fh=[1, 2, 3])
    moved.update(y[60:65], update_params=False)
    assert moved.cutoff[0] == y.index[64]
    assert np.array_equal(moved.forecaster_.params_, params)  # no training
    pred = moved.predict()
    assert pred.index.equals(y.index[65:68])
    # the same as the fitted network's forecast after the new history
    history = pd.DataFrame({"unique_id": 0, "ds": y.index[:65], "y": y.to_numpy()[:65]})
    after = moved.forecaster_.predict(history)
    assert np.allclose(pred.to_numpy(), after["y"].to_numpy(), rtol=1e-5)

    f.update(y[60:65])  # update_params=True: one pass on the new windows
    assert f.cutoff[0] == y.index[64]
    assert not np.array_equal(f.forecaster_.params_, params)
    assert f.predict().index.equals(y.index[65:68])


def test_exogenous_known_future():
    index = pd.date_range("2020-01-01", periods=70, freq="D")
    promo = pd.DataFrame({"promo": (np.arange(70) % 5 == 0).astype(float)}, index=index)
    y = _series(70) + 3 * promo["promo"].to_numpy()
    f = TsrnnForecaster(**FAST).fit(y[:60], X=promo.iloc[:60], fh=[1, 2, 3])
    assert f.forecaster_.covariates_ == ["x0"]
    pred = f.predict(X=promo.iloc[60:63])
    assert pred.index.equals(index[60:63])
    with pytest.raises(ValueError, match="needs X"):
        f.predict()
    with pytest.raises(ValueError, match="missing|covariate"):
        f.predict(X=promo.iloc[61:63])  # step 1 missing
    f.update(y[60:62], X=promo.iloc[60:62], update_params=False)
    f.update(y[62:64], X=promo.iloc[62:64])
    assert f.predict(X=promo.iloc[64:67]).index.equals(index[64:67])


def test_prediction_intervals_and_quantiles():
    y = _series(80)
    f = TsrnnForecaster(**FAST).fit(y, fh=[1, 2, 3])
    intervals = f.predict_interval(coverage=[0.5, 0.9])
    assert list(intervals.columns) == [
        ("load", 0.5, "lower"), ("load", 0.5, "upper"),
        ("load", 0.9, "lower"), ("load", 0.9, "upper"),
    ]  # fmt: skip
    lo50, hi50, lo90, hi90 = intervals.to_numpy().T
    assert (lo90 <= lo50).all() and (lo50 <= hi50).all() and (hi50 <= hi90).all()
    q = f.predict_quantiles(alpha=[0.9, 0.1, 0.5])
    assert list(q.columns) == [("load", 0.9), ("load", 0.1), ("load", 0.5)]
    assert (q[("load", 0.1)] <= q[("load", 0.5)]).all()
    assert (q[("load", 0.5)] <= q[("load", 0.9)]).all()


def test_quantile_model_levels():
    y = _series(80)
    f = TsrnnForecaster(**FAST, quantiles=[0.05, 0.95]).fit(y, fh=[1, 2])
    wide = f.predict_interval(coverage=0.9)
    assert wide.shape == (2, 2)
    narrow = f.predict_interval(coverage=0.5).to_numpy()  # interpolated between the levels
    lo, hi = wide.to_numpy().T
    assert (lo <= narrow[:, 0]).all() and (narrow[:, 0] <= narrow[:, 1]).all()
    assert (narrow[:, 1] <= hi).all()


def test_in_sample_fh_raises():
    with pytest.raises(NotImplementedError, match="in-sample"):
        TsrnnForecaster(**FAST).fit(_series(), fh=[-1, 1])
