"""Tests of tsrnn._data.calendar: season_length and auto_window."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import _data

# --------------------------------------------------------------------------------------------
# season_length and auto_window
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("h", 24),
        ("30min", 48),
        ("15min", 96),
        ("min", 60),
        ("D", 7),
        ("B", 5),
        ("W", 52),
        ("W-SAT", 52),
        ("MS", 12),
        ("ME", 12),
        ("QS", 4),
        ("QE", 4),
        ("YS", 1),
        ("YE", 1),
        ("2h", 12),
        ("3ME", 4),
        ("2W", 26),
        (None, 1),
        (pd.offsets.Hour(), 24),
        (pd.Timedelta("1D"), 7),
        ("M", 12),  # period alias
        ("Q", 4),  # period alias
    ],
)
def test_season_length(freq, expected):
    assert _data.season_length(freq) == expected


def test_season_length_period_freqs():
    assert _data.season_length(pd.period_range("2020", periods=2, freq="M").freq) == 12
    assert _data.season_length(pd.period_range("2020", periods=2, freq="D").freq) == 7


def test_season_length_invalid():
    with pytest.raises(ValueError, match="invalid frequency"):
        _data.season_length("not-a-freq")


class TestAutoWindow:
    def test_seasonal_candidate(self):
        # monthly: max(24, 2 * 3, 8) = 24, not capped by (1000 - 3) // 2
        assert _data.auto_window([1000, 2000], 3, "MS") == 24

    def test_horizon_candidate(self):
        assert _data.auto_window([1000], 30, "YS") == 60

    def test_minimum_eight(self):
        assert _data.auto_window(500, 1, None) == 8

    def test_capped_by_shortest(self):
        # hourly candidate 48, capped to (40 - 4) // 2 = 18
        assert _data.auto_window([40, 5000], 4, "h") == 18

    def test_at_least_one(self):
        assert _data.auto_window([3], 2, "D") == 1

    def test_too_short(self):
        with pytest.raises(ValueError, match=r"length 5.*horizon \+ 1 = 7"):
            _data.auto_window([100, 5], 6, "D")

    def test_bad_horizon(self):
        with pytest.raises(ValueError, match="horizon"):
            _data.auto_window([100], 0, "D")

    def test_empty_lengths(self):
        with pytest.raises(ValueError, match="empty"):
            _data.auto_window([], 1, "D")


# --------------------------------------------------------------------------------------------
# calendar_features
# --------------------------------------------------------------------------------------------


def test_calendar_features_monthly():
    out = _data.calendar_features(pd.date_range("2020-01-01", periods=3, freq="MS"))
    angle = 2 * np.pi * np.arange(3) / 12
    np.testing.assert_allclose(out, np.column_stack([np.sin(angle), np.cos(angle)]))


def test_calendar_features_period_index():
    out = _data.calendar_features(pd.period_range("2020Q1", periods=2, freq="Q"))
    np.testing.assert_allclose(out, [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)


@pytest.mark.parametrize(("freq", "n_features"), [("h", 4), ("D", 4), ("W", 2), ("YS", 0)])
def test_calendar_features_count(freq, n_features):
    out = _data.calendar_features(pd.date_range("2020-01-01", periods=3, freq=freq))
    assert out.shape == (3, n_features)


def test_calendar_features_need_dates():
    with pytest.raises(ValueError, match="DatetimeIndex or a PeriodIndex"):
        _data.calendar_features(pd.RangeIndex(3))
