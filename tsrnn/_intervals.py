"""Prediction intervals of a point forecaster: split conformal prediction on recent errors.

A point model keeps the errors (targets minus outputs, in the network's output space: scaled,
baseline removed) of recent windows it did not learn from: the validation windows of ``fit``
and, before it learns from them, the fresh windows of each ``partial_fit``. The quantiles of
those errors, per horizon step, added to a forecast give its quantiles. A ``fit`` that held no
window out can only keep errors on training windows: they are flagged as in-sample, the
quantiles warn, and the first ``partial_fit`` replaces them with held-out errors.

A quantile model (trained with the pinball loss) answers any level from its outputs:
:func:`interpolate_levels`.
"""

import warnings

import numpy as np

from . import _config


def keep_recent(errors, new, in_sample=False):
    """The most recent errors: ``errors`` then ``new``, at most
    ``_config.MAX_INTERVAL_ERRORS`` rows.

    Parameters
    ----------
    errors : ndarray of shape (n_errors, n_outputs)
        The errors kept so far.
    new : ndarray of shape (n_new, n_outputs)
        Errors on windows the model has not learnt from.
    in_sample : bool
        ``errors`` come from training windows: ``new`` replaces them.

    Returns
    -------
    ndarray of shape (n_kept, n_outputs), float64
    """
    old = errors[:0] if in_sample else errors
    both = np.concatenate([old, np.asarray(new, dtype=np.float64)])
    return both[-_config.MAX_INTERVAL_ERRORS :].astype(np.float64, copy=False)


def quantile_offsets(errors, levels, in_sample, stacklevel):
    """What to add to a point forecast for each quantile level.

    Parameters
    ----------
    errors : ndarray of shape (n_errors, n_outputs)
    levels : sequence of float in (0, 1)
    in_sample : bool
        The errors come from training windows: warn that the intervals are likely too narrow.
    stacklevel : int
        Of the warning, so it points at the user's call.

    Returns
    -------
    ndarray of shape (n_levels, n_outputs)
    """
    if in_sample:
        warnings.warn(
            "the forecast errors behind these quantiles come from windows the model trained on "
            "(its fit held none out: early_stopping=False, or too few windows), so the "
            "intervals are likely too narrow. Fit with early_stopping=True on more windows, "
            "or partial_fit on fresh data, to calibrate them on windows the model has not seen.",
            UserWarning,
            stacklevel=stacklevel + 1,
        )
    return np.quantile(errors, levels, axis=0)


def interpolate_levels(values, trained, levels):
    """Quantiles at any ``levels`` from a model's quantile outputs at the ``trained`` levels.

    A trained level is read as it is. Between two trained levels the quantile is interpolated
    linearly in normal scores (``z = Phi^-1(level)``); beyond the outermost trained level on a
    side it is extrapolated as a normal tail through the median and that level,
    ``q(a) = q(0.5) + (q(b) - q(0.5)) z(a) / z(b)`` (the outermost level of the other side,
    mirrored, when a side has none). The result is non-decreasing in the level.

    Raises
    ------
    ValueError
        If a level other than 0.5 is asked of outputs trained for the median only.

    Parameters
    ----------
    values : ndarray of shape (..., n_trained)
        The outputs, sorted along the last axis (non-crossing).
    trained : sequence of float
        Their levels, sorted, with 0.5 among them.
    levels : sequence of float in (0, 1)

    Returns
    -------
    ndarray of shape (..., n_levels)
    """
    from scipy.special import ndtri

    trained = np.asarray(trained, dtype=np.float64)
    z_trained = ndtri(trained)
    median = values[..., int(np.argmin(np.abs(trained - 0.5)))]
    out = []
    for level in levels:
        exact = np.flatnonzero(np.isclose(trained, level))
        if len(exact):
            out.append(values[..., exact[0]])
            continue
        z = ndtri(level)
        if trained[0] < level < trained[-1]:
            k = int(np.searchsorted(trained, level))
            w = (z - z_trained[k - 1]) / (z_trained[k] - z_trained[k - 1])
            out.append((1 - w) * values[..., k - 1] + w * values[..., k])
            continue
        # a tail: through the median and the outermost level of this side (or the other's)
        side = 0 if level < 0.5 else -1
        if abs(z_trained[side]) < 1e-12:
            side = -1 - side
        if abs(z_trained[side]) < 1e-12:
            raise ValueError(
                f"this model was trained for the quantile 0.5 only, which says nothing of the "
                f"spread; {level:g} cannot be derived from it. Fit with quantiles=... on both "
                "sides of the median (e.g. (0.1, 0.9))."
            )
        out.append(median + (values[..., side] - median) * z / z_trained[side])
    return np.stack(out, axis=-1)

