"""Training: the epoch loop, the training length, the validation split and the state a
network starts from.

:func:`train` runs the epochs — shuffling, mini-batches, the validation score after each
epoch, early stopping that keeps the best weights, the progress bar, and stopping with the
last good weights when the loss or its gradient turns NaN or infinite. It needs neither
pandas nor the estimator: windows are rows of arrays, and :func:`time_ordered_split` holds
out the most recent rows of each series. It talks to a trainer only, the same interface for
the CPU and a CUDA GPU (:mod:`tsrnn._devices`).
"""

import time
import warnings
from dataclasses import replace

import numpy as np

from . import _config, _network
from ._optim import SGD, Adam
from ._state import TrainingState


class TrainingDivergedWarning(RuntimeWarning):
    """The loss or its gradient became NaN or infinite; training stopped early."""


def train(trainer, rng, train_idx, val_idx, epochs, history, *, batch_size, score,
          max_windows_per_epoch=None, early_stopping=True, n_iter_no_change=10, tol=1e-4,
          verbose=0, start_score=None, outputs=None):  # fmt: skip
    """Mini-batch training over a trainer, epoch after epoch.

    Parameters
    ----------
    trainer : CpuTrainer or CudaTrainer
        See :mod:`tsrnn._devices`.
    rng : numpy.random.Generator
        Shuffles the rows every epoch (advanced in place).
    train_idx : ndarray of shape (n_train,)
        Rows to train on.
    val_idx : ndarray of shape (n_val,) or None
        Rows scored after every epoch (``history["validation_scores_"]``).
    epochs : int or "auto"
        At most this many passes over ``train_idx``; "auto": see :func:`epoch_budget`.
    history : dict
        ``loss_curve_``, ``validation_scores_``, ``n_iter_``, ``t_`` and ``best_epoch_``,
        continued in place.
    batch_size : int
    score : callable
        ``score(outputs, targets) -> float``, lower is better: the validation loss.
    max_windows_per_epoch : int, optional
        Each epoch trains on a fresh random sample of at most this many rows.
    early_stopping : bool
        With ``val_idx``: stop once the score has not improved by more than ``tol``
        (relative) for ``n_iter_no_change`` epochs, and keep the best epoch's weights.
    n_iter_no_change : int or "auto"
        Patience in epochs; "auto": see :func:`epoch_budget`.
    tol : float
    verbose : int
        1 shows a progress bar (tqdm if installed, else a line per epoch).
    start_score : float, optional
        With early stopping: the validation score of the weights training starts from,
        which then stay unless an epoch beats them (``best_epoch_`` stays at the epochs
        run before). None: the best of the epochs run.
    outputs : ndarray of shape (n_rows, n_outputs), optional
        Receives, for every row trained on in the first epoch, the outputs the network gave
        it in that training pass, before learning from it: prequential outputs, out of
        sample at no extra cost. Other rows are left as they are.

    Returns
    -------
    ndarray of shape (n_params,)
        The weights to keep: the best epoch's with early stopping, else the last ones (the
        last good ones when training diverged, with a :class:`TrainingDivergedWarning`).
    """
    Yv = None if val_idx is None else trainer.Y[val_idx]
    batch = min(batch_size, len(train_idx))
    epochs, n_iter_no_change = epoch_budget(epochs, n_iter_no_change, len(train_idx), batch_size,
                                            max_windows_per_epoch)  # fmt: skip
    best_params, best_score, bad_epochs = None, np.inf, 0
    use_val = early_stopping and val_idx is not None
    if use_val and start_score is not None:
        best_params, best_score = trainer.params(), start_score
    progress = progress_bar(epochs, verbose)
    diverged = False
    first_epoch = history["n_iter_"]
    for _ in range(epochs):
        order = train_idx[rng.permutation(len(train_idx))][:max_windows_per_epoch]
        total, count = 0.0, 0
        for start in range(0, len(order), batch):
            idx = np.sort(order[start : start + batch])
            if outputs is None or history["n_iter_"] > first_epoch:
                loss = trainer.step(idx)
            else:
                out = np.empty((len(idx), outputs.shape[1]), dtype=trainer.Y.dtype)
                loss = trainer.step(idx, out)
                outputs[idx] = out
            if not np.isfinite(loss):
                diverged = True
                break
            history["t_"] += 1
            total += loss * len(idx)
            count += len(idx)
        if diverged:
            break
        history["n_iter_"] += 1
        history["loss_curve_"].append(total / max(count, 1))
        post = {"loss": f"{history['loss_curve_'][-1]:.4g}"}
        if val_idx is not None:
            value = score(trainer.predict(val_idx), Yv)
            history["validation_scores_"].append(value)
            post["val"] = f"{value:.4g}"
        if progress is not None:
            progress.update(1)
            progress.set_postfix(post)
        if use_val:
            # like scikit-learn: the best weights are kept whatever ``tol``; only a gain
            # of more than ``tol`` (relative) resets the patience
            improved = best_params is None or value < best_score * (1 - tol)
            if best_params is None or value < best_score:
                best_params, best_score = trainer.params(), value
                history["best_epoch_"] = history["n_iter_"]
            bad_epochs = 0 if improved else bad_epochs + 1
            if bad_epochs >= n_iter_no_change:
                break
        else:
            history["best_epoch_"] = history["n_iter_"]
    if progress is not None:
        progress.close()
    if diverged:
        warnings.warn(
            "the training loss or its gradient became NaN or infinite; training stopped "
            "and the last good weights were kept. Lower learning_rate, set clip_norm, or "
            "check the data for extreme values.",
            TrainingDivergedWarning,
            stacklevel=6,  # the caller of fit (through the estimator and its fit context)
        )
    params = trainer.finish()
    return best_params if use_val and best_params is not None else params


def epoch_budget(max_epochs, n_iter_no_change, n_train, batch_size, max_windows_per_epoch=None):
    """The number of epochs and the early-stopping patience, with "auto" resolved.

    "auto" counts optimizer steps, so that a small training set, whose epochs are a few
    batches, trains as long as a large one::

        steps per epoch = ceil(min(n_train, max_windows_per_epoch) / min(batch_size, n_train))
        max_epochs       = max(AUTO_MIN_EPOCHS, ceil(AUTO_MIN_STEPS / steps per epoch))
        n_iter_no_change = max(AUTO_MIN_PATIENCE, ceil(AUTO_PATIENCE_STEPS / steps per epoch))

    with the constants of :mod:`tsrnn._config` (100 epochs and 2,000 steps at least; a
    patience of 10 epochs and 300 steps at least). Integers are returned as they are.

    Parameters
    ----------
    max_epochs : int or "auto"
    n_iter_no_change : int or "auto"
    n_train : int
        Training windows (held-out windows excluded).
    batch_size : int
    max_windows_per_epoch : int or None, default=None
        Windows sampled per epoch (None: all).

    Returns
    -------
    max_epochs : int
    n_iter_no_change : int
    """
    n_epoch = max(1, min(n_train, max_windows_per_epoch or n_train))
    steps = -(-n_epoch // max(1, min(batch_size, n_epoch)))
    if max_epochs == "auto":
        max_epochs = max(_config.AUTO_MIN_EPOCHS, -(-_config.AUTO_MIN_STEPS // steps))
    if n_iter_no_change == "auto":
        n_iter_no_change = max(_config.AUTO_MIN_PATIENCE, -(-_config.AUTO_PATIENCE_STEPS // steps))
    return int(max_epochs), int(n_iter_no_change)


def validation_split(end_pos, series_idx, horizon, *, fraction, early_stopping, max_epochs):
    """The rows to train on and the rows held out for early stopping.

    With ``early_stopping`` and 20 windows or more, :func:`time_ordered_split`; else every
    row trains. Warns when early stopping is asked for but no window can be held out (then
    every epoch runs, and a point model's intervals come from training windows).

    Parameters
    ----------
    end_pos, series_idx : ndarray of shape (n_windows,)
        As in :func:`time_ordered_split`.
    horizon : int
    fraction : float
    early_stopping : bool
    max_epochs : int or "auto"
        Named in the warning.

    Returns
    -------
    train_idx : ndarray of int64
    val_idx : ndarray of int64 or None
    """
    n = len(end_pos)
    if not early_stopping:
        return np.arange(n), None
    train_idx, val_idx = np.arange(n), None
    if n >= 20:
        train_idx, val_idx = time_ordered_split(end_pos, series_idx, horizon, fraction)
    if val_idx is None:
        warnings.warn(
            "early_stopping is on, but no windows could be held out for validation: that "
            f"needs 20 windows or more (there are {n}) and, in each series, room for "
            f"validation_fraction={fraction} of its windows plus a gap of horizon - 1 = "
            f"{horizon - 1} before them. Trained all epochs (max_epochs={max_epochs!r}) on "
            "every window; a point model's intervals then come from training windows. Use more "
            "data, a shorter window or horizon, or early_stopping=False.",
            UserWarning,
            stacklevel=6,  # the caller of fit (through the estimator and its fit context)
        )
    return train_idx, val_idx


def new_training_state(spec, dtype, seed, optimizer, learning_rate, batch_size, window, *,
                       quantiles=None, linear_lags=0):  # fmt: skip
    """A fresh network to train: initial weights with a zero output layer, an optimizer and
    the generator that shuffles the windows.

    The zero output layer makes the untrained network forecast its baseline exactly (the
    seasonal-naive forecast in series mode, the mean in windows mode), and a constant series
    as that constant.

    Parameters
    ----------
    spec : NetworkSpec
    dtype : numpy.dtype
    seed : int
    optimizer : {"adam", "sgd"}
    learning_rate : float
    batch_size, window : int
        For the memory check: a batch that would need more than
        ``_config.MAX_TRAINING_BYTES`` raises a ``ValueError`` before anything is allocated.
    quantiles : list of float or None
    linear_lags : int

    Returns
    -------
    TrainingState
    """
    need = _network.training_bytes(spec, batch_size, window, dtype.itemsize)
    if need > _config.MAX_TRAINING_BYTES:
        raise ValueError(
            f"a training batch would need about {need / 2**30:.1f} GiB of memory "
            f"(hidden_size={spec.hidden_size}, num_layers={spec.num_layers}, "
            f"window={window}, batch_size={batch_size}), more than the "
            f"{_config.MAX_TRAINING_BYTES / 2**30:.0f} GiB allowed; lower hidden_size, "
            "window or batch_size."
        )
    rng = np.random.default_rng(seed)
    params = spec.init_params(rng, dtype)
    blocks = spec.unpack(params)
    blocks["W_out"][:] = 0
    blocks["b_out"][:] = 0
    opt = Adam(learning_rate) if optimizer == "adam" else SGD(learning_rate)
    return TrainingState(spec_=spec, params_=params, optimizer_=opt, _rng=rng,
                         _residuals=np.zeros((0, spec.n_outputs)), quantiles_=quantiles,
                         linear_lags_=linear_lags)  # fmt: skip


def restart_training_state(state, seed, optimizer, learning_rate, linear_lags=0,
                           n_outputs=None):  # fmt: skip
    """``state`` (trained weights) with a fresh optimizer, generator and history: where
    fine-tuning a base model starts.

    Parameters
    ----------
    state : TrainingState
        Changed in place and returned.
    seed : int
    optimizer : {"adam", "sgd"}
    learning_rate : float
    linear_lags : int, default=0
        Give a network without a linear shortcut one that reads this many values: the
        output layer gets as many new columns, zero, so the network's outputs do not change
        until training moves them.
    n_outputs : int, optional
        Keep only the network's first ``n_outputs`` outputs (the first rows of the output
        layer): the rest are neither trained nor forecast.

    Returns
    -------
    TrainingState
    """
    spec = state.spec_
    if linear_lags and spec.n_head_features == 0:
        spec = replace(spec, n_head_features=int(linear_lags))
        state.linear_lags_ = int(linear_lags)
    if n_outputs is not None and n_outputs < spec.n_outputs:
        spec = replace(spec, n_outputs=int(n_outputs))
    if spec != state.spec_:
        state.spec_, state.params_ = spec, state.spec_.params_for(state.params_, spec)
    state.optimizer_ = Adam(learning_rate) if optimizer == "adam" else SGD(learning_rate)
    state._rng = np.random.default_rng(seed)
    state._residuals = np.zeros((0, state.spec_.n_outputs))
    state._in_sample_errors = False
    for key in TrainingState.HISTORY:
        setattr(state, key, TrainingState.default(key, {}))
    return state


def time_ordered_split(end_pos, series_idx, horizon, fraction):
    """Validation split that holds out the most recent windows of each series.

    Training windows whose targets would reach into the first validation window's target
    are dropped (the ``horizon - 1`` windows before it when the windows are one step apart),
    so no training target overlaps a validation target. A series too short for both keeps
    all its windows for training.

    Parameters
    ----------
    end_pos : ndarray of shape (n_windows,)
        Position right after each window in its series (the order of time).
    series_idx : ndarray of shape (n_windows,)
        Series of each window.
    horizon : int
    fraction : float
        Share of each series' windows held out.

    Returns
    -------
    train_idx : ndarray of int64
    val_idx : ndarray of int64, or None when no window could be held out
    """
    train, val = [], []
    for s in np.unique(series_idx):
        idx = np.flatnonzero(series_idx == s)
        idx = idx[np.argsort(end_pos[idx], kind="stable")]
        n_val = int(round(fraction * len(idx)))
        before = idx[: len(idx) - n_val]
        before = before[end_pos[before] + horizon <= end_pos[idx[len(idx) - n_val]]] if (
            n_val >= 1) else before
        if n_val < 1 or len(before) < 1:
            train.append(idx)
            continue
        val.append(idx[-n_val:])
        train.append(before)
    train = np.concatenate(train) if train else np.zeros(0, np.int64)
    if not val:
        return train, None
    return train, np.concatenate(val)


def validation_loss(pred, target, levels, loss):
    """The training loss (pinball for quantile outputs) as a float, lower is better.

    Parameters
    ----------
    pred, target : ndarray of shape (n_windows, n_outputs)
    levels : sequence of float or None
        Quantile levels of the outputs, repeated step after step (None: point outputs).
    loss : {"mse", "mae"}
        For point outputs.
    """
    err = pred.astype(np.float64) - target
    if levels is not None:
        q = np.asarray(levels)[np.arange(err.shape[1]) % len(levels)]
        return float(np.mean(np.where(err < 0, -q * err, (1 - q) * err)))
    return float(np.mean(err * err) if loss == "mse" else np.mean(np.abs(err)))


def progress_bar(total, verbose, unit="epoch"):
    """A progress bar of ``total`` ``unit``s (tqdm if installed, else a line each), or None
    when not ``verbose``."""
    if not verbose:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainProgress(total, unit)
    return tqdm(total=total, desc=f"{unit}s", leave=False)


class _PlainProgress:
    """Fallback when tqdm is missing: a line per epoch (or other unit)."""

    def __init__(self, total, unit="epoch"):
        self.total, self.n, self.start, self.unit = total, 0, time.perf_counter(), unit

    def update(self, k):
        self.n += k

    def set_postfix(self, post):
        items = " ".join(f"{k}={v}" for k, v in post.items())
        elapsed = time.perf_counter() - self.start
        print(f"{self.unit} {self.n}/{self.total} {items} ({elapsed:.1f}s)")

    def close(self):
        pass


def resolve_loss(loss, mode):
    """The training loss of point outputs: ``"auto"`` is ``"mse"`` in windows mode, where the
    estimator is a scikit-learn regressor (scored by R²), and ``"mae"`` for series (series
    and pretrained mode), whose forecasts are scored by absolute errors (MAE, sMAPE, MASE)
    and whose windows, each scaled by its own deviation, can hold spikes that squared errors
    let dominate.

    Parameters
    ----------
    loss : {"auto", "mse", "mae"}
    mode : {"series", "windows", "pretrained"}

    Returns
    -------
    {"mse", "mae"}
    """
    if loss != "auto":
        return loss
    return "mse" if mode == "windows" else "mae"
