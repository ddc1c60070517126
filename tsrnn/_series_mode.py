"""Series mode: time series in, forecasts on the future index out.

The estimator hands this mode the user's series (a Series, a wide or long DataFrame, an
array) and the covariates; the mode checks them (:mod:`tsrnn._data`), decides what the first
fit fixes (window, horizon, baseline, transform, covariate scaling) and turns the series into
scaled windows: the network's inputs, its targets (the correction to the naive baseline) and
the head's covariate features. For a prediction it builds the same inputs from the last window
of each series, and ``finish`` turns the network's outputs back into the user's units, layout
and future time stamps.

The interface every mode offers is described in :mod:`tsrnn._mode`.
"""

from dataclasses import replace

import numpy as np

from . import _data
from ._mode import Mode, TrainingSet, stored_series
from ._state import SeriesState


class SeriesMode(Mode):
    """Series in, forecast out (see the module docstring).

    Parameters
    ----------
    estimator : RNNForecaster
        Only its parameters are read.
    """

    name = "series"
    #: The estimator parameters this mode reads.
    PARAMETERS = ("horizon", "window", "baseline", "target_transform", "calendar_features",
                  "seasonal_period", "allow_missing")  # fmt: skip

    # ----------------------------------------------------------------------------------------
    # training

    def training_set(self, X, y, covariates, state):
        """Windows of the series ``X`` to train on.

        Parameters
        ----------
        X : pandas.Series, pandas.DataFrame or array-like
            The series (see :func:`tsrnn._data.check_series`).
        y : None
        covariates : pandas.DataFrame, pandas.Series or None
        state : SeriesState or None
            The fitted state; None for a first fit, which decides it.

        Returns
        -------
        TrainingSet
        SeriesState
            The state after this call: the first fit's choices, the new last windows.
        """
        if isinstance(X, np.ndarray | list) and np.asarray(X, dtype=object).ndim == 3:
            raise ValueError(
                "a 3-D array was given without targets y: windows mode needs fit(X, y); "
                "series mode takes a Series, a DataFrame or a 1-D / 2-D array."
            )
        data = self._check(X, state)
        if state is None:
            state = self._first_state(data, covariates)
        w, h, period = state.window_, state.horizon_, state.baseline_period_
        for sid, v in zip(data.ids, data.values, strict=True):
            if len(v) < w:  # it would have no last window to forecast from
                raise ValueError(
                    f"series {sid!r} has {len(v)} values, fewer than the window of {w}: the "
                    f"model could not forecast it. Pass at least {w} values of every series "
                    "(for partial_fit: the new values with the history before them), drop "
                    "it, or fit with a smaller window (window='auto' fits the shortest)."
                )
        covs = self._covariate_rows(state, data.ids, data.indexes, covariates)
        values = data.values if covs is None else [
            _stack_features(v, c, h) for v, c in zip(data.values, covs, strict=True)
        ]  # fmt: skip
        Xw, Yw, series, end = _data.make_windows(values, w, h)
        Z = None if covs is None else _head_features(covs, series, end, h, period)
        Xs, Ys, _, _ = _data.scale_windows(Xw, Yw)
        if period:
            Ys = Ys - _data.naive_baseline(Xs if Xs.ndim == 2 else Xs[:, :, 0], h, period)
        Xn = Xs[:, :, None] if Xs.ndim == 2 else Xs
        keep = max(w, 2)  # two stamps at least: an integer index's step stays known
        state = replace(
            state, _name=data.name, series_ids_=list(data.ids),
            _tails=[v[-keep:].copy() for v in data.values],
            _tail_indexes=[ix[-keep:] for ix in data.indexes],
            _cov_tails=None if covs is None else [c[-w:] for c in covs],
        )  # fmt: skip
        return TrainingSet(Xn, Ys, Z, end, series), state

    def _first_state(self, data, covariates):
        """What the first fit fixes: window, horizon, baseline, transform, covariates."""
        p = self.params
        if p["horizon"] is None:
            raise ValueError(
                "horizon is not set: to forecast a series, give the number of steps, "
                "e.g. RNNForecaster(horizon=12)."
            )
        horizon = int(p["horizon"])
        season = self._season(data.freq)
        if p["window"] == "auto":
            window = _data.auto_window(data.lengths, horizon, data.freq, season)
        else:
            window = int(p["window"])
        longest = int(data.lengths.max())
        if longest < window + horizon:
            raise ValueError(
                f"the longest series has {longest} values, shorter than window + horizon "
                f"= {window} + {horizon} = {window + horizon}; use a smaller window (or "
                "window='auto') or a shorter horizon."
            )
        columns = None if covariates is None else _data.covariate_columns(covariates)
        mean = scale = None
        if columns is not None:
            rows = np.concatenate(
                _data.align_covariates(covariates, data.ids, data.indexes, columns=columns)
            )
            sd = rows.std(axis=0)
            mean, scale = rows.mean(axis=0), np.where(sd > 0, sd, 1.0)
        return SeriesState(
            window_=window, horizon_=horizon, n_features_in_=1,
            baseline_period_=self._baseline_period(window, season),
            series_ids_=list(data.ids), _tails=[], _tail_indexes=[], _layout=data.layout,
            _freq=data.freq, _name=data.name, _ndim=data.ndim, covariates_=columns,
            _cov_mean=mean, _cov_scale=scale, target_transform_=p["target_transform"],
            calendar_features_=bool(p["calendar_features"]),
        )  # fmt: skip

    def _season(self, freq):
        """The seasonal period: ``seasonal_period``, else inferred from the frequency."""
        if self.params["seasonal_period"] is not None:
            return int(self.params["seasonal_period"])
        return _data.season_length(freq)

    def _baseline_period(self, window, season):
        """Period of the naive baseline (0: none), from ``baseline``, window and season."""
        baseline = self.params["baseline"]
        if baseline == "none":
            return 0
        seasonal = 1 < season <= window
        if baseline == "seasonal" and not seasonal:
            raise ValueError(
                f"baseline='seasonal' needs a seasonal period that fits in the window, but the "
                f"period is {season} and the window {window}; use baseline='auto' or a longer "
                "window."
            )
        if baseline == "last":
            return 1
        return season if seasonal else 1

    # ----------------------------------------------------------------------------------------
    # prediction

    def prediction(self, state, X, covariates):
        """Network input for a forecast after the end of each series, and the way back.

        Parameters
        ----------
        state : SeriesState
        X : None or the same kind of data as in ``fit``
            None: forecast after the training data (its last windows are kept).
        covariates : pandas.DataFrame, pandas.Series or None

        Returns
        -------
        X : ndarray of shape (n_series, window_, n_features)
        Z : ndarray of shape (n_series, n_head_features) or None
        finish : callable
            ``finish(pred, labels=None)``: outputs in the network's output space, of shape
            (n_series, horizon_) — or (n_series, horizon_, n_labels) with ``labels`` naming
            the last axis — to the user's units, layout and future index.
        """
        w, h = state.window_, state.horizon_
        if X is None:
            data = stored_series(state)
        else:
            data = self._check(X, state)
        for sid, v in zip(data.ids, data.values, strict=True):
            if len(v) < w:
                raise ValueError(
                    f"series {sid!r} has {len(v)} values, but the model reads windows of "
                    f"window_ = {w}: pass a longer history."
                )
        target = np.stack([v[-w:] for v in data.values])
        Xs, _, loc, scale = _data.scale_windows(target)
        Xn, Z = Xs[:, :, None], None
        if state.covariates_ is not None or state.calendar_features_ or covariates is not None:
            futures = [_data.future_index(ix, h, data.freq) for ix in data.indexes]
            if X is None:  # the stored rows for the window, the given ones for the horizon
                ahead = self._covariate_rows(state, data.ids, futures, covariates)
                rows = [np.concatenate([t, a]) for t, a in zip(state._cov_tails, ahead,
                                                                 strict=True)]  # fmt: skip
            else:
                needed = [ix[-w:].append(f) for ix, f in zip(data.indexes, futures, strict=True)]
                rows = self._covariate_rows(state, data.ids, needed, covariates)
            Xn = np.stack([_stack_features(t, c, h) for t, c in zip(Xs, rows, strict=True)])
            n = len(rows)
            Z = _head_features(rows, np.arange(n), np.full(n, w), h, state.baseline_period_)
        base = 0.0
        if state.baseline_period_:
            base = _data.naive_baseline(Xs, h, state.baseline_period_)

        def finish(pred, labels=None):
            pred = pred + (base[:, :, None] if pred.ndim == 3 and np.ndim(base) else base)
            pred = _data.unscale(pred, loc, scale)
            if state.target_transform_ == "log":
                pred = np.maximum(np.expm1(pred), 0.0)
            if labels is None:
                return _data.to_output(pred, data)
            return _data.to_output_quantiles(pred, data, labels)

        return Xn, Z, finish

    # ----------------------------------------------------------------------------------------
    # both

    def _check(self, X, state):
        """Validated series (:class:`tsrnn._data.SeriesData`), log-transformed if fitted so,
        in the layout and frequency of the fit (``state``; None: a first fit)."""
        data = _data.check_series(X, allow_missing=self.params["allow_missing"])
        transform = self.params["target_transform"] if state is None else state.target_transform_
        if transform == "log":
            for sid, values, index in zip(data.ids, data.values, data.indexes, strict=True):
                negative = np.flatnonzero(values < 0)
                if len(negative):
                    raise ValueError(
                        f"target_transform='log' needs values >= 0, but series {sid!r} has "
                        f"{values[negative[0]]:g} at {index[negative[0]]}; use "
                        "target_transform=None for data that can be negative."
                    )
            data.values = [np.log1p(v) for v in data.values]
        if state is None:
            return data
        if data.layout != state._layout:
            raise ValueError(
                f"the model was fitted on data of layout {state._layout!r} and got "
                f"{data.layout!r}; pass data in the same layout (a Series, a wide or a "
                "long DataFrame, or an array) as in fit."
            )
        if data.layout == "array" and data.ndim != state._ndim:
            raise ValueError(
                f"the model was fitted on a {state._ndim}-D array and got a "
                f"{data.ndim}-D array; pass the same shape of data as in fit."
            )
        if data.freq is None and max(len(ix) for ix in data.indexes) < 2:
            data.freq = state._freq  # one time stamp a series: nothing to contradict the fit
        if not _same_freq(data.freq, state._freq):
            raise ValueError(
                f"the model was fitted on data of frequency {_freq_name(state._freq)} and "
                f"got {_freq_name(data.freq)}; pass data of the same frequency."
            )
        return data

    def _covariate_rows(self, state, ids, indexes, covariates):
        """Covariate features of each series at ``indexes``: the user's covariates
        (standardised with the statistics of the first fit) and calendar features.

        Returns None for a model without covariates, else a list of arrays of shape
        (len(indexes[i]), n_covariate_features).
        """
        columns = state.covariates_
        if columns is not None and covariates is None:
            raise ValueError(
                f"this model was fitted with the covariates {columns}: pass covariates=... "
                "covering the forecast horizon (and the history's last window)."
            )
        if columns is None and covariates is not None:
            raise ValueError(
                "this model was fitted without covariates; fit it with covariates=... to "
                "use them."
            )
        parts = [[] for _ in ids]
        if columns is not None:
            raw = _data.align_covariates(covariates, ids, indexes, columns=columns)
            for part, r in zip(parts, raw, strict=True):
                part.append((r - state._cov_mean) / state._cov_scale)
        if state.calendar_features_:
            for part, ix in zip(parts, indexes, strict=True):
                part.append(_data.calendar_features(ix, state._freq))
        if columns is None and not state.calendar_features_:
            return None
        return [np.concatenate(p, axis=1) for p in parts]


def _stack_features(values, covariate_rows, horizon):
    """Per-step inputs ``[y_t, c_t, c_{t+horizon}]`` of a series with covariates.

    Each step sees the covariates of its own time and of ``horizon`` steps later, so the
    last steps of a window carry the known future of the forecast horizon.

    Parameters
    ----------
    values : ndarray of shape (n,)
    covariate_rows : ndarray of shape (n + extra, k)
        Rows for the ``n`` steps, and for up to ``horizon`` steps after them (missing
        future rows are zeros; training windows never read them).
    horizon : int

    Returns
    -------
    ndarray of shape (n, 1 + 2 k)
    """
    n, k = len(values), covariate_rows.shape[1]
    lead = np.zeros((n, k))
    ahead = covariate_rows[horizon : horizon + n]
    lead[: len(ahead)] = ahead
    return np.column_stack([values, covariate_rows[:n], lead])


def _head_features(covariate_rows, series_idx, end_pos, horizon, period):
    """The head's features of every window: the covariates of its horizon and, with a
    naive baseline, of the steps the baseline copies.

    The network learns the correction to the baseline; the covariates of both ends of that
    difference (the step forecast and the step its baseline value comes from) explain it.

    Parameters
    ----------
    covariate_rows : list of ndarray of shape (n_i, k)
        Covariate features of each series at its time stamps.
    series_idx, end_pos : ndarray of shape (n_windows,)
        Series of each window and the position right after it (see ``make_windows``).
    horizon : int
    period : int
        Period of the naive baseline (0: none).

    Returns
    -------
    ndarray of shape (n_windows, n_steps * k)
        Row ``i``: the rows ``end_pos[i] + j`` of its series for ``j`` in ``0 .. horizon - 1``
        then, with a baseline, ``end_pos[i] - period + (j mod period)``; ``n_steps`` is
        ``horizon`` or ``2 * horizon``.
    """
    steps = np.arange(horizon)
    if period:
        steps = np.concatenate([steps, steps % period - period])
    k = covariate_rows[0].shape[1]
    out = np.empty((len(end_pos), len(steps) * k))
    for s, rows in enumerate(covariate_rows):
        mine = np.flatnonzero(series_idx == s)
        if len(mine):
            out[mine] = rows[end_pos[mine, None] + steps].reshape(len(mine), -1)
    return out


def _same_freq(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == b


def _freq_name(freq):
    return getattr(freq, "freqstr", None) or str(freq)
