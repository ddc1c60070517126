"""Point, interval and quantile forecast accuracy metrics.

All functions accept array-likes (lists, NumPy arrays, pandas objects; pandas
objects are used by position, their index is ignored) and return a Python
``float``.

Point metrics (:func:`mae`, :func:`rmse`, :func:`smape`, :func:`mase`) accept
either one forecast of shape ``(h,)`` or a batch of forecasts of shape
``(n_series, h)``. For a batch the metric is computed per row (series) and
then averaged over the rows, as in the M4 competition; :func:`smape` and
:func:`mase` give the per-row values with ``per_series=True``.

The definitions of sMAPE, MASE and OWA follow the M4 competition
(Makridakis, Spiliotis and Assimakopoulos, 2020, "The M4 Competition:
100,000 time series and 61 forecasting methods", *International Journal of
Forecasting* 36(1), 54-74).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "coverage",
    "mae",
    "mase",
    "owa",
    "pinball_loss",
    "rmse",
    "smape",
]


def _as_float_array(x: ArrayLike, name: str) -> np.ndarray:
    """Convert ``x`` to a finite ``float64`` array.

    Parameters
    ----------
    x : array-like
        Input values.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray
        ``float64`` array of the same shape as ``x``.

    Raises
    ------
    ValueError
        If ``x`` is not numeric, is empty or holds NaN or infinite values.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric array-like: {exc}") from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _point_pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of actuals and point forecasts.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (h,) or (n_series, h)
        Actual values and forecasts.

    Returns
    -------
    y_true, y_pred : ndarray of shape (n_series, h)
        ``float64`` arrays; 1-D input becomes a single row.

    Raises
    ------
    ValueError
        If the shapes differ, the arrays are not 1-D or 2-D, or they hold
        non-finite values.
    """
    yt = _as_float_array(y_true, "y_true")
    yp = _as_float_array(y_pred, "y_pred")
    if yt.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-D (h,) or 2-D (n_series, h), got shape {yt.shape}")
    if yt.shape != yp.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {yt.shape} and {yp.shape}"
        )
    if yt.ndim == 1:
        yt, yp = yt[np.newaxis, :], yp[np.newaxis, :]
    return yt, yp


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error.

    Parameters
    ----------
    y_true : array-like of shape (h,) or (n_series, h)
        Actual values.
    y_pred : array-like of shape (h,) or (n_series, h)
        Point forecasts, same shape as ``y_true``.

    Returns
    -------
    float
        ``mean(|y_true - y_pred|)``; for 2-D input the mean over rows of the
        per-row MAE (equal to the mean over all entries).

    Raises
    ------
    ValueError
        If the shapes differ or the inputs are empty or not finite.
    """
    yt, yp = _point_pair(y_true, y_pred)
    return float(np.mean(np.mean(np.abs(yt - yp), axis=1)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error.

    Parameters
    ----------
    y_true : array-like of shape (h,) or (n_series, h)
        Actual values.
    y_pred : array-like of shape (h,) or (n_series, h)
        Point forecasts, same shape as ``y_true``.

    Returns
    -------
    float
        ``sqrt(mean((y_true - y_pred) ** 2))``; for 2-D input the RMSE is
        computed per row and the row values are averaged.

    Raises
    ------
    ValueError
        If the shapes differ or the inputs are empty or not finite.
    """
    yt, yp = _point_pair(y_true, y_pred)
    return float(np.mean(np.sqrt(np.mean((yt - yp) ** 2, axis=1))))


def smape(y_true: ArrayLike, y_pred: ArrayLike, *, per_series: bool = False) -> float | np.ndarray:
    """Symmetric mean absolute percentage error (M4 definition), in percent.

    .. math::

        \\mathrm{sMAPE} = \\frac{200}{h} \\sum_{t=1}^{h}
        \\frac{|y_t - \\hat y_t|}{|y_t| + |\\hat y_t|}

    A term with ``|y_t| + |yhat_t| == 0`` (both zero) is defined as 0.

    Parameters
    ----------
    y_true : array-like of shape (h,) or (n_series, h)
        Actual values.
    y_pred : array-like of shape (h,) or (n_series, h)
        Point forecasts, same shape as ``y_true``.
    per_series : bool, default=False
        Return the sMAPE of each row instead of their mean.

    Returns
    -------
    float or ndarray of shape (n_series,)
        sMAPE in percent, between 0 and 200; for 2-D input the mean over
        rows of the per-row sMAPE (``per_series``: the per-row values; a
        1-D input is one row).

    Raises
    ------
    ValueError
        If the shapes differ or the inputs are empty or not finite.
    """
    yt, yp = _point_pair(y_true, y_pred)
    num = np.abs(yt - yp)
    den = np.abs(yt) + np.abs(yp)
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    rows = 200.0 * np.mean(ratio, axis=1)
    return rows if per_series else float(np.mean(rows))


def _seasonal_scale(train: np.ndarray, m: int, row: int | None) -> float:
    """In-sample mean absolute seasonal difference of one training series.

    Parameters
    ----------
    train : ndarray of shape (n,)
        Training series.
    m : int
        Seasonal lag.
    row : int or None
        Row number for error messages (None for 1-D input).

    Returns
    -------
    float
        ``mean(|train[m:] - train[:-m]|)``.

    Raises
    ------
    ValueError
        If the series is too short or the scale is zero.
    """
    where = "" if row is None else f" (series {row})"
    if train.ndim != 1:
        raise ValueError(f"each y_train series must be 1-D, got shape {train.shape}{where}")
    if train.shape[0] <= m:
        raise ValueError(
            f"y_train must have more than m={m} observations, got {train.shape[0]}{where}"
        )
    scale = float(np.mean(np.abs(train[m:] - train[:-m])))
    if scale == 0.0:
        raise ValueError(
            f"MASE is undefined: the in-sample seasonal naive error of y_train is zero "
            f"(constant series at lag m={m}){where}"
        )
    return scale


def mase(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    y_train: ArrayLike | Sequence[ArrayLike],
    m: int = 1,
    *,
    per_series: bool = False,
) -> float | np.ndarray:
    """Mean absolute scaled error (M4 definition).

    .. math::

        \\mathrm{MASE} = \\frac{\\frac{1}{h}\\sum_{t=n+1}^{n+h} |y_t - \\hat y_t|}
        {\\frac{1}{n-m}\\sum_{t=m+1}^{n} |y_t - y_{t-m}|}

    The denominator is the in-sample mean absolute error of the seasonal
    naive forecast with lag ``m`` on the training series ``y_1 .. y_n``.

    Parameters
    ----------
    y_true : array-like of shape (h,) or (n_series, h)
        Actual values of the forecast horizon.
    y_pred : array-like of shape (h,) or (n_series, h)
        Point forecasts, same shape as ``y_true``.
    y_train : array-like of shape (n,), or sequence of n_series array-likes
        In-sample (training) history. For 1-D ``y_true`` a single series; for
        2-D ``y_true`` a list of ``n_series`` 1-D series (lengths may
        differ) or a 2-D array of shape ``(n_series, n)``.
    m : int, default=1
        Seasonal period used for the scaling; ``m=1`` gives the non-seasonal
        naive scaling.
    per_series : bool, default=False
        Return the MASE of each row instead of their mean.

    Returns
    -------
    float or ndarray of shape (n_series,)
        MASE; for 2-D input the mean over rows of the per-row MASE
        (``per_series``: the per-row values; a 1-D input is one row).

    Raises
    ------
    ValueError
        If shapes are inconsistent, ``m < 1``, a training series has ``m``
        or fewer observations, or its seasonal naive error is zero (MASE is
        then undefined).
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m must be a positive integer, got {m!r}")
    m = int(m)
    yt_in = np.asarray(y_true)
    yt, yp = _point_pair(y_true, y_pred)
    n_series = yt.shape[0]

    if yt_in.ndim == 1:
        trains = [_as_float_array(y_train, "y_train")]
        rows: list[int | None] = [None]
    else:
        if isinstance(y_train, np.ndarray):
            if y_train.ndim == 2 or (y_train.ndim == 1 and y_train.dtype == object):
                seq = list(y_train)
            else:
                raise ValueError(
                    "for 2-D y_true, y_train must be a list of 1-D series or a 2-D array, "
                    f"got an array of shape {y_train.shape}"
                )
        elif isinstance(y_train, Sequence) and not isinstance(y_train, (str, bytes)):
            seq = list(y_train)
        else:
            arr = np.asarray(y_train, dtype=np.float64)
            if arr.ndim != 2:
                raise ValueError(
                    "for 2-D y_true, y_train must be a list of 1-D series or a 2-D array"
                )
            seq = list(arr)
        if len(seq) != n_series:
            raise ValueError(
                f"y_train must hold one series per row of y_true: got {len(seq)} "
                f"series for {n_series} rows"
            )
        trains = [_as_float_array(s, f"y_train[{i}]") for i, s in enumerate(seq)]
        rows = list(range(n_series))

    scales = np.array([_seasonal_scale(t, m, r) for t, r in zip(trains, rows, strict=True)])
    rows = np.mean(np.abs(yt - yp), axis=1) / scales
    return rows if per_series else float(np.mean(rows))


def owa(
    smape: float | ArrayLike,
    mase: float | ArrayLike,
    smape_naive2: float | ArrayLike,
    mase_naive2: float | ArrayLike,
) -> float | np.ndarray:
    """Overall weighted average relative to the Naive2 benchmark (M4).

    .. math::

        \\mathrm{OWA} = \\frac{1}{2}\\left(
        \\frac{\\mathrm{sMAPE}}{\\mathrm{sMAPE}_{\\mathrm{Naive2}}} +
        \\frac{\\mathrm{MASE}}{\\mathrm{MASE}_{\\mathrm{Naive2}}}\\right)

    In M4, the sMAPE and MASE entering the formula are already averaged over
    all series of a data set (or frequency); OWA below 1 beats Naive2.

    Parameters
    ----------
    smape : float or array-like
        sMAPE of the method.
    mase : float or array-like
        MASE of the method.
    smape_naive2 : float or array-like
        sMAPE of the Naive2 benchmark, must be positive.
    mase_naive2 : float or array-like
        MASE of the Naive2 benchmark, must be positive.

    Returns
    -------
    float or ndarray
        A float for scalar input, otherwise the element-wise OWA of the
        broadcast arrays.

    Raises
    ------
    ValueError
        If an input is not finite, a method score is negative or a
        benchmark score is not positive, or the inputs do not broadcast.
    """
    s = _as_float_array(smape, "smape")
    ms = _as_float_array(mase, "mase")
    s2 = _as_float_array(smape_naive2, "smape_naive2")
    m2 = _as_float_array(mase_naive2, "mase_naive2")
    if np.any(s < 0) or np.any(ms < 0):
        raise ValueError("smape and mase must be non-negative")
    if np.any(s2 <= 0) or np.any(m2 <= 0):
        raise ValueError("smape_naive2 and mase_naive2 must be positive")
    try:
        out = 0.5 * (s / s2 + ms / m2)
    except ValueError as exc:
        raise ValueError(f"owa inputs do not broadcast: {exc}") from None
    if out.ndim == 0:
        return float(out)
    return out


def pinball_loss(y_true: ArrayLike, y_quantiles: ArrayLike, quantiles: float | ArrayLike) -> float:
    """Mean pinball (quantile) loss.

    For a quantile level ``q`` and error ``u = y - yhat_q`` the loss is
    ``rho_q(u) = max(q * u, (q - 1) * u)``. The result is the mean over all
    observations and all quantile levels.

    Parameters
    ----------
    y_true : array-like of shape (h,) or (n_series, h)
        Actual values.
    y_quantiles : array-like of shape y_true.shape + (n_quantiles,)
        Quantile forecasts, the last axis matching ``quantiles``. When
        ``quantiles`` is a scalar, shape ``y_true.shape`` is also accepted.
    quantiles : float or array-like of shape (n_quantiles,)
        Quantile levels, each strictly between 0 and 1.

    Returns
    -------
    float
        Mean pinball loss, in the units of ``y_true``. For ``q = 0.5`` it is
        half the MAE of the median forecast.

    Raises
    ------
    ValueError
        If a level is outside (0, 1) or the shapes are inconsistent.
    """
    yt = _as_float_array(y_true, "y_true")
    yq = _as_float_array(y_quantiles, "y_quantiles")
    q = _as_float_array(quantiles, "quantiles")
    if q.ndim > 1:
        raise ValueError(f"quantiles must be a scalar or 1-D, got shape {q.shape}")
    if np.any(q <= 0) or np.any(q >= 1):
        raise ValueError(f"quantile levels must lie strictly between 0 and 1, got {q.tolist()}")
    if yt.ndim not in (1, 2):
        raise ValueError(f"y_true must be 1-D (h,) or 2-D (n_series, h), got shape {yt.shape}")
    if q.ndim == 0:
        if yq.shape == yt.shape:
            yq = yq[..., np.newaxis]
        q = q.reshape(1)
    expected = yt.shape + (q.shape[0],)
    if yq.shape != expected:
        raise ValueError(
            f"y_quantiles must have shape y_true.shape + (n_quantiles,) = {expected}, "
            f"got {yq.shape}"
        )
    u = yt[..., np.newaxis] - yq
    loss = np.maximum(q * u, (q - 1.0) * u)
    return float(np.mean(loss))


def coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Empirical coverage of prediction intervals.

    Parameters
    ----------
    y_true : array-like of shape (h,) or (n_series, h)
        Actual values.
    lower : array-like, same shape as y_true
        Lower interval bounds.
    upper : array-like, same shape as y_true
        Upper interval bounds, ``upper >= lower``.

    Returns
    -------
    float
        Fraction of the actual values inside their closed interval
        ``[lower, upper]``, between 0 and 1.

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty or not finite, or a lower
        bound exceeds its upper bound.
    """
    yt = _as_float_array(y_true, "y_true")
    lo = _as_float_array(lower, "lower")
    hi = _as_float_array(upper, "upper")
    if not (yt.shape == lo.shape == hi.shape):
        raise ValueError(
            f"y_true, lower and upper must have the same shape, got {yt.shape}, "
            f"{lo.shape} and {hi.shape}"
        )
    if np.any(lo > hi):
        raise ValueError("lower must not exceed upper")
    return float(np.mean((yt >= lo) & (yt <= hi)))
