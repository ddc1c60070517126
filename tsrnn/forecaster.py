"""RNNForecaster: a scikit-learn estimator around the Numba LSTM/GRU network.

The public class: its parameters and their checks, and the documented methods. What they go
through, whatever the kind of input, is in :mod:`tsrnn._base`.
"""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _persist
from ._base import BaseRNNForecaster
from ._trainer import TrainingDivergedWarning


class RNNForecaster(BaseRNNForecaster):
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
        finds the window. With ``init`` (a base model), ``fit`` adds the shortcut to the base
        network: new output weights, zero at the start, so fine-tuning starts from the
        zero-shot forecast. None: no shortcut.
    horizon : int, default=None
        Steps to forecast. Required in series mode; in windows mode read from ``y``.
    loss : {"auto", "mse", "mae"}, default="auto"
        Training loss on the scaled data (and the validation loss of early stopping).
        ``"auto"`` is ``"mse"`` in windows mode, where the estimator is a scikit-learn
        regressor scored by R², and ``"mae"`` for series, whose forecasts are judged by
        absolute errors (MAE, sMAPE, MASE) and whose windows, each scaled by its own
        deviation, can hold spikes that a squared loss lets dominate.
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
        indexes). It sets the seasonal baseline and ``window="auto"``. Pretrained mode
        (``init="base"``): None finds each series' period in its autocorrelation (the
        calendar's period stands in for a series too short to show two of its cycles);
        ``seasonal_period=1`` reads every series without one.
    learning_rate : float, default=3e-3
        Step size of the optimizer.
    batch_size : int, default=64
    max_epochs : int or "auto", default="auto"
        Passes over the training windows in ``fit`` (``partial_fit`` makes one). ``"auto"``
        counts optimizer steps, so that a small training set, whose epochs are a few batches,
        trains as long as a large one: with ``steps = ceil(m / min(batch_size, m))`` steps an
        epoch (``m``: the training windows, the held-out ones excluded, at most
        ``max_windows_per_epoch``), it runs at most ``max(100, ceil(2000 / steps))`` epochs —
        100 epochs when an epoch has 20 steps or more, else at least 2,000 steps.
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
    n_iter_no_change : int or "auto", default="auto"
        Epochs without a better validation loss before early stopping ends training.
        ``"auto"``: ``max(10, ceil(300 / steps))`` epochs (``steps`` as for ``max_epochs``) —
        10 epochs, or more when an epoch has fewer than 30 steps, so that training waits at
        least 300 steps: a network often finds the signal only after a plateau.
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
    init : "scratch", "base" or path, default="scratch"
        Series mode: where ``fit`` starts. ``"scratch"`` trains a new network. ``"base"``
        fine-tunes the pretrained base model shipped with tsrnn (see :meth:`from_pretrained`),
        and a path a base model made by ``python -m tsrnn pretrain``: the network, its window
        and its quantile outputs are the base model's (``cell``, ``hidden_size``,
        ``num_layers``, ``window``, ``baseline``, ``quantiles`` and ``calendar_features``
        are not read; ``linear_lags`` adds a shortcut). A ``horizon`` shorter than the base
        network's keeps only that many of its steps, so windows up to ``horizon`` steps
        before a series' end train. With ``early_stopping`` the base weights are kept
        unless training beats them on the held-out windows. Windows mode ignores it.

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
    network_horizon_ : int
        A base model (from :meth:`from_pretrained` or ``init``): steps per network call;
        ``horizon_`` beyond it is forecast recursively.
    pretraining_ : dict
        A base model: how its weights were pretrained (settings, windows seen, and the
        seconds and device of each piece of the run).
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
        "loss": [StrOptions({"auto", "mse", "mae"})],
        "baseline": [StrOptions({"auto", "seasonal", "last", "none"})],
        "target_transform": [StrOptions({"log"}), None],
        "quantiles": ["array-like", None],
        "calendar_features": ["boolean"],
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_windows_per_epoch": [Interval(Integral, 1, None, closed="left"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "optimizer": [StrOptions({"adam", "sgd"})],
        "ema_momentum": [Interval(Real, 0, 1, closed="left"), None],
        "dtype": [StrOptions({"float32", "float64"})],
        "allow_missing": ["boolean"],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "init": [str, os.PathLike],
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
        loss="auto",
        baseline="auto",
        target_transform=None,
        quantiles=None,
        calendar_features=False,
        seasonal_period=None,
        learning_rate=3e-3,
        batch_size=64,
        max_epochs="auto",
        max_windows_per_epoch=None,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change="auto",
        tol=1e-4,
        clip_norm=1.0,
        optimizer="adam",
        ema_momentum=None,
        dtype="float32",
        allow_missing=False,
        device="cpu",
        random_state=None,
        verbose=0,
        init="scratch",
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
        self.init = init

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
        pred, finish = self._network_outputs(X, covariates)
        if self.quantiles_ is not None:  # the median, of the sorted (non-crossing) outputs
            pred = np.sort(pred, axis=2)[:, :, self.quantiles_.index(0.5)]
        return finish(pred)

    def predict_quantiles(self, X=None, quantiles=(0.1, 0.5, 0.9), *, covariates=None):
        """Quantile forecasts, never crossing.

        A model fitted with ``quantiles`` gives its own quantile outputs (trained with the
        pinball loss); levels between them are interpolated linearly in normal scores, levels
        beyond them extrapolated as a normal tail through the median and the outermost
        output (:func:`tsrnn._intervals.interpolate_levels`). Otherwise the quantiles come
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
        return self._quantiles(X, levels, covariates, stacklevel=3, labels=["lower", "upper"])

    @classmethod
    def from_pretrained(cls, path="base", **params):
        """The pretrained base model: a fitted estimator that forecasts any series at once.

        The base network was trained on synthetic series only (see :mod:`tsrnn.synthetic`
        and ``python -m tsrnn pretrain``); it has never seen real data. ``predict(y)``
        forecasts a Series, a wide or a long DataFrame or an array of any frequency and
        length (series shorter than ``window_`` are padded); ``partial_fit(y)`` fine-tunes it
        on them with one pass, after which ``predict()`` forecasts after their end. Its
        ``predict_quantiles`` come from its own quantile outputs. ``clone`` of it fits with
        ``init`` set to the base model, so ``fit`` fine-tunes with early stopping (and
        ``GridSearchCV`` searches the fine-tuning settings).

        Parameters
        ----------
        path : "base" or path, default="base"
            ``"base"``: the weights shipped with tsrnn; else a file written by ``python -m
            tsrnn pretrain``.
        **params
            Estimator parameters, e.g. ``horizon`` (default: the network's horizon,
            ``network_horizon_``; longer horizons are forecast recursively),
            ``seasonal_period`` (default: from the frequency of the series given),
            ``learning_rate``, ``batch_size``, ``max_epochs`` for fine-tuning (default: the
            estimator's defaults; the optimizer starts afresh). The network's parameters
            (``cell``, ``hidden_size``, ``num_layers``, ``window``, ``quantiles``) are the
            base model's.

        Returns
        -------
        RNNForecaster
            Fitted, in pretrained mode.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            If a parameter is invalid (a ``ValueError``).
        ValueError
            If ``path`` is not a base model.
        FileNotFoundError
            If ``path`` does not exist.

        Examples
        --------
        >>> from tsrnn import RNNForecaster
        >>> from tsrnn.datasets import load_airline
        >>> base = RNNForecaster.from_pretrained(horizon=12)
        >>> base.predict(load_airline()).shape
        (12,)
        """
        from sklearn.utils import check_random_state

        from ._pretrain import load_base
        from ._pretrained_mode import PretrainedMode
        from ._trainer import restart_training_state

        base = load_base(path)
        network = {k: getattr(base, k) for k in ("cell", "hidden_size", "num_layers", "window",
                                                 "quantiles", "dtype")}  # fmt: skip
        est = cls(**{**network, "init": path, **params})
        est._validate_params()  # as fit would: the horizon is used at once
        training, mode = base._states()
        seed = check_random_state(est.random_state).randint(np.iinfo(np.int32).max)
        restart_training_state(training, seed, est.optimizer, est.learning_rate).put_on(est)
        PretrainedMode(est).first_state(mode).put_on(est)
        est._mode = "pretrained"
        return est

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
        _persist.save_estimator(self, path)

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
        return _persist.load_estimator(cls, path)

    def to_onnx(self, path, *, opset=None):
        """Export the fitted network, its scaling and baseline to an ONNX file.

        The graph computes the forecast from raw values, to float32 rounding of
        :meth:`predict`: in series mode from ``window`` of shape ``(batch, window_)``, the last
        ``window_`` values of each history; in windows mode from ``X`` as in :meth:`fit`.
        Outputs: ``forecast`` and, for a model trained with ``quantiles``, ``quantiles``
        (sorted levels on the last axis). Models with covariates or calendar features, and
        base models (pretrained mode), are refused with a ``ValueError``. Needs the ``onnx``
        package (``pip install "tsrnn[onnx]"``).

        Parameters
        ----------
        path : str or os.PathLike
        opset : int, optional
            ONNX opset (13 or later; default 17).

        Returns
        -------
        onnx.ModelProto
        """
        from ._onnx import export

        return export(self, path, opset=opset)


__all__ = ["NotFittedError", "RNNForecaster", "TrainingDivergedWarning"]
