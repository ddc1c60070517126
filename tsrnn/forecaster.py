"""RNNForecaster: a scikit-learn estimator around the Numba LSTM/GRU network.

Validation happens here, at the boundary; then ``fit`` and ``partial_fit`` both go through one
``_fit(..., incremental=...)`` path. The estimator never loops over time steps: windows,
scaling and pandas live in :mod:`tsrnn._data`, the arithmetic in :mod:`tsrnn._network`.
"""

import copy
import time
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _config, _data, _network, _persist, _trainer
from ._network import NetworkSpec
from ._optim import SGD, Adam


class TrainingDivergedWarning(RuntimeWarning):
    """The loss or its gradient became NaN or infinite; training stopped early."""


class RNNForecaster(RegressorMixin, BaseEstimator):
    """LSTM / GRU / Elman-RNN forecaster with a scikit-learn interface.

    Two ways in, one estimator:

    * **Series in, forecast out**: ``fit(series)`` with a pandas Series, a wide DataFrame (one
      column a series), a long DataFrame (``unique_id``, ``ds``, ``y``) or an ndarray, then
      ``predict()`` for the next ``horizon`` values after the training data (pandas in, pandas
      out, the index continuing the input's), or ``predict(history)`` after any history.
      One global model learns from every series; each input window is normalised by its own
      mean and standard deviation, so any level and scale works.
    * **Windows in, plain regressor**: ``fit(X, y)`` with ``X`` of shape
      ``(n_samples, window)`` or ``(n_samples, window, n_features)`` and ``y`` of shape
      ``(n_samples,)`` or ``(n_samples, horizon)``; ``predict(X)`` gives a row per window.
      Inputs and targets are standardised with statistics learnt by the first fit.

    ``partial_fit`` makes one pass over new data from the current weights and optimizer
    state (the first call initialises): fine-tuning, never a reset.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell, with PyTorch's equations and gate order.
    hidden_size : int, default=64
    num_layers : int, default=1
    window : int or "auto", default="auto"
        Input length in series mode. ``"auto"`` takes two seasonal cycles of the frequency
        (or twice the horizon, at least 8), capped so the shortest series still gives
        training windows. In windows mode it is read from ``X``.
    linear_lags : int, default=None
        The output layer also reads the last ``linear_lags`` values of each scaled window
        directly: a linear autoregressive shortcut beside the recurrent network (the
        "highway" of LSTNet, Lai et al., 2018). It can copy or mix values from anywhere in
        that span — the same hour one week back, say — which a recurrent state tends to
        forget over long windows. In windows mode it reads the first feature of ``X``. At
        most the window length; with ``window="auto"`` a larger value raises when ``fit``
        finds the window. None: no shortcut.
    horizon : int, default=None
        Steps to forecast. Required in series mode; in windows mode read from ``y``.
    loss : {"mse", "mae"}, default="mse"
        Training loss on the scaled data.
    baseline : {"auto", "seasonal", "last", "none"}, default="auto"
        Series mode: the network learns the difference from a simple forecast of each window
        — "seasonal" repeats the window's last seasonal cycle (the seasonal naive method),
        "last" repeats its last value, "none" learns the values themselves. "auto" is
        "seasonal" when the frequency has a seasonal period that fits in the window, else
        "last". An untrained network then forecasts like the baseline, and short trainings
        on small data stay sensible.
    target_transform : {None, "log"}, default=None
        Series mode: ``"log"`` models ``log(1 + y)`` of series that are never negative
        (counts, demand, traffic) and transforms the forecasts back, so seasonal swings
        scale with the level, errors count relative to it and forecasts are never negative.
        Negative values then raise a ``ValueError``. In windows mode, wrap the estimator in
        scikit-learn's ``TransformedTargetRegressor`` instead.
    quantiles : sequence of float in (0, 1), default=None
        Train quantile outputs (pinball loss) for these levels (0.5 is always added: it is
        the point forecast). None trains a point forecaster with the ``loss`` above; its
        :meth:`predict_quantiles` then come from its errors on held-out recent windows.
    calendar_features : bool, default=False
        Series mode: add sine/cosine calendar cycles of the time index (hour of day, day of
        week, day of year, week of year, month, quarter — those that fit the frequency) as
        known-future covariates. Needs a DatetimeIndex or PeriodIndex.
    seasonal_period : int, default=None
        Series mode: the main seasonal period in steps (24 for hourly data with a daily
        cycle, ...). None infers it from the frequency of the time index (1 for integer
        indexes). It sets the seasonal baseline and ``window="auto"``.
    learning_rate : float, default=1e-3
    batch_size : int, default=64
    max_epochs : int, default=100
        Passes over the training windows in ``fit`` (``partial_fit`` makes one).
    max_windows_per_epoch : int, default=None
        Train each epoch on a random sample of at most this many training windows (a new
        sample every epoch) instead of all of them. Neighbouring windows of a long series
        overlap almost entirely, so a sample learns nearly as much per epoch, much faster;
        the validation windows are always all used. None uses every window.
    early_stopping : bool, default=True
        Hold out the most recent windows (time-ordered, never random) and stop when their
        loss has not improved for ``n_iter_no_change`` epochs; the best weights are restored.
    validation_fraction : float, default=0.1
        Share of each series' most recent windows held out for early stopping.
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
        Minimum relative improvement of the validation loss that counts.
    clip_norm : float or None, default=1.0
        Gradients are scaled to this global norm at most; None disables clipping.
    optimizer : {"adam", "sgd"}, default="adam"
    ema_momentum : float in [0, 1), default=None
        Keep an exponential moving average of the weights, updated after every optimizer
        step (``average = m * average + (1 - m) * weights``), and use it for the validation
        scores and as the fitted model. The average smooths out the noise of the last steps,
        like an ensemble of nearby weights at no cost when predicting. It spans about
        ``1 / (1 - m)`` steps (0.99: the last hundred or so), so it suits trainings with many
        steps per epoch. Each ``fit`` and ``partial_fit`` call starts the average from the
        weights it starts from. None trains without it.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the network.
    allow_missing : bool, default=False
        Fill interior NaN of the target by linear interpolation instead of raising.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where training runs: the parallel CPU kernels, or the numba.cuda kernels on an NVIDIA
        GPU. "auto" takes the GPU when one is usable, else the CPU. "cuda" without a GPU
        raises a ``RuntimeError``. The fitted weights always come back to the host: a model
        trained on a GPU predicts, saves and loads on a CPU-only machine.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling. The same value with the same data gives
        bit-identical weights and forecasts, whatever the number of threads.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar with the loss (tqdm if installed).

    Attributes
    ----------
    window_ : int
        Input length of the network.
    horizon_ : int
        Outputs per window.
    baseline_period_ : int
        Series mode: period of the naive baseline the network corrects (0: none).
    linear_lags_ : int
        Window values the output layer reads directly (0: none).
    target_transform_ : {None, "log"}
        Series mode: the transform of the target the model was fitted with (``fit`` fixes
        it; a later ``set_params`` takes effect at the next ``fit``). Windows mode: None.
    calendar_features_ : bool
        Series mode: whether the network reads calendar features (fixed by ``fit``, as
        above). Windows mode: False.
    quantiles_ : list of float or None
        Quantile levels of the outputs (with 0.5), or None for a point forecaster.
    covariates_ : list or None
        Series mode: names of the covariate columns the model was fitted with.
    n_features_in_ : int
        Windows mode: ``X.shape[1]``, as scikit-learn counts features (the window length).
        Series mode: 1.
    params_ : ndarray of shape (n_params,)
        Every weight of the network in one vector (layout in :mod:`tsrnn._network`).
    loss_curve_ : list of float
        Mean training loss of each epoch, on the scaled data.
    validation_scores_ : list of float
        Validation loss after each epoch (lower is better); empty without early stopping.
    best_epoch_ : int
        Epoch (1-based) whose weights were kept.
    n_iter_ : int
        Epochs run, over all ``fit`` and ``partial_fit`` calls since the last ``fit``.
    t_ : int
        Optimizer steps taken since the last ``fit``.

    Examples
    --------
    >>> from tsrnn import RNNForecaster
    >>> from tsrnn.datasets import load_airline
    >>> y = load_airline()
    >>> f = RNNForecaster(horizon=12, max_epochs=5, random_state=0).fit(y)
    >>> f.predict().index[0]
    Timestamp('1961-01-01 00:00:00')
    """

    _parameter_constraints = {
        "cell": [StrOptions({"lstm", "gru", "rnn"})],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "window": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "linear_lags": [Interval(Integral, 1, None, closed="left"), None],
        "horizon": [Interval(Integral, 1, None, closed="left"), None],
        "loss": [StrOptions({"mse", "mae"})],
        "baseline": [StrOptions({"auto", "seasonal", "last", "none"})],
        "target_transform": [StrOptions({"log"}), None],
        "quantiles": ["array-like", None],
        "calendar_features": ["boolean"],
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "max_windows_per_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "optimizer": [StrOptions({"adam", "sgd"})],
        "ema_momentum": [Interval(Real, 0, 1, closed="left"), None],
        "dtype": [StrOptions({"float32", "float64"})],
        "allow_missing": ["boolean"],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        window="auto",
        linear_lags=None,
        horizon=None,
        loss="mse",
        baseline="auto",
        target_transform=None,
        quantiles=None,
        calendar_features=False,
        seasonal_period=None,
        learning_rate=1e-3,
        batch_size=64,
        max_epochs=100,
        max_windows_per_epoch=None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        clip_norm=1.0,
        optimizer="adam",
        ema_momentum=None,
        dtype="float32",
        allow_missing=False,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.window = window
        self.linear_lags = linear_lags
        self.horizon = horizon
        self.loss = loss
        self.baseline = baseline
        self.target_transform = target_transform
        self.quantiles = quantiles
        self.calendar_features = calendar_features
        self.seasonal_period = seasonal_period
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.max_windows_per_epoch = max_windows_per_epoch
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.clip_norm = clip_norm
        self.optimizer = optimizer
        self.ema_momentum = ema_momentum
        self.dtype = dtype
        self.allow_missing = allow_missing
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ----------------------------------------------------------------------------------------
    # public API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, covariates=None):
        """Train from scratch: on a series (``y`` None) or on windows ``X`` and targets ``y``.

        Parameters
        ----------
        X : pandas.Series, pandas.DataFrame or array-like
            Series mode (``y`` is None): the series to learn from — a Series, a wide DataFrame
            (one column a series), a long DataFrame (``unique_id``, ``ds``, ``y``), a 1-D
            array or a 2-D array of shape ``(n_time, n_series)``.
            Windows mode: input windows of shape ``(n_samples, window)`` or
            ``(n_samples, window, n_features)``.
        y : array-like of shape (n_samples,) or (n_samples, horizon), default=None
            Windows mode: the targets of the windows.
        covariates : pandas.DataFrame or pandas.Series, default=None
            Series mode: known-future covariates (temperature forecasts, holidays, prices,
            ...) at every time stamp of the series — indexed by time and shared by all
            series, or long (``unique_id``, ``ds`` and one column per covariate). Forecasts
            then need their values for the forecast horizon too (see :meth:`predict`).

        Returns
        -------
        self : RNNForecaster
        """
        return self._fit(X, y, covariates, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, *, covariates=None):
        """One pass over new data from the current weights and optimizer state.

        The first call (when the model is not fitted) initialises the model; later calls
        never reset it. In series mode the forecast origin moves to the end of the new data,
        so ``predict()`` forecasts after it, and the prediction intervals are recalibrated on
        the new windows (predicted before the model learns from them).

        Parameters
        ----------
        X, y, covariates : as in :meth:`fit`
            The same mode (series or windows), layout and number of features as before.

        Returns
        -------
        self : RNNForecaster
        """
        return self._fit(X, y, covariates, incremental=True)

    def predict(self, X=None, *, covariates=None):
        """Forecast.

        Parameters
        ----------
        X : default=None
            Series mode: None to forecast after the end of the training data, or a history
            (same layout as the training data) to forecast after its end, without retraining;
            each series must hold at least ``window_`` values.
            Windows mode: input windows of shape ``(n_samples, window_)`` or
            ``(n_samples, window_, n_features)``.
        covariates : pandas.DataFrame or pandas.Series, default=None
            Required when the model was fitted with covariates: their values for the
            ``horizon_`` steps after the end of each series, and — when a history is given —
            for its last ``window_`` time stamps too.

        Returns
        -------
        pandas.Series, pandas.DataFrame or ndarray
            Series mode: the next ``horizon_`` values of each series, in the layout of the
            input and on the future index. Windows mode: ndarray of shape ``(n_samples,)``
            when fitted on a 1-D ``y``, else ``(n_samples, horizon_)``.
        """
        check_is_fitted(self, "params_")
        data, scaled, unscale = self._inputs(X, covariates)
        pred = scaled(self._forward(data))
        if self.quantiles_ is not None:  # the median, of the sorted (non-crossing) outputs
            pred = np.sort(pred, axis=2)[:, :, self.quantiles_.index(0.5)]
        return data.output(unscale(pred))

    def predict_quantiles(self, X=None, quantiles=(0.1, 0.5, 0.9), *, covariates=None):
        """Quantile forecasts, never crossing.

        A model fitted with ``quantiles`` gives its own quantile outputs (trained with the
        pinball loss); the levels asked for must be among those. Otherwise the quantiles come
        from the forecast errors on the most recent windows held out in ``fit`` (refreshed by
        each ``partial_fit`` on its new windows, before it learns from them): split conformal
        prediction, per horizon step, in the scaled space of the windows. A ``fit`` that held
        no windows out (``early_stopping=False``, or too few windows) can only take the
        errors on its most recent training windows; the quantiles then warn that they are
        in-sample (likely too narrow) until ``partial_fit`` has replaced those errors.

        Parameters
        ----------
        X, covariates : as in :meth:`predict`
        quantiles : sequence of float in (0, 1)

        Returns
        -------
        pandas.DataFrame or ndarray
            Series mode: the layout of :meth:`predict` with one column per level (a Series
            gives a DataFrame with the levels as columns; a long DataFrame gets one column
            per level; a wide DataFrame gets columns ``(series, level)``). Windows mode:
            ndarray of shape ``(n_samples, n_levels)`` for a 1-D ``y``, else
            ``(n_samples, horizon_, n_levels)``.
        """
        return self._quantiles(X, quantiles, covariates, stacklevel=3)

    def _quantiles(self, X, quantiles, covariates, stacklevel):
        """:meth:`predict_quantiles`; ``stacklevel`` points its warning at the user's call."""
        check_is_fitted(self, "params_")
        levels = _check_levels(quantiles)
        data, scaled, unscale = self._inputs(X, covariates)
        pred = scaled(self._forward(data))
        if self.quantiles_ is not None:
            missing = [q for q in levels if not np.isclose(self.quantiles_, q).any()]
            if missing:
                raise ValueError(
                    f"this model was trained for the quantiles {self.quantiles_}; {missing} "
                    "are not among them. Fit with quantiles=... including them."
                )
            cols = [int(np.argmin(np.abs(np.asarray(self.quantiles_) - q))) for q in levels]
            pred = pred[:, :, cols]
        else:
            if self._in_sample_errors:
                warnings.warn(
                    "the forecast errors behind these quantiles come from windows the model "
                    "trained on (its fit held none out: early_stopping=False, or too few "
                    "windows), so the intervals are likely too narrow. Fit with "
                    "early_stopping=True on more windows, or partial_fit on fresh data, to "
                    "calibrate them on windows the model has not seen.",
                    UserWarning,
                    stacklevel=stacklevel,
                )
            offsets = np.quantile(self._residuals, levels, axis=0)  # (n_levels, horizon)
            pred = pred[:, :, None] + offsets.T[None]
        pred = np.sort(pred, axis=2)  # never crossing
        return data.output(unscale(pred), labels=list(levels))

    def predict_interval(self, X=None, coverage=0.9, *, covariates=None):
        """Central prediction intervals: the ``(1 - coverage) / 2`` and ``(1 + coverage) / 2``
        quantiles (see :meth:`predict_quantiles`).

        Parameters
        ----------
        X, covariates : as in :meth:`predict`
        coverage : float in (0, 1)

        Returns
        -------
        pandas.DataFrame or ndarray
            As :meth:`predict_quantiles`, with the two columns named ``"lower"`` and
            ``"upper"`` (last axis of length 2 for arrays).
        """
        if not (isinstance(coverage, Real) and 0 < coverage < 1):
            raise ValueError(f"coverage must be a number in (0, 1), got {coverage!r}.")
        levels = ((1 - coverage) / 2, (1 + coverage) / 2)
        out = self._quantiles(X, levels, covariates, stacklevel=3)
        if isinstance(out, np.ndarray):
            return out
        return _relabel(out, ["lower", "upper"])

    # ----------------------------------------------------------------------------------------
    # persistence

    def save(self, path):
        """Save the fitted model to ``path``: numeric arrays and JSON, never pickle.

        The file is written atomically (a temporary file, then a rename). A model saved after
        training on any device loads on a CPU-only machine.

        Parameters
        ----------
        path : str or os.PathLike
        """
        check_is_fitted(self, "params_")
        params = self.get_params()
        if not isinstance(params["random_state"], int | type(None)):
            params["random_state"] = None
        meta = {
            "params": params,
            "mode": self._mode,
            "spec": [self.spec_.cell, self.spec_.n_features, self.spec_.hidden_size,
                     self.spec_.num_layers, self.spec_.n_outputs,
                     self.spec_.n_head_features],  # fmt: skip
            "scalars": {k: getattr(self, k) for k in _HISTORY + _SCALARS[self._mode]},
            "optimizer": type(self.optimizer_).__name__,
            "optimizer_scalars": {k: v for k, v in self.optimizer_.get_state().items()
                                  if not isinstance(v, np.ndarray | type(None))},
            "rng": self._rng.bit_generator.state,
        }  # fmt: skip
        if params["quantiles"] is not None:
            params["quantiles"] = [float(q) for q in params["quantiles"]]
        meta["quantiles_"] = self.quantiles_
        arrays = {"params": self.params_, "residuals": self._residuals}
        for k, v in self.optimizer_.get_state().items():
            if isinstance(v, np.ndarray):
                arrays["optimizer." + k] = v
        if hasattr(self, "feature_names_in_"):
            meta["feature_names_in"] = [str(c) for c in self.feature_names_in_]
        if self._mode == "series":
            meta["series"] = {
                "ids": _persist.ids_to_json(self.series_ids_),
                "layout": self._layout,
                "freq": _persist.freq_to_json(self._freq, self._tail_indexes[0]),
                "name": _persist.ids_to_json([self._name])[0],
                "ndim": self._ndim,
                "indexes": [_persist.index_to_json(ix) for ix in self._tail_indexes],
                "covariates": None if self.covariates_ is None else [
                    str(c) for c in self.covariates_],
            }  # fmt: skip
            if self._cov_tails is not None:
                arrays["cov_tails"] = np.concatenate(self._cov_tails)
            if self.covariates_ is not None:
                arrays["cov_mean"], arrays["cov_scale"] = self._cov_mean, self._cov_scale
            arrays["tails"] = np.concatenate(self._tails)
            arrays["tail_lengths"] = np.array([len(t) for t in self._tails], dtype=np.int64)
        else:
            meta["windows"] = {"y_1d": bool(self._y_1d), "out_dtype": np.dtype(
                self._out_dtype).str, "x_ndim": int(self._x_ndim)}  # fmt: skip
            for k in ("_x_mean", "_x_scale", "_y_mean", "_y_scale"):
                arrays[k] = np.asarray(getattr(self, k), dtype=np.float64)
        _persist.write_model(path, meta, arrays)

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        RNNForecaster

        Raises
        ------
        ValueError
            If the file is not a tsrnn model of a readable version, or is truncated or
            altered.
        """
        meta, arrays = _persist.read_model(path)
        try:
            est = cls(**meta["params"])
            est._mode = meta["mode"]
            est.spec_ = NetworkSpec(*meta["spec"])
            params = arrays["params"]
            if params.shape != (est.spec_.n_params,) or params.dtype.kind != "f":
                raise ValueError("its parameter vector does not fit the network it describes")
            est.params_ = params.copy()
            est.quantiles_ = meta["quantiles_"]
            est._residuals = arrays["residuals"].copy()
            # files written before these were fitted attributes: what the parameters said
            est.linear_lags_ = 0  # (before the option existed: no shortcut)
            est.target_transform_ = est.target_transform if est._mode == "series" else None
            est.calendar_features_ = bool(est.calendar_features) and est._mode == "series"
            est._in_sample_errors = False
            for k, v in meta["scalars"].items():
                setattr(est, k, v)
            opt = {"Adam": Adam, "SGD": SGD}[meta["optimizer"]](est.learning_rate)
            state = dict(meta["optimizer_scalars"])
            for name, a in arrays.items():
                if name.startswith("optimizer."):
                    state[name.split(".", 1)[1]] = a
            for k in ("m", "v", "velocity"):
                state.setdefault(k, None)
            opt.set_state(state)
            est.optimizer_ = opt
            rng = np.random.default_rng()
            rng.bit_generator.state = meta["rng"]
            est._rng = rng
            if "feature_names_in" in meta:
                est.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
            if est._mode == "series":
                info = meta["series"]
                lengths = arrays["tail_lengths"]
                est._tails = np.split(arrays["tails"].astype(np.float64), np.cumsum(lengths)[:-1])
                est._tail_indexes = [_persist.index_from_json(d) for d in info["indexes"]]
                est.series_ids_ = list(info["ids"])
                est._layout, est._name, est._ndim = info["layout"], info["name"], info["ndim"]
                est._freq = _persist.freq_from_json(info["freq"])
                est.covariates_ = info["covariates"]
                est._cov_tails = None
                if "cov_tails" in arrays:
                    est._cov_tails = np.split(arrays["cov_tails"], np.cumsum(lengths)[:-1])
                if est.covariates_ is not None:
                    est._cov_mean = arrays["cov_mean"].copy()
                    est._cov_scale = arrays["cov_scale"].copy()
            else:
                info = meta["windows"]
                est._y_1d, est._x_ndim = info["y_1d"], info["x_ndim"]
                est._out_dtype = np.dtype(info["out_dtype"])
                for k in ("_x_mean", "_x_scale", "_y_mean", "_y_scale"):
                    setattr(est, k, arrays[k].copy())
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"{path!r} is not a valid tsrnn model file: {exc!r}") from exc
        except ValueError as exc:
            raise ValueError(f"{path!r} is not a valid tsrnn model file: {exc}") from exc
        return est

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
        device = _trainer.resolve_device(self.device)
        mode = "series" if y is None else "windows"
        if not first and mode != self._mode:
            raise ValueError(
                f"this model was fitted in {self._mode} mode; partial_fit got data for {mode} "
                "mode. Pass data of the same kind (a series, or windows X with targets y)."
            )
        # every new piece of state goes into `new`; the estimator changes only at the end,
        # so a call that raises leaves a fitted model exactly as it was
        new = {}
        if first:
            new["quantiles_"] = None if self.quantiles is None else _check_levels(
                tuple(self.quantiles) + (0.5,))  # fmt: skip
        levels = new["quantiles_"] if first else self.quantiles_
        if mode == "windows":
            if covariates is not None:
                raise ValueError(
                    "covariates are for series mode; in windows mode put them in X as "
                    "features, X of shape (n_samples, window, n_features)."
                )
            if first and self.target_transform is not None:
                raise ValueError(
                    "target_transform is for series mode; in windows mode wrap the estimator "
                    "in sklearn.compose.TransformedTargetRegressor."
                )
            if first and self.calendar_features:
                raise ValueError(
                    "calendar_features is for series mode (it reads the time index); in "
                    "windows mode put calendar features in X, of shape (n_samples, window, "
                    "n_features)."
                )
            if first:
                new.update(target_transform_=None, calendar_features_=False)
            Xn, Yn = self._prepare_windows(X, y, reset=first, state=new)
            Zn = None
            end = np.arange(Xn.shape[0])  # rows are taken to be in time order
            sidx = np.zeros(len(end), np.int64)
        else:
            data = self._check_series(X, reset=first, state=new)
            horizon = new.get("horizon_", getattr(self, "horizon_", None))
            window = new.get("window_", getattr(self, "window_", None))
            covs = self._covariate_rows(data.ids, data.indexes, covariates, first, new)
            values = data.values if covs is None else [
                _stack_features(v, c, horizon) for v, c in zip(data.values, covs, strict=True)
            ]  # fmt: skip
            Xw, Yw, sidx, end = _data.make_windows(values, window, horizon)
            period = new.get("baseline_period_", getattr(self, "baseline_period_", 0))
            Zn = None if covs is None else _head_features(covs, sidx, end, horizon, period)
            Xs, Ys, _, _ = _data.scale_windows(Xw, Yw)
            if period:
                Ys = Ys - _data.naive_baseline(_target(Xs), horizon, period)
            Xn, Yn = (Xs[:, :, None] if Xs.ndim == 2 else Xs), Ys
            new["_tails"] = [v[-window:].copy() for v in data.values]
            new["_tail_indexes"] = [ix[-window:] for ix in data.indexes]
            new["_cov_tails"] = None if covs is None else [c[-window:] for c in covs]
            new["series_ids_"] = list(data.ids)
        if first:
            new["linear_lags_"] = self._check_linear_lags(new["window_"])
        lags = new["linear_lags_"] if first else self.linear_lags_
        Zn = _with_lags(Zn, Xn[:, :, 0], lags)
        train_idx, val_idx = np.arange(len(end)), None
        if self._use_validation(incremental, len(end)):
            train_idx, val_idx = _tail_split(end, sidx, Yn.shape[1], self.validation_fraction)
        if bool(self.early_stopping) and not incremental and val_idx is None:
            warnings.warn(
                "early_stopping is on, but no windows could be held out for validation: that "
                f"needs 20 windows or more (there are {len(end)}) and, in each series, room "
                f"for validation_fraction={self.validation_fraction} of its windows plus a gap "
                f"of horizon - 1 = {Yn.shape[1] - 1} before them. Trained all "
                f"max_epochs={self.max_epochs} epochs on every window; a point model's "
                "intervals then come from training windows. Use more data, a shorter window "
                "or horizon, or early_stopping=False.",
                UserWarning,
                stacklevel=5,  # the caller of fit (through scikit-learn's fit context)
            )
        dtype = np.dtype(self.dtype)
        Xn = np.ascontiguousarray(Xn, dtype=dtype)
        if levels is not None:  # one output per step and quantile level, step-major
            Yn = np.repeat(Yn, len(levels), axis=1)
        Yn = np.ascontiguousarray(Yn, dtype=dtype)
        if not first and self.spec_.n_head_features == 0:
            Zn = None  # a model saved before the head read the covariates
        if Zn is not None:
            Zn = np.ascontiguousarray(Zn, dtype=dtype)

        if first:
            window = Xn.shape[1]
            spec = NetworkSpec(self.cell, Xn.shape[2], self.hidden_size, self.num_layers,
                               Yn.shape[1], 0 if Zn is None else Zn.shape[1])  # fmt: skip
            self._check_memory(spec, window)
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            rng = np.random.default_rng(seed)
            params = spec.init_params(rng, dtype)
            # a zero head: the untrained network forecasts the baseline (the window's mean in
            # windows mode) exactly, and a constant series is forecast as that constant
            blocks = spec.unpack(params)
            blocks["W_out"][:] = 0
            blocks["b_out"][:] = 0
            opt = self._make_optimizer()
            history = {"loss_curve_": [], "validation_scores_": [], "n_iter_": 0, "t_": 0,
                       "best_epoch_": 0}  # fmt: skip
            residuals = np.zeros((0, Yn.shape[1]))
        else:
            if Xn.shape[2] != self.spec_.n_features:
                raise ValueError(
                    f"the new data gives {Xn.shape[2]} features per step, the model takes "
                    f"{self.spec_.n_features}."
                )
            spec = self.spec_
            rng = copy.deepcopy(self._rng)
            params = self.params_.astype(dtype, copy=True)
            opt = copy.deepcopy(self.optimizer_)
            opt.learning_rate = self.learning_rate
            history = {k: copy.copy(getattr(self, k)) for k in _HISTORY}
            residuals = self._residuals
        loss = "pinball" if levels is not None else self.loss
        quantile_levels = None if levels is None else np.tile(levels, Yn.shape[1] // len(levels))
        trainer = _trainer.make_trainer(device, spec, params, opt, Xn, Yn, loss, self.clip_norm,
                                        quantile_levels, Zn, self.ema_momentum)  # fmt: skip
        if not first and levels is None:
            # out-of-sample errors: the fresh windows, before the model learns from them (only
            # the most recent are kept, so only those are predicted)
            recent = np.arange(max(0, len(Yn) - _MAX_RESIDUALS), len(Yn))
            if self._in_sample_errors:  # held-out errors at last: they replace in-sample ones
                residuals = residuals[:0]
            residuals = _keep_recent(residuals, Yn[recent] - trainer.predict(recent))
        epochs = 1 if incremental else self.max_epochs
        params = self._train(trainer, rng, train_idx, val_idx, epochs, history,
                             quantile_levels, early_stopping=not incremental)  # fmt: skip
        if first and levels is None:
            # errors on the held-out windows; without any, on the most recent training ones
            rows = (train_idx if val_idx is None else val_idx)[-_MAX_RESIDUALS:]
            Zr = None if Zn is None else Zn[rows]
            residuals = _keep_recent(
                residuals, Yn[rows] - _network.forward(params, Xn[rows], spec, Zr)
            )

        # commit
        if first and mode == "series":
            self.__dict__.pop("feature_names_in_", None)  # left by an earlier fit(X, y)
        self.__dict__.update(new)
        self._mode = mode
        self.spec_ = spec
        self.params_ = params
        self.optimizer_ = opt
        self._rng = rng
        self._residuals = residuals.astype(np.float64)
        # a first fit without held-out windows could only take training windows' errors
        self._in_sample_errors = first and levels is None and val_idx is None
        for key, value in history.items():
            setattr(self, key, value)
        return self

    def _baseline_period(self, window, freq):
        """Period of the naive baseline (0: none), from ``baseline``, window and frequency."""
        if self.baseline == "none":
            return 0
        season = self._season(freq)
        seasonal = 1 < season <= window
        if self.baseline == "seasonal" and not seasonal:
            raise ValueError(
                f"baseline='seasonal' needs a seasonal period that fits in the window, but the "
                f"period is {season} and the window {window}; use baseline='auto' or a longer "
                "window."
            )
        if self.baseline == "last":
            return 1
        return season if seasonal else 1

    def _season(self, freq):
        """The seasonal period: ``seasonal_period``, else inferred from the frequency."""
        if self.seasonal_period is not None:
            return int(self.seasonal_period)
        return _data.season_length(freq)

    def _use_validation(self, incremental, n_windows):
        """Hold out recent windows for early stopping? Never in partial_fit: fine-tuning
        learns from all the fresh data."""
        return bool(self.early_stopping) and not incremental and n_windows >= 20

    def _train(self, trainer, rng, train_idx, val_idx, epochs, history, levels, early_stopping):
        """Mini-batch training loop over a trainer (:mod:`tsrnn._trainer`).

        Trains on the rows ``train_idx`` and scores the rows ``val_idx`` (None: none) after
        every epoch. Returns the parameters to keep (the best epoch's with early stopping)
        and updates ``history`` in place.
        """
        Yv = None if val_idx is None else trainer.Y[val_idx]
        batch = min(self.batch_size, len(train_idx))
        best_params, best_score, bad_epochs = None, np.inf, 0
        use_val = early_stopping and val_idx is not None
        progress = _progress(epochs, self.verbose)
        diverged = False
        for _ in range(epochs):
            order = train_idx[rng.permutation(len(train_idx))][: self.max_windows_per_epoch]
            total, count = 0.0, 0
            for start in range(0, len(order), batch):
                idx = np.sort(order[start : start + batch])
                loss = trainer.step(idx)
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
                score = _loss_value(trainer.predict(val_idx), Yv, levels, self.loss)
                history["validation_scores_"].append(score)
                post["val"] = f"{score:.4g}"
            if progress is not None:
                progress.update(1)
                progress.set_postfix(post)
            if use_val:
                # like scikit-learn: the best weights are kept whatever ``tol``; only a gain
                # of more than ``tol`` (relative) resets the patience
                improved = best_params is None or score < best_score * (1 - self.tol)
                if best_params is None or score < best_score:
                    best_params, best_score = trainer.params(), score
                    history["best_epoch_"] = history["n_iter_"]
                bad_epochs = 0 if improved else bad_epochs + 1
                if bad_epochs >= self.n_iter_no_change:
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
                stacklevel=4,
            )
        params, _ = trainer.finish()
        return best_params if use_val and best_params is not None else params

    def _make_optimizer(self):
        if self.optimizer == "adam":
            return Adam(learning_rate=self.learning_rate)
        return SGD(learning_rate=self.learning_rate)

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

    def _check_memory(self, spec, window):
        need = spec.training_bytes(self.batch_size, window, np.dtype(self.dtype).itemsize)
        if need > _config.MAX_TRAINING_BYTES:
            raise ValueError(
                f"a training batch would need about {need / 2**30:.1f} GiB of memory "
                f"(hidden_size={self.hidden_size}, num_layers={self.num_layers}, "
                f"window={window}, batch_size={self.batch_size}), more than the "
                f"{_config.MAX_TRAINING_BYTES / 2**30:.0f} GiB allowed; lower hidden_size, "
                "window or batch_size."
            )

    def _forward(self, batch):
        """Network outputs (float64) for a :class:`_Batch`."""
        dtype = self.params_.dtype
        Xn = np.ascontiguousarray(batch.network_input, dtype=dtype)
        Z = batch.head_input if self.spec_.n_head_features else None
        return _network.forward(self.params_, Xn, self.spec_, Z).astype(np.float64)

    # ----------------------------------------------------------------------------------------
    # prediction inputs, both modes

    def _inputs(self, X, covariates):
        """Network input for a prediction and the way back to the user's units and layout.

        Returns
        -------
        batch : _Batch
            ``network_input`` of shape (n, window, n_features) and ``output(pred, labels)``
            that puts predictions into the layout of the input.
        scaled : callable
            Raw network output (n, n_outputs) -> forecasts in the scaled space, of shape
            (n, horizon) or (n, horizon, n_levels), baseline added.
        unscale : callable
            Scaled forecasts -> the data's units.
        """
        h, levels = self.horizon_, self.quantiles_

        def shape(out):
            return out.reshape(len(out), h, -1) if levels is not None else out

        if self._mode == "windows":
            if X is None:
                raise ValueError(
                    "this model was fitted on windows (fit(X, y)): pass the windows, "
                    f"predict(X) with X of shape (n_samples, {self.window_})."
                )
            if covariates is not None:
                raise ValueError("covariates are for series mode; put them in X in windows mode.")
            Xn, _ = self._prepare_windows(X, None, reset=False)

            def unscale(pred):
                extra = (slice(None),) + (None,) * (pred.ndim - 2)
                return pred * self._y_scale[extra] + self._y_mean[extra]

            def output(pred, labels=None):
                pred = pred.astype(self._out_dtype, copy=False)
                return pred[:, 0] if self._y_1d else pred

            head_in = _with_lags(None, Xn[:, :, 0], self.linear_lags_)
            return _Batch(Xn, output, head_in), shape, unscale

        if X is None:
            data = _data.SeriesData(
                values=[t.copy() for t in self._tails], indexes=list(self._tail_indexes),
                ids=list(self.series_ids_), layout=self._layout, freq=self._freq,
                name=self._name, ndim=self._ndim,
            )  # fmt: skip
        else:
            data = self._check_series(X, reset=False)
        w = self.window_
        for sid, v in zip(data.ids, data.values, strict=True):
            if len(v) < w:
                raise ValueError(
                    f"series {sid!r} has {len(v)} values, but the model reads windows of "
                    f"window_ = {w}: pass a longer history."
                )
        target = np.stack([v[-w:] for v in data.values])
        Xs, _, loc, scale = _data.scale_windows(target)
        net_in, head_in = Xs[:, :, None], None
        if self.covariates_ is not None or self.calendar_features_ or covariates is not None:
            futures = [_data.future_index(ix, h, data.freq) for ix in data.indexes]
            if X is None:  # the stored rows for the window, the given ones for the horizon
                ahead = self._covariate_rows(data.ids, futures, covariates)
                rows = [np.concatenate([t, a]) for t, a in zip(self._cov_tails, ahead,
                                                                 strict=True)]  # fmt: skip
            else:
                needed = [ix[-w:].append(f) for ix, f in zip(data.indexes, futures, strict=True)]
                rows = self._covariate_rows(data.ids, needed, covariates)
            net_in = np.stack([_stack_features(t, c, h) for t, c in zip(Xs, rows, strict=True)])
            n = len(rows)
            head_in = _head_features(rows, np.arange(n), np.full(n, w), h,
                                     self.baseline_period_)  # fmt: skip
        head_in = _with_lags(head_in, Xs, self.linear_lags_)
        base = 0.0
        if self.baseline_period_:
            base = _data.naive_baseline(Xs, h, self.baseline_period_)

        def scaled(out):
            out = shape(out)
            return out + (base[:, :, None] if out.ndim == 3 and np.ndim(base) else base)

        def output(pred, labels=None):
            if labels is None:
                return _data.to_output(pred, data)
            return _data.to_output_quantiles(pred, data, labels)

        def unscale(pred):
            pred = _data.unscale(pred, loc, scale)
            return np.maximum(np.expm1(pred), 0.0) if self.target_transform_ == "log" else pred

        return _Batch(net_in, output, head_in), scaled, unscale

    def _covariate_rows(self, ids, indexes, covariates, reset=False, state=None):
        """Covariate features of each series at ``indexes``: the user's covariates
        (standardised with the statistics of the first fit) and calendar features.

        Returns None for a model without covariates, else a list of arrays of shape
        (len(indexes[i]), n_covariate_features).
        """
        if reset:
            columns = None if covariates is None else _data.covariate_columns(covariates)
            state["covariates_"] = columns
        else:
            columns = self.covariates_
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
            if reset:
                rows = np.concatenate(raw)
                sd = rows.std(axis=0)
                state["_cov_mean"], state["_cov_scale"] = rows.mean(axis=0), np.where(
                    sd > 0, sd, 1.0)  # fmt: skip
            mean = state["_cov_mean"] if reset else self._cov_mean
            sd = state["_cov_scale"] if reset else self._cov_scale
            for part, r in zip(parts, raw, strict=True):
                part.append((r - mean) / sd)
        calendar = state["calendar_features_"] if reset else self.calendar_features_
        if calendar:
            for part, ix in zip(parts, indexes, strict=True):
                part.append(_data.calendar_features(ix))
        if columns is None and not calendar:
            return None
        return [np.concatenate(p, axis=1) for p in parts]

    # ----------------------------------------------------------------------------------------
    # boundary: series mode

    def _check_series(self, X, reset, state=None):
        if isinstance(X, np.ndarray | list) and np.asarray(X, dtype=object).ndim == 3:
            raise ValueError(
                "a 3-D array was given without targets y: windows mode needs fit(X, y); "
                "series mode takes a Series, a DataFrame or a 1-D / 2-D array."
            )
        data = _data.check_series(X, allow_missing=self.allow_missing)
        if reset:  # the transform and calendar of the first fit hold from then on
            state.update(target_transform_=self.target_transform,
                         calendar_features_=bool(self.calendar_features))  # fmt: skip
        if (self.target_transform if reset else self.target_transform_) == "log":
            for sid, values, index in zip(data.ids, data.values, data.indexes, strict=True):
                negative = np.flatnonzero(values < 0)
                if len(negative):
                    raise ValueError(
                        f"target_transform='log' needs values >= 0, but series {sid!r} has "
                        f"{values[negative[0]]:g} at {index[negative[0]]}; use "
                        "target_transform=None for data that can be negative."
                    )
            data.values = [np.log1p(v) for v in data.values]
        if reset:
            if self.horizon is None:
                raise ValueError(
                    "horizon is not set: to forecast a series, give the number of steps, "
                    "e.g. RNNForecaster(horizon=12)."
                )
            horizon = int(self.horizon)
            if self.window == "auto":
                window = _data.auto_window(data.lengths, horizon, data.freq,
                                           self._season(data.freq))  # fmt: skip
            else:
                window = int(self.window)
            longest = int(data.lengths.max())
            if longest < window + horizon:
                raise ValueError(
                    f"the longest series has {longest} values, shorter than window + horizon "
                    f"= {window} + {horizon} = {window + horizon}; use a smaller window (or "
                    "window='auto') or a shorter horizon."
                )
            state.update(
                window_=window, horizon_=horizon, n_features_in_=1, _layout=data.layout,
                baseline_period_=self._baseline_period(window, data.freq),
                _freq=data.freq, _name=data.name, _ndim=data.ndim,
            )  # fmt: skip
        else:
            if data.layout != self._layout:
                raise ValueError(
                    f"the model was fitted on data of layout {self._layout!r} and got "
                    f"{data.layout!r}; pass data in the same layout (a Series, a wide or a "
                    "long DataFrame, or an array) as in fit."
                )
            if data.layout == "array" and data.ndim != self._ndim:
                raise ValueError(
                    f"the model was fitted on a {self._ndim}-D array and got a "
                    f"{data.ndim}-D array; pass the same shape of data as in fit."
                )
            if not _same_freq(data.freq, self._freq):
                raise ValueError(
                    f"the model was fitted on data of frequency {_freq_name(self._freq)} and "
                    f"got {_freq_name(data.freq)}; pass data of the same frequency."
                )
            if state is not None:
                state.update(_name=data.name)
        return data

    # ----------------------------------------------------------------------------------------
    # boundary: windows mode

    def _prepare_windows(self, X, y, reset, state=None):
        """Validate windows (and targets) and standardise them; see the class docstring."""
        if y is None and reset:
            raise ValueError("windows mode needs targets: fit(X, y).")
        dtype = [np.float64, np.float32]
        if y is not None:
            X, y = validate_data(self, X, y, reset=reset, allow_nd=True, multi_output=True,
                                 y_numeric=True, dtype=dtype)  # fmt: skip
        elif _plain_float_array(X) and not hasattr(self, "feature_names_in_"):
            # fast path for prediction from an ndarray (what validate_data would accept as
            # is): the same checks, without scikit-learn's generic machinery (~100 us)
            if X.ndim >= 2 and X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {X.shape[1]} features, but RNNForecaster is expecting "
                    f"{self.n_features_in_} features as input."
                )
            if X.size and not np.isfinite(X).all():
                raise ValueError("Input X contains NaN or infinity.")
        else:
            X = validate_data(self, X, reset=False, allow_nd=True, dtype=dtype)
        if X.ndim not in (2, 3):
            raise ValueError(
                f"X must have shape (n_samples, window) or (n_samples, window, n_features), "
                f"got {X.shape}."
            )
        X3 = X[:, :, None] if X.ndim == 2 else X
        if reset:
            y2 = y.reshape(len(y), -1)
            if self.horizon is not None and y2.shape[1] != self.horizon:
                raise ValueError(
                    f"y has {y2.shape[1]} columns but horizon={self.horizon}; drop horizon "
                    "(it is read from y in windows mode) or pass y with that many columns."
                )
            x_mean = X3.mean(axis=(0, 1), dtype=np.float64)
            x_scale = X3.std(axis=(0, 1), dtype=np.float64)
            x_scale = np.where(x_scale > 0, x_scale, 1.0)  # a constant feature stays finite
            y_scale = y2.std(axis=0, dtype=np.float64)
            state.update(
                window_=X.shape[1], horizon_=y2.shape[1], _x_mean=x_mean, _x_scale=x_scale,
                _y_mean=y2.mean(axis=0, dtype=np.float64),
                _y_scale=np.where(y_scale > 0, y_scale, 1.0), _y_1d=y.ndim == 1,
                _out_dtype=X.dtype, _x_ndim=X.ndim,
            )  # fmt: skip
        else:
            x_mean, x_scale = self._x_mean, self._x_scale
            if (
                X.ndim != self._x_ndim
                or X.shape[1] != self.window_
                or (X3.shape[2] != self.spec_.n_features)
            ):
                raise ValueError(
                    f"X has shape {X.shape}, but the model was fitted on windows of shape "
                    f"(n_samples, {self.window_}"
                    + ("" if self._x_ndim == 2 else f", {self.spec_.n_features}")
                    + ")."
                )
        Xn = (X3 - x_mean) / x_scale
        if y is None:
            return Xn, None
        y2 = y.reshape(len(y), -1)
        if not reset and y2.shape[1] != self.horizon_:
            raise ValueError(f"y has {y2.shape[1]} columns, the model {self.horizon_}.")
        y_mean = state["_y_mean"] if reset else self._y_mean
        y_scale = state["_y_scale"] if reset else self._y_scale
        return Xn, (y2 - y_mean) / y_scale

    def __setstate__(self, state):
        # estimators pickled before linear_lags existed: no shortcut (as files saved then)
        state.setdefault("linear_lags", None)
        if "params_" in state:
            state.setdefault("linear_lags_", 0)
            series = state.get("_mode") == "series"
            state.setdefault("target_transform_", state.get("target_transform") if series else None)
            state.setdefault("calendar_features_", bool(state.get("calendar_features")) and series)
            state.setdefault("_in_sample_errors", False)
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

#: Training history attributes, carried over by partial_fit and saved with the model.
_HISTORY = ("loss_curve_", "validation_scores_", "n_iter_", "t_", "best_epoch_")
#: Fitted scalars saved with the model, by mode.
_SCALARS = {
    "series": ("window_", "horizon_", "n_features_in_", "baseline_period_", "linear_lags_",
               "target_transform_", "calendar_features_", "_in_sample_errors"),
    "windows": ("window_", "horizon_", "n_features_in_", "linear_lags_", "_in_sample_errors"),
}


def _tail_split(end_pos, series_idx, horizon, fraction):
    """Time-ordered validation split: the most recent windows of each series.

    The ``horizon - 1`` training windows just before each series' validation windows are
    dropped, so no training target overlaps a validation target.

    Returns
    -------
    train_idx, val_idx : ndarray of int64
    """
    train, val = [], []
    for s in np.unique(series_idx):
        idx = np.flatnonzero(series_idx == s)
        idx = idx[np.argsort(end_pos[idx], kind="stable")]
        n_val = int(round(fraction * len(idx)))
        if n_val < 1 or len(idx) - n_val - (horizon - 1) < 1:
            train.append(idx)
            continue
        val.append(idx[-n_val:])
        train.append(idx[: len(idx) - n_val - (horizon - 1)])
    train = np.concatenate(train) if train else np.zeros(0, np.int64)
    val = np.concatenate(val) if val else np.zeros(0, np.int64)
    if len(val) == 0:
        return train, None
    return train, val


def _loss_value(pred, target, levels, loss):
    """Validation loss: the training loss (pinball for quantile outputs) as a float."""
    err = pred.astype(np.float64) - target
    if levels is not None:
        q = np.asarray(levels)[np.arange(err.shape[1]) % len(levels)]
        return float(np.mean(np.where(err < 0, -q * err, (1 - q) * err)))
    return float(np.mean(err * err) if loss == "mse" else np.mean(np.abs(err)))


class _Batch:
    """A prediction's network input, its head features (see :func:`_head_features`; None
    without covariates) and how to put its output into the user's layout."""

    def __init__(self, network_input, output, head_input=None):
        self.network_input = network_input
        self.output = output
        self.head_input = head_input


#: At most this many recent errors are kept to calibrate prediction intervals.
_MAX_RESIDUALS = 5000


def _keep_recent(old, new):
    """The most recent errors, ``old`` then ``new``: at most ``_MAX_RESIDUALS`` rows."""
    both = np.concatenate([old, np.asarray(new, dtype=np.float64)])
    return both[-_MAX_RESIDUALS:]


def _plain_float_array(X):
    """A non-empty float32/float64 ndarray with 2 or 3 dimensions."""
    return (
        type(X) is np.ndarray
        and X.dtype in (np.float32, np.float64)
        and X.ndim in (2, 3)
        and X.shape[0] > 0
    )


def _target(X):
    """The target of windows: X itself (n, window), or feature 0 of (n, window, n_features)."""
    return X if X.ndim == 2 else X[:, :, 0]


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


def _with_lags(Z, target, lags):
    """Head features ``Z`` with the last ``lags`` values of each window appended.

    Parameters
    ----------
    Z : ndarray of shape (n_windows, k) or None
        Head features so far (None: none).
    target : ndarray of shape (n_windows, window)
        The scaled target of each window.
    lags : int
        0 returns ``Z`` unchanged.

    Returns
    -------
    ndarray of shape (n_windows, k + lags), or ``Z``
    """
    if not lags:
        return Z
    recent = target[:, target.shape[1] - lags :]
    return recent if Z is None else np.hstack([Z, recent])


def _check_levels(quantiles):
    """Sorted unique quantile levels in (0, 1), as a list of float."""
    try:
        levels = np.asarray(quantiles, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"quantiles must be numbers in (0, 1), got {quantiles!r}.") from exc
    if levels.size == 0 or not ((levels > 0) & (levels < 1)).all():
        raise ValueError(f"quantiles must be numbers in (0, 1), got {quantiles!r}.")
    return [float(q) for q in np.unique(np.round(levels, 12))]


def _relabel(frame, names):
    """Rename the quantile columns (the last column level) of a prediction to ``names``."""
    frame = frame.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        mapping = dict(zip(frame.columns.levels[-1], names, strict=False))
        frame.columns = pd.MultiIndex.from_tuples([(a, mapping[b]) for a, b in frame.columns])
        return frame
    keep = [c for c in frame.columns if c in ("unique_id", "ds")]
    frame.columns = keep + list(names)
    return frame


def _same_freq(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == b


def _freq_name(freq):
    return getattr(freq, "freqstr", None) or str(freq)


def _progress(total, verbose):
    if not verbose:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainProgress(total)
    return tqdm(total=total, desc="epochs", leave=False)


class _PlainProgress:
    """Fallback when tqdm is missing: a line per epoch."""

    def __init__(self, total):
        self.total, self.n, self.start = total, 0, time.perf_counter()

    def update(self, k):
        self.n += k

    def set_postfix(self, post):
        items = " ".join(f"{k}={v}" for k, v in post.items())
        print(f"epoch {self.n}/{self.total} {items} ({time.perf_counter() - self.start:.1f}s)")

    def close(self):
        pass


__all__ = ["NotFittedError", "RNNForecaster", "TrainingDivergedWarning"]
