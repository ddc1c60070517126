"""Rolling-origin backtests: how well would the forecaster have done, window after window.

With ``refit="partial"`` the model is trained once, at the first origin, and then updated
with :meth:`RNNForecaster.partial_fit` on the windows that became complete since the last
origin — the way a deployed model is kept up to date, and many times faster than refitting
at every origin.

One series (a pandas Series or a 1-D array) is backtested as it always was. A panel (a wide
DataFrame, a long DataFrame with ``unique_id``, ``ds``, ``y``, or a 2-D array) is backtested
with one global model: origin ``i`` of every series is counted from that series' own end (as
NeuralForecast's ``cross_validation`` does on the long format), so series of different
lengths and end dates share the window numbers, and the model is fitted, updated and asked
for forecasts on all series at once at each origin.
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from . import _data, metrics

_METRICS = ["mae", "rmse", "smape", "mase"]


@dataclass
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per origin and step: ``window``, ``cutoff`` (last time stamp of the history),
        ``ds``, ``y`` (actual) and ``y_pred``. For a panel, one row per series, origin and
        step, with ``unique_id`` first, sorted by ``unique_id``, ``window``, ``ds``.
    metrics : pandas.DataFrame
        One row per origin: ``window``, ``cutoff``, ``mae``, ``rmse``, ``smape``, ``mase``
        and ``seconds`` (training and forecasting at that origin). For a panel, one row per
        series and origin, with ``unique_id`` first; ``seconds`` is the time of the whole
        origin (one model for all series), repeated on each of its rows.
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame

    @property
    def summary(self):
        """Mean of each metric over the origins (and series), and the total seconds.

        Returns
        -------
        pandas.Series
            ``mae``, ``rmse``, ``smape``, ``mase``: means over all rows of :attr:`metrics`
            (every series and origin weighs the same); ``seconds``: the time of all origins
            together (each origin counted once).
        """
        out = self.metrics[_METRICS].mean()
        out["seconds"] = self.metrics.groupby("window", sort=False)["seconds"].first().sum()
        return out

    @property
    def per_series(self):
        """Mean of each metric over the origins, one row per series (pandas.DataFrame).

        Returns
        -------
        pandas.DataFrame of shape (n_series, 4)
            Indexed by ``unique_id`` (a panel) and with the columns ``mae``, ``rmse``,
            ``smape``, ``mase``. A single-series backtest gives one row, indexed by 0.
        """
        if "unique_id" not in self.metrics.columns:
            return self.metrics[_METRICS].mean().to_frame().T
        return self.metrics.groupby("unique_id", sort=False)[_METRICS].mean()


def backtest(forecaster, series, n_windows=8, step=None, refit="partial", covariates=None):
    """Rolling-origin evaluation of a forecaster on one series or on a panel of series.

    The last ``n_windows`` origins, ``step`` apart, each followed by ``horizon`` known values:
    at each origin the model forecasts from the history up to it and is scored on what came
    next. In a panel the origins of each series are counted from its own end, and one global
    model serves all series.

    Parameters
    ----------
    forecaster : RNNForecaster
        Unfitted template (it is cloned; the object passed in is left as it is). Its
        ``horizon`` must be set.
    series : pandas.Series, pandas.DataFrame or array-like
        One series: a pandas Series or an array of shape (n_time,). A panel: a wide DataFrame
        of shape (n_time, n_series) (leading and trailing NaN of a column are stripped, so
        series may start and end at different times), a long DataFrame with the columns
        ``unique_id``, ``ds``, ``y`` (series of any lengths and start dates) or an array of
        shape (n_time, n_series).
    n_windows : int, default=8
    step : int, default=None
        Steps between origins; ``horizon`` when None (non-overlapping test windows).
    refit : {"partial", True, False}, default="partial"
        ``"partial"``: fit at the first origin, then ``partial_fit`` on the new windows
        before each later origin (in a panel: the new windows of every series, in one call).
        ``True``: fit from scratch at every origin. ``False``: fit at the first origin only.
    covariates : pandas.DataFrame, optional
        Known-future covariates covering the whole series (for a model that uses them):
        indexed by time, or long (``unique_id``, ``ds``, one column per covariate) for a panel.

    Returns
    -------
    BacktestResult
        ``forecasts`` and ``metrics`` frames; a panel's have a ``unique_id`` column.

    Raises
    ------
    ValueError
        An unknown ``refit``, no ``horizon``, non-positive ``n_windows`` or ``step``, or a
        series too short for the origins asked for: every such series of a panel is named
        (a panel is never silently reduced; drop those series or ask for fewer windows).
    """
    if refit not in ("partial", True, False):
        raise ValueError(f"refit must be 'partial', True or False, got {refit!r}.")
    horizon = forecaster.horizon
    if horizon is None:
        raise ValueError("the forecaster's horizon must be set for a backtest.")
    step = horizon if step is None else int(step)
    if int(n_windows) < 1 or step < 1:
        raise ValueError("n_windows and step must be positive integers.")
    n_windows = int(n_windows)
    data = _data.check_series(series, allow_missing=getattr(forecaster, "allow_missing", False))
    season = getattr(forecaster, "seasonal_period", None) or _data.season_length(data.freq)
    if data.layout == "series" or (data.layout == "array" and data.ndim == 1):
        return _backtest_one(forecaster, series, data, n_windows, step, refit, covariates, season)
    return _backtest_panel(forecaster, data, n_windows, step, refit, covariates, season)


def _backtest_one(forecaster, series, data, n_windows, step, refit, covariates, season):
    """Backtest of one series: metrics and forecasts without ``unique_id``."""
    horizon = forecaster.horizon
    # the validated values: with allow_missing, gaps filled and NaN edges stripped, so the
    # histories, the actuals and the metrics all see what the model sees
    y = pd.Series(data.values[0], data.indexes[0], name=getattr(series, "name", None))
    n = len(y)
    cutoffs = [n - horizon - (n_windows - 1 - i) * step for i in range(n_windows)]
    if cutoffs[0] < horizon + 2:
        raise ValueError(
            f"the series has {n} values: too short for {n_windows} windows of horizon "
            f"{horizon} every {step} steps; use fewer windows or a smaller step."
        )
    kw = {} if covariates is None else {"covariates": covariates}
    model, rows, scores = None, [], []
    for i, cut in enumerate(cutoffs):
        history, actual = y.iloc[:cut], y.iloc[cut : cut + horizon]
        start = time.perf_counter()
        if model is None or refit is True:
            model = clone(forecaster).fit(history, **kw)
        elif refit == "partial":
            # the windows whose targets end after the previous origin
            first = max(0, cutoffs[i - 1] - model.window_ - horizon + 1)
            model.partial_fit(y.iloc[first:cut], **kw)
        forecast = model.predict(history, **kw)
        seconds = time.perf_counter() - start
        pred = np.asarray(forecast, dtype=np.float64)
        scores.append(
            {"window": i, "cutoff": history.index[-1]}
            | _scores(actual, pred, history, season)
            | {"seconds": seconds}
        )
        rows.append(pd.DataFrame({
            "window": i, "cutoff": history.index[-1], "ds": actual.index,
            "y": actual.to_numpy(), "y_pred": pred,
        }))  # fmt: skip
    return BacktestResult(pd.concat(rows, ignore_index=True), pd.DataFrame(scores))


def _backtest_panel(forecaster, data, n_windows, step, refit, covariates, season):
    """Backtest of a panel with one global model; frames with ``unique_id``."""
    horizon = forecaster.horizon
    lengths = data.lengths
    # cutoffs[s, i]: number of values of series s in the history at origin i
    cutoffs = lengths[:, None] - horizon - (n_windows - 1 - np.arange(n_windows))[None, :] * step
    short = np.flatnonzero(cutoffs[:, 0] < horizon + 2)
    if short.size:
        need = horizon + 2 + (n_windows - 1) * step + horizon
        named = ", ".join(f"{data.ids[s]!r} ({lengths[s]} values)" for s in short[:10])
        more = f" and {short.size - 10} more" if short.size > 10 else ""
        raise ValueError(
            f"{short.size} of {data.n_series} series are too short for {n_windows} windows of "
            f"horizon {horizon} every {step} steps (each needs at least {need} values): "
            f"{named}{more}. Drop them (e.g. keep the ids whose length is at least {need}) "
            "or use fewer windows or a smaller step."
        )
    kw = {} if covariates is None else {"covariates": covariates}
    ids, indexes, values = data.ids, data.indexes, data.values
    model, forecasts, scores = None, [], []
    for i in range(n_windows):
        cut = cutoffs[:, i]
        histories = _long(data, np.zeros_like(cut), cut)
        start = time.perf_counter()
        if model is None or refit is True:
            model = clone(forecaster).fit(histories, **kw)
        elif refit == "partial":
            # per series, the windows whose targets end after its previous origin
            first = np.maximum(0, cutoffs[:, i - 1] - model.window_ - horizon + 1)
            model.partial_fit(_long(data, first, cut), **kw)
        forecast = model.predict(histories, **kw)
        seconds = time.perf_counter() - start
        pred = {uid: g["y"].to_numpy(np.float64) for uid, g in forecast.groupby("unique_id")}
        for s, uid in enumerate(ids):
            c = int(cut[s])
            index, y = indexes[s], values[s]
            actual, history = y[c : c + horizon], y[:c]
            p = pred[uid]
            scores.append(
                {"unique_id": uid, "window": i, "cutoff": index[c - 1]}
                | _scores(actual, p, history, season)
                | {"seconds": seconds}
            )
            forecasts.append(pd.DataFrame({
                "unique_id": uid, "window": i, "cutoff": index[c - 1],
                "ds": index[c : c + horizon], "y": actual, "y_pred": p,
            }))  # fmt: skip
    order = ["unique_id", "window"]
    frame = pd.concat(forecasts, ignore_index=True)
    frame = frame.sort_values(order + ["ds"], kind="stable", ignore_index=True)
    table = pd.DataFrame(scores).sort_values(order, kind="stable", ignore_index=True)
    return BacktestResult(frame, table)


def _long(data, first, stop):
    """The rows ``first[s]:stop[s]`` of every series as a long DataFrame (unique_id, ds, y).

    Parameters
    ----------
    data : SeriesData
    first, stop : ndarray of int of shape (n_series,)

    Returns
    -------
    pandas.DataFrame with ``sum(stop - first)`` rows
    """
    pieces = [ix[a:b] for ix, a, b in zip(data.indexes, first, stop, strict=True)]
    ds = pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]
    return pd.DataFrame({
        "unique_id": np.repeat(np.asarray(data.ids, dtype=object), stop - first),
        "ds": ds,
        "y": np.concatenate([v[a:b] for v, a, b in zip(data.values, first, stop, strict=True)]),
    })  # fmt: skip


def _scores(actual, pred, history, season):
    """mae, rmse, smape and mase of one forecast (dict of float)."""
    return {
        "mae": metrics.mae(actual, pred), "rmse": metrics.rmse(actual, pred),
        "smape": metrics.smape(actual, pred), "mase": _mase(actual, pred, history, season),
    }  # fmt: skip


def _mase(actual, pred, history, season):
    m = season if len(history) > season else 1
    try:
        return metrics.mase(actual, pred, history, m=m)
    except ValueError:  # constant history: no in-sample scale
        return float("nan")
