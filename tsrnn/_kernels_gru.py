"""GRU cell: the pointwise part of one time step, forward and backward (Numba).

PyTorch's equations and gate order (r, z, n), so weights are interchangeable with
``torch.nn.GRU``; ``r`` multiplies ``W_hn h + b_hn``, not ``h``::

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

The secondary state ``s`` of the layer engine holds ``W_hn h + b_hn`` of the step, which the
backward pass needs. As in :mod:`tsrnn._kernels_lstm`, every sequence (row) is one loop over
``j < H`` on contiguous 1-D views, so that it vectorises.
"""

from numba import njit

from ._kernels_common import _JIT, _add_recurrent, flush, sigmoid, tanh, wide_vectors


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
    wide_vectors()
    n_seq, H = h.shape
    one = h.dtype.type(1)
    bi_n, bh_n = b_ih[2 * H :], b_hh[2 * H :]
    for b in range(n_seq):
        _add_recurrent(a[b, : 2 * H], r[b, : 2 * H], b_ih[: 2 * H], b_hh[: 2 * H])
        ar, az, an = a[b, :H], a[b, H : 2 * H], a[b, 2 * H :]
        rn, hp, h_new, hn_out = r[b, 2 * H :], h_prev[b], h[b], s[b]
        for j in range(H):
            hn_out[j] = rn[j] + bh_n[j]
            an[j] = an[j] + bi_n[j]
        for j in range(H):
            rg = sigmoid(ar[j])
            zg = sigmoid(az[j])
            ng = tanh(an[j] + rg * hn_out[j])
            h_new[j] = (one - zg) * ng + zg * hp[j]
            ar[j] = rg
            az[j] = zg
            an[j] = ng


@njit(cache=True, **_JIT)
def gru_backward_step(a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev):
    """Gradients of one step, from the top of the cell down to its pre-activations.

    The gradient with respect to the hidden state after the step is ``dh_up + dh_rec``.

    Parameters
    ----------
    a : ndarray of shape (n_seq, 3 * H)
        In: the gate activations ``[r, z, n]`` stored by the forward step. Out: the
        gradient with respect to ``W_ih x + b_ih`` (in place, see
        :func:`tsrnn._kernels_lstm.lstm_backward_step`).
    h_prev : ndarray of shape (n_seq, H)
        Hidden state before the step.
    s_prev : ndarray of shape (n_seq, H)
        Unused by the GRU.
    s : ndarray of shape (n_seq, H)
        ``W_hn h_prev + b_hn`` stored by the forward step.
    dh_up : ndarray of shape (n_seq, H)
        Gradient with respect to the hidden state after the step, from above.
    dh_rec : ndarray of shape (n_seq, H)
        Gradient with respect to the hidden state after the step, through ``W_hh`` of the
        step after (zero at the last step).
    ds : ndarray of shape (n_seq, H)
        Unused by the GRU (the LSTM carries its cell-state gradient here).
    dr : ndarray of shape (n_seq, 3 * H)
        Out: gradient with respect to ``W_hh h_prev + b_hh``.
    dh_up_prev : ndarray of shape (n_seq, H)
        In/out: ``dh_up`` of the step before, to which the direct part ``z * dh`` of the
        gradient with respect to ``h_prev`` is added.
    """
    wide_vectors()
    n_seq, H = dh_up.shape
    one = dh_up.dtype.type(1)
    for b in range(n_seq):
        ar, az, an = a[b, :H], a[b, H : 2 * H], a[b, 2 * H :]
        qr, qz, qn = dr[b, :H], dr[b, H : 2 * H], dr[b, 2 * H :]
        hp, hn, up, rec, up_prev = h_prev[b], s[b], dh_up[b], dh_rec[b], dh_up_prev[b]
        for j in range(H):
            rg, zg, ng = ar[j], az[j], an[j]
            g = up[j] + rec[j]
            dan = flush(g * (one - zg) * (one - ng * ng))
            daz = flush(g * (hp[j] - ng) * zg * (one - zg))
            dar = flush(dan * hn[j] * rg * (one - rg))
            ar[j] = dar
            az[j] = daz
            an[j] = dan
            qr[j] = dar
            qz[j] = daz
            qn[j] = dan * rg
            up_prev[j] += flush(g * zg)
