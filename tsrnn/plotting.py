"""Plotting helpers for forecasts and training curves.

Matplotlib is imported lazily inside the functions, so importing this module
(or :mod:`tsrnn`) never imports matplotlib. Both functions draw on the given
Axes, or on a new figure when ``ax`` is None, and return the Axes (:func:`plot_forecast`
returns an array of Axes, one per panel, when given several series).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._plot_data import (
    _as_1d,
    _coverage_label,
    _coverage_sort_key,
    _extend_index,
    _index_kind,
    _interval_bounds,
    _is_multi,
    _select_series,
    _split_intervals,
    _split_series,
    _x_values,
)

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


def plot_forecast(
    history: pd.Series | pd.DataFrame | ArrayLike,
    forecast: pd.Series | pd.DataFrame | ArrayLike,
    intervals: pd.DataFrame | ArrayLike | Mapping[Any, pd.DataFrame | ArrayLike] | None = None,
    ax: Axes | ArrayLike | None = None,
    *,
    title: str | None = None,
    history_window: int | str = "auto",
    series: Any = None,
    max_series: int = 6,
) -> Axes | np.ndarray:
    """Plot a history, its point forecast and optional prediction intervals.

    One series gives one picture. Several series (a wide or long DataFrame, as
    :class:`~tsrnn.RNNForecaster` takes and returns them) give a grid of small
    panels, one per series, each drawn like the single-series picture and
    titled with the series' id, sharing one legend below the grid.

    Parameters
    ----------
    history : pandas.Series, pandas.DataFrame or array-like of shape (n,)
        Observed values. A Series is plotted against its index (a
        PeriodIndex is drawn at period start times). A DataFrame with columns
        ``unique_id``, ``ds`` and ``y`` (long layout) or with several columns,
        one per series (wide layout), gives the grid; a one-column DataFrame
        is one series.
    forecast : pandas.Series, pandas.DataFrame or array-like of shape (h,)
        Point forecast, in the layout of the history (:meth:`RNNForecaster.predict`).
        If both inputs are plain arrays, the x-axis is the integer position
        ``0 .. n - 1`` for the history and ``n .. n + h - 1`` for the forecast.
        If only one of them is a Series, the other is placed right before or
        after it by continuing its index, which then needs a frequency
        (DatetimeIndex/PeriodIndex) or integer labels.
    intervals : pandas.DataFrame, array-like of shape (h, 2), or dict, optional
        Prediction interval(s) aligned with the forecast, drawn as shaded
        bands; the frame :meth:`RNNForecaster.predict_interval` returns fits
        every layout. One series: a DataFrame with columns ``lower`` and
        ``upper`` (otherwise its two columns in that order) whose index equals
        the forecast index (or is the default ``RangeIndex``), or an array.
        Wide: columns ``(series, "lower")`` and ``(series, "upper")``. Long:
        columns ``unique_id``, ``ds``, ``lower`` and ``upper``. A dict maps a
        nominal coverage (``0.8`` or ``80``) to such an interval; wider
        intervals are drawn lighter and below narrower ones.
    ax : matplotlib.axes.Axes or array-like of Axes, optional
        Axes to draw on (for several series, at least as many Axes as panels);
        a new figure is created when omitted.
    title : str, optional
        Axes title, or the figure's title for several series.
    history_window : int, "auto" or "all", default="auto"
        How much of the history to draw. ``"auto"``: the last
        ``max(min(4 * season, max(2 * season, 10 * h)), 5 * h, 40)`` values,
        where ``season`` is the seasonal cycle of the index's frequency (12 for
        monthly data, 52 for weekly, 1 when unknown) and ``h`` the forecast
        length: two to four seasons, so that a short forecast after a long
        history is not a sliver at the right edge; the legend then says how
        many values are shown. An int: the last that many values.
        ``"all"``: the whole history.
    series : id or list of ids, optional
        Several series only: the series to draw, in this order. By default the
        first ``max_series`` series of the history.
    max_series : int, default=6
        Several series only: how many series are drawn when ``series`` is None.

    Returns
    -------
    matplotlib.axes.Axes or ndarray of Axes
        One series: the Axes with one line for the history, one for the
        forecast (joined to the last history value by a short segment of the
        forecast's colour, a ``LineCollection``) and one filled band per
        interval, plus a legend. Several series: a 1-D ndarray with one such
        Axes per drawn series (without its own legend; the figure has one),
        in the order drawn. Time axes get concise date labels.

    Raises
    ------
    ValueError
        If an input is empty or not 1-D, the indexes of history and forecast
        are of incompatible kinds, the intervals do not match the forecast,
        ``history_window`` is not a positive int, ``"auto"`` or ``"all"``, or a
        requested series is missing.

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
    if _is_multi(history) or _is_multi(forecast):
        return _plot_grid(
            history, forecast, intervals, ax, title=title, history_window=history_window,
            series=series, max_series=max_series,
        )  # fmt: skip
    if series is not None:
        raise ValueError("series= selects among several series; history holds one")
    ax, _, _ = _plot_one(history, forecast, intervals, ax, title, history_window, legend=True)
    return ax


def _plot_grid(
    history: Any,
    forecast: Any,
    intervals: Any,
    ax: Any,
    *,
    title: str | None,
    history_window: int | str,
    series: Any,
    max_series: int,
) -> np.ndarray:
    """Draw several series as a grid of panels; see :func:`plot_forecast`.

    Parameters
    ----------
    history, forecast, intervals, ax, title, history_window, series, max_series
        As in :func:`plot_forecast`.

    Returns
    -------
    ndarray of shape (k,)
        One Axes per drawn series.
    """
    hist = _split_series(history, "history")
    fc = _split_series(forecast, "forecast")
    chosen = _select_series(list(hist), series, max_series)
    missing = [uid for uid in chosen if uid not in fc]
    if missing:
        raise ValueError(f"the forecast has no series {missing[0]!r}")
    k = len(chosen)
    if ax is None:
        import matplotlib.pyplot as plt

        ncols = 1 if k == 1 else 2 if k in (2, 4) else 3
        nrows = -(-k // ncols)
        fig, grid = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                                 figsize=(4.2 * ncols, 2.6 * nrows + 0.5))  # fmt: skip
        axes = grid.ravel()
        for extra in axes[k:]:
            extra.remove()
        axes = axes[:k]
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if len(axes) < k:
            raise ValueError(f"{k} series to draw but only {len(axes)} Axes given")
        axes = axes[:k]
        fig = axes[0].figure
    counts = []
    for panel, uid in zip(axes, chosen, strict=True):
        _, shown, n = _plot_one(
            hist[uid], fc[uid], _split_intervals(intervals, uid), panel, None,
            history_window, legend=False,
        )  # fmt: skip
        panel.set_title(str(uid), fontsize="medium")
        counts.append((shown, n))
    handles, labels = axes[0].get_legend_handles_labels()
    if any(shown < n for shown, n in counts):
        sizes = {shown for shown, _ in counts}
        labels[0] = f"history (last {sizes.pop()})" if len(sizes) == 1 else "history (recent)"
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False,
               fontsize="small")  # fmt: skip
    if title is not None:
        fig.suptitle(title)
    return np.asarray(axes, dtype=object)


def _plot_one(
    history: Any,
    forecast: Any,
    intervals: Any,
    ax: Axes | None,
    title: str | None,
    history_window: int | str,
    *,
    legend: bool,
) -> tuple[Axes, int, int]:
    """Draw one series; see :func:`plot_forecast`.

    Parameters
    ----------
    history, forecast, intervals, ax, title, history_window
        As in :func:`plot_forecast`, for one series.
    legend : bool
        Whether to add the legend (above the Axes).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.
    shown, n : int
        Number of history values drawn, and in all.
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
    if legend:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=n_entries, frameon=False,
                  fontsize="small", borderaxespad=0.2)  # fmt: skip
    if title is not None:
        ax.set_title(title, pad=22)
    return ax, shown, n


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
        if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
            try:
                freq = pd.infer_freq(index)
            except (TypeError, ValueError):
                freq = None
        try:
            season = season_length(freq)
        except (TypeError, ValueError):
            season = 1
        # 2 to 4 seasons: 4 weekly seasons would leave a 12-week forecast a sliver
        seasons = min(4 * season, max(2 * season, 10 * h))
        return min(n, max(seasons, 5 * h, 40))
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
