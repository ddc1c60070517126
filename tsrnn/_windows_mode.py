"""Windows mode: the estimator as a plain scikit-learn regressor.

``X`` holds input windows, of shape (n_samples, window) or (n_samples, window, n_features),
and ``y`` their targets, of shape (n_samples,) or (n_samples, horizon). The mode validates
them (scikit-learn's ``validate_data``, which also keeps ``n_features_in_`` and
``feature_names_in_`` on the estimator), standardises them with the statistics of the first
fit, and ``finish`` turns the network's outputs back into ``y``'s units, shape and dtype.

The interface every mode offers is described in :mod:`tsrnn._mode`.
"""

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from ._mode import Mode, TrainingSet
from ._state import WindowsState


class WindowsMode(Mode):
    """Windows in, a row of predictions per window out (see the module docstring).

    Parameters
    ----------
    estimator : RNNForecaster
        Its parameters are read, and scikit-learn's input validation records the number
        and names of the features on it.
    """

    name = "windows"

    def __init__(self, estimator):
        self.estimator = estimator

    def training_set(self, X, y, covariates, state):
        """Scaled windows and targets to train on.

        Parameters
        ----------
        X : array-like of shape (n_samples, window) or (n_samples, window, n_features)
        y : array-like of shape (n_samples,) or (n_samples, horizon)
        covariates : None
            Covariates go into ``X`` as features in this mode.
        state : WindowsState or None
            The fitted state; None for a first fit, which decides it.

        Returns
        -------
        TrainingSet
            Rows are taken to be in time order (the validation split holds out the last).
        WindowsState
        """
        est = self.estimator
        if covariates is not None:
            raise ValueError(
                "covariates are for series mode; in windows mode put them in X as "
                "features, X of shape (n_samples, window, n_features)."
            )
        if state is None and est.target_transform is not None:
            raise ValueError(
                "target_transform is for series mode; in windows mode wrap the estimator "
                "in sklearn.compose.TransformedTargetRegressor."
            )
        if state is None and est.calendar_features:
            raise ValueError(
                "calendar_features is for series mode (it reads the time index); in "
                "windows mode put calendar features in X, of shape (n_samples, window, "
                "n_features)."
            )
        _check_columns(X, "X")
        _check_columns(y, "y")
        X, y = validate_data(est, X, y, reset=state is None, allow_nd=True, multi_output=True,
                             y_numeric=True, dtype=[np.float64, np.float32])  # fmt: skip
        X3 = _three_d(X)
        y2 = _numeric_targets(y).reshape(len(y), -1)
        if state is None:
            if est.horizon is not None and y2.shape[1] != est.horizon:
                raise ValueError(
                    f"y has {y2.shape[1]} columns but horizon={est.horizon}; drop horizon "
                    "(it is read from y in windows mode) or pass y with that many columns."
                )
            x_scale = X3.std(axis=(0, 1), dtype=np.float64)
            y_scale = y2.std(axis=0, dtype=np.float64)
            state = WindowsState(
                window_=X.shape[1], horizon_=y2.shape[1], n_features_in_=est.n_features_in_,
                _x_mean=X3.mean(axis=(0, 1), dtype=np.float64),
                _x_scale=np.where(x_scale > 0, x_scale, 1.0),  # a constant feature stays finite
                _y_mean=y2.mean(axis=0, dtype=np.float64),
                _y_scale=np.where(y_scale > 0, y_scale, 1.0), _y_1d=y.ndim == 1,
                _out_dtype=X.dtype, _x_ndim=X.ndim,
            )  # fmt: skip
        else:
            _check_shape(X, X3, state)
            if y2.shape[1] != state.horizon_:
                raise ValueError(f"y has {y2.shape[1]} columns, the model {state.horizon_}.")
            state = replace(state)
        Xn = (X3 - state._x_mean) / state._x_scale
        Yn = (y2 - state._y_mean) / state._y_scale
        end = np.arange(len(Xn))
        return TrainingSet(Xn, Yn, None, end, np.zeros(len(end), np.int64)), state

    def prediction(self, state, X, covariates):
        """Network input for windows ``X`` and the way back to ``y``'s units.

        Parameters
        ----------
        state : WindowsState
        X : array-like of shape (n_samples, window_) or (n_samples, window_, n_features)
        covariates : None

        Returns
        -------
        X : ndarray of shape (n_samples, window_, n_features)
        Z : None
        finish : callable
            ``finish(pred, labels=None)``: outputs of shape (n_samples, horizon_), or
            (n_samples, horizon_, n_labels), to ``y``'s units and dtype; the horizon axis is
            dropped for a model fitted on a 1-D ``y``.
        """
        if X is None:
            raise ValueError(
                "this model was fitted on windows (fit(X, y)): pass the windows, "
                f"predict(X) with X of shape (n_samples, {state.window_})."
            )
        if covariates is not None:
            raise ValueError("covariates are for series mode; put them in X in windows mode.")
        est = self.estimator
        if _plain_float_array(X) and not hasattr(est, "feature_names_in_"):
            # fast path for an ndarray that validate_data would accept as it is: the same
            # checks, without scikit-learn's generic machinery (~100 us)
            if X.ndim >= 2 and X.shape[1] != state.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but RNNForecaster is expecting "
                    f"{state.n_features_in_} features as input."
                )
            if X.size and not np.isfinite(X).all():
                raise ValueError("Input X contains NaN or infinity.")
        else:
            _check_columns(X, "X")
            X = validate_data(est, X, reset=False, allow_nd=True,
                              dtype=[np.float64, np.float32])  # fmt: skip
        X3 = _three_d(X)
        _check_shape(X, X3, state)
        Xn = (X3 - state._x_mean) / state._x_scale

        def finish(pred, labels=None):
            extra = (slice(None),) + (None,) * (pred.ndim - 2)
            pred = pred * state._y_scale[extra] + state._y_mean[extra]
            pred = pred.astype(state._out_dtype, copy=False)
            return pred[:, 0] if state._y_1d else pred

        return Xn, None, finish


def _three_d(X):
    """Windows as (n_samples, window, n_features), after checking they have 2 or 3 axes and
    hold at least one step and one feature."""
    if X.ndim not in (2, 3) or 0 in X.shape[1:]:
        raise ValueError(
            f"X must have shape (n_samples, window) or (n_samples, window, n_features) with "
            f"window >= 1 and n_features >= 1, got {X.shape}."
        )
    return X[:, :, None] if X.ndim == 2 else X


def _check_columns(data, name):
    """A DataFrame's or Series' columns must be numeric: a ``TypeError`` names the first
    that is not (scikit-learn's conversion would fail without naming it)."""
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame):
        return
    for column, dtype in data.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype):
            continue
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
            if pd.api.types.is_object_dtype(dtype):
                kind = pd.api.types.infer_dtype(data[column], skipna=True)
                if kind in ("integer", "floating", "mixed-integer-float", "decimal", "empty"):
                    continue
            raise TypeError(
                f"{name} has the non-numeric column {column!r} (dtype {dtype}); windows and "
                "targets must be numbers. Convert it with pd.to_numeric or drop it."
            )


def _numeric_targets(y):
    """``y`` as float64 (numbers given as text are converted), all finite.

    scikit-learn converts only object arrays and checks them for NaN but not for infinity.
    """
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"y must hold numbers, got values of dtype {y.dtype} ({exc}); convert them "
                "with pd.to_numeric or np.asarray(y, dtype=float)."
            ) from exc
    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinity; the targets must be finite numbers.")
    return y


def _check_shape(X, X3, state):
    """``X`` has the window length, axes and features of the fit."""
    n_features = state._x_mean.shape[0]
    if X.ndim != state._x_ndim or X.shape[1] != state.window_ or X3.shape[2] != n_features:
        raise ValueError(
            f"X has shape {X.shape}, but the model was fitted on windows of shape "
            f"(n_samples, {state.window_}"
            + ("" if state._x_ndim == 2 else f", {n_features}")
            + ")."
        )


def _plain_float_array(X):
    """A non-empty float32/float64 ndarray with 2 or 3 dimensions."""
    return (
        type(X) is np.ndarray
        and X.dtype in (np.float32, np.float64)
        and X.ndim in (2, 3)
        and X.shape[0] > 0
    )
