"""User covariates: their columns, and the rows each series needs at given time stamps.

Covariates are either indexed by time and shared by every series, or long (``unique_id``,
``ds`` and one column per covariate). :func:`align_covariates` answers float64 rows, one array
per series; the estimator standardises them, adds calendar features and stacks them beside
the target (``RNNForecaster._covariate_rows``, ``_stack_features`` and ``_head_features`` in
:mod:`tsrnn.forecaster`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .validation import _as_float, _first_true


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
