"""Elman cell (``cell="rnn"``): the pointwise part of one time step (Numba).

``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``, as ``torch.nn.RNN`` with ``nonlinearity="tanh"``.
The secondary state of the layer engine is unused. Rows are looped over as contiguous 1-D
views, as in :mod:`tsrnn._kernels_lstm`, so that the loops vectorise.
"""

from numba import njit

from ._kernels_common import _JIT, _add_recurrent, flush, tanh, wide_vectors


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
    wide_vectors()
    n_seq, H = h.shape
    for b in range(n_seq):
        ab, h_new = a[b], h[b]
        _add_recurrent(ab, r[b], b_ih, b_hh)
        for j in range(H):
            v = tanh(ab[j])
            h_new[j] = v
            ab[j] = v


@njit(cache=True, **_JIT)
def rnn_backward_step(a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev):
    """Gradient with respect to the pre-activation; same signature as the LSTM's.

    Parameters
    ----------
    a : ndarray of shape (n_seq, H)
        In: the hidden state after the step, stored by the forward step. Out: the gradient
        with respect to the pre-activation (both ``W_ih x + b_ih`` and ``W_hh h + b_hh``),
        in place.
    dh_up, dh_rec : ndarray of shape (n_seq, H)
        Gradient with respect to the hidden state after the step, from above and through
        ``W_hh`` of the step after; their sum is the whole gradient.
    h_prev, s_prev, s, ds, dr, dh_up_prev : ndarray of shape (n_seq, H)
        Unused (the recurrent gradient is the one left in ``a``, and the whole gradient to
        ``h_prev`` goes through ``W_hh``).
    """
    wide_vectors()
    n_seq, H = dh_up.shape
    one = dh_up.dtype.type(1)
    for b in range(n_seq):
        ab, up, rec = a[b], dh_up[b], dh_rec[b]
        for j in range(H):
            v = ab[j]
            ab[j] = flush((up[j] + rec[j]) * (one - v * v))
