"""A stack of recurrent layers and a dense head over one flat parameter vector.

Layout of the parameter vector (float32 or float64, one 1-D array): for each layer
``l = 0 .. num_layers - 1`` in order ``W_ih`` of shape ``(G * H, F_l)`` row-major, ``W_hh``
``(G * H, H)``, ``b_ih`` ``(G * H,)``, ``b_hh`` ``(G * H,)``; then the head ``W_out``
``(n_outputs, H)`` and ``b_out`` ``(n_outputs,)``. ``G`` is 4 for the LSTM (gates i, f, g, o),
3 for the GRU (r, z, n) and 1 for the Elman cell; ``F_0 = n_features`` and ``F_l = H`` above.
The blocks are exactly PyTorch's ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
``bias_hh_l{k}`` and ``nn.Linear``'s ``weight`` and ``bias``. The head reads the last hidden
state of the top layer.

The engines cut the batch into fixed chunks (:mod:`tsrnn._config`), run the chunks in
parallel, each chunk through every layer with matrix products over the chunk (the input
projection of all time steps as one product, then one product per step for the recurrence),
and sum the per-chunk gradients in chunk order: results do not depend on the thread count.
Inside a chunk the data is time-major: row ``t * n_seq + b`` holds sequence ``b`` at step
``t``.
"""

from dataclasses import dataclass
from math import sqrt

import numpy as np
from numba import njit, prange

from . import _config
from ._kernels_common import _JIT
from ._kernels_gru import gru_backward_step, gru_forward_step
from ._kernels_lstm import lstm_backward_step, lstm_forward_step
from ._kernels_rnn import rnn_backward_step, rnn_forward_step

LSTM, GRU, RNN = 0, 1, 2
CELL_CODES = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
N_GATES = {LSTM: 4, GRU: 3, RNN: 1}

MSE, MAE, DOT, PINBALL = 0, 1, 2, 3
#: Loss names -> codes. "mse" and "mae" are means over every output of the batch; "pinball"
#: is the mean quantile loss, each output column with its own quantile level; "dot" is
#: ``sum(yhat * y)``, which backpropagates ``y`` as the upstream gradient (for tests).
LOSS_CODES = {"mse": MSE, "mae": MAE, "dot": DOT, "pinball": PINBALL}


@dataclass(frozen=True)
class NetworkSpec:
    """Shape of a network: cell, widths, depth and number of outputs.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    n_features : int
        Inputs per time step.
    hidden_size : int
    num_layers : int
    n_outputs : int
        Outputs of the dense head.
    """

    cell: str
    n_features: int
    hidden_size: int
    num_layers: int
    n_outputs: int

    @property
    def cell_code(self):
        return CELL_CODES[self.cell]

    @property
    def gates(self):
        return N_GATES[self.cell_code]

    @property
    def dims(self):
        """int64 array ``[cell_code, n_features, hidden_size, num_layers, n_outputs]``."""
        return np.array(
            [self.cell_code, self.n_features, self.hidden_size, self.num_layers, self.n_outputs],
            dtype=np.int64,
        )

    def blocks(self):
        """Named parameter blocks in vector order.

        Returns
        -------
        list of (str, int, tuple)
            ``(name, offset, shape)`` with names ``W_ih_l0``, ``W_hh_l0``, ``b_ih_l0``,
            ``b_hh_l0``, ..., ``W_out``, ``b_out``.
        """
        G, H = self.gates, self.hidden_size
        out, offset = [], 0
        for layer in range(self.num_layers):
            n_in = self.n_features if layer == 0 else H
            for name, shape in (
                ("W_ih", (G * H, n_in)),
                ("W_hh", (G * H, H)),
                ("b_ih", (G * H,)),
                ("b_hh", (G * H,)),
            ):
                out.append((f"{name}_l{layer}", offset, shape))
                offset += int(np.prod(shape))
        out.append(("W_out", offset, (self.n_outputs, H)))
        offset += self.n_outputs * H
        out.append(("b_out", offset, (self.n_outputs,)))
        return out

    @property
    def n_params(self):
        name, offset, shape = self.blocks()[-1]
        return offset + shape[0]

    def unpack(self, params):
        """Views of the blocks of ``params``, by name (see :meth:`blocks`)."""
        return {
            name: params[offset : offset + int(np.prod(shape))].reshape(shape)
            for name, offset, shape in self.blocks()
        }

    def init_params(self, rng, dtype=np.float32):
        """PyTorch's initialisation: every block uniform in ``±1 / sqrt(hidden_size)``.

        Parameters
        ----------
        rng : numpy.random.Generator
        dtype : {np.float32, np.float64}

        Returns
        -------
        ndarray of shape (n_params,)
        """
        bound = 1.0 / sqrt(self.hidden_size)
        return rng.uniform(-bound, bound, self.n_params).astype(dtype)

    def training_bytes(self, batch_size, window, itemsize=4):
        """Working memory of one training step, an upper estimate in bytes."""
        H, G, L = self.hidden_size, self.gates, self.num_layers
        chunk = chunk_size_for(batch_size)
        per_chunk = L * (2 * (window + 1) * chunk * H + 2 * window * chunk * G * H)
        per_chunk += window * chunk * (self.n_features + H)
        n_chunks = -(-batch_size // chunk)
        return itemsize * (
            per_chunk * n_chunks + self.n_params * (n_chunks + 6) + batch_size * window
        )


def chunk_size_for(batch_size):
    """Sequences per chunk for a batch: a function of the batch size alone."""
    per_chunk = -(-batch_size // _config.CPU_MIN_CHUNKS)
    return int(max(1, min(_config.CPU_CHUNK_SIZE, max(per_chunk, 8))))


# --------------------------------------------------------------------------------------------
# Numba engine: per-chunk workers


@njit(cache=True, **_JIT)
def _n_gates(cell):
    return 4 if cell == LSTM else (3 if cell == GRU else 1)


@njit(cache=True, **_JIT)
def _layer_offsets(dims, layer):
    """Offsets of W_ih, W_hh, b_ih, b_hh of ``layer`` and the width of its input."""
    F, H = dims[1], dims[2]
    G = _n_gates(dims[0])
    offset = 0
    for k in range(layer):
        n_in = F if k == 0 else H
        offset += G * H * (n_in + H + 2)
    n_in = F if layer == 0 else H
    o_hh = offset + G * H * n_in
    o_bih = o_hh + G * H * H
    o_bhh = o_bih + G * H
    return offset, o_hh, o_bih, o_bhh, n_in


@njit(cache=True, **_JIT)
def _head_offset(dims):
    _, _, _, o_bhh, _ = _layer_offsets(dims, dims[3] - 1)
    return o_bhh + _n_gates(dims[0]) * dims[2]


@njit(cache=True, **_JIT)
def _forward_step(cell, a, r, b_ih, b_hh, h_prev, s_prev, h, s):
    if cell == LSTM:
        lstm_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s)
    elif cell == GRU:
        gru_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s)
    else:
        rnn_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s)


@njit(cache=True, **_JIT)
def _backward_step(cell, a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev):
    if cell == LSTM:
        lstm_backward_step(a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev)
    elif cell == GRU:
        gru_backward_step(a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev)
    else:
        rnn_backward_step(a, h_prev, s_prev, s, dh, ds, dp, dr, dh_prev)


@njit(cache=True, **_JIT)
def _chunk_forward(params, x, dims, hs, ss, acts):
    """Forward pass of one chunk through every layer, keeping what BPTT needs.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    x : ndarray of shape (n_seq, T, F)
    dims : int64 ndarray ``[cell, F, H, L, O]``
    hs, ss : ndarray of shape (L, (T + 1) * n_seq, H)
        Out: hidden and secondary states of every layer, time-major, step 0 the zero state.
    acts : ndarray of shape (L, T * n_seq, G * H)
        Out: gate activations of every layer and step.
    """
    cell, F, H, L = dims[0], dims[1], dims[2], dims[3]
    n_seq, T = x.shape[0], x.shape[1]
    GH = acts.shape[2]
    zero = x.dtype.type(0)
    xt = np.empty((T * n_seq, F), dtype=x.dtype)
    for t in range(T):
        for b in range(n_seq):
            for f in range(F):
                xt[t * n_seq + b, f] = x[b, t, f]
    rec = np.empty((n_seq, GH), dtype=x.dtype)
    for layer in range(L):
        o_ih, o_hh, o_bih, o_bhh, n_in = _layer_offsets(dims, layer)
        W_ih = params[o_ih:o_hh].reshape(GH, n_in)
        W_hh = params[o_hh:o_bih].reshape(GH, H)
        b_ih = params[o_bih:o_bhh]
        b_hh = params[o_bhh : o_bhh + GH]
        inp = xt if layer == 0 else hs[layer - 1][n_seq:]
        h_all, s_all, a_all = hs[layer], ss[layer], acts[layer]
        np.dot(inp, W_ih.T, a_all)
        h_all[:n_seq] = zero
        s_all[:n_seq] = zero
        for t in range(T):
            lo, mid, hi = t * n_seq, (t + 1) * n_seq, (t + 2) * n_seq
            if t == 0:
                rec[:] = zero
            else:
                np.dot(h_all[lo:mid], W_hh.T, rec)
            _forward_step(
                cell, a_all[lo:mid], rec, b_ih, b_hh,
                h_all[lo:mid], s_all[lo:mid], h_all[mid:hi], s_all[mid:hi],
            )  # fmt: skip


@njit(cache=True, **_JIT)
def _head_forward(params, dims, h_last, out):
    """``out = h_last @ W_out.T + b_out``; h_last (n_seq, H), out (n_seq, O)."""
    H, O = dims[2], dims[4]
    o = _head_offset(dims)
    W_out = params[o : o + O * H].reshape(O, H)
    b_out = params[o + O * H : o + O * H + O]
    np.dot(h_last, W_out.T, out)
    for b in range(out.shape[0]):
        for k in range(O):
            out[b, k] += b_out[k]


@njit(cache=True, **_JIT)
def _chunk_buffers(x, dims):
    H, L = dims[2], dims[3]
    G = _n_gates(dims[0])
    n_seq, T = x.shape[0], x.shape[1]
    hs = np.empty((L, (T + 1) * n_seq, H), dtype=x.dtype)
    ss = np.empty((L, (T + 1) * n_seq, H), dtype=x.dtype)
    acts = np.empty((L, T * n_seq, G * H), dtype=x.dtype)
    return hs, ss, acts


@njit(cache=True, **_JIT)
def _chunk_predict(params, x, dims, out):
    """Outputs of one chunk: x (n_seq, T, F) -> out (n_seq, O)."""
    hs, ss, acts = _chunk_buffers(x, dims)
    _chunk_forward(params, x, dims, hs, ss, acts)
    n_seq, T, L = x.shape[0], x.shape[1], dims[3]
    _head_forward(params, dims, hs[L - 1][T * n_seq :], out)


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
                dy[b, k] = (scale if e > zero else (-scale if e < zero else zero))
            elif loss == PINBALL:
                q = quantiles[k]
                # pinball(y - yhat): q * u for u >= 0, (q - 1) * u for u < 0, u = -e
                if e < zero:
                    total += -q * e
                    dy[b, k] = -q * scale
                else:
                    total += (1.0 - q) * e
                    dy[b, k] = (1 - q) * scale if e > zero else zero
            else:  # DOT
                total += yhat[b, k] * y[b, k]
                dy[b, k] = y[b, k]
    return total


@njit(cache=True, **_JIT)
def _chunk_loss_grad(params, x, y, dims, loss, quantiles, norm, grad):
    """Loss and parameter gradient of one chunk; the gradient is written into ``grad``.

    Parameters
    ----------
    params, grad : ndarray of shape (n_params,)
    x : ndarray of shape (n_seq, T, F)
    y : ndarray of shape (n_seq, O)
    dims : int64 ndarray ``[cell, F, H, L, O]``
    loss : int
        Loss code, see ``LOSS_CODES``.
    quantiles : float64 ndarray of shape (O,)
        Quantile level of each output (pinball loss only).
    norm : float
        Divisor of the summed loss (the number of outputs of the whole batch).

    Returns
    -------
    float
        The chunk's summed loss, not divided by ``norm``.
    """
    cell, H, L, O = dims[0], dims[2], dims[3], dims[4]
    n_seq, T = x.shape[0], x.shape[1]
    dt = x.dtype
    zero = dt.type(0)
    hs, ss, acts = _chunk_buffers(x, dims)
    _chunk_forward(params, x, dims, hs, ss, acts)
    GH = acts.shape[2]

    # head and loss
    h_last = hs[L - 1][T * n_seq :]
    yhat = np.empty((n_seq, O), dtype=dt)
    _head_forward(params, dims, h_last, yhat)
    dy = np.empty((n_seq, O), dtype=dt)
    total = _loss_gradient(yhat, y, loss, quantiles, norm, dy)
    o = _head_offset(dims)
    W_out = params[o : o + O * H].reshape(O, H)
    np.dot(dy.T, h_last, grad[o : o + O * H].reshape(O, H))
    for k in range(O):
        acc = zero
        for b in range(n_seq):
            acc += dy[b, k]
        grad[o + O * H + k] = acc

    # gradient with respect to every hidden state of the current layer, from above
    dseq = np.zeros((T * n_seq, H), dtype=dt)
    np.dot(dy, W_out, dseq[(T - 1) * n_seq :])
    dp = np.empty((T * n_seq, GH), dtype=dt)
    # the recurrent pre-activation gradient differs from dp for the GRU alone
    dr = np.empty((T * n_seq if cell == GRU else 0, GH), dtype=dt)
    drec = dr if cell == GRU else dp
    dh = np.empty((n_seq, H), dtype=dt)
    ds = np.empty((n_seq, H), dtype=dt)
    dh_rec = np.empty((n_seq, H), dtype=dt)
    dh_direct = np.empty((n_seq, H), dtype=dt)
    xt = np.empty((T * n_seq, x.shape[2]), dtype=dt)
    for t in range(T):
        for b in range(n_seq):
            for f in range(x.shape[2]):
                xt[t * n_seq + b, f] = x[b, t, f]

    for layer in range(L - 1, -1, -1):
        o_ih, o_hh, o_bih, o_bhh, n_in = _layer_offsets(dims, layer)
        W_ih = params[o_ih:o_hh].reshape(GH, n_in)
        W_hh = params[o_hh:o_bih].reshape(GH, H)
        h_all, s_all, a_all = hs[layer], ss[layer], acts[layer]
        ds[:] = zero
        dh_rec[:] = zero
        for t in range(T - 1, -1, -1):
            lo, mid, hi = t * n_seq, (t + 1) * n_seq, (t + 2) * n_seq
            for b in range(n_seq):
                for j in range(H):
                    dh[b, j] = dseq[lo + b, j] + dh_rec[b, j]
            _backward_step(
                cell, a_all[lo:mid], h_all[lo:mid], s_all[lo:mid], s_all[mid:hi],
                dh, ds, dp[lo:mid], drec[lo:mid], dh_direct,
            )  # fmt: skip
            if t > 0:
                np.dot(drec[lo:mid], W_hh, dh_rec)
                for b in range(n_seq):
                    for j in range(H):
                        dh_rec[b, j] += dh_direct[b, j]
        inp = xt if layer == 0 else hs[layer - 1][n_seq:]
        np.dot(dp.T, inp, grad[o_ih:o_hh].reshape(GH, n_in))
        np.dot(drec.T, h_all[: T * n_seq], grad[o_hh:o_bih].reshape(GH, H))
        for k in range(GH):
            grad[o_bih + k] = zero
            grad[o_bhh + k] = zero
        for i in range(T * n_seq):
            for k in range(GH):
                grad[o_bih + k] += dp[i, k]
                grad[o_bhh + k] += drec[i, k]
        if layer > 0:
            np.dot(dp, W_ih, dseq)
    return total


# --------------------------------------------------------------------------------------------
# Numba engine: parallel drivers


@njit(parallel=True, cache=True, **_JIT)
def _predict_engine(params, X, dims, chunk):
    B = X.shape[0]
    out = np.empty((B, dims[4]), dtype=X.dtype)
    n_chunks = (B + chunk - 1) // chunk
    for k in prange(n_chunks):
        b0 = k * chunk
        b1 = min(B, b0 + chunk)
        _chunk_predict(params, X[b0:b1], dims, out[b0:b1])
    return out


@njit(parallel=True, cache=True, **_JIT)
def _loss_grad_engine(params, X, Y, dims, loss, quantiles, norm, chunk):
    B = X.shape[0]
    P = params.shape[0]
    n_chunks = (B + chunk - 1) // chunk
    grads = np.zeros((n_chunks, P), dtype=params.dtype)
    losses = np.zeros(n_chunks)
    for k in prange(n_chunks):
        b0 = k * chunk
        b1 = min(B, b0 + chunk)
        losses[k] = _chunk_loss_grad(
            params, X[b0:b1], Y[b0:b1], dims, loss, quantiles, norm, grads[k]
        )
    grad = np.empty(P, dtype=params.dtype)
    for j in prange(P):
        acc = grads[0, j]
        for k in range(1, n_chunks):
            acc += grads[k, j]
        grad[j] = acc
    total = 0.0
    for k in range(n_chunks):
        total += losses[k]
    return total / norm, grad


# --------------------------------------------------------------------------------------------
# Python entry points


def forward(params, X, spec):
    """Outputs of the network for a batch of windows.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    X : ndarray of shape (batch, window, n_features)
        Same dtype as ``params``.
    spec : NetworkSpec

    Returns
    -------
    ndarray of shape (batch, n_outputs)
    """
    X = np.ascontiguousarray(X, dtype=params.dtype)
    chunk = chunk_size_for(X.shape[0])
    if X.shape[0] <= chunk:  # one chunk: skip the parallel region and its start-up cost
        out = np.empty((X.shape[0], spec.n_outputs), dtype=params.dtype)
        _chunk_predict(params, X, spec.dims, out)
        return out
    return _predict_engine(params, X, spec.dims, chunk)


def loss_and_grad(params, X, Y, spec, loss="mse", quantiles=None):
    """Loss of a batch and its gradient with respect to every parameter (BPTT).

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    X : ndarray of shape (batch, window, n_features)
    Y : ndarray of shape (batch, n_outputs)
    spec : NetworkSpec
    loss : {"mse", "mae", "pinball", "dot"}
    quantiles : array-like of shape (n_outputs,), optional
        Quantile level of each output column, for ``loss="pinball"``.

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_params,)
        Same dtype as ``params``.
    """
    X = np.ascontiguousarray(X, dtype=params.dtype)
    Y = np.ascontiguousarray(Y, dtype=params.dtype)
    code = LOSS_CODES[loss]
    if quantiles is None:
        quantiles = np.full(spec.n_outputs, 0.5)
    quantiles = np.ascontiguousarray(quantiles, dtype=np.float64)
    norm = 1.0 if code == DOT else float(Y.size)
    chunk = chunk_size_for(X.shape[0])
    if X.shape[0] <= chunk:  # one chunk: skip the parallel region and its start-up cost
        grad = np.zeros_like(params)
        total = _chunk_loss_grad(params, X, Y, spec.dims, code, quantiles, norm, grad)
        return total / norm, grad
    return _loss_grad_engine(params, X, Y, spec.dims, code, quantiles, norm, chunk)
