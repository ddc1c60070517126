"""Optimizers and gradient clipping, separate from the model.

An optimizer owns its state (moments, step count) and updates a flat parameter vector in
place from a flat gradient; it never sees the network. Its state can be copied out and put
back, so a failed training call can restore it and a saved model can resume fine-tuning.
"""

import numpy as np
from numba import njit

from ._kernels_common import _JIT


@njit(cache=True, **_JIT)
def _adam_update(params, grad, m, v, step_size, beta1, beta2, bias_root2, eps):
    one = params.dtype.type(1)
    for i in range(params.shape[0]):
        g = grad[i]
        m[i] = beta1 * m[i] + (one - beta1) * g
        v[i] = beta2 * v[i] + (one - beta2) * g * g
        params[i] -= step_size * m[i] / (np.sqrt(v[i]) / bias_root2 + eps)


@njit(cache=True, **_JIT)
def _sgd_update(params, grad, velocity, learning_rate, momentum):
    for i in range(params.shape[0]):
        velocity[i] = momentum * velocity[i] + grad[i]
        params[i] -= learning_rate * velocity[i]


@njit(cache=True, **_JIT)
def average_weights(average, params, momentum):
    """Exponential moving average of the weights, in place:
    ``average = momentum * average + (1 - momentum) * params``.

    Parameters
    ----------
    average, params : ndarray of shape (n_params,)
        Same dtype; ``average`` is updated.
    momentum : float
        Weight of the old average, in [0, 1).
    """
    m = average.dtype.type(momentum)
    rest = average.dtype.type(1) - m
    for i in range(average.shape[0]):
        average[i] = m * average[i] + rest * params[i]


@njit(cache=True)
def _sum_squares(x):
    total = 0.0
    for i in range(x.shape[0]):
        total += float(x[i]) * float(x[i])
    return total


class Adam:
    """Adam (Kingma & Ba, 2015) with PyTorch's bias-corrected update.

    Parameters
    ----------
    learning_rate : float
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
    """

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.m = self.v = None
        self.t = 0

    def update(self, params, grad):
        """One step: change ``params`` (shape (n_params,)) in place along ``grad``."""
        if self.m is None or self.m.shape != params.shape or self.m.dtype != params.dtype:
            self.m = np.zeros_like(params)
            self.v = np.zeros_like(params)
            self.t = 0
        self.t += 1
        dt = params.dtype.type
        bias1 = 1.0 - self.beta1**self.t
        bias2 = 1.0 - self.beta2**self.t
        _adam_update(
            params, grad, self.m, self.v, dt(self.learning_rate / bias1), dt(self.beta1),
            dt(self.beta2), dt(np.sqrt(bias2)), dt(self.epsilon),
        )  # fmt: skip

    def get_state(self):
        """Copy of the optimizer's state: a dict of arrays and numbers."""
        return {
            "t": self.t,
            "m": None if self.m is None else self.m.copy(),
            "v": None if self.v is None else self.v.copy(),
        }

    def set_state(self, state):
        """Put back a state from :meth:`get_state` (copied, so the caller keeps its own)."""
        self.t = int(state["t"])
        self.m = None if state["m"] is None else np.array(state["m"], copy=True)
        self.v = None if state["v"] is None else np.array(state["v"], copy=True)


class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum, as ``torch.optim.SGD``.

    Parameters
    ----------
    learning_rate : float
    momentum : float
    """

    def __init__(self, learning_rate=1e-2, momentum=0.9):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocity = None

    def update(self, params, grad):
        """One step: change ``params`` (shape (n_params,)) in place along ``grad``."""
        if self.velocity is None or self.velocity.shape != params.shape:
            self.velocity = np.zeros_like(params)
        dt = params.dtype.type
        _sgd_update(params, grad, self.velocity, dt(self.learning_rate), dt(self.momentum))

    def get_state(self):
        """Copy of the optimizer's state."""
        return {"velocity": None if self.velocity is None else self.velocity.copy()}

    def set_state(self, state):
        """Put back a state from :meth:`get_state`."""
        v = state["velocity"]
        self.velocity = None if v is None else np.array(v, copy=True)


def clip_grad_norm(grad, max_norm):
    """Scale ``grad`` in place so that its Euclidean norm is at most ``max_norm``.

    Parameters
    ----------
    grad : ndarray of shape (n_params,)
    max_norm : float or None
        None disables clipping.

    Returns
    -------
    float
        The norm before clipping (computed in float64; inf or nan if the gradient is).
    """
    norm = float(np.sqrt(_sum_squares(grad)))
    if max_norm is not None and np.isfinite(norm) and norm > max_norm:
        grad *= grad.dtype.type(max_norm / norm)
    return norm
