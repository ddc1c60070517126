"""numba.cuda kernels of the recurrent network: forward, BPTT, gradient reduction, Adam.

Parameter vector, cells and losses are those of :mod:`tsrnn._network` (PyTorch's layout
and gate order). Every kernel is written for any number of threads per block: threads
stride over their work items, so a block of 8 threads computes what a block of 256 does,
and the results do not depend on the block size.

Mapping (forward and backward): one block owns ``S`` consecutive sequences of the batch
(``S = dims[7]``) and loops over layers and time steps inside the kernel. One step is two
phases separated by ``cuda.syncthreads()``:

* forward: (1) every thread takes ``(sequence, gate row)`` items and computes the input and
  recurrent pre-activations, reading ``W_hh`` (transposed, so that neighbouring threads
  read neighbouring words) from shared memory and ``h`` from shared memory; (2) every
  thread takes ``(sequence, unit)`` items and applies the cell.
* backward: (1) ``(sequence, unit)`` items apply the cell's backward step into shared
  ``dp``/``dr`` and copy the step's input state to shared memory; (2) the recurrent
  gradient ``dr @ W_hh`` (``W_hh`` in shared memory), the gradient to the layer below
  ``dp @ W_ih`` and the weight gradients. Every weight-gradient
  element is owned by one thread of the block, which adds the step's contribution of the
  block's sequences to a private accumulator (``_config.CUDA_LOCAL_ACC`` per matrix, else
  directly to global memory) and at the end of the layer writes it to the block's own row of a
  ``(n_blocks, n_params)`` array of partials: no atomics, and each element is summed in a
  fixed order (steps descending, sequences ascending). The ``reduce`` kernel then adds the
  rows in block order, so gradients are bit-identical from run to run and for every block
  size.

Items are dealt to threads round-robin; a thread steps its item's row and column forward
without integer divisions, and dot products keep four partial sums so that the loads of
one thread overlap.

Shared memory is one dynamic array. ``dims[8]`` says what it holds besides the per-step
buffers: 0 nothing (weights read from global memory), 1 ``W_hh`` of the current layer,
2 ``W_hh`` and ``W_ih`` of the current layer (``W_ih`` of layer 0, ``(G H, F)``, is always
read from global memory). The host side picks the mode from the bytes available.

``dims`` (int64): ``[cell, F, H, L, O, T, B, S, smem_mode, train, loss, E]``; ``E`` head
features per window (``Z``, row ``idx[b]`` like ``X``) follow the last hidden state in the
head, whose ``W_out`` is ``(O, H + E)``. ``offsets`` (int64, ``(L + 1, 4)``): where every
parameter block starts, :attr:`tsrnn._spec.NetworkSpec.offsets` as it is; the kernels
read the layout from it and compute none of their own.
"""

import math
from functools import cache

import numpy as np
from numba import cuda, from_dtype

from .. import _config
from .._spec import B_HH, B_IH, B_OUT, END, GRU, LSTM, MAE, MSE, W_HH, W_IH, W_OUT
from ._device import simulator_enabled

#: Indices into ``dims``.
D_CELL, D_F, D_H, D_L, D_O, D_T, D_B, D_S, D_MODE, D_TRAIN, D_LOSS, D_E = range(12)
N_DIMS = 12


def shared_words(spec, seqs_per_block, mode, backward):
    """Words of dynamic shared memory one block of a kernel needs.

    Parameters
    ----------
    spec : NetworkSpec
    seqs_per_block : int
        Sequences one block handles (``dims[D_S]``).
    mode : {0, 1, 2}
        What shared memory holds besides the per-step buffers (``dims[D_MODE]``).
    backward : bool
        The backward kernel (True) or the forward kernel (False).

    Returns
    -------
    int
    """
    H, S, GH = spec.hidden_size, seqs_per_block, spec.gates * spec.hidden_size
    if backward:
        n_dr = GH if spec.cell_code == GRU else 0
        return mode * GH * H + S * (5 * H + GH + n_dr)
    return mode * GH * H + S * (2 * H + 2 * GH)


def _options(fast, max_registers):
    """``cuda.jit`` options of the forward and backward kernels."""
    options = {"fastmath": fast}
    if max_registers is not None and not simulator_enabled():
        options["max_registers"] = int(max_registers)  # the simulator has no registers
    return options


def build(dtype):
    """The kernels for one float type and the current compile-time tunables.

    Reads ``_config.CUDA_LOCAL_ACC`` and ``_config.CUDA_MAX_REGISTERS`` at every call (the
    kernels bake them in), so that a patched value gets kernels built for it.

    Parameters
    ----------
    dtype : {np.float32, np.float64}

    Returns
    -------
    types.SimpleNamespace
        See :func:`_build`.
    """
    ft = np.float32 if np.dtype(dtype) == np.float32 else np.float64
    return _build(ft, int(_config.CUDA_LOCAL_ACC), _config.CUDA_MAX_REGISTERS)


@cache
def _build(ft, local_acc, max_registers):
    """Compile-time specialisation of every kernel, once per set of arguments.

    Parameters
    ----------
    ft : {np.float32, np.float64}
    local_acc : int
        Weight-gradient elements a thread of the backward kernel accumulates privately
        (``_config.CUDA_LOCAL_ACC``).
    max_registers : int or None
        Register cap of the forward and backward kernels (``_config.CUDA_MAX_REGISTERS``).

    Returns
    -------
    types.SimpleNamespace
        ``forward``, ``backward``, ``reduce``, ``sqnorm``, ``adam`` and ``average`` kernels.
    """
    from types import SimpleNamespace

    nbt = from_dtype(np.dtype(ft))
    # float32 forward and backward kernels use the GPU's fast exp and division; float64 ones
    # stay exact (they are the reference precision)
    fast = ft == np.float32

    @cuda.jit(device=True)
    def n_gates(cell):
        return 4 if cell == LSTM else (3 if cell == GRU else 1)

    @cuda.jit(device=True)
    def layer_offsets(dims, offsets, layer):
        """Where W_ih, W_hh, b_ih, b_hh of ``layer`` start, and the width of its input."""
        n_in = dims[D_F] if layer == 0 else dims[D_H]
        return (
            offsets[layer, W_IH], offsets[layer, W_HH], offsets[layer, B_IH],
            offsets[layer, B_HH], n_in,
        )  # fmt: skip

    @cuda.jit(device=True)
    def sigmoid(x):
        one = ft(1.0)
        return one / (one + math.exp(-x))

    @cuda.jit(device=True)
    def dot(a, a0, a_step, b, b0, n):
        """``sum(a[a0 + i * a_step] * b[b0 + i] for i < n)``, four partial sums for ILP."""
        s0 = s1 = s2 = s3 = ft(0.0)
        i = 0
        while i + 4 <= n:
            s0 += a[a0 + i * a_step] * b[b0 + i]
            s1 += a[a0 + (i + 1) * a_step] * b[b0 + i + 1]
            s2 += a[a0 + (i + 2) * a_step] * b[b0 + i + 2]
            s3 += a[a0 + (i + 3) * a_step] * b[b0 + i + 3]
            i += 4
        while i < n:
            s0 += a[a0 + i * a_step] * b[b0 + i]
            i += 1
        return (s0 + s1) + (s2 + s3)

    @cuda.jit(device=True)
    def split(e, n):
        """``(e // n, e % n)`` for ``e, n >= 0``: the item's row and column."""
        q = e // n
        return q, e - q * n

    @cuda.jit(device=True)
    def advance(q, r, dq, dr, n):
        """Row and column of the item ``nt`` further on, ``(dq, dr) = split(nt, n)``."""
        r += dr
        q += dq
        if r >= n:
            r -= n
            q += 1
        return q, r

    @cuda.jit(**_options(fast, max_registers))
    def forward(params, X, Z, Y, idx, dims, offsets, fpar, hs, ss, acts, out, dy, lossb):
        """Forward pass of ``S`` sequences per block; loss and ``dy`` when training.

        params (P,); X (N, T, F), Z (N, E) and Y (N, O) windows, row ``idx[b]`` for batch
        entry b (Z is not read when E = 0); offsets (L + 1, 4) the parameter layout;
        fpar float64 ``[norm, q_0 .. q_{O-1}]``; hs, ss (L', B, T+1, H) flat, hidden and
        secondary states, step 0 zero (L' = L when training, else min(L, 2) slots reused);
        acts (L, B, T, G H) flat gate activations (training only); out (B, O) outputs;
        dy (B, O) flat loss gradient and lossb (B, O) flat float64 loss terms (training).
        """
        sm = cuda.shared.array(0, dtype=nbt)
        cell, F, H, L, O = dims[D_CELL], dims[D_F], dims[D_H], dims[D_L], dims[D_O]
        T, B, S, mode, train = dims[D_T], dims[D_B], dims[D_S], dims[D_MODE], dims[D_TRAIN]
        G = n_gates(cell)
        GH = G * H
        zero, one = ft(0.0), ft(1.0)
        tid, nt = cuda.threadIdx.x, cuda.blockDim.x
        b0 = cuda.blockIdx.x * S
        ns = S if B - b0 > S else B - b0
        o_h = mode * GH * H
        o_c = o_h + S * H
        o_ax = o_c + S * H
        o_ah = o_ax + S * GH
        o_wih = GH * H
        T1H = (T + 1) * H
        s_g0, k_g0 = split(tid, GH)
        ds_g, dk_g = split(nt, GH)
        s_h0, j_h0 = split(tid, H)
        ds_h, dj_h = split(nt, H)
        for layer in range(L):
            o_ih, o_hh, o_bih, o_bhh, n_in = layer_offsets(dims, offsets, layer)
            slot = layer if train else layer % 2
            prev = layer - 1 if train else (layer - 1) % 2
            if mode >= 1:
                for e in range(tid, GH * H, nt):
                    k = e // H
                    j = e - k * H
                    sm[j * GH + k] = params[o_hh + e]
                    if mode == 2 and layer > 0:
                        sm[o_wih + j * GH + k] = params[o_ih + e]
            for e in range(tid, ns * H, nt):
                s = e // H
                j = e - s * H
                sm[o_h + e] = zero
                sm[o_c + e] = zero
                base = (slot * B + b0 + s) * T1H
                hs[base + j] = zero
                if train:
                    ss[base + j] = zero
            cuda.syncthreads()
            for t in range(T):
                # items advance by nt: (row, column) follow without divisions
                e = tid
                s, k = s_g0, k_g0
                while e < ns * GH:
                    b = b0 + s
                    ax = params[o_bih + k]
                    if layer == 0:
                        row = idx[b]
                        for f in range(F):
                            ax += params[o_ih + k * F + f] * X[row, t, f]
                    else:
                        base = (prev * B + b) * T1H + (t + 1) * H
                        if mode == 2:
                            ax += dot(sm, o_wih + k, GH, hs, base, H)
                        else:
                            ax += dot(params, o_ih + k * H, 1, hs, base, H)
                    ah = params[o_bhh + k]
                    if t > 0:
                        hb = o_h + s * H
                        if mode >= 1:
                            ah += dot(sm, k, GH, sm, hb, H)
                        else:
                            ah += dot(params, o_hh + k * H, 1, sm, hb, H)
                    sm[o_ax + e] = ax
                    sm[o_ah + e] = ah
                    e += nt
                    s, k = advance(s, k, ds_g, dk_g, GH)
                cuda.syncthreads()
                e = tid
                s, j = s_h0, j_h0
                while e < ns * H:
                    b = b0 + s
                    g0 = s * GH + j
                    st = (slot * B + b) * T1H + (t + 1) * H + j
                    at = ((layer * B + b) * T + t) * GH + j
                    if cell == LSTM:
                        ig = sigmoid(sm[o_ax + g0] + sm[o_ah + g0])
                        fg = sigmoid(sm[o_ax + g0 + H] + sm[o_ah + g0 + H])
                        gg = math.tanh(sm[o_ax + g0 + 2 * H] + sm[o_ah + g0 + 2 * H])
                        og = sigmoid(sm[o_ax + g0 + 3 * H] + sm[o_ah + g0 + 3 * H])
                        c = fg * sm[o_c + e] + ig * gg
                        hn = og * math.tanh(c)
                        sm[o_c + e] = c
                        if train:
                            ss[st] = c
                            acts[at] = ig
                            acts[at + H] = fg
                            acts[at + 2 * H] = gg
                            acts[at + 3 * H] = og
                    elif cell == GRU:
                        rg = sigmoid(sm[o_ax + g0] + sm[o_ah + g0])
                        zg = sigmoid(sm[o_ax + g0 + H] + sm[o_ah + g0 + H])
                        hh = sm[o_ah + g0 + 2 * H]
                        ng = math.tanh(sm[o_ax + g0 + 2 * H] + rg * hh)
                        hn = (one - zg) * ng + zg * sm[o_h + e]
                        if train:
                            ss[st] = hh
                            acts[at] = rg
                            acts[at + H] = zg
                            acts[at + 2 * H] = ng
                    else:
                        hn = math.tanh(sm[o_ax + g0] + sm[o_ah + g0])
                        if train:
                            acts[at] = hn
                    sm[o_h + e] = hn
                    hs[st] = hn
                    e += nt
                    s, j = advance(s, j, ds_h, dj_h, H)
                cuda.syncthreads()

        # dense head on the last hidden state of the top layer and the head features, then
        # the loss
        o = offsets[L, W_OUT]
        o_bout = offsets[L, B_OUT]
        E = dims[D_E]
        HE = H + E
        for e in range(tid, ns * O, nt):
            s = e // O
            k = e - s * O
            b = b0 + s
            acc = zero
            for j in range(H):
                acc += params[o + k * HE + j] * sm[o_h + s * H + j]
            for j in range(E):
                acc += params[o + k * HE + H + j] * Z[idx[b], j]
            yhat = acc + params[o_bout + k]
            out[b, k] = yhat
            if train:
                loss = dims[D_LOSS]
                scale = ft(1.0 / fpar[0])
                y = Y[idx[b], k]
                err = yhat - y
                if loss == MSE:
                    lossb[b * O + k] = err * err
                    dy[b * O + k] = ft(2.0) * err * scale
                elif loss == MAE:
                    lossb[b * O + k] = abs(err)
                    dy[b * O + k] = scale if err > zero else (-scale if err < zero else zero)
                else:  # PINBALL
                    q = fpar[1 + k]
                    if err < zero:
                        lossb[b * O + k] = -q * err
                        dy[b * O + k] = -ft(q) * scale
                    else:
                        lossb[b * O + k] = (1.0 - q) * err
                        dy[b * O + k] = ft(1.0 - q) * scale if err > zero else zero

    @cuda.jit(**_options(fast, max_registers))
    def backward(params, X, Z, idx, dims, offsets, hs, ss, acts, dy, dseq, gpart):
        """BPTT of ``S`` sequences per block into row ``blockIdx.x`` of ``gpart``.

        Reads what :func:`forward` stored when training (hs, ss, acts, dy) and the head
        features Z (N, E); offsets (L + 1, 4) the parameter layout. dseq (B, T, H)
        flat: gradient with respect to the outputs of the current layer coming from the
        layer above, overwritten in place with the gradient for the layer below.
        gpart (n_blocks, P) flat: per-block gradient partials.
        """
        sm = cuda.shared.array(0, dtype=nbt)
        cell, H, L, O = dims[D_CELL], dims[D_H], dims[D_L], dims[D_O]
        T, B, S, mode = dims[D_T], dims[D_B], dims[D_S], dims[D_MODE]
        G = n_gates(cell)
        GH = G * H
        zero, one = ft(0.0), ft(1.0)
        tid, nt = cuda.threadIdx.x, cuda.blockDim.x
        blk = cuda.blockIdx.x
        b0 = blk * S
        ns = S if B - b0 > S else B - b0
        E = dims[D_E]
        HE = H + E
        P = offsets[L, END]
        gb = blk * P
        o_dh = mode * GH * H
        o_dc = o_dh + S * H
        o_dhd = o_dc + S * H
        o_dhr = o_dhd + S * H
        o_dp = o_dhr + S * H
        o_dr = o_dp + S * GH if cell == GRU else o_dp
        o_hp = o_dr + S * GH
        o_wih = GH * H
        T1H = (T + 1) * H
        s_h0, j_h0 = split(tid, H)
        ds_h, dj_h = split(nt, H)

        for p in range(tid, P, nt):
            gpart[gb + p] = zero
        cuda.syncthreads()

        # head: dW_out = dy^T [h_last, z], db_out = sum dy
        o = offsets[L, W_OUT]
        o_bout = offsets[L, B_OUT]
        for e in range(tid, O * HE, nt):
            k = e // HE
            j = e - k * HE
            acc = zero
            for s in range(ns):
                b = b0 + s
                if j < H:
                    acc += dy[b * O + k] * hs[((L - 1) * B + b) * T1H + T * H + j]
                else:
                    acc += dy[b * O + k] * Z[idx[b], j - H]
            gpart[gb + o + e] = acc
        for k in range(tid, O, nt):
            acc = zero
            for s in range(ns):
                acc += dy[(b0 + s) * O + k]
            gpart[gb + o_bout + k] = acc

        acc_hh = cuda.local.array(local_acc, nbt)
        acc_ih = cuda.local.array(local_acc, nbt)
        for layer in range(L - 1, -1, -1):
            o_ih, o_hh, o_bih, o_bhh, n_in = layer_offsets(dims, offsets, layer)
            # weight-gradient elements of this thread accumulate in registers / local memory
            # over the time loop when they fit, else in the block's row of gpart
            local_hh = (GH * H + nt - 1) // nt <= local_acc
            local_ih = (GH * n_in + nt - 1) // nt <= local_acc
            for i in range(local_acc):
                acc_hh[i] = zero
                acc_ih[i] = zero
            if mode >= 1:
                for e in range(tid, GH * H, nt):
                    sm[e] = params[o_hh + e]
                    if mode == 2 and layer > 0:
                        sm[o_wih + e] = params[o_ih + e]
            for e in range(tid, ns * H, nt):
                sm[o_dc + e] = zero
                sm[o_dhr + e] = zero
            k_i0, f_i0 = split(tid, n_in)
            dk_i, df_i = split(nt, n_in)
            cuda.syncthreads()
            for t in range(T - 1, -1, -1):
                # (1) pointwise backward step of every (sequence, unit); the step's input
                # state h_{t-1} goes to shared memory for the weight gradients
                e = tid
                s, j = s_h0, j_h0
                while e < ns * H:
                    b = b0 + s
                    if layer == L - 1:
                        up = zero
                        if t == T - 1:
                            for k in range(O):
                                up += dy[b * O + k] * params[o + k * HE + j]
                    else:
                        up = dseq[(b * T + t) * H + j]
                    g = up + sm[o_dhr + e]
                    g0 = s * GH + j
                    st = ((layer * B + b) * T1H) + t * H + j
                    sm[o_hp + e] = hs[st]
                    at = ((layer * B + b) * T + t) * GH + j
                    if cell == LSTM:
                        ig = acts[at]
                        fg = acts[at + H]
                        gg = acts[at + 2 * H]
                        og = acts[at + 3 * H]
                        tc = math.tanh(ss[st + H])
                        dc = sm[o_dc + e] + g * og * (one - tc * tc)
                        sm[o_dp + g0] = dc * gg * ig * (one - ig)
                        sm[o_dp + g0 + H] = dc * ss[st] * fg * (one - fg)
                        sm[o_dp + g0 + 2 * H] = dc * ig * (one - gg * gg)
                        sm[o_dp + g0 + 3 * H] = g * tc * og * (one - og)
                        sm[o_dc + e] = dc * fg
                        sm[o_dhd + e] = zero
                    elif cell == GRU:
                        rg = acts[at]
                        zg = acts[at + H]
                        ng = acts[at + 2 * H]
                        dan = g * (one - zg) * (one - ng * ng)
                        daz = g * (hs[st] - ng) * zg * (one - zg)
                        dar = dan * ss[st + H] * rg * (one - rg)
                        sm[o_dp + g0] = dar
                        sm[o_dp + g0 + H] = daz
                        sm[o_dp + g0 + 2 * H] = dan
                        sm[o_dr + g0] = dar
                        sm[o_dr + g0 + H] = daz
                        sm[o_dr + g0 + 2 * H] = dan * rg
                        sm[o_dhd + e] = g * zg
                    else:
                        v = acts[at]
                        sm[o_dp + g0] = g * (one - v * v)
                        sm[o_dhd + e] = zero
                    e += nt
                    s, j = advance(s, j, ds_h, dj_h, H)
                cuda.syncthreads()
                # (2) gradients to h_prev (through W_hh), to the layer below, to weights
                e = tid
                s, j = s_h0, j_h0
                while e < ns * H:
                    if t > 0:
                        rb = o_dr + s * GH
                        if mode >= 1:
                            acc = dot(sm, j, H, sm, rb, GH)
                        else:
                            acc = dot(params, o_hh + j, H, sm, rb, GH)
                        sm[o_dhr + e] = sm[o_dhd + e] + acc
                    if layer > 0:
                        pb = o_dp + s * GH
                        if mode == 2:
                            acc = dot(sm, o_wih + j, H, sm, pb, GH)
                        else:
                            acc = dot(params, o_ih + j, H, sm, pb, GH)
                        dseq[((b0 + s) * T + t) * H + j] = acc
                    e += nt
                    s, j = advance(s, j, ds_h, dj_h, H)
                if t > 0:
                    i = 0
                    e = tid
                    k, j = s_h0, j_h0  # W_hh rows split by H like (sequence, unit) items
                    while e < GH * H:
                        acc = acc_hh[i] if local_hh else gpart[gb + o_hh + e]
                        for s in range(ns):
                            acc += sm[o_dr + s * GH + k] * sm[o_hp + s * H + j]
                        if local_hh:
                            acc_hh[i] = acc
                        else:
                            gpart[gb + o_hh + e] = acc
                        i += 1
                        e += nt
                        k, j = advance(k, j, ds_h, dj_h, H)
                i = 0
                e = tid
                k, f = k_i0, f_i0
                while e < GH * n_in:
                    acc = acc_ih[i] if local_ih else gpart[gb + o_ih + e]
                    for s in range(ns):
                        b = b0 + s
                        if layer == 0:
                            xv = X[idx[b], t, f]
                        else:
                            xv = hs[(((layer - 1) * B + b) * T1H) + (t + 1) * H + f]
                        acc += sm[o_dp + s * GH + k] * xv
                    if local_ih:
                        acc_ih[i] = acc
                    else:
                        gpart[gb + o_ih + e] = acc
                    i += 1
                    e += nt
                    k, f = advance(k, f, dk_i, df_i, n_in)
                for k in range(tid, GH, nt):
                    a_p = gpart[gb + o_bih + k]
                    a_r = gpart[gb + o_bhh + k]
                    for s in range(ns):
                        a_p += sm[o_dp + s * GH + k]
                        a_r += sm[o_dr + s * GH + k]
                    gpart[gb + o_bih + k] = a_p
                    gpart[gb + o_bhh + k] = a_r
                cuda.syncthreads()
            if local_hh:
                i = 0
                for e in range(tid, GH * H, nt):
                    gpart[gb + o_hh + e] = acc_hh[i]
                    i += 1
            if local_ih:
                i = 0
                for e in range(tid, GH * n_in, nt):
                    gpart[gb + o_ih + e] = acc_ih[i]
                    i += 1

    @cuda.jit
    def reduce(gpart, n_blocks, grad, lossb, fpar, loss_out):
        """``grad[p] = sum_k gpart[k, p]`` in block order; thread 0 also sums ``lossb``.

        gpart (n_blocks, P) flat; grad (P,); lossb (n,) float64 loss terms; fpar float64,
        ``fpar[0]`` the divisor of the loss; loss_out (1,) float64, the mean loss out.
        """
        p = cuda.grid(1)
        P = grad.shape[0]
        if p < P:
            acc = gpart[p]
            for k in range(1, n_blocks):
                acc += gpart[k * P + p]
            grad[p] = acc
        if p == 0:
            total = 0.0
            for i in range(lossb.shape[0]):
                total += lossb[i]
            loss_out[0] = total / fpar[0]

    @cuda.jit
    def sqnorm(grad, parts):
        """``parts[c] = sum(grad[c::n] ** 2)`` in float64, ``c < n = parts.shape[0]``."""
        c = cuda.grid(1)
        n_parts = parts.shape[0]
        if c < n_parts:
            acc = 0.0
            for i in range(c, grad.shape[0], n_parts):
                g = float(grad[i])
                acc += g * g
            parts[c] = acc

    @cuda.jit
    def adam(params, grad, m, v, new_params, new_m, new_v, parts, hyper, status):
        """Clip (optional) and one Adam step, PyTorch's bias-corrected update, out of place.

        hyper float64 ``(step_size, beta1, beta2, sqrt(bias2), eps, max_norm, call)`` with
        ``step_size = lr / bias1``; ``max_norm <= 0`` disables clipping; ``call`` numbers
        this launch. ``parts`` holds the gradient's squared norm in pieces (:func:`sqnorm`).
        The updated weights and moments go to ``new_*``; ``params``, ``m`` and ``v`` are left
        as they were, so the caller keeps them when the step is refused. ``status[0]``
        receives the gradient norm before clipping; a non-finite norm writes nothing else.
        ``status[1]`` receives ``call`` when an updated value is not finite.
        """
        i = cuda.grid(1)
        total = 0.0
        for c in range(parts.shape[0]):
            total += parts[c]
        norm = math.sqrt(total)
        if i == 0:
            status[0] = norm
        if math.isinf(norm) or math.isnan(norm):
            return  # every thread sees the same norm: the whole step is skipped
        scale = ft(1.0)
        clip = hyper[5]
        if clip > 0.0 and norm > clip:
            scale = ft(clip / norm)
        if i < params.shape[0]:
            step, b1, b2 = ft(hyper[0]), ft(hyper[1]), ft(hyper[2])
            root2, eps = ft(hyper[3]), ft(hyper[4])
            one = ft(1.0)
            g = grad[i]
            if clip > 0.0:
                g = g * scale
                grad[i] = g
            mi = b1 * m[i] + (one - b1) * g
            vi = b2 * v[i] + (one - b2) * g * g
            pi = params[i] - step * mi / (math.sqrt(vi) / root2 + eps)
            new_m[i] = mi
            new_v[i] = vi
            new_params[i] = pi
            if not (math.isfinite(mi) and math.isfinite(vi) and math.isfinite(pi)):
                status[1] = hyper[6]

    @cuda.jit
    def average(avg, params, momentum):
        """Moving average of the weights: ``avg = momentum * avg + (1 - momentum) * params``,
        as :func:`tsrnn._optim.average_weights`; momentum float64."""
        i = cuda.grid(1)
        if i < avg.shape[0]:
            m = ft(momentum)
            avg[i] = m * avg[i] + (ft(1.0) - m) * params[i]

    return SimpleNamespace(
        forward=forward, backward=backward, reduce=reduce, sqnorm=sqnorm, adam=adam,
        average=average,
    )  # fmt: skip


__all__ = ["build", "shared_words"]
