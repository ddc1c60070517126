"""Predictions back in the user's layout, on the time stamps after each series.

:func:`future_index` continues a time index by ``horizon`` steps; :func:`to_output` answers
point forecasts and :func:`to_output_quantiles` several values per step (quantiles, interval
bounds) as a Series, a wide or long DataFrame or an array, like the input was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import _to_offset
from .series import _LAYOUTS, SeriesData
from .validation import _check_positive_int, _infer_offset


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
