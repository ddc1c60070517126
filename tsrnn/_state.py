"""The fitted state of an :class:`~tsrnn.RNNForecaster`, declared once.

A fitted estimator carries its state as plain attributes (scikit-learn's convention: public
ones end in ``_``). Which attributes make up that state is declared here, once, as the fields
of three dataclasses:

* :class:`TrainingState` — what training leaves in both modes: the network, its weights, the
  optimizer and random generator to continue from, the history, the errors behind the
  prediction intervals;
* :class:`SeriesState` — what series mode keeps: the window and horizon, the baseline, the
  transform and the covariates it was fitted with, the last window of every series;
* :class:`WindowsState` — what windows mode keeps: the window and horizon and the scaling of
  ``X`` and ``y``.

Everything else reads these declarations: the estimator moves a state onto itself and back
(:meth:`FittedState.put_on`, :meth:`FittedState.taken_from`), :mod:`tsrnn._persist` writes and
reads every field by the codec named in its metadata, and a file or pickle written before a
field existed gets the field's default (``legacy`` in the metadata: computed from the
estimator's parameters instead).
"""

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np


def _field(codec="json", legacy=None, **kwargs):
    """A dataclass field with its persistence ``codec`` (see :mod:`tsrnn._persist`) and
    ``legacy``, a function of the estimator's parameters that gives the value for files and
    pickles written before the field existed (None: the field's default; no default and no
    ``legacy``: the field is required)."""
    return field(metadata={"codec": codec, "legacy": legacy}, **kwargs)


class FittedState:
    """Shared behaviour of the state dataclasses: moving to and from an estimator."""

    @classmethod
    def taken_from(cls, estimator):
        """The state held by a fitted ``estimator``'s attributes."""
        return cls(**{f.name: getattr(estimator, f.name) for f in fields(cls)})

    def put_on(self, estimator):
        """Set every field as an attribute of ``estimator``."""
        for f in fields(self):
            setattr(estimator, f.name, getattr(self, f.name))

    @classmethod
    def names(cls):
        """Names of the fields (the estimator attributes), in declaration order."""
        return [f.name for f in fields(cls)]

    @classmethod
    def default(cls, name, params):
        """Value of field ``name`` for a model written before it existed.

        Parameters
        ----------
        name : str
        params : dict
            The estimator's parameters.

        Raises
        ------
        KeyError
            If the field is required (it has always been written).
        """
        f = next(f for f in fields(cls) if f.name == name)
        if f.metadata["legacy"] is not None:
            return f.metadata["legacy"](params)
        if f.default is not MISSING:
            return f.default
        if f.default_factory is not MISSING:
            return f.default_factory()
        raise KeyError(name)


@dataclass(kw_only=True)
class TrainingState(FittedState):
    """What training leaves, in both modes.

    Attributes
    ----------
    spec_ : NetworkSpec
    params_ : ndarray of shape (n_params,)
    optimizer_ : Adam or SGD
        With its state (moments, step count), continued by ``partial_fit``.
    _rng : numpy.random.Generator
        Shuffles the windows; continued by ``partial_fit``.
    quantiles_ : list of float or None
    linear_lags_ : int
    _residuals : ndarray of shape (n_errors, n_outputs)
        Recent forecast errors in the network's output space, for the intervals.
    _in_sample_errors : bool
        ``_residuals`` come from training windows (a fit that held none out).
    loss_curve_, validation_scores_ : list of float
    n_iter_, t_, best_epoch_ : int
    """

    spec_: Any = _field("spec")
    params_: np.ndarray = _field("array")
    optimizer_: Any = _field("optimizer")
    _rng: Any = _field("rng")
    _residuals: np.ndarray = _field("array")
    quantiles_: list | None = _field()
    linear_lags_: int = _field(default=0)  # before the option: no shortcut
    _in_sample_errors: bool = _field(default=False)
    loss_curve_: list = _field(default_factory=list)
    validation_scores_: list = _field(default_factory=list)
    n_iter_: int = _field(default=0)
    t_: int = _field(default=0)
    best_epoch_: int = _field(default=0)

    #: Fields carried over by ``partial_fit`` as they are and extended by training.
    HISTORY = ("loss_curve_", "validation_scores_", "n_iter_", "t_", "best_epoch_")


@dataclass(kw_only=True)
class SeriesState(FittedState):
    """What series mode keeps between calls.

    Attributes
    ----------
    window_, horizon_ : int
    n_features_in_ : int
        1 (one target per step, as scikit-learn counts features).
    baseline_period_ : int
        Period of the naive baseline the network corrects (0: none).
    target_transform_ : {None, "log"}
    calendar_features_ : bool
    covariates_ : list or None
        Names of the covariate columns.
    series_ids_ : list
    _tails : list of ndarray of shape (max(window_, 2),) or shorter
        The last window of each series (after the target transform), for ``predict()``:
        two values at least, when the series has them, so that their time stamps keep the
        step of an integer index.
    _tail_indexes : list of pandas.Index
        Their time stamps.
    _cov_tails : list of ndarray of shape (window_, n_covariate_features) or None
    _cov_mean, _cov_scale : ndarray of shape (n_covariates,) or None
        Standardisation of the covariates, from the first fit.
    _layout : {"series", "wide", "long", "array"}
    _freq : pandas DateOffset or None
    _name : hashable
        Name of a Series' values (the output's name).
    _ndim : int
        Dimensions of an array input.
    """

    window_: int = _field()
    horizon_: int = _field()
    n_features_in_: int = _field()
    baseline_period_: int = _field()
    series_ids_: list = _field("ids")
    _tails: list = _field("arrays")
    _tail_indexes: list = _field("indexes")
    _layout: str = _field()
    _freq: Any = _field("freq")
    _name: Any = _field("id")
    _ndim: int = _field()
    covariates_: list | None = _field("ids", default=None)
    _cov_tails: list | None = _field("arrays", default=None)
    _cov_mean: np.ndarray | None = _field("array", default=None)
    _cov_scale: np.ndarray | None = _field("array", default=None)
    # before these were fitted attributes, the parameters said
    target_transform_: str | None = _field(legacy=lambda p: p["target_transform"])
    calendar_features_: bool = _field(legacy=lambda p: bool(p["calendar_features"]))


@dataclass(kw_only=True)
class WindowsState(FittedState):
    """What windows mode keeps between calls.

    Attributes
    ----------
    window_, horizon_ : int
    n_features_in_ : int
        ``X.shape[1]``, as scikit-learn counts features.
    _x_mean, _x_scale : ndarray of shape (n_features,)
        Standardisation of ``X`` per feature, from the first fit.
    _y_mean, _y_scale : ndarray of shape (horizon_,)
        Standardisation of ``y`` per column.
    _y_1d : bool
        ``y`` was 1-D: predictions are too.
    _out_dtype : numpy.dtype
        dtype of ``X`` (float32 stays float32).
    _x_ndim : int
        2 for windows of shape (n, window), 3 for (n, window, n_features).
    """

    window_: int = _field()
    horizon_: int = _field()
    n_features_in_: int = _field()
    _x_mean: np.ndarray = _field("array")
    _x_scale: np.ndarray = _field("array")
    _y_mean: np.ndarray = _field("array")
    _y_scale: np.ndarray = _field("array")
    _y_1d: bool = _field()
    _out_dtype: Any = _field("dtype")
    _x_ndim: int = _field()
    target_transform_: None = _field(default=None)  # series-mode options, off here
    calendar_features_: bool = _field(default=False)


@dataclass(kw_only=True)
class PretrainedState(FittedState):
    """What a base model (pretrained mode, :mod:`tsrnn._pretrained_mode`) keeps.

    Attributes
    ----------
    window_ : int
        Longest context the network reads (shorter series are padded).
    horizon_ : int
        Steps forecast (recursively beyond ``network_horizon_``).
    network_horizon_ : int
        Steps the network forecasts per call.
    n_features_in_ : int
        1 (one target per step).
    pretraining_ : dict
        How the base weights were made: the pretraining's settings, the windows seen, and
        the seconds and device of each piece of the run.
    series_ids_, _tails, _tail_indexes, _layout, _freq, _name, _ndim
        The series of the last ``fit``/``partial_fit`` (none for the base model itself), as
        in :class:`SeriesState`.
    """

    window_: int = _field()
    horizon_: int = _field()
    network_horizon_: int = _field()
    n_features_in_: int = _field(default=1)
    pretraining_: dict = _field(default_factory=dict)
    series_ids_: list = _field("ids", default_factory=list)
    _tails: list = _field("arrays", default_factory=list)
    _tail_indexes: list = _field("indexes", default_factory=list)
    _layout: str | None = _field(default=None)
    _freq: Any = _field("freq", default=None)
    _name: Any = _field("id", default=None)
    _ndim: int = _field(default=1)
    target_transform_: None = _field(default=None)  # series-mode options, off here
    calendar_features_: bool = _field(default=False)
    covariates_: None = _field(default=None)


#: The state of each mode, by the name the estimator stores in ``_mode``.
MODE_STATES = {"series": SeriesState, "windows": WindowsState, "pretrained": PretrainedState}
