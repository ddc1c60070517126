"""What the forecast plots draw, without matplotlib: series and their indexes, the x values
of an index and its continuation, interval bounds in every layout of ``predict_interval``,
and the series of a panel to show. :mod:`tsrnn.plotting` draws them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def _as_1d(values: Any, name: str) -> tuple[np.ndarray, pd.Index | None]:
    """Split a Series or 1-D array-like into float values and index.

    Parameters
    ----------
    values : pandas.Series or array-like of shape (n,)
        Input data.
    name : str
        Argument name used in error messages.

    Returns
    -------
    values : ndarray of shape (n,)
        ``float64`` values.
    index : pandas.Index of shape (n,) or None
        The Series index, or None for plain array-likes.

    Raises
    ------
    ValueError
        If the input is not one-dimensional or is empty.
    """
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(f"{name} must be a Series or 1-D array, got a DataFrame")
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        index: pd.Index | None = values.index
    else:
        arr = np.asarray(values, dtype=np.float64)
        index = None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    return arr, index


def _index_step(index: pd.Index) -> Any:
    """Step between consecutive labels of a regular index.

    Parameters
    ----------
    index : pandas.Index
        DatetimeIndex, PeriodIndex or integer index.

    Returns
    -------
    pandas.DateOffset or int
        Frequency offset (datetime or period index) or integer step.

    Raises
    ------
    ValueError
        If no regular step can be determined.
    """
    if isinstance(index, pd.PeriodIndex):
        return index.freq
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is not None:
            return index.freq
        if len(index) >= 3:
            freq = pd.DatetimeIndex(index, freq="infer").freq
            if freq is not None:
                return freq
        raise ValueError(
            "cannot extend a DatetimeIndex without a frequency; set index.freq or "
            "pass both history and forecast as Series"
        )
    if isinstance(index, pd.RangeIndex):
        return index.step
    if pd.api.types.is_integer_dtype(index.dtype):
        if len(index) >= 2:
            return int(index[-1] - index[-2])
        return 1
    raise ValueError(
        f"cannot extend an index of type {type(index).__name__}; pass both history "
        "and forecast as Series"
    )


def _extend_index(index: pd.Index, n: int, *, forward: bool) -> pd.Index:
    """Continue a regular index by ``n`` labels after (or before) it.

    Parameters
    ----------
    index : pandas.Index
        Regular DatetimeIndex, PeriodIndex or integer index.
    n : int
        Number of labels to create.
    forward : bool
        If True, the new labels follow ``index[-1]``; otherwise they end
        just before ``index[0]``.

    Returns
    -------
    pandas.Index of shape (n,)
        New labels of the same kind as ``index``.
    """
    step = _index_step(index)
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        if forward:
            start = index[-1] + step
            if isinstance(index, pd.PeriodIndex):
                return pd.period_range(start=start, periods=n, freq=step)
            return pd.date_range(start=start, periods=n, freq=step, tz=index.tz)
        end = index[0] - step
        if isinstance(index, pd.PeriodIndex):
            return pd.period_range(end=end, periods=n, freq=step)
        return pd.date_range(end=end, periods=n, freq=step, tz=index.tz)
    offsets = np.arange(1, n + 1) * step
    if forward:
        return pd.Index(int(index[-1]) + offsets)
    return pd.Index(int(index[0]) - offsets[::-1])


def _x_values(index: pd.Index) -> np.ndarray:
    """Convert an index to values matplotlib can plot.

    Parameters
    ----------
    index : pandas.Index of shape (n,)
        Index to convert; a PeriodIndex is converted to period start times.

    Returns
    -------
    ndarray of shape (n,)
        ``datetime64`` values for time indexes, else the index values.
    """
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        return np.asarray(index.to_pydatetime())
    return index.to_numpy()


def _index_kind(index: pd.Index) -> str:
    """Classify an index as ``"time"``, ``"numeric"`` or ``"other"``.

    Parameters
    ----------
    index : pandas.Index
        Index to classify.

    Returns
    -------
    str
        Kind of the index labels.
    """
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return "time"
    if pd.api.types.is_numeric_dtype(index.dtype):
        return "numeric"
    return "other"


def _interval_bounds(
    interval: Any, fc_index: pd.Index | None, h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Extract lower and upper bounds from one interval specification.

    Parameters
    ----------
    interval : pandas.DataFrame or array-like of shape (h, 2)
        Bounds: a DataFrame with columns ``lower`` and ``upper`` (or exactly
        two columns, lower first), or an array with two columns.
    fc_index : pandas.Index or None
        Index of the forecast, when it is a Series.
    h : int
        Forecast horizon.

    Returns
    -------
    lower, upper : ndarray of shape (h,)
        ``float64`` bounds in forecast order.

    Raises
    ------
    ValueError
        If the columns, length or index do not match the forecast.
    """
    if isinstance(interval, pd.DataFrame):
        cols = {str(c).lower(): c for c in interval.columns}
        if "lower" in cols and "upper" in cols:
            lower_col, upper_col = cols["lower"], cols["upper"]
        elif interval.shape[1] == 2:
            lower_col, upper_col = interval.columns[0], interval.columns[1]
        else:
            raise ValueError(
                "an interval DataFrame needs columns 'lower' and 'upper' or exactly two "
                f"columns, got {list(interval.columns)}"
            )
        if len(interval) != h:
            raise ValueError(f"interval has {len(interval)} rows but the forecast has {h} values")
        if (
            fc_index is not None
            and not interval.index.equals(fc_index)
            and not interval.index.equals(pd.RangeIndex(h))
        ):
            raise ValueError("the index of the intervals does not match the forecast index")
        lower = interval[lower_col].to_numpy(dtype=np.float64, na_value=np.nan)
        upper = interval[upper_col].to_numpy(dtype=np.float64, na_value=np.nan)
        return lower, upper
    arr = np.asarray(interval, dtype=np.float64)
    if arr.shape != (h, 2):
        raise ValueError(
            f"interval array must have shape (h, 2) = ({h}, 2) with lower and upper "
            f"columns, got {arr.shape}"
        )
    return arr[:, 0], arr[:, 1]


def _coverage_label(level: Any) -> str:
    """Legend label for an interval of nominal coverage ``level``.

    Parameters
    ----------
    level : float or str
        Coverage as a fraction (``0.8``) or a percentage (``80``).

    Returns
    -------
    str
        For example ``"80% interval"``.
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        return f"{level} interval"
    if 0 < value <= 1:
        value *= 100.0
    return f"{value:g}% interval"


def _coverage_sort_key(level: Any) -> float:
    """Numeric sort key of a coverage level (unknown levels sort last).

    Parameters
    ----------
    level : float or str
        Coverage as a fraction or a percentage.

    Returns
    -------
    float
        Coverage as a percentage, or ``-inf`` if not numeric.
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        return -np.inf
    return value * 100.0 if 0 < value <= 1 else value


def _is_multi(data: Any) -> bool:
    """Whether ``data`` is a DataFrame holding several series (wide or long).

    Parameters
    ----------
    data : object
        History or forecast.

    Returns
    -------
    bool
        True for a long DataFrame (``unique_id`` and ``ds`` columns) or a wide
        one with more than one column.
    """
    if not isinstance(data, pd.DataFrame):
        return False
    return _is_long(data) or data.shape[1] > 1


def _is_long(frame: pd.DataFrame) -> bool:
    """Whether a DataFrame is in the long layout (``unique_id``, ``ds``, values).

    Parameters
    ----------
    frame : pandas.DataFrame
        Frame to check.

    Returns
    -------
    bool
        True if it has the columns ``unique_id`` and ``ds``.
    """
    return {"unique_id", "ds"} <= set(frame.columns)


def _split_series(data: Any, name: str) -> dict[Any, pd.Series]:
    """One Series per series id of a wide or long DataFrame.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide (one column per series) or long (``unique_id``, ``ds`` and ``y``,
        or one other value column).
    name : str
        Argument name used in error messages.

    Returns
    -------
    dict
        Series id to an unnamed Series, in the order of first appearance.

    Raises
    ------
    ValueError
        If ``data`` is not a DataFrame or its value column is ambiguous.
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(
            f"{name} must be a wide or long DataFrame like the other input, got "
            f"{type(data).__name__}"
        )
    if not _is_long(data):
        return {c: data[c].rename(None).rename_axis(None) for c in data.columns}
    rest = [c for c in data.columns if c not in ("unique_id", "ds")]
    value = "y" if "y" in rest else (rest[0] if len(rest) == 1 else None)
    if value is None:
        raise ValueError(f"long {name} needs a column 'y' besides unique_id and ds, got {rest}")
    return {
        uid: pd.Series(group[value].to_numpy(), index=pd.Index(group["ds"].to_numpy()))
        for uid, group in data.groupby("unique_id", sort=False)
    }


def _split_intervals(intervals: Any, uid: Any) -> Any:
    """The interval(s) of one series from a wide or long interval frame.

    Parameters
    ----------
    intervals : pandas.DataFrame, dict or None
        Wide (``(series, lower/upper)`` columns) or long (``unique_id``,
        ``ds``, ``lower``, ``upper``) frame, or a dict of such frames by
        coverage.
    uid : object
        Series id.

    Returns
    -------
    pandas.DataFrame, dict or None
        Columns ``lower`` and ``upper`` of that series (a dict by coverage
        for a dict input).

    Raises
    ------
    ValueError
        If the intervals are in neither layout or miss the series.
    """
    if intervals is None:
        return None
    if isinstance(intervals, Mapping):
        return {level: _split_intervals(spec, uid) for level, spec in intervals.items()}
    if not isinstance(intervals, pd.DataFrame):
        raise ValueError(
            "intervals of several series must be a DataFrame as predict_interval returns it "
            "(wide with (series, lower/upper) columns, or long), or a dict of them"
        )
    if _is_long(intervals):
        rows = intervals[intervals["unique_id"] == uid]
        if rows.empty:
            raise ValueError(f"the intervals have no rows for series {uid!r}")
        return rows.set_index(pd.Index(rows["ds"].to_numpy()))[["lower", "upper"]]
    if isinstance(intervals.columns, pd.MultiIndex):
        if uid not in intervals.columns.get_level_values(0):
            raise ValueError(f"the intervals have no columns for series {uid!r}")
        return intervals[uid]
    raise ValueError(
        "intervals of several series need (series, lower/upper) columns or the long layout "
        f"(unique_id, ds, lower, upper), got columns {list(intervals.columns)}"
    )


def _select_series(ids: list[Any], series: Any, max_series: int) -> list[Any]:
    """The series ids :func:`plot_forecast` draws.

    Parameters
    ----------
    ids : list
        All ids, in order.
    series : id, list of ids or None
        Requested ids (matched exactly, else by their string form).
    max_series : int
        How many of ``ids`` to take when ``series`` is None.

    Returns
    -------
    list
        Ids to draw, at least one.

    Raises
    ------
    ValueError
        If a requested id is missing or nothing is selected.
    """
    if series is None:
        if not isinstance(max_series, (int, np.integer)) or max_series < 1:
            raise ValueError(f"max_series must be a positive int, got {max_series!r}")
        return ids[: int(max_series)]
    wanted = [series] if isinstance(series, (str, int, np.integer)) else list(series)
    if not wanted:
        raise ValueError("series= is empty; give at least one series id")
    by_text = {str(i): i for i in ids}
    chosen = []
    for s in wanted:
        if s in ids:
            chosen.append(s)
        elif str(s) in by_text:
            chosen.append(by_text[str(s)])
        else:
            shown = ", ".join(map(repr, ids[:10])) + (", ..." if len(ids) > 10 else "")
            raise ValueError(f"no series {s!r}; the series are {shown}")
    return chosen
