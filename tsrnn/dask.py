"""One global RNN trained data-parallel on a Dask cluster: :class:`DaskRNNForecaster`.

The convention of ``xgboost.dask`` and ``lightgbm.dask``: a separate estimator with the
parameters of :class:`~tsrnn.RNNForecaster` (plus ``client``), Dask DataFrames in and out,
the current ``distributed.Client`` unless one is given, and :meth:`~DaskRNNForecaster.to_local`
/ :meth:`~DaskRNNForecaster.from_local` to and from the plain estimator.

How a fit runs (series mode, a long Dask DataFrame ``unique_id``, ``ds``, ``y`` partitioned by
series):

1. Each partition is checked on its worker and sends back its series' lengths, ids and
   frequency (and, for covariate columns, their row count, mean and summed squared
   deviations); the client decides what a first fit fixes (window, horizon, baseline,
   frequency, the covariates' scaling) from those, as :class:`~tsrnn.RNNForecaster` does
   from the whole panel.
2. Each partition becomes a *shard* on its worker: its scaled training windows, built by the
   same series-mode code as the local estimator, split in time per series
   (:func:`tsrnn._trainer.time_ordered_split`). Shards are Dask futures: a lost worker's
   shards are rebuilt from the graph on another worker.
3. The epoch loop is the local one (:func:`tsrnn._trainer.train`), over a trainer whose
   ``step`` sends the weights to every shard that holds rows of the global batch (each task
   carries them, or, for many tasks, the client uploads them once as a task of their own that
   the workers fetch from each other), gets each shard's gradient
   (:func:`tsrnn._network.loss_and_grad`) back, sums them weighted by rows in partition order
   on the client, clips, and applies one optimizer update. The global batch is
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

With ``local_steps=k`` a step is a round of local SGD instead: every shard takes k optimizer
steps on its share of the batch from the shared weights and optimizer state, and the client
averages both, weighted by rows (one exchange for k steps; still bit-identical for any
number of workers).

Each optimizer step is a round trip through the Dask scheduler (about 10 ms on a 2-core
machine, plus 2-5 ms a task there): a step should carry much more compute than that, so
data-parallel training wants large global batches (``batch_size`` in the thousands of
windows for a small network).

The client holds the weights, the optimizer state and one int64 per training window (the
global ids it samples batches from); the series stay on the workers.
"""

import copy
import inspect
from dataclasses import replace
from numbers import Real

import numpy as np

try:
    import dask.dataframe as dd
    from dask import delayed
    from distributed import get_client
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('tsrnn.dask needs dask and distributed: pip install "tsrnn[dask]"') from exc

from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from . import _config, _intervals, _trainer
from ._base import _check_levels
from ._dask.client import (
    _check_frame,
    _DaskTrainer,
    _first_state,
    _global_split,
    _output_meta,
    _template,
    check_workers,
)
from ._dask.workers import (
    _describe,
    _merge_tails,
    _predict_partition,
    _predict_tails,
    _Shard,
    _shard_info,
    _shard_tails,
)
from ._spec import NetworkSpec
from ._state import SeriesState, TrainingState
from .forecaster import RNNForecaster

#: The parameters of RNNForecaster, in its order: DaskRNNForecaster takes them all.
_RNN_PARAMETERS = list(inspect.signature(RNNForecaster.__init__).parameters.values())[1:]


class DaskRNNForecaster(BaseEstimator):
    """:class:`~tsrnn.RNNForecaster` trained data-parallel on a Dask cluster (series mode).

    Takes every parameter of :class:`~tsrnn.RNNForecaster` (same names, defaults and
    meaning) and ``client``. Input: a Dask DataFrame in the long format (columns
    ``unique_id``, ``ds``, ``y``; ``unique_id`` may be the index), partitioned by series:
    all rows of a series in one partition.

    Every other column is a known-future covariate (numeric), as ``covariates=`` of
    :class:`~tsrnn.RNNForecaster` in the long format: a series' rows up to its last observed
    ``y`` are its history, the rows after it (``y`` missing) carry the covariates of the
    forecast horizon. ``fit`` ignores those future rows; ``predict(ddf)`` needs ``horizon_``
    of them for every series. The covariates are standardised with their mean and standard
    deviation over the training rows of every partition, pooled on the client.

    Parameters
    ----------
    client : distributed.Client, default=None
        The cluster to train and predict on; None takes the current client
        (``distributed.get_client()``) at each call.
    local_steps : int, default=1
        1: every step sums the gradients of all the partitions (synchronous, the local
        estimator's arithmetic). k > 1: local SGD, one exchange for k steps: every partition
        takes k optimizer steps on its share of a batch (of ``batch_size`` windows, cut into
        k), from the shared weights and optimizer state, which are then averaged, weighted
        by rows. Choose ``batch_size`` k times the synchronous one to keep the steps' size.
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
        ``bytes_per_step`` (weights sent by the client plus gradients it received,
        averaged over steps; a step of many tasks sends the weights once and the workers
        pass them on, see ``_config.DASK_SHARED_WEIGHTS_TASKS``).

    Notes
    -----
    Each worker's Numba kernels use as many threads as the worker has Dask threads (the
    kernels hold the GIL, so one worker's tasks run them one at a time), and BLAS one thread.
    A lost worker's shards are rebuilt from the graph and its unfinished gradients are
    recomputed: the trained model is the undisturbed one, bit for bit (on workers that run
    the same compiled kernels, see the module docstring).

    Not supported yet: ``device="cuda"`` on the workers.

    Examples
    --------
    >>> from distributed import Client                      # doctest: +SKIP
    >>> from tsrnn.dask import DaskRNNForecaster            # doctest: +SKIP
    >>> client = Client(n_workers=2, threads_per_worker=1)  # doctest: +SKIP
    >>> f = DaskRNNForecaster(horizon=12, random_state=0).fit(ddf)  # doctest: +SKIP
    >>> f.predict(ddf).compute()                            # doctest: +SKIP
    """

    def __init__(self, *, client=None, local_steps=1, **params):
        unknown = set(params) - {p.name for p in _RNN_PARAMETERS}
        if unknown:
            raise TypeError(f"unexpected parameters {sorted(unknown)}")
        self.client = client
        self.local_steps = local_steps
        for p in _RNN_PARAMETERS:
            setattr(self, p.name, params.get(p.name, p.default))

    # scikit-learn reads the parameters from the signature
    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter("client", inspect.Parameter.KEYWORD_ONLY, default=None),
           inspect.Parameter("local_steps", inspect.Parameter.KEYWORD_ONLY, default=1)]
        + _RNN_PARAMETERS
    )

    # ----------------------------------------------------------------------------------------
    # public API

    def fit(self, X, y=None):
        """Train from scratch on the series of a Dask DataFrame.

        Parameters
        ----------
        X : dask.dataframe.DataFrame
            Long format (``unique_id``, ``ds``, ``y``, then any covariate columns),
            partitioned by series.
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
            As in :meth:`fit` (each series with at least ``window_`` values; the covariate
            columns of the fit).
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
            each): forecasts after the end of each. With covariates, each series' history
            is followed by its next ``horizon_`` rows (``y`` missing, covariates known).
            None forecasts after the data of the last ``fit`` / ``partial_fit`` (its last
            windows stay on the workers); not for a model with covariates.

        Returns
        -------
        dask.dataframe.DataFrame
            Columns ``unique_id``, ``ds``, ``y``: ``horizon_`` rows a series, computed lazily
            partition by partition (``map_partitions``); nothing is gathered to the client.
        """
        return self._forecast(X, "predict", (), ["y"])

    def predict_quantiles(self, X=None, quantiles=(0.1, 0.5, 0.9)):
        """Quantile forecasts on the workers, never crossing.

        As :meth:`tsrnn.RNNForecaster.predict_quantiles`: the model's quantile outputs, or
        split-conformal quantiles from the forecast errors of the most recent held-out
        windows (kept on the client with the weights).

        Parameters
        ----------
        X : dask.dataframe.DataFrame, default=None
            As in :meth:`predict`.
        quantiles : sequence of float in (0, 1)

        Returns
        -------
        dask.dataframe.DataFrame
            Columns ``unique_id``, ``ds`` and one float column per level (named by the
            level), ``horizon_`` rows a series, computed lazily.
        """
        levels = list(_check_levels(quantiles, decimals=None))
        return self._forecast(X, "predict_quantiles", (levels,), levels)

    def predict_interval(self, X=None, coverage=0.9):
        """Central prediction intervals on the workers (see :meth:`predict_quantiles`).

        Parameters
        ----------
        X : dask.dataframe.DataFrame, default=None
            As in :meth:`predict`.
        coverage : float in (0, 1)

        Returns
        -------
        dask.dataframe.DataFrame
            Columns ``unique_id``, ``ds``, ``lower`` and ``upper``, computed lazily.
        """
        if not (isinstance(coverage, Real) and 0 < coverage < 1):
            raise ValueError(f"coverage must be a number in (0, 1), got {coverage!r}.")
        return self._forecast(X, "predict_interval", (coverage,), ["lower", "upper"])

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
            Fitted on series (not windows). With covariates, the Dask DataFrames carry them
            as columns of the same names.
        client : distributed.Client, default=None

        Returns
        -------
        DaskRNNForecaster
            With the estimator's parameters, weights and optimizer state; ``partial_fit``
            continues from them. Its ``predict`` needs the histories (``predict(ddf)``).
        """
        if not hasattr(estimator, "params_"):
            raise NotFittedError("from_local needs a fitted RNNForecaster.")
        if estimator._mode != "series":
            raise ValueError(
                "from_local takes a model fitted on series; this one was fitted in "
                f"{estimator._mode} mode."
            )
        new = cls(client=client, **estimator.get_params())
        new._training = copy.deepcopy(TrainingState.taken_from(estimator))
        new._series = copy.deepcopy(SeriesState.taken_from(estimator))
        new._tails, new._ids_meta = None, None
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
        columns = _check_frame(ddf)
        client = self._get_client()
        check_workers(client)
        first = not (incremental and "_training" in self.__dict__)
        if not first:
            self._check_covariates(columns)
        parts = ddf.to_delayed()
        if first:
            described = client.compute(
                [delayed(_describe)(p, local.allow_missing, columns) for p in parts], sync=True
            )
            template = _first_state(local, described, columns)
            levels = local._first_levels()
            lags = local._check_linear_lags(template.window_)
        else:
            template = _template(self._series)
            levels, lags = self._training.quantiles_, self._training.linear_lags_
        split = local.validation_fraction if local.early_stopping and not incremental else None
        dtype = np.dtype(local.dtype)
        shards = client.compute([
            delayed(_Shard)(p, self._rnn_params(), template, levels, lags, dtype, split, columns)
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
        loss = _trainer.resolve_loss(local.loss, "series")
        k = self.local_steps
        if not (isinstance(k, int | np.integer) and k >= 1):
            raise ValueError(f"local_steps must be an integer >= 1, got {k!r}.")
        seed = int(training._rng.integers(2**31)) if k > 1 else 0
        trainer = _DaskTrainer(
            client, shards, offsets, training.spec_, training.params_, training.optimizer_,
            "pinball" if levels is not None else loss, local.clip_norm, quantile_levels,
            local.ema_momentum, loss, local_steps=k, seed=seed,
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
        self._ids_meta = _output_meta(ddf, [])
        self.step_stats_ = trainer.stats()
        return self

    # ----------------------------------------------------------------------------------------
    # helpers

    def _rnn_params(self):
        return {p.name: getattr(self, p.name) for p in _RNN_PARAMETERS}

    def _get_client(self):
        return self.client if self.client is not None else get_client()

    def _forecast(self, X, method, args, value_columns):
        """``getattr(RNNForecaster, method)(histories, *args)`` of every partition of ``X``
        (None: of the last windows of the last fit, kept on the workers), as a lazy Dask
        DataFrame of the columns ``unique_id``, ``ds`` and ``value_columns``."""
        self._check_fitted()
        model = self._local_model(tails=False)
        call = (method, args)
        if X is None:
            if self.covariates_ is not None:
                raise ValueError(
                    f"this model takes the covariates {self.covariates_}: pass the Dask "
                    "DataFrame of each series' history followed by its next horizon_ rows, "
                    "whose y is missing and whose covariates are known."
                )
            if self._tails is None:
                raise ValueError(
                    "this model has no training data on the cluster (it came from "
                    "from_local): pass the histories to forecast after, e.g. predict(ddf)."
                )
            meta = _output_meta(self._ids_meta, value_columns)
            futures = [self._get_client().submit(_predict_tails, t, model, call, meta,
                                                 pure=False) for t in self._tails]  # fmt: skip
            return dd.from_delayed(futures, meta=meta, verify_meta=False)
        columns = _check_frame(X)
        self._check_covariates(columns)
        meta = _output_meta(X, value_columns)
        return X.map_partitions(_predict_partition, model, call, meta, columns, meta=meta)

    def _check_covariates(self, columns):
        """Raise unless ``columns`` are the covariate columns the model was fitted with."""
        fitted = self.covariates_ or []
        if list(columns) != list(fitted):
            raise ValueError(
                f"the Dask DataFrame has the covariate columns {list(columns)}, but the model "
                f"was fitted with {fitted}; pass the same columns (every column other than "
                "unique_id, ds and y is a covariate)."
            )

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
            series = replace(series, **_merge_tails(pieces))
        elif not tails:
            series = _template(series)
        copy.deepcopy(self._training).put_on(est)
        copy.deepcopy(series).put_on(est)
        est._mode = "series"
        return est


# --------------------------------------------------------------------------------------------
# dask-ml's incremental searches, with a validation split in time order


def time_ordered_split(X, y, test_size=0.2, gap=0):
    """Split windows in time order: the last ``test_size`` for validation, the earlier ones
    (less ``gap`` windows between the two) for training.

    A random split of windows (dask-ml's ``train_test_split``, which its incremental
    searches use) validates on windows that overlap training windows in time, so it rewards
    memorising the series. Here the validation windows all come after the training ones.

    Parameters
    ----------
    X : dask.array.Array or ndarray of shape (n_windows, ...)
        Windows in time order (for a panel: ordered by the time of their last step).
    y : dask.array.Array or ndarray of shape (n_windows, ...)
    test_size : float in (0, 1) or int, default=0.2
        Share (or number) of the windows held out, the most recent ones.
    gap : int, default=0
        Windows dropped between the two parts; ``horizon - 1`` keeps the training targets
        from reaching into the validation period.

    Returns
    -------
    X_train, X_test, y_train, y_test
        Slices of ``X`` and ``y`` (lazy for Dask arrays).
    """
    n = X.shape[0]
    if n is None or n != n:  # a Dask array of unknown length (NaN)
        raise ValueError(
            "time_ordered_split needs the number of windows: call X.compute_chunk_sizes()."
        )
    n = int(n)
    if isinstance(test_size, float) and 0 < test_size < 1:
        n_test = max(1, int(np.ceil(test_size * n)))
    elif isinstance(test_size, int | np.integer) and 0 < test_size < n:
        n_test = int(test_size)
    else:
        raise ValueError(f"test_size must be a float in (0, 1) or an int in [1, {n}), got "
                         f"{test_size!r}.")  # fmt: skip
    n_train = n - n_test - int(gap)
    if gap < 0 or n_train < 1:
        raise ValueError(f"gap={gap!r} leaves no training windows ({n} windows, {n_test} held "
                         "out).")  # fmt: skip
    return X[:n_train], X[n - n_test :], y[:n_train], y[n - n_test :]


class TimeOrderedSplit:
    """Mixin for dask-ml's incremental searches: validate on the most recent windows.

    dask-ml's ``HyperbandSearchCV``, ``SuccessiveHalvingSearchCV`` and
    ``IncrementalSearchCV`` hold out a random ``test_size`` of the rows. Put this class
    first among the bases of a search to hold out the last ones instead
    (:func:`time_ordered_split`, with ``gap`` windows dropped between), for example::

        from dask_ml.model_selection import HyperbandSearchCV

        class Search(TimeOrderedSplit, HyperbandSearchCV):
            gap = 11  # horizon - 1

    The rows must be windows in time order. It overrides ``_get_train_test_split``, the
    method dask-ml documents for this.
    """

    #: Windows dropped between the training and the validation part.
    gap = 0

    def _get_train_test_split(self, X, y, **kwargs):
        size = self.test_size
        if size is None:  # dask-ml's default
            size = min(0.2, 1 / X.npartitions)
        return time_ordered_split(X, y, size, self.gap)


__all__ = ["DaskRNNForecaster", "TimeOrderedSplit", "check_workers", "time_ordered_split"]
