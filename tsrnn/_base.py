"""The machinery behind :class:`~tsrnn.RNNForecaster`, independent of the kind of input.

:class:`BaseRNNForecaster` holds what every public method of the estimator goes through, as
scikit-learn's ``BaseMultilayerPerceptron`` does for ``MLPRegressor``: the one training path
``_fit(..., incremental=...)`` that ``fit`` and ``partial_fit`` share, the network's outputs
for a prediction, the quantiles, and pickling. The public class in :mod:`tsrnn.forecaster`
keeps the parameters and the documented methods. The flow::

    input -> mode (series, windows or pretrained: checks, scaled windows) -> trainer (epochs)
    -> network outputs -> mode ``finish`` (units, layout, future index) -> user

The modes (:mod:`tsrnn._series_mode`, :mod:`tsrnn._windows_mode`,
:mod:`tsrnn._pretrained_mode`; their interface in :mod:`tsrnn._mode`) own everything about the
kind of input, :mod:`tsrnn._trainer` the epoch loop, :mod:`tsrnn._state` the list of what a
fitted model keeps. Nothing here loops over time steps.
"""

import copy

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _config, _devices, _intervals, _network, _trainer
from ._pretrained_mode import PretrainedMode
from ._series_mode import SeriesMode
from ._spec import NetworkSpec
from ._state import MODE_STATES, TrainingState
from ._windows_mode import WindowsMode


class BaseRNNForecaster(RegressorMixin, BaseEstimator):
    """The mode-free machinery of :class:`~tsrnn.RNNForecaster` (see the module docstring)."""

    def _quantiles(self, X, quantiles, covariates, stacklevel, labels=None):
        """:meth:`predict_quantiles`, the columns named ``labels`` (default: the levels);
        ``stacklevel`` points its warning at the user's call."""
        check_is_fitted(self, "params_")
        levels = _check_levels(quantiles, decimals=None)
        pred, finish = self._network_outputs(X, covariates)
        if self.quantiles_ is not None:
            pred = _intervals.interpolate_levels(np.sort(pred, axis=2), self.quantiles_, levels)
        else:
            offsets = _intervals.quantile_offsets(self._residuals, levels,
                                                  self._in_sample_errors, stacklevel)  # fmt: skip
            pred = pred[:, :, None] + offsets.T[None]
        pred = np.sort(pred, axis=2)  # never crossing
        return finish(pred, labels=list(levels) if labels is None else labels)

    def _states(self):
        """The fitted state: training's and the mode's (see :mod:`tsrnn._state`)."""
        return TrainingState.taken_from(self), MODE_STATES[self._mode].taken_from(self)

    # ----------------------------------------------------------------------------------------
    # the one training path

    def _fit(self, X, y, covariates, incremental):
        saved = dict(self.__dict__)
        try:
            return self._fit_unsafe(X, y, covariates, incremental)
        except BaseException:
            # a call that fails (bad input, interrupted) leaves the model exactly as it was
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit_unsafe(self, X, y, covariates, incremental):
        first = not (incremental and hasattr(self, "params_"))
        device = _devices.resolve_device(self.device)
        kind = "series" if y is None else "windows"
        if y is None and (self.init != "scratch" if first else self._mode == "pretrained"):
            kind = "pretrained"
        mode = _MODES[kind](self)
        if not first and mode.name != self._mode:
            raise ValueError(
                f"this model was fitted in {self._mode} mode; partial_fit got data for "
                f"{mode.name} mode. Pass data of the same kind (a series, or windows X with "
                "targets y)."
            )
        # every new piece of state is built aside; the estimator changes only at the end, so
        # a call that raises leaves a fitted model exactly as it was
        # a first fit in pretrained mode starts from the base model's weights and state
        base = _load_base(self.init) if first and kind == "pretrained" else None
        old = base._states() if base is not None else None if first else self._states()
        if base is not None:  # fine-tuning trains the steps forecast, no more
            old = (old[0], mode.fine_tuning_state(old[1]))
        data, mode_state = mode.training_set(X, y, covariates, None if old is None else old[1])
        fresh = first and base is None
        levels = self._first_levels() if fresh else old[0].quantiles_
        # a base model without a shortcut gets the one asked for (a fine-tuned model keeps its own)
        new_lags = fresh or (base is not None and not old[0].linear_lags_)
        lags = self._check_linear_lags(mode_state.window_) if new_lags else old[0].linear_lags_
        Z = _with_lags(data.Z, data.X[:, :, 0], lags)
        if not fresh and not lags and old[0].spec_.n_head_features == 0:
            Z = None  # a model saved before the head read the covariates
        train_idx, val_idx = _trainer.validation_split(
            data.end, data.series, data.Y.shape[1], fraction=self.validation_fraction,
            early_stopping=self.early_stopping and not incremental, max_epochs=self.max_epochs,
        )  # fmt: skip
        dtype = np.dtype(self.dtype)
        Xn = np.ascontiguousarray(data.X, dtype=dtype)
        Yn = data.Y if levels is None else np.repeat(data.Y, len(levels), axis=1)
        Yn = np.ascontiguousarray(Yn, dtype=dtype)  # one output per step and level, step-major
        Zn = None if Z is None else np.ascontiguousarray(Z, dtype=dtype)
        # a first fit (fresh, or from a base model) seeds its weights or its shuffling
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max) if (
            first) else None
        if fresh:
            spec = NetworkSpec(self.cell, Xn.shape[2], self.hidden_size, self.num_layers,
                               Yn.shape[1], 0 if Zn is None else Zn.shape[1])  # fmt: skip
            state = _trainer.new_training_state(
                spec, dtype, seed, self.optimizer, self.learning_rate, self.batch_size,
                Xn.shape[1], quantiles=levels, linear_lags=lags,
            )  # fmt: skip
        else:
            if Xn.shape[2] != old[0].spec_.n_features:
                raise ValueError(
                    f"the new data gives {Xn.shape[2]} features per step, the model takes "
                    f"{old[0].spec_.n_features}."
                )
            state = copy.deepcopy(old[0])
            state.params_ = state.params_.astype(dtype, copy=False)
            state.optimizer_.learning_rate = self.learning_rate
            if base is not None:  # fine-tuning starts afresh from the base weights
                state = _trainer.restart_training_state(
                    state, seed, self.optimizer, self.learning_rate, lags,
                    mode_state.network_horizon_ * len(levels),
                )  # fmt: skip
        quantile_levels = None if levels is None else np.tile(levels, Yn.shape[1] // len(levels))
        loss = _trainer.resolve_loss(self.loss, mode.name)
        trainer = _devices.make_trainer(
            device, state.spec_, state.params_, state.optimizer_, Xn, Yn,
            "pinball" if levels is not None else loss, self.clip_norm, quantile_levels,
            Zn, self.ema_momentum,
        )  # fmt: skip
        # out-of-sample errors of fresh windows: their outputs in the training pass, before
        # the model learns from them (prequential)
        fresh_outputs = None if first or levels is not None else np.full_like(Yn, np.nan)
        history = {k: getattr(state, k) for k in TrainingState.HISTORY}
        # pretrained mode: scored on the steps forecast, not all the network's
        scored = slice(None) if kind != "pretrained" else slice(
            0, min(mode_state.horizon_, mode_state.network_horizon_) * len(levels))

        def score(pred, target):
            q = None if quantile_levels is None else quantile_levels[scored]
            return _trainer.validation_loss(pred[:, scored], target[:, scored], q, loss)

        # fine-tuning a base model keeps its weights unless training beats them
        start = None
        if base is not None and val_idx is not None and not incremental:
            start = score(trainer.predict(val_idx), Yn[val_idx])
        state.params_ = _trainer.train(
            trainer, state._rng, train_idx, val_idx, 1 if incremental else self.max_epochs,
            history, batch_size=self.batch_size, score=score, start_score=start,
            max_windows_per_epoch=self.max_windows_per_epoch,
            early_stopping=not incremental, n_iter_no_change=self.n_iter_no_change,
            tol=self.tol, verbose=self.verbose, outputs=fresh_outputs,
        )  # fmt: skip
        if fresh_outputs is not None:
            # the most recent are kept; they replace errors from training windows
            recent = np.arange(max(0, len(Yn) - _config.MAX_INTERVAL_ERRORS), len(Yn))
            unseen = recent[np.isnan(fresh_outputs[recent, 0])]  # not trained on: held out
            if len(unseen):
                fresh_outputs[unseen] = trainer.predict(unseen)
            state._residuals = _intervals.keep_recent(
                state._residuals, Yn[recent] - fresh_outputs[recent], state._in_sample_errors
            )
            state._in_sample_errors = False
        for key, value in history.items():
            setattr(state, key, value)
        if first and levels is None:
            # errors on the held-out windows; without any, on the most recent training ones
            rows = (train_idx if val_idx is None else val_idx)[-_config.MAX_INTERVAL_ERRORS :]
            Zr = None if Zn is None else Zn[rows]
            pred = _network.forward(state.params_, Xn[rows], state.spec_, Zr)
            state._residuals = _intervals.keep_recent(state._residuals, Yn[rows] - pred)
            state._in_sample_errors = val_idx is None

        # commit
        if first and mode.name != "windows":
            self.__dict__.pop("feature_names_in_", None)  # left by an earlier fit(X, y)
        state.put_on(self)
        mode_state.put_on(self)
        self._mode = mode.name
        return self

    def _first_levels(self):
        """Quantile levels of the outputs (with the median), or None: a point forecaster."""
        if self.quantiles is None:
            return None
        return _check_levels(tuple(self.quantiles) + (0.5,))

    def _check_linear_lags(self, window):
        """``linear_lags`` as an int (0: none), checked against the window length."""
        lags = self.linear_lags or 0
        if lags > window:
            raise ValueError(
                f"linear_lags={lags} is longer than the window ({window} steps): the output "
                "layer can read at most the whole window. Lower linear_lags or set a longer "
                "window."
            )
        return lags

    # ----------------------------------------------------------------------------------------
    # prediction, both modes

    def _network_outputs(self, X, covariates):
        """The network's outputs for a prediction, and the way back to the user.

        Returns
        -------
        pred : ndarray of shape (n, horizon_) or (n, horizon_, n_levels)
            float64, in the network's output space (before the baseline and the scaling).
        finish : callable
            ``finish(pred, labels=None)`` -> the forecast in the user's units and layout
            (see the modes' ``prediction``).
        """
        check_is_fitted(self, "params_")
        mode = _MODES[self._mode](self)

        # once for all the network calls, and kept for the next prediction with these weights
        pt = _network.transposed(self.params_, self.spec_, keep=True)

        def network(X, Z):
            """Outputs for a batch ``X`` (n, window, F), or a list for a list of batches
            (each with its own window; ``Z`` then None or a list)."""
            many = isinstance(X, list)
            Xs, Zs = (X, Z or [None] * len(X)) if many else ([X], [Z])
            if self.spec_.n_head_features:
                lags = self.linear_lags_
                Zs = [_with_lags(z, x[:, :, 0], lags) for x, z in zip(Xs, Zs, strict=True)]
            batches = [(np.ascontiguousarray(x, dtype=self.params_.dtype), z)
                       for x, z in zip(Xs, Zs, strict=True)]  # fmt: skip
            preds = []
            for pred in _network.forward_many(self.params_, batches, self.spec_, pt):
                pred = pred.astype(np.float64)
                if self.quantiles_ is not None:
                    pred = pred.reshape(len(pred), -1, len(self.quantiles_))
                preds.append(pred)
            return preds if many else preds[0]

        return mode.outputs(MODE_STATES[self._mode].taken_from(self), X, covariates, network)

    def __setstate__(self, state):
        # estimators pickled before a fitted attribute existed: its declared default
        if "params_" in state:
            for kind in (TrainingState, MODE_STATES[state["_mode"]]):
                for name in kind.names():
                    if name not in state:  # (the parameters are in ``state`` too)
                        state[name] = kind.default(name, state)
        state.setdefault("linear_lags", None)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        # y is optional: without it, X is a series to forecast (series mode)
        tags.target_tags.required = False
        return tags


# --------------------------------------------------------------------------------------------
# helpers

#: The kinds of input, by the name a fitted estimator keeps in ``_mode``.
_MODES = {"series": SeriesMode, "windows": WindowsMode, "pretrained": PretrainedMode}


def _load_base(init):
    """The base model named by ``init`` (``"base"``: the one shipped, else a file)."""
    from ._pretrain import load_base

    return load_base(init)


def _with_lags(Z, target, lags):
    """Head features ``Z`` with the last ``lags`` values of each window appended.

    Parameters
    ----------
    Z : ndarray of shape (n_windows, k) or None
        Head features so far (None: none).
    target : ndarray of shape (n_windows, window)
        The scaled target of each window. A window shorter than ``lags`` (a base model
        reads shorter contexts too) is padded with zeros on the left, as a base model pads a
        short series.
    lags : int
        0 returns ``Z`` unchanged.

    Returns
    -------
    ndarray of shape (n_windows, k + lags), or ``Z``
    """
    if not lags:
        return Z
    recent = target[:, max(0, target.shape[1] - lags) :]
    if recent.shape[1] < lags:
        recent = np.pad(recent, ((0, 0), (lags - recent.shape[1], 0)))
    return recent if Z is None else np.hstack([Z, recent])


def _check_levels(quantiles, decimals=12):
    """Sorted unique quantile levels in (0, 1), as a list of float: rounded to ``decimals``
    (the levels a model is trained for), or as given with ``decimals=None`` (the levels a
    prediction is asked for, which name its columns)."""
    try:
        levels = np.asarray(quantiles, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"quantiles must be numbers in (0, 1), got {quantiles!r}.") from exc
    if levels.size == 0 or not ((levels > 0) & (levels < 1)).all():
        raise ValueError(f"quantiles must be numbers in (0, 1), got {quantiles!r}.")
    return [float(q) for q in np.unique(levels if decimals is None else levels.round(decimals))]
