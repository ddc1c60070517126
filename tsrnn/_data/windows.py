"""Arrays of windows: sliding windows, per-window scaling and its inverse, the baseline.

Arrays in, arrays out, no pandas: :func:`make_windows` cuts the validated series into
(input, target) windows, :func:`scale_windows` normalises each window by its own input
window and :func:`unscale` inverts that on predictions, :func:`naive_baseline` is the
seasonal-naive forecast the network learns the difference from. Everything here is float64;
the estimator casts the windows to its ``dtype`` (float32 by default) for the network.
"""

from __future__ import annotations

import numpy as np

from .validation import _check_positive_int


def make_windows(
    values, window: int, horizon: int
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
    n_win = np.maximum(lengths - total + 1, 0)  # windows per series
    series_idx = np.repeat(np.arange(len(values), dtype=np.int64), n_win)
    first_row = np.cumsum(n_win) - n_win  # row of each series' first window
    # start of each window within its series: 0, 1, ..., n_win - 1 for each series
    pos = np.arange(series_idx.shape[0], dtype=np.int64) - np.repeat(first_row, n_win)
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
    window. For a (nearly) constant window, ``std <= eps * max(mean(|x|), tiny)``, ``loc`` is
    its last value and the scale ``mean(|x|)`` (1 if that is 0): a constant window and an
    equal future then scale to exact zeros (a mean would leave rounding errors of about 1e-16
    that Adam, blind to the size of a gradient, follows as if they were signal, and a
    constant series would not be forecast as itself). This makes the network level- and
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
    loc = np.where(flat, target[:, -1], loc)

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
