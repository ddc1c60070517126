"""predict_quantiles and predict_interval: layouts, no crossing, out-of-sample coverage; and
tsrnn._intervals, the errors behind a point model's intervals."""

import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster, _config, _intervals


@pytest.fixture(scope="module")
def noisy():
    rng = np.random.default_rng(1)
    n = 1400
    t = np.arange(n)
    noise = np.convolve(rng.normal(0, 1, n), [1, 0.6, 0.3], mode="same") * 2
    values = 50 + 5 * np.sin(2 * np.pi * t / 24) + noise
    return pd.Series(values, index=pd.date_range("2021-01-01", periods=n, freq="h"))


@pytest.fixture(scope="module")
def fitted(noisy):
    f = RNNForecaster(horizon=12, hidden_size=16, max_epochs=15, random_state=0)
    return f.fit(noisy[:1000])


@pytest.mark.parametrize("coverage", [0.5, 0.8, 0.9])
def test_out_of_sample_coverage(noisy, fitted, coverage):
    """Intervals cover what the model never saw, within 5 points of nominal."""
    inside = []
    for origin in range(1000, len(noisy) - 12, 6):
        iv = fitted.predict_interval(noisy[:origin], coverage=coverage)
        actual = noisy[origin : origin + 12].to_numpy()
        inside.append((actual >= iv["lower"].to_numpy()) & (actual <= iv["upper"].to_numpy()))
    assert abs(np.mean(inside) - coverage) <= 0.05


def test_quantiles_layout_and_order(fitted):
    q = fitted.predict_quantiles(quantiles=[0.9, 0.1, 0.5])
    assert list(q.columns) == [0.1, 0.5, 0.9]
    assert q.index.equals(fitted.predict().index)
    assert (np.diff(q.to_numpy(), axis=1) >= 0).all()
    # the median is the point forecast's neighbour, not something else
    np.testing.assert_allclose(q[0.5], fitted.predict(), rtol=0.05)
    iv = fitted.predict_interval(coverage=0.8)
    assert list(iv.columns) == ["lower", "upper"]
    np.testing.assert_allclose(iv["lower"], fitted.predict_quantiles(quantiles=[0.1])[0.1])


def test_pinball_trained_quantiles_never_cross():
    t = np.arange(400)
    y = pd.Series(10 + np.sin(t / 3) + np.random.default_rng(0).normal(0, 0.3, 400))
    f = RNNForecaster(horizon=4, hidden_size=8, max_epochs=5, quantiles=(0.1, 0.9),
                      random_state=0).fit(y)  # fmt: skip
    assert f.quantiles_ == [0.1, 0.5, 0.9]
    q = f.predict_quantiles(quantiles=(0.1, 0.5, 0.9))
    assert q.shape == (4, 3) and (np.diff(q.to_numpy(), axis=1) >= 0).all()
    np.testing.assert_allclose(q[0.5], f.predict())
    q25 = f.predict_quantiles(quantiles=(0.25,))[0.25]  # between the trained levels
    assert ((q[0.1] <= q25) & (q25 <= q[0.5])).all()


def test_layouts():
    idx = pd.date_range("2020-01-01", periods=120, freq="D")
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120) + 5}, index=idx)
    f = RNNForecaster(horizon=3, hidden_size=4, max_epochs=2, random_state=0).fit(wide)
    q = f.predict_quantiles(quantiles=(0.2, 0.8))
    assert list(q.columns) == [("a", 0.2), ("a", 0.8), ("b", 0.2), ("b", 0.8)]
    iv = f.predict_interval(coverage=0.6)
    assert list(iv.columns) == [("a", "lower"), ("a", "upper"), ("b", "lower"), ("b", "upper")]
    long = wide.melt(ignore_index=False, var_name="unique_id", value_name="y")
    long = long.rename_axis("ds").reset_index()
    g = RNNForecaster(horizon=3, hidden_size=4, max_epochs=2, random_state=0).fit(long)
    lq = g.predict_interval(coverage=0.6)
    assert list(lq.columns) == ["unique_id", "ds", "lower", "upper"] and len(lq) == 6
    arr = RNNForecaster(horizon=3, hidden_size=4, max_epochs=2, random_state=0)
    arr.fit(wide.to_numpy())
    assert arr.predict_quantiles(quantiles=(0.1, 0.5, 0.9)).shape == (3, 2, 3)


def test_windows_mode_quantiles():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    y = X.sum(axis=1) + rng.normal(0, 0.1, 200)
    f = RNNForecaster(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    q = f.predict_quantiles(X[:5], quantiles=(0.1, 0.9))
    assert q.shape == (5, 2) and (q[:, 0] <= q[:, 1]).all()


def test_bad_levels(fitted):
    for bad in ([0.0], [1.2], [], ["a"]):
        with pytest.raises(ValueError, match="quantiles"):
            fitted.predict_quantiles(quantiles=bad)
    with pytest.raises(ValueError, match="coverage"):
        fitted.predict_interval(coverage=1.5)


@pytest.mark.parametrize("cap", [3, 15])
def test_only_the_most_recent_errors_are_computed(monkeypatch, cap):
    """The fit and partial_fit predict only the windows whose errors are kept: the same
    errors as computing all of them and keeping the most recent."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8)).astype(np.float32)
    y = X[:, -1] + 0.1 * rng.standard_normal(60).astype(np.float32)

    def residuals(max_residuals):
        monkeypatch.setattr(_config, "MAX_INTERVAL_ERRORS", max_residuals)
        est = RNNForecaster(hidden_size=8, max_epochs=3, batch_size=16, random_state=0)
        est.fit(X[:40], y[:40])
        first = est._residuals.copy()
        est.partial_fit(X[40:], y[40:])
        return first, est._residuals

    first_all, all_errors = residuals(1000)
    first_capped, capped = residuals(cap)
    assert len(first_all) == 4 and len(all_errors) == 24  # validation rows, then 20 fresh ones
    np.testing.assert_allclose(first_capped, first_all[-cap:], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(capped, all_errors[-cap:], rtol=1e-5, atol=1e-6)


def test_intervals_without_held_out_windows_warn_until_partial_fit(noisy):
    """A fit that held no window out can only calibrate on training windows: the intervals
    say so, and the first partial_fit replaces those errors with held-out ones."""
    f = RNNForecaster(horizon=12, hidden_size=8, max_epochs=3, early_stopping=False,
                      random_state=0).fit(noisy[:600])  # fmt: skip
    with pytest.warns(UserWarning, match="trained on"):
        f.predict_interval(coverage=0.8)
    with pytest.warns(UserWarning, match="trained on"):
        f.predict_quantiles(quantiles=(0.1, 0.9))
    f.partial_fit(noisy[600:800])
    n_fresh = 200 - f.window_ - 12 + 1  # the windows of the fresh data
    assert len(f._residuals) == n_fresh  # the in-sample errors are gone
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.predict_interval(coverage=0.8)


def test_intervals_from_held_out_windows_do_not_warn(fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.predict_interval(coverage=0.8)


# --------------------------------------------------------------------------------------------
# tsrnn._intervals


def test_keep_recent_keeps_the_newest_rows(monkeypatch):
    monkeypatch.setattr(_config, "MAX_INTERVAL_ERRORS", 4)
    old, new = np.arange(6.0).reshape(3, 2), np.arange(6.0, 10.0).reshape(2, 2)
    kept = _intervals.keep_recent(old, new)
    np.testing.assert_array_equal(kept, np.arange(2.0, 10.0).reshape(4, 2))
    assert kept.dtype == np.float64


def test_held_out_errors_replace_in_sample_ones():
    old, new = np.ones((5, 2)), np.zeros((2, 2))
    np.testing.assert_array_equal(_intervals.keep_recent(old, new, in_sample=True), new)


def test_offsets_are_per_step_quantiles_and_in_sample_ones_warn():
    errors = np.column_stack([np.arange(101.0), -np.arange(101.0)])
    offsets = _intervals.quantile_offsets(errors, [0.1, 0.9], False, stacklevel=1)
    np.testing.assert_allclose(offsets, [[10.0, -90.0], [90.0, -10.0]])
    with pytest.warns(UserWarning, match="trained on"):
        _intervals.quantile_offsets(errors, [0.5], True, stacklevel=1)


def test_quantile_outputs_answer_any_level():
    from scipy.stats import norm

    from tsrnn._intervals import interpolate_levels

    trained = [0.1, 0.5, 0.9]
    values = norm.ppf(trained)[None] * 2.0 + 3.0  # a normal with mean 3 and sd 2
    levels = [0.02, 0.1, 0.25, 0.5, 0.75, 0.95]
    got = interpolate_levels(values, trained, levels)[0]
    # trained levels as they are; a normal's quantiles are reproduced exactly in normal scores
    np.testing.assert_allclose(got, norm.ppf(levels) * 2.0 + 3.0, rtol=1e-12)
    # one-sided outputs: the other tail is the mirror image
    got = interpolate_levels(np.array([[3.0, 5.0]]), [0.5, 0.9], [0.1, 0.5, 0.9])[0]
    np.testing.assert_allclose(got, [1.0, 3.0, 5.0])
    # the median alone says nothing of the spread
    with pytest.raises(ValueError, match="0.5 only"):
        interpolate_levels(np.array([[3.0]]), [0.5], [0.9])
    # non-decreasing in the level, whatever the (sorted) outputs
    rng = np.random.default_rng(0)
    values = np.sort(rng.normal(size=(50, 9)), axis=1)
    grid = np.linspace(0.01, 0.99, 41)
    out = interpolate_levels(values, np.round(np.linspace(0.1, 0.9, 9), 12), grid)
    assert (np.diff(out, axis=1) >= -1e-12).all()


def test_a_base_model_gives_intervals_of_any_coverage(tiny_base):
    y = pd.Series(np.sin(np.arange(60) / 3) + 5, index=pd.date_range("2020", periods=60,
                                                                       freq="D"))  # fmt: skip
    base = RNNForecaster.from_pretrained(tiny_base, horizon=4)
    i90 = base.predict_interval(y, coverage=0.9)
    i50 = base.predict_interval(y, coverage=0.5)
    assert (i90["lower"] <= i50["lower"]).all() and (i50["upper"] <= i90["upper"]).all()
    q = base.predict_quantiles(y, quantiles=[0.2, 0.5])
    np.testing.assert_allclose(q[0.5], base.predict(y))


def test_partial_fit_takes_the_fresh_errors_from_its_training_pass(monkeypatch):
    """The errors of the fresh windows are their outputs in the training pass, before the
    model learns from them (prequential): partial_fit makes no second pass over the data."""
    from tsrnn import _network

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 8)).astype(np.float32)
    y = X[:, -1] + 0.1 * rng.standard_normal(120).astype(np.float32)
    est = RNNForecaster(hidden_size=8, max_epochs=2, batch_size=64, random_state=0)
    est.fit(X[:60], y[:60])
    before = est._residuals.copy()
    outputs, finish = est._network_outputs(X[60:], None)  # of the weights before the call
    rows_predicted = []
    forward = _network.forward
    monkeypatch.setattr(_network, "forward", lambda p, X, *a, **k: rows_predicted.append(
        len(X)) or forward(p, X, *a, **k))  # fmt: skip
    est.partial_fit(X[60:], y[60:])  # one batch: every window predicted before the step
    assert rows_predicted == []
    assert len(est._residuals) == len(before) + 60
    np.testing.assert_array_equal(est._residuals[: len(before)], before)
    # target = output + error, in the network's space: back in the user's units, y itself
    fresh = est._residuals[len(before) :]
    np.testing.assert_allclose(finish(outputs + fresh), y[60:], rtol=1e-4, atol=1e-4)
