"""LSTM cell: the pointwise part of one time step, forward and backward (Numba).

PyTorch's equations and gate order (i, f, g, o), so weights are interchangeable with
``torch.nn.LSTM``::

    a = W_ih x + b_ih + W_hh h + b_hh        a = [a_i, a_f, a_g, a_o], each of width H
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c' = f * c + i * g
    h' = o * tanh(c')

The matrix products ``W_ih x`` (for every time step at once) and ``W_hh h`` are done by the
layer engine in :mod:`tsrnn._network`; these functions take their results and do the rest.
The secondary state ``s`` of the engine holds the cell state ``c``.
"""

from numba import njit

from ._kernels_common import _JIT, flush, sigmoid, tanh


@njit(cache=True, **_JIT)
def lstm_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s):
    """Gates, cell and hidden state of one step, for a block of sequences.

    Parameters
    ----------
    a : ndarray of shape (n_seq, 4 * H)
        In: ``W_ih x`` for this step. Out: the gate activations ``[i, f, g, o]``.
    r : ndarray of shape (n_seq, 4 * H)
        ``W_hh h_prev`` (no bias).
    b_ih, b_hh : ndarray of shape (4 * H,)
    h_prev, s_prev : ndarray of shape (n_seq, H)
        Hidden and cell state before the step.
    h, s : ndarray of shape (n_seq, H)
        Out: hidden and cell state after the step.
    """
    n_seq, H = h.shape
    for b in range(n_seq):
        for j in range(H):
            i = sigmoid(a[b, j] + b_ih[j] + r[b, j] + b_hh[j])
            f = sigmoid(a[b, H + j] + b_ih[H + j] + r[b, H + j] + b_hh[H + j])
            g = tanh(a[b, 2 * H + j] + b_ih[2 * H + j] + r[b, 2 * H + j] + b_hh[2 * H + j])
            o = sigmoid(a[b, 3 * H + j] + b_ih[3 * H + j] + r[b, 3 * H + j] + b_hh[3 * H + j])
            c = f * s_prev[b, j] + i * g
            s[b, j] = c
            h[b, j] = o * tanh(c)
            a[b, j] = i
            a[b, H + j] = f
            a[b, 2 * H + j] = g
            a[b, 3 * H + j] = o


@njit(cache=True, **_JIT)
def lstm_backward_step(a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev):
    """Gradients of one step, from the top of the cell down to its pre-activations.

    Parameters
    ----------
    a : ndarray of shape (n_seq, 4 * H)
        The gate activations ``[i, f, g, o]`` stored by the forward step.
    h_prev : ndarray of shape (n_seq, H)
        Unused by the LSTM (the GRU needs it); same signature for every cell.
    s_prev, s : ndarray of shape (n_seq, H)
        Cell state before and after the step.
    dh : ndarray of shape (n_seq, H)
        Gradient of the loss with respect to the hidden state after the step.
    ds : ndarray of shape (n_seq, H)
        In: gradient with respect to the cell state after the step (from the step after).
        Out: gradient with respect to the cell state before the step.
    dp, dr : ndarray of shape (n_seq, 4 * H)
        Out: gradient with respect to ``W_ih x + b_ih`` and ``W_hh h + b_hh``; for the LSTM
        both are the gate pre-activation gradient (``dr`` may be the same array as ``dp``).
    dh_prev : ndarray of shape (n_seq, H)
        Out: the part of the gradient with respect to ``h_prev`` that does not go through
        ``W_hh`` (zero for the LSTM).
    """
    n_seq, H = dh.shape
    one = dh.dtype.type(1)
    zero = dh.dtype.type(0)
    for b in range(n_seq):
        for j in range(H):
            i = a[b, j]
            f = a[b, H + j]
            g = a[b, 2 * H + j]
            o = a[b, 3 * H + j]
            tc = tanh(s[b, j])
            do = dh[b, j] * tc
            dc = ds[b, j] + dh[b, j] * o * (one - tc * tc)
            di = flush(dc * g * i * (one - i))
            df = flush(dc * s_prev[b, j] * f * (one - f))
            dg = flush(dc * i * (one - g * g))
            do = flush(do * o * (one - o))
            ds[b, j] = flush(dc * f)
            dp[b, j] = di
            dp[b, H + j] = df
            dp[b, 2 * H + j] = dg
            dp[b, 3 * H + j] = do
            dr[b, j] = di
            dr[b, H + j] = df
            dr[b, 2 * H + j] = dg
            dr[b, 3 * H + j] = do
            dh_prev[b, j] = zero
