"""Tests of tsrnn._data.seasonality: autocorrelation, detect_period and series_periods."""

import numpy as np
import pytest

from tsrnn._data.seasonality import autocorrelation, detect_period, series_periods


def cycle(n, period, seed=0, noise=0.2, trend=0.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / period) + trend * t + noise * rng.normal(size=n)


def test_autocorrelation_matches_the_definition_on_detrended_values():
    y = cycle(50, 7, trend=0.3)
    t = np.arange(50)
    x = y - np.polyval(np.polyfit(t, y, 1), t)
    expected = [np.sum(x[k:] * x[: 50 - k]) / np.sum(x * x) for k in range(50)]
    np.testing.assert_allclose(autocorrelation(y), expected, atol=1e-12)


@pytest.mark.parametrize("values", [np.ones(40), np.arange(40.0) * 3 + 1e6, np.zeros(2)])
def test_autocorrelation_of_a_line_or_too_few_values_is_zero(values):
    np.testing.assert_array_equal(autocorrelation(values), np.zeros(len(values)))


@pytest.mark.parametrize(("period", "n"), [(3, 60), (5, 40), (11, 300), (24, 256), (52, 200)])
def test_detects_the_period_of_a_noisy_trending_cycle(period, n):
    assert detect_period(cycle(n, period, trend=0.02)) == period


def test_detects_a_cycle_at_any_level_and_scale():
    y = cycle(120, 11)
    assert detect_period(1e6 + 1e-3 * y) == detect_period(-5e8 * y) == 11


def test_a_peaky_profile_is_found_at_its_period_not_at_a_harmonic():
    t = np.arange(24 * 14)
    day = np.maximum(np.sin(2 * np.pi * t / 24), 0) ** 3 + 0.5 * np.maximum(
        np.sin(2 * np.pi * t / 12), 0)  # fmt: skip
    y = day * (1 + 0.1 * np.random.default_rng(0).normal(size=len(t)))
    assert detect_period(y) == 24


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).normal(size=200),  # white noise
        np.cumsum(np.random.default_rng(2).normal(size=200)),  # random walk
        np.arange(100.0) ** 2,  # a smooth trend
        np.full(30, 4.2),  # constant
        np.array([1.0, 5.0, 1.0]),  # too short
        cycle(60, 40, noise=0.0),  # a cycle the values do not hold twice
    ],
    ids=["noise", "random walk", "trend", "constant", "three values", "one cycle"],
)
def test_no_period_where_the_values_show_none(values):
    assert detect_period(values) == 1


def test_series_periods_gives_the_asked_period_to_every_series():
    values = [cycle(100, 11), np.arange(10.0)]
    np.testing.assert_array_equal(series_periods(values, 12, 5, 256), [5, 5])


def test_series_periods_detects_and_falls_back_to_the_calendar_for_short_series():
    values = [cycle(100, 11), cycle(20, 6), np.cumsum(np.random.default_rng(0).normal(size=100))]
    # 20 values cannot show two cycles of 12: the calendar's period stands; the others are
    # read from their values, whatever the calendar says
    np.testing.assert_array_equal(series_periods(values, 12, None, 256), [11, 12, 1])
    np.testing.assert_array_equal(series_periods(values, 1, None, 256), [11, 6, 1])
    np.testing.assert_array_equal(series_periods(values, np.array([1, 12, 4]), None, 256),
                                  [11, 12, 1])  # fmt: skip


def test_series_periods_searches_only_the_context():
    y = np.concatenate([cycle(200, 9), 0.3 * np.random.default_rng(3).normal(size=100)])
    assert series_periods([y], 1, None, 1000)[0] == 9
    assert series_periods([y], 1, None, 100)[0] == 1
