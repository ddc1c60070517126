"""Known-future covariates and calendar features."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn._series_mode import _head_features

N, H = 300, 6


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    idx = pd.date_range("2022-01-01", periods=N + H, freq="D")
    cov = pd.DataFrame({"promo": (rng.random(N + H) < 0.3).astype(float),
                        "temp": rng.normal(20, 5, N + H)}, index=idx)  # fmt: skip
    t = np.arange(N + H)
    y = 50 + 5 * np.sin(2 * np.pi * t / 7) + 20 * cov["promo"].to_numpy()
    y += rng.normal(0, 0.5, N + H)
    return pd.Series(y[:N], index=idx[:N], name="sales"), cov


def model(**kw):
    return RNNForecaster(**(dict(horizon=H, hidden_size=8, max_epochs=3, random_state=0) | kw))


def test_fit_predict_with_covariates(data):
    y, cov = data
    f = model().fit(y, covariates=cov[:N])
    assert f.covariates_ == ["promo", "temp"]
    assert f.spec_.n_features == 1 + 2 * 2
    p = f.predict(covariates=cov)  # rows beyond the horizon are ignored
    assert p.index.equals(cov.index[N:]) and np.isfinite(p).all()
    # only the horizon needs covariates when forecasting after the training data
    np.testing.assert_array_equal(f.predict(covariates=cov[N:]), p)
    # with a history, its last window needs them too
    q = f.predict(y[:-10], covariates=cov)
    assert q.index.equals(cov.index[N - 10 : N - 10 + H])
    with pytest.raises(ValueError, match="no row"):
        f.predict(y[:-10], covariates=cov[N - 10 :])


def test_covariate_errors_leave_model_unchanged(data):
    y, cov = data
    f = model().fit(y, covariates=cov[:N])
    before = f.params_.copy()
    with pytest.raises(ValueError, match="fitted with the covariates"):
        f.predict()
    with pytest.raises(ValueError, match="no row"):
        f.predict(covariates=cov[: N + 3])  # too short for the horizon
    with pytest.raises(ValueError, match="columns"):
        f.predict(covariates=cov[["temp"]])
    with pytest.raises(ValueError, match="no row"):
        f.partial_fit(y, covariates=cov[10:])  # misaligned: starts after the series
    bad = cov.copy()
    bad.iloc[N + 2, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        f.predict(covariates=bad)
    text = cov.assign(promo=cov["promo"].astype(str) + "x")
    with pytest.raises(TypeError, match="promo"):
        f.predict(covariates=text)
    with pytest.raises(ValueError, match="without covariates"):
        model().fit(y).predict(covariates=cov)
    np.testing.assert_array_equal(f.params_, before)


def test_informative_covariate_helps(data):
    y, cov = data
    actual = 50 + 5 * np.sin(2 * np.pi * np.arange(N, N + H) / 7) + 20 * cov["promo"][N:]
    kw = dict(hidden_size=32, max_epochs=60, learning_rate=3e-3)
    with_cov = model(**kw).fit(y, covariates=cov[:N]).predict(covariates=cov)
    without = model(**kw).fit(y).predict()
    err_with = np.abs(with_cov.to_numpy() - actual.to_numpy()).mean()
    err_without = np.abs(without.to_numpy() - actual.to_numpy()).mean()
    # the promotions of the horizon reach the head: most of their effect is forecast
    assert err_with < 0.5 * err_without


def test_head_reads_covariates_of_horizon_and_baseline_source(data):
    y, cov = data
    f = model().fit(y, covariates=cov[:N])
    assert f.baseline_period_ == 7
    # horizon steps and the steps the seasonal-naive baseline copies, two covariates each
    assert f.spec_.n_head_features == 2 * H * 2
    rows = [np.arange(40.0).reshape(20, 2)]
    Z = _head_features(rows, np.array([0, 0]), np.array([8, 12]), horizon=3, period=2)
    # window ending before position 8: future rows 8, 9, 10; baseline rows 6, 7, 6
    np.testing.assert_array_equal(Z[0].reshape(-1, 2)[:, 0], [16, 18, 20, 12, 14, 12])
    np.testing.assert_array_equal(Z[1].reshape(-1, 2)[:, 1], [25, 27, 29, 21, 23, 21])
    no_base = _head_features(rows, np.array([0]), np.array([8]), horizon=3, period=0)
    np.testing.assert_array_equal(no_base.reshape(-1, 2)[:, 0], [16, 18, 20])


def test_long_format_per_series_covariates(data):
    y, cov = data
    frames, covs = [], []
    for sid, shift in (("a", 0), ("b", 40)):
        part = y[shift:]
        frames.append(pd.DataFrame({"unique_id": sid, "ds": part.index, "y": part.to_numpy()}))
        c = cov[shift:].reset_index(names="ds")
        covs.append(c.assign(unique_id=sid))
    long, long_cov = pd.concat(frames), pd.concat(covs)
    f = model().fit(long, covariates=long_cov[long_cov["ds"] < y.index[-1] + pd.Timedelta("1D")])
    out = f.predict(covariates=long_cov)
    assert list(out.columns) == ["unique_id", "ds", "y"] and len(out) == 2 * H
    with pytest.raises(ValueError, match="no rows for series 'b'"):
        f.predict(covariates=long_cov[long_cov["unique_id"] == "a"])


def test_calendar_features_and_persistence(data, tmp_path):
    y, cov = data
    f = model(calendar_features=True).fit(y, covariates=cov[:N])
    assert f.spec_.n_features == 1 + 2 * (2 + 4)  # promo, temp, day of week and of year
    p = f.predict(covariates=cov)
    f.save(tmp_path / "m.tsrnn")
    g = RNNForecaster.load(tmp_path / "m.tsrnn")
    np.testing.assert_array_equal(g.predict(covariates=cov), p)
    g.partial_fit(y[-50:], covariates=cov)
    f.partial_fit(y[-50:], covariates=cov)
    np.testing.assert_array_equal(g.params_, f.params_)
    only_calendar = model(calendar_features=True).fit(y)
    assert only_calendar.predict().index.equals(p.index)
    with pytest.raises(ValueError, match="DatetimeIndex or a PeriodIndex"):
        model(calendar_features=True).fit(np.asarray(y))
