"""Pretraining a base model on synthetic series, and loading one.

:func:`pretrain` trains one network for every series (:mod:`tsrnn._pretrained_mode`) on an
endless stream of synthetic series (:mod:`tsrnn.synthetic`), made on the fly and never
stored: no real series is in its corpus, so its scores on real data are zero-shot. It runs
in chunks of windows; chunk ``k`` is always the same data (seeded by the run's seed and
``k``), the learning rate follows a cosine from ``learning_rate`` to a tenth of it over the
planned ``windows``, and a checkpoint — a model file like any other, with the optimizer's
state and the chunks done — is written every few minutes, so a run resumes where it
stopped (``resume=True``) and gives the weights an unbroken run would have given. The
command line is ``python -m tsrnn pretrain``. With a Dask scheduler, the chunks are made and
the gradients computed on its workers (:mod:`tsrnn._dask.pretrain`).

:func:`load_base` reads the base model shipped in :mod:`tsrnn.weights`, or one made here.
"""

import math
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

import numpy as np

from . import _data, _devices, _network, _trainer
from ._pretrained_mode import MIN_CONTEXT, N_FEATURES, training_windows
from ._spec import NetworkSpec
from ._state import PretrainedState
from .synthetic import SyntheticSeries

#: Quantile levels of a base model's outputs (symmetric around the median).
LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: File name of the shipped base model in :mod:`tsrnn.weights`.
BASE_FILE = "base.tsrnn"
#: Windows drawn from each synthetic series.
WINDOWS_PER_SERIES = 4
#: Parts a chunk is generated in (in parallel with ``n_jobs``, or on Dask workers); part of
#: the data's seed. A run may choose another number (``parts``), which it keeps.
PARTS = 8
#: Windows in the fixed synthetic validation set.
VALIDATION_WINDOWS = 4096


def load_base(init="base"):
    """A base model: the one shipped with tsrnn (``"base"``) or the file ``init``.

    Returns
    -------
    RNNForecaster
        Fitted, in pretrained mode.

    Raises
    ------
    ValueError
        If the file is not a base model.
    FileNotFoundError
        If the file does not exist.
    """
    from .forecaster import RNNForecaster

    if isinstance(init, str) and init == "base":
        path = resources.files("tsrnn.weights") / BASE_FILE
        if not path.is_file():
            raise FileNotFoundError(
                "this installation of tsrnn has no base model (tsrnn/weights/base.tsrnn); "
                "reinstall tsrnn, or make one with python -m tsrnn pretrain."
            )
    else:
        path = os.fspath(init)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no base model file at {path!r}")
    est = RNNForecaster.load(path)
    if est._mode != "pretrained":
        raise ValueError(
            f"{str(path)!r} holds a model fitted in {est._mode} mode, not a base model; "
            "make one with python -m tsrnn pretrain, or pass init='scratch'."
        )
    return est


def synthetic_windows(seed, step, n_windows, window, horizon, part=None, parts=PARTS):
    """Training windows of synthetic series: the data of chunk ``step``.

    Each series gives ``WINDOWS_PER_SERIES`` windows at random origins: most with a full
    context of ``window`` values, the others with a context of any length from
    ``MIN_CONTEXT`` (padded, as a short series is at prediction).

    Parameters
    ----------
    seed : int
    step : int
        Chunk number.
    n_windows : int
        Windows in the whole chunk (a multiple of ``WINDOWS_PER_SERIES * parts``).
    window, horizon : int
    part : int, optional
        Only this part of the chunk's ``parts`` (to make them in parallel).
    parts : int, default=PARTS
        Parts of a chunk (part of the data's seed).

    Returns
    -------
    X : ndarray of shape (n, window, 4), float32
    Y : ndarray of shape (n, horizon), float32
        Scaled targets minus the baseline (see :func:`tsrnn._pretrained_mode.training_windows`).
    """
    if part is None:
        return _joined([synthetic_windows(seed, step, n_windows, window, horizon, j, parts)
                        for j in range(parts)])  # fmt: skip
    n_series = n_windows // (WINDOWS_PER_SERIES * parts)
    extra = 64
    gen = SyntheticSeries(length=window + horizon + extra, random_state=seed)
    batch = gen.sample(n_series, step=step * parts + part)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(step, part, 1)))
    last = window + extra  # the latest origin that leaves a whole horizon
    full = rng.random((n_series, WINDOWS_PER_SERIES)) < 0.6
    ends = np.where(full, rng.integers(window, last + 1, (n_series, WINDOWS_PER_SERIES)),
                    rng.integers(MIN_CONTEXT, last + 1, (n_series, WINDOWS_PER_SERIES)))
    # each series read at the period found in its first window, as a forecast reads its context
    periods = _data.series_periods(batch.values[:, :window], batch.season_length, None, window)
    X, Y, _, _ = training_windows(list(batch.values), periods, window, horizon, list(ends))
    return X.astype(np.float32), Y.astype(np.float32)


def _new_model(settings):
    """An untrained base model (an :class:`~tsrnn.RNNForecaster` in pretrained mode)."""
    from .forecaster import RNNForecaster

    s = settings
    levels = list(LEVELS)
    spec = NetworkSpec(s["cell"], N_FEATURES, s["hidden_size"], s["num_layers"],
                       s["horizon"] * len(levels), 0)  # fmt: skip
    state = _trainer.new_training_state(
        spec, np.dtype(np.float32), s["seed"], "adam", s["learning_rate"], s["batch_size"],
        s["window"], quantiles=levels,
    )  # fmt: skip
    est = RNNForecaster(
        cell=s["cell"], hidden_size=s["hidden_size"], num_layers=s["num_layers"],
        window=s["window"], horizon=s["horizon"], quantiles=levels,
        learning_rate=s["learning_rate"], batch_size=s["batch_size"], random_state=s["seed"],
    )  # fmt: skip
    mode = PretrainedState(
        window_=s["window"], horizon_=s["horizon"], network_horizon_=s["horizon"],
        pretraining_={"settings": dict(s), "chunks": 0, "windows_seen": 0, "pieces": []},
    )  # fmt: skip
    state.put_on(est)
    mode.put_on(est)
    est._mode = "pretrained"
    return est


def learning_rate_at(settings, seen):
    """Cosine decay from ``learning_rate`` to a tenth of it over ``windows`` windows."""
    lr, total = settings["learning_rate"], settings["windows"]
    progress = min(seen / total, 1.0)
    return lr * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def pretrain(out, *, windows=None, minutes=None, cell="gru", hidden_size=128,
             num_layers=1, window=256, horizon=64, learning_rate=1e-3, batch_size=256,
             chunk=16384, seed=0, device="cpu", n_jobs=1, resume=False,
             checkpoint_minutes=5.0, verbose=1, scheduler=None, parts=PARTS,
             init=None):  # fmt: skip
    """Pretrain a base model on synthetic series, resumable.

    Parameters
    ----------
    out : str or os.PathLike
        The model file, written at every checkpoint and at the end (atomically).
    windows : int, default=None
        Training windows of the whole run (the learning rate's schedule spans them); None:
        2,000,000, or with ``resume`` the saved run's. With ``resume``, a larger number
        extends the run (and its schedule).
    minutes : float, optional
        Stop this piece of the run after about this many minutes (at the end of a chunk),
        with a checkpoint; ``resume=True`` continues it. None: run to ``windows``.
    cell, hidden_size, num_layers : network
    window : int, default=256
        Longest context.
    horizon : int, default=64
        Steps forecast per network call.
    learning_rate : float, default=1e-3
    batch_size : int, default=256
    chunk : int, default=16384
        Windows generated at a time (rounded to a multiple of ``4 * parts``).
    seed : int, default=0
    device : {"cpu", "cuda", "auto"}, default="cpu"
    n_jobs : int, default=1
        Processes generating the synthetic data (ahead of the training).
    resume : bool, default=False
        Continue the run saved in ``out`` (its settings win over those given here, except
        ``windows``, ``minutes``, ``device``, ``n_jobs`` and ``verbose``).
    checkpoint_minutes : float, default=5.0
    verbose : int, default=1
        1 shows a progress bar (tqdm if installed).
    scheduler : str or distributed.Client, optional
        Train data-parallel on a Dask cluster (``pip install "tsrnn[dask]"``): the address
        of its scheduler, or a client. Each chunk's parts are made on the workers and stay
        there; every step sums the gradients of the parts' shares of the batch, in part
        order, and makes one update here (as :class:`tsrnn.dask.DaskRNNForecaster`). A step
        uses at most ``parts`` workers. ``device`` is ignored (the workers use their CPUs);
        a run may change between a cluster and one machine when it resumes.
    parts : int, default=8
        Parts each chunk is made in, in parallel (part of the data's seed: with another
        number the run sees other series). Resuming keeps the saved run's.
    init : str or os.PathLike, optional
        Start a new run from the weights of this base model (``"base"``: the shipped one)
        instead of random ones: continued pretraining, with this run's own schedule, data
        seed, window and batch. The network (``cell``, ``hidden_size``, ``num_layers``,
        ``horizon``) is the base model's; the optimizer starts afresh. The run records the
        starting model's pretraining in ``pretraining_["init"]``. Ignored with ``resume``
        when ``out`` exists.

    Returns
    -------
    RNNForecaster
        The base model (also in ``out``).
    """
    from .forecaster import RNNForecaster

    device = "dask" if scheduler is not None else _devices.resolve_device(device)
    if resume and os.path.exists(out):
        est = RNNForecaster.load(out)
        if est._mode != "pretrained":
            raise ValueError(f"{out!r} is not a base model; cannot resume it.")
        settings = est.pretraining_["settings"]
        settings.setdefault("parts", PARTS)  # runs saved before the number was a setting
        if windows is not None and windows > settings["windows"]:
            # a longer run: the schedule stretches to the new end (a warm restart when the
            # old one had ended)
            settings["windows"] = int(windows)
    else:
        if init is not None:
            origin = load_base(init)
            old = origin.pretraining_
            cell, hidden_size, num_layers, horizon = (
                old["settings"][k] for k in ("cell", "hidden_size", "num_layers", "horizon"))
        unit = WINDOWS_PER_SERIES * int(parts)
        settings = {
            "cell": cell, "hidden_size": int(hidden_size), "num_layers": int(num_layers),
            "window": int(window), "horizon": int(horizon),
            "learning_rate": float(learning_rate), "batch_size": int(batch_size),
            "chunk": max(unit, int(chunk) // unit * unit), "seed": int(seed),
            "windows": int(windows or 2_000_000), "parts": int(parts),
        }  # fmt: skip
        est = _new_model(settings)
        if init is not None:
            est.params_ = origin.params_.copy()
            # the whole lineage: what the starting model saw, and what it started from
            est.pretraining_["init"] = {"source": os.fspath(init), **old}
    info = est.pretraining_
    s = info["settings"]
    levels = np.tile(np.asarray(est.quantiles_), s["horizon"])
    Xv, Yv = synthetic_windows(s["seed"] + 1, 0, VALIDATION_WINDOWS, s["window"], s["horizon"])
    Yv = np.repeat(Yv, len(est.quantiles_), axis=1)
    total_chunks = -(-s["windows"] // s["chunk"])
    start, t0, last_save = info["chunks"], time.perf_counter(), time.perf_counter()
    if scheduler is not None:
        from ._dask.pretrain import DaskChunks

        chunks = DaskChunks(scheduler, s, len(est.quantiles_), total_chunks)
    else:
        chunks = _LocalChunks(s, len(est.quantiles_), total_chunks, device, n_jobs)
    piece = {"device": device, "threads": chunks.threads(), "machine": chunks.machine(),
             "windows": 0, "seconds": 0.0}  # fmt: skip
    info["pieces"].append(piece)
    progress = _trainer.progress_bar(total_chunks, verbose, unit="chunk")
    if progress is not None and start:
        progress.update(start)
    try:
        for k in range(start, total_chunks):
            est.optimizer_.learning_rate = learning_rate_at(s, info["windows_seen"])
            trainer, n_windows = chunks.trainer(k, est.spec_, est.params_, est.optimizer_,
                                                levels)  # fmt: skip
            order = est._rng.permutation(n_windows)
            losses = []
            for b in range(0, len(order), s["batch_size"]):
                loss = trainer.step(np.sort(order[b : b + s["batch_size"]]))
                if np.isfinite(loss):  # a refused step changed nothing
                    losses.append(loss)
                    est.t_ += 1
            est.params_ = trainer.finish()
            info["chunks"], info["windows_seen"] = k + 1, info["windows_seen"] + n_windows
            piece["windows"] += n_windows
            est.n_iter_ += 1
            est.loss_curve_.append(float(np.mean(losses)) if losses else float("nan"))
            rate = learning_rate_at(s, info["windows_seen"])
            post = {"loss": f"{est.loss_curve_[-1]:.4f}", "lr": f"{rate:.2g}"}
            now = time.perf_counter()
            done = k + 1 == total_chunks
            out_of_time = minutes is not None and now - t0 >= 60 * minutes
            if done or out_of_time or now - last_save >= 60 * checkpoint_minutes:
                pred = _network.forward(est.params_, Xv, est.spec_)
                est.validation_scores_.append(
                    _trainer.validation_loss(pred, Yv, levels, "mse"))  # pinball via levels
                post["val"] = f"{est.validation_scores_[-1]:.4f}"
                piece["seconds"] = round(now - t0, 1)
                est.best_epoch_ = est.n_iter_
                est.save(out)
                last_save = now
            if progress is not None:
                progress.update(1)
                progress.set_postfix(post)
            if out_of_time:
                break
    finally:
        if progress is not None:
            progress.close()
        chunks.close()
    return est


class _LocalChunks:
    """The chunks of a run made in this process (or a pool of ``n_jobs`` processes, ahead
    of the training), each trained by the CPU or CUDA trainer.

    Parameters
    ----------
    s : dict
        The run's settings.
    n_levels : int
        Quantile levels of the outputs (each target is repeated for every level).
    total : int
        Chunks of the whole run.
    device : {"cpu", "cuda"}
    n_jobs : int
    """

    def __init__(self, s, n_levels, total, device, n_jobs):
        self.s, self.n_levels, self.total = s, n_levels, total
        self.device, self.n_jobs = device, n_jobs
        self.pending, self.pool = {}, None
        if n_jobs > 1:  # forkserver: never inherit a CUDA context or numba's threads
            context = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(n_jobs, mp_context=context)

    def trainer(self, k, spec, params, optimizer, levels):
        """A trainer over chunk ``k``'s windows, and their number."""
        X, Y = self._windows(k)
        Y = np.repeat(Y, self.n_levels, axis=1)
        trainer = _devices.make_trainer(self.device, spec, params, optimizer, X, Y,
                                        "pinball", 1.0, levels)  # fmt: skip
        return trainer, len(X)

    def _windows(self, k):
        """Chunk ``k``'s windows; with a pool, the next chunks are made meanwhile."""
        s = self.s
        parts = s["parts"]
        args = (s["chunk"], s["window"], s["horizon"])
        if self.pool is None:
            return synthetic_windows(s["seed"], k, *args, parts=parts)
        ahead = max(2, self.n_jobs // parts + 1)
        for j in range(k, min(self.total, k + ahead)):
            if j not in self.pending:
                self.pending[j] = [
                    self.pool.submit(synthetic_windows, s["seed"], j, *args, p, parts)
                    for p in range(parts)
                ]  # fmt: skip
        return _joined([f.result() for f in self.pending.pop(k)])

    def threads(self):
        if self.device == "cuda":
            return 1
        import numba

        return int(numba.get_num_threads())

    def machine(self):
        if self.device == "cuda":
            try:
                from numba import cuda

                name = cuda.get_current_device().name
                return name.decode() if isinstance(name, bytes) else str(name)
            except Exception:  # noqa: BLE001 - only a label
                return "cuda"
        return f"{platform.machine()} {os.cpu_count()} cores"

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _joined(parts):
    """The parts ``(X, Y)`` of a chunk, in order, as one ``(X, Y)``."""
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
