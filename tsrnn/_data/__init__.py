"""Boundary between the user's time series and the network, for series mode.

The data flow of series mode::

    user input -> check_series -> (covariates) -> make_windows -> scale_windows
        -> estimator and network -> unscale -> future_index, to_output -> user

This package validates the user's series and covariates, turns the series into float64
arrays of windows, and puts predictions back into the user's layout on the time stamps after
each series. The rest of the boundary lives in the estimator (:mod:`tsrnn.forecaster`): it
standardises the covariates and stacks them with the calendar features beside the target
(``RNNForecaster._covariate_rows``, ``_stack_features``, ``_head_features``), applies the
optional log target transform, casts the windows to its ``dtype`` (float32 by default) before
they reach the network, and checks windows-mode input (``X`` of shape
``(n_samples, window, n_features)``) itself. The network and its kernels never see pandas.

Modules, in the direction the data flows (each imports only from those above it):

``validation``
    Checks of one series' values and time index: numeric conversion, NaN / inf, missing,
    duplicate, unsorted and irregular time stamps, frequency inference.
``series``
    :func:`check_series` and :class:`SeriesData`: a pandas Series, a wide or long DataFrame
    or an array in, one float64 array and one time index per series out.
``calendar``
    What a frequency implies: :func:`season_length`, :func:`auto_window`,
    :func:`calendar_features`.
``seasonality``
    What the values imply: ``detect_period``, and :func:`series_periods` (the period of each
    series the base model reads).
``windows``
    Arrays only: :func:`make_windows`, :func:`scale_windows`, :func:`unscale`,
    :func:`naive_baseline`.
``covariates``
    :func:`covariate_columns` and :func:`align_covariates`: the covariate rows of each series
    at given time stamps.
``output``
    :func:`future_index`, :func:`to_output`, :func:`to_output_quantiles`: predictions in the
    layout of the input.

The names below are the package's whole face: the estimator and :mod:`tsrnn._backtest` call
them as ``_data.<name>``.
"""

from .calendar import auto_window, calendar_features, season_length
from .covariates import align_covariates, covariate_columns
from .output import future_index, to_output, to_output_quantiles
from .seasonality import series_periods
from .series import SeriesData, check_series
from .windows import make_windows, naive_baseline, scale_windows, unscale

__all__ = [
    "SeriesData",
    "align_covariates",
    "auto_window",
    "calendar_features",
    "check_series",
    "covariate_columns",
    "future_index",
    "make_windows",
    "naive_baseline",
    "scale_windows",
    "season_length",
    "series_periods",
    "to_output",
    "to_output_quantiles",
    "unscale",
]
