"""LSTM cell: the pointwise part of one time step, forward and backward (Numba).

PyTorch's equations and gate order (i, f, g, o), so weights are interchangeable with
``torch.nn.LSTM``::

    a = W_ih x + b_ih + W_hh h + b_hh        a = [a_i, a_f, a_g, a_o], each of width H
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c' = f * c + i * g
    h' = o * tanh(c')

The matrix products ``W_ih x`` (for every time step at once) and ``W_hh h`` are done by the
chunk workers in :mod:`tsrnn._chunks`; these functions take their results and do the rest.
The secondary state ``s`` of the engine holds the cell state ``c``.

Each sequence (row) is handled by a loop over ``j < H`` on contiguous 1-D views of the gate
blocks, the shape that LLVM turns into AVX/AVX-512 code (indexing the 2-D blocks directly
defeats its alias analysis and leaves the loop scalar). Both steps work in place on the gate
block, which keeps LLVM's run-time overlap checks few (:mod:`tsrnn._kernels_common`).
"""

from numba import njit

from ._kernels_common import _JIT, _add_recurrent, flush, sigmoid, tanh, wide_vectors


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
    h_prev : ndarray of shape (n_seq, H)
        Unused by the LSTM (the GRU needs it); same signature for every cell.
    s_prev : ndarray of shape (n_seq, H)
        Cell state before the step.
    h, s : ndarray of shape (n_seq, H)
        Out: hidden and cell state after the step.
    """
    wide_vectors()
    n_seq, H = h.shape
    for b in range(n_seq):
        _add_recurrent(a[b], r[b], b_ih, b_hh)
        ai, af, ag, ao = a[b, :H], a[b, H : 2 * H], a[b, 2 * H : 3 * H], a[b, 3 * H :]
        c_prev, c_new, h_new = s_prev[b], s[b], h[b]
        for j in range(H):
            i = sigmoid(ai[j])
            f = sigmoid(af[j])
            g = tanh(ag[j])
            o = sigmoid(ao[j])
            c = f * c_prev[j] + i * g
            c_new[j] = c
            h_new[j] = o * tanh(c)
            ai[j] = i
            af[j] = f
            ag[j] = g
            ao[j] = o


@njit(cache=True, **_JIT)
def lstm_backward_step(a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev):
    """Gradients of one step, from the top of the cell down to its pre-activations.

    The gradient with respect to the hidden state after the step is ``dh_up + dh_rec``.

    Parameters
    ----------
    a : ndarray of shape (n_seq, 4 * H)
        In: the gate activations ``[i, f, g, o]`` stored by the forward step. Out: the
        gradient with respect to the gate pre-activations, which is also the gradient with
        respect to ``W_ih x + b_ih`` and to ``W_hh h + b_hh``. In place, like the forward
        step: a loop that stores where it loads needs no run-time overlap checks.
    h_prev : ndarray of shape (n_seq, H)
        Unused by the LSTM (the GRU needs it); same signature for every cell.
    s_prev, s : ndarray of shape (n_seq, H)
        Cell state before and after the step.
    dh_up : ndarray of shape (n_seq, H)
        Gradient with respect to the hidden state after the step, from above (the layer
        above, or the head).
    dh_rec : ndarray of shape (n_seq, H)
        Gradient with respect to the hidden state after the step, through ``W_hh`` of the
        step after (zero at the last step).
    ds : ndarray of shape (n_seq, H)
        In: gradient with respect to the cell state after the step (from the step after).
        Out: gradient with respect to the cell state before the step.
    dr : ndarray of shape (n_seq, 4 * H)
        Unused: for the LSTM the recurrent gradient is the one left in ``a`` (the GRU's
        differs).
    dh_up_prev : ndarray of shape (n_seq, H)
        Unused by the LSTM (the GRU adds the direct part of the gradient with respect to
        ``h_prev`` to it).
    """
    wide_vectors()
    n_seq, H = dh_up.shape
    one = dh_up.dtype.type(1)
    for b in range(n_seq):
        ai, af, ag, ao = a[b, :H], a[b, H : 2 * H], a[b, 2 * H : 3 * H], a[b, 3 * H :]
        c_prev, c, dc_b, up, rec = s_prev[b], s[b], ds[b], dh_up[b], dh_rec[b]
        for j in range(H):
            i, f, g, o = ai[j], af[j], ag[j], ao[j]
            dh = up[j] + rec[j]
            tc = tanh(c[j])
            dc = dc_b[j] + dh * o * (one - tc * tc)
            ai[j] = flush(dc * g * i * (one - i))
            af[j] = flush(dc * c_prev[j] * f * (one - f))
            ag[j] = flush(dc * i * (one - g * g))
            ao[j] = flush(dh * tc * o * (one - o))
            dc_b[j] = flush(dc * f)
