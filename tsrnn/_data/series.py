"""The user's time series in, validated: :func:`check_series` and :class:`SeriesData`.

Supported inputs (see :func:`check_series`):

* ``pd.Series`` with a ``DatetimeIndex`` (with or without ``freq``), a ``PeriodIndex``, a
  ``RangeIndex`` or any strictly increasing integer index with a constant step;
* a *wide* ``pd.DataFrame``: one column per series, sharing the index; leading and trailing
  NaN of a column are stripped, so series may start and end at different times;
* a *long* ``pd.DataFrame`` with the columns ``unique_id``, ``ds`` and ``y``: series of
  different lengths and start dates, sharing one frequency;
* a 1-D array or list (one series) or a 2-D array of shape ``(n_time, n_series)``.

Each is answered with one float64 array and one time index per series, the shared frequency
and the layout, which :mod:`.output` uses to answer in the same layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .validation import (
    _as_float,
    _check_index,
    _check_integer_steps,
    _clean_values,
    _first_true,
    _id_label,
    _index_key,
    _infer_offset,
    _irregular_error,
    _two_stamp_offset,
    _with_freq,
)

#: Columns of a long DataFrame: series identifier, time stamp and target value.
LONG_COLUMNS = ("unique_id", "ds", "y")


_LAYOUTS = ("series", "wide", "long", "array")


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
        pairs = [i for i in order if len(groups[i]) == 2]
        offs = [_two_stamp_offset(groups[i][0], groups[i][1]) for i in pairs]
        for i, o in zip(pairs, offs, strict=True):
            if o != offs[0]:
                raise _mixed_error(gids[pairs[0]], _freqstr(offs[0]), gids[i], _freqstr(o))
        if offs:
            off = offs[0]
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
