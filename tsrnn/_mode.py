"""What every mode (series, windows, pretrained) shares: the training set it hands the
trainer, and the base class of the modes.

A mode owns everything about one kind of input. It offers two methods:
``training_set(X, y, covariates, state) -> (TrainingSet, state)``, the scaled windows to
train on and the fitted state after the call, and ``outputs(state, X, covariates, network)
-> (pred, finish)``, the network's outputs for a prediction and the way back to the user.
Series and windows mode get ``outputs`` from :class:`Mode`: one network call on the inputs of
their ``prediction(state, X, covariates) -> (X, Z, finish)``; pretrained mode overrides it
(recursive horizons).
"""

from dataclasses import dataclass

import numpy as np

from . import _data


@dataclass
class TrainingSet:
    """Scaled training windows, whatever the mode.

    Attributes
    ----------
    X : ndarray of shape (n_windows, window, n_features)
        Network inputs, float64.
    Y : ndarray of shape (n_windows, horizon)
        Targets in the network's output space (scaled; minus the naive baseline).
    Z : ndarray of shape (n_windows, n_head_features) or None
        Features the output layer reads besides the last hidden state (covariates).
    end : ndarray of shape (n_windows,)
        Position right after each window in its series (windows mode: the row number).
    series : ndarray of shape (n_windows,)
        Series of each window.
    """

    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray | None
    end: np.ndarray
    series: np.ndarray


class Mode:
    """Base of the modes: the estimator parameters it reads (``PARAMETERS``, into
    ``self.params``) and ``outputs`` for a network that forecasts the whole horizon in one
    call.

    Parameters
    ----------
    estimator : RNNForecaster
    """

    name = None
    #: The estimator parameters the mode reads.
    PARAMETERS = ()

    def __init__(self, estimator):
        self.params = {name: getattr(estimator, name) for name in self.PARAMETERS}

    def outputs(self, state, X, covariates, network):
        """The network's outputs for a prediction, and the way back to the user.

        Parameters
        ----------
        state : FittedState
        X, covariates : as for ``prediction``
        network : callable
            ``network(X, Z)`` -> outputs of shape (n, horizon_) or (n, horizon_, n_levels);
            for a list of batches ``X`` (each with its own window length, ``Z`` None or a
            list), a list of outputs, computed at once where the batches are small.

        Returns
        -------
        pred : ndarray
            The network's outputs, float64.
        finish : callable
            As returned by ``prediction``.
        """
        X, Z, finish = self.prediction(state, X, covariates)
        return network(X, Z), finish


def stored_series(state):
    """The last window of every series a fitted state keeps, as the series to forecast after.

    Parameters
    ----------
    state : SeriesState or PretrainedState

    Returns
    -------
    tsrnn._data.SeriesData
        Copies of the kept values, with their time stamps, ids, layout and frequency.
    """
    return _data.SeriesData(
        values=[t.copy() for t in state._tails], indexes=list(state._tail_indexes),
        ids=list(state.series_ids_), layout=state._layout, freq=state._freq,
        name=state._name, ndim=state._ndim,
    )  # fmt: skip

