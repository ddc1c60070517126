"""The trainers of each device, behind one interface, and the guarded optimizer step.

The epoch loop (:func:`tsrnn._trainer.train`) talks to a trainer only: ``step(idx)`` trains
on the rows ``idx`` of the windows given at construction, ``predict(idx)`` gives the
network's outputs for rows, ``params()`` a host copy of the weights, ``Y`` is the host array
of targets, and ``finish()`` hands back the weights, leaving the optimizer (given at
construction) with its state. :func:`make_trainer` makes one: :class:`CpuTrainer` works on
host arrays with the CPU engine (:mod:`tsrnn._network`); :class:`CudaTrainer` keeps the
weights, the optimizer state and the windows on the device from construction to ``finish``
(one scalar loss comes back per step).

With ``average`` (a momentum in [0, 1)) a trainer also keeps an exponential moving average of
the weights, updated after every step and started from the initial weights; ``predict``,
``params`` and ``finish`` then use the average, and the optimizer goes on from the raw
weights.
"""

import numpy as np

from . import _network
from ._optim import Adam, average_weights, clip_grad_norm


def resolve_device(device):
    """``"cpu"``, ``"cuda"`` or ``"auto"`` -> ``"cpu"`` or ``"cuda"``.

    ``"auto"`` is ``"cuda"`` only with a real GPU. ``"cuda"`` without one raises a
    ``RuntimeError`` that names CUDA and the fix. Nothing CUDA is imported for ``"cpu"``.
    """
    if device == "cpu":
        return "cpu"
    from ._cuda import check_device

    return check_device(device)


def make_trainer(
    device, spec, params, optimizer, X, Y, loss, clip_norm, quantiles=None, Z=None, average=None
):
    """A trainer for ``device`` ("cpu" or "cuda", already resolved).

    Parameters
    ----------
    device : {"cpu", "cuda"}
    spec : NetworkSpec
    params : ndarray of shape (n_params,)
        Initial weights; the trainer works on its own copy.
    optimizer : Adam or SGD
        Its state is continued from and written back by ``finish``.
    X : ndarray of shape (n_windows, window, n_features)
    Y : ndarray of shape (n_windows, n_outputs)
    loss : str
    clip_norm : float or None
    quantiles : ndarray of shape (n_outputs,), optional
        Quantile level of each output, for ``loss="pinball"``.
    Z : ndarray of shape (n_windows, n_head_features), optional
        Head features of the windows, when ``spec.n_head_features > 0``.
    average : float, optional
        Momentum of the moving average of the weights (see the module docstring); None
        keeps none.
    """
    cls = CudaTrainer if device == "cuda" else CpuTrainer
    return cls(spec, params, optimizer, X, Y, loss, clip_norm, quantiles, Z, average)


class CpuTrainer:
    """Training with the parallel Numba CPU engine (see :func:`make_trainer`)."""

    def __init__(
        self, spec, params, optimizer, X, Y, loss, clip_norm, quantiles=None, Z=None,
        average=None,
    ):  # fmt: skip
        self.spec, self.optimizer, self.X, self.Y, self.Z = spec, optimizer, X, Y, Z
        self.loss, self.clip_norm, self.quantiles = loss, clip_norm, quantiles
        self._params = params.copy()
        self._momentum = average
        self._average = None if average is None else params.copy()

    def _weights(self):
        """The weights that predict: the moving average if kept, else the current ones."""
        return self._params if self._average is None else self._average

    def _z(self, idx):
        return None if self.Z is None else self.Z[idx]

    def step(self, idx, outputs=None):
        """Train on rows ``idx``; returns the batch loss. A NaN/inf loss or gradient is
        returned as is and nothing is changed. ``outputs`` (len(idx), n_outputs), if given,
        receives the rows' outputs before the step (from the training pass itself, unless
        a moving average of the weights predicts)."""
        from_pass = outputs
        if outputs is not None and self._average is not None:
            outputs[...], from_pass = self.predict(idx), None
        loss, grad = _network.loss_and_grad(
            self._params, self.X[idx], self.Y[idx], self.spec, self.loss, self.quantiles,
            self._z(idx), from_pass,
        )  # fmt: skip
        return apply_gradient(self._params, grad, loss, self.optimizer, self.clip_norm,
                              self._average, self._momentum)  # fmt: skip

    def predict(self, idx):
        """Outputs for rows ``idx``: ndarray of shape (len(idx), n_outputs)."""
        return _network.forward(self._weights(), self.X[idx], self.spec, self._z(idx))

    def params(self):
        """Host copy of the weights (the moving average, if kept)."""
        return self._weights().copy()

    def finish(self):
        """The weights after training (the moving average, if kept)."""
        return self._weights()


def apply_gradient(params, grad, loss, optimizer, clip_norm, average=None, momentum=None):
    """One guarded optimizer step on the host: clip, update, and keep the moving average.

    A NaN/inf loss or gradient changes nothing; an update that leaves a weight or a moment
    non-finite is undone.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        Updated in place.
    grad : ndarray of shape (n_params,)
        Clipped in place.
    loss : float
    optimizer : Adam or SGD
    clip_norm : float or None
    average : ndarray of shape (n_params,), optional
        The moving average of the weights, updated in place with ``momentum``.
    momentum : float, optional

    Returns
    -------
    float
        ``loss``, or NaN when the step was refused.
    """
    norm = clip_grad_norm(grad, clip_norm)
    if not (np.isfinite(loss) and np.isfinite(norm)):
        return float("nan")
    before, state = params.copy(), optimizer.get_state()
    optimizer.update(params, grad)
    if not _all_finite(params, optimizer.get_state()):  # it overflowed: undo it
        params[:] = before
        optimizer.set_state(state)
        return float("nan")
    if average is not None:
        average_weights(average, params, momentum)
    return loss


def _all_finite(params, optimizer_state):
    """No NaN or infinity in the weights nor in the optimizer's arrays (moments)."""
    arrays = [params] + [a for a in optimizer_state.values() if isinstance(a, np.ndarray)]
    return all(np.isfinite(a).all() for a in arrays)


class CudaTrainer:
    """Training on a CUDA GPU (see :func:`make_trainer`); Adam only."""

    def __init__(
        self, spec, params, optimizer, X, Y, loss, clip_norm, quantiles=None, Z=None,
        average=None,
    ):  # fmt: skip
        if not isinstance(optimizer, Adam):
            raise ValueError("device='cuda' trains with Adam only; use optimizer='adam'.")
        from ._cuda import CudaNetwork

        self.optimizer, self.loss, self.clip_norm = optimizer, loss, clip_norm
        self.quantiles = quantiles
        self.Y = Y  # host copy, for validation scores
        self.net = CudaNetwork(
            spec, dtype=params.dtype, learning_rate=optimizer.learning_rate,
            beta1=optimizer.beta1, beta2=optimizer.beta2, epsilon=optimizer.epsilon,
        )  # fmt: skip
        self.net.to_device(params)
        self.net.set_optimizer_state(optimizer.get_state())
        self.net.upload_windows(X, Y, Z)
        self._momentum = average
        if average is not None:
            self.net.start_average()

    def step(self, idx, outputs=None):
        """Train on rows ``idx``; returns the batch loss. A NaN/inf loss or gradient, or an
        update that overflowed, is returned as NaN and nothing is changed (as on the CPU).
        ``outputs`` (len(idx), n_outputs), if given, receives the rows' outputs before the
        step."""
        if outputs is not None:
            outputs[...] = self.predict(idx)
        idx = self.net.to_device_indices(idx)
        loss, grad = self.net.loss_and_grad(
            loss=self.loss, quantiles=self.quantiles, idx=idx, sync=True
        )
        if not np.isfinite(loss) or not self.net.apply_gradient(grad, self.clip_norm):
            return float("nan")
        if self._momentum is not None:
            self.net.update_average(self._momentum)
        return float(loss)

    def predict(self, idx):
        """Outputs for rows ``idx``: ndarray of shape (len(idx), n_outputs)."""
        averaged = self._momentum is not None
        return self.net.forward(idx=self.net.to_device_indices(idx), averaged=averaged)

    def params(self):
        """Host copy of the weights (the moving average, if kept)."""
        return self.net.get_params(averaged=self._momentum is not None)

    def finish(self):
        """The weights after training, back on the host; the optimizer gets its state back."""
        self.optimizer.set_state(self.net.get_optimizer_state())
        return self.params()
