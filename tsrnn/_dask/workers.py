"""What runs on the Dask workers: shards of training windows and forecasts of partitions.

A shard is one partition's scaled training windows, built by the series-mode code of the local
estimator and kept on the worker as a Dask future. The functions here are the tasks the client
submits on shards (gradient, validation sums, errors, last windows) and the partition
functions of ``predict``. Each sets the worker's Numba and BLAS threads first.

A partition may carry covariate columns beside ``unique_id``, ``ds`` and ``y``
(:func:`split_partition`): the rows of a series after its last observed ``y`` are its known
future (the covariates of the forecast horizon), the rows up to it its history.
"""

import copy
import time

import numpy as np
from distributed import get_worker

from .. import _devices, _network, _trainer
from .._base import _with_lags
from .._data import align_covariates, check_series
from .._pretrain import synthetic_windows
from .._series_mode import SeriesMode
from ..forecaster import RNNForecaster

#: Columns of the long format.
LONG = ["unique_id", "ds", "y"]


class _Shard:
    """The scaled training windows of one partition, kept on the worker that built them.

    Built by the series-mode code of the local estimator
    (:meth:`tsrnn._series_mode.SeriesMode.training_set`) with the state the client decided.

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition (long format).
    params : dict
        RNNForecaster parameters.
    template : SeriesState
        What the first fit fixed (window, horizon, baseline, frequency, layout).
    levels : list of float or None
        Quantile levels of the outputs.
    lags : int
        Linear lags of the head.
    dtype : numpy.dtype
    fraction : float or None
        Share of each series' windows held out (time-ordered); None holds none out.
    columns : list
        The covariate columns of the frame (empty: none).

    Attributes
    ----------
    X : ndarray of shape (n_windows, window, n_features)
    Y : ndarray of shape (n_windows, n_outputs)
    Z : ndarray of shape (n_windows, n_head_features) or None
    train_rows, val_rows : ndarray of int64 or None
    state : SeriesState or None
        The partition's series ids and last windows (None: empty partition).
    """

    def __init__(self, frame, params, template, levels, lags, dtype, fraction, columns):
        self.state, self.X = None, None
        frame, covariates = split_partition(frame, columns)
        if len(frame) == 0:
            self.train_rows = np.zeros(0, np.int64)
            self.val_rows = None
            return
        data, self.state = SeriesMode(RNNForecaster(**params)).training_set(
            frame, None, covariates, template
        )
        Z = _with_lags(data.Z, data.X[:, :, 0], lags)
        self.X = np.ascontiguousarray(data.X, dtype=dtype)
        Y = data.Y if levels is None else np.repeat(data.Y, len(levels), axis=1)
        self.Y = np.ascontiguousarray(Y, dtype=dtype)
        self.Z = None if Z is None else np.ascontiguousarray(Z, dtype=dtype)
        self.train_rows, self.val_rows = np.arange(len(self.X)), None
        if fraction is not None:
            self.train_rows, self.val_rows = _trainer.time_ordered_split(
                data.end, data.series, data.Y.shape[1], fraction
            )

    @classmethod
    def of_arrays(cls, X, Y):
        """A shard of windows given as arrays (no series, no held-out rows)."""
        shard = cls.__new__(cls)
        shard.state, shard.X, shard.Y, shard.Z = None, X, Y, None
        shard.train_rows, shard.val_rows = np.arange(len(X)), None
        return shard

    def __sizeof__(self):
        # what Dask's scheduler weighs before moving a shard: its arrays
        arrays = (self.X, getattr(self, "Y", None), getattr(self, "Z", None))
        return 1000 + sum(a.nbytes for a in arrays if a is not None)

    def _z(self, rows):
        return None if self.Z is None else self.Z[rows]


def _shard_info(shard):
    """Sizes and split of a shard (small), for the client."""
    if shard.X is None:
        return {"n_windows": 0, "train_rows": shard.train_rows, "val_rows": None}
    return {
        "n_windows": len(shard.X), "train_rows": shard.train_rows, "val_rows": shard.val_rows,
        "n_features": shard.X.shape[2], "n_outputs": shard.Y.shape[1],
        "n_head_features": 0 if shard.Z is None else shard.Z.shape[1],
    }  # fmt: skip


def _synthetic_shard(seed, step, n_windows, window, horizon, part, parts, n_levels):
    """Part ``part`` of pretraining chunk ``step`` (:func:`tsrnn._pretrain.synthetic_windows`)
    as a shard, each target repeated for the ``n_levels`` quantile levels."""
    X, Y = synthetic_windows(seed, step, n_windows, window, horizon, part, parts)
    return _Shard.of_arrays(X, np.repeat(Y, n_levels, axis=1))


def _held(value):
    """``value`` itself: a task that holds the weights of a round for the others to read."""
    return value


def _shard_gradient(shard, params, rows, spec, loss, quantiles):
    """Mean loss and gradient over the shard's ``rows``.

    Returns
    -------
    tuple
        ``(loss, grad of shape (n_params,), len(rows), compute seconds, worker address)``.
    """
    _use_worker_threads()
    start = time.perf_counter()
    value, grad = _network.loss_and_grad(
        params, shard.X[rows], shard.Y[rows], spec, loss, quantiles, shard._z(rows)
    )
    return value, grad, len(rows), time.perf_counter() - start, _worker_address()


def _shard_local_steps(shard, sent, batches, spec, loss, quantiles, clip_norm):
    """Optimizer steps on the shard's ``batches`` of rows, one after the other, from the
    weights and optimizer of ``sent`` (``(params, optimizer)``, copied: the tasks of a round
    share it).

    Returns
    -------
    dict
        ``loss`` (the mean of the steps', NaN if one was refused), ``params`` and ``state``
        (the optimizer's, :meth:`~tsrnn._optim.Adam.get_state`) after the steps, ``rows``,
        ``seconds`` and ``worker``.
    """
    _use_worker_threads()
    start = time.perf_counter()
    params, optimizer = copy.deepcopy(sent)
    total, rows = 0.0, 0
    for b in batches:
        if len(b) == 0:
            continue
        value, grad = _network.loss_and_grad(
            params, shard.X[b], shard.Y[b], spec, loss, quantiles, shard._z(b)
        )
        value = _devices.apply_gradient(params, grad, value, optimizer, clip_norm)
        total += value * len(b)
        rows += len(b)
    return {"loss": total / max(rows, 1), "params": params, "state": optimizer.get_state(),
            "rows": rows, "seconds": time.perf_counter() - start,
            "worker": _worker_address()}  # fmt: skip


def _shard_validation(shard, params, spec, levels, loss):
    """Sum of the elementwise validation loss over the shard's held-out windows and the
    number of terms (see :func:`tsrnn._trainer.validation_loss`)."""
    rows = shard.val_rows
    if rows is None or len(rows) == 0:
        return 0.0, 0
    _use_worker_threads()
    err = _network.forward(params, shard.X[rows], spec, shard._z(rows)).astype(np.float64)
    err = err - shard.Y[rows]
    if levels is not None:
        q = np.asarray(levels)[np.arange(err.shape[1]) % len(levels)]
        terms = np.where(err < 0, -q * err, (1 - q) * err)
    else:
        terms = err * err if loss == "mse" else np.abs(err)
    return float(np.sum(terms)), terms.size


def _shard_errors(shard, params, rows, spec):
    """Targets minus outputs on the shard's ``rows``: ndarray of shape (len(rows), n_outputs)."""
    _use_worker_threads()
    return shard.Y[rows] - _network.forward(params, shard.X[rows], spec, shard._z(rows))


#: SeriesState fields a partition holds for ``predict()``.
_TAIL_FIELDS = ("series_ids_", "_tails", "_tail_indexes", "_cov_tails")


def _shard_tails(shard):
    """The partition's series ids and last windows (None for an empty partition; a field
    that is None in its state, such as the covariate rows of a model without any, stays
    None)."""
    if shard.state is None:
        return None
    return {k: None if (v := getattr(shard.state, k)) is None else list(v) for k in _TAIL_FIELDS}


def _merge_tails(pieces):
    """The tails of several partitions (from :func:`_shard_tails`, None left out) as one,
    in partition order."""
    return {k: None if any(t[k] is None for t in pieces) else [x for t in pieces for x in t[k]]
            for k in _TAIL_FIELDS}  # fmt: skip


def _describe(frame, allow_missing, columns):
    """Lengths, ids and frequency of a partition's series (checked as in ``fit``) and, with
    covariate ``columns``, the count, mean and summed squared deviations of their rows at the
    series' time stamps (what the client combines into the covariates' scaling)."""
    frame, covariates = split_partition(frame, columns)
    if len(frame) == 0:
        return None
    data = check_series(frame, allow_missing=allow_missing)
    out = {"ids": list(data.ids), "lengths": data.lengths, "freq": data.freq}
    if covariates is not None:
        rows = np.concatenate(align_covariates(covariates, data.ids, data.indexes, columns))
        mean = rows.mean(axis=0)
        out["covariates"] = (len(rows), mean, np.sum((rows - mean) ** 2, axis=0))
    return out


def _predict_partition(frame, model, call, meta, columns):
    """Forecasts after each series of a partition (long format), as ``meta``.

    ``call`` is ``(method, args)``: ``model.<method>(series, *args, covariates=...)``, one
    of ``predict``, ``predict_quantiles`` and ``predict_interval``.
    """
    frame, covariates = split_partition(frame, columns)
    if len(frame) == 0:
        return meta
    _use_worker_threads()
    method, args = call
    return _as_meta(getattr(model, method)(frame, *args, covariates=covariates), meta)


def _predict_tails(tails, model, call, meta):
    """Forecasts after the last windows kept by a shard (see :func:`_shard_tails`); ``call``
    as for :func:`_predict_partition`."""
    if tails is None:
        return meta
    _use_worker_threads()
    model = copy.copy(model)
    for key, value in tails.items():
        setattr(model, key, value)
    method, args = call
    return _as_meta(getattr(model, method)(None, *args), meta)


def _use_worker_threads():
    """Numba gets as many threads as this worker has Dask threads; BLAS gets one."""
    import numba

    try:
        n = get_worker().state.nthreads
    except ValueError:  # not on a worker
        return
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    if not _BLAS_LIMITED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
        _BLAS_LIMITED.append(True)


_BLAS_LIMITED = []


def _worker_address():
    try:
        return get_worker().address
    except ValueError:
        return None


def split_partition(frame, columns):
    """A partition's series and covariates, both in the long format.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``unique_id`` (a column or the index), ``ds``, ``y`` and the covariate ``columns``.
    columns : list
        The covariate columns (empty: none).

    Returns
    -------
    series : pandas.DataFrame
        ``unique_id``, ``ds``, ``y``; with covariates, each series' rows up to its last
        observed ``y`` (the later rows are its future: they carry covariates only).
    covariates : pandas.DataFrame or None
        ``unique_id``, ``ds`` and ``columns``, every row; None without covariates.
    """
    if "unique_id" not in frame.columns and frame.index.name == "unique_id":
        frame = frame.reset_index()
    if not columns:
        return frame[LONG], None
    last = frame["ds"].where(frame["y"].notna()).groupby(frame["unique_id"]).transform("max")
    future = (frame["ds"] > last).to_numpy()  # False where a series has no observed y
    return frame.loc[~future, LONG], frame[["unique_id", "ds", *columns]]


def _as_meta(frame, meta):
    """``frame`` with a fresh index and the dtypes of ``meta``."""
    frame = frame.reset_index(drop=True)
    return frame.astype(meta.dtypes.to_dict())
