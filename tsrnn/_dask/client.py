"""The client's side of training on Dask: the trainer the epoch loop drives, and helpers.

:class:`_DaskTrainer` offers :func:`tsrnn._trainer.train` the interface of the local trainers
over shards that live on the workers (:mod:`.workers`); the helpers turn the partitions'
descriptions into what a first fit fixes, and the shards' splits into global window ids.
"""

import time
import warnings
from dataclasses import replace
from types import SimpleNamespace

import dask.dataframe as dd
import numpy as np
import pandas as pd

from .. import __version__, _config
from .._devices import apply_gradient
from .._optim import average_weights
from .._series_mode import SeriesMode
from .workers import (
    LONG,
    _held,
    _shard_errors,
    _shard_gradient,
    _shard_local_steps,
    _shard_validation,
)

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


class _DaskTrainer:
    """The trainer interface of :func:`tsrnn._trainer.train` over shards on the workers.

    ``step`` takes global window ids; ``predict(idx)`` returns ``idx`` and ``Y[idx]`` None:
    the epoch loop hands both to ``score``, which computes the validation loss on the
    workers (on every shard's held-out windows, the rows ``idx`` stands for).

    With ``local_steps`` k > 1, a step is a round of local SGD: every shard takes k optimizer
    steps on its share of the batch (cut at random into k parts, seeded by ``seed`` and the
    round), from the shared weights and optimizer state, and the client averages the
    weights and the optimizer's arrays, weighted by the shards' rows: one exchange for k
    steps.
    """

    class _Targets:
        def __getitem__(self, idx):
            return None

    Y = _Targets()

    def __init__(self, client, shards, offsets, spec, params, optimizer, loss, clip_norm,
                 quantiles, average, validation_loss, local_steps=1, seed=0):  # fmt: skip
        self.client, self.shards, self.offsets = client, shards, offsets
        self.spec, self.optimizer, self.loss = spec, optimizer, loss
        self.clip_norm, self.quantiles = clip_norm, quantiles
        self._validation_loss = validation_loss
        self.local_steps, self._seed = int(local_steps), int(seed)
        self._params = params.copy()
        self._momentum = average
        self._average = None if average is None else params.copy()
        self._stats = {"steps": 0, "step_s": 0.0, "compute_s": 0.0, "work_s": 0.0,
                       "update_s": 0.0, "bytes": 0}  # fmt: skip

    def _weights(self):
        return self._params if self._average is None else self._average

    def _sent(self, params, n_tasks):
        """``params`` as the ``n_tasks`` tasks of one round take them.

        For a few tasks the array itself, which each task carries; for
        ``_config.DASK_SHARED_WEIGHTS_TASKS`` or more, a future of one task that holds
        it: the client uploads the weights once and each worker fetches them once from
        another. A lost worker's copy is recomputed from that task, like a shard.
        """
        if n_tasks < _config.DASK_SHARED_WEIGHTS_TASKS:
            return params
        return self.client.submit(_held, params, pure=False)

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
        if self.local_steps > 1:
            return self._local_round(np.asarray(idx))
        start = time.perf_counter()
        pieces = self._pieces(np.asarray(idx))
        params = self._sent(self._params, len(pieces))
        futures = [
            self.client.submit(_shard_gradient, self.shards[p], params, rows, self.spec,
                               self.loss, self.quantiles, pure=False)
            for p, rows in pieces
        ]  # fmt: skip
        results = self.client.gather(futures)
        gathered = time.perf_counter()
        n = sum(r[2] for r in results)
        grad = np.zeros(len(self._params))
        loss = 0.0
        for value, g, rows, _, _ in results:  # partition order: fixed
            loss += value * (rows / n)
            grad += g * (rows / n)
        grad = grad.astype(self._params.dtype)
        sends = 1 if params is not self._params else len(results)
        self._count([(r[4], r[3]) for r in results],
                    sends * self._params.nbytes + sum(r[1].nbytes for r in results))  # fmt: skip
        stats = self._stats
        try:
            return apply_gradient(self._params, grad, loss, self.optimizer, self.clip_norm,
                                  self._average, self._momentum)  # fmt: skip
        finally:
            end = time.perf_counter()
            stats["update_s"] += end - gathered
            stats["step_s"] += end - start

    def _count(self, seconds, nbytes):
        """Add a step to the statistics: ``seconds`` (worker, compute seconds) of its tasks,
        ``nbytes`` sent and received by the client."""
        busy = {}
        for worker, s in seconds:
            busy[worker] = busy.get(worker, 0.0) + s
        stats = self._stats
        stats["steps"] += 1
        stats["compute_s"] += max(busy.values())
        stats["work_s"] += sum(busy.values())
        stats["bytes"] += nbytes

    def _local_round(self, idx):
        """One round of local SGD on the global rows ``idx`` (see the class); returns the
        mean loss of its steps (NaN, and nothing changed, when a step was refused)."""
        start = time.perf_counter()
        pieces = self._pieces(idx)
        rng = np.random.default_rng([self._seed, self._stats["steps"]])
        k = self.local_steps
        sent = self._sent((self._params, self.optimizer), len(pieces))
        futures = [
            self.client.submit(_shard_local_steps, self.shards[p], sent,
                               [np.sort(b) for b in np.array_split(rng.permutation(rows), k)],
                               self.spec, self.loss, self.quantiles, self.clip_norm, pure=False)
            for p, rows in pieces
        ]  # fmt: skip
        results = self.client.gather(futures)
        gathered = time.perf_counter()
        state_bytes = sum(a.nbytes for a in results[0]["state"].values()
                          if isinstance(a, np.ndarray))  # fmt: skip
        sends = len(results) if isinstance(sent, tuple) else 1  # in every task, or once
        self._count([(r["worker"], r["seconds"]) for r in results],
                    (sends + len(results)) * (self._params.nbytes + state_bytes))  # fmt: skip
        stats = self._stats
        try:
            if not all(np.isfinite(r["loss"]) for r in results):
                return float("nan")  # a shard refused a step: so does the round
            n = sum(r["rows"] for r in results)
            params = np.zeros(len(self._params))
            loss = 0.0
            for r in results:  # partition order: fixed
                params += r["params"] * (r["rows"] / n)
                loss += r["loss"] * (r["rows"] / n)
            self._params[:] = params
            self.optimizer.set_state(_mean_state([r["state"] for r in results],
                                                 [r["rows"] / n for r in results]))  # fmt: skip
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
        params = self._sent(self._weights(), len(self.shards))
        futures = [
            self.client.submit(_shard_validation, s, params, self.spec, levels,
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
        pieces = self._pieces(np.sort(idx))
        params = self._sent(params, len(pieces))
        futures = [self.client.submit(_shard_errors, self.shards[p], params, rows, self.spec,
                                      pure=False)
                   for p, rows in pieces]  # fmt: skip
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


def _mean_state(states, weights):
    """Weighted mean of optimizer states (:meth:`Adam.get_state`): arrays averaged in order,
    step counts the largest."""
    out = {}
    for key, first in states[0].items():
        if isinstance(first, np.ndarray):
            total = np.zeros(first.shape)
            for state, w in zip(states, weights, strict=True):
                total += state[key] * w
            out[key] = total.astype(first.dtype)
        elif first is None:
            out[key] = None
        else:
            out[key] = max(state[key] for state in states)
    return out


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


def _first_state(local, described, columns):
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
    state = SeriesMode(local)._first_state(panel, None)
    if not columns:
        return state
    mean, scale = _pooled_moments([d["covariates"] for d in described])
    return replace(state, covariates_=list(columns), _cov_mean=mean, _cov_scale=scale)


def _pooled_moments(parts):
    """Mean and standard deviation (1 where it is 0) of rows described by their parts.

    Parameters
    ----------
    parts : list of (int, ndarray of shape (k,), ndarray of shape (k,))
        Each part's row count, mean and summed squared deviations from its mean, in
        partition order (merged pairwise, Chan et al.: the same figures for any number of
        workers; with one part, those of ``rows.mean(axis=0)`` and ``rows.std(axis=0)``).

    Returns
    -------
    mean, scale : ndarray of shape (k,)
    """
    n, mean, m2 = parts[0]
    for n_b, mean_b, m2_b in parts[1:]:
        total = n + n_b
        delta = mean_b - mean
        mean = mean + delta * (n_b / total)
        m2 = m2 + m2_b + delta * delta * (n * n_b / total)
        n = total
    sd = np.sqrt(m2 / n)
    return mean, np.where(sd > 0, sd, 1.0)


def _template(state):
    """``state`` without any series: what the workers need to window and to forecast."""
    return replace(state, series_ids_=[], _tails=[], _tail_indexes=[], _cov_tails=None,
                   _layout="long", _ndim=2, _name=None)  # fmt: skip


def _check_frame(ddf):
    """Check the Dask DataFrame's columns; return its covariate columns (a list)."""
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
    bad = [c for c in extra if not pd.api.types.is_numeric_dtype(ddf.dtypes[c])]
    if bad:
        raise TypeError(
            f"covariate columns must be numeric; {bad} are not. Every column other than "
            "unique_id, ds and y is a covariate: encode these as numbers or drop them."
        )
    return extra


def _output_meta(ddf, value_columns):
    """Empty frame of a forecast's columns and dtypes: ``unique_id`` and ``ds`` as in ``ddf``
    (a Dask DataFrame, or such an empty frame), then float ``value_columns``."""
    if isinstance(ddf, pd.DataFrame):  # an empty frame of ids and stamps
        ids, stamps = ddf["unique_id"], ddf["ds"]
    else:
        ids = ddf.index if "unique_id" not in ddf.columns else ddf["unique_id"]
        stamps = ddf["ds"]
    columns = {"unique_id": pd.Series([], dtype=ids.dtype),
               "ds": pd.Series([], dtype=stamps.dtype)}  # fmt: skip
    for c in value_columns:
        columns[c] = pd.Series([], dtype=np.float64)
    return pd.DataFrame(columns)
