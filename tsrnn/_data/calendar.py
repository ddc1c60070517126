"""What a frequency implies: the seasonal period, the window length, calendar features.

:func:`season_length` gives the main seasonal period of a pandas frequency,
:func:`auto_window` the input window length of ``window="auto"``, and
:func:`calendar_features` the sine and cosine of the position of time stamps in the calendar
cycles that fit their frequency (hour of day, day of week, ...), known for any future date.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .validation import _check_positive_int, _infer_offset

_NS_PER = {"day": 86_400 * 10**9, "hour": 3_600 * 10**9, "minute": 60 * 10**9, "second": 10**9}


def _to_offset(freq):
    """A DateOffset from a string, DateOffset, Timedelta or Period frequency."""
    if isinstance(freq, pd.offsets.BaseOffset):
        return freq
    try:
        return to_offset(freq)
    except (ValueError, TypeError):
        pass
    try:  # period-only aliases such as "M", "Q", "Y"
        return pd.Period("2000-01-01", freq=freq).freq
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid frequency {freq!r}: not a pandas frequency.") from exc


def _divide(cycle: int, n: int) -> int:
    """Steps per cycle for a multiple ``n`` of the base frequency, 1 if not whole."""
    return cycle // n if n >= 1 and cycle % n == 0 else 1


def season_length(freq) -> int:
    """Main seasonal period (in steps) of a pandas frequency.

    Parameters
    ----------
    freq : str, pandas.DateOffset, pandas.Timedelta or None
        E.g. ``"h"``, ``"30min"``, ``"D"``, ``"B"``, ``"W-SUN"``, ``"MS"``, ``"QE"``,
        ``"YS"``, a PeriodIndex frequency or ``index.freq``.

    Returns
    -------
    int
        hourly 24, 30min 48, 15min 96 (sub-daily steps: the daily cycle while it has at most
        96 steps, else the hourly cycle, e.g. minutely 60, else the minute cycle), daily 7,
        business-daily 5, business-hourly 8, weekly 52, semi-monthly 24, monthly 12,
        quarterly 4, yearly and unknown 1, None 1. A multiple of the base frequency divides
        the cycle when it divides evenly (``"2h"`` -> 12, ``"3ME"`` -> 4, ``"2W"`` -> 26),
        else the period is 1 (weekly multiples are rounded).
    """
    if freq is None:
        return 1
    off = _to_offset(freq)
    n = abs(int(getattr(off, "n", 1))) or 1
    offsets = pd.offsets
    if isinstance(off, offsets.Tick) or isinstance(off, offsets.Day):
        nanos = n * _NS_PER["day"] if isinstance(off, offsets.Day) else int(off.nanos)
        if nanos <= 0:
            return 1
        if nanos % _NS_PER["day"] == 0:
            return _divide(7, nanos // _NS_PER["day"])
        for cycle in ("day", "hour", "minute", "second"):
            steps, rest = divmod(_NS_PER[cycle], nanos)
            if rest == 0 and 1 < steps <= 96:
                return int(steps)
        return 1
    if isinstance(off, offsets.BusinessHour | offsets.CustomBusinessHour):
        return _divide(8, n)
    if isinstance(off, offsets.BusinessDay | offsets.CustomBusinessDay):
        return _divide(5, n)
    if isinstance(off, offsets.Week):
        return max(1, round(52 / n))
    if isinstance(off, offsets.SemiMonthBegin | offsets.SemiMonthEnd):
        return _divide(24, n)
    monthly = (
        offsets.MonthBegin,
        offsets.MonthEnd,
        offsets.BusinessMonthBegin,
        offsets.BusinessMonthEnd,
        offsets.CustomBusinessMonthBegin,
        offsets.CustomBusinessMonthEnd,
        offsets.WeekOfMonth,
        offsets.LastWeekOfMonth,
    )
    if isinstance(off, monthly):
        return _divide(12, n)
    quarterly = (
        offsets.QuarterBegin,
        offsets.QuarterEnd,
        offsets.BQuarterBegin,
        offsets.BQuarterEnd,
        offsets.FY5253Quarter,
    )
    if isinstance(off, quarterly):
        return _divide(4, n)
    return 1


def auto_window(lengths, horizon: int, freq, season: int | None = None) -> int:
    """Input window length for ``window="auto"``.

    The rule:

    1. ``candidate = max(2 * season_length(freq), 2 * horizon, 8)``: two seasonal cycles,
       twice the horizon, at least 8 steps;
    2. capped so that the shortest series still gives about half its usable length as
       training windows: ``window = min(candidate, (min_length - horizon) // 2)``;
    3. at least 1: ``window = max(window, 1)``.

    Parameters
    ----------
    lengths : int or iterable of int
        Length of each series, shape ``(n_series,)``.
    horizon : int
        Forecast horizon, ``>= 1``.
    freq : str, pandas.DateOffset or None
        Frequency of the series (see :func:`season_length`).
    season : int, optional
        The seasonal period, when known otherwise than from ``freq``.

    Returns
    -------
    int
        The window length, ``1 <= window <= min_length - horizon``.

    Raises
    ------
    ValueError
        If ``horizon < 1``, ``lengths`` is empty, or the shortest series has fewer than
        ``horizon + 1`` observations (no training window possible).
    """
    horizon = _check_positive_int(horizon, "horizon")
    lens = np.atleast_1d(np.asarray(list(lengths) if isinstance(lengths, Iterable) else lengths))
    if lens.size == 0:
        raise ValueError("lengths is empty: pass the length of each series.")
    min_len = int(lens.min())
    if min_len < horizon + 1:
        raise ValueError(
            f"the shortest series has length {min_len}, but at least horizon + 1 = "
            f"{horizon + 1} observations are needed (horizon = {horizon}); use a shorter "
            "horizon or drop the short series."
        )
    season = season_length(freq) if season is None else int(season)
    candidate = max(2 * season, 2 * horizon, 8)
    return max(1, min(candidate, (min_len - horizon) // 2))


def calendar_features(index, freq=None) -> np.ndarray:
    """Cyclical calendar features of time stamps, known for any future date.

    Sine and cosine of the position within the calendar cycles that fit the frequency:
    hour of day and day of week for sub-daily data, day of week and day of year for daily,
    week of year for weekly, month of year for monthly, quarter for quarterly data.

    Parameters
    ----------
    index : pandas.DatetimeIndex or pandas.PeriodIndex
    freq : pandas DateOffset, optional
        The frequency of the series; default: the index's own, or inferred from three or
        more stamps.

    Returns
    -------
    ndarray of shape (len(index), n_calendar_features)
    """
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
        index = index.to_timestamp()
    elif isinstance(index, pd.DatetimeIndex):
        if freq is None:
            freq = index.freq
        if freq is None and len(index) >= 3:
            freq = _infer_offset(index)
    else:
        raise ValueError(
            "calendar features need a DatetimeIndex or a PeriodIndex; this series has a "
            f"{type(index).__name__}."
        )
    if freq is None:
        raise ValueError("calendar features need a known frequency of the time index.")
    name = _to_offset(freq).rule_code
    cycles = []
    if name in ("h", "bh", "cbh", "min", "s", "ms", "us", "ns"):
        cycles += [(index.hour + index.minute / 60, 24), (index.day_of_week, 7)]
    elif name in ("D", "B", "C"):
        cycles += [(index.day_of_week, 7), (index.day_of_year - 1, 365.25)]
    elif name.startswith("W"):
        cycles += [(index.isocalendar().week.to_numpy(dtype=np.float64) - 1, 52.18)]
    elif name.startswith(("M", "SM", "BM", "CBM")):
        cycles += [(index.month - 1, 12)]
    elif name.startswith(("Q", "BQ")):
        cycles += [(index.quarter - 1, 4)]
    if not cycles:
        return np.zeros((len(index), 0))
    cols = []
    for pos, period in cycles:
        angle = 2 * np.pi * np.asarray(pos, dtype=np.float64) / period
        cols += [np.sin(angle), np.cos(angle)]
    return np.column_stack(cols)
