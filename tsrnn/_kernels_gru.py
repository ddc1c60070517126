"""GRU cell: the pointwise part of one time step, forward and backward (Numba).

PyTorch's equations and gate order (r, z, n), so weights are interchangeable with
``torch.nn.GRU``; ``r`` multiplies ``W_hn h + b_hn``, not ``h``::

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

The secondary state ``s`` of the layer engine holds ``W_hn h + b_hn`` of the step, which the
backward pass needs.
"""

from numba import njit

from ._kernels_common import _JIT, flush, sigmoid, tanh


@njit(cache=True, **_JIT)
def gru_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s):
    """Gates and hidden state of one step, for a block of sequences.

    Parameters
    ----------
    a : ndarray of shape (n_seq, 3 * H)
        In: ``W_ih x`` for this step. Out: the gate activations ``[r, z, n]``.
    r : ndarray of shape (n_seq, 3 * H)
        ``W_hh h_prev`` (no bias).
    b_ih, b_hh : ndarray of shape (3 * H,)
    h_prev : ndarray of shape (n_seq, H)
    s_prev : ndarray of shape (n_seq, H)
        Unused by the GRU; same signature for every cell.
    h : ndarray of shape (n_seq, H)
        Out: hidden state after the step.
    s : ndarray of shape (n_seq, H)
        Out: ``W_hn h_prev + b_hn``.
    """
    n_seq, H = h.shape
    one = h.dtype.type(1)
    for b in range(n_seq):
        for j in range(H):
            rg = sigmoid(a[b, j] + b_ih[j] + r[b, j] + b_hh[j])
            zg = sigmoid(a[b, H + j] + b_ih[H + j] + r[b, H + j] + b_hh[H + j])
            hn = r[b, 2 * H + j] + b_hh[2 * H + j]
            ng = tanh(a[b, 2 * H + j] + b_ih[2 * H + j] + rg * hn)
            s[b, j] = hn
            h[b, j] = (one - zg) * ng + zg * h_prev[b, j]
            a[b, j] = rg
            a[b, H + j] = zg
            a[b, 2 * H + j] = ng


@njit(cache=True, **_JIT)
def gru_backward_step(a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev):
    """Gradients of one step, from the top of the cell down to its pre-activations.

    Parameters
    ----------
    a : ndarray of shape (n_seq, 3 * H)
        The gate activations ``[r, z, n]`` stored by the forward step.
    h_prev : ndarray of shape (n_seq, H)
        Hidden state before the step.
    s_prev : ndarray of shape (n_seq, H)
        Unused by the GRU.
    s : ndarray of shape (n_seq, H)
        ``W_hn h_prev + b_hn`` stored by the forward step.
    dh : ndarray of shape (n_seq, H)
        Gradient of the loss with respect to the hidden state after the step.
    ds : ndarray of shape (n_seq, H)
        Unused by the GRU (the LSTM carries its cell-state gradient here).
    dp : ndarray of shape (n_seq, 3 * H)
        Out: gradient with respect to ``W_ih x + b_ih``.
    dr : ndarray of shape (n_seq, 3 * H)
        Out: gradient with respect to ``W_hh h_prev + b_hh``.
    dh_prev : ndarray of shape (n_seq, H)
        Out: the direct part ``z * dh`` of the gradient with respect to ``h_prev``.
    """
    n_seq, H = dh.shape
    one = dh.dtype.type(1)
    for b in range(n_seq):
        for j in range(H):
            rg = a[b, j]
            zg = a[b, H + j]
            ng = a[b, 2 * H + j]
            g = dh[b, j]
            dan = flush(g * (one - zg) * (one - ng * ng))
            daz = flush(g * (h_prev[b, j] - ng) * zg * (one - zg))
            dar = flush(dan * s[b, j] * rg * (one - rg))
            dp[b, j] = dar
            dp[b, H + j] = daz
            dp[b, 2 * H + j] = dan
            dr[b, j] = dar
            dr[b, H + j] = daz
            dr[b, 2 * H + j] = dan * rg
            dh_prev[b, j] = flush(g * zg)
