"""Plotting helpers for forecasts and training curves.

Matplotlib is imported lazily inside the functions, so importing this module
(or :mod:`tsrnn`) never imports matplotlib. Both functions draw on the given
Axes, or on a new figure when ``ax`` is None, and return the Axes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["plot_forecast", "plot_loss_curve"]


def _get_axes(ax: Axes | None) -> Axes:
    """Return ``ax`` or the Axes of a new figure.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Axes to draw on.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax`` itself, or a fresh Axes when ``ax`` is None.
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots()
    return new_ax


def _as_1d(values: Any, name: str) -> tuple[np.ndarray, pd.Index | None]:
    """Split a Series or 1-D array-like into float values and index.

    Parameters
    ----------
    values : pandas.Series or array-like of shape (n,)
        Input data.
    name : str
        Argument name used in error messages.

    Returns
    -------
    values : ndarray of shape (n,)
        ``float64`` values.
    index : pandas.Index of shape (n,) or None
        The Series index, or None for plain array-likes.

    Raises
    ------
    ValueError
        If the input is not one-dimensional or is empty.
    """
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(f"{name} must be a Series or 1-D array, got a DataFrame")
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        index: pd.Index | None = values.index
    else:
        arr = np.asarray(values, dtype=np.float64)
        index = None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    return arr, index


def _index_step(index: pd.Index) -> Any:
    """Step between consecutive labels of a regular index.

    Parameters
    ----------
    index : pandas.Index
        DatetimeIndex, PeriodIndex or integer index.

    Returns
    -------
    pandas.DateOffset or int
        Frequency offset (datetime or period index) or integer step.

    Raises
    ------
    ValueError
        If no regular step can be determined.
    """
    if isinstance(index, pd.PeriodIndex):
        return index.freq
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is not None:
            return index.freq
        if len(index) >= 3:
            freq = pd.DatetimeIndex(index, freq="infer").freq
            if freq is not None:
                return freq
        raise ValueError(
            "cannot extend a DatetimeIndex without a frequency; set index.freq or "
            "pass both history and forecast as Series"
        )
    if isinstance(index, pd.RangeIndex):
        return index.step
    if pd.api.types.is_integer_dtype(index.dtype):
        if len(index) >= 2:
            return int(index[-1] - index[-2])
        return 1
    raise ValueError(
        f"cannot extend an index of type {type(index).__name__}; pass both history "
        "and forecast as Series"
    )


def _extend_index(index: pd.Index, n: int, *, forward: bool) -> pd.Index:
    """Continue a regular index by ``n`` labels after (or before) it.

    Parameters
    ----------
    index : pandas.Index
        Regular DatetimeIndex, PeriodIndex or integer index.
    n : int
        Number of labels to create.
    forward : bool
        If True, the new labels follow ``index[-1]``; otherwise they end
        just before ``index[0]``.

    Returns
    -------
    pandas.Index of shape (n,)
        New labels of the same kind as ``index``.
    """
    step = _index_step(index)
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        if forward:
            start = index[-1] + step
            if isinstance(index, pd.PeriodIndex):
                return pd.period_range(start=start, periods=n, freq=step)
            return pd.date_range(start=start, periods=n, freq=step, tz=index.tz)
        end = index[0] - step
        if isinstance(index, pd.PeriodIndex):
            return pd.period_range(end=end, periods=n, freq=step)
        return pd.date_range(end=end, periods=n, freq=step, tz=index.tz)
    offsets = np.arange(1, n + 1) * step
    if forward:
        return pd.Index(int(index[-1]) + offsets)
    return pd.Index(int(index[0]) - offsets[::-1])


def _x_values(index: pd.Index) -> np.ndarray:
    """Convert an index to values matplotlib can plot.

    Parameters
    ----------
    index : pandas.Index of shape (n,)
        Index to convert; a PeriodIndex is converted to period start times.

    Returns
    -------
    ndarray of shape (n,)
        ``datetime64`` values for time indexes, else the index values.
    """
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        return np.asarray(index.to_pydatetime())
    return index.to_numpy()


def _index_kind(index: pd.Index) -> str:
    """Classify an index as ``"time"``, ``"numeric"`` or ``"other"``.

    Parameters
    ----------
    index : pandas.Index
        Index to classify.

    Returns
    -------
    str
        Kind of the index labels.
    """
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return "time"
    if pd.api.types.is_numeric_dtype(index.dtype):
        return "numeric"
    return "other"


def _interval_bounds(
    interval: Any, fc_index: pd.Index | None, h: int
) -> tuple[np.ndarray, np.ndarray]:
    """Extract lower and upper bounds from one interval specification.

    Parameters
    ----------
    interval : pandas.DataFrame or array-like of shape (h, 2)
        Bounds: a DataFrame with columns ``lower`` and ``upper`` (or exactly
        two columns, lower first), or an array with two columns.
    fc_index : pandas.Index or None
        Index of the forecast, when it is a Series.
    h : int
        Forecast horizon.

    Returns
    -------
    lower, upper : ndarray of shape (h,)
        ``float64`` bounds in forecast order.

    Raises
    ------
    ValueError
        If the columns, length or index do not match the forecast.
    """
    if isinstance(interval, pd.DataFrame):
        cols = {str(c).lower(): c for c in interval.columns}
        if "lower" in cols and "upper" in cols:
            lower_col, upper_col = cols["lower"], cols["upper"]
        elif interval.shape[1] == 2:
            lower_col, upper_col = interval.columns[0], interval.columns[1]
        else:
            raise ValueError(
                "an interval DataFrame needs columns 'lower' and 'upper' or exactly two "
                f"columns, got {list(interval.columns)}"
            )
        if len(interval) != h:
            raise ValueError(f"interval has {len(interval)} rows but the forecast has {h} values")
        if (
            fc_index is not None
            and not interval.index.equals(fc_index)
            and not interval.index.equals(pd.RangeIndex(h))
        ):
            raise ValueError("the index of the intervals does not match the forecast index")
        lower = interval[lower_col].to_numpy(dtype=np.float64, na_value=np.nan)
        upper = interval[upper_col].to_numpy(dtype=np.float64, na_value=np.nan)
        return lower, upper
    arr = np.asarray(interval, dtype=np.float64)
    if arr.shape != (h, 2):
        raise ValueError(
            f"interval array must have shape (h, 2) = ({h}, 2) with lower and upper "
            f"columns, got {arr.shape}"
        )
    return arr[:, 0], arr[:, 1]


def _coverage_label(level: Any) -> str:
    """Legend label for an interval of nominal coverage ``level``.

    Parameters
    ----------
    level : float or str
        Coverage as a fraction (``0.8``) or a percentage (``80``).

    Returns
    -------
    str
        For example ``"80% interval"``.
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        return f"{level} interval"
    if 0 < value <= 1:
        value *= 100.0
    return f"{value:g}% interval"


def _coverage_sort_key(level: Any) -> float:
    """Numeric sort key of a coverage level (unknown levels sort last).

    Parameters
    ----------
    level : float or str
        Coverage as a fraction or a percentage.

    Returns
    -------
    float
        Coverage as a percentage, or ``-inf`` if not numeric.
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        return -np.inf
    return value * 100.0 if 0 < value <= 1 else value


def plot_forecast(
    history: pd.Series | ArrayLike,
    forecast: pd.Series | ArrayLike,
    intervals: pd.DataFrame | ArrayLike | Mapping[Any, pd.DataFrame | ArrayLike] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    history_window: int | str = "auto",
) -> Axes:
    """Plot a history, its point forecast and optional prediction intervals.

    Parameters
    ----------
    history : pandas.Series or array-like of shape (n,)
        Observed values. A Series is plotted against its index (a
        PeriodIndex is drawn at period start times).
    forecast : pandas.Series or array-like of shape (h,)
        Point forecast. If both inputs are plain arrays, the x-axis is the
        integer position ``0 .. n - 1`` for the history and ``n .. n + h - 1``
        for the forecast. If only one of them is a Series, the other is
        placed right before or after it by continuing its index, which then
        needs a frequency (DatetimeIndex/PeriodIndex) or integer labels.
    intervals : pandas.DataFrame, array-like of shape (h, 2), or dict, optional
        Prediction interval(s) aligned with the forecast, drawn as shaded
        bands. A DataFrame uses columns ``lower`` and ``upper`` if present,
        otherwise its two columns in that order; its index must equal the
        forecast index (or be the default ``RangeIndex``). A dict maps a
        nominal coverage (``0.8`` or ``80``) to such a DataFrame or array;
        wider intervals are drawn lighter and below narrower ones.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when omitted.
    title : str, optional
        Axes title.
    history_window : int, "auto" or "all", default="auto"
        How much of the history to draw. ``"auto"``: the last
        ``max(4 * season, 5 * h, 40)`` values, where ``season`` is the seasonal
        cycle of the index's frequency (12 for monthly data, 52 for weekly, 1
        when unknown) and ``h`` the forecast length, so that a short forecast
        after a long history is not a sliver at the right edge; the legend then
        says how many values are shown. An int: the last that many values.
        ``"all"``: the whole history.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with one line for the history, one for the forecast (joined
        to the last history value by a short segment of the forecast's colour,
        a ``LineCollection``) and one filled band per interval, plus a legend.
        Time axes get concise date labels.

    Raises
    ------
    ValueError
        If an input is empty or not 1-D, the indexes of history and forecast
        are of incompatible kinds, the intervals do not match the forecast, or
        ``history_window`` is not a positive int, ``"auto"`` or ``"all"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from tsrnn.datasets import load_airline
    >>> from tsrnn.plotting import plot_forecast
    >>> y = load_airline()
    >>> ax = plot_forecast(y[:-12], y[-12:], title="airline")  # the last 60 months
    >>> ax = plot_forecast(y[:-12], y[-12:], history_window="all")  # all 132
    """
    hist_values, hist_index = _as_1d(history, "history")
    fc_values, fc_index = _as_1d(forecast, "forecast")
    n, h = hist_values.shape[0], fc_values.shape[0]

    if hist_index is None and fc_index is None:
        hist_x: np.ndarray = np.arange(n)
        fc_x: np.ndarray = np.arange(n, n + h)
    else:
        if hist_index is None:
            hist_index = _extend_index(fc_index, n, forward=False)
        elif fc_index is None:
            fc_index = _extend_index(hist_index, h, forward=True)
        if _index_kind(hist_index) != _index_kind(fc_index):
            raise ValueError(
                "history and forecast indexes are of incompatible kinds: "
                f"{type(hist_index).__name__} and {type(fc_index).__name__}"
            )
        hist_x = _x_values(hist_index)
        fc_x = _x_values(fc_index)

    if intervals is None:
        bands: list[tuple[str, Any]] = []
    elif isinstance(intervals, Mapping):
        levels = sorted(intervals, key=_coverage_sort_key, reverse=True)
        bands = [(_coverage_label(level), intervals[level]) for level in levels]
    else:
        bands = [("prediction interval", intervals)]
    bounds = [(label, *_interval_bounds(spec, fc_index, h)) for label, spec in bands]

    shown = _history_shown(history_window, hist_index, n, h)
    hist_label = "history" if shown == n else f"history (last {shown} of {n})"
    hist_x, hist_values = hist_x[n - shown :], hist_values[n - shown :]

    ax = _get_axes(ax)
    hist_name = getattr(history, "name", None)
    (hist_line,) = ax.plot(hist_x, hist_values, label=hist_label)
    (fc_line,) = ax.plot(fc_x, fc_values, label="forecast")
    color = fc_line.get_color()
    _join(ax, hist_x[-1], hist_values[-1], fc_x[0], fc_values[0], fc_line)
    n_bands = len(bounds)
    for i, (label, lower, upper) in enumerate(bounds):
        alpha = 0.15 + 0.2 * (i + 1) / n_bands
        ax.fill_between(fc_x, lower, upper, color=color, alpha=alpha, linewidth=0, label=label)
    if hist_name is not None:
        ax.set_ylabel(str(hist_name))
    if hist_index is not None and hist_index.name is not None:
        ax.set_xlabel(str(hist_index.name))
    if hist_index is not None and _index_kind(hist_index) == "time":
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(True, alpha=0.3)
    # one row above the plot: inside it, any corner can hide the last seasons
    n_entries = len(ax.get_legend_handles_labels()[0])
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=n_entries, frameon=False,
              fontsize="small", borderaxespad=0.2)  # fmt: skip
    if title is not None:
        ax.set_title(title, pad=22)
    return ax


def _history_shown(history_window: Any, index: pd.Index | None, n: int, h: int) -> int:
    """Number of history values :func:`plot_forecast` draws.

    Parameters
    ----------
    history_window : int, "auto" or "all"
        As in :func:`plot_forecast`.
    index : pandas.Index of shape (n,) or None
        The history's index (its frequency gives the seasonal cycle).
    n, h : int
        Lengths of the history and of the forecast.

    Returns
    -------
    int
        Between 1 and ``n``.
    """
    if isinstance(history_window, str) and history_window in ("auto", "all"):
        if history_window == "all":
            return n
        from ._data import season_length

        freq = getattr(index, "freq", None)
        try:
            season = season_length(freq)
        except (TypeError, ValueError):
            season = 1
        return min(n, max(4 * season, 5 * h, 40))
    if isinstance(history_window, (int, np.integer)) and not isinstance(history_window, bool):
        if history_window >= 1:
            return min(n, int(history_window))
    raise ValueError(
        f"history_window must be a positive int, 'auto' or 'all', got {history_window!r}"
    )


def _join(ax: Axes, x0: Any, y0: float, x1: Any, y1: float, like: Any) -> None:
    """Draw the segment from the last history value to the first forecast value.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes whose x units are already set (by the history and forecast lines).
    x0, y0, x1, y1 : x value, float
        The two end points.
    like : matplotlib.lines.Line2D
        The forecast line, whose colour, width and style the segment takes.
    """
    from matplotlib.collections import LineCollection

    xs = ax.xaxis.convert_units(np.array([x0, x1]))
    segment = LineCollection(
        [np.column_stack([np.asarray(xs, dtype=np.float64), [y0, y1]])],
        colors=[like.get_color()],
        linewidths=like.get_linewidth(),
        linestyles=like.get_linestyle(),
    )
    ax.add_collection(segment, autolim=False)


def plot_loss_curve(estimator: Any, ax: Axes | None = None) -> Axes:
    """Plot the training loss (and validation scores) of a fitted estimator.

    Parameters
    ----------
    estimator : object
        Fitted estimator with a ``loss_curve_`` attribute (list of floats,
        one per epoch) and optionally ``validation_scores_`` (list of floats,
        one per epoch). Both curves are drawn on the same y-axis against the
        epoch number starting at 1; the validation curve is skipped when the
        attribute is missing, None or empty.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the line ``"training loss"`` and, when available, the
        line ``"validation"``, plus a legend.

    Raises
    ------
    ValueError
        If the estimator has no (or an empty) ``loss_curve_``, e.g. because it
        is not fitted yet.
    """
    loss = getattr(estimator, "loss_curve_", None)
    if loss is None:
        raise ValueError(f"{type(estimator).__name__} has no loss_curve_; fit the estimator first")
    loss_values = np.asarray(loss, dtype=np.float64).ravel()
    if loss_values.size == 0:
        raise ValueError("loss_curve_ is empty; nothing to plot")
    val = getattr(estimator, "validation_scores_", None)
    val_values = None if val is None else np.asarray(val, dtype=np.float64).ravel()

    ax = _get_axes(ax)
    ax.plot(np.arange(1, loss_values.size + 1), loss_values, label="training loss")
    if val_values is not None and val_values.size > 0:
        ax.plot(np.arange(1, val_values.size + 1), val_values, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax
