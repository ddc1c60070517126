"""Rolling-origin backtests: how well would the forecaster have done, window after window.

With ``refit="partial"`` the model is trained once, at the first origin, and then updated
with :meth:`RNNForecaster.partial_fit` on the windows that became complete since the last
origin — the way a deployed model is kept up to date, and many times faster than refitting
at every origin.
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from . import _data, metrics


@dataclass
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per origin and step: ``window``, ``cutoff`` (last time stamp of the history),
        ``ds``, ``y`` (actual) and ``y_pred``.
    metrics : pandas.DataFrame
        One row per origin: ``window``, ``cutoff``, ``mae``, ``rmse``, ``smape``, ``mase``
        and ``seconds`` (training and forecasting at that origin).
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame

    @property
    def summary(self):
        """Mean of each metric over the origins, and the total seconds (pandas.Series)."""
        out = self.metrics[["mae", "rmse", "smape", "mase"]].mean()
        out["seconds"] = self.metrics["seconds"].sum()
        return out


def backtest(forecaster, series, n_windows=8, step=None, refit="partial", covariates=None):
    """Rolling-origin evaluation of a forecaster on one series.

    The last ``n_windows`` origins, ``step`` apart, each followed by ``horizon`` known values:
    at each origin the model forecasts from the history up to it and is scored on what came
    next.

    Parameters
    ----------
    forecaster : RNNForecaster
        Unfitted template (it is cloned; the object passed in is left as it is). Its
        ``horizon`` must be set.
    series : pandas.Series or array-like of shape (n_time,)
    n_windows : int, default=8
    step : int, default=None
        Steps between origins; ``horizon`` when None (non-overlapping test windows).
    refit : {"partial", True, False}, default="partial"
        ``"partial"``: fit at the first origin, then ``partial_fit`` on the new windows
        before each later origin. ``True``: fit from scratch at every origin. ``False``:
        fit at the first origin only.
    covariates : pandas.DataFrame, optional
        Known-future covariates covering the whole series (for a model that uses them).

    Returns
    -------
    BacktestResult
    """
    if refit not in ("partial", True, False):
        raise ValueError(f"refit must be 'partial', True or False, got {refit!r}.")
    horizon = forecaster.horizon
    if horizon is None:
        raise ValueError("the forecaster's horizon must be set for a backtest.")
    step = horizon if step is None else int(step)
    if int(n_windows) < 1 or step < 1:
        raise ValueError("n_windows and step must be positive integers.")
    data = _data.check_series(series, allow_missing=getattr(forecaster, "allow_missing", False))
    if data.n_series != 1:
        raise ValueError("backtest takes one series (a pandas Series or a 1-D array).")
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
    season = getattr(forecaster, "seasonal_period", None) or _data.season_length(data.freq)
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
        scores.append({
            "window": i, "cutoff": history.index[-1],
            "mae": metrics.mae(actual, pred), "rmse": metrics.rmse(actual, pred),
            "smape": metrics.smape(actual, pred), "mase": _mase(actual, pred, history, season),
            "seconds": seconds,
        })  # fmt: skip
        rows.append(pd.DataFrame({
            "window": i, "cutoff": history.index[-1], "ds": actual.index,
            "y": actual.to_numpy(), "y_pred": pred,
        }))  # fmt: skip
    return BacktestResult(pd.concat(rows, ignore_index=True), pd.DataFrame(scores))


def _mase(actual, pred, history, season):
    m = season if len(history) > season else 1
    try:
        return metrics.mase(actual, pred, history, m=m)
    except ValueError:  # constant history: no in-sample scale
        return float("nan")
