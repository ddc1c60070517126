"""Pretrained mode: the base model's view of any series, whatever its length and frequency.

A base model (:mod:`tsrnn._pretrain`, weights shipped in :mod:`tsrnn.weights`) is one network
for every series. It reads a context of at most ``window_`` steps, left-padded and masked when
a series is shorter; it learns the correction to the seasonal naive forecast at each series'
own period (given to it as a sine/cosine clock too): ``seasonal_period`` when given, else the
period found in the series' last ``window_`` values (:func:`tsrnn._data.series_periods`); and
it forecasts ``network_horizon_`` steps per call, longer horizons recursively (the median fed
back); a model fine-tuned for a shorter ``horizon`` keeps only those steps
(:meth:`PretrainedMode.fine_tuning_state`). Its outputs are quantiles. A forecast reads each
series twice, its last ``window_`` values and the last half of them (``CONTEXT_FRACTIONS``,
each read at the period found in it), and averages the two forecasts, quantile by quantile. A
series without negative values is not forecast below the lowest of the values read (its last
``window_``).

Per step the network reads four features: the value scaled by the statistics of the real
(not padded) part of its window (0 where padded), the mask (1 real, 0 padded), and
``sin``/``cos`` of ``2 pi k / period`` for the step ``k`` relative to the end of the window
(both 0 when the period is 1). :func:`base_inputs` builds them, for pretraining on synthetic
series and for fine-tuning and forecasting real ones alike.

The mode offers the interface of the other two (:mod:`tsrnn._mode`), with an ``outputs``
of its own.
Unlike series mode it accepts any layout and frequency at every call (the output follows
the input given), and series shorter than the window. A constant context (all its real
values equal, so scaled to zeros) is forecast as that constant, at every quantile.
"""

from dataclasses import replace

import numpy as np

from . import _data
from ._mode import Mode, TrainingSet, stored_series

#: Features per step of a base network.
N_FEATURES = 4
#: Fewest real values a training window's context holds.
MIN_CONTEXT = 8
#: Most training windows taken from one series in fine-tuning (the most recent ones, evenly
#: strided over its history): neighbouring windows overlap almost entirely...
MAX_WINDOWS_PER_SERIES = 64
#: ...unless there are few series: fine-tuning takes up to this many windows in all, so a
#: single long series (co2: 2,200 weeks) gives all its windows, not 64.
MIN_TRAINING_WINDOWS = 4096
#: Context lengths a forecast reads each series at, as fractions of the window: the
#: forecasts from the last 256 and the last 128 values (of a 256-step window) are averaged.
CONTEXT_FRACTIONS = (1.0, 0.5)
#: Up to this many series, a forecast hands the network all its reads of them at once (the
#: engine runs small batches side by side on the threads, so one series costs about its
#: longest read); more series are read one context length at a time, which keeps the
#: inputs of one read in memory.
READS_AT_ONCE = 1024
#: The lowest a forecast goes (:func:`forecast_floors`): ``"window"``, the lowest of the values
#: read (the last ``window_``) of a series without negative values (counts, sales, load: often
#: with a floor of their own, such as a base load); ``"zero"`` zero for such a series;
#: ``"series"`` the lowest value of such a series; ``"series, any"`` the lowest value of every
#: series. Chosen on validation splits (``benchmarks/base_reading.py --floors``): "window" and
#: "series" tie, and "window" gives the same forecast whether the series is passed or is the
#: one kept by ``fit`` (its last ``window_`` values).
FLOOR = "window"
#: Largest scaled value a training target may take; a window scaled by a tiny spread can
#: give targets in the thousands, whose gradients would swamp the batch.
TARGET_CLIP = 50.0


def context_lengths(window):
    """The context lengths a forecast reads each series at (``CONTEXT_FRACTIONS`` of the
    window, each at least ``MIN_CONTEXT``): a tuple of int, the whole window first."""
    return tuple(max(MIN_CONTEXT, round(window * f)) for f in CONTEXT_FRACTIONS)


def forecast_floors(values, window):
    """The lowest value each series is forecast at (``FLOOR``).

    Parameters
    ----------
    values : list of ndarray of shape (n_i,)
    window : int

    Returns
    -------
    ndarray of shape (n_series,)
        A floor, or ``-inf`` for none.
    """
    out = np.full(len(values), -np.inf)
    for i, v in enumerate(values):
        low = (v[-window:] if FLOOR == "window" else v).min()
        if low >= 0 or FLOOR == "series, any":
            out[i] = 0.0 if FLOOR == "zero" else low
    return out


def base_inputs(contexts, periods, window):
    """The base network's inputs for contexts of any length.

    Parameters
    ----------
    contexts : list of ndarray of shape (c_i,)
        The values before each forecast origin, finite; ``1 <= c_i``. Only the last
        ``window`` are read.
    periods : ndarray of shape (n,)
        Seasonal period of each context (1: none).
    window : int

    Returns
    -------
    X : ndarray of shape (n, window, 4)
        Scaled value, mask, sin and cos of the seasonal clock (see the module docstring).
    loc, scale : ndarray of shape (n,)
        The scaling of each window (as :func:`tsrnn._data.scale_windows`, on its real part).
    period : ndarray of shape (n,)
        Period of each window's naive baseline: its seasonal period when that fits in the
        real context, else 1 (the last value).
    """
    n = len(contexts)
    lengths = np.array([min(len(c), window) for c in contexts], dtype=np.int64)
    mask = np.arange(window)[None, :] >= (window - lengths)[:, None]
    values = np.zeros((n, window))
    for i, c in enumerate(contexts):
        values[i, window - lengths[i] :] = c[len(c) - lengths[i] :]
    # the scaling of _data.scale_windows, over the real values only
    absmax = np.abs(values).max(axis=1)
    _, expo = np.frexp(np.where(absmax > 0, absmax, 1.0))
    z = np.ldexp(values, -expo[:, None])
    mean = z.sum(axis=1) / lengths
    std = np.sqrt((((z - mean[:, None]) * mask) ** 2).sum(axis=1) / lengths)
    absmean = np.abs(z).sum(axis=1) / lengths
    flat = std <= 1e-8 * np.maximum(absmean, np.finfo(np.float64).tiny)
    scale = np.ldexp(np.where(flat, absmean, std), expo)
    scale = np.where(scale > 0, scale, 1.0)
    loc = np.where(flat, values[:, -1], np.ldexp(mean, expo))
    X = np.zeros((n, window, N_FEATURES))
    X[:, :, 0] = np.where(mask, (values - loc[:, None]) / scale[:, None], 0.0)
    X[:, :, 1] = mask
    periods = np.asarray(periods, dtype=np.int64)
    seasonal = periods > 1
    angle = 2 * np.pi * (np.arange(window) - window)[None, :] / np.maximum(periods, 1)[:, None]
    X[:, :, 2] = np.where(seasonal[:, None], np.sin(angle), 0.0)
    X[:, :, 3] = np.where(seasonal[:, None], np.cos(angle), 0.0)
    period = np.where(seasonal & (periods <= lengths), periods, 1)
    return X, loc, scale, period


def baseline(X, horizon, period):
    """Seasonal naive forecast of each scaled window at its own period.

    Parameters
    ----------
    X : ndarray of shape (n, window, 4)
        From :func:`base_inputs`.
    horizon : int
    period : ndarray of shape (n,)

    Returns
    -------
    ndarray of shape (n, horizon)
    """
    window = X.shape[1]
    cols = window - period[:, None] + np.arange(horizon)[None, :] % period[:, None]
    return np.take_along_axis(X[:, :, 0], cols, axis=1)


def _read_forecasts(network, histories, reads, horizon, n_reads):
    """The forecasts of some of a forecast's reads, each divided by the number of reads, summed.

    Parameters
    ----------
    network : callable
        As for :meth:`PretrainedMode.outputs`.
    histories : list of ndarray
        The values of each series, the newest last.
    reads : list of (int, ndarray of shape (n_series,))
        Context length and the period of each series at it, for each read.
    horizon : int
        Steps forecast by the network in one call.
    n_reads : int
        How many reads the forecast averages.

    Returns
    -------
    ndarray of shape (n_series, horizon, n_levels)
        In the units of the series.
    """
    inputs = [base_inputs(histories, p, n) for n, p in reads]
    total = 0.0
    raws = network([Xb for Xb, _, _, _ in inputs], None)
    for (Xb, loc, scale, period), raw in zip(inputs, raws, strict=True):
        # a constant context (scaled to exact zeros) is forecast as itself: the network's
        # correction to its naive forecast would be noise times its level
        raw[~Xb[:, :, 0].any(axis=1)] = 0.0
        raw += baseline(Xb, horizon, period)[:, :, None]
        total = total + (raw * scale[:, None, None] + loc[:, None, None]) / n_reads
    return total


def training_windows(series, periods, window, horizon, ends):
    """Scaled training windows from series and the forecast origins chosen in them.

    Parameters
    ----------
    series : list of ndarray
    periods : ndarray of shape (n_series,)
    window, horizon : int
    ends : list of ndarray of int
        For each series the positions of the origins: the context is the values before,
        the target the ``horizon`` values from there.

    Returns
    -------
    X : ndarray of shape (n_windows, window, 4)
    Y : ndarray of shape (n_windows, horizon)
        The targets, scaled, minus the baseline, clipped to ``+-TARGET_CLIP``.
    series_idx, end : ndarray of shape (n_windows,)
    """
    series_idx = np.concatenate([np.full(len(e), s) for s, e in enumerate(ends)])
    end = np.concatenate(ends).astype(np.int64)
    contexts = [series[s][max(0, e - window) : e] for s, e in zip(series_idx, end, strict=True)]
    targets = np.stack([series[s][e : e + horizon] for s, e in zip(series_idx, end, strict=True)])
    X, loc, scale, period = base_inputs(contexts, np.asarray(periods)[series_idx], window)
    Y = (targets - loc[:, None]) / scale[:, None] - baseline(X, horizon, period)
    return X, np.clip(Y, -TARGET_CLIP, TARGET_CLIP), series_idx, end


class PretrainedMode(Mode):
    """A base model's series in, forecasts out (see the module docstring).

    Parameters
    ----------
    estimator : RNNForecaster
        Only its parameters are read.
    """

    name = "pretrained"
    PARAMETERS = ("horizon", "seasonal_period", "allow_missing")

    # ----------------------------------------------------------------------------------------
    # training (fine-tuning)

    def training_set(self, X, y, covariates, state):
        """The most recent windows of each series (at most ``MAX_WINDOWS_PER_SERIES``, or
        more when there are few series: ``MIN_TRAINING_WINDOWS`` in all).

        Parameters
        ----------
        X : pandas.Series, pandas.DataFrame or array-like
            The series, in any layout and frequency.
        y : None
        covariates : None
            A base model reads no covariates.
        state : PretrainedState
            The base model's state (never None: a base model is fitted before it trains).

        Returns
        -------
        TrainingSet
        PretrainedState
        """
        self._no_covariates(covariates)
        data = _data.check_series(X, allow_missing=self.params["allow_missing"])
        state = self.first_state(state)
        w, h = state.window_, state.network_horizon_
        ends = []
        per_series = max(MAX_WINDOWS_PER_SERIES, MIN_TRAINING_WINDOWS // len(data.values))
        for v in data.values:
            last = len(v) - h
            first = min(MIN_CONTEXT, last)
            if last < 1:
                ends.append(np.zeros(0, np.int64))
                continue
            stride = max(1, -(-(last - first + 1) // per_series))
            ends.append(np.arange(last, first - 1, -stride)[::-1])
        if not any(len(e) for e in ends):
            raise ValueError(
                f"no series is long enough to train on: the base model learns from "
                f"{h} steps ahead of at least 1 value, so a series needs {h + 1} values or "
                "more. Forecast the short series without training (predict), or give longer "
                "ones."
            )
        periods = self._periods(data, w)
        Xw, Yw, series, end = training_windows(data.values, periods, w, h, ends)
        return TrainingSet(Xw, Yw, None, end, series), self._remember(state, data)

    def fine_tuning_state(self, state):
        """The base model's state where fine-tuning starts: the network forecasts at most
        ``horizon`` steps per call (the estimator's; its training windows then need no more
        future values, and its outputs beyond are dropped)."""
        steps = min(self.params["horizon"] or state.network_horizon_, state.network_horizon_)
        return replace(state, network_horizon_=int(steps))

    def first_state(self, state):
        """The state with the horizon this estimator forecasts (``horizon``, else the
        network's)."""
        horizon = self.params["horizon"] or state.network_horizon_
        return replace(state, horizon_=int(horizon))

    def _remember(self, state, data):
        """``state`` with the last window of each series of ``data``, for ``predict()``."""
        keep = max(state.window_, 2)
        return replace(
            state, series_ids_=list(data.ids), _tails=[v[-keep:].copy() for v in data.values],
            _tail_indexes=[ix[-keep:] for ix in data.indexes], _layout=data.layout,
            _freq=data.freq, _name=data.name, _ndim=data.ndim,
        )  # fmt: skip

    # ----------------------------------------------------------------------------------------
    # prediction

    def outputs(self, state, X, covariates, network):
        """Forecasts of ``horizon_`` steps after each series, recursively beyond the network's
        horizon, and the way back to the user's layout.

        Parameters
        ----------
        state : PretrainedState
        X : None or series in any layout
            None: after the series of the last ``partial_fit``/``fit``.
        covariates : None
        network : callable
            ``network(X, Z)`` -> outputs of shape (n, network_horizon_, n_levels); for a
            list of batches ``X``, a list of outputs.

        Returns
        -------
        pred : ndarray of shape (n_series, horizon_, n_levels)
            In the units of the series (the scaling and the baseline undone).
        finish : callable
            ``finish(pred, labels=None)``: to the user's layout and future index.
        """
        self._no_covariates(covariates)
        if X is None:
            if not state.series_ids_:
                raise ValueError(
                    "this base model has no series of its own yet: pass the history to "
                    "forecast, predict(y), or fine-tune it on series first (partial_fit)."
                )
            data = stored_series(state)
        else:
            data = _data.check_series(X, allow_missing=self.params["allow_missing"])
        w, h, step = state.window_, state.horizon_, state.network_horizon_
        lengths = context_lengths(w)
        periods = [self._periods(data, n) for n in lengths]  # each found in what is read
        floor = forecast_floors(data.values, w)
        histories = [v[-w:] for v in data.values]
        reads = list(zip(lengths, periods, strict=True))  # the context lengths read
        groups = [reads] if len(histories) <= READS_AT_ONCE else [[r] for r in reads]
        parts = []
        for _ in range(-(-h // step)):
            pred = 0.0
            for group in groups:
                pred = pred + _read_forecasts(network, histories, group, step, len(reads))
            pred = np.maximum(pred, floor[:, None, None])
            parts.append(pred)
            median = np.median(pred, axis=2)  # the levels are symmetric around 0.5
            histories = [np.concatenate([v, m])[-w:] for v, m in zip(histories, median,
                                                                        strict=True)]  # fmt: skip
        pred = np.concatenate(parts, axis=1)[:, :h]

        def finish(pred, labels=None):
            if labels is None:
                return _data.to_output(pred, data)
            return _data.to_output_quantiles(pred, data, labels)

        return pred, finish

    # ----------------------------------------------------------------------------------------
    # both

    def _periods(self, data, window):
        """Each series' seasonal period: ``seasonal_period``, else found in its last
        ``window`` values (:func:`tsrnn._data.series_periods`)."""
        return _data.series_periods(data.values, _data.season_length(data.freq),
                                    self.params["seasonal_period"], window)

    @staticmethod
    def _no_covariates(covariates):
        if covariates is not None:
            raise ValueError(
                "the base model reads no covariates; fit RNNForecaster(init='scratch', ...) "
                "with covariates=... to use them."
            )
