"""Boundary between user data and the network.

The data flow of the package is::

    user input -> _data (validate, window, scale) -> network -> _data (unscale, index) -> user

Everything that knows about pandas, time indexes, frequencies, missing values and the layout
of the user's data lives in this module. The network and its kernels only ever see contiguous
float64 arrays of windows, and the estimator never loops over time steps itself.

Supported inputs (see :func:`check_series`):

* ``pd.Series`` with a ``DatetimeIndex`` (with or without ``freq``), a ``PeriodIndex``, a
  ``RangeIndex`` or any strictly increasing integer index with a constant step;
* a *wide* ``pd.DataFrame``: one column per series, sharing the index; leading and trailing
  NaN of a column are stripped, so series may start and end at different times;
* a *long* ``pd.DataFrame`` with the columns ``unique_id``, ``ds`` and ``y``: series of
  different lengths and start dates, sharing one frequency;
* a 1-D array or list (one series) or a 2-D array of shape ``(n_time, n_series)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

__all__ = [
    "LONG_COLUMNS",
    "SeriesData",
    "auto_window",
    "check_series",
    "future_index",
    "make_windows",
    "scale_windows",
    "season_length",
    "to_output",
    "unscale",
]

#: Columns of a long DataFrame: series identifier, time stamp and target value.
LONG_COLUMNS = ("unique_id", "ds", "y")

_LAYOUTS = ("series", "wide", "long", "array")

# Values of ``pd.api.types.infer_dtype`` for object data that holds only numbers.
_NUMERIC_INFERRED = frozenset(
    {"integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty"}
)


@dataclass
class SeriesData:
    """Validated time series, ready to be windowed.

    Attributes
    ----------
    values : list of ndarray
        One float64 array of shape ``(n_time_i,)`` per series, ``n_time_i >= 1``, finite.
    indexes : list of pandas.Index
        The time index of each series, of length ``n_time_i``: a ``DatetimeIndex`` (with
        ``freq`` set when it is known), a ``PeriodIndex``, a ``RangeIndex`` (array input) or an
        integer index.
    ids : list
        The series names, one per series: ``[Series.name]`` (``[0]`` when unnamed) for a
        Series, the column names of a wide DataFrame, the sorted ``unique_id`` values of a long
        DataFrame, ``[0]`` for a 1-D array and ``list(range(n_series))`` for a 2-D array.
    layout : {"series", "wide", "long", "array"}
        The layout of the input, used by :func:`to_output` to answer in the same layout.
    freq : pandas.DateOffset or None
        The frequency shared by all series: a ``DateOffset`` for datetime indexes, the period
        frequency for a ``PeriodIndex``, ``None`` for integer indexes (and for datetime series
        too short to tell, i.e. a single time stamp).
    name : object
        The Series name for layout ``"series"``, else ``None``.
    ndim : int
        Number of dimensions of the input: 1 for a Series or a 1-D array, 2 for a DataFrame or
        a 2-D array. An ``"array"`` input of ``ndim`` 2 with a single column is answered as a
        2-D array of shape ``(horizon, 1)``.
    """

    values: list[np.ndarray]
    indexes: list[pd.Index]
    ids: list
    layout: str
    freq: object
    name: object
    ndim: int = 1

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.values)

    @property
    def lengths(self) -> np.ndarray:
        """Lengths of the series, int64 array of shape ``(n_series,)``."""
        return np.array([len(v) for v in self.values], dtype=np.int64)


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _as_float(values, label: str) -> np.ndarray:
    """Convert numeric values (pandas Series or ndarray) to a float64 ndarray.

    Parameters
    ----------
    values : pandas.Series or ndarray
        Any shape.
    label : str
        How to name the values in an error message, e.g. ``"column 'a'"``.

    Returns
    -------
    ndarray
        float64, same shape, missing values as NaN. A new array (never a view of the input).

    Raises
    ------
    TypeError
        For text, object (other than numbers), datetime, timedelta, categorical and complex
        data. Booleans are accepted as 0/1.
    """
    dtype = values.dtype
    is_bool = pd.api.types.is_bool_dtype(dtype)
    is_num = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    if not (is_bool or is_num):
        if pd.api.types.is_object_dtype(dtype):
            flat = np.asarray(values, dtype=object).ravel()
            kind = pd.api.types.infer_dtype(flat, skipna=True)
            if kind not in _NUMERIC_INFERRED:
                raise TypeError(
                    f"{label} holds non-numeric values (inferred type {kind!r}); the target must "
                    "be numeric (int, float or bool). Convert it with pd.to_numeric or drop it."
                )
        else:
            raise TypeError(
                f"{label} has non-numeric dtype {dtype}; the target must be numeric (int, float "
                "or bool). Convert it with pd.to_numeric or drop it."
            )
    if isinstance(values, pd.Series):
        out = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    else:
        try:
            out = np.array(values, dtype=np.float64, copy=True)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{label} could not be converted to float64: {exc}") from exc
    return out


def _first_true(mask: np.ndarray) -> int:
    """Position of the first True of a boolean 1-D array (which must have one)."""
    return int(np.argmax(mask))


def _clean_values(
    v: np.ndarray,
    index: pd.Index,
    *,
    where: str,
    allow_missing: bool,
    strip_edges: bool,
) -> tuple[np.ndarray, pd.Index]:
    """Check one series for NaN / inf, strip or interpolate NaN where allowed.

    Parameters
    ----------
    v : ndarray of shape (n_time,)
        float64 values (modified in place when interpolating; pass a private copy).
    index : pandas.Index of length n_time
    where : str
        Name of the series in messages, e.g. ``"y"`` or ``"y of series 'a'"``.
    allow_missing : bool
        Strip leading / trailing NaN and fill interior NaN by linear interpolation.
    strip_edges : bool
        Strip leading / trailing NaN even without ``allow_missing`` (ragged wide input).

    Returns
    -------
    v : ndarray of shape (n_kept,)
    index : pandas.Index of length n_kept
    """
    inf = np.isinf(v)
    if inf.any():
        pos = _first_true(inf)
        raise ValueError(
            f"{where} contains an infinite value at {index[pos]}; replace infinite values by "
            "finite ones (or by NaN and pass allow_missing=True to interpolate them)."
        )
    nan = np.isnan(v)
    if not nan.any():
        return v, index
    if nan.all():
        raise ValueError(f"{where} contains only NaN values; drop this series.")
    if strip_edges or allow_missing:
        ok = np.flatnonzero(~nan)
        first, last = int(ok[0]), int(ok[-1]) + 1
        v, index, nan = v[first:last], index[first:last], nan[first:last]
        if not nan.any():
            return v, index
    if not allow_missing:
        pos = _first_true(nan)
        raise ValueError(
            f"{where} contains NaN at {index[pos]}; fill or drop the missing values, or pass "
            "allow_missing=True to fill interior gaps by linear interpolation."
        )
    pos = np.arange(len(v), dtype=np.float64)
    v = v.copy()
    v[nan] = np.interp(pos[nan], pos[~nan], v[~nan])
    return v, index


def _check_unique_sorted(index: pd.Index, where: str) -> None:
    """Raise ValueError for missing, duplicate or unsorted time stamps."""
    if index.hasnans:
        pos = _first_true(np.asarray(index.isna()))
        raise ValueError(
            f"missing time stamp (NaT/NaN) at position {pos} of {where}; drop those rows."
        )
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise ValueError(
            f"duplicate timestamps in {where}: {dup} appears more than once; aggregate or drop "
            "the duplicates first (e.g. y.groupby(level=0).mean())."
        )
    if not index.is_monotonic_increasing:
        key = _index_key(index)
        pos = _first_true(np.diff(key) < 0) + 1
        raise ValueError(
            f"unsorted timestamps in {where}: {index[pos]} comes after {index[pos - 1]}; sort "
            "the data by time first (e.g. y.sort_index())."
        )


def _index_key(index: pd.Index) -> np.ndarray:
    """Integer sort key of a datetime, period or integer index, shape (len(index),)."""
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        return np.asarray(index.asi8)
    return np.asarray(index)


def _irregular_error(where: str) -> ValueError:
    return ValueError(
        f"irregular timestamps in {where}: no frequency could be inferred (gaps or uneven "
        "spacing). Put the data on a regular grid first, e.g. y.asfreq('D') or "
        "y.resample('D').mean(), then fill the gaps (allow_missing=True interpolates them)."
    )


def _infer_offset(index: pd.DatetimeIndex):
    """``pd.infer_freq`` as a DateOffset (or None), silencing its deprecation warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(index)
    return None if freq is None else to_offset(freq)


def _datetime_freq(index: pd.DatetimeIndex, where: str):
    """Frequency of a sorted, unique DatetimeIndex: its ``freq`` or an inferred one.

    Returns None for a single time stamp, the spacing as a fixed offset for two time stamps.
    """
    if index.freq is not None:
        return index.freq
    if len(index) >= 3:
        off = _infer_offset(index)
        if off is None:
            raise _irregular_error(where)
        return off
    if len(index) == 2:
        return to_offset(index[1] - index[0])
    return None


def _with_freq(index: pd.DatetimeIndex, off) -> pd.DatetimeIndex:
    """The same DatetimeIndex with ``freq`` set; ValueError if it does not conform."""
    if off is None or index.freq == off:
        return index
    return pd.DatetimeIndex(index, freq=off)


def _check_integer_steps(key: np.ndarray, where: str) -> int | None:
    """Common step of a sorted unique integer key (None for a single value)."""
    if len(key) < 2:
        return None
    d = np.diff(key)
    if np.any(d != d[0]):
        raise _irregular_error(where)
    return int(d[0])


def _check_index(index: pd.Index, where: str) -> tuple[pd.Index, object]:
    """Validate a time index; return it (with freq set when inferred) and its frequency.

    Parameters
    ----------
    index : pandas.Index
    where : str
        Name of the index in messages.

    Returns
    -------
    index : pandas.Index
    freq : pandas.DateOffset or None
    """
    if isinstance(index, pd.DatetimeIndex):
        _check_unique_sorted(index, where)
        off = _datetime_freq(index, where)
        try:
            index = _with_freq(index, off)
        except ValueError as exc:  # pragma: no cover - infer_freq and validation disagree
            raise _irregular_error(where) from exc
        return index, off
    if isinstance(index, pd.PeriodIndex):
        _check_unique_sorted(index, where)
        step = _check_integer_steps(np.asarray(index.asi8), where)
        if step is not None and step != index.freq.n:
            raise _irregular_error(where)
        return index, index.freq
    if isinstance(index, pd.RangeIndex):
        if index.step < 0 and len(index) > 1:
            raise ValueError(
                f"unsorted timestamps in {where}: the RangeIndex decreases (step {index.step}); "
                "sort the data by time first (e.g. y.sort_index())."
            )
        return index, None
    if pd.api.types.is_integer_dtype(index.dtype):
        _check_unique_sorted(index, where)
        _check_integer_steps(np.asarray(index), where)
        return index, None
    raise TypeError(
        f"unsupported time index of dtype {index.dtype} in {where}: use a DatetimeIndex, a "
        "PeriodIndex or an integer index (convert dates with pd.to_datetime and set them as the "
        "index, e.g. df.set_index(pd.to_datetime(df['date'])))."
    )


def _id_label(i) -> str:
    return f"series {i!r}"


# --------------------------------------------------------------------------------------------
# check_series
# --------------------------------------------------------------------------------------------


def check_series(y, *, allow_missing: bool = False) -> SeriesData:
    """Validate user time series and convert them to float64 arrays.

    Parameters
    ----------
    y : pandas.Series, pandas.DataFrame, ndarray or list
        * ``pd.Series`` of shape ``(n_time,)`` indexed by a ``DatetimeIndex`` (``freq`` is
          inferred with ``pd.infer_freq`` when missing), a ``PeriodIndex``, a ``RangeIndex``
          or a strictly increasing integer index with a constant step.
        * wide ``pd.DataFrame`` of shape ``(n_time, n_series)``: one series per column on the
          shared index; leading and trailing NaN of each column are stripped (ragged series).
        * long ``pd.DataFrame`` with the columns ``unique_id``, ``ds`` and ``y`` (other columns
          are ignored): one row per series and time stamp, in any order. ``ds`` holds
          datetimes, periods or integers; each series must be unique and regular in ``ds`` and
          all series must share one frequency.
        * 1-D array / list of shape ``(n_time,)`` or 2-D array of shape
          ``(n_time, n_series)``; leading and trailing NaN of the columns of a 2-D array are
          stripped as for a wide DataFrame.
    allow_missing : bool, default False
        Fill interior NaN by linear interpolation (and strip leading / trailing NaN) instead
        of raising. Infinite values always raise.

    Returns
    -------
    SeriesData

    Raises
    ------
    ValueError
        Empty input, NaN or infinite target values, missing / duplicate / unsorted / irregular
        time stamps, mixed frequencies in a long DataFrame, a long DataFrame missing one of
        its columns, arrays of more than two dimensions.
    TypeError
        Non-numeric target values (text, object, datetime, categorical, complex), an
        unsupported time index, or an unsupported input type.
    """
    if isinstance(y, pd.Series):
        return _check_pd_series(y, allow_missing)
    if isinstance(y, pd.DataFrame):
        cols = set(map(_hashable_or_none, y.columns))
        if "unique_id" in cols or "ds" in cols:
            return _check_long(y, allow_missing)
        return _check_wide(y, allow_missing)
    if isinstance(y, np.ndarray | np.generic | list | tuple | int | float):
        return _check_array(y, allow_missing)
    raise TypeError(
        f"unsupported input type {type(y).__name__}: pass a pandas Series, a wide DataFrame "
        "(one column per series), a long DataFrame with columns unique_id, ds, y, or a 1-D / "
        "2-D array of shape (n_time,) / (n_time, n_series)."
    )


def _hashable_or_none(c):
    try:
        hash(c)
    except TypeError:
        return None
    return c


def _empty_error(what: str) -> ValueError:
    return ValueError(f"empty input: the {what} has no observations; pass at least one value.")


def _check_pd_series(y: pd.Series, allow_missing: bool) -> SeriesData:
    if len(y) == 0:
        raise _empty_error("Series")
    where = "y" if y.name is None else f"y ({_id_label(y.name)})"
    index, freq = _check_index(y.index, f"the index of {where}")
    v = _as_float(y, f"Series {y.name!r}" if y.name is not None else "the Series")
    v, index = _clean_values(v, index, where=where, allow_missing=allow_missing, strip_edges=False)
    sid = 0 if y.name is None else y.name
    return SeriesData([v], [index], [sid], "series", freq, y.name, ndim=1)


def _check_wide(df: pd.DataFrame, allow_missing: bool) -> SeriesData:
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise _empty_error(f"DataFrame (shape {df.shape})")
    if not df.columns.is_unique:
        dup = df.columns[df.columns.duplicated()][0]
        raise ValueError(f"duplicate column {dup!r}: each column of a wide DataFrame is a series.")
    index, freq = _check_index(df.index, "the DataFrame index")
    values, indexes, ids = [], [], []
    for j, col in enumerate(df.columns):
        v = _as_float(df.iloc[:, j], f"column {col!r}")
        v, idx = _clean_values(
            v,
            index,
            where=f"y of {_id_label(col)}",
            allow_missing=allow_missing,
            strip_edges=True,
        )
        values.append(v)
        indexes.append(idx)
        ids.append(col)
    return SeriesData(values, indexes, ids, "wide", freq, None, ndim=2)


def _check_array(y, allow_missing: bool) -> SeriesData:
    try:
        arr = np.asarray(y)
    except ValueError as exc:
        raise ValueError(
            f"could not convert the input to a rectangular array ({exc}); pass a 1-D sequence "
            "or a 2-D array of shape (n_time, n_series), or a long DataFrame for series of "
            "different lengths."
        ) from exc
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(
            f"expected a 1-D array of shape (n_time,) or a 2-D array of shape "
            f"(n_time, n_series), got an array of shape {arr.shape}."
        )
    if arr.size == 0:
        raise _empty_error(f"array (shape {arr.shape})")
    vals = _as_float(arr, "the array")
    if arr.ndim == 1:
        v, idx = _clean_values(
            vals,
            pd.RangeIndex(len(vals)),
            where="y",
            allow_missing=allow_missing,
            strip_edges=False,
        )
        return SeriesData([v], [idx], [0], "array", None, None, ndim=1)
    full = pd.RangeIndex(arr.shape[0])
    values, indexes = [], []
    for j in range(arr.shape[1]):
        v, idx = _clean_values(
            np.ascontiguousarray(vals[:, j]),
            full,
            where=f"y of {_id_label(j)} (column {j})",
            allow_missing=allow_missing,
            strip_edges=True,
        )
        values.append(v)
        indexes.append(idx)
    return SeriesData(values, indexes, list(range(arr.shape[1])), "array", None, None, ndim=2)


def _check_long(df: pd.DataFrame, allow_missing: bool) -> SeriesData:
    missing = [c for c in LONG_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"a long DataFrame needs the columns 'unique_id', 'ds' and 'y'; missing: "
            f"{', '.join(repr(c) for c in missing)}. For a single series without unique_id add "
            "one (df.assign(unique_id=0)); a wide DataFrame has one column per series and "
            "no 'unique_id' / 'ds' columns."
        )
    if len(df) == 0:
        raise _empty_error("long DataFrame")
    for c in LONG_COLUMNS:
        if isinstance(df[c], pd.DataFrame):
            raise ValueError(f"duplicate column {c!r} in the long DataFrame.")

    y_all = _as_float(df["y"], "column 'y'")
    uid = df["unique_id"]
    if uid.isna().any():
        pos = _first_true(np.asarray(uid.isna()))
        raise ValueError(f"missing unique_id in row {pos} of the long DataFrame; drop that row.")

    ds = pd.Index(df["ds"])
    if not isinstance(ds, pd.DatetimeIndex | pd.PeriodIndex) and not (
        pd.api.types.is_integer_dtype(ds.dtype)
    ):
        raise TypeError(
            f"column 'ds' has unsupported dtype {ds.dtype}: it must hold datetimes, periods or "
            "integers (convert dates with pd.to_datetime(df['ds']))."
        )
    if ds.hasnans:
        pos = _first_true(np.asarray(ds.isna()))
        raise ValueError(f"missing time stamp (NaT) in column 'ds', row {pos}; drop that row.")

    try:
        codes, uniques = pd.factorize(uid, sort=True)
    except TypeError:  # unorderable mixture of id types: keep the order of appearance
        codes, uniques = pd.factorize(uid, sort=False)
    ids = list(uniques.tolist())
    key = _index_key(ds)
    order = np.lexsort((key, codes))
    codes_s, key_s = codes[order], key[order]
    ds_s = ds[order]
    y_s = y_all[order]

    same_series = codes_s[1:] == codes_s[:-1]
    dup = same_series & (key_s[1:] == key_s[:-1])
    if dup.any():
        pos = _first_true(dup) + 1
        raise ValueError(
            f"duplicate timestamps in {_id_label(ids[codes_s[pos]])} of the long DataFrame: "
            f"{ds_s[pos]} appears more than once; aggregate or drop the duplicates first "
            "(e.g. df.groupby(['unique_id', 'ds'], as_index=False)['y'].mean())."
        )
    bounds = np.flatnonzero(~same_series) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(codes_s)]])

    groups = [ds_s[s:e] for s, e in zip(starts, ends, strict=True)]
    gids = [ids[codes_s[s]] for s in starts]
    freq = _long_freq(groups, gids)

    values, indexes = [], []
    for g, sid, s, e in zip(groups, gids, starts, ends, strict=True):
        v, g = _clean_values(
            y_s[s:e].copy(),
            g,
            where=f"y of {_id_label(sid)}",
            allow_missing=allow_missing,
            strip_edges=False,
        )
        values.append(v)
        indexes.append(g)
    return SeriesData(values, indexes, gids, "long", freq, None, ndim=2)


def _mixed_error(a, fa, b, fb) -> ValueError:
    return ValueError(
        f"mixed frequencies in the long DataFrame: {_id_label(a)} has frequency {fa} but "
        f"{_id_label(b)} has frequency {fb}; all series must share one frequency (resample "
        "them to a common one)."
    )


def _freqstr(off) -> str:
    return getattr(off, "freqstr", str(off))


def _long_freq(groups: list[pd.Index], gids: list):
    """Common frequency of the (sorted, unique) per-series indexes of a long DataFrame.

    Sets ``freq`` on datetime groups in place of the list. Returns the DateOffset (datetime),
    the period frequency (period) or None (integer).
    """
    first = groups[0]
    where = "the long DataFrame"
    if isinstance(first, pd.PeriodIndex):
        for g, sid in zip(groups, gids, strict=True):
            step = _check_integer_steps(np.asarray(g.asi8), f"{_id_label(sid)} of {where}")
            if step is not None and step != g.freq.n:
                raise _irregular_error(f"{_id_label(sid)} of {where}")
        return first.freq
    if not isinstance(first, pd.DatetimeIndex):
        ref_step, ref_id = None, None
        for g, sid in zip(groups, gids, strict=True):
            step = _check_integer_steps(np.asarray(g), f"{_id_label(sid)} of {where}")
            if step is None:
                continue
            if ref_step is None:
                ref_step, ref_id = step, sid
            elif step != ref_step:
                raise _mixed_error(ref_id, f"step {ref_step}", sid, f"step {step}")
        return None

    # datetime: take the frequency of the longest series, check all others against it
    order = sorted(range(len(groups)), key=lambda i: -len(groups[i]))
    ref = order[0]
    off = None
    if len(groups[ref]) >= 3:
        off = _infer_offset(groups[ref])
        if off is None:
            raise _irregular_error(f"{_id_label(gids[ref])} of {where}")
    else:
        steps = {groups[i][1] - groups[i][0] for i in order if len(groups[i]) == 2}
        if len(steps) > 1:
            a, b = _two_different_steps(groups, order)
            raise _mixed_error(
                gids[a], groups[a][1] - groups[a][0], gids[b], groups[b][1] - groups[b][0]
            )
        if steps:
            off = to_offset(next(iter(steps)))
    if off is None:
        return None
    for i in order:
        g = groups[i]
        try:
            groups[i] = _with_freq(g, off)
        except ValueError as exc:
            own = _infer_offset(g) if len(g) >= 3 else None
            if len(g) >= 3 and own is None:
                raise _irregular_error(f"{_id_label(gids[i])} of {where}") from exc
            if own is not None and own != off:
                own_str = _freqstr(own)
            elif len(g) == 2 and g[0] + off != g[1]:
                own_str = f"a step of {g[1] - g[0]}"
            else:
                own_str = f"{_freqstr(off)} with time stamps off the grid (from {g[0]})"
            raise _mixed_error(gids[ref], _freqstr(off), gids[i], own_str) from exc
    return off


def _two_different_steps(groups, order) -> tuple[int, int]:
    pairs = [i for i in order if len(groups[i]) == 2]
    a = pairs[0]
    step = groups[a][1] - groups[a][0]
    b = next(i for i in pairs if groups[i][1] - groups[i][0] != step)
    return a, b


# --------------------------------------------------------------------------------------------
# frequencies and window length
# --------------------------------------------------------------------------------------------

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


def _check_positive_int(x, name: str, minimum: int = 1) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {x!r}.")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}.")
    return int(x)


# --------------------------------------------------------------------------------------------
# windows and scaling
# --------------------------------------------------------------------------------------------


def make_windows(
    values, window: int, horizon: int, *, stride: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sliding (input, target) windows over every series.

    Parameters
    ----------
    values : list of ndarray
        One array per series, of shape ``(n_time_i,)`` or ``(n_time_i, n_features)`` (the
        target being feature 0); a single ndarray of shape ``(n_time,)`` is one series.
    window : int
        Input length, ``>= 1``.
    horizon : int
        Target length, ``>= 0`` (0 gives input windows only, e.g. to predict from them).
    stride : int, default 1
        Step between consecutive windows of a series. Windows are aligned on the end of each
        series, so the most recent window is always included.

    Returns
    -------
    X : ndarray of shape (n_windows, window) or (n_windows, window, n_features)
        float64 input windows.
    Y : ndarray of shape (n_windows, horizon)
        float64 targets: the next ``horizon`` values of the target after each input window.
    series_idx : ndarray of shape (n_windows,)
        int64, the series each window comes from.
    end_pos : ndarray of shape (n_windows,)
        int64, position in its series right after the input window (= first target
        position). Windows are ordered by series, then by ``end_pos``.

    Raises
    ------
    ValueError
        If no series is at least ``window + horizon`` long.
    """
    window = _check_positive_int(window, "window")
    horizon = _check_positive_int(horizon, "horizon", minimum=0)
    stride = _check_positive_int(stride, "stride")
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = [values]
    values = [np.asarray(v, dtype=np.float64) for v in values]
    if not values:
        raise ValueError("no series given: values is empty.")
    ndims = {v.ndim for v in values}
    if len(ndims) != 1 or not ndims <= {1, 2}:
        raise ValueError(
            "each series must be an array of shape (n_time,) or (n_time, n_features), all "
            "with the same number of dimensions."
        )
    total = window + horizon
    n_feat = {v.shape[1:] for v in values}
    if len(n_feat) != 1:
        raise ValueError("all series must have the same number of features.")
    lengths = np.array([v.shape[0] for v in values], dtype=np.int64)
    if lengths.max() < total:
        raise ValueError(
            f"series of length {int(lengths.max())} is shorter than window + horizon = "
            f"{window} + {horizon} = {total}: no training window can be made; use a smaller "
            "window (or window='auto') or a shorter horizon."
        )
    # all series end to end, one sliding view over them, and the valid window starts
    cat = np.concatenate(values, axis=0)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    usable = np.maximum(lengths - total, -1)
    n_win = np.where(usable >= 0, usable // stride + 1, 0)
    first = np.where(usable >= 0, usable % stride, 0)
    series_idx = np.repeat(np.arange(len(values), dtype=np.int64), n_win)
    k = np.arange(series_idx.shape[0], dtype=np.int64) - np.repeat(np.cumsum(n_win) - n_win, n_win)
    pos = first[series_idx] + stride * k  # start of each window within its series
    sw = np.lib.stride_tricks.sliding_window_view(cat, total, axis=0)
    W = sw[offsets[series_idx] + pos]  # (n_windows, total) or (n_windows, n_features, total)
    if W.ndim == 3:
        W = np.moveaxis(W, -1, 1)  # (n_windows, total, n_features)
        X = np.ascontiguousarray(W[:, :window, :])
        Y = np.ascontiguousarray(W[:, window:, 0])
    else:
        X = np.ascontiguousarray(W[:, :window])
        Y = np.ascontiguousarray(W[:, window:])
    return X, Y, series_idx, pos + window


def _expand(a: np.ndarray, ndim: int) -> np.ndarray:
    """Reshape a (n,) array to (n, 1, ..., 1) with ``ndim`` dimensions."""
    return a.reshape((a.shape[0],) + (1,) * (ndim - 1))


def scale_windows(
    X, Y=None, *, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Normalise each window by the statistics of its own input window.

    ``loc`` is the mean and ``scale`` the standard deviation of the target in each input
    window. For a (nearly) constant window, ``std <= eps * max(mean(|x|), tiny)``, the scale
    is ``mean(|x|)`` instead, and 1 if that is 0. This makes the network level- and
    scale-invariant: values around 1e12 or 1e-12 are handled alike, and a model trained on
    one series can be applied to series of another level.

    Parameters
    ----------
    X : array_like of shape (n, window) or (n, window, n_features)
        Input windows. For 3-D input only feature 0 (the target) is scaled; the other
        features are returned unchanged.
    Y : array_like of shape (n, horizon) or (n, horizon, k), optional
        Targets, scaled with the statistics of their input window.
    eps : float, default 1e-8
        Relative threshold below which a window counts as constant.

    Returns
    -------
    Xs : ndarray, float64, same shape as X
    Ys : ndarray, float64, same shape as Y, or None if Y is None
    loc : ndarray of shape (n,), float64
    scale : ndarray of shape (n,), float64, > 0

    Raises
    ------
    ValueError
        If X has the wrong number of dimensions, the first dimensions of X and Y differ, or
        the target windows hold NaN or infinite values.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"X must have shape (n, window) or (n, window, n_features), got shape {X.shape}."
        )
    target = X if X.ndim == 2 else X[:, :, 0]
    if not np.isfinite(target).all():
        raise ValueError("X contains NaN or infinite target values; clean the series first.")
    n = X.shape[0]
    if target.shape[1] == 0:
        raise ValueError("X has windows of length 0.")
    # scale each window by a power of two (exact) to avoid overflow in the variance
    absmax = np.abs(target).max(axis=1)
    _, expo = np.frexp(np.where(absmax > 0, absmax, 1.0))
    z = np.ldexp(target, -expo[:, None])
    loc = np.ldexp(z.mean(axis=1), expo)
    std = np.ldexp(z.std(axis=1), expo)
    absmean = np.ldexp(np.abs(z).mean(axis=1), expo)
    tiny = np.finfo(np.float64).tiny
    flat = std <= eps * np.maximum(absmean, tiny)
    scale = np.where(flat, absmean, std)
    scale = np.where(scale > 0, scale, 1.0)

    Xs = X.copy()
    if X.ndim == 2:
        Xs -= loc[:, None]
        Xs /= scale[:, None]
    else:
        Xs[:, :, 0] = (target - loc[:, None]) / scale[:, None]
    Ys = None
    if Y is not None:
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim < 1 or Y.shape[0] != n:
            raise ValueError(f"Y must have {n} rows like X (shape {X.shape}), got shape {Y.shape}.")
        Ys = (Y - _expand(loc, Y.ndim)) / _expand(scale, Y.ndim)
    return Xs, Ys, loc, scale


def unscale(Yhat, loc, scale) -> np.ndarray:
    """Invert :func:`scale_windows` on predictions.

    Parameters
    ----------
    Yhat : array_like of shape (n, horizon) or (n, horizon, q)
        Scaled predictions (q quantiles or samples for 3-D).
    loc, scale : array_like of shape (n,)
        As returned by :func:`scale_windows`.

    Returns
    -------
    ndarray, float64, same shape as Yhat
        ``Yhat * scale + loc``, broadcast over the trailing dimensions.
    """
    Yhat = np.asarray(Yhat, dtype=np.float64)
    loc = np.asarray(loc, dtype=np.float64).reshape(-1)
    scale = np.asarray(scale, dtype=np.float64).reshape(-1)
    if Yhat.ndim < 1 or Yhat.shape[0] != loc.shape[0] or scale.shape != loc.shape:
        raise ValueError(
            f"Yhat (shape {Yhat.shape}), loc (shape {loc.shape}) and scale (shape "
            f"{scale.shape}) must have the same first dimension."
        )
    return Yhat * _expand(scale, Yhat.ndim) + _expand(loc, Yhat.ndim)


# --------------------------------------------------------------------------------------------
# future index and output
# --------------------------------------------------------------------------------------------


def future_index(index: pd.Index, horizon: int, freq=None) -> pd.Index:
    """The ``horizon`` time stamps right after the end of ``index``.

    Parameters
    ----------
    index : pandas.Index
        Non-empty, sorted time index: ``DatetimeIndex``, ``PeriodIndex``, ``RangeIndex`` or
        integer index.
    horizon : int
        Number of future steps, ``>= 0``.
    freq : str, pandas.DateOffset or int, optional
        Frequency to use for a ``DatetimeIndex`` (default: ``index.freq``, else inferred from
        the index). For an integer index an int is taken as the step (default: the index's
        step, 1 for a single value). Ignored for a ``PeriodIndex``.

    Returns
    -------
    pandas.Index of length horizon
        ``DatetimeIndex`` with ``freq`` set (same time zone, resolution and name),
        ``PeriodIndex`` with the same frequency, ``RangeIndex`` with the same step, or an
        integer index of the same dtype.

    Raises
    ------
    ValueError
        Empty index, or a ``DatetimeIndex`` whose frequency is unknown and cannot be inferred.
    TypeError
        Unsupported index type.
    """
    horizon = _check_positive_int(horizon, "horizon", minimum=0)
    if len(index) == 0:
        raise ValueError("cannot continue an empty index.")
    if isinstance(index, pd.DatetimeIndex):
        off = freq if freq is not None else index.freq
        if off is None and len(index) >= 3:
            off = _infer_offset(index)
        if off is None:
            raise ValueError(
                "the frequency of the time index is unknown and cannot be inferred; pass freq "
                "(e.g. freq='D') or give the index a frequency (y.asfreq('D'))."
            )
        off = _to_offset(off)
        start = index[-1] + off
        return pd.date_range(
            start=start, periods=horizon, freq=off, unit=index.unit, name=index.name
        )
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(
            start=index[-1] + 1, periods=horizon, freq=index.freq, name=index.name
        )
    if isinstance(index, pd.RangeIndex):
        step = index.step if freq is None else int(freq)
        start = index[-1] + step
        return pd.RangeIndex(start, start + horizon * step, step, name=index.name)
    if pd.api.types.is_integer_dtype(index.dtype):
        if freq is not None:
            step = int(freq)
        elif len(index) >= 2:
            step = int(index[-1]) - int(index[-2])
        else:
            step = 1
        vals = int(index[-1]) + step * np.arange(1, horizon + 1, dtype=np.int64)
        return pd.Index(vals.astype(index.dtype), name=index.name)
    raise TypeError(
        f"unsupported time index of dtype {index.dtype}: use a DatetimeIndex, a PeriodIndex or "
        "an integer index."
    )


def to_output(pred, data: SeriesData, indexes=None):
    """Put predictions into the layout of the user's input.

    Parameters
    ----------
    pred : array_like of shape (n_series, horizon)
        float64 predictions, one row per series of ``data`` (in the order of ``data.ids``).
    data : SeriesData
        The validated input, from :func:`check_series`.
    indexes : list of pandas.Index, optional
        The future index of each series, each of length ``horizon``. Default:
        ``future_index(data.indexes[i], horizon, data.freq)`` for each series.

    Returns
    -------
    pandas.Series, pandas.DataFrame or ndarray
        * ``"series"``: Series of shape ``(horizon,)`` on the future index, with the name of
          the input Series;
        * ``"wide"``: DataFrame of shape ``(horizon, n_series)`` with columns ``data.ids`` on
          the shared future index (all series must end at the same time);
        * ``"long"``: DataFrame with columns ``unique_id``, ``ds``, ``y`` and
          ``n_series * horizon`` rows, sorted by ``unique_id`` then ``ds``; ``ds`` has the
          dtype of the input's ``ds``;
        * ``"array"``: ndarray of shape ``(horizon,)`` for 1-D input, ``(horizon, n_series)``
          for 2-D input (row ``k`` is ``k + 1`` steps after each series' own end).

    Raises
    ------
    ValueError
        Shape mismatch, or series of a wide DataFrame that do not end at the same time.
    """
    pred = np.array(pred, dtype=np.float64, copy=True)
    n = data.n_series
    if pred.ndim != 2 or pred.shape[0] != n:
        raise ValueError(
            f"pred must have shape (n_series, horizon) = ({n}, horizon), got {pred.shape}."
        )
    horizon = pred.shape[1]
    if indexes is None:
        indexes = [future_index(idx, horizon, data.freq) for idx in data.indexes]
    indexes = list(indexes)
    if len(indexes) != n or any(len(ix) != horizon for ix in indexes):
        raise ValueError(
            f"indexes must hold {n} future indexes of length {horizon} (one per series)."
        )
    layout = data.layout
    if layout == "series":
        return pd.Series(pred[0], index=indexes[0], name=data.name)
    if layout == "wide":
        first = indexes[0]
        for ix, sid in zip(indexes[1:], data.ids[1:], strict=True):
            if not ix.equals(first):
                raise ValueError(
                    f"the series of the wide DataFrame do not end at the same time (series "
                    f"{data.ids[0]!r} and {sid!r} have different forecast dates), so the "
                    "forecasts do not share one index; pass the data in the long format "
                    "(columns unique_id, ds, y) instead, e.g. "
                    "df.melt(ignore_index=False, var_name='unique_id', value_name='y')."
                )
        return pd.DataFrame(pred.T, index=first, columns=pd.Index(data.ids))
    if layout == "long":
        ds = indexes[0].append(indexes[1:]) if n > 1 else indexes[0]
        return pd.DataFrame(
            {
                "unique_id": pd.Index(data.ids).repeat(horizon),
                "ds": ds.rename("ds"),
                "y": pred.reshape(-1),
            }
        )
    if layout == "array":
        return pred[0] if data.ndim == 1 else np.ascontiguousarray(pred.T)
    raise ValueError(f"unknown layout {layout!r}; expected one of {_LAYOUTS}.")


def naive_baseline(X, horizon: int, period: int) -> np.ndarray:
    """Seasonal-naive forecast of each window: its last ``period`` values, repeated.

    The network learns the difference from this baseline (``baseline`` of the estimator):
    an untrained network already forecasts like the seasonal naive method, and training only
    has to learn what that misses. ``period=1`` repeats the last value (the naive method).

    Parameters
    ----------
    X : ndarray of shape (n, window)
        Input windows (the target only).
    horizon : int
    period : int
        ``1 <= period <= window``.

    Returns
    -------
    ndarray of shape (n, horizon)
    """
    X = np.asarray(X)
    window = X.shape[1]
    if not 1 <= period <= window:
        raise ValueError(f"period must be between 1 and the window {window}, got {period}.")
    cols = window - period + np.arange(horizon) % period
    return X[:, cols]


# --------------------------------------------------------------------------------------------
# covariates
# --------------------------------------------------------------------------------------------


def _covariate_frame(covariates, what="covariates") -> pd.DataFrame:
    """Covariates as a DataFrame of float64 columns (with unique_id/ds kept for long data)."""
    if isinstance(covariates, pd.Series):
        covariates = covariates.to_frame()
    elif isinstance(covariates, np.ndarray | list):
        arr = np.asarray(covariates)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"{what} must be 1-D or 2-D (n_time, n_covariates), got {arr.shape}.")
        covariates = pd.DataFrame(arr)
    if not isinstance(covariates, pd.DataFrame):
        raise TypeError(
            f"{what} must be a pandas DataFrame or Series (or an ndarray for array input), got "
            f"{type(covariates).__name__}."
        )
    long = "unique_id" in covariates.columns and "ds" in covariates.columns
    value_cols = [c for c in covariates.columns if not (long and c in ("unique_id", "ds"))]
    if not value_cols:
        raise ValueError(f"{what} has no covariate column.")
    out = {}
    for c in value_cols:
        out[c] = _as_float(covariates[c], f"{what} column {c!r}")
    frame = pd.DataFrame(out, index=covariates.index)
    if long:
        frame.insert(0, "ds", covariates["ds"].to_numpy())
        frame.insert(0, "unique_id", covariates["unique_id"].to_numpy())
    return frame


def covariate_columns(covariates) -> list:
    """Names of the covariate columns (``unique_id`` and ``ds`` of long data excluded)."""
    frame = _covariate_frame(covariates)
    return [c for c in frame.columns if c not in ("unique_id", "ds")]


def align_covariates(covariates, ids, indexes, columns=None) -> list[np.ndarray]:
    """Covariate rows of each series at the given time stamps.

    Parameters
    ----------
    covariates : pandas.DataFrame, pandas.Series or ndarray
        Either indexed by time and shared by every series, or long (columns ``unique_id``,
        ``ds`` and one column per covariate) with rows per series. An ndarray is indexed by
        position (0, 1, ...), like array input.
    ids : list
        Series ids, as in :class:`SeriesData`.
    indexes : list of pandas.Index
        For each series, the time stamps whose covariate rows are needed.
    columns : list, optional
        Expected covariate columns (those seen in fit), in order.

    Returns
    -------
    list of ndarray of shape (len(indexes[i]), n_covariates)
        float64, finite.

    Raises
    ------
    ValueError
        A needed time stamp has no row (missing, misaligned or too short covariates), a
        series has no rows, NaN/inf values, or other columns than in fit.
    TypeError
        Non-numeric covariate columns (named).
    """
    frame = _covariate_frame(covariates)
    long = "unique_id" in frame.columns and "ds" in frame.columns
    names = [c for c in frame.columns if c not in ("unique_id", "ds")]
    if columns is not None and list(names) != list(columns):
        raise ValueError(
            f"covariates have the columns {names}, but the model was fitted with {list(columns)}."
        )
    if long:
        groups = {k: g for k, g in frame.groupby("unique_id", sort=False)}
    out = []
    for sid, index in zip(ids, indexes, strict=True):
        if long:
            if sid not in groups:
                raise ValueError(f"covariates have no rows for series {sid!r} (unique_id).")
            g = groups[sid]
            table = pd.DataFrame(g[names].to_numpy(), index=pd.Index(g["ds"].to_numpy()))
        else:
            table = pd.DataFrame(frame[names].to_numpy(), index=frame.index)
        if table.index.has_duplicates:
            raise ValueError(f"covariates have duplicate time stamps (series {sid!r}).")
        try:
            rows = table.reindex(index)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"the covariates' index ({table.index.dtype}) does not match the series' time "
                f"index ({index.dtype}): {exc}"
            ) from exc
        values = rows.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values).all(axis=1)
        if bad.any():
            stamp = index[_first_true(bad)]
            where = f" of series {sid!r}" if len(ids) > 1 else ""
            present = table.index.isin([stamp]).any()
            problem = "has NaN or infinite values" if present else "has no row"
            raise ValueError(
                f"covariates {problem} at {stamp}{where}: they must cover every time stamp of "
                "the history's last window and the forecast horizon after it."
            )
        out.append(values)
    return out


def calendar_features(index) -> np.ndarray:
    """Cyclical calendar features of time stamps, known for any future date.

    Sine and cosine of the position within the calendar cycles that fit the frequency:
    hour of day and day of week for sub-daily data, day of week and day of year for daily,
    week of year for weekly, month of year for monthly, quarter for quarterly data.

    Parameters
    ----------
    index : pandas.DatetimeIndex or pandas.PeriodIndex
        With a frequency.

    Returns
    -------
    ndarray of shape (len(index), n_calendar_features)
    """
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
        index = index.to_timestamp()
    elif isinstance(index, pd.DatetimeIndex):
        freq = index.freq if index.freq is not None else _infer_offset(index)
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


def to_output_quantiles(pred, data: SeriesData, labels):
    """Like :func:`to_output`, for several values per step (quantiles, interval bounds).

    Parameters
    ----------
    pred : array_like of shape (n_series, horizon, n_labels)
    data : SeriesData
    labels : list
        Name of each of the ``n_labels`` values (e.g. the quantile levels).

    Returns
    -------
    pandas.DataFrame or ndarray
        ``"series"``: DataFrame (horizon, n_labels) on the future index, columns ``labels``;
        ``"wide"``: columns ``(series id, label)``; ``"long"``: columns ``unique_id``, ``ds``
        and one per label; ``"array"``: ndarray (horizon, n_labels) for 1-D input, else
        (horizon, n_series, n_labels).
    """
    pred = np.asarray(pred, dtype=np.float64)
    n, horizon, k = pred.shape
    indexes = [future_index(idx, horizon, data.freq) for idx in data.indexes]
    if data.layout == "array":
        return pred[0] if data.ndim == 1 else np.ascontiguousarray(pred.transpose(1, 0, 2))
    if data.layout == "series":
        return pd.DataFrame(pred[0], index=indexes[0], columns=list(labels))
    if data.layout == "long":
        frame = to_output(pred[:, :, 0], data, indexes)
        frame = frame.drop(columns="y")
        for j, label in enumerate(labels):
            frame[label] = pred[:, :, j].reshape(-1)
        return frame
    wide = [to_output(pred[:, :, j], data, indexes) for j in range(k)]
    frame = pd.concat(wide, axis=1, keys=list(labels)).swaplevel(0, 1, axis=1)
    return frame[[(sid, label) for sid in data.ids for label in labels]]
