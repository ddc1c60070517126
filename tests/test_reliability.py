"""Property tests, thread safety and long-running fine-tuning."""

import gc
import threading
import tracemalloc

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsrnn import RNNForecaster

FREQS = ["h", "30min", "D", "B", "W-SAT", "MS", "QS", "YS"]


def tiny(**kw):
    return RNNForecaster(**(dict(hidden_size=4, max_epochs=1, random_state=0) | kw))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 80),
    horizon=st.integers(1, 6),
    freq=st.sampled_from(FREQS + [None]),
    level=st.sampled_from([0.0, 1e-12, 1.0, -50.0, 1e12]),
    noise=st.sampled_from([0.0, 1e-3, 1.0]),
    seed=st.integers(0, 10),
)
def test_fit_predict_works_or_raises_a_documented_error(n, horizon, freq, level, noise, seed):
    rng = np.random.default_rng(seed)
    values = level + noise * rng.normal(size=n) * max(abs(level), 1.0)
    if freq is None:
        y = pd.Series(values)
    else:
        y = pd.Series(values, index=pd.date_range("2001-01-01", periods=n, freq=freq))
    model = tiny(horizon=horizon)
    try:
        model.fit(y)
    except ValueError as exc:  # the documented errors for short series
        assert n < horizon + 2 or "shorter" in str(exc) or "horizon" in str(exc), exc
        return
    forecast = model.predict()
    assert len(forecast) == horizon
    assert np.isfinite(forecast.to_numpy()).all()
    expected = pd.Series(np.zeros(n + horizon), index=pd.RangeIndex(n + horizon))
    if freq is not None:
        expected.index = pd.date_range("2001-01-01", periods=n + horizon, freq=freq)
    assert forecast.index.equals(expected.index[n:])
    if noise == 0.0:  # a constant series is forecast as that constant
        np.testing.assert_allclose(forecast.to_numpy(), level, rtol=1e-3, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(
    n_samples=st.integers(1, 40),
    window=st.integers(1, 12),
    n_features=st.integers(1, 3),
    horizon=st.integers(1, 3),
    scale=st.sampled_from([1e-6, 1.0, 1e6]),
)
def test_windows_mode_shapes(n_samples, window, n_features, horizon, scale):
    rng = np.random.default_rng(0)
    X = scale * rng.normal(size=(n_samples, window, n_features))
    y = scale * rng.normal(size=(n_samples, horizon))
    model = tiny().fit(X, y)
    out = model.predict(X)
    assert out.shape == (n_samples, horizon) and np.isfinite(out).all()


def test_predict_is_safe_from_several_threads():
    t = np.arange(400)
    y = pd.Series(np.sin(t / 5) + t / 100, index=pd.date_range("2020", periods=400, freq="D"))
    model = RNNForecaster(horizon=7, hidden_size=16, max_epochs=2, random_state=0).fit(y)
    histories = [y[: 200 + 10 * k] for k in range(16)]
    serial = [model.predict(h) for h in histories]
    results = [None] * len(histories)

    def work(k):
        for _ in range(5):
            results[k] = model.predict(histories[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(histories))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for got, want in zip(results, serial, strict=True):
        pd.testing.assert_series_equal(got, want)


def test_a_thousand_partial_fits_neither_grow_memory_nor_break_forecasts():
    rng = np.random.default_rng(0)
    stream = 10 + np.sin(np.arange(3000) / 4) + rng.normal(0, 0.1, 3000)
    model = RNNForecaster(horizon=3, window=12, hidden_size=8, random_state=0)
    chunk = 20
    model.partial_fit(stream[:chunk])
    gc.collect()
    tracemalloc.start()
    for i in range(1, 1000):
        start = (i * 2) % (3000 - chunk)
        model.partial_fit(stream[start : start + chunk])
        if i == 100:
            gc.collect()
            base, _ = tracemalloc.get_traced_memory()
    gc.collect()
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert end - base < 2_000_000, f"memory grew by {end - base} bytes"
    assert model.t_ >= 1000 and len(model.loss_curve_) == 1000
    forecast = model.predict()
    assert np.isfinite(forecast).all() and np.abs(forecast - 10).max() < 3


def test_same_seed_same_weights_any_thread_count(tmp_path):
    import os
    import subprocess
    import sys

    for threads in ("1", "2"):
        code = (
            "import numpy as np, tsrnn; from tsrnn.datasets import load_airline;"
            "f = tsrnn.RNNForecaster(horizon=6, hidden_size=8, max_epochs=3, batch_size=100,"
            " random_state=3).fit(load_airline());"
            f"np.save(r'{tmp_path}/p{threads}.npy', f.params_)"
        )
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
    np.testing.assert_array_equal(np.load(tmp_path / "p1.npy"), np.load(tmp_path / "p2.npy"))
