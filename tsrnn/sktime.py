"""sktime interface: :class:`TsrnnForecaster`, an sktime forecaster around :class:`RNNForecaster`.

Needs the optional dependency sktime (``pip install "tsrnn[sktime]"``); ``import tsrnn`` never
imports this module, and importing this module without sktime raises an ``ImportError`` that
says what to install.

Every input goes to tsrnn in its long format (``unique_id``, ``ds``, ``y``): a single series
is the series ``0``, a panel or hierarchy gets one integer ``unique_id`` per instance (the
instance keys are mapped back on the way out). Exogenous ``X`` becomes tsrnn's known-future
covariates, in the same long format.
"""

import numpy as np
import pandas as pd

try:
    from sktime.forecasting.base import BaseForecaster
except ImportError as exc:  # pragma: no cover - exercised only without sktime
    raise ImportError(
        "tsrnn.sktime needs sktime: pip install 'tsrnn[sktime]' (or pip install sktime)."
    ) from exc

from .forecaster import RNNForecaster

# the parameters of RNNForecaster that TsrnnForecaster forwards (all but horizon, from fh)
_FORWARDED = [
    "cell", "hidden_size", "num_layers", "window", "linear_lags", "loss", "baseline",
    "target_transform", "quantiles", "calendar_features", "seasonal_period", "learning_rate",
    "batch_size", "max_epochs", "max_windows_per_epoch", "early_stopping",
    "validation_fraction", "n_iter_no_change", "tol", "clip_norm", "optimizer", "ema_momentum",
    "dtype", "allow_missing", "device", "random_state", "verbose", "init",
]  # fmt: skip


class TsrnnForecaster(BaseForecaster):
    """tsrnn's LSTM / GRU / Elman-RNN forecaster as an sktime forecaster.

    Wraps :class:`tsrnn.RNNForecaster`: one global network for a single series or for every
    instance of a panel or hierarchy (``pd-multiindex``, ``pd_multiindex_hier``), trained on
    windows of the series, each scaled by its own mean and standard deviation.

    * **Horizon.** The forecasting horizon ``fh`` is required in ``fit`` (relative or
      absolute, out-of-sample steps only): the network forecasts steps 1 to the largest step
      of ``fh``, and ``predict`` returns the steps of ``fh``.
    * **Exogenous X** is used as *known-future* covariates: the network's output layer reads
      the covariates of each forecast step. ``X`` in ``fit`` covers the training series;
      ``X`` in ``predict`` must cover every step from 1 to the largest step of ``fh`` (not
      only the steps of ``fh``), else a ``ValueError`` names the first missing time stamp.
    * **Update.** ``update(y, X, update_params=True)`` makes one training pass
      (:meth:`RNNForecaster.partial_fit`) from the current weights on the windows whose
      targets hold new values (the last ``window_ + horizon_ - 1`` values seen before are
      prepended as context), and recalibrates the prediction intervals on them.
      ``update_params=False`` only moves the cutoff: forecasts start after the new data,
      with the same weights.
    * **Intervals and quantiles** come from :meth:`RNNForecaster.predict_quantiles`: for a
      point model (``quantiles=None``), from its errors on held-out recent windows (split
      conformal); for a model fitted with ``quantiles``, from its quantile outputs, which
      must then include every level asked for.
    * A panel whose instances end at different times gets each instance's forecast after
      its own last time point.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell.
    hidden_size : int, default=64
        Units per recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    window : int or "auto", default="auto"
        Input length of the network; ``"auto"`` takes two seasonal cycles (or twice the
        horizon, at least 8), capped so the shortest series still gives training windows.
    linear_lags : int, default=None
        The output layer also reads the last ``linear_lags`` scaled values directly.
    loss : {"auto", "mse", "mae"}, default="auto"
        Training loss of a point model; ``"auto"`` is ``"mae"`` (series are forecast here).
    baseline : {"auto", "seasonal", "last", "none"}, default="auto"
        Simple forecast whose correction the network learns.
    target_transform : {None, "log"}, default=None
        ``"log"`` models ``log(1 + y)`` of non-negative series.
    quantiles : sequence of float in (0, 1), default=None
        Train quantile outputs with the pinball loss for these levels (0.5 is added).
    calendar_features : bool, default=False
        Add sine/cosine calendar covariates (needs a datetime or period index).
    seasonal_period : int, default=None
        Main seasonal period in steps; None infers it from the frequency (the base model,
        ``init="base"``: finds each series' period in its values).
    learning_rate : float, default=3e-3
        Step size of the optimizer.
    batch_size : int, default=64
        Windows per optimizer step.
    max_epochs : int or "auto", default="auto"
        Passes over the training windows in ``fit``; ``"auto"``: 100, or more for an epoch
        of under 20 optimizer steps, to make 2,000 steps (see ``RNNForecaster``).
    max_windows_per_epoch : int, default=None
        Train each epoch on a random sample of at most this many windows.
    early_stopping : bool, default=True
        Hold out the most recent windows and stop when their loss stops improving.
    validation_fraction : float, default=0.1
        Share of each series' most recent windows held out for early stopping.
    n_iter_no_change : int or "auto", default="auto"
        Epochs without improvement before early stopping; ``"auto"``: 10, or more for an
        epoch of under 30 optimizer steps, to wait 300 steps (see ``RNNForecaster``).
    tol : float, default=1e-4
        Minimum relative improvement of the validation loss that counts.
    clip_norm : float or None, default=1.0
        Global gradient norm limit; None disables clipping.
    optimizer : {"adam", "sgd"}, default="adam"
        Optimizer.
    ema_momentum : float in [0, 1), default=None
        Predict with an exponential moving average of the weights.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the network.
    allow_missing : bool, default=False
        Fill interior NaN of the target by linear interpolation instead of raising.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where training runs.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights and the shuffling; an int gives reproducible forecasts.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar.
    init : "scratch", "base" or path, default="scratch"
        ``"base"`` fine-tunes tsrnn's pretrained base model instead of training a new network
        (see :class:`tsrnn.RNNForecaster`); its quantiles are the base model's levels.

    Attributes
    ----------
    forecaster_ : RNNForecaster
        The fitted tsrnn estimator (``horizon`` = the largest step of ``fh``).

    See Also
    --------
    tsrnn.RNNForecaster : the estimator wrapped, with the full description of each parameter.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from tsrnn.sktime import TsrnnForecaster
    >>> y = load_airline()
    >>> f = TsrnnForecaster(max_epochs=5, random_state=0).fit(y, fh=[1, 2, 3])
    >>> f.predict().index[0]
    Period('1961-01', 'M')
    """

    _tags = {
        # packaging info
        "authors": ["tsrnn developers"],
        "maintainers": ["tsrnn developers"],
        "python_dependencies": None,  # tsrnn itself; sktime is the optional dependency here
        # estimator type
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "capability:multivariate": False,  # sktime fits one model per column
        "capability:exogenous": True,  # X: known-future covariates
        "capability:insample": False,
        "capability:pred_int": True,
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:update": True,
        "capability:non_contiguous_X": False,  # X must cover steps 1 .. max(fh)
        "capability:categorical_in_X": False,
        "capability:unequal_length": True,
        "capability:random_state": True,
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
    }

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        window="auto",
        linear_lags=None,
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
        super().__init__()

    # ----------------------------------------------------------------------------------------
    # sktime's private interface

    def _fit(self, y, X, fh):
        """Train a new network on ``y`` (and ``X``) for steps 1 to the largest step of ``fh``.

        Parameters
        ----------
        y : pandas.DataFrame
            One column; a time index (single series) or an (instance, ..., time) MultiIndex.
        X : pandas.DataFrame or None
            Covariates on the index of ``y``.
        fh : ForecastingHorizon
            Out-of-sample steps to forecast.

        Returns
        -------
        self : TsrnnForecaster
        """
        steps = self._steps(fh)
        self._panel = isinstance(y.index, pd.MultiIndex)
        self._y_column = y.columns[0]
        self._index_names = list(y.index.names)
        self._instances = pd.Index([]) if not self._panel else _instance_keys(y.index).unique()
        self._x_columns = None if X is None else list(X.columns)
        long_y = self._long_y(y)
        long_x = self._long_x(X)
        model = RNNForecaster(horizon=int(steps.max()), **self._model_params())
        model.fit(long_y, covariates=long_x)
        self.forecaster_ = model
        self._context = model.window_ + model.horizon_ - 1
        self._history_y = _tail(long_y, self._context)
        self._history_x = None if long_x is None else _tail(long_x, self._context)
        return self

    def _predict(self, fh, X):
        """Point forecasts at the steps of ``fh``.

        Parameters
        ----------
        fh : ForecastingHorizon
            Out-of-sample steps, among those of ``fit``.
        X : pandas.DataFrame or None
            Covariates of every step from 1 to the largest step of ``fh``.

        Returns
        -------
        pandas.DataFrame
            One column (the name of ``y``'s); index of absolute time points, with the
            instance levels first for a panel.
        """
        out = self._forecast("predict", fh, X)
        values, index = self._select(out, ["y"], fh)
        return pd.DataFrame(values, index=index, columns=[self._y_column])

    def _predict_quantiles(self, fh, X, alpha):
        """Quantile forecasts at the steps of ``fh``.

        Parameters
        ----------
        fh : ForecastingHorizon
            Out-of-sample steps, among those of ``fit``.
        X : pandas.DataFrame or None
            As in :meth:`_predict`.
        alpha : list of float
            Quantile levels in (0, 1).

        Returns
        -------
        pandas.DataFrame
            Columns ``(variable, level)`` for each level of ``alpha`` in order; rows as in
            :meth:`_predict`.
        """
        values, index = self._quantile_values(fh, X, list(alpha))
        columns = pd.MultiIndex.from_product([[self._y_column], list(alpha)])
        return pd.DataFrame(values, index=index, columns=columns)

    def _predict_interval(self, fh, X, coverage):
        """Central prediction intervals at the steps of ``fh``.

        Parameters
        ----------
        fh : ForecastingHorizon
            Out-of-sample steps, among those of ``fit``.
        X : pandas.DataFrame or None
            As in :meth:`_predict`.
        coverage : list of float
            Nominal coverages in (0, 1).

        Returns
        -------
        pandas.DataFrame
            Columns ``(variable, coverage, "lower" | "upper")``; rows as in :meth:`_predict`.
        """
        levels = []
        for c in coverage:
            levels += [(1 - c) / 2, (1 + c) / 2]
        values, index = self._quantile_values(fh, X, levels)
        columns = pd.MultiIndex.from_product([[self._y_column], list(coverage), ["lower", "upper"]])
        return pd.DataFrame(values, index=index, columns=columns)

    def _update(self, y, X=None, update_params=True):
        """Take in new observations; with ``update_params``, one training pass on them.

        Parameters
        ----------
        y : pandas.DataFrame
            New values of the series (of some or all instances), after those seen so far.
        X : pandas.DataFrame or None
            Their covariates (required when ``fit`` had ``X``).
        update_params : bool, default=True
            True: :meth:`RNNForecaster.partial_fit` on the new windows (each with at least
            one new target value) from the current weights. False: only remember the data,
            so forecasts start after it.

        Returns
        -------
        self : TsrnnForecaster
        """
        if self._panel:
            new = _instance_keys(y.index).unique().difference(self._instances, sort=False)
            self._instances = self._instances.append(new)
        long_y = self._long_y(y)
        long_x = self._long_x(X)
        if (long_x is None) != (self._history_x is None):
            raise ValueError(
                "update needs X exactly when fit had X: the network reads the covariates."
            )
        history_y = _append(self._history_y, long_y)
        history_x = None if long_x is None else _append(self._history_x, long_x)
        if update_params:
            # the new values, with the values before them that the first windows need
            train_y = _with_context(history_y, long_y, self._context)
            train_x = None if long_x is None else _rows_of(history_x, train_y)
            self.forecaster_.partial_fit(train_y, covariates=train_x)
        self._history_y = _tail(history_y, self._context)
        self._history_x = None if history_x is None else _tail(history_x, self._context)
        return self

    # ----------------------------------------------------------------------------------------
    # helpers

    def _model_params(self):
        return {name: getattr(self, name) for name in _FORWARDED}

    def _steps(self, fh):
        steps = np.asarray(fh.to_relative(self.cutoff).to_numpy(), dtype=np.int64)
        if (steps < 1).any():  # the base class checks this already, through the tags
            raise NotImplementedError("TsrnnForecaster can not perform in-sample prediction.")
        return steps

    def _long_y(self, y):
        """``y`` as tsrnn's long DataFrame (``unique_id``, ``ds``, ``y``)."""
        uid, ds = self._ids_and_times(y.index)
        return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y.iloc[:, 0].to_numpy()})

    def _long_x(self, X):
        """``X`` as tsrnn's long covariates (``unique_id``, ``ds``, ``x0``, ``x1``, ...)."""
        if X is None:
            return None
        if self._x_columns is None:
            raise ValueError(
                "this forecaster was fitted without X; pass no X (fit again with X to use it)."
            )
        if list(X.columns) != self._x_columns:
            raise ValueError(f"X has the columns {list(X.columns)}; fit had {self._x_columns}.")
        uid, ds = self._ids_and_times(X.index)
        frame = pd.DataFrame({"unique_id": uid, "ds": ds})
        for i, column in enumerate(X.columns):
            frame[f"x{i}"] = X[column].to_numpy()
        return frame

    def _ids_and_times(self, index):
        if not self._panel:
            return np.zeros(len(index), dtype=np.int64), index
        codes = self._instances.get_indexer(_instance_keys(index))
        if (codes < 0).any():
            unknown = _instance_keys(index)[np.flatnonzero(codes < 0)[0]]
            raise ValueError(f"the instance {unknown!r} was not seen in fit or update.")
        return codes.astype(np.int64), index.get_level_values(-1)

    def _future_x(self, X):
        """Covariates for tsrnn's predict: those of the context window, then ``X``."""
        long_x = self._long_x(X)
        if self._history_x is None:
            return None
        if long_x is None:
            raise ValueError(
                "this forecaster was fitted with X: predict needs X for every step from 1 to "
                "the largest step of fh (known-future covariates)."
            )
        return _append(self._history_x, long_x)

    def _forecast(self, method, fh, X, **kwargs):
        steps = self._steps(fh)
        if steps.max() > self.forecaster_.horizon_:
            raise ValueError(
                f"fh reaches step {steps.max()}; this model forecasts {self.forecaster_.horizon_}"
                " steps (the largest step of the fh given to fit). Fit again with a longer fh."
            )
        method = getattr(self.forecaster_, method)
        return method(self._history_y, covariates=self._future_x(X), **kwargs)

    def _quantile_values(self, fh, X, levels):
        """Forecasts at ``levels`` (any order, repeats allowed): values and index."""
        unique = sorted(set(levels))
        out = self._forecast("predict_quantiles", fh, X, quantiles=unique)
        values, index = self._select(out, list(out.columns[2:]), fh)
        return values[:, [unique.index(q) for q in levels]], index

    def _select(self, out, columns, fh):
        """Rows of tsrnn's long output at the steps of ``fh``, on sktime's index."""
        horizon = self.forecaster_.horizon_
        positions = self._steps(fh) - 1
        n_series = len(out) // horizon
        rows = (np.arange(n_series)[:, None] * horizon + positions[None, :]).reshape(-1)
        values = out[columns].to_numpy()[rows]
        if not self._panel:
            return values, fh.to_absolute_index(self.cutoff).rename(self._index_names[0])
        codes = out["unique_id"].to_numpy()[rows]
        times = pd.Index(out["ds"].to_numpy()[rows])
        if isinstance(out["ds"].dtype, pd.PeriodDtype):
            times = pd.PeriodIndex(out["ds"].to_numpy()[rows], dtype=out["ds"].dtype)
        keys = self._instances.take(codes)
        if isinstance(keys, pd.MultiIndex):
            arrays = [keys.get_level_values(i) for i in range(keys.nlevels)]
        else:
            arrays = [keys]
        index = pd.MultiIndex.from_arrays([*arrays, times], names=self._index_names)
        return values, index

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Tiny, fast settings for sktime's test suite.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set of test parameters; there is one set.

        Returns
        -------
        list of dict
            Parameters of test instances: a tiny LSTM without early stopping, and a tiny
            GRU with early stopping and a linear shortcut.
        """
        return [
            {"hidden_size": 2, "window": 3, "max_epochs": 1, "batch_size": 16,
             "early_stopping": False, "random_state": 0},
            {"cell": "gru", "hidden_size": 3, "window": 4, "linear_lags": 2, "max_epochs": 2,
             "batch_size": 16, "n_iter_no_change": 1, "random_state": 1},
        ]  # fmt: skip


def _instance_keys(index):
    """The instance part of an (instance, ..., time) MultiIndex: an Index or a MultiIndex."""
    if index.nlevels == 2:
        return index.get_level_values(0)
    return index.droplevel(-1)


def _append(history, new):
    """Long frames ``history`` then ``new``, a time stamp of a series given twice kept once
    (the newer row), sorted by series then time."""
    both = pd.concat([history, new], ignore_index=True)
    both = both.drop_duplicates(["unique_id", "ds"], keep="last")
    return both.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def _tail(frame, n):
    """The last ``n`` rows of each series of a long frame (sorted by series and time)."""
    return frame.groupby("unique_id", sort=False).tail(n).reset_index(drop=True)


def _with_context(history, new, context):
    """The rows of ``new`` and, for each of its series, the ``context`` rows before them."""
    start = new.groupby("unique_id")["ds"].min()
    rows = history[history["unique_id"].isin(start.index)]
    before = rows[rows["ds"] < rows["unique_id"].map(start)]
    return _append(_tail(before, context), rows[rows["ds"] >= rows["unique_id"].map(start)])


def _rows_of(covariates, frame):
    """The rows of the long ``covariates`` at the (unique_id, ds) of ``frame``."""
    keys = frame[["unique_id", "ds"]]
    return keys.merge(covariates, on=["unique_id", "ds"], how="left")


__all__ = ["TsrnnForecaster"]
