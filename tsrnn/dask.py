"""One global RNN trained data-parallel on a Dask cluster: :class:`DaskRNNForecaster`.

The convention of ``xgboost.dask`` and ``lightgbm.dask``: a separate estimator with the
parameters of :class:`~tsrnn.RNNForecaster` (plus ``client``), Dask DataFrames in and out,
the current ``distributed.Client`` unless one is given, and :meth:`~DaskRNNForecaster.to_local`
/ :meth:`~DaskRNNForecaster.from_local` to and from the plain estimator.

How a fit runs (series mode, a long Dask DataFrame ``unique_id``, ``ds``, ``y`` partitioned by
series):

1. Each partition is checked on its worker and sends back its series' lengths, ids and
   frequency; the client decides what a first fit fixes (window, horizon, baseline,
   frequency) from those, as :class:`~tsrnn.RNNForecaster` does from the whole panel.
2. Each partition becomes a *shard* on its worker: its scaled training windows, built by the
   same series-mode code as the local estimator, split in time per series
   (:func:`tsrnn._trainer.time_ordered_split`). Shards are Dask futures: a lost worker's
   shards are rebuilt from the graph on another worker.
3. The epoch loop is the local one (:func:`tsrnn._trainer.train`), over a trainer whose
   ``step`` sends the weights to every shard that holds rows of the global batch, gets each
   shard's gradient (:func:`tsrnn._network.loss_and_grad`) back, sums them weighted by rows in
   partition order on the client, clips, and applies one optimizer update. The global batch is
   drawn on the client from global window ids (partition after partition, series after
   series, oldest first: the order of the local estimator on the concatenated panel).
   Validation scores are sums over the shards' held-out windows.

Same ``random_state`` and same partitioning give bit-identical weights whatever the number or
the placement of the workers: every shard's work depends on the shard alone, and the
reduction runs in partition order. With one partition the weights are those of the local
estimator on the same data. Another partitioning changes the result at float rounding only
(the sums of one batch's gradient are grouped differently). "Bit-identical" assumes every
process runs the same compiled kernels: workers of one CPU type sharing a warm Numba cache
(kernels compiled afresh in two processes have been seen to differ by 1e-16 in float64).

Each optimizer step is a round trip through the Dask scheduler (about 10 ms on a 2-core
machine, whatever the model's size): a step should carry much more compute than that, so
data-parallel training wants large global batches (``batch_size`` in the thousands of
windows for a small network).

The client holds the weights, the optimizer state and one int64 per training window (the
global ids it samples batches from); the series stay on the workers.
"""

import copy
import inspect
import time
import warnings
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd

try:
    import dask.dataframe as dd
    from dask import delayed
    from distributed import get_client, get_worker
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('tsrnn.dask needs dask and distributed: pip install "tsrnn[dask]"') from exc

from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from . import __version__, _config, _intervals, _network, _trainer
from ._base import _with_lags
from ._data import check_series
from ._network import NetworkSpec
from ._optim import average_weights, clip_grad_norm
from ._series_mode import SeriesMode
from ._state import SeriesState, TrainingState
from ._trainer import _all_finite
from .forecaster import RNNForecaster

#: Columns of the long format.
LONG = ["unique_id", "ds", "y"]

#: The parameters of RNNForecaster, in its order: DaskRNNForecaster takes them all.
_RNN_PARAMETERS = list(inspect.signature(RNNForecaster.__init__).parameters.values())[1:]


class DaskRNNForecaster(BaseEstimator):
    """:class:`~tsrnn.RNNForecaster` trained data-parallel on a Dask cluster (series mode).

    Takes every parameter of :class:`~tsrnn.RNNForecaster` (same names, defaults and
    meaning) and ``client``. Input: a Dask DataFrame in the long format (columns
    ``unique_id``, ``ds``, ``y``; ``unique_id`` may be the index), partitioned by series:
    all rows of a series in one partition. Covariate columns are not supported yet.

    Parameters
    ----------
    client : distributed.Client, default=None
        The cluster to train and predict on; None takes the current client
        (``distributed.get_client()``) at each call.
    **params
        The parameters of :class:`~tsrnn.RNNForecaster`. ``device`` must be ``"cpu"`` or
        ``"auto"`` (the workers train with the CPU kernels).

    Attributes
    ----------
    window_, horizon_, baseline_period_ : int
        As :class:`~tsrnn.RNNForecaster`'s.
    params_ : ndarray of shape (n_params,)
        The weights, on the client.
    loss_curve_, validation_scores_ : list of float
    n_iter_, t_, best_epoch_ : int
    step_stats_ : dict
        Timing of the last ``fit`` / ``partial_fit``: ``steps``, ``step_s`` (wall time of the
        steps), ``compute_s`` (the slowest worker's gradient time, summed over steps),
        ``work_s`` (the gradient time of all workers, summed), ``communication_s``
        (``step_s - compute_s - update_s``: submitting, transfers, scheduling), ``update_s``
        (reduction, clipping and update on the client) and
        ``bytes_per_step`` (weights sent plus gradients received, averaged over steps).

    Notes
    -----
    Each worker's Numba kernels use as many threads as the worker has Dask threads (the
    kernels hold the GIL, so one worker's tasks run them one at a time), and BLAS one thread.
    A lost worker's shards are rebuilt from the graph and its unfinished gradients are
    recomputed: the trained model is the undisturbed one, bit for bit (on workers that run
    the same compiled kernels, see the module docstring).

    Not supported yet: covariate columns, ``device="cuda"`` on the workers,
    ``predict_quantiles`` / ``predict_interval`` on Dask DataFrames (use :meth:`to_local`).

    Examples
    --------
    >>> from distributed import Client                      # doctest: +SKIP
    >>> from tsrnn.dask import DaskRNNForecaster            # doctest: +SKIP
    >>> client = Client(n_workers=2, threads_per_worker=1)  # doctest: +SKIP
    >>> f = DaskRNNForecaster(horizon=12, random_state=0).fit(ddf)  # doctest: +SKIP
    >>> f.predict(ddf).compute()                            # doctest: +SKIP
    """

    def __init__(self, *, client=None, **params):
        unknown = set(params) - {p.name for p in _RNN_PARAMETERS}
        if unknown:
            raise TypeError(f"unexpected parameters {sorted(unknown)}")
        self.client = client
        for p in _RNN_PARAMETERS:
            setattr(self, p.name, params.get(p.name, p.default))

    # scikit-learn reads the parameters from the signature
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter("client", inspect.Parameter.KEYWORD_ONLY, default=None)]
        + _RNN_PARAMETERS
    )

    # ----------------------------------------------------------------------------------------
    # public API

    def fit(self, X, y=None):
        """Train from scratch on the series of a Dask DataFrame.

        Parameters
        ----------
        X : dask.dataframe.DataFrame
            Long format (``unique_id``, ``ds``, ``y``), partitioned by series.
        y : None
            Ignored (series mode).

        Returns
        -------
        self : DaskRNNForecaster
        """
        return self._fit(X, incremental=False)

    def partial_fit(self, X, y=None):
        """One pass over new series from the current weights and optimizer state.

        As :meth:`tsrnn.RNNForecaster.partial_fit`: the first call initialises, later calls
        never reset; ``predict()`` then forecasts after the new data.

        Parameters
        ----------
        X : dask.dataframe.DataFrame
            As in :meth:`fit` (each series with at least ``window_`` values).
        y : None

        Returns
        -------
        self : DaskRNNForecaster
        """
        return self._fit(X, incremental=True)

    def predict(self, X=None):
        """Forecast the next ``horizon_`` values of each series, on the workers.

        Parameters
        ----------
        X : dask.dataframe.DataFrame, default=None
            Histories in the long format, partitioned by series (at least ``window_`` values
            each): forecasts after the end of each. None forecasts after the data of the last
            ``fit`` / ``partial_fit`` (its last windows stay on the workers).

        Returns
        -------
        dask.dataframe.DataFrame
            Columns ``unique_id``, ``ds``, ``y``: ``horizon_`` rows a series, computed lazily
            partition by partition (``map_partitions``); nothing is gathered to the client.
        """
        self._check_fitted()
        model = self._local_model(tails=False)
        if X is None:
            if self._tails is None:
                raise ValueError(
                    "this model has no training data on the cluster (it came from "
                    "from_local): pass the histories to forecast after, predict(ddf)."
                )
            futures = [self._get_client().submit(_predict_tails, t, model, self._meta,
                                                 pure=False) for t in self._tails]  # fmt: skip
            return dd.from_delayed(futures, meta=self._meta, verify_meta=False)
        _check_frame(X)
        meta = _output_meta(X)
        return X.map_partitions(_predict_partition, model, meta, meta=meta)

    def to_local(self):
        """A plain fitted :class:`~tsrnn.RNNForecaster` with the same weights.

        It predicts, saves, loads and ``partial_fit``\\ s without Dask. The last window of
        every series of the last fit (what its ``predict()`` forecasts after) is gathered
        to the client.

        Returns
        -------
        RNNForecaster
        """
        self._check_fitted()
        return self._local_model(tails=True)

    @classmethod
    def from_local(cls, estimator, client=None):
        """A :class:`DaskRNNForecaster` from a fitted series-mode :class:`~tsrnn.RNNForecaster`.

        Parameters
        ----------
        estimator : RNNForecaster
            Fitted on series (not windows), without covariates.
        client : distributed.Client, default=None

        Returns
        -------
        DaskRNNForecaster
            With the estimator's parameters, weights and optimizer state; ``partial_fit``
            continues from them. Its ``predict`` needs the histories (``predict(ddf)``).
        """
        if not hasattr(estimator, "params_"):
            raise NotFittedError("from_local needs a fitted RNNForecaster.")
        if estimator._mode != "series" or estimator.covariates_ is not None:
            raise ValueError(
                "from_local takes a model fitted on series without covariates; this one was "
                f"fitted in {estimator._mode} mode"
                + (" with covariates." if estimator._mode == "series" else ".")
            )
        new = cls(client=client, **estimator.get_params())
        new._training = copy.deepcopy(TrainingState.taken_from(estimator))
        new._series = copy.deepcopy(SeriesState.taken_from(estimator))
        new._tails, new._meta = None, None
        return new

    def __getattr__(self, name):
        # the fitted attributes of the local estimator (window_, params_, loss_curve_, ...)
        if name.endswith("_") and not name.startswith("__"):
            for part in ("_training", "_series"):
                state = self.__dict__.get(part)
                if state is not None and hasattr(state, name):
                    return getattr(state, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __sklearn_is_fitted__(self):
        return "_training" in self.__dict__

    # ----------------------------------------------------------------------------------------
    # training

    def _fit(self, X, incremental):
        saved = dict(self.__dict__)
        try:
            return self._fit_unsafe(X, incremental)
        except BaseException:
            self.__dict__.clear()  # a failed call leaves the model as it was
            self.__dict__.update(saved)
            raise

    def _fit_unsafe(self, ddf, incremental):
        local = RNNForecaster(**self._rnn_params())
        local._validate_params()
        if local.device == "cuda":
            raise ValueError(
                "DaskRNNForecaster trains with the CPU kernels on the workers; use "
                "device='cpu' (or train on a GPU with RNNForecaster and convert with "
                "from_local)."
            )
        _check_frame(ddf)
        client = self._get_client()
        check_workers(client)
        first = not (incremental and "_training" in self.__dict__)
        parts = ddf.to_delayed()
        if first:
            described = client.compute(
                [delayed(_describe)(p, local.allow_missing) for p in parts], sync=True
            )
            template = _first_state(local, described)
            levels = local._first_levels()
            lags = local._check_linear_lags(template.window_)
        else:
            template = _template(self._series)
            levels, lags = self._training.quantiles_, self._training.linear_lags_
        split = local.validation_fraction if local.early_stopping and not incremental else None
        dtype = np.dtype(local.dtype)
        shards = client.compute([
            delayed(_Shard)(p, self._rnn_params(), template, levels, lags, dtype, split)
            for p in parts
        ])  # fmt: skip
        infos = client.gather([client.submit(_shard_info, s, pure=False) for s in shards])
        counts = np.array([info["n_windows"] for info in infos], dtype=np.int64)
        if counts.sum() == 0:
            raise ValueError("the Dask DataFrame holds no series to train on.")
        offsets = np.concatenate([[0], np.cumsum(counts)])
        train_idx, val_idx = _global_split(infos, offsets, split, local.max_epochs)
        shape = next(info for info in infos if info["n_windows"])
        if first:
            spec = NetworkSpec(local.cell, shape["n_features"], local.hidden_size,
                               local.num_layers, shape["n_outputs"],
                               shape["n_head_features"])  # fmt: skip
            seed = check_random_state(local.random_state).randint(np.iinfo(np.int32).max)
            training = _trainer.new_training_state(
                spec, dtype, seed, local.optimizer, local.learning_rate, local.batch_size,
                template.window_, quantiles=levels, linear_lags=lags,
            )  # fmt: skip
        else:
            if shape["n_features"] != self._training.spec_.n_features:
                raise ValueError(
                    f"the new data gives {shape['n_features']} features per step, the model "
                    f"takes {self._training.spec_.n_features}."
                )
            training = copy.deepcopy(self._training)
            training.params_ = training.params_.astype(dtype, copy=False)
            training.optimizer_.learning_rate = local.learning_rate
        quantile_levels = (
            None if levels is None else np.tile(levels, shape["n_outputs"] // len(levels))
        )
        trainer = _DaskTrainer(
            client, shards, offsets, training.spec_, training.params_, training.optimizer_,
            "pinball" if levels is not None else local.loss, local.clip_norm, quantile_levels,
            local.ema_momentum, local.loss,
        )  # fmt: skip
        total = int(offsets[-1])
        if not first and levels is None:
            # out-of-sample errors on the fresh windows, before the model learns from them
            recent = np.arange(max(0, total - _config.MAX_INTERVAL_ERRORS), total)
            training._residuals = _intervals.keep_recent(
                training._residuals, trainer.errors(recent), training._in_sample_errors
            )
            training._in_sample_errors = False
        history = {k: getattr(training, k) for k in TrainingState.HISTORY}
        training.params_ = _trainer.train(
            trainer, training._rng, train_idx, val_idx, 1 if incremental else local.max_epochs,
            history, batch_size=local.batch_size, score=trainer.score,
            max_windows_per_epoch=local.max_windows_per_epoch,
            early_stopping=not incremental, n_iter_no_change=local.n_iter_no_change,
            tol=local.tol, verbose=local.verbose,
        )  # fmt: skip
        for key, value in history.items():
            setattr(training, key, value)
        if first and levels is None:
            rows = (train_idx if val_idx is None else val_idx)[-_config.MAX_INTERVAL_ERRORS :]
            training._residuals = _intervals.keep_recent(
                training._residuals, trainer.errors(rows, training.params_)
            )
            training._in_sample_errors = val_idx is None
        tails = [client.submit(_shard_tails, s, pure=False) for s in shards]

        # commit
        self._training, self._series, self._tails = training, template, tails
        self._meta = _output_meta(ddf)
        self.step_stats_ = trainer.stats()
        return self

    # ----------------------------------------------------------------------------------------
    # helpers

    def _rnn_params(self):
        return {p.name: getattr(self, p.name) for p in _RNN_PARAMETERS}

    def _get_client(self):
        return self.client if self.client is not None else get_client()

    def _check_fitted(self):
        if "_training" not in self.__dict__:
            raise NotFittedError(
                "this DaskRNNForecaster is not fitted yet: call fit (or from_local) first."
            )

    def _local_model(self, tails):
        """A fitted RNNForecaster with this model's weights; with ``tails``, the last window
        of every series of the last fit, gathered from the workers."""
        est = RNNForecaster(**self._rnn_params())
        series = self._series
        if tails and self._tails is not None:
            pieces = [t for t in self._get_client().gather(self._tails) if t is not None]
            merged = {k: [x for t in pieces for x in t[k]] for k in _TAIL_FIELDS}
            if not self._series.calendar_features_:
                merged["_cov_tails"] = None
            series = replace(series, **merged)
        elif not tails:
            series = _template(series)
        copy.deepcopy(self._training).put_on(est)
        copy.deepcopy(series).put_on(est)
        est._mode = "series"
        return est


# --------------------------------------------------------------------------------------------
# what runs on the workers


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

    Attributes
    ----------
    X : ndarray of shape (n_windows, window, n_features)
    Y : ndarray of shape (n_windows, n_outputs)
    Z : ndarray of shape (n_windows, n_head_features) or None
    train_rows, val_rows : ndarray of int64 or None
    state : SeriesState or None
        The partition's series ids and last windows (None: empty partition).
    """

    def __init__(self, frame, params, template, levels, lags, dtype, fraction):
        self.state, self.X = None, None
        frame = _as_long(frame)
        if len(frame) == 0:
            self.train_rows = np.zeros(0, np.int64)
            self.val_rows = None
            return
        data, self.state = SeriesMode(RNNForecaster(**params)).training_set(
            frame, None, None, template
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
    """The partition's series ids and last windows (None for an empty partition)."""
    if shard.state is None:
        return None
    return {k: list(getattr(shard.state, k) or []) for k in _TAIL_FIELDS}


def _describe(frame, allow_missing):
    """Lengths, ids and frequency of a partition's series (checked as in ``fit``)."""
    frame = _as_long(frame)
    if len(frame) == 0:
        return None
    data = check_series(frame, allow_missing=allow_missing)
    return {"ids": list(data.ids), "lengths": data.lengths, "freq": data.freq}


def _predict_partition(frame, model, meta):
    """Forecasts after each series of a partition (long format), as ``meta``."""
    frame = _as_long(frame)
    if len(frame) == 0:
        return meta
    _use_worker_threads()
    return _as_meta(model.predict(frame), meta)


def _predict_tails(tails, model, meta):
    """Forecasts after the last windows kept by a shard (see :func:`_shard_tails`)."""
    if tails is None:
        return meta
    _use_worker_threads()
    model = copy.copy(model)
    for key, value in tails.items():
        setattr(model, key, value)
    if not model.calendar_features_:
        model._cov_tails = None
    return _as_meta(model.predict(), meta)


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


# the version check runs where tsrnn may be missing: its function must not be pickled as a
# reference to this module, so it is compiled here under a module name no worker imports
_PROBE_SOURCE = """
def probe():
    try:
        import tsrnn
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return getattr(tsrnn, "__version__", None), None
"""


def check_workers(client):
    """Raise a ``RuntimeError`` naming every worker without tsrnn or with another version.

    Parameters
    ----------
    client : distributed.Client
    """
    namespace = {"__name__": "tsrnn_worker_probe"}
    exec(_PROBE_SOURCE, namespace)
    answers = client.run(namespace["probe"])
    if not answers:
        raise RuntimeError("the Dask cluster has no workers: start some, then fit.")
    bad = []
    for address, (version, error) in sorted(answers.items()):
        if version is None:
            bad.append(f"{address} cannot import tsrnn ({error})")
        elif version != __version__:
            bad.append(f"{address} has tsrnn {version}")
    if bad:
        raise RuntimeError(
            f"every Dask worker needs tsrnn {__version__}, as the client: "
            + "; ".join(bad)
            + f'. Install it on the workers (pip install "tsrnn[dask]=={__version__}").'
        )


# --------------------------------------------------------------------------------------------
# the client's side of training


class _DaskTrainer:
    """The trainer interface of :func:`tsrnn._trainer.train` over shards on the workers.

    ``step`` takes global window ids; ``predict(idx)`` returns ``idx`` and ``Y[idx]`` None:
    the epoch loop hands both to ``score``, which computes the validation loss on the
    workers (on every shard's held-out windows, the rows ``idx`` stands for).
    """

    class _Targets:
        def __getitem__(self, idx):
            return None

    Y = _Targets()

    def __init__(self, client, shards, offsets, spec, params, optimizer, loss, clip_norm,
                 quantiles, average, validation_loss):  # fmt: skip
        self.client, self.shards, self.offsets = client, shards, offsets
        self.spec, self.optimizer, self.loss = spec, optimizer, loss
        self.clip_norm, self.quantiles = clip_norm, quantiles
        self._validation_loss = validation_loss
        self._params = params.copy()
        self._momentum = average
        self._average = None if average is None else params.copy()
        self._stats = {"steps": 0, "step_s": 0.0, "compute_s": 0.0, "work_s": 0.0,
                       "update_s": 0.0, "bytes": 0}  # fmt: skip

    def _weights(self):
        return self._params if self._average is None else self._average

    def _pieces(self, idx):
        """``idx`` (sorted global ids) as (partition, local rows) pairs, partition order."""
        part = np.searchsorted(self.offsets, idx, side="right") - 1
        cuts = np.flatnonzero(np.diff(part)) + 1
        pieces = []
        for rows, owner in zip(np.split(idx, cuts), np.split(part, cuts), strict=True):
            if len(rows):
                pieces.append((int(owner[0]), rows - self.offsets[owner[0]]))
        return pieces

    def step(self, idx):
        """One optimizer step on the global rows ``idx``; returns the batch loss (NaN, and
        nothing changed, when the loss, the gradient or the update is not finite)."""
        start = time.perf_counter()
        futures = [
            self.client.submit(_shard_gradient, self.shards[p], self._params, rows, self.spec,
                               self.loss, self.quantiles, pure=False)
            for p, rows in self._pieces(np.asarray(idx))
        ]  # fmt: skip
        results = self.client.gather(futures)
        gathered = time.perf_counter()
        n = sum(r[2] for r in results)
        grad = np.zeros(len(self._params))
        loss = 0.0
        busy = {}
        for value, g, rows, seconds, worker in results:  # partition order: fixed
            loss += value * (rows / n)
            grad += g * (rows / n)
            busy[worker] = busy.get(worker, 0.0) + seconds
        grad = grad.astype(self._params.dtype)
        stats = self._stats
        stats["steps"] += 1
        stats["compute_s"] += max(busy.values())
        stats["work_s"] += sum(busy.values())
        stats["bytes"] += sum(self._params.nbytes + r[1].nbytes for r in results)
        try:
            norm = clip_grad_norm(grad, self.clip_norm)
            if not (np.isfinite(loss) and np.isfinite(norm)):
                return float("nan")
            before, state = self._params.copy(), self.optimizer.get_state()
            self.optimizer.update(self._params, grad)
            if not _all_finite(self._params, self.optimizer.get_state()):
                self._params = before
                self.optimizer.set_state(state)
                return float("nan")
            if self._average is not None:
                average_weights(self._average, self._params, self._momentum)
            return loss
        finally:
            end = time.perf_counter()
            stats["update_s"] += end - gathered
            stats["step_s"] += end - start

    def predict(self, idx):
        return idx

    def score(self, idx, targets):
        """Validation loss of the current weights over every shard's held-out windows."""
        levels = self.quantiles
        futures = [
            self.client.submit(_shard_validation, s, self._weights(), self.spec, levels,
                               self._validation_loss, pure=False)
            for s in self.shards
        ]  # fmt: skip
        total = count = 0
        for value, terms in self.client.gather(futures):
            total += value
            count += terms
        return total / max(count, 1)

    def errors(self, idx, params=None):
        """Targets minus outputs for the global rows ``idx``, in their order."""
        params = self._weights() if params is None else params
        futures = [self.client.submit(_shard_errors, self.shards[p], params, rows, self.spec,
                                      pure=False)
                   for p, rows in self._pieces(np.sort(idx))]  # fmt: skip
        parts = self.client.gather(futures)
        if not parts:
            return np.zeros((0, self.spec.n_outputs))
        return np.concatenate(parts)

    def params(self):
        return self._weights().copy()

    def finish(self):
        return self._weights()

    def stats(self):
        s = dict(self._stats)
        steps = max(s["steps"], 1)
        s["communication_s"] = s["step_s"] - s["compute_s"] - s["update_s"]
        s["bytes_per_step"] = s.pop("bytes") / steps
        return s


# --------------------------------------------------------------------------------------------
# helpers


def _global_split(infos, offsets, fraction, max_epochs):
    """Global training and validation ids from the shards' time-ordered splits."""
    train = [info["train_rows"] + off for info, off in zip(infos, offsets, strict=False)]
    train = np.concatenate(train).astype(np.int64)
    if fraction is None:
        return train, None
    total = int(offsets[-1])
    if total >= 20:
        val = [info["val_rows"] + off for info, off in zip(infos, offsets, strict=False)
               if info["val_rows"] is not None]  # fmt: skip
        if val:
            return train, np.concatenate(val).astype(np.int64)
    warnings.warn(
        "early_stopping is on, but no windows could be held out for validation (that needs "
        f"20 windows or more, there are {total}, and room in each series for "
        "validation_fraction of its windows plus a gap of horizon - 1). Trained all "
        f"max_epochs={max_epochs} epochs on every window. Use more data, a shorter window "
        "or horizon, or early_stopping=False.",
        UserWarning,
        stacklevel=4,
    )
    return np.arange(total, dtype=np.int64), None


def _first_state(local, described):
    """What a first fit fixes, decided on the client from every partition's description."""
    described = [d for d in described if d is not None]
    if not described:
        raise ValueError("the Dask DataFrame holds no series to train on.")
    ids = [i for d in described for i in d["ids"]]
    if len(set(ids)) != len(ids):
        seen, dup = set(), None
        for i in ids:
            if i in seen:
                dup = i
                break
            seen.add(i)
        raise ValueError(
            f"series {dup!r} is in more than one partition: partition the Dask DataFrame by "
            "series, e.g. ddf.set_index('unique_id') or ddf.shuffle('unique_id')."
        )
    freqs = [d["freq"] for d in described]
    for f in freqs[1:]:
        if f != freqs[0]:
            raise ValueError(
                f"the partitions have different frequencies ({freqs[0]} and {f}); all "
                "series must share one frequency."
            )
    panel = SimpleNamespace(
        lengths=np.concatenate([d["lengths"] for d in described]), freq=freqs[0], ids=[],
        layout="long", name=None, ndim=2,
    )  # fmt: skip
    return SeriesMode(local)._first_state(panel, None)


def _template(state):
    """``state`` without any series: what the workers need to window and to forecast."""
    return replace(state, series_ids_=[], _tails=[], _tail_indexes=[], _cov_tails=None,
                   _layout="long", _ndim=2, _name=None)  # fmt: skip


def _check_frame(ddf):
    if not isinstance(ddf, dd.DataFrame):
        raise TypeError(
            f"expected a dask.dataframe.DataFrame in the long format (unique_id, ds, y), got "
            f"{type(ddf).__name__}; for pandas data use tsrnn.RNNForecaster."
        )
    columns = list(ddf.columns)
    have = set(columns) | ({"unique_id"} if ddf.index.name == "unique_id" else set())
    missing = [c for c in LONG if c not in have]
    if missing:
        raise ValueError(
            f"the Dask DataFrame needs the columns unique_id, ds and y; missing: {missing}."
        )
    extra = [c for c in columns if c not in LONG]
    if extra:
        raise ValueError(
            f"covariate columns are not supported by DaskRNNForecaster yet: drop {extra} "
            "(or train with RNNForecaster and covariates=...)."
        )


def _as_long(frame):
    if "unique_id" not in frame.columns and frame.index.name == "unique_id":
        frame = frame.reset_index()
    return frame[LONG]


def _output_meta(ddf):
    ids = ddf.index if "unique_id" not in ddf.columns else ddf["unique_id"]
    return pd.DataFrame({
        "unique_id": pd.Series([], dtype=ids.dtype), "ds": pd.Series([], dtype=ddf["ds"].dtype),
        "y": pd.Series([], dtype=np.float64),
    })  # fmt: skip


def _as_meta(frame, meta):
    frame = frame.reset_index(drop=True)
    return frame.astype(meta.dtypes.to_dict())


__all__ = ["DaskRNNForecaster", "check_workers"]
