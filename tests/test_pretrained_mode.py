"""Pretrained mode: the base network's inputs, its training windows, zero-shot forecasts of
any layout and frequency, and fine-tuning a base model (``init``)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from tsrnn import RNNForecaster, _data, _network, _pretrained_mode, _trainer
from tsrnn._data import scale_windows
from tsrnn._pretrain import LEVELS, load_base
from tsrnn._pretrained_mode import (
    MAX_WINDOWS_PER_SERIES,
    TARGET_CLIP,
    PretrainedMode,
    base_inputs,
    baseline,
    training_windows,
)

WINDOW, STEP = 16, 4  # the tiny base model's (conftest.TINY_BASE)


def reference_inputs(contexts, periods, window):
    """``base_inputs`` as a plain loop: each context's last ``window`` values, scaled by the
    mean and standard deviation of those real values, right-aligned after zeros."""
    n = len(contexts)
    X, loc, scale = np.zeros((n, window, 4)), np.zeros(n), np.zeros(n)
    period = np.ones(n, dtype=np.int64)
    for i, c in enumerate(contexts):
        real = np.asarray(c, dtype=np.float64)[-window:]
        k = len(real)
        loc[i], scale[i] = real.mean(), real.std()
        for t in range(k):
            X[i, window - k + t, 0] = (real[t] - loc[i]) / scale[i]
            X[i, window - k + t, 1] = 1.0
        if periods[i] > 1:
            for t in range(window):
                X[i, t, 2] = np.sin(2 * np.pi * (t - window) / periods[i])
                X[i, t, 3] = np.cos(2 * np.pi * (t - window) / periods[i])
            if periods[i] <= k:
                period[i] = periods[i]
    return X, loc, scale, period


def wavy(n, seed=0, level=10.0, period=7):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level + np.sin(2 * np.pi * t / period) + 0.1 * rng.normal(size=n)


# ---------------------------------------------------------------------------------------------
# base_inputs and baseline


def test_base_inputs_match_a_loop_for_contexts_of_any_length():
    rng = np.random.default_rng(0)
    lengths = [1 + 1, 3, 7, 16, 40]
    contexts = [5 + rng.normal(size=k) for k in lengths]
    periods = np.array([1, 12, 4, 7, 24])
    got = base_inputs(contexts, periods, 16)
    want = reference_inputs(contexts, periods, 16)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got[3], [1, 1, 4, 7, 1])


def test_base_inputs_of_a_full_window_scale_as_scale_windows():
    rng = np.random.default_rng(1)
    contexts = [rng.normal(size=40) * 1e3 + 7, rng.normal(size=16), np.full(16, 3.0)]
    X, loc, scale, _ = base_inputs(contexts, np.array([1, 1, 1]), 16)
    Xs, _, loc_s, scale_s = scale_windows(np.stack([c[-16:] for c in contexts]))
    np.testing.assert_array_equal(X[:, :, 0], Xs)
    np.testing.assert_array_equal(loc, loc_s)
    np.testing.assert_array_equal(scale, scale_s)
    np.testing.assert_array_equal(X[:, :, 1], 1.0)


def test_base_inputs_pad_short_contexts_with_zeros_and_mask_them():
    X, _, _, _ = base_inputs([np.array([1.0, 2.0, 4.0])], np.array([1]), 8)
    np.testing.assert_array_equal(X[0, :5, 0], 0.0)
    np.testing.assert_array_equal(X[0, :, 1], [0, 0, 0, 0, 0, 1, 1, 1])
    assert np.all(X[0, 5:, 0] != 0)
    np.testing.assert_allclose(X[0, 5:, 0].mean(), 0.0, atol=1e-15)
    np.testing.assert_allclose(X[0, 5:, 0].std(), 1.0)


def test_base_inputs_clock_is_zero_without_a_season():
    X, _, _, period = base_inputs([np.arange(20.0)], np.array([1]), 16)
    np.testing.assert_array_equal(X[0, :, 2:], 0.0)
    assert period[0] == 1
    X, _, _, _ = base_inputs([np.arange(20.0)], np.array([4]), 16)
    # k steps before the end of the window: angle -2 pi k / 4, a whole turn every 4 steps
    np.testing.assert_allclose(X[0, -4:, 2], [0, 1, 0, -1], atol=1e-12)
    np.testing.assert_allclose(X[0, -4:, 3], [1, 0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(X[0, :4, 2:], X[0, 4:8, 2:], atol=1e-12)


def test_baseline_period_falls_back_to_one_beyond_the_real_context():
    X, _, _, period = base_inputs([np.arange(5.0), np.arange(12.0)], np.array([7, 7]), 16)
    np.testing.assert_array_equal(period, [1, 7])
    base = baseline(X, 9, period)
    # period 1: the last value; period 7: the values one season before
    np.testing.assert_array_equal(base[0], X[0, -1, 0])
    np.testing.assert_array_equal(base[1], X[1, [9, 10, 11, 12, 13, 14, 15, 9, 10], 0])


@pytest.mark.parametrize("level", [1e-12, 1.0, 1e12])
def test_base_inputs_are_the_same_at_any_level(level):
    shape = wavy(30, level=3.0)
    X1, loc1, scale1, _ = base_inputs([shape], np.array([7]), 16)
    X2, loc2, scale2, _ = base_inputs([level * shape], np.array([7]), 16)
    assert np.isfinite(X2).all()
    np.testing.assert_allclose(X2, X1, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(loc2, level * loc1, rtol=1e-12)
    np.testing.assert_allclose(scale2, level * scale1, rtol=1e-12)


@pytest.mark.parametrize("level", [0.0, 5.0, -3e8, 1e-12, 1e12])
def test_a_constant_context_scales_to_zeros_and_is_forecast_as_itself(tiny_base, level):
    X, loc, scale, _ = base_inputs([np.full(10, level)], np.array([7]), 16)
    np.testing.assert_array_equal(X[0, :, 0], 0.0)
    assert loc[0] == level and scale[0] > 0
    est = RNNForecaster.from_pretrained(tiny_base, horizon=10)
    for y in (np.full(10, level), np.full(40, level)):
        pred = est.predict(y)
        assert pred.shape == (10,)
        np.testing.assert_array_equal(pred, level)
        q = est.predict_quantiles(y, quantiles=[0.1, 0.9])
        np.testing.assert_array_equal(q, level)


def test_the_shipped_base_model_forecasts_extreme_levels_alike():
    est = RNNForecaster.from_pretrained(horizon=8)
    y = wavy(300, period=12)
    pred = est.predict(y)
    for level in (1e-12, 1e12):
        np.testing.assert_allclose(est.predict(level * y) / level, pred, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# training windows


def test_training_targets_are_the_scaled_future_minus_the_baseline():
    y = wavy(60)
    X, Y, series, end = training_windows([y], np.array([7]), 16, 5, [np.array([20, 55])])
    np.testing.assert_array_equal(series, [0, 0])
    np.testing.assert_array_equal(end, [20, 55])
    context, future = y[4:20], y[20:25]
    loc, scale = context.mean(), context.std()
    season = (context[-7:] - loc) / scale
    want = (future - loc) / scale - season[:5]
    np.testing.assert_allclose(Y[0], want, rtol=1e-10)
    np.testing.assert_allclose(X[0, :, 0], (context - loc) / scale, rtol=1e-10, atol=1e-12)


def test_training_targets_are_clipped():
    context = 1.0 + 1e-3 * (np.arange(16) % 2)  # a spread of 5e-4
    y = np.r_[context, 100.0, -100.0, 1.0005]
    _, Y, _, _ = training_windows([y], np.array([1]), 16, 3, [np.array([16])])
    np.testing.assert_array_equal(Y[0, :2], [TARGET_CLIP, -TARGET_CLIP])
    assert abs(Y[0, 2]) < 2


def test_training_set_takes_the_most_recent_windows_up_to_the_series_end(tiny_base,
                                                                         monkeypatch):
    monkeypatch.setattr(_pretrained_mode, "MIN_TRAINING_WINDOWS", 0)  # the per-series cap
    base = load_base(tiny_base)
    mode = PretrainedMode(base)
    state = base._states()[1]
    y = pd.DataFrame({"long": wavy(1000), "short": np.r_[np.full(990, np.nan), wavy(10)]},
                     index=pd.date_range("2000-01-01", periods=1000, freq="h"))  # fmt: skip
    data, new_state = mode.training_set(y, None, None, state)
    counts = np.bincount(data.series, minlength=2)
    assert 32 < counts[0] <= MAX_WINDOWS_PER_SERIES
    assert counts[1] == 1  # 10 values: one window, the context all but the horizon
    ends = data.end[data.series == 0]
    assert ends.max() == 1000 - STEP and np.all(np.diff(np.sort(ends)) > 0)
    assert data.end[data.series == 1][0] == 10 - STEP
    assert data.X.shape[1:] == (WINDOW, 4) and data.Y.shape[1] == STEP
    assert np.abs(data.Y).max() <= TARGET_CLIP
    assert new_state.series_ids_ == ["long", "short"]


def test_few_series_give_more_windows_each(tiny_base, monkeypatch):
    monkeypatch.setattr(_pretrained_mode, "MIN_TRAINING_WINDOWS", 600)
    base = load_base(tiny_base)
    state = base._states()[1]
    mode = PretrainedMode(base)
    one, _ = mode.training_set(wavy(1000), None, None, state)
    assert 300 < len(one.end) <= 600 and one.end.max() == 1000 - STEP
    # with many series each keeps at most MAX_WINDOWS_PER_SERIES
    many, _ = mode.training_set(np.stack([wavy(1000, seed=k) for k in range(20)], axis=1),
                                None, None, state)  # fmt: skip
    assert np.bincount(many.series).max() <= MAX_WINDOWS_PER_SERIES


def test_training_set_of_too_short_series_names_the_need(tiny_base):
    base = load_base(tiny_base)
    with pytest.raises(ValueError, match=f"needs {STEP + 1} values"):
        PretrainedMode(base).training_set(np.arange(float(STEP)), None, None, base._states()[1])
    est = RNNForecaster.from_pretrained(tiny_base)
    with pytest.raises(ValueError, match=f"needs {STEP + 1} values"):
        est.partial_fit(np.arange(float(STEP)))


# ---------------------------------------------------------------------------------------------
# zero-shot forecasts


def test_forecasts_a_series_of_any_frequency_on_its_future_index(tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base, horizon=6)
    for freq in ("D", "h", "MS", "15min"):
        idx = pd.date_range("2001-01-01", periods=50, freq=freq)
        pred = est.predict(pd.Series(wavy(50), index=idx, name="sales"))
        assert isinstance(pred, pd.Series) and pred.name == "sales"
        pd.testing.assert_index_equal(
            pred.index, pd.date_range(idx[-1], periods=7, freq=freq)[1:], check_names=False
        )
        assert np.isfinite(pred).all()


def test_forecasts_wide_long_and_array_layouts_alike(tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base, horizon=5)
    idx = pd.date_range("2020-01-01", periods=40, freq="W-SUN")
    wide = pd.DataFrame({"a": wavy(40), "b": wavy(40, seed=1, level=300.0)}, index=idx)
    long = wide.reset_index(names="ds").melt("ds", var_name="unique_id", value_name="y")
    out_wide = est.predict(wide)
    out_long = est.predict(long)
    assert list(out_wide.columns) == ["a", "b"] and len(out_wide) == 5
    assert out_wide.index[0] == idx[-1] + idx.freq
    assert list(out_long.columns) == ["unique_id", "ds", "y"] and len(out_long) == 10
    for sid in "ab":
        np.testing.assert_allclose(out_long.loc[out_long.unique_id == sid, "y"], out_wide[sid],
                                   rtol=1e-12)  # fmt: skip
    one = est.predict(wide["a"].to_numpy())
    both = est.predict(wide.to_numpy())
    assert one.shape == (5,) and both.shape == (5, 2)
    # an array has no frequency: no season, unlike the weekly frame
    np.testing.assert_allclose(both[:, 0], one, rtol=1e-9)
    np.testing.assert_allclose(est.predict(pd.Series(wide["a"].to_numpy())), one, rtol=1e-12)


def test_a_series_shorter_than_the_window_is_forecast(tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base, horizon=3)
    y = pd.Series(wavy(5), index=pd.date_range("2020-01-01", periods=5, freq="D"))
    pred = est.predict(y)
    assert len(pred) == 3 and np.isfinite(pred).all()
    # the padding is what the network sees before the first value: none beyond it counts
    longer = pd.concat([pd.Series([1e6], index=[y.index[0] - y.index.freq]), y])
    assert not np.allclose(est.predict(longer), pred)


def test_horizon_beyond_the_network_is_forecast_recursively(tiny_base):
    y = pd.Series(wavy(60), index=pd.date_range("2020-01-01", periods=60, freq="D"))
    one_shot = RNNForecaster.from_pretrained(tiny_base)
    assert one_shot.horizon_ == one_shot.network_horizon_ == STEP
    first = one_shot.predict(y)
    est = RNNForecaster.from_pretrained(tiny_base, horizon=3 * STEP - 1)
    pred = est.predict(y)
    assert len(pred) == 3 * STEP - 1 and pred.index[0] == y.index[-1] + y.index.freq
    np.testing.assert_array_equal(pred.iloc[:STEP], first)
    # the next steps: a forecast from the history with the median forecast appended
    np.testing.assert_allclose(pred.iloc[STEP : 2 * STEP], one_shot.predict(pd.concat([y, first])),
                               rtol=1e-12)  # fmt: skip


def test_quantiles_are_sorted_and_their_median_is_the_forecast(tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base, horizon=2 * STEP)
    y = pd.Series(wavy(40), index=pd.date_range("2020-01-01", periods=40, freq="h"))
    q = est.predict_quantiles(y, quantiles=LEVELS)
    assert list(q.columns) == list(LEVELS) and len(q) == 2 * STEP
    assert np.all(np.diff(q.to_numpy(), axis=1) >= 0)
    np.testing.assert_array_equal(q[0.5], est.predict(y))
    lo_hi = est.predict_interval(y, coverage=0.8)
    np.testing.assert_array_equal(lo_hi["lower"], q[0.1])


def test_predict_without_a_series_before_any_series_says_so(tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base)
    with pytest.raises(ValueError, match="no series of its own yet"):
        est.predict()


@pytest.mark.parametrize("params", [{"horizon": -3}, {"horizon": 2.5}, {"seasonal_period": 0},
                                    {"learning_rate": "fast"}])  # fmt: skip
def test_from_pretrained_checks_its_parameters(tiny_base, params):
    with pytest.raises(ValueError, match=f"The '{next(iter(params))}' parameter"):
        RNNForecaster.from_pretrained(tiny_base, **params)


def test_covariates_are_refused(tiny_base):
    y = pd.Series(wavy(40), index=pd.date_range("2020-01-01", periods=40, freq="D"))
    cov = pd.DataFrame({"x": np.arange(50.0)},
                       index=pd.date_range("2020-01-01", periods=50, freq="D"))  # fmt: skip
    est = RNNForecaster.from_pretrained(tiny_base)
    with pytest.raises(ValueError, match="reads no covariates"):
        est.predict(y, covariates=cov)
    with pytest.raises(ValueError, match="reads no covariates"):
        RNNForecaster(init=tiny_base, max_epochs=1).fit(y, covariates=cov)


# ---------------------------------------------------------------------------------------------
# fine-tuning


def test_partial_fit_then_predict_continues_after_the_series(tiny_base):
    y = pd.Series(wavy(80), index=pd.date_range("2020-01-01", periods=80, freq="D"))
    est = RNNForecaster.from_pretrained(tiny_base, horizon=6, random_state=0)
    base_params = est.params_.copy()
    est.partial_fit(y)
    assert not np.array_equal(est.params_, base_params)
    pred = est.predict()
    assert pred.index[0] == y.index[-1] + y.index.freq and len(pred) == 6
    np.testing.assert_array_equal(pred, est.predict(y))
    est.partial_fit(y.iloc[-30:])  # windows of a recent piece only
    assert est._mode == "pretrained" and np.isfinite(est.predict()).all()


def test_a_first_partial_fit_with_init_starts_from_the_base_model(tiny_base):
    y = pd.Series(wavy(80), index=pd.date_range("2020-01-01", periods=80, freq="D"))
    base = load_base(tiny_base)
    est = RNNForecaster(init=tiny_base, horizon=6, learning_rate=1e-6, random_state=0)
    est.partial_fit(y)
    assert est._mode == "pretrained" and est.window_ == WINDOW and est.n_iter_ == 1
    assert est.params_.shape == base.params_.shape
    np.testing.assert_allclose(est.params_, base.params_, atol=1e-4)
    assert not np.array_equal(est.params_, base.params_)
    assert est.predict().index[0] == y.index[-1] + y.index.freq


def held_out_scores(path, base, tuned, y):
    """Pinball loss of the base and the fine-tuned network on the windows ``fit`` held out."""
    data, _ = PretrainedMode(tuned).training_set(y, None, None, base._states()[1])
    _, val = _trainer.validation_split(data.end, data.series, data.Y.shape[1],
                                       fraction=tuned.validation_fraction,
                                       early_stopping=True, max_epochs=1)  # fmt: skip
    X = np.ascontiguousarray(data.X[val], dtype=np.float32)
    Y = np.repeat(data.Y[val], len(LEVELS), axis=1)
    levels = np.tile(LEVELS, STEP)
    return [_trainer.validation_loss(_network.forward(m.params_, X, m.spec_), Y, levels, "mse")
            for m in (base, tuned)]  # fmt: skip


def test_fine_tuning_that_only_hurts_keeps_the_base_weights(tiny_base):
    y = pd.Series(wavy(400), index=pd.date_range("2020-01-01", periods=400, freq="D"))
    base = load_base(tiny_base)
    est = RNNForecaster(init=tiny_base, horizon=STEP, max_epochs=3, learning_rate=50.0,
                        random_state=0).fit(y)  # fmt: skip
    assert est._mode == "pretrained" and len(est.validation_scores_) >= 1
    assert est.best_epoch_ == 0
    np.testing.assert_array_equal(est.params_, base.params_)
    np.testing.assert_array_equal(est.predict(), base.predict(y))
    zero_shot, tuned = held_out_scores(tiny_base, base, est, y)
    assert tuned == zero_shot
    assert min(est.validation_scores_) > zero_shot


def test_fine_tuning_is_never_worse_than_zero_shot_on_the_held_out_windows(tiny_base):
    y = pd.Series(wavy(400), index=pd.date_range("2020-01-01", periods=400, freq="D"))
    base = load_base(tiny_base)
    est = RNNForecaster(init=tiny_base, horizon=STEP, max_epochs=4, learning_rate=1e-2,
                        random_state=0).fit(y)  # fmt: skip
    zero_shot, tuned = held_out_scores(tiny_base, base, est, y)
    assert tuned <= zero_shot
    if est.best_epoch_ > 0:
        assert tuned < zero_shot
        np.testing.assert_allclose(tuned, est.validation_scores_[est.best_epoch_ - 1],
                                   rtol=1e-5)  # fmt: skip


def test_clone_of_a_base_model_keeps_init_and_fine_tunes(tiny_base):
    est = RNNForecaster.from_pretrained(tiny_base, horizon=3, max_epochs=1, random_state=0)
    twin = clone(est)
    assert twin.init == tiny_base and twin.horizon == 3 and not hasattr(twin, "params_")
    y = pd.Series(wavy(100), index=pd.date_range("2020-01-01", periods=100, freq="D"))
    twin.fit(y)
    assert twin._mode == "pretrained" and twin.window_ == WINDOW
    assert twin.predict().shape == (3,)


def forecast_error(est, X_test, y_test=None):
    """Score of a series-mode split: the forecast after the training part against the test
    part (the next ``horizon`` values)."""
    return -float(np.mean(np.abs(est.predict() - X_test)))


def test_grid_search_over_the_fine_tuning_learning_rate(tiny_base):
    X = wavy(120)[:, None]  # one series; each split fine-tunes on a prefix
    search = GridSearchCV(
        RNNForecaster(init=tiny_base, horizon=STEP, max_epochs=2, random_state=0),
        {"learning_rate": [1e-4, 1e-2]},
        cv=TimeSeriesSplit(n_splits=2, test_size=STEP),
        scoring=forecast_error,
    )
    search.fit(X)
    assert search.best_params_["learning_rate"] in (1e-4, 1e-2)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    assert best._mode == "pretrained" and best.init == tiny_base
    train, test = list(TimeSeriesSplit(n_splits=2, test_size=STEP).split(X))[-1]
    manual = clone(best).fit(X[train])
    assert search.cv_results_["split1_test_score"][search.best_index_] == pytest.approx(
        forecast_error(manual, X[test]), rel=1e-12
    )
    assert best.predict().shape == (STEP, 1)


def test_windows_mode_ignores_init(tiny_base):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(60, 6)), rng.normal(size=(60, 2))
    est = RNNForecaster(init=tiny_base, hidden_size=4, max_epochs=1, random_state=0).fit(X, Y)
    scratch = RNNForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(X, Y)
    assert est._mode == "windows" and est.spec_.hidden_size == 4
    np.testing.assert_array_equal(est.predict(X), scratch.predict(X))


def test_the_shipped_base_model_beats_seasonal_naive_on_series_like_its_training_data():
    from tsrnn.synthetic import SyntheticSeries

    # a seed the pretraining never drew from (it used seeds 0 and 1)
    batch = SyntheticSeries(length=256 + 24, frequencies=["h", "D", "MS"],
                            random_state=12345).sample(300)  # fmt: skip
    errors = {"base": [], "seasonal naive": []}
    for freq in ("h", "D", "MS"):
        rows = batch.freq == freq
        history, future = batch.values[rows, :256], batch.values[rows, 256:]
        period = int(batch.season_length[rows][0])
        base = RNNForecaster.from_pretrained(horizon=24, seasonal_period=period)
        forecast = base.predict(history.T).T
        naive = np.tile(history[:, -period:], (1, -(-24 // period)))[:, :24]
        scale = history.std(axis=1, keepdims=True) + 1e-12
        errors["base"].append(np.abs(forecast - future) / scale)
        errors["seasonal naive"].append(np.abs(naive - future) / scale)
    base_mae = np.mean(np.concatenate(errors["base"]))
    naive_mae = np.mean(np.concatenate(errors["seasonal naive"]))
    assert base_mae < 0.9 * naive_mae, (base_mae, naive_mae)


def test_fine_tuning_lowers_the_validation_error(tiny_base):
    # a 5-day cycle read at the weekly period: the seasonal-naive baseline the base model
    # corrects is wrong, and fine-tuning learns the correction
    profile = np.array([0.0, 5.0, 1.0, 9.0, 2.0])
    t = np.arange(700)
    y = pd.Series(profile[t % 5] + 0.05 * np.random.default_rng(0).normal(size=700),
                  index=pd.date_range("2020-01-01", periods=700, freq="D"))  # fmt: skip
    params = dict(init=tiny_base, horizon=4, seasonal_period=7, random_state=0)
    tuned = RNNForecaster(learning_rate=1e-2, max_epochs=15, n_iter_no_change=15,
                          **params).fit(y)  # fmt: skip
    # the base weights' score on the same held-out windows: a step too small to move them
    frozen = RNNForecaster(learning_rate=1e-12, max_epochs=1, **params).fit(y)
    assert tuned.best_epoch_ > 0
    assert min(tuned.validation_scores_) < 0.85 * frozen.validation_scores_[0]


def test_a_cycle_the_calendar_does_not_give_is_found_in_each_series():
    # yearly series (no calendar period) with cycles of 11 and 6 years: each is read at its
    # own period, found in its values, and continued; seasonal_period=1 reads them without
    rng = np.random.default_rng(0)
    t = np.arange(150 + 12)
    truth = np.stack([50 + 40 * np.sin(2 * np.pi * t / p) + 4 * rng.normal(size=len(t))
                      for p in (11, 6)])  # fmt: skip
    index = pd.date_range("1800-01-01", periods=150, freq="YS")
    y = pd.DataFrame(truth[:, :150].T, index=index, columns=["eleven", "six"])
    base = RNNForecaster.from_pretrained(horizon=12)
    assert list(PretrainedMode(base)._periods(_data.check_series(y), 256)) == [11, 6]
    detected = base.predict(y).to_numpy().T
    flat = RNNForecaster.from_pretrained(horizon=12, seasonal_period=1).predict(y).to_numpy().T
    error = np.abs(detected - truth[:, 150:]).mean(axis=1)
    error_flat = np.abs(flat - truth[:, 150:]).mean(axis=1)
    assert np.all(error < 0.5 * error_flat), (error, error_flat)


def test_a_forecast_averages_the_forecasts_of_the_whole_and_the_half_context(tiny_base,
                                                                            monkeypatch):
    import tsrnn._pretrained_mode as pm

    y = wavy(60, period=5)
    both = RNNForecaster.from_pretrained(tiny_base, horizon=STEP).predict_quantiles(
        y, quantiles=(0.1, 0.5, 0.9))  # fmt: skip
    monkeypatch.setattr(pm, "CONTEXT_FRACTIONS", (1.0,))
    whole = RNNForecaster.from_pretrained(tiny_base, horizon=STEP)
    half = RNNForecaster.from_pretrained(tiny_base, horizon=STEP)
    half.window_ = WINDOW // 2
    parts = [m.predict_quantiles(y, quantiles=(0.1, 0.5, 0.9)) for m in (whole, half)]
    np.testing.assert_allclose(both, (parts[0] + parts[1]) / 2, rtol=1e-6)
    assert not np.allclose(parts[0], parts[1])


def test_a_series_without_negative_values_is_not_forecast_below_its_lowest_value():
    # a spiky activity profile at a base load of 10 most of the day: the correction to the
    # seasonal naive forecast can undershoot at night, but the forecast stops at the base load
    t = np.arange(24 * 20)
    day = np.where((t % 24 >= 9) & (t % 24 < 12), 100.0, 0.0)
    y = 10.0 + day * (1 + 0.3 * np.random.default_rng(0).normal(size=len(t))) ** 2
    q = RNNForecaster.from_pretrained(horizon=48).predict_quantiles(y, quantiles=(0.1, 0.5))
    assert q.min() >= 10.0 and np.isclose(q.min(), 10.0)
    shifted = RNNForecaster.from_pretrained(horizon=48).predict_quantiles(y - 11.0,
                                                                          quantiles=(0.1, 0.5))
    assert shifted.min() < -1.0  # a series with negative values is not clipped


@pytest.mark.parametrize(("rule", "expected"), [
    ("window", [3.0, 1.0, 0.0]),  # the last 2 values: the second series' are not negative
    ("zero", [0.0, -np.inf, 0.0]),
    ("series", [1.0, -np.inf, 0.0]),
    ("series, any", [1.0, -2.0, 0.0]),
])  # fmt: skip
def test_forecast_floors_follow_the_rule(monkeypatch, rule, expected):
    monkeypatch.setattr(_pretrained_mode, "FLOOR", rule)
    values = [np.array([5.0, 1.0, 4.0, 3.0]), np.array([-2.0, 2.0, 1.0]), np.zeros(3)]
    floors = _pretrained_mode.forecast_floors(values, window=2)
    np.testing.assert_array_equal(floors, expected)


def test_fine_tuning_adds_the_linear_shortcut_asked_for(tiny_base):
    # a 5-day cycle read at the weekly period, as above: the value 5 steps back is the
    # forecast, which a linear shortcut over the last 10 values reads directly
    profile = np.array([0.0, 5.0, 1.0, 9.0, 2.0])
    t = np.arange(400)
    y = pd.Series(profile[t % 5] + 0.05 * np.random.default_rng(0).normal(size=400),
                  index=pd.date_range("2020-01-01", periods=400, freq="D"))  # fmt: skip
    base = RNNForecaster.from_pretrained(tiny_base, horizon=4, seasonal_period=7)
    params = dict(init=tiny_base, horizon=4, seasonal_period=7, random_state=0)
    kept = RNNForecaster(linear_lags=10, learning_rate=1e-12, max_epochs=1, **params).fit(y)
    assert kept.linear_lags_ == 10 and kept.spec_.n_head_features == 10
    # zero weights on the new inputs: the forecast is the base model's
    np.testing.assert_allclose(kept.predict(), base.predict(y), rtol=1e-6)
    tuned = RNNForecaster(linear_lags=10, learning_rate=1e-2, max_epochs=10, **params).fit(y)
    plain = RNNForecaster(learning_rate=1e-2, max_epochs=10, **params).fit(y)
    assert tuned.best_epoch_ > 0
    assert min(tuned.validation_scores_) < min(plain.validation_scores_)
    tuned.partial_fit(y.iloc[-60:])  # later calls keep the shortcut
    assert tuned.linear_lags_ == 10 and np.isfinite(tuned.predict()).all()


def test_a_shortcut_longer_than_the_shorter_context_reads_it_padded(tiny_base):
    y = pd.Series(wavy(200), index=pd.date_range("2020-01-01", periods=200, freq="D"))
    est = RNNForecaster(init=tiny_base, horizon=STEP, linear_lags=WINDOW, max_epochs=2,
                        learning_rate=1e-2, random_state=0).fit(y)  # fmt: skip
    short = y.iloc[-5:]  # shorter than the shortcut and both contexts
    for series in (y, short):
        assert np.isfinite(est.predict(series)).all()


def test_with_lags_pads_windows_shorter_than_the_lags_with_zeros():
    from tsrnn._base import _with_lags

    target = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_with_lags(None, target, 2), target[:, 1:])
    np.testing.assert_array_equal(_with_lags(None, target, 5),
                                  np.hstack([np.zeros((2, 2)), target]))  # fmt: skip
    Z = np.ones((2, 1))
    np.testing.assert_array_equal(_with_lags(Z, target, 1), np.hstack([Z, target[:, 2:]]))


def test_fine_tuning_for_a_shorter_horizon_trains_only_the_steps_forecast(tiny_base):
    # STEP = 4 steps per call; a horizon of 2 keeps the network's first 2 steps
    y = pd.Series(wavy(120), index=pd.date_range("2020-01-01", periods=120, freq="D"))
    base = load_base(tiny_base)
    levels = len(LEVELS)
    kept = RNNForecaster(init=tiny_base, horizon=2, learning_rate=1e-12, max_epochs=1,
                         random_state=0).fit(y)  # fmt: skip
    assert kept.network_horizon_ == 2 and kept.spec_.n_outputs == 2 * levels
    W, b = kept.spec_.unpack(kept.params_), base.spec_.unpack(base.params_)
    np.testing.assert_array_equal(W["W_out"], b["W_out"][: 2 * levels])
    np.testing.assert_array_equal(W["b_out"], b["b_out"][: 2 * levels])
    zero_shot = RNNForecaster.from_pretrained(tiny_base, horizon=2).predict(y)
    np.testing.assert_array_equal(kept.predict(), zero_shot)
    # its windows need 2 future values, not 4: the newest origin is 2 steps from the end
    data, _ = PretrainedMode(kept).training_set(y, None, None, kept._states()[1])
    assert data.end.max() == 120 - 2 and data.Y.shape[1] == 2
    # a longer horizon later is forecast recursively, 2 steps a call
    kept.set_params(horizon=5).partial_fit(y)
    assert kept.network_horizon_ == 2 and kept.predict().shape == (5,)
    # a horizon beyond the network's keeps all of it
    longer = RNNForecaster(init=tiny_base, horizon=7, max_epochs=1, random_state=0).fit(y)
    assert longer.network_horizon_ == STEP and longer.spec_.n_outputs == STEP * levels
