"""RNNForecaster end to end: series in / forecast out, windows in, partial_fit, training."""

import copy
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster
from tsrnn.datasets import load_airline, load_co2, load_sunspots, load_us_gdp

ROOT = Path(__file__).resolve().parents[1]

# cheap settings: the point of these tests is the plumbing, not the accuracy
FAST = {"hidden_size": 8, "max_epochs": 3, "random_state": 0}


def seasonal(n, freq="MS", level=100.0, amp=10.0, period=12, noise=1.0, seed=0, start="2000-01-01"):
    """A noisy sine around ``level`` on a regular DatetimeIndex."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = level + amp * np.sin(2 * np.pi * t / period) + noise * rng.normal(size=n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq), name="y")


def sine_windows(n=120, window=10, horizon=1, n_features=None, seed=0, dtype=np.float64):
    """Windows of a noisy sine, the targets the next ``horizon`` values."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + window + horizon)
    s = np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=t.size)
    X = np.lib.stride_tricks.sliding_window_view(s, window)[:n]
    Y = np.lib.stride_tricks.sliding_window_view(s[window:], horizon)[:n]
    if n_features is not None:
        extra = rng.normal(size=(n, window, n_features - 1))
        X = np.concatenate([X[:, :, None], extra], axis=2)
    X = np.ascontiguousarray(X, dtype=dtype)
    Y = np.ascontiguousarray(Y, dtype=dtype)
    return X, (Y[:, 0] if horizon == 1 else Y)


def expected_future(index, horizon):
    """The next ``horizon`` stamps after ``index``, computed independently of tsrnn."""
    if isinstance(index, pd.PeriodIndex):
        out = pd.period_range(index[-1] + 1, periods=horizon, freq=index.freq)
    elif isinstance(index, pd.DatetimeIndex):
        out = pd.date_range(index[-1], periods=horizon + 1, freq=index.freq)[1:]
    else:
        step = int(index[-1] - index[-2])
        out = pd.RangeIndex(index[-1] + step, index[-1] + step * (horizon + 1), step)
    return out.rename(index.name)


def assert_plausible(values, data, slack=1.0):
    """Finite values within the data's range widened by ``slack`` times its span."""
    values = np.asarray(values, dtype=np.float64)
    data = np.asarray(data, dtype=np.float64)
    lo, hi = data.min(), data.max()
    span = hi - lo
    assert np.isfinite(values).all()
    assert (values >= lo - slack * span).all() and (values <= hi + slack * span).all()


# --------------------------------------------------------------------------------------------
# series in, forecast out


INDEXES = {
    "MS": lambda n: pd.date_range("2000-01-01", periods=n, freq="MS"),
    "QS": lambda n: pd.date_range("1990-01-01", periods=n, freq="QS"),
    "W-SAT": lambda n: pd.date_range("2001-01-06", periods=n, freq="W-SAT"),
    "30min": lambda n: pd.date_range("2020-01-01 00:00", periods=n, freq="30min"),
    "B": lambda n: pd.date_range("2021-03-01", periods=n, freq="B"),
    "h": lambda n: pd.date_range("2020-02-27 13:00", periods=n, freq="h"),
    "D": lambda n: pd.date_range("2019-12-20", periods=n, freq="D"),
    "period-M": lambda n: pd.period_range("1999-01", periods=n, freq="M"),
    "range": lambda n: pd.RangeIndex(n),
    "range-step": lambda n: pd.RangeIndex(10, 10 + 3 * n, 3),
}


@pytest.mark.parametrize("kind", list(INDEXES))
def test_series_forecast_continues_index(kind):
    n, horizon = 60, 4
    rng = np.random.default_rng(1)
    y = pd.Series(50 + np.sin(np.arange(n) / 2) + 0.1 * rng.normal(size=n), name="sales")
    y.index = INDEXES[kind](n)
    f = RNNForecaster(horizon=horizon, window=8, **FAST).fit(y)
    pred = f.predict()
    assert isinstance(pred, pd.Series)
    assert pred.name == "sales"
    assert pred.dtype == np.float64
    pd.testing.assert_index_equal(pred.index, expected_future(y.index, horizon), exact=True)
    if isinstance(y.index, pd.DatetimeIndex | pd.PeriodIndex):
        assert pred.index.freq == y.index.freq
    if isinstance(y.index, pd.DatetimeIndex):
        assert pred.index.unit == y.index.unit
    assert_plausible(pred, y)
    assert f.window_ == 8 and f.horizon_ == horizon and f.n_features_in_ == 1


def test_business_days_skip_the_weekend():
    idx = pd.date_range("2024-01-01", "2024-03-29", freq="B")  # ends on a Friday
    y = pd.Series(np.sin(np.arange(len(idx))) + 3, index=idx)
    pred = RNNForecaster(horizon=3, window=5, **FAST).fit(y).predict()
    assert list(pred.index) == list(pd.to_datetime(["2024-04-01", "2024-04-02", "2024-04-03"]))


def test_index_without_freq_is_inferred():
    y = seasonal(48, freq="D")
    y.index = pd.DatetimeIndex(list(y.index))  # the same stamps, freq dropped
    assert y.index.freq is None
    pred = RNNForecaster(horizon=5, window=7, **FAST).fit(y).predict()
    assert pred.index.freq == pd.tseries.frequencies.to_offset("D")
    assert pred.index[0] == y.index[-1] + pd.Timedelta(days=1)


def test_tz_aware_index_is_kept():
    idx = pd.date_range("2024-03-29", periods=72, freq="h", tz="Europe/Paris")  # spans DST
    y = pd.Series(np.sin(np.arange(72) / 3) + 2, index=idx)
    pred = RNNForecaster(horizon=6, window=12, **FAST).fit(y).predict()
    assert str(pred.index.tz) == "Europe/Paris"
    pd.testing.assert_index_equal(pred.index, expected_future(idx, 6))


def test_wide_dataframe_global_model():
    idx = pd.date_range("2010-01-01", periods=60, freq="MS")
    df = pd.DataFrame(
        {
            "north": seasonal(60, level=100).to_numpy(),
            "south": seasonal(60, level=5000, amp=400, seed=2).to_numpy(),
            3: seasonal(60, level=-20, amp=2, seed=3).to_numpy(),
        },
        index=idx,
    )
    f = RNNForecaster(horizon=6, window=12, **FAST).fit(df)
    pred = f.predict()
    assert isinstance(pred, pd.DataFrame)
    assert list(pred.columns) == ["north", "south", 3]
    pd.testing.assert_index_equal(pred.index, expected_future(idx, 6))
    assert pred.index.freq == idx.freq
    for col in df.columns:  # each column forecast on its own level
        assert_plausible(pred[col], df[col])
    # one global model: each column is forecast as a single series would be
    for col in df.columns:
        alone = f.predict(df[[col]])
        np.testing.assert_allclose(alone[col].to_numpy(), pred[col].to_numpy(), rtol=1e-6)


def test_wide_dataframe_ragged_starts():
    idx = pd.date_range("2010-01-01", periods=50, freq="D")
    df = pd.DataFrame({"a": seasonal(50, freq="D").to_numpy(), "b": np.nan}, index=idx)
    df.loc[idx[15:], "b"] = seasonal(35, freq="D", level=30, seed=4).to_numpy()
    pred = RNNForecaster(horizon=3, window=7, **FAST).fit(df).predict()
    assert pred.shape == (3, 2) and np.isfinite(pred.to_numpy()).all()
    assert pred.index[0] == idx[-1] + pd.Timedelta(days=1)


def make_long():
    """Three series of different lengths, start and end dates, shuffled rows."""
    parts = []
    specs = {
        "b": ("2020-01-01", 50, 10.0),
        "a": ("2020-02-10", 35, 1000.0),
        "c": ("2019-11-03", 70, 1.0),
    }
    for i, (uid, (start, n, level)) in enumerate(specs.items()):
        s = seasonal(n, freq="D", level=level, amp=level / 10, period=7, seed=i, start=start)
        parts.append(pd.DataFrame({"unique_id": uid, "ds": s.index, "y": s.to_numpy()}))
    long = pd.concat(parts, ignore_index=True)
    return long.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_long_dataframe():
    long = make_long()
    f = RNNForecaster(horizon=5, window=10, **FAST).fit(long)
    pred = f.predict()
    assert isinstance(pred, pd.DataFrame)
    assert list(pred.columns) == ["unique_id", "ds", "y"]
    assert len(pred) == 3 * 5
    assert list(pred["unique_id"]) == ["a"] * 5 + ["b"] * 5 + ["c"] * 5
    assert pred["ds"].dtype == long["ds"].dtype
    for uid, g in long.groupby("unique_id"):
        end = g["ds"].max()
        got = pred.loc[pred["unique_id"] == uid]
        want = pd.date_range(end + pd.Timedelta(days=1), periods=5, freq="D")
        assert list(got["ds"]) == list(want)
        assert_plausible(got["y"], g["y"])
    assert sorted(f.series_ids_) == ["a", "b", "c"]
    # the global model forecasts a series it has never seen
    s = seasonal(30, freq="D", level=7.0, period=7, seed=5, start="2021-06-01")
    new = pd.DataFrame({"unique_id": "z", "ds": s.index, "y": s.to_numpy()})
    other = f.predict(new)
    assert list(other["unique_id"]) == ["z"] * 5
    assert list(other["ds"]) == list(expected_future(s.index, 5))
    assert_plausible(other["y"], s)


def test_long_dataframe_integer_ds():
    long = make_long()
    long["ds"] = (long["ds"] - pd.Timestamp("2019-01-01")).dt.days.astype("int64")
    pred = RNNForecaster(horizon=2, window=10, **FAST).fit(long).predict()
    for uid, g in long.groupby("unique_id"):
        got = pred.loc[pred["unique_id"] == uid, "ds"].to_numpy()
        np.testing.assert_array_equal(got, g["ds"].max() + np.arange(1, 3))


def test_ndarray_1d_and_2d():
    y = seasonal(60).to_numpy()
    f1 = RNNForecaster(horizon=4, window=12, **FAST).fit(y)
    p1 = f1.predict()
    assert isinstance(p1, np.ndarray) and p1.shape == (4,)
    assert_plausible(p1, y)
    Y = np.column_stack([y, 3 * y + 7, y[::-1]])
    f2 = RNNForecaster(horizon=4, window=12, **FAST).fit(Y)
    p2 = f2.predict()
    assert isinstance(p2, np.ndarray) and p2.shape == (4, 3)
    for j in range(3):
        assert_plausible(p2[:, j], Y[:, j])
    # a list is a 1-D array too
    p3 = RNNForecaster(horizon=4, window=12, **FAST).fit(list(y)).predict()
    np.testing.assert_array_equal(p3, p1)


def test_predict_history_without_retraining():
    y = seasonal(80)
    f = RNNForecaster(horizon=6, window=12, **FAST).fit(y.iloc[:60])
    before = f.params_.copy()
    state = copy.deepcopy(f.optimizer_.__dict__)
    longer = f.predict(y)  # a longer history of the same series
    pd.testing.assert_index_equal(longer.index, expected_future(y.index, 6))
    other = seasonal(40, level=1e4, amp=500, seed=9, start="1990-01-01")
    pred_other = f.predict(other)  # another series altogether
    pd.testing.assert_index_equal(pred_other.index, expected_future(other.index, 6))
    assert_plausible(pred_other, other)
    np.testing.assert_array_equal(f.params_, before)
    assert f.optimizer_.t == state["t"]
    np.testing.assert_array_equal(f.optimizer_.m, state["m"])
    # predict() still answers after the end of the training data
    pd.testing.assert_index_equal(f.predict().index, expected_future(y.index[:60], 6))
    # predicting the training data itself is predict()
    pd.testing.assert_series_equal(f.predict(y.iloc[:60]), f.predict())


def test_predict_is_affine_equivariant():
    """Each window is scaled by its own statistics: a*y + b is forecast as a*f(y) + b."""
    y = seasonal(60)
    f = RNNForecaster(horizon=4, window=12, **FAST).fit(y)
    base = f.predict(y).to_numpy()
    for a, b in [(1e6, -3.0), (1e-9, 5e-9), (2.5, 1e4)]:
        got = f.predict(a * y + b).to_numpy()
        np.testing.assert_allclose(got, a * base + b, rtol=1e-5, atol=1e-5 * abs(b))


# --------------------------------------------------------------------------------------------
# windows in


@pytest.mark.parametrize("horizon", [1, 3])
@pytest.mark.parametrize("n_features", [None, 3])
def test_windows_mode_shapes(horizon, n_features):
    X, y = sine_windows(n=80, window=10, horizon=horizon, n_features=n_features)
    f = RNNForecaster(**FAST).fit(X, y)
    assert f.window_ == 10 and f.horizon_ == horizon
    assert f.n_features_in_ == 10  # scikit-learn's count: X.shape[1]
    assert f.spec_.n_features == (1 if n_features is None else n_features)
    pred = f.predict(X[:7])
    assert pred.shape == ((7,) if horizon == 1 else (7, horizon))
    assert np.isfinite(pred).all()
    with pytest.raises(ValueError, match="windows"):
        f.predict()  # no series to continue in windows mode


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_windows_dtype_preserved(dtype):
    X, y = sine_windows(n=60, window=8, horizon=2, dtype=dtype)
    f = RNNForecaster(**FAST).fit(X, y)
    assert f.predict(X).dtype == dtype


def test_windows_learns_something():
    """A short training must beat predicting the mean on the training windows."""
    X, y = sine_windows(n=200, window=12)
    f = RNNForecaster(
        hidden_size=16, max_epochs=20, learning_rate=1e-2, batch_size=32, random_state=0
    ).fit(X, y)
    assert f.score(X, y) > 0.5


# --------------------------------------------------------------------------------------------
# partial_fit


def test_partial_fit_series_never_resets():
    y = seasonal(80)
    f = RNNForecaster(horizon=4, window=12, early_stopping=False, batch_size=16, **FAST)
    f.partial_fit(y)
    n_windows = 80 - 12 - 4 + 1
    assert f.n_iter_ == 1 and f.t_ == -(-n_windows // 16) and len(f.loss_curve_) == 1
    for k in range(2, 5):
        prev = f.params_.copy()
        prev_t = f.t_
        f.partial_fit(y)
        assert f.n_iter_ == k and len(f.loss_curve_) == k
        assert f.t_ == prev_t + -(-n_windows // 16)
        assert f.optimizer_.t == f.t_
        assert not np.array_equal(f.params_, prev)


@pytest.mark.parametrize("mode", ["series", "windows"])
def test_partial_fit_continues_from_current_state(mode):
    """fit(max_epochs=2) then partial_fit == fit(max_epochs=3), bit for bit."""
    if mode == "series":
        args = (seasonal(70),)
        kw = {"horizon": 3, "window": 12}
    else:
        args = sine_windows(n=70, window=8, horizon=2)
        kw = {}
    common = {"hidden_size": 8, "early_stopping": False, "batch_size": 16, "random_state": 3}
    a = RNNForecaster(max_epochs=3, **kw, **common).fit(*args)
    b = RNNForecaster(max_epochs=2, **kw, **common).fit(*args)
    assert not np.array_equal(a.params_, b.params_)
    b.partial_fit(*args)
    np.testing.assert_array_equal(b.params_, a.params_)
    assert b.loss_curve_ == a.loss_curve_
    assert (b.n_iter_, b.t_) == (a.n_iter_, a.t_)


def test_partial_fit_first_call_initialises_then_fit_resets():
    X, y = sine_windows(n=50, window=6)
    f = RNNForecaster(**FAST)
    assert not hasattr(f, "params_")
    f.partial_fit(X, y)
    assert f.n_iter_ == 1 and f.params_.shape == (f.spec_.n_params,)
    f.partial_fit(X, y)
    assert f.n_iter_ == 2
    f.fit(X, y)  # fit starts over
    assert f.n_iter_ == FAST["max_epochs"] and len(f.loss_curve_) == FAST["max_epochs"]


def test_predict_after_partial_fit_on_fresh_data():
    y = seasonal(60)
    f = RNNForecaster(horizon=5, window=12, **FAST).fit(y)
    fresh = seasonal(50, level=300, seed=7, start="2030-01-01")
    f.partial_fit(fresh)
    pred = f.predict()
    pd.testing.assert_index_equal(pred.index, expected_future(fresh.index, 5))
    pd.testing.assert_series_equal(pred, f.predict(fresh))
    assert_plausible(pred, fresh)


def test_partial_fit_trains_on_every_window():
    """With early_stopping=True (the default) partial_fit still learns from all fresh windows."""
    y = seasonal(150)
    f = RNNForecaster(horizon=6, window=12, batch_size=8, **FAST)
    f.partial_fit(y)
    n_windows = 150 - 12 - 6 + 1
    assert f.t_ == -(-n_windows // 8)
    assert f.validation_scores_ == []


def test_fine_tuning_on_new_series():
    """Train on one series, fine-tune with a few partial_fit passes on another level and scale."""
    horizon = 6
    settings = {"horizon": horizon, "window": 24, "hidden_size": 16, "batch_size": 16}
    rng = np.random.default_rng(0)
    t = np.arange(240)
    src = pd.Series(
        100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=240),
        index=pd.date_range("1980-01-01", periods=240, freq="MS"),
    )
    # another level, scale and shape: shifted phase, larger amplitude, a trend
    n = 200
    tt = np.arange(n)
    new = pd.Series(
        1e4 + 2000 * np.sin(2 * np.pi * tt / 12 + 1) + 30 * tt + 100 * rng.normal(size=n),
        index=pd.date_range("2000-01-01", periods=n, freq="MS"),
    )
    train, hold = new.iloc[:-horizon], new.iloc[-horizon:].to_numpy()

    base = RNNForecaster(max_epochs=30, learning_rate=1e-2, random_state=0, **settings).fit(src)
    err_before = np.mean(np.abs(base.predict(train).to_numpy() - hold))

    tuned = copy.deepcopy(base)
    for _ in range(4):
        tuned.partial_fit(train)
    err_after = np.mean(np.abs(tuned.predict().to_numpy() - hold))
    assert err_after < 0.5 * err_before
    assert tuned.n_iter_ == base.n_iter_ + 4

    # fine-tuning takes fewer optimizer steps than training from scratch (counted, not
    # timed: a wall-clock comparison of such short runs fails whenever the cores are busy)
    scratch = RNNForecaster(random_state=0, **settings).fit(train)  # default max_epochs
    assert scratch.n_iter_ > 4
    assert tuned.t_ - base.t_ < scratch.t_


# --------------------------------------------------------------------------------------------
# training


def test_training_history_without_early_stopping():
    y = seasonal(80)
    # baseline="none": the network has the whole seasonal pattern to learn (the seasonal
    # naive baseline would leave only noise, and a flat loss curve)
    f = RNNForecaster(horizon=4, window=12, hidden_size=8, max_epochs=7, early_stopping=False,
                      baseline="none", random_state=0).fit(y)  # fmt: skip
    assert f.n_iter_ == 7 and f.best_epoch_ == 7
    assert len(f.loss_curve_) == 7 and np.isfinite(f.loss_curve_).all()
    assert f.validation_scores_ == []
    assert f.loss_curve_[-1] < f.loss_curve_[0]


def noisy_series():
    return seasonal(200, noise=4.0, seed=11)


def test_early_stopping_restores_best_epoch():
    y = noisy_series()
    kw = {"horizon": 6, "window": 12, "hidden_size": 8, "learning_rate": 3e-2, "batch_size": 16,
          "n_iter_no_change": 3, "tol": 0.0, "random_state": 0}  # fmt: skip
    f = RNNForecaster(max_epochs=60, **kw).fit(y)
    assert f.n_iter_ < 60, "early stopping never triggered"
    assert 1 <= f.best_epoch_ < f.n_iter_
    assert f.n_iter_ == f.best_epoch_ + 3
    assert len(f.validation_scores_) == f.n_iter_ == len(f.loss_curve_)
    assert f.validation_scores_[f.best_epoch_ - 1] == min(f.validation_scores_)
    # the kept weights are those of the best epoch: a run cut at that epoch ends on them
    cut = RNNForecaster(max_epochs=f.best_epoch_, **kw).fit(y)
    np.testing.assert_array_equal(cut.params_, f.params_)
    pd.testing.assert_series_equal(cut.predict(), f.predict())


def test_early_stopping_restores_lowest_validation_loss_with_tol():
    y = seasonal(150)
    f = RNNForecaster(horizon=6, window=12, hidden_size=8, max_epochs=10, n_iter_no_change=4,
                      tol=0.5, random_state=0).fit(y)  # fmt: skip
    # the docstring promises "the best weights are restored"
    assert f.validation_scores_[f.best_epoch_ - 1] == min(f.validation_scores_)


def test_validation_uses_most_recent_windows(monkeypatch):
    """The hold-out is the most recent windows; no training target overlaps a validation one."""
    import tsrnn._devices

    seen = {"train": set(), "val": set()}
    real_step, real_predict = tsrnn._devices.CpuTrainer.step, tsrnn._devices.CpuTrainer.predict

    def step(self, idx):
        seen["train"].update(np.asarray(idx).tolist())
        return real_step(self, idx)

    def predict(self, idx):
        seen["val"].update(np.asarray(idx).tolist())
        return real_predict(self, idx)

    monkeypatch.setattr(tsrnn._devices.CpuTrainer, "step", step)
    monkeypatch.setattr(tsrnn._devices.CpuTrainer, "predict", predict)
    y = noisy_series()
    horizon, window = 4, 12
    f = RNNForecaster(horizon=horizon, window=window, hidden_size=8, max_epochs=2,
                      validation_fraction=0.2, random_state=0).fit(y)  # fmt: skip
    n_windows = len(y) - window - horizon + 1
    n_val = round(0.2 * n_windows)
    assert seen["val"] == set(range(n_windows - n_val, n_windows))
    assert seen["train"] == set(range(n_windows - n_val - (horizon - 1)))
    assert len(f.validation_scores_) == 2 and np.isfinite(f.validation_scores_).all()
    # too few windows for a validation set: no scores, every epoch runs
    short = RNNForecaster(horizon=horizon, window=window, hidden_size=8, max_epochs=4,
                          random_state=0).fit(y.iloc[:30])  # fmt: skip
    assert short.validation_scores_ == [] and short.n_iter_ == 4


def test_verbose(capsys):
    y = seasonal(60)
    RNNForecaster(horizon=3, window=12, verbose=0, **FAST).fit(y)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    RNNForecaster(horizon=3, window=12, verbose=1, **FAST).fit(y)
    out = capsys.readouterr()
    assert (out.out + out.err).strip() != ""


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_cells_layers_losses_dtypes(cell):
    y = seasonal(60)
    f = RNNForecaster(cell=cell, num_layers=2, loss="mae", dtype="float64", optimizer="sgd",
                      learning_rate=1e-2, horizon=3, window=12, **FAST).fit(y)  # fmt: skip
    assert f.params_.dtype == np.float64
    assert f.spec_.cell == cell and f.spec_.num_layers == 2
    assert_plausible(f.predict(), y)


# --------------------------------------------------------------------------------------------
# reproducibility


def test_same_seed_same_bits():
    y = seasonal(100)
    kw = {"horizon": 4, "window": 12, "hidden_size": 8, "max_epochs": 4, "batch_size": 16}
    a = RNNForecaster(random_state=7, **kw).fit(y)
    b = RNNForecaster(random_state=7, **kw).fit(y)
    c = RNNForecaster(random_state=8, **kw).fit(y)
    assert np.array_equal(a.params_, b.params_)
    assert np.array_equal(a.predict().to_numpy(), b.predict().to_numpy())
    assert not np.array_equal(a.params_, c.params_)
    # refitting the same estimator gives the same bits again
    a.fit(y)
    assert np.array_equal(a.params_, b.params_)


_THREAD_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from tsrnn import RNNForecaster
    from tsrnn.datasets import load_airline, load_co2, load_sunspots, load_us_gdp
    import numba
    assert numba.get_num_threads() == int(sys.argv[2])
    y = load_airline()
    f = RNNForecaster(horizon=12, hidden_size=16, max_epochs=3, batch_size=64,
                      random_state=0).fit(y)
    np.save(sys.argv[1], np.concatenate([f.params_.astype(np.float64), f.predict().to_numpy()]))
    """
)


def test_bit_identical_across_thread_counts(tmp_path):
    procs = {}
    for threads in (1, 2):
        env = {**os.environ, "NUMBA_NUM_THREADS": str(threads)}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
        out = tmp_path / f"t{threads}.npy"
        cmd = [sys.executable, "-c", _THREAD_SCRIPT, str(out), str(threads)]
        procs[threads] = (subprocess.Popen(cmd, env=env, cwd=ROOT, stderr=subprocess.PIPE), out)
    results = {}
    for threads, (proc, out) in procs.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        results[threads] = np.load(out)
    assert np.array_equal(results[1], results[2])


# --------------------------------------------------------------------------------------------
# defaults


def test_auto_window():
    y = load_airline()
    f = RNNForecaster(horizon=12, hidden_size=8, max_epochs=1, random_state=0).fit(y)
    assert f.window_ == 24  # two yearly cycles of monthly data
    # a short series caps the window so that training windows remain
    g = RNNForecaster(horizon=12, hidden_size=8, max_epochs=1, random_state=0).fit(y.iloc[:40])
    assert g.window_ + g.horizon_ < 40
    # quarterly data: two cycles of 4, at least twice the horizon
    q = seasonal(80, freq="QS")
    h = RNNForecaster(horizon=2, hidden_size=8, max_epochs=1, random_state=0).fit(q)
    assert h.window_ == 8


@pytest.mark.parametrize(
    "loader, window",
    [(load_airline, 24), (load_co2, 104), (load_sunspots, 8), (load_us_gdp, 8)],
)
def test_embedded_datasets(loader, window):
    y = loader()
    f = RNNForecaster(horizon=4, hidden_size=8, max_epochs=1, random_state=0).fit(y)
    assert f.window_ == window  # two seasonal cycles, at least 8
    pred = f.predict()
    pd.testing.assert_index_equal(pred.index, expected_future(y.index, 4))
    assert pred.index.freq == y.index.freq
    assert_plausible(pred, y)


def test_airline_defaults_are_plausible_and_fast():
    y = load_airline()
    RNNForecaster(horizon=12, max_epochs=1).fit(y)  # warm up the compiled kernels
    pred = RNNForecaster(horizon=12, random_state=0).fit(y).predict()
    assert pred.index[0] == pd.Timestamp("1961-01-01") and len(pred) == 12
    assert np.isfinite(pred).all()
    assert ((pred > 300) & (pred < 700)).all(), pred
    long = seasonal(200)
    start = time.perf_counter()
    RNNForecaster(horizon=12).fit(long)
    assert time.perf_counter() - start < 5.0


def test_seasonal_period_for_integer_indexed_data():
    """Without dates, the seasonal period can be given: it sets the baseline and the window."""
    t = np.arange(400)
    y = 10 + np.sin(2 * np.pi * t / 24) + 0.01 * np.random.default_rng(0).normal(size=400)
    plain = RNNForecaster(horizon=24, hidden_size=8, max_epochs=1, random_state=0).fit(y)
    assert plain.baseline_period_ == 1 and plain.window_ == 48
    daily = RNNForecaster(horizon=24, hidden_size=8, max_epochs=1, seasonal_period=24,
                          random_state=0).fit(y)  # fmt: skip
    assert daily.baseline_period_ == 24 and daily.window_ == 48
    # the untrained head forecasts the seasonal naive baseline: the last cycle repeated
    assert np.abs(daily.predict() - y[-24:]).max() < 0.2
    weekly = RNNForecaster(horizon=4, hidden_size=8, max_epochs=1, seasonal_period=52,
                           random_state=0).fit(y)  # fmt: skip
    assert weekly.window_ == 104 and weekly.baseline_period_ == 52


def test_log_target_transform(tmp_path):
    """target_transform="log" models log(1 + y): multiplicative seasonality, forecasts >= 0."""
    t = np.arange(240)
    index = pd.date_range("2024-01-01", periods=240, freq="h")
    # a daily cycle whose swing grows with the level, dropping close to zero each night
    level = np.exp(np.linspace(1, 4, 240))
    y = pd.Series(level * (1.05 + np.sin(2 * np.pi * t / 24)), index=index)
    # two short epochs at a small learning rate: the head stays close to its start
    kw = dict(horizon=24, hidden_size=8, max_epochs=2, learning_rate=1e-3, random_state=0)
    f = RNNForecaster(target_transform="log", **kw).fit(y)
    # the untrained head forecasts the seasonal naive baseline of the log values: the last
    # day again, back in the data's units
    np.testing.assert_allclose(f.predict().to_numpy(), y[-24:].to_numpy(), rtol=0.05)
    np.testing.assert_allclose(f.predict(y[:200]).to_numpy(), y[176:200].to_numpy(), rtol=0.05)
    assert (f.predict_quantiles(quantiles=(0.05, 0.5, 0.95)).to_numpy() >= 0).all()
    f.save(tmp_path / "m.tsrnn")
    np.testing.assert_array_equal(RNNForecaster.load(tmp_path / "m.tsrnn").predict(), f.predict())
    before = copy.deepcopy(f.params_)
    with pytest.raises(ValueError, match="needs values >= 0.*2024-01-01 05:00"):
        f.partial_fit(y.where(t != 5, -1.0))
    np.testing.assert_array_equal(f.params_, before)
    with pytest.raises(ValueError, match="TransformedTargetRegressor"):
        RNNForecaster(target_transform="log").fit(np.ones((20, 4)), np.ones(20))


def test_max_windows_per_epoch_samples_each_epoch():
    y = load_airline()
    kw = dict(horizon=12, hidden_size=8, batch_size=16, max_epochs=3, early_stopping=False,
              random_state=0)  # fmt: skip
    full = RNNForecaster(**kw).fit(y)
    sampled = RNNForecaster(max_windows_per_epoch=40, **kw).fit(y)
    n_windows = len(y) - full.window_ - 12 + 1
    assert full.t_ == 3 * -(-n_windows // 16)
    assert sampled.t_ == 3 * -(-40 // 16)  # 40 windows an epoch: 3 batches
    again = RNNForecaster(max_windows_per_epoch=40, **kw).fit(y)
    np.testing.assert_array_equal(again.params_, sampled.params_)
    sampled.partial_fit(y)
    assert sampled.t_ == 4 * 3
    assert np.isfinite(sampled.predict()).all()


def test_ema_momentum_zero_is_no_averaging_and_averaging_changes_the_fit(tmp_path):
    y = noisy_series()
    kw = dict(horizon=4, window=12, hidden_size=8, max_epochs=6, random_state=0)
    plain = RNNForecaster(**kw).fit(y)
    zero = RNNForecaster(ema_momentum=0.0, **kw).fit(y)
    np.testing.assert_array_equal(zero.params_, plain.params_)
    avg = RNNForecaster(ema_momentum=0.9, **kw).fit(y)
    assert not np.array_equal(avg.params_, plain.params_)
    assert np.isfinite(avg.validation_scores_).all()
    assert avg.validation_scores_[avg.best_epoch_ - 1] == min(avg.validation_scores_)
    # saved and loaded with its setting; fine-tuning goes on from the averaged weights
    avg.save(tmp_path / "m.tsrnn")
    back = RNNForecaster.load(tmp_path / "m.tsrnn")
    assert back.ema_momentum == 0.9
    pd.testing.assert_series_equal(back.predict(), avg.predict())
    before = back.params_.copy()
    back.partial_fit(y)
    assert np.isfinite(back.params_).all() and not np.array_equal(back.params_, before)


def test_linear_lags_copy_a_pattern_the_recurrent_state_forgets():
    """A pattern that repeats every window: the shortcut reads its values a period back."""
    rng = np.random.default_rng(0)
    y = pd.Series(np.tile(rng.normal(size=48), 12) + rng.normal(0, 0.02, 576))
    kw = dict(horizon=12, window=48, baseline="none", hidden_size=8, max_epochs=20,
              learning_rate=1e-2, random_state=0)  # fmt: skip
    errors = {}
    for lags in (None, 48):
        est = RNNForecaster(linear_lags=lags, **kw).fit(y[:-12])
        errors[lags] = np.abs(est.predict().to_numpy() - y[-12:].to_numpy()).mean()
    assert errors[48] < 0.3 * errors[None]


def test_linear_lags_in_every_mode(tmp_path):
    y = noisy_series()
    est = RNNForecaster(horizon=4, window=12, linear_lags=6, **FAST).fit(y)
    assert est.linear_lags_ == 6 and est.spec_.n_head_features == 6
    assert RNNForecaster(horizon=4, window=12, **FAST).fit(y).linear_lags_ == 0
    est.save(tmp_path / "m.tsrnn")
    back = RNNForecaster.load(tmp_path / "m.tsrnn")
    assert back.linear_lags_ == 6
    pd.testing.assert_series_equal(back.predict(), est.predict())
    # fine-tuning keeps the fitted number of lags, whatever the parameter says now
    back.set_params(linear_lags=3).partial_fit(y)
    assert back.linear_lags_ == 6 and np.isfinite(back.predict()).all()
    # after covariates in the head
    idx = pd.date_range("2020-01-01", periods=200, freq="h")
    hourly = pd.Series(np.sin(np.arange(200) * 2 * np.pi / 24) + 5, index=idx)
    cal = RNNForecaster(horizon=6, window=24, calendar_features=True, **FAST).fit(hourly)
    both = RNNForecaster(horizon=6, window=24, calendar_features=True, linear_lags=24,
                         **FAST).fit(hourly)  # fmt: skip
    assert both.spec_.n_head_features == cal.spec_.n_head_features + 24
    assert both.predict().shape == (6,)
    # windows mode: the last values of feature 0, the target
    X, t = sine_windows(n_features=3, horizon=2)
    est = RNNForecaster(linear_lags=4, **FAST).fit(X, t)
    assert est.spec_.n_head_features == 4 and est.predict(X).shape == t.shape


def test_linear_lags_longer_than_the_window_is_refused():
    with pytest.raises(ValueError, match="linear_lags=13 is longer than the window"):
        RNNForecaster(horizon=4, window=12, linear_lags=13, **FAST).fit(noisy_series())


def test_too_few_windows_for_a_validation_split_trains_and_says_so():
    """Horizon 48 on the 144 airline months leaves no window to hold out: training runs
    without early stopping, warns that it did, and forecasts (a crash before)."""
    y = load_airline()
    f = RNNForecaster(horizon=48, hidden_size=4, max_epochs=3, random_state=0)
    with pytest.warns(UserWarning, match="no windows could be held out"):
        f.fit(y)
    assert f.validation_scores_ == [] and f.n_iter_ == 3
    pred = f.predict()
    assert len(pred) == 48 and np.isfinite(pred).all()
    with pytest.warns(UserWarning, match="trained on"):
        iv = f.predict_interval(coverage=0.8)
    assert np.isfinite(iv.to_numpy()).all()
    # without early stopping nothing was asked that could not be done: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RNNForecaster(horizon=48, hidden_size=4, max_epochs=2, early_stopping=False,
                      random_state=0).fit(y)  # fmt: skip


def test_transform_and_calendar_are_fixed_by_fit():
    """set_params after fit changes nothing until the next fit: predict, partial_fit and
    predict(history) keep the transform and the calendar features of the fit."""
    y = load_airline()
    f = RNNForecaster(horizon=6, hidden_size=4, max_epochs=2, target_transform="log",
                      calendar_features=True, random_state=0).fit(y[:-12])  # fmt: skip
    assert f.target_transform_ == "log" and f.calendar_features_ is True
    before = f.predict()
    before_history = f.predict(y[:-6])
    f.set_params(target_transform=None, calendar_features=False)
    pd.testing.assert_series_equal(f.predict(), before)
    pd.testing.assert_series_equal(f.predict(y[:-6]), before_history)
    f.partial_fit(y)  # the network still gets its calendar inputs
    assert f.target_transform_ == "log" and f.calendar_features_ is True
    assert np.isfinite(f.predict()).all()
    f.fit(y)  # a new fit takes the new parameters
    assert f.target_transform_ is None and f.calendar_features_ is False


def test_windows_mode_refuses_series_mode_options():
    X, y = np.random.default_rng(0).standard_normal((40, 6)), np.arange(40.0)
    for option in ({"target_transform": "log"}, {"calendar_features": True}):
        with pytest.raises(ValueError, match="series mode"):
            RNNForecaster(max_epochs=1, **option).fit(X, y)
