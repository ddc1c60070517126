"""The output layer and the loss of one chunk (:mod:`tsrnn._chunks`): the head's outputs from
the last hidden state and the head features, the loss and its gradient, and the head's
gradients.

The head's products are small loops rather than BLAS calls: with the loops ordered so that
the innermost one runs along a contiguous row, they vectorise, and every array layout Numba
compiles ``np.dot`` for costs seconds on a fresh install.
"""

from numba import njit

from ._kernels_common import _JIT
from ._spec import B_OUT, MAE, MSE, W_OUT


@njit(cache=True, **_JIT)
def _head_forward(pt, dims, offsets, h_last, z, out):
    """``out = [h_last, z] @ W_out.T + b_out``; h_last (n_seq, H), z (n_seq, E), out
    (n_seq, O). ``pt`` holds ``W_out`` transposed, see :func:`tsrnn._network.transposed`."""
    H, L, O, E = dims[2], dims[3], dims[4], dims[5]
    o_w, o_b = offsets[L, W_OUT], offsets[L, B_OUT]
    W_t = pt[o_w:o_b].reshape(H + E, O)
    b_out = pt[o_b : o_b + O]
    for b in range(out.shape[0]):
        row = out[b]
        for k in range(O):
            row[k] = 0
        for j in range(H):
            u, w = h_last[b, j], W_t[j]
            for k in range(O):
                row[k] += u * w[k]
        for j in range(E):
            u, w = z[b, j], W_t[H + j]
            for k in range(O):
                row[k] += u * w[k]
        for k in range(O):
            row[k] += b_out[k]


@njit(cache=True, **_JIT)
def _head_backward(params, dims, offsets, h_last, z, dy, grad, dh_last):
    """Gradients of the head: ``W_out`` and ``b_out`` into ``grad``, and ``dh_last = dy @
    W_out[:, :H]``; dy (n_seq, O), dh_last (n_seq, H)."""
    H, L, O, E = dims[2], dims[3], dims[4], dims[5]
    o_w, o_b = offsets[L, W_OUT], offsets[L, B_OUT]
    W_out = params[o_w:o_b].reshape(O, H + E)
    dW_out = grad[o_w:o_b].reshape(O, H + E)
    n_seq = dy.shape[0]
    for k in range(O):
        drow = dW_out[k]
        for j in range(H + E):
            drow[j] = 0
        acc = dy.dtype.type(0)
        for b in range(n_seq):
            g = dy[b, k]
            acc += g
            for j in range(H):
                drow[j] += g * h_last[b, j]
            for j in range(E):
                drow[H + j] += g * z[b, j]
        grad[o_b + k] = acc
    for b in range(n_seq):
        row = dh_last[b]
        for j in range(H):
            row[j] = 0
        for k in range(O):
            g, w = dy[b, k], W_out[k]
            for j in range(H):
                row[j] += g * w[j]


@njit(cache=True, **_JIT)
def _loss_gradient(yhat, y, loss, quantiles, norm, dy):
    """Loss of a chunk (float64 sum, not yet divided by ``norm``) and ``dy = dloss/dyhat``."""
    total = 0.0
    zero = yhat.dtype.type(0)
    scale = yhat.dtype.type(1.0 / norm)
    for b in range(yhat.shape[0]):
        for k in range(yhat.shape[1]):
            e = yhat[b, k] - y[b, k]
            if loss == MSE:
                total += e * e
                dy[b, k] = 2 * e * scale
            elif loss == MAE:
                total += abs(e)
                dy[b, k] = scale if e > zero else (-scale if e < zero else zero)
            else:  # PINBALL
                q = quantiles[k]
                # pinball(y - yhat): q * u for u >= 0, (q - 1) * u for u < 0, u = -e
                if e < zero:
                    total += -q * e
                    dy[b, k] = -q * scale
                else:
                    total += (1.0 - q) * e
                    dy[b, k] = (1 - q) * scale if e > zero else zero
    return total
