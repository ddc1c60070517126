"""The CPU engines' compiled part: one chunk of sequences through every layer of a
:class:`~tsrnn._spec.NetworkSpec` network (prediction; forward pass and BPTT), and the jitted
entry points that run a batch's chunks on the threads.

:mod:`tsrnn._network` cuts batches into chunks and runs these entry points on the threads.
Inside a chunk the data is time-major: row ``t * n_seq + b`` holds sequence ``b`` at step
``t``. Each layer's input projection of all time steps is one matrix product, the recurrence
one product per step; the pointwise cell arithmetic is in the ``_kernels_*`` modules, the
products in :mod:`tsrnn._products`.
"""

from functools import cache

import numpy as np
from llvmlite import ir
from numba import from_dtype, njit, types
from numba.extending import intrinsic, overload

from ._config import CPU_STEP_DEPTH
from ._head import _head_backward, _head_forward, _loss_gradient
from ._kernels_common import _JIT, denormals_are_zero, restore_fp_modes
from ._kernels_gru import gru_backward_step, gru_forward_step
from ._kernels_lstm import lstm_backward_step, lstm_forward_step
from ._kernels_rnn import rnn_backward_step, rnn_forward_step
from ._products import (
    _column_sums,
    _column_sums_weighted,
    _dot_rows,
    _gram,
    _outer,
    _time_major,
    _weight_gradients,
    gram_steps,
)
from ._spec import B_HH, B_IH, END, GRU, LSTM, RNN, W_HH, W_IH

# --------------------------------------------------------------------------------------------
# Per-chunk workers


@njit(cache=True, **_JIT)
def _n_gates(cell):
    return 4 if cell == LSTM else (3 if cell == GRU else 1)


@njit(cache=True, **_JIT)
def _layer_offsets(dims, offsets, layer):
    """Where W_ih, W_hh, b_ih, b_hh of ``layer`` start (read from the offset table) and the
    width of its input."""
    row = offsets[layer]
    n_in = dims[1] if layer == 0 else dims[2]
    return row[W_IH], row[W_HH], row[B_IH], row[B_HH], n_in


@njit(cache=True, **_JIT)
def _recurrent_weights(pt, dims, offsets):
    """``W_hh.T`` of every layer as ``pt`` stores them after the parameters: (L, H, ld),
    ``ld >= G * H`` (padded rows, see :func:`tsrnn._network.transposed`)."""
    H, L = dims[2], dims[3]
    start = offsets[L, END]
    return pt[start:].reshape(L, H, (pt.shape[0] - start) // (L * H))


def _forward_step(cell, a, r, b_ih, b_hh, h_prev, s_prev, h, s):
    """One forward step of ``cell`` (see the ``*_forward_step`` kernels); inside kernels only.

    With ``cell`` a compile-time constant (a literal: the engines get it from
    :func:`engines`), only that cell's kernel is compiled.
    """


def _backward_step(cell, a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev):
    """One backward step of ``cell`` (see the ``*_backward_step`` kernels); inside kernels
    only, compiling only that cell's kernel when ``cell`` is a literal."""


_FORWARD_KERNELS = {LSTM: lstm_forward_step, GRU: gru_forward_step, RNN: rnn_forward_step}
_BACKWARD_KERNELS = {LSTM: lstm_backward_step, GRU: gru_backward_step, RNN: rnn_backward_step}


@overload(_forward_step, prefer_literal=True, jit_options=_JIT)
def _ov_forward_step(cell, a, r, b_ih, b_hh, h_prev, s_prev, h, s):
    if isinstance(cell, types.IntegerLiteral):
        kernel = _FORWARD_KERNELS[cell.literal_value]
        return lambda cell, a, r, b_ih, b_hh, h_prev, s_prev, h, s: kernel(
            a, r, b_ih, b_hh, h_prev, s_prev, h, s
        )

    def impl(cell, a, r, b_ih, b_hh, h_prev, s_prev, h, s):  # a run-time code: every cell
        if cell == LSTM:
            lstm_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s)
        elif cell == GRU:
            gru_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s)
        else:
            rnn_forward_step(a, r, b_ih, b_hh, h_prev, s_prev, h, s)

    return impl


@overload(_backward_step, prefer_literal=True, jit_options=_JIT)
def _ov_backward_step(cell, a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev):
    if isinstance(cell, types.IntegerLiteral):
        kernel = _BACKWARD_KERNELS[cell.literal_value]
        return lambda cell, a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev: kernel(
            a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev
        )

    def impl(cell, a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev):
        if cell == LSTM:
            lstm_backward_step(a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev)
        elif cell == GRU:
            gru_backward_step(a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev)
        else:
            rnn_backward_step(a, h_prev, s_prev, s, dh_up, dh_rec, ds, dr, dh_up_prev)

    return impl


@njit(cache=True, inline="always", **_JIT)
def _chunk_forward(cell, pt, x, dims, offsets, step_rows, xt, hs, ss, acts):
    """Forward pass of one chunk through every layer, keeping what BPTT needs.

    Parameters
    ----------
    pt : ndarray of shape (n_params + L * H * ld,)
        The parameters, with transposed weight blocks (:func:`tsrnn._network.transposed`).
    x : ndarray of shape (n_seq, T, F)
    dims : int64 ndarray ``[cell, F, H, L, O, E]``
    offsets : int64 ndarray of shape (L + 1, 4)
        Where every parameter block starts (:attr:`NetworkSpec.offsets`).
    step_rows : int
        Rows per product in the per-step recurrence (:func:`_dot_rows`).
    xt : ndarray of shape (T * n_seq, F)
        Out: ``x`` time-major.
    hs, ss : ndarray of shape (L, (T + 1) * n_seq, H)
        Out: hidden and secondary states of every layer, time-major, step 0 the zero state.
    acts : ndarray of shape (L, T * n_seq, G * H)
        Out: gate activations of every layer and step (the backward pass turns them into
        the gradients with respect to the pre-activations, in place).
    """
    H, L = dims[2], dims[3]
    n_seq, T = x.shape[0], x.shape[1]
    GH = acts.shape[2]
    zero = x.dtype.type(0)
    _time_major(x, xt)
    rec = np.empty((n_seq, GH), dtype=x.dtype)
    W_rec = _recurrent_weights(pt, dims, offsets)
    for layer in range(L):
        o_ih, o_hh, o_bih, o_bhh, n_in = _layer_offsets(dims, offsets, layer)
        b_ih = pt[o_bih:o_bhh]
        b_hh = pt[o_bhh : o_bhh + GH]
        inp = xt if layer == 0 else hs[layer - 1][n_seq:]
        h_all, s_all, a_all = hs[layer], ss[layer], acts[layer]
        if n_in == 1:  # one input (a univariate series): cheaper than a BLAS call
            _outer(inp[:, 0], pt[o_ih:o_hh], a_all)
        else:
            np.dot(inp, pt[o_ih:o_hh].reshape(n_in, GH), a_all)
        h_all[:n_seq] = zero
        s_all[:n_seq] = zero
        rec[:] = zero
        for t in range(T):
            lo, mid, hi = t * n_seq, (t + 1) * n_seq, (t + 2) * n_seq
            if t > 0:
                _dot_rows(h_all[lo:mid], W_rec[layer], rec, step_rows, H)
            _forward_step(
                cell, a_all[lo:mid], rec, b_ih, b_hh,
                h_all[lo:mid], s_all[lo:mid], h_all[mid:hi], s_all[mid:hi],
            )  # fmt: skip


@njit(cache=True, **_JIT)
def _chunk_buffers(work, n_seq, T, dims):
    """The working arrays of one chunk in training, as views of ``work``.

    Parameters
    ----------
    work : ndarray of shape (W,)
        Scratch memory, at least :func:`work_size` elements; its contents are overwritten
        and never read before being written.
    n_seq, T : int
    dims : int64 ndarray ``[cell, F, H, L, O, E]``

    Returns
    -------
    xt : ndarray of shape (T * n_seq, F)
    hs, ss : ndarray of shape (L, (T + 1) * n_seq, H)
    acts : ndarray of shape (L, T * n_seq, G * H)
        Gate activations; the backward pass overwrites those of each layer with the
        gradients with respect to its pre-activations.
    dseq : ndarray of shape (T * n_seq, H)
        Gradient with respect to the hidden states of the current layer, from above.
    dr : ndarray of shape (T * n_seq, G * H)
        Gradient with respect to the recurrent pre-activations ``W_hh h + b_hh``; no
        columns unless the cell is a GRU (for the others it equals the one in ``acts``).
    """
    cell, F, H, L = dims[0], dims[1], dims[2], dims[3]
    GH = _n_gates(cell) * H
    TN = T * n_seq
    n_hs = L * (TN + n_seq) * H
    o = 0
    xt = work[o : o + TN * F].reshape(TN, F)
    o += TN * F
    hs = work[o : o + n_hs].reshape(L, TN + n_seq, H)
    o += n_hs
    ss = work[o : o + n_hs].reshape(L, TN + n_seq, H)
    o += n_hs
    acts = work[o : o + L * TN * GH].reshape(L, TN, GH)
    o += L * TN * GH
    dseq = work[o : o + TN * H].reshape(TN, H)
    o += TN * H
    gr = GH if cell == GRU else 0
    dr = work[o : o + TN * gr].reshape(TN, gr)
    return xt, hs, ss, acts, dseq, dr


@njit(cache=True, inline="always", **_JIT)
def _chunk_predict(cell, pt, x, z, dims, offsets, step_rows, work, out):
    """Outputs of one chunk: x (n_seq, T, F) and head features z (n_seq, E) -> out (n_seq, O).

    The same arithmetic as :func:`_chunk_forward`, streamed: every layer advances one step at
    a time, with the input projection of the step as its own product, and only the states of
    the step before are kept. The working set stays in the per-core caches whatever the
    window, where the training pass keeps every step for backpropagation.

    Parameters
    ----------
    pt, x, dims, offsets, step_rows
        As for :func:`_chunk_forward`.
    z : ndarray of shape (n_seq, E)
    work : ndarray of shape (W,)
        Scratch memory, at least :func:`work_size` elements (``train=False``).
    out : ndarray of shape (n_seq, O)
    """
    F, H, L = dims[1], dims[2], dims[3]
    n_seq, T = x.shape[0], x.shape[1]
    GH = _n_gates(cell) * H
    TN = T * n_seq
    zero = x.dtype.type(0)
    xt = work[: TN * F].reshape(TN, F)
    o = TN * F
    hs = work[o : o + 2 * L * n_seq * H].reshape(2, L, n_seq, H)  # [t % 2]: after step t
    o += 2 * L * n_seq * H
    ss = work[o : o + 2 * L * n_seq * H].reshape(2, L, n_seq, H)
    o += 2 * L * n_seq * H
    a = work[o : o + n_seq * GH].reshape(n_seq, GH)
    o += n_seq * GH
    rec = work[o : o + n_seq * GH].reshape(n_seq, GH)
    _time_major(x, xt)
    W_rec = _recurrent_weights(pt, dims, offsets)
    hs[1] = zero  # the zero state, "after step -1"
    ss[1] = zero
    for t in range(T):
        now, before = t % 2, (t + 1) % 2
        for layer in range(L):
            o_ih, o_hh, o_bih, o_bhh, n_in = _layer_offsets(dims, offsets, layer)
            inp = xt[t * n_seq : (t + 1) * n_seq] if layer == 0 else hs[now, layer - 1]
            W_ih = pt[o_ih:o_hh].reshape(n_in, GH)
            if n_in == 1:  # one input (a univariate series): cheaper than a BLAS call
                _outer(inp[:, 0], pt[o_ih:o_hh], a)
            elif layer == 0:
                np.dot(inp, W_ih, a)
            else:  # the recurrent product's shape: cut like it, so BLAS does not pack W_ih
                _dot_rows(inp, W_ih, a, step_rows, H)
            if t == 0:
                rec[:] = zero
            else:
                _dot_rows(hs[before, layer], W_rec[layer], rec, step_rows, H)
            _forward_step(
                cell, a, rec, pt[o_bih:o_bhh], pt[o_bhh : o_bhh + GH],
                hs[before, layer], ss[before, layer], hs[now, layer], ss[now, layer],
            )  # fmt: skip
    _head_forward(pt, dims, offsets, hs[(T - 1) % 2, L - 1], z, out)


@njit(cache=True, inline="always", **_JIT)
def _chunk_loss_grad(
    cell, params, pt, x, z, y, dims, offsets, step_rows, loss, quantiles, norm, work, grad,
    yhat,
):  # fmt: skip
    """Loss and parameter gradient of one chunk; the gradient is written into ``grad``, the
    network's outputs into ``yhat``.

    Parameters
    ----------
    params, grad : ndarray of shape (n_params,)
    pt : ndarray of shape (n_params + L * H * ld,)
        ``params`` with transposed weight blocks (:func:`tsrnn._network.transposed`), for
        the forward pass.
    x : ndarray of shape (n_seq, T, F)
    z : ndarray of shape (n_seq, E)
        Head features.
    y : ndarray of shape (n_seq, O)
    dims : int64 ndarray ``[cell, F, H, L, O, E]``
    offsets : int64 ndarray of shape (L + 1, 4)
        Where every parameter block starts (:attr:`NetworkSpec.offsets`).
    step_rows : int
        Rows per product in the per-step recurrence (:func:`_dot_rows`).
    loss : int
        Loss code, see ``LOSS_CODES``.
    quantiles : float64 ndarray of shape (O,)
        Quantile level of each output (pinball loss only).
    norm : float
        Divisor of the summed loss (the number of outputs of the whole batch).
    work : ndarray of shape (W,)
        Scratch memory, see :func:`_chunk_buffers`.
    yhat : ndarray of shape (n_seq, O)
        Receives the outputs of the forward pass.

    Returns
    -------
    float
        The chunk's summed loss, not divided by ``norm``.
    """
    H, L, O = dims[2], dims[3], dims[4]
    n_seq, T = x.shape[0], x.shape[1]
    dt = x.dtype
    zero = dt.type(0)
    xt, hs, ss, acts, dseq, dr = _chunk_buffers(work, n_seq, T, dims)
    _chunk_forward(cell, pt, x, dims, offsets, step_rows, xt, hs, ss, acts)
    GH = acts.shape[2]

    # head and loss
    h_last = hs[L - 1][T * n_seq :]
    _head_forward(pt, dims, offsets, h_last, z, yhat)
    dy = np.empty((n_seq, O), dtype=dt)
    total = _loss_gradient(yhat, y, loss, quantiles, norm, dy)

    # gradient with respect to every hidden state of the current layer, from above: for the
    # top layer, the head's at the last step and zero before, where only the GRU's steps
    # need rows of their own (they add to the row of the step before)
    if cell == GRU:
        dseq[: (T - 1) * n_seq] = zero
    _head_backward(params, dims, offsets, h_last, z, dy, grad, dseq[(T - 1) * n_seq :])
    ds = np.empty((n_seq, H), dtype=dt)
    dh_rec = np.empty((n_seq, H), dtype=dt)
    sink = np.zeros((n_seq, H), dtype=dt)  # dh_up_prev of the first step, discarded
    none = np.zeros((n_seq, H), dtype=dt)  # dh_up of the top layer's earlier steps

    # the weight gradients of a layer are summed over blocks of steps as the backward pass
    # leaves each block, while its rows are in the core's caches
    block = gram_steps(GH, H, n_seq, T)
    depth = np.int64(CPU_STEP_DEPTH)  # a run-time integer, as the other calls of _dot_rows pass
    for layer in range(L - 1, -1, -1):
        o_ih, o_hh, o_bih, o_bhh, n_in = _layer_offsets(dims, offsets, layer)
        W_ih = params[o_ih:o_hh].reshape(GH, n_in)
        W_hh = params[o_hh:o_bih].reshape(GH, H)
        g_ih, g_hh = grad[o_ih:o_hh].reshape(GH, n_in), grad[o_hh:o_bih].reshape(GH, H)
        g_bhh = grad[o_bhh : o_bhh + (GH if cell == GRU else 0)]
        h_all, s_all, dp = hs[layer], ss[layer], acts[layer]
        inp = xt if layer == 0 else hs[layer - 1][n_seq:]
        # the backward steps turn the activations in dp into the gradients with respect to
        # the pre-activations; the recurrent one differs for the GRU alone (the other cells
        # leave dr alone and use dp for both)
        drec = dr if cell == GRU else dp
        ds[:] = zero
        dh_rec[:] = zero
        for t in range(T - 1, -1, -1):
            lo, mid, hi = t * n_seq, (t + 1) * n_seq, (t + 2) * n_seq
            up_prev = dseq[lo - n_seq : lo] if t > 0 else sink
            up = none if layer == L - 1 and t < T - 1 and cell != GRU else dseq[lo:mid]
            _backward_step(
                cell, dp[lo:mid], h_all[lo:mid], s_all[lo:mid], s_all[mid:hi],
                up, dh_rec, ds, dr[lo:mid], up_prev,
            )  # fmt: skip
            if t > 0:
                _dot_rows(drec[lo:mid], W_hh, dh_rec, step_rows, depth)
            if t % block == 0:  # steps t .. t + block - 1 are done
                end = min(T, t + block) * n_seq
                _weight_gradients(
                    dp[lo:end], drec[lo:end], inp[lo:end], h_all[lo:end], g_ih, g_hh,
                    grad[o_bih:o_bhh], g_bhh, t + block < T,
                )  # fmt: skip
        if cell != GRU:  # drec is dp: both biases get the same gradient
            for j in range(GH):
                grad[o_bhh + j] = grad[o_bih + j]
        if layer > 0:
            np.dot(dp, W_ih, dseq)
    return total


def training_callees(cell, dtype):
    """The compiled functions that the training engine of ``cell`` calls, with the argument
    types of those calls (those of :func:`_chunk_loss_grad`): the cell's forward step, then
    the others, the last called first.

    Numba compiles them one after the other while it types the training engine, for about
    half of that engine's compile time. :func:`tsrnn._compiling.compile_aside` compiles them
    into the disk cache in this order in a second process: the two processes meet in the
    middle, and the first loads the rest from the cache. The forward step, the costliest,
    goes first: the engine reaches it after a second of smaller functions, and in that time
    the helper can have it ready (about 0.4 s less for a first forecast than the plain
    reverse order). A list that stops matching the calls costs only that time (the tests
    compare it with what training compiles).

    Parameters
    ----------
    cell : int
        Cell code, see ``CELL_CODES``.
    dtype : numpy dtype
        float32 or float64.

    Returns
    -------
    list of (numba Dispatcher, tuple of numba types)
    """
    f = from_dtype(np.dtype(dtype))
    v, m, t3 = (types.Array(f, ndim, "C") for ndim in (1, 2, 3))
    ints = types.Array(types.int64, 1, "C")
    table = types.Array(types.int64, 2, "C", readonly=True)  # NetworkSpec.offsets
    i = types.int64
    calls = [
        (_chunk_buffers, (v, i, i, ints)),
        (_time_major, (t3, m)),
        (_recurrent_weights, (v, ints, table)),
        (_layer_offsets, (ints, table, i)),
        (_outer, (types.Array(f, 1, "A"), v, m)),
        (_dot_rows, (m, m, m, i, i)),
        (_FORWARD_KERNELS[cell], (m, m, v, v, m, m, m, m)),
        (_head_forward, (v, ints, table, m, m, m)),
        (_loss_gradient, (m, m, i, types.Array(types.float64, 1, "C"), types.float64, m)),
        (_head_backward, (v, ints, table, m, m, m, v, m)),
        (gram_steps, (i, i, i, i)),
        (_BACKWARD_KERNELS[cell], (m,) * 9),
        (_weight_gradients, (m, m, m, m, m, m, v, v, types.boolean)),
        (_gram, (m, m, m, types.boolean)),
        (_column_sums, (m, v, types.boolean)),
        (_column_sums_weighted, (m, v, v, v, types.boolean)),
    ]
    forward = calls.pop(6)
    return [forward] + calls[::-1]


# --------------------------------------------------------------------------------------------
# Scratch memory, and the entry points run on the threads


def work_size(spec, n_seq, T, train):
    """Elements of scratch memory one chunk of ``n_seq`` sequences of ``T`` steps needs."""
    F, H, L, G = spec.n_features, spec.hidden_size, spec.num_layers, spec.gates
    TN = T * n_seq
    if not train:  # see _chunk_predict
        return TN * F + 4 * L * n_seq * H + 2 * n_seq * G * H
    size = TN * F + L * (2 * (TN + n_seq) * H + TN * G * H)
    size += TN * H + (TN * G * H if spec.cell_code == GRU else 0)
    return size


@intrinsic
def _take(typingctx, taken):
    """``taken[0] += 1`` atomically, returning the value before: the next chunk for the
    calling thread; ``taken`` an int64 array shared by the threads of one engine call."""
    if not (isinstance(taken, types.Array) and taken.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        one = ir.Constant(ir.IntType(64), 1)
        return builder.atomic_rmw("add", ary.data, one, "monotonic")

    return types.int64(taken), codegen


@cache
def engines(cell):
    """The two jitted entry points of one cell, compiled on first use.

    ``cell`` (a cell code) is a constant of these closures, so Numba types it as a literal
    all the way down to :func:`_forward_step` and :func:`_backward_step`: a model compiles
    its own cell, not all three. The closures are cached on disk like the module's functions
    (Numba keys their cache by the value of the constant).

    Both run chunks of a batch cut into chunks of ``chunk`` sequences, and release the GIL:
    :func:`tsrnn._threads.run_chunks` calls them from a pool of threads, each thread with
    its own row of scratch memory, all with one counter ``taken`` (int64 array of shape
    (1,), zero at the start): each thread takes the next chunk from it until ``n_chunks``
    are taken, so a thread that starts late or runs on a busier core takes fewer. Every
    chunk writes its own slots, so the results do not depend on which thread ran it. While
    they run, the thread's CPU flushes denormal floats to zero
    (:func:`~tsrnn._kernels_common.denormals_are_zero`). Plain functions compile in a
    fraction of the time a ``parallel=True`` region takes.

    Parameters
    ----------
    cell : int
        Cell code, see ``CELL_CODES``.

    Returns
    -------
    predict_chunks, loss_grad_chunks : numba dispatchers
    """

    @njit(cache=True, nogil=True, **_JIT)
    def predict_chunks(pt, X, Z, dims, offsets, step_rows, chunk, taken, n_chunks, work, out):
        """Outputs of the chunks of the batch X (B, T, F), Z (B, E) into out (B, O)."""
        B = X.shape[0]
        modes = denormals_are_zero()
        k = _take(taken)
        while k < n_chunks:
            b0 = k * chunk
            b1 = min(B, b0 + chunk)
            _chunk_predict(
                cell, pt, X[b0:b1], Z[b0:b1], dims, offsets, step_rows, work, out[b0:b1],
            )  # fmt: skip
            k = _take(taken)
        restore_fp_modes(modes)

    @njit(cache=True, nogil=True, **_JIT)
    def loss_grad_chunks(
        params, pt, X, Z, Y, dims, offsets, step_rows, loss, quantiles, norm, chunk, taken,
        n_chunks, work, grads, losses, outs,
    ):  # fmt: skip
        """Summed loss and gradient of each chunk k into losses[k] and grads[k] (P,), the
        outputs into the rows of outs (B, O)."""
        B = X.shape[0]
        modes = denormals_are_zero()
        k = _take(taken)
        while k < n_chunks:
            b0 = k * chunk
            b1 = min(B, b0 + chunk)
            losses[k] = _chunk_loss_grad(
                cell, params, pt, X[b0:b1], Z[b0:b1], Y[b0:b1], dims, offsets,
                step_rows, loss, quantiles, norm, work, grads[k], outs[b0:b1],
            )  # fmt: skip
            k = _take(taken)
        restore_fp_modes(modes)

    return predict_chunks, loss_grad_chunks
