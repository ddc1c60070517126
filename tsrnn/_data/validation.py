"""Checks of one series' values and time index, shared by the modules of the package.

Conversion of numeric values to float64 (text, dates, categories and complex numbers are
refused with a TypeError), NaN and infinite values (refused, stripped at the edges or
interpolated), missing, duplicate, unsorted and irregular time stamps, the frequency of a time
index (its ``freq``, else one inferred with ``pd.infer_freq``) and integer arguments. Errors
name the series and, where there is one, the time stamp at fault, and say how to fix the data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

# Values of ``pd.api.types.infer_dtype`` for object data that holds only numbers.
_NUMERIC_INFERRED = frozenset(
    {"integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty"}
)


def _as_float(values, label: str) -> np.ndarray:
    """Convert numeric values (pandas Series or ndarray) to a float64 ndarray.

    Used for the target and for covariate columns.

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
                    f"{label} holds non-numeric values (inferred type {kind!r}); targets and "
                    "covariates must be numeric (int, float or bool). Convert it with "
                    "pd.to_numeric or drop it."
                )
        else:
            raise TypeError(
                f"{label} has non-numeric dtype {dtype}; targets and covariates must be numeric "
                "(int, float or bool). Convert it with pd.to_numeric or drop it."
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
        return _two_stamp_offset(index[0], index[1])
    return None


def _two_stamp_offset(a, b):
    """The frequency of two time stamps: a calendar one (months, quarters, years, their
    starts or ends) when both stamps sit on it, else their fixed distance.

    ``pd.infer_freq`` needs three stamps; two month starts are 31 days apart or 29, and
    continuing them by a fixed distance would leave the months.
    """
    months = (b.year - a.year) * 12 + b.month - a.month
    if months >= 1 and a.time() == b.time():
        month = a.strftime("%b").upper()
        for suffix in ("S", "E"):
            kinds = [(f"M{suffix}", months)]
            if months % 3 == 0:
                kinds.insert(0, (f"Q{suffix}-{month}", months // 3))
            if months % 12 == 0:
                kinds.insert(0, (f"Y{suffix}-{month}", months // 12))
            for name, n in kinds:
                off = to_offset(f"{n}{name}")
                if off.is_on_offset(a) and a + off == b:
                    return off
    return to_offset(b - a)


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


def _check_positive_int(x, name: str, minimum: int = 1) -> int:
    if isinstance(x, bool) or not isinstance(x, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {x!r}.")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}.")
    return int(x)
