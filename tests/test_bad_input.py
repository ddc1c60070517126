"""Bad input gets a clear error and leaves a fitted model exactly as it was."""

import copy
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

import tsrnn._network
from tsrnn import RNNForecaster, TrainingDivergedWarning

FAST = {"hidden_size": 8, "max_epochs": 2, "random_state": 0}


def monthly(n=60, level=50.0, seed=0, start="2000-01-01", name=None):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = level + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq="MS"), name=name)


def windows(n=60, window=8, horizon=2, n_features=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, window) if n_features is None else (n, window, n_features)
    X = rng.normal(size=shape)
    y = X[:, -horizon:] if n_features is None else X[:, -horizon:, 0]
    return X, y.copy()


# --------------------------------------------------------------------------------------------
# "nothing lost": a deep snapshot of the estimator, compared bit for bit


def assert_same(a, b, path="est"):
    """Recursive bit-for-bit comparison of two snapshots."""
    assert type(a) is type(b), f"{path}: type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), path
    elif isinstance(a, pd.Index):
        assert a.equals(b) and a.dtype == b.dtype, path
        assert getattr(a, "freq", None) == getattr(b, "freq", None), path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.random.Generator):
        assert a.bit_generator.state == b.bit_generator.state, path
    elif isinstance(a, float | np.floating):
        assert a == b or (np.isnan(a) and np.isnan(b)), path
    elif isinstance(a, int | str | bytes | bool | type(None) | np.generic | np.dtype) or (
        isinstance(a, pd.offsets.BaseOffset)
    ):
        assert a == b, f"{path}: {a!r} != {b!r}"
    elif hasattr(a, "__dict__"):
        assert_same(vars(a), vars(b), f"{path}.")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def fitted_series():
    return RNNForecaster(horizon=3, window=12, **FAST).fit(monthly())


def fitted_windows():
    X, y = windows()
    return RNNForecaster(**FAST).fit(X, y)


def fitted_windows_3d():
    X, y = windows(n_features=3)
    return RNNForecaster(**FAST).fit(X, y)


def with_nan(y, pos=5):
    y = y.copy()
    y.iloc[pos] = np.nan
    return y


FAILING_CALLS = {
    # series model
    "fit-nan": (fitted_series, lambda f: f.fit(with_nan(monthly())), ValueError),
    "fit-empty": (fitted_series, lambda f: f.fit(pd.Series([], dtype=float)), ValueError),
    "fit-text": (fitted_series, lambda f: f.fit(pd.Series(["a"] * 40)), TypeError),
    "fit-short": (fitted_series, lambda f: f.fit(monthly(10)), ValueError),
    "partial_fit-nan": (fitted_series, lambda f: f.partial_fit(with_nan(monthly())), ValueError),
    "partial_fit-layout": (
        fitted_series,
        lambda f: f.partial_fit(monthly().to_frame("a")),
        ValueError,
    ),
    "partial_fit-freq": (
        fitted_series,
        lambda f: f.partial_fit(
            pd.Series(monthly().to_numpy(), index=pd.date_range("2000-01-01", periods=60, freq="D"))
        ),  # fmt: skip
        ValueError,
    ),
    "partial_fit-windows": (fitted_series, lambda f: f.partial_fit(*windows()), ValueError),
    "predict-short": (fitted_series, lambda f: f.predict(monthly().iloc[:5]), ValueError),
    "predict-inf": (
        fitted_series,
        lambda f: f.predict(monthly().replace(monthly().iloc[-2], np.inf)),
        ValueError,
    ),
    "predict-layout": (fitted_series, lambda f: f.predict(monthly().to_numpy()), ValueError),
    # windows model
    "w-fit-nan": (
        fitted_windows,
        lambda f: f.fit(np.full((20, 8), np.nan), np.zeros(20)),
        ValueError,
    ),
    "w-partial_fit-window": (
        fitted_windows,
        lambda f: f.partial_fit(*windows(window=5)),
        ValueError,
    ),  # fmt: skip
    "w-partial_fit-horizon": (
        fitted_windows,
        lambda f: f.partial_fit(*windows(horizon=3)),
        ValueError,
    ),  # fmt: skip
    "w-partial_fit-3d": (
        fitted_windows,
        lambda f: f.partial_fit(*windows(n_features=2)),
        ValueError,
    ),  # fmt: skip
    "w-partial_fit-series": (fitted_windows, lambda f: f.partial_fit(monthly()), ValueError),
    "w-predict-shape": (fitted_windows, lambda f: f.predict(np.zeros((4, 9))), ValueError),
    "w-predict-none": (fitted_windows, lambda f: f.predict(), ValueError),
    "w3-partial_fit-features": (
        fitted_windows_3d,
        lambda f: f.partial_fit(*windows(n_features=4)),
        ValueError,
    ),
    "w3-predict-2d": (fitted_windows_3d, lambda f: f.predict(np.zeros((4, 8))), ValueError),
    "w3-predict-features": (
        fitted_windows_3d,
        lambda f: f.predict(np.zeros((4, 8, 2))),
        ValueError,
    ),
}


@pytest.mark.parametrize("case", list(FAILING_CALLS))
def test_failing_call_changes_nothing(case):
    make, call, error = FAILING_CALLS[case]
    est = make()
    before = copy.deepcopy(est.__dict__)
    pred_before = probe(est)
    with pytest.raises(error):
        call(est)
    assert_same(before, est.__dict__)
    np.testing.assert_array_equal(probe(est), pred_before)


def probe(est):
    """A forecast of the fitted model, to check it still answers the same."""
    if est._mode == "series":
        return est.predict()
    n_features = est.spec_.n_features if est._x_ndim == 3 else None
    return est.predict(windows(n_features=n_features, seed=9)[0][:3])


def test_fit_with_invalid_params_changes_nothing():
    est = fitted_series()
    est.set_params(hidden_size=20000)
    before = copy.deepcopy(est.__dict__)
    with pytest.raises(ValueError, match="memory"):
        est.fit(monthly())
    assert_same(before, est.__dict__)
    est.set_params(hidden_size=8, window=0)
    before = copy.deepcopy(est.__dict__)
    with pytest.raises(InvalidParameterError):
        est.fit(monthly())
    assert_same(before, est.__dict__)


def test_interrupted_training_changes_nothing(monkeypatch):
    est = fitted_series()
    before = copy.deepcopy(est.__dict__)
    real = tsrnn._network.loss_and_grad
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tsrnn._network, "loss_and_grad", interrupted)
    est.set_params(batch_size=8)
    before["batch_size"] = 8
    with pytest.raises(KeyboardInterrupt):
        est.partial_fit(monthly(seed=3))
    assert len(calls) == 2
    assert_same(before, est.__dict__)
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        est.fit(monthly(seed=3))
    assert_same(before, est.__dict__)


# --------------------------------------------------------------------------------------------
# divergence


def test_divergence_keeps_last_good_weights(monkeypatch):
    y = monthly(40)  # 40 - 12 - 3 + 1 = 26 windows: two batches of 16 per epoch
    kw = {"horizon": 3, "window": 12, "hidden_size": 8, "batch_size": 16,
          "early_stopping": False, "random_state": 0}  # fmt: skip
    one_epoch = RNNForecaster(max_epochs=1, **kw).fit(y)
    assert one_epoch.t_ == 2
    real = tsrnn._network.loss_and_grad
    calls = []

    def nan_at_third(*args, **kwargs):
        calls.append(1)
        loss, grad = real(*args, **kwargs)
        if len(calls) == 3:
            return float("nan"), grad
        return loss, grad

    monkeypatch.setattr(tsrnn._network, "loss_and_grad", nan_at_third)
    est = RNNForecaster(max_epochs=10, **kw)
    with pytest.warns(TrainingDivergedWarning, match="NaN or infinite"):
        est.fit(y)
    assert len(calls) == 3, "training went on after the loss became NaN"
    assert est.t_ == 2 and est.n_iter_ == 1
    assert np.isfinite(est.params_).all()
    np.testing.assert_array_equal(est.params_, one_epoch.params_)
    assert np.isfinite(est.predict()).all()


def test_divergence_in_partial_fit_keeps_weights(monkeypatch):
    est = fitted_series()
    params = est.params_.copy()

    def always_nan(*args, **kwargs):
        return float("nan"), np.zeros_like(args[0])

    monkeypatch.setattr(tsrnn._network, "loss_and_grad", always_nan)
    with pytest.warns(TrainingDivergedWarning):
        est.partial_fit(monthly(seed=5))
    np.testing.assert_array_equal(est.params_, params)
    assert np.isfinite(est.predict()).all()


def test_real_divergence_warns_and_stays_finite():
    rng = np.random.default_rng(0)
    t = np.arange(120)
    y = 1e12 * (1 + 0.1 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 1e10, 120)
    est = RNNForecaster(horizon=6, window=12, hidden_size=8, max_epochs=5, learning_rate=1e6,
                        clip_norm=None, optimizer="sgd", random_state=0)  # fmt: skip
    with pytest.warns(TrainingDivergedWarning):
        est.fit(y)
    assert np.isfinite(est.params_).all()
    assert np.isfinite(est.predict()).all()


def test_overflowing_update_keeps_finite_weights():
    y = monthly(80)
    est = RNNForecaster(horizon=3, window=12, hidden_size=8, max_epochs=3, learning_rate=1e38,
                        random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow warning
        est.fit(y)
    assert np.isfinite(est.params_).all()
    assert np.isfinite(est.predict()).all()


# --------------------------------------------------------------------------------------------
# missing and non-finite values


def test_nan_in_series_names_first_timestamp():
    y = monthly()
    y.iloc[[7, 20]] = np.nan
    with pytest.raises(ValueError, match=r"NaN at 2000-08-01"):
        RNNForecaster(horizon=3, **FAST).fit(y)


def test_inf_names_timestamp_and_series():
    df = pd.DataFrame({"a": monthly().to_numpy(), "b": monthly(seed=1).to_numpy()},
                      index=monthly().index)  # fmt: skip
    df.iloc[30, 1] = -np.inf
    with pytest.raises(ValueError, match=r"'b'.*infinite value at 2002-07-01"):
        RNNForecaster(horizon=3, **FAST).fit(df)
    with pytest.raises(ValueError, match="infinite"):  # even with allow_missing
        RNNForecaster(horizon=3, allow_missing=True, **FAST).fit(df)


def test_nan_in_long_and_array():
    long = pd.DataFrame({"unique_id": "s1", "ds": monthly().index, "y": monthly().to_numpy()})
    long.loc[11, "y"] = np.nan
    with pytest.raises(ValueError, match=r"'s1'.*NaN at 2000-12-01"):
        RNNForecaster(horizon=3, **FAST).fit(long)
    arr = np.array(monthly())
    arr[9] = np.nan
    with pytest.raises(ValueError, match=r"NaN at 9"):
        RNNForecaster(horizon=3, **FAST).fit(arr)


def test_allow_missing_interpolates_interior_gaps():
    y = monthly()
    gappy = y.copy()
    gappy.iloc[[10, 11, 12, 30]] = np.nan
    filled = gappy.copy()
    pos = np.arange(len(y), dtype=float)
    bad = filled.isna().to_numpy()
    filled[bad] = np.interp(pos[bad], pos[~bad], filled[~bad].to_numpy())
    kw = {"horizon": 3, "window": 12, **FAST}
    a = RNNForecaster(allow_missing=True, **kw).fit(gappy)
    b = RNNForecaster(**kw).fit(filled)
    np.testing.assert_array_equal(a.params_, b.params_)
    pd.testing.assert_series_equal(a.predict(), b.predict())
    with pytest.raises(ValueError, match="allow_missing"):
        RNNForecaster(**kw).fit(gappy)


def test_allow_missing_strips_leading_nan():
    y = monthly()
    y.iloc[:4] = np.nan
    pred = RNNForecaster(horizon=3, window=12, allow_missing=True, **FAST).fit(y).predict()
    assert pred.index[0] == y.index[-1] + pd.offsets.MonthBegin()
    assert np.isfinite(pred).all()


# --------------------------------------------------------------------------------------------
# empty, short, timestamps, types


@pytest.mark.parametrize(
    "empty",
    [
        pd.Series([], dtype=float),
        np.array([]),
        [],
        pd.DataFrame(),
        pd.DataFrame({"unique_id": [], "ds": pd.to_datetime([]), "y": []}),
    ],
    ids=["series", "array", "list", "wide", "long"],
)
def test_empty_input(empty):
    with pytest.raises(ValueError, match="empty"):
        RNNForecaster(horizon=3, **FAST).fit(empty)


def test_too_short_for_window_and_horizon():
    with pytest.raises(ValueError, match=r"12 values.*10 \+ 5 = 15"):
        RNNForecaster(horizon=5, window=10, **FAST).fit(monthly(12))
    with pytest.raises(ValueError) as info:
        RNNForecaster(horizon=5, **FAST).fit(monthly(5))  # window="auto"
    assert "5" in str(info.value) and "6" in str(info.value)
    # in a long DataFrame the longest series counts; shorter ones are simply used less
    long = pd.DataFrame({
        "unique_id": ["a"] * 30 + ["b"] * 14,
        "ds": list(pd.date_range("2000-01-01", periods=30, freq="D"))
        + list(pd.date_range("2000-01-01", periods=14, freq="D")),
        "y": np.r_[np.arange(30.0), np.arange(14.0)],
    })  # fmt: skip
    f = RNNForecaster(horizon=3, window=10, **FAST).fit(long)
    assert f.predict().shape == (6, 3)


def test_duplicate_unsorted_irregular_timestamps():
    y = monthly(40)
    dup = pd.concat([y.iloc[:20], y.iloc[19:]])
    with pytest.raises(ValueError, match="duplicate"):
        RNNForecaster(horizon=3, **FAST).fit(dup)
    with pytest.raises(ValueError, match="unsorted"):
        RNNForecaster(horizon=3, **FAST).fit(y.iloc[::-1])
    swapped = y.iloc[[*range(10), 11, 10, *range(12, 40)]]
    with pytest.raises(ValueError, match=r"unsorted.*2000-11-01"):
        RNNForecaster(horizon=3, **FAST).fit(swapped)
    with pytest.raises(ValueError, match="irregular"):
        RNNForecaster(horizon=3, **FAST).fit(y.drop(y.index[[5, 17]]))
    long = pd.DataFrame({"unique_id": "a", "ds": y.index, "y": y.to_numpy()})
    with pytest.raises(ValueError, match="duplicate"):
        RNNForecaster(horizon=3, **FAST).fit(pd.concat([long, long.iloc[[3]]]))


def test_text_columns():
    df = pd.DataFrame({"a": monthly().to_numpy(), "label": ["x"] * 60}, index=monthly().index)
    with pytest.raises(TypeError, match="'label'"):
        RNNForecaster(horizon=3, **FAST).fit(df)
    long = pd.DataFrame({"unique_id": "a", "ds": monthly().index, "y": ["1.0"] * 60})
    with pytest.raises(TypeError, match="'y'"):
        RNNForecaster(horizon=3, **FAST).fit(long)
    with pytest.raises(TypeError, match="numeric"):
        RNNForecaster(horizon=3, **FAST).fit(pd.Series(["a", "b"] * 20, name="word"))


def test_not_fitted():
    est = RNNForecaster(horizon=3)
    with pytest.raises(NotFittedError):
        est.predict()
    with pytest.raises(NotFittedError):
        est.predict(monthly())
    with pytest.raises(NotFittedError):
        est.save("never-written.npz")


def test_layout_frequency_and_features_mismatch():
    est = fitted_series()
    with pytest.raises(ValueError, match="layout"):
        est.predict(monthly().to_frame("a"))
    with pytest.raises(ValueError, match="layout"):
        est.partial_fit(pd.DataFrame({"unique_id": 1, "ds": monthly().index, "y": 1.0}))
    with pytest.raises(ValueError, match="frequency"):
        est.predict(monthly().asfreq("QS"))
    X3, y3 = windows(n_features=3)
    w = RNNForecaster(**FAST).fit(X3, y3)
    with pytest.raises(ValueError, match="3"):
        w.predict(windows(n_features=2)[0])
    with pytest.raises(ValueError, match="mode"):
        w.partial_fit(monthly())
    arr = RNNForecaster(horizon=3, window=12, **FAST).fit(np.c_[monthly(), monthly(seed=1)])
    with pytest.raises(ValueError, match="2-D"):
        arr.predict(monthly().to_numpy())


def test_horizon_required_in_series_mode():
    with pytest.raises(ValueError, match="horizon"):
        RNNForecaster(**FAST).fit(monthly())
    X, y = windows(horizon=2)
    with pytest.raises(ValueError, match="horizon"):
        RNNForecaster(horizon=3, **FAST).fit(X, y)
    assert RNNForecaster(horizon=2, **FAST).fit(X, y).horizon_ == 2


@pytest.mark.parametrize(
    "params",
    [{"window": 0}, {"window": -3}, {"window": 2.5}, {"window": "12"}, {"horizon": 0},
     {"horizon": -1}, {"horizon": 1.5}, {"hidden_size": 0}, {"batch_size": 0},
     {"learning_rate": 0.0}, {"cell": "transformer"}, {"ema_momentum": 1.0},
     {"ema_momentum": -0.1}, {"linear_lags": 0}, {"linear_lags": 2.5}],
)  # fmt: skip
def test_invalid_parameters(params):
    kw = {"horizon": 3, **params}
    with pytest.raises(InvalidParameterError, match=next(iter(params))) as info:
        RNNForecaster(**kw).fit(monthly())
    assert isinstance(info.value, ValueError)


def test_memory_estimate_refuses_huge_network_fast():
    est = RNNForecaster(horizon=3, window=12, hidden_size=20000, random_state=0)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="GiB") as info:
        est.fit(monthly())
    assert time.perf_counter() - start < 1.0
    assert "hidden_size" in str(info.value)
    assert not hasattr(est, "params_")
    with pytest.raises(ValueError, match="GiB"):
        est.partial_fit(monthly())
    X, y = windows(horizon=3)
    with pytest.raises(ValueError, match="GiB"):
        est.fit(X, y)


def test_cuda_without_gpu(monkeypatch):
    from tsrnn._cuda import _device

    if _device._gpu_visible():
        pytest.skip("an NVIDIA GPU is present")
    # the test suite runs the CUDA tests in numba's simulator; a user has no simulator
    monkeypatch.setattr(_device, "simulator_enabled", lambda: False)
    est = RNNForecaster(horizon=3, window=12, device="cuda", **FAST)
    with pytest.raises(RuntimeError, match="CUDA"):
        est.fit(monthly())
    assert not hasattr(est, "params_")
    fitted = fitted_series()
    before = copy.deepcopy(fitted.__dict__)
    fitted.set_params(device="cuda")
    before["device"] = "cuda"
    with pytest.raises(RuntimeError, match="CUDA"):
        fitted.partial_fit(monthly())
    assert_same(before, fitted.__dict__)
    # "auto" falls back to the CPU
    auto = RNNForecaster(horizon=3, window=12, device="auto", **FAST).fit(monthly())
    ref = RNNForecaster(horizon=3, window=12, **FAST).fit(monthly())
    np.testing.assert_array_equal(auto.params_, ref.params_)


# --------------------------------------------------------------------------------------------
# awkward but valid values

STRONG = {"hidden_size": 16, "learning_rate": 1e-2, "max_epochs": 20, "batch_size": 16,
          "random_state": 0}  # fmt: skip


def test_constant_series():
    idx = pd.date_range("2000-01-01", periods=120, freq="MS")
    est = RNNForecaster(horizon=6, **STRONG).fit(pd.Series(np.full(120, 5.0), index=idx))
    pred = est.predict()
    assert np.isfinite(pred).all()
    np.testing.assert_allclose(pred.to_numpy(), 5.0, rtol=1e-2)
    # any other constant history, whatever its level or sign, is forecast near itself
    for level in (-3e8, 0.0, 1e12, 1e-12):
        pred = est.predict(pd.Series(np.full(30, level), index=idx[:30])).to_numpy()
        np.testing.assert_allclose(pred, level, rtol=1e-2, atol=1e-2)


def test_extreme_levels_train_and_forecast_alike():
    t = np.arange(150)
    shape = 1 + 0.1 * np.sin(2 * np.pi * t / 12) + 0.01 * np.random.default_rng(0).normal(size=150)
    idx = pd.date_range("2000-01-01", periods=150, freq="MS")
    preds = {}
    for level in (1.0, 1e12, 1e-12):
        y = pd.Series(level * shape, index=idx)
        est = RNNForecaster(horizon=6, **STRONG).fit(y)
        pred = est.predict().to_numpy()
        assert np.isfinite(pred).all() and np.isfinite(est.loss_curve_).all()
        preds[level] = pred / level
    truth = 1 + 0.1 * np.sin(2 * np.pi * np.arange(150, 156) / 12)
    np.testing.assert_allclose(preds[1.0], truth, atol=0.05)
    # each window is scaled by its own statistics: the level does not matter
    np.testing.assert_allclose(preds[1e12], preds[1.0], rtol=1e-4)
    np.testing.assert_allclose(preds[1e-12], preds[1.0], rtol=1e-4)


def test_windows_with_a_constant_feature_train_finite():
    """A constant input feature (std 0) is not divided by zero."""
    rng = np.random.default_rng(0)
    X = np.stack([rng.normal(size=(60, 8)), np.full((60, 8), 3.0)], axis=2)
    y = X[:, -1, 0] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = RNNForecaster(hidden_size=4, max_epochs=2, random_state=0).fit(X, y)
    assert np.isfinite(est.params_).all() and np.isfinite(est.predict(X)).all()


# --------------------------------------------------------------------------------------------
# what the property-based test of the public surface found (tests/test_properties.py)


@pytest.mark.parametrize("shape", [(5, 3, 0), (5, 0, 2), (5, 0)])
def test_windows_without_steps_or_features(shape):
    with pytest.raises(ValueError, match="window >= 1 and n_features >= 1|0 feature"):
        RNNForecaster(**FAST).fit(np.zeros(shape), np.zeros(5))


def test_windows_targets_as_text_or_infinite():
    X = np.random.default_rng(0).normal(size=(20, 4))
    f = RNNForecaster(**FAST).fit(X, np.array(["1.5"] * 20))  # numbers as text: converted
    assert np.isfinite(f.predict(X)).all()
    with pytest.raises(TypeError, match="y must hold numbers"):
        RNNForecaster(**FAST).fit(X, np.array(["up"] * 20))
    y = np.zeros(20, dtype=object)
    y[0] = np.inf  # scikit-learn checks object targets for NaN only
    with pytest.raises(ValueError, match="y contains NaN or infinity"):
        RNNForecaster(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        RNNForecaster(**FAST).fit(X, np.ones(20) * 1j)


def test_windows_dataframe_with_a_text_column_names_it():
    X = pd.DataFrame({"lag0": ["up", "down", "up"] * 5, "lag1": np.arange(15.0)})
    with pytest.raises(TypeError, match="'lag0'"):
        RNNForecaster(**FAST).fit(X, np.zeros(15))


def test_covariate_names_survive_save_and_load(tmp_path):
    y = np.sin(np.arange(60) / 3) + 5
    cov = np.random.default_rng(0).normal(size=(70, 2))  # columns 0 and 1
    f = RNNForecaster(horizon=4, **FAST).fit(y, covariates=cov)
    f.save(tmp_path / "m.tsrnn")
    loaded = RNNForecaster.load(tmp_path / "m.tsrnn")
    assert loaded.covariates_ == [0, 1]
    np.testing.assert_array_equal(loaded.predict(covariates=cov), f.predict(covariates=cov))


def test_integer_index_step_is_kept_with_a_window_of_one():
    y = pd.Series(np.sin(np.arange(30.0)), index=pd.Index(np.arange(0, 60, 2)))
    f = RNNForecaster(horizon=3, window=1, **FAST).fit(y)
    assert list(f.predict().index) == [60, 62, 64]


def test_two_month_starts_are_monthly_not_31_days():
    long = pd.DataFrame({"unique_id": "a", "y": [1.0, 2.0],
                         "ds": pd.date_range("1900-01-01", periods=2, freq="MS")})  # fmt: skip
    f = RNNForecaster(horizon=1, window=1, **FAST).fit(long)
    assert list(f.predict()["ds"]) == [pd.Timestamp("1900-03-01")]
    # a history of two month starts, or of one, forecasts with the model's frequency
    g = RNNForecaster(horizon=2, window=1, **FAST).fit(monthly())
    history = monthly()[-2:]
    history.index.freq = None
    assert g.predict(history).index.freqstr == "MS"
    assert list(g.predict(monthly()[-1:]).index) == list(pd.date_range("2005-01-01",
                                                                       periods=2, freq="MS"))


def test_a_series_shorter_than_the_window_is_refused_at_fit():
    long = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 60, "y": np.arange(63.0) % 7,
                         "ds": list(range(3)) + list(range(60))})  # fmt: skip
    with pytest.raises(ValueError, match="series 'a' has 3 values, fewer than the window of 8"):
        RNNForecaster(horizon=2, window=8, **FAST).fit(long)


def test_quantile_columns_are_the_levels_asked_for():
    f = RNNForecaster(horizon=2, **FAST).fit(monthly())
    q = f.predict_quantiles(quantiles=[0.1 + 0.2])
    assert list(q.columns) == [0.1 + 0.2]
    assert np.isfinite(q[0.1 + 0.2]).all()


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_a_constant_series_is_forecast_as_itself_with_any_inputs(loss):
    """Its windows and targets scale to exact zeros, so Adam (which follows the sign of even
    a 1e-16 rounding error) never moves the output, whatever else the network reads."""
    y = pd.DataFrame({"unique_id": "a", "y": 0.1,
                      "ds": pd.date_range("2000-01-01 02:00", periods=35, freq="h")})  # fmt: skip
    f = RNNForecaster(horizon=10, baseline="none", calendar_features=True, loss=loss,
                      early_stopping=False, **FAST).fit(y)  # fmt: skip
    np.testing.assert_array_equal(f.predict()["y"], 0.1)


def test_calendar_features_of_a_one_stamp_history():
    """A history of one time stamp per series still gets its calendar features (the model's
    frequency; three stamps are needed to infer one)."""
    long = pd.concat([pd.DataFrame({"unique_id": sid, "y": [1.0, 1.5],
                                    "ds": pd.date_range("2000-01-01", periods=2, freq="h")})
                      for sid in "ab"], ignore_index=True)  # fmt: skip
    f = RNNForecaster(horizon=1, calendar_features=True, early_stopping=False, **FAST).fit(long)
    out = f.predict(long.groupby("unique_id").head(1))
    assert list(out["ds"]) == [pd.Timestamp("2000-01-01 01:00")] * 2
