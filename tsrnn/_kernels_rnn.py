"""Elman cell (``cell="rnn"``): the pointwise part of one time step (Numba).

``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``, as ``torch.nn.RNN`` with ``nonlinearity="tanh"``.
The secondary state of the layer engine is unused.
"""

from numba import njit

from ._kernels_common import _JIT, flush, tanh


@njit(cache=True, **_JIT)
def rnn_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s):
    """Hidden state of one step; same signature as :func:`lstm_forward_step`.

    Parameters
    ----------
    a : ndarray of shape (n_seq, H)
        In: ``W_ih x`` for this step. Out: the new hidden state (its own activation).
    r : ndarray of shape (n_seq, H)
        ``W_hh h_prev`` (no bias).
    b_ih, b_hh : ndarray of shape (H,)
    h_prev, s_prev, s : ndarray of shape (n_seq, H)
        Unused.
    h : ndarray of shape (n_seq, H)
        Out: hidden state after the step.
    """
    n_seq, H = h.shape
    for b in range(n_seq):
        for j in range(H):
            v = tanh(a[b, j] + b_ih[j] + r[b, j] + b_hh[j])
            h[b, j] = v
            a[b, j] = v


@njit(cache=True, **_JIT)
def rnn_backward_step(a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev):
    """Gradient with respect to the pre-activation; same signature as the LSTM's.

    Parameters
    ----------
    a : ndarray of shape (n_seq, H)
        The hidden state after the step, stored by the forward step.
    dh : ndarray of shape (n_seq, H)
        Gradient with respect to the hidden state after the step.
    dp, dr : ndarray of shape (n_seq, H)
        Out: gradient with respect to the pre-activation (``dr`` may be ``dp``).
    dh_prev : ndarray of shape (n_seq, H)
        Out: zero (the whole gradient to ``h_prev`` goes through ``W_hh``).
    h_prev, s_prev, s, ds : ndarray of shape (n_seq, H)
        Unused.
    """
    n_seq, H = dh.shape
    one = dh.dtype.type(1)
    zero = dh.dtype.type(0)
    for b in range(n_seq):
        for j in range(H):
            v = a[b, j]
            d = flush(dh[b, j] * (one - v * v))
            dp[b, j] = d
            dr[b, j] = d
            dh_prev[b, j] = zero
