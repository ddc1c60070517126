"""What the values imply: the seasonal period a series' autocorrelation shows.

A calendar gives a series its usual period (:func:`~tsrnn._data.season_length`: 24 for
hourly, 52 for weekly data), but not every hourly or weekly series repeats at it, and a
yearly series (the sunspots' 11-year cycle), a business cycle or a series without a date
index gets none. :func:`detect_period` finds the period in the values: the lag of the
highest clear peak of the autocorrelation of the linearly detrended series, where at least
two cycles fit (1 when there is none). :func:`series_periods` gives each series the period
asked for, else the detected one, and the calendar's only to a series too short to show two
of its cycles. The base model (pretrained mode) reads each series at that period when it
fine-tunes and forecasts; series mode keeps the calendar's period.

How the rule and its thresholds were chosen, on validation data only (the last horizon of
each training series; no test value read): zero-shot forecasts of the shipped base model on
synthetic series of every frequency (a third of them with a cycle the calendar does not
give), M4 Hourly and Weekly and the embedded datasets, scored relative to the calendar's
period (``benchmarks/base_reading.py``; results in ``benchmarks/RESULTS.md``, 2026-12-01).
"""

from __future__ import annotations

import numpy as np

#: Smallest autocorrelation a peak needs, and how far it must rise above the lowest
#: autocorrelation at the shorter lags (a trough between the peaks).
PEAK_HEIGHT = 0.3
PEAK_PROMINENCE = 0.3
#: Whole cycles the values must hold for a period to count.
MIN_CYCLES = 2
#: Series searched at once (bounds the memory of the transforms).
_BLOCK = 4096


def autocorrelation(values):
    """Autocorrelation of the linearly detrended values at lags ``0 .. n - 1``.

    Parameters
    ----------
    values : ndarray of shape (n,) or (m, n)
        Finite; one series, or one a row.

    Returns
    -------
    ndarray of the shape of ``values``
        1 at lag 0; all zeros for fewer than 3 values or values on a straight line.
    """
    y = np.asarray(values, dtype=np.float64)
    n = y.shape[-1]
    if n < 3:
        return np.zeros(y.shape)
    centred = y - y.mean(axis=-1, keepdims=True)
    t = np.arange(n) - (n - 1) / 2
    slope = (centred * t).sum(axis=-1) / (t * t).sum()
    x = centred - slope[..., None] * t  # least-squares line removed
    f = np.fft.rfft(x, 2 * n)
    a = np.fft.irfft(f * np.conj(f), 2 * n)[..., :n]
    # zeros where nothing is left but rounding (a constant or a straight line)
    real = a[..., 0] > 1e-12 * (centred**2).sum(axis=-1)
    return np.where(real[..., None], a / np.where(real, a[..., 0], 1.0)[..., None], 0.0)


def detect_period(values):
    """The seasonal period the values show, 1 if none.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Finite values, oldest first.

    Returns
    -------
    int
        The lag ``p`` (``2 <= p <= n / MIN_CYCLES``) of the highest autocorrelation peak that
        reaches ``PEAK_HEIGHT`` and rises ``PEAK_PROMINENCE`` above every lag before it; 1
        when no lag does (no cycle, a trend or random walk, a constant, fewer than 4
        values).

    Examples
    --------
    >>> t = np.arange(120)
    >>> detect_period(np.sin(2 * np.pi * t / 11) + 0.01 * t)
    11
    >>> detect_period(np.cumsum(np.random.default_rng(0).normal(size=120)))
    1
    """
    return int(_detect(np.asarray(values, dtype=np.float64)[None])[0])


def _detect(rows):
    """:func:`detect_period` of each row of ``rows`` (m, n): ndarray (m,) of int64."""
    m, n = rows.shape
    longest = n // MIN_CYCLES
    if longest < 2:
        return np.ones(m, dtype=np.int64)
    a = autocorrelation(rows)[:, : longest + 2]
    height = a[:, 2 : longest + 1]  # lags p = 2 .. longest
    trough = np.minimum.accumulate(a[:, 1:longest], axis=1)  # the lowest of lags 1 .. p - 1
    peak = (height >= PEAK_HEIGHT) & (height > a[:, 1:longest]) & (height >= a[:, 3:])
    peak &= height - trough >= PEAK_PROMINENCE
    best = np.argmax(np.where(peak, height, -np.inf), axis=1)
    return np.where(peak.any(axis=1), best + 2, 1).astype(np.int64)


def series_periods(values, calendar, seasonal_period, context):
    """The seasonal period of each series: asked for, else detected in its values.

    Parameters
    ----------
    values : list of ndarray, or ndarray of shape (n_series, n)
        The series, finite.
    calendar : int or ndarray of shape (n_series,)
        The period their calendar gives (:func:`~tsrnn._data.season_length`).
    seasonal_period : int or None
        The user's ``seasonal_period``: every series gets it when given.
    context : int
        Only the last ``context`` values of a series are searched (the steps a model reads).

    Returns
    -------
    ndarray of shape (n_series,), int64
        ``seasonal_period`` when given; else :func:`detect_period` of the last ``context``
        values, except that a series too short to hold two cycles of its calendar's period
        gets the calendar's period.
    """
    n_series = len(values)
    if seasonal_period is not None:
        return np.full(n_series, int(seasonal_period), dtype=np.int64)
    periods = np.broadcast_to(np.asarray(calendar, dtype=np.int64), (n_series,)).copy()
    lengths = np.array([min(len(v), context) for v in values], dtype=np.int64)
    search = (periods <= 1) | (lengths >= MIN_CYCLES * periods)
    for length in np.unique(lengths[search]):  # series of one length are searched together
        idx = np.flatnonzero(search & (lengths == length))
        for block in range(0, len(idx), _BLOCK):
            rows = idx[block : block + _BLOCK]
            periods[rows] = _detect(np.stack([values[i][len(values[i]) - length :]
                                              for i in rows]))  # fmt: skip
    return periods
