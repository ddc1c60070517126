"""Tests of the synthetic-series generator (tsrnn.synthetic)."""

import itertools
import subprocess
import sys

import numpy as np
import pytest

from tsrnn import _kernel_synth as kernel_synth
from tsrnn import synthetic
from tsrnn._data import season_length
from tsrnn.synthetic import FREQUENCIES, KINDS, SyntheticSeries


def _acf(y, lag):
    y = y - y.mean()
    return float(y[:-lag] @ y[lag:] / (y @ y))


def _same(a, b):
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.season_length, b.season_length)
    assert list(a.freq) == list(b.freq) and list(a.kind) == list(b.kind)
    assert a.description == b.description


# ------------------------------------------------------------------------------------------
# Reproducibility, shapes, values


def test_same_seed_bit_identical_different_seed_different():
    a = SyntheticSeries(96, random_state=7).sample(40, step=0)
    b = SyntheticSeries(96, random_state=7).sample(40, step=0)
    _same(a, b)
    c = SyntheticSeries(96, random_state=8).sample(40, step=0)
    assert not np.array_equal(a.values, c.values)
    d = SyntheticSeries(96, random_state=7).sample(40, step=1)
    assert not np.array_equal(a.values, d.values)


def test_stream_resumes_at_any_batch_and_sample_counts_steps():
    gen = SyntheticSeries(64, random_state=3)
    unbroken = list(itertools.islice(gen.stream(16), 5))
    resumed = next(SyntheticSeries(64, random_state=3).stream(16, start=3))
    _same(unbroken[3], resumed)
    _same(unbroken[4], gen.sample(16, step=4))
    fresh = SyntheticSeries(64, random_state=3)
    for k in range(3):  # sample() without a step walks 0, 1, 2, ... like the stream
        _same(fresh.sample(16), unbroken[k])


def test_rows_do_not_depend_on_batch_size():
    gen = SyntheticSeries(80, random_state=11)
    big, small = gen.sample(50, step=2), gen.sample(7, step=2)
    np.testing.assert_array_equal(big.values[:7], small.values)
    assert big.description[:7] == small.description


def test_seed_sequence_and_none_seed():
    a = SyntheticSeries(32, random_state=np.random.SeedSequence(5)).sample(4, step=0)
    _same(a, SyntheticSeries(32, random_state=5).sample(4, step=0))
    gen = SyntheticSeries(32)
    _same(gen.sample(4, step=1), SyntheticSeries(32, random_state=gen.seed).sample(4, step=1))


@pytest.mark.parametrize("length", [8, 100, 300])
def test_shapes_dtypes_and_metadata(length):
    batch = SyntheticSeries(length, random_state=0).sample(30, step=0)
    values, season, freq, kind, description = batch
    assert values.shape == (30, length) and values.dtype == np.float64
    assert season.shape == (30,) and season.dtype == np.int64
    assert freq.shape == kind.shape == (30,) and len(description) == 30
    for s, f, k in zip(season, freq, kind, strict=True):
        assert f in FREQUENCIES and k in KINDS
        assert s == FREQUENCIES[f][0] == season_length(f)  # the estimator's convention


def test_finite_varied_levels_and_scales():
    batch = SyntheticSeries(128, random_state=1).sample(3000, step=0)
    values = batch.values
    assert np.isfinite(values).all()
    spread = np.log10(values.std(axis=1)[values.std(axis=1) > 0])
    assert spread.max() - spread.min() > 4  # from about 1e-2 to 1e4
    nonneg = (values >= 0).all(axis=1)
    assert 0.2 < nonneg.mean() < 0.8
    offset = np.abs(values.mean(axis=1)) > 10 * values.std(axis=1)
    assert offset.any()  # some series sit far from zero


def test_frequency_and_kind_mix_respected():
    gen = SyntheticSeries(32, frequencies={"h": 3, "W": 1}, random_state=2)
    freq = gen.sample(1200, step=0).freq
    assert set(freq) == {"h", "W"}
    assert abs(np.mean(freq == "h") - 0.75) < 0.05
    batch = SyntheticSeries(32, frequencies=["M", "Q"], kinds=["trend", "mixup"],
                            random_state=2).sample(300, step=0)
    assert set(batch.freq) == {"MS", "QS"} and set(batch.season_length) == {12, 4}
    assert set(batch.kind) == {"trend", "mixup"}
    assert abs(np.mean(batch.kind == "trend") - 0.5) < 0.1
    only = SyntheticSeries(32, frequencies="Y", kinds="kernel", random_state=2).sample(50)
    assert set(only.season_length) == {1}
    # yearly: no seasonal kernel; a periodic one only at a free cycle's length
    for d in only.description:
        assert "periodic" not in d or "free cycle" in d
    assert any("free cycle" in d for d in only.description)


def test_every_component_shows_up():
    text = " ".join(SyntheticSeries(64, random_state=4).sample(600, step=0).description)
    for token in ["periodic(24)", "periodic(168)", "periodic(7)", "periodic(365.25)",
                  "periodic(52.1786)", "periodic(12)", "periodic(4)", "linear", "rbf", "rq",
                  "white", "const", "+", "*", "changepoint", "damped", "season(add",
                  "season(mul", "ar(1)", "ar(2)", "random_walk", "student_t", "drift",
                  "intermittent", "mixup(", "level_shift", "spikes", "profile(", "peaks(24)",
                  "floor(", "smooth(", "days(7)", "cycle(365.25)", "free cycle"]:
        assert token in text, token


@pytest.mark.parametrize(
    "kwargs, message",
    [({"length": 4}, "length"), ({"frequencies": "5min"}, "unknown frequencies"),
     ({"kinds": {"trend": -1}}, ">= 0"), ({"kinds": {"trend": 0}}, "positive weight"),
     ({"random_state": -1}, "random_state")],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SyntheticSeries(**{"length": 32, **kwargs})


def test_import_tsrnn_does_not_import_synthetic():
    code = "import sys, tsrnn; print('tsrnn.synthetic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------------------------------
# Components: each has its property


def test_periodic_kernel_fourier_series_is_exact():
    tau = np.arange(400.0)
    for period, ell in [(24.0, 1.0), (168.0, 0.5), (365.25, 2.0), (4.0, 0.7)]:
        nu, w = kernel_synth._periodic_spectrum(period, ell)
        series = (w[:, None] * np.cos(nu[:, None] * tau)).sum(0)
        exact = np.exp(-2 * np.sin(np.pi * tau / period) ** 2 / ell**2)
        np.testing.assert_allclose(series, exact, atol=2e-3)


def test_periodic_24_kernel_repeats_every_24_steps(rng):
    y, text = kernel_synth._kernel_synth(rng, 512, (24.0, 168.0), [("periodic", 24.0, 0.8)], "")
    assert text == "kernel(periodic(24))"
    assert _acf(y, 24) > 0.95 and _acf(y, 48) > 0.9
    assert _acf(y, 24) > _acf(y, 12) + 0.2


@pytest.mark.parametrize(
    "factors",
    [[("periodic", 8.0, 1.0), ("rbf", 0.2)], [("linear", 1.0), ("periodic", 6.0, 0.7)],
     [("rq", 0.1, 1.0), ("rbf", 0.5)], [("linear", 0.5), ("rbf", 0.05), ("constant", 2.0)],
     [("periodic", 4.0, 1.0), ("periodic", 6.0, 1.0)]],
)
def test_product_samples_have_the_product_covariance(factors):
    # Monte Carlo: the sample covariance of 4,000 draws against the product kernel
    length, n = 48, 4000
    rng = np.random.default_rng(0)
    draws = np.array([kernel_synth._sample_product(rng, factors, length) for _ in range(n)])
    t = np.arange(length)
    x = t / length
    target = np.ones((length, length))
    for kind, *p in factors:
        lag = t[:, None] - t[None, :]
        if kind == "periodic":
            target *= np.exp(-2 * np.sin(np.pi * lag / p[0]) ** 2 / p[1] ** 2)
        elif kind == "linear":
            target *= p[0] ** 2 + x[:, None] * x[None, :]
        elif kind == "constant":
            target *= p[0]
        else:
            target *= kernel_synth._stationary_covariance([(kind, *p)], lag / length)
    empirical = draws.T @ draws / n
    scale = np.sqrt(np.outer(np.diag(target), np.diag(target)))
    assert np.abs(empirical - target).max() / scale.max() < 0.12


def test_white_noise_times_kernel_is_white():
    rng = np.random.default_rng(1)
    y = kernel_synth._sample_product(rng, [("white", 0.5), ("rbf", 0.1)], 5000)
    assert abs(_acf(y, 1)) < 0.05 and abs(y.var() - 0.5) < 0.05


def test_changepoint_trend_changes_slope(rng):
    trend, where, slopes = synthetic._changepoint_trend(rng, 400, 1)
    w = where[0]
    before = np.polyfit(np.arange(w) / 400, trend[:w], 1)[0]
    after = np.polyfit(np.arange(w, 400) / 400, trend[w:], 1)[0]
    np.testing.assert_allclose([before, after], slopes, atol=1e-8)
    assert abs(after - before) >= 1


def test_damped_trend_flattens(rng):
    trend = synthetic._damped_trend(rng, 300, phi=0.95)
    steps = np.abs(np.diff(trend))
    assert steps[-10:].max() < 0.01 * steps[:10].min()


def test_ar_noise_has_its_autocorrelation(rng):
    y = synthetic._ar_noise(rng, 20000, [0.7])
    assert abs(_acf(y, 1) - 0.7) < 0.03 and abs(_acf(y, 2) - 0.49) < 0.04
    for _ in range(200):  # random coefficients are always stationary
        coefs = synthetic._random_ar_coefs(rng)
        assert np.all(np.abs(np.roots(np.r_[1.0, -coefs])) < 1)


def test_multiplicative_seasonality_is_positive_and_grows_with_level():
    batch = SyntheticSeries(168, frequencies="h", kinds="trend", random_state=5).sample(200)
    rows = [i for i, d in enumerate(batch.description) if "season(mul" in d]
    assert len(rows) > 20
    assert (batch.values[rows] > 0).all()
    # in log space the seasonal swing is the same whatever the level: a series and twice it
    # have the same log-seasonal pattern; check the log series has the daily cycle strongly
    strong = [_acf(np.log(batch.values[i]), 24) for i in rows]
    assert np.median(strong) > 0.3


def test_profiles_are_non_negative_daily_shapes_with_quieter_days():
    batch = SyntheticSeries(24 * 7 * 4, frequencies="h", kinds="profile",
                            random_state=6).sample(200)  # fmt: skip
    assert (batch.values >= 0).all() and np.isfinite(batch.values).all()
    assert np.median([_acf(v, 24) for v in batch.values]) > 0.5
    assert np.mean(["floor" in d for d in batch.description]) > 0.2
    floors = [v for v, d in zip(batch.values, batch.description, strict=True) if "floor" in d]
    assert np.median([np.mean(v < 1e-3 * v.mean()) for v in floors]) > 0.05  # exact-ish zeros
    # day-of-week factors: the daily totals of a week differ by more than noise does
    weekly = [i for i, d in enumerate(batch.description) if "days(7)" in d]
    assert len(weekly) > 100
    days = batch.values[weekly].reshape(len(weekly), 28, 24).sum(axis=2)
    spread = days.max(axis=1) / days.min(axis=1)
    assert np.median(spread) > 1.5
    # a yearly series has no seasonal shape: it is a trend series
    yearly = SyntheticSeries(64, frequencies="Y", kinds="profile", random_state=0).sample(20)
    assert all(d.startswith("trend(") for d in yearly.description)


def test_free_cycles_repeat_at_their_length():
    batch = SyntheticSeries(400, frequencies="Y", kinds="trend", random_state=8).sample(300)
    found = [(v, float(d.rsplit(" ", 1)[1])) for v, d in zip(batch.values, batch.description,
                                                              strict=True)
             if "free cycle" in d and "season(add" in d]  # fmt: skip
    assert len(found) > 20
    assert all(5 <= p <= 80 for _, p in found)
    # the cycle shows at its own lag, in the series less its trend
    acf = [_acf(np.diff(v), round(p)) for v, p in found if p >= 8]
    assert np.median(acf) > 0.2


def test_intermittent_counts(rng):
    for _ in range(50):
        y, _ = synthetic._intermittent(rng, 500, (7.0, 365.25))
        assert (y >= 0).all() and np.array_equal(y, np.round(y))
        assert np.mean(y == 0) > 0.25
    batch = SyntheticSeries(200, kinds="intermittent", random_state=0).sample(100)
    assert (batch.values >= 0).all() and np.array_equal(batch.values, np.round(batch.values))
    assert np.mean(batch.values == 0) > 0.4


def test_level_shift_is_a_step(rng):
    noise = 0.1 * rng.standard_normal(400)
    y, where = synthetic._add_level_shifts(rng, noise, 1.0, n=1)
    w = where[0]
    jump = (y - noise)[w:]
    np.testing.assert_allclose(jump, jump[0], atol=1e-12)
    assert 1 <= abs(jump[0]) <= 3
    assert np.all((y - noise)[:w] == 0)
    assert abs(y[w:].mean() - y[:w].mean()) > 0.9


def test_spikes_are_outliers(rng):
    y0 = rng.standard_normal(500)
    y, where = synthetic._add_spikes(rng, y0, 1.0, n=4)
    median = np.median(y)
    robust = (y - median) / (1.4826 * np.median(np.abs(y - median)))
    assert len(where) == 4 and np.all(np.abs(robust[where]) > 6)
    others = np.setdiff1d(np.arange(500), where)
    assert np.abs(robust[others]).max() < 5


def test_random_walk_has_a_unit_root(rng):
    for _ in range(20):
        y, _ = synthetic._random_walk(rng, 1000, ())
        phi = np.polyfit(y[:-1], y[1:], 1)[0]
        assert phi > 0.95
        assert abs(_acf(np.diff(y), 1)) < 0.15
    # variance grows linearly with time (Gaussian steps, no drift)
    walks = np.cumsum(rng.standard_normal((2000, 400)), axis=1)
    assert 3.5 < walks[:, -1].var() / walks[:, 99].var() < 4.5


def test_mixup_is_a_convex_mix():
    batch = SyntheticSeries(64, kinds="mixup", random_state=9).sample(60)
    for d in batch.description:
        weights = [float(part.split("*")[0]) for part in d[len("mixup("):].split(", ")
                   if part[:1].isdigit()]
        assert 2 <= len(weights) <= 3 and abs(sum(weights) - 1) < 0.02
