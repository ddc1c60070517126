"""The CPU engines' entry points: forward pass and loss gradient of a
:class:`~tsrnn._spec.NetworkSpec` network over its flat parameter vector (the layout is
described in :mod:`tsrnn._spec`).

The entry points cut each batch into fixed chunks (:func:`chunk_size_for`, from
:mod:`tsrnn._config`) and run the compiled chunk workers of :mod:`tsrnn._chunks` on a pool
of threads (:mod:`tsrnn._threads`; the workers release the GIL). The per-chunk gradients
are summed in chunk order: results do not depend on the thread count.
"""

from functools import cache

import numpy as np
from numba import get_num_threads

from . import _chunks, _compiling, _config
from ._spec import LOSS_CODES, NetworkSpec  # noqa: F401 - NetworkSpec is read from here too
from ._threads import ENGINE_LOCK, new_counter, run_chunks, run_tasks, workspace


def training_bytes(spec, batch_size, window, itemsize=4):
    """Working memory of one training step of ``spec`` on the CPU engine, in bytes (an upper
    estimate).

    The scratch of the chunks that run at once (one per thread of Numba's current number:
    each thread reuses its own), the per-chunk gradients, the optimizer's vectors and the
    batch.

    Parameters
    ----------
    spec : NetworkSpec
    batch_size, window : int
    itemsize : int, default=4

    Returns
    -------
    int
    """
    chunk = chunk_size_for(batch_size, spec)
    n_chunks = -(-batch_size // chunk)
    busy = min(n_chunks, get_num_threads())
    scratch = busy * _chunks.work_size(spec, min(chunk, batch_size), window, True)
    batch = batch_size * (window * spec.n_features + spec.n_outputs + spec.n_head_features)
    return itemsize * (scratch + spec.n_params * (n_chunks + 6) + batch)


def chunk_size_for(batch_size, spec):
    """Sequences per chunk for a batch: a function of the batch size and the network alone
    (never of the thread count). Wide networks (:func:`_wide`) get larger chunks, and so do
    narrow ones whose per-step products of ``CPU_NARROW_CHUNK_SIZE`` rows are small."""
    per_chunk = -(-batch_size // _config.CPU_MIN_CHUNKS)
    if _wide(spec):
        most = _config.CPU_WIDE_CHUNK_SIZE
    elif _step_rows(spec) >= _config.CPU_NARROW_CHUNK_SIZE:
        most = _config.CPU_NARROW_CHUNK_SIZE
    else:
        most = _config.CPU_CHUNK_SIZE
    return int(max(1, min(most, max(per_chunk, 8))))


def _wide(spec):
    """Whether the per-step products are too large to cut into pieces OpenBLAS multiplies
    without packing (fewer than ``CPU_MIN_STEP_ROWS`` rows a piece): then they are made
    whole, over larger chunks."""
    rows = _config.CPU_SMALL_GEMM // (spec.gates * spec.hidden_size**2)
    return rows < _config.CPU_MIN_STEP_ROWS


def _step_rows(spec):
    """Rows per product of the per-step recurrence: keep ``rows * H * G * H`` small, or,
    for a wide network, one product over the whole chunk."""
    if _wide(spec):
        return 1 << 30
    return _config.CPU_SMALL_GEMM // (spec.gates * spec.hidden_size**2)


def _head_input(Z, X, spec):
    """Head features as a contiguous array of shape (batch, n_head_features)."""
    E = spec.n_head_features
    if Z is None:
        if E:
            raise ValueError(f"the network takes {E} head features per sequence: pass Z.")
        return np.zeros((X.shape[0], 0), dtype=X.dtype)
    Z = np.ascontiguousarray(Z, dtype=X.dtype)
    if Z.shape != (X.shape[0], E):
        raise ValueError(f"Z has shape {Z.shape}, expected {(X.shape[0], E)}.")
    return Z


#: The last copy :func:`transposed` kept: (spec, copy of the weights, transposed copy).
_KEPT = [None]


def transposed(params, spec, keep=False):
    """Copy of ``params`` with every weight block stored transposed, for the forward pass.

    The forward pass multiplies by ``W.T``; with the transpose contiguous, BLAS takes its
    no-transpose path, which for the per-step products is up to twice as fast, and the
    head's loops run along contiguous rows. ``W_hh.T`` of every layer goes after the
    parameters, its rows padded (:func:`recurrent_stride`). The copy costs about as much as
    a step of one sequence. NumPy makes it, not a compiled kernel, which took 0.6 s of a
    first forecast's compile time (``benchmarks/cold_start.py --events``).

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    spec : NetworkSpec
    keep : bool, default=False
        Keep the result (at most ``_config.CPU_KEEP_TRANSPOSED`` parameters), and hand it
        back instead of a new copy while ``params`` holds the same bits and ``spec`` is the
        same (a spec's fields fix its layout). For prediction: the caller must not write to
        the result.

    Returns
    -------
    ndarray of shape (n_params + num_layers * H * ld,)
        ``W_ih`` of layer ``l`` at its usual offset as a ``(F_l, G * H)`` row-major block,
        ``W_out`` as ``(H + E, n_outputs)``, the biases (and ``W_hh`` as stored)
        unchanged; then ``W_hh.T`` of every layer as an ``(H, ld)`` block, ``ld =
        recurrent_stride(spec)``, its first ``G * H`` columns the weights, the rest zeros.
    """
    keep = keep and params.size <= _config.CPU_KEEP_TRANSPOSED
    if keep:
        kept = _KEPT[0]
        if kept is not None and kept[0] == spec and _same_bits(kept[1], params):
            return kept[2]
    blocks, recurrent, (L, H, ld), width = _weight_blocks(spec)
    n = params.size
    pt = np.empty(n + L * H * ld, dtype=params.dtype)
    pt[:n] = params
    for start, end, shape in blocks:
        pt[start:end].reshape(shape[::-1])[...] = params[start:end].reshape(shape).T
    rows = pt[n:].reshape(L, H, ld)
    if ld > width:
        rows[:, :, width:] = 0
    for layer, (start, end, shape) in enumerate(recurrent):
        rows[layer, :, :width] = params[start:end].reshape(shape).T
    if keep:
        _KEPT[0] = (spec, params.copy(), pt)  # one assignment: safe across threads
    return pt


def recurrent_stride(spec):
    """Floats from one row of a layer's ``W_hh.T`` to the next in :func:`transposed`:
    ``G * H``, plus ``_config.CPU_RECURRENT_PAD`` when ``G * H`` is 256 or 384 floats (rows
    1 or 1.5 KiB apart crowd a few sets of the L1 cache; at 512, a 128-unit LSTM, the
    padding gained nothing)."""
    width = spec.gates * spec.hidden_size
    return width + (_config.CPU_RECURRENT_PAD if width in (256, 384) else 0)


@cache
def _weight_blocks(spec):
    """What :func:`transposed` copies, made once per spec: (start, end, shape) of every
    weight matrix but ``W_hh``, the same of every ``W_hh`` (the biases left out), the shape
    ``(L, H, ld)`` of the padded ``W_hh.T`` blocks, and ``G * H``."""
    blocks = [(offset, offset + shape[0] * shape[1], shape, name)
              for name, offset, shape in spec.blocks() if len(shape) == 2]  # fmt: skip
    return (
        [b[:3] for b in blocks if not b[3].startswith("W_hh")],
        [b[:3] for b in blocks if b[3].startswith("W_hh")],
        (spec.num_layers, spec.hidden_size, recurrent_stride(spec)),
        spec.gates * spec.hidden_size,
    )


def _same_bits(a, b):
    """Whether two arrays hold the same dtype, shape and bits (NaN and -0.0 included)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    return bool(np.array_equal(a.view(unsigned), b.view(unsigned)))


def forward(params, X, spec, Z=None, pt=None):
    """Outputs of the network for a batch of windows.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    X : ndarray of shape (batch, window, n_features)
        Same dtype as ``params``.
    spec : NetworkSpec
    Z : ndarray of shape (batch, n_head_features), optional
        Head features; required when ``spec.n_head_features > 0``.
    pt : ndarray of shape (n_params,), optional
        ``transposed(params, spec)``, made once by a caller that calls more than once with
        the same weights; made here when not given.

    Returns
    -------
    ndarray of shape (batch, n_outputs)
    """
    return forward_many(params, [(X, Z)], spec, pt)[0]


def forward_many(params, batches, spec, pt=None):
    """Outputs of the network for several batches, each with its own window length.

    Batches of one chunk each (:func:`chunk_size_for`), no more of them than threads, run
    at once, one per thread: a forecast that reads a few series at two context lengths
    takes about as long as its longer read. Other batches run one after the other, each
    on every thread. Either way each batch's outputs are those :func:`forward` gives it.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    batches : list of (X, Z)
        ``X`` of shape (batch_i, window_i, n_features), ``Z`` of shape (batch_i,
        n_head_features) or None, as for :func:`forward`.
    spec : NetworkSpec
    pt : ndarray of shape (n_params,), optional
        ``transposed(params, spec)``; made here when not given.

    Returns
    -------
    list of ndarray of shape (batch_i, n_outputs)
    """
    dtype = params.dtype
    jobs = []  # (X, Z, chunk, n_chunks, out) of each batch
    for X, Z in batches:
        X = np.ascontiguousarray(X, dtype=dtype)
        chunk = chunk_size_for(X.shape[0], spec)
        out = np.empty((X.shape[0], spec.n_outputs), dtype=dtype)
        jobs.append((X, _head_input(Z, X, spec), chunk, -(-X.shape[0] // chunk), out))
    predict_chunks, _ = _chunks.engines(spec.cell_code)
    threads = get_num_threads()
    together = len(jobs) <= threads and all(job[3] == 1 for job in jobs)
    fixed = (spec.dims, spec.offsets, _step_rows(spec))
    with ENGINE_LOCK:
        pt = transposed(params, spec) if pt is None else pt
        _compiling.wait_aside(spec.cell, dtype)
        for group in [jobs] if together else [[job] for job in jobs]:
            heads = [(pt, X, Z, *fixed, chunk) for X, Z, chunk, _, _ in group]
            size = max(_chunks.work_size(spec, min(len(X), chunk), X.shape[1], False)
                       for X, _, chunk, _, _ in group)  # fmt: skip
            n_chunks, out = group[0][3], group[0][4]
            work = workspace(len(group) if together else min(n_chunks, threads), size, dtype)
            if _compiling.will_compile(predict_chunks, (*heads[0], new_counter(), 1, work[0], out)):
                _compiling.announce()
            if together:
                outs = [job[4] for job in group]
                run_tasks([(predict_chunks, (*heads[i], new_counter(), 1, work[i], outs[i]))
                           for i in range(len(group))])  # fmt: skip
            else:
                run_chunks(predict_chunks, n_chunks, heads[0], (out,), work)
    return [job[4] for job in jobs]


def loss_and_grad(params, X, Y, spec, loss="mse", quantiles=None, Z=None, outputs=None):
    """Loss of a batch and its gradient with respect to every parameter (BPTT).

    The batch is cut into chunks (:func:`chunk_size_for`, a function of the batch size and
    the network alone); the per-chunk gradients and losses are summed in chunk order, so the
    result does not depend on the thread count.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
    X : ndarray of shape (batch, window, n_features)
    Y : ndarray of shape (batch, n_outputs)
    spec : NetworkSpec
    loss : {"mse", "mae", "pinball"}
    quantiles : array-like of shape (n_outputs,), optional
        Quantile level of each output column, for ``loss="pinball"``.
    Z : ndarray of shape (batch, n_head_features), optional
        Head features; required when ``spec.n_head_features > 0``.
    outputs : ndarray of shape (batch, n_outputs), optional
        Receives the network's outputs of the batch (those of :func:`forward`), computed on
        the way; C-contiguous, of the dtype of ``params``.

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_params,)
        Same dtype as ``params``.
    """
    X = np.ascontiguousarray(X, dtype=params.dtype)
    Z = _head_input(Z, X, spec)
    Y = np.ascontiguousarray(Y, dtype=params.dtype)
    code = LOSS_CODES[loss]
    if quantiles is None:
        quantiles = np.full(spec.n_outputs, 0.5)
    quantiles = np.ascontiguousarray(quantiles, dtype=np.float64)
    norm = float(Y.size)
    B, T = X.shape[0], X.shape[1]
    chunk = chunk_size_for(B, spec)
    n_chunks = -(-B // chunk)
    loss_grad_chunks = _chunks.engines(spec.cell_code)[1]
    grads = np.empty((n_chunks, params.shape[0]), dtype=params.dtype)
    losses = np.empty(n_chunks)
    outs = np.empty((B, spec.n_outputs), dtype=params.dtype) if outputs is None else outputs
    with ENGINE_LOCK:
        n_rows = min(n_chunks, get_num_threads())
        work = workspace(n_rows, _chunks.work_size(spec, min(B, chunk), T, True), X.dtype)
        pt = transposed(params, spec)
        head = (
            params, pt, X, Z, Y, spec.dims, spec.offsets, _step_rows(spec), code, quantiles,
            norm, chunk,
        )  # fmt: skip
        probe = (*head, new_counter(), 1, work[0], grads, losses, outs)
        if _compiling.will_compile(loss_grad_chunks, probe):
            _compiling.announce()
            _compiling.compile_aside(spec.cell, X.dtype)  # a second process shares the work
        run_chunks(loss_grad_chunks, n_chunks, head, (grads, losses, outs), work)
    # the same sums whatever the thread count: the chunks are fixed by the batch size
    return float(losses.sum()) / norm, grads.sum(axis=0)
