"""Where one chunk's training pass spends its time, part by part, on one thread.

Run::

    python benchmarks/train_parts.py                       # LSTM and GRU at (1, 64, 96, 256)
    python benchmarks/train_parts.py --cells lstm --shape 4,128,256,256 --rounds 5

A chunk is what one thread trains at a time: ``chunk_size_for(batch)`` sequences of the batch
through every step (one layer here). Each part below runs alone on one thread, with the
engine's own compiled functions and the shapes and cuts the engine gives them; then the whole
chunk through the training engine's entry point (forward, loss, BPTT). What the whole takes
beyond the sum of the parts is the rest: the head and the loss, the time-major copy,
zeroing, and the caches that parts run alone do not share. GFLOP/s counts a multiply-add as
two; the peak is NumPy's 1024 x 1024 float32 product on one thread, in the same run. Times
are medians over the rounds.

Parts of a layer (``G`` gates, ``H`` units, ``F`` inputs, ``n`` sequences, ``T`` steps)::

    input products       (T n, F) @ (F, G H): every step's input projection at once (an
                         outer product for one input)
    recurrent, forward   T - 1 products (n, H) @ (H, G H), cut and padded as in the engine
    cell, forward        T forward steps of the cell's pointwise kernel
    cell, backward       T backward steps
    recurrent, backward  T - 1 products (n, G H) @ (G H, H), summed in pieces as the engine
    weight gradients     (G H, T n) @ (T n, F) and (G H, T n) @ (T n, H) and the bias sums,
                         in the engine's blocks of steps (alone here; the engine makes each
                         block as its backward pass leaves it)
"""

import argparse
import statistics
import time

import numpy as np
from numba import njit

from tsrnn._chunks import _BACKWARD_KERNELS, _FORWARD_KERNELS, engines, work_size
from tsrnn._config import CPU_STEP_DEPTH
from tsrnn._network import (
    NetworkSpec,
    _head_input,
    _step_rows,
    chunk_size_for,
    recurrent_stride,
    transposed,
)
from tsrnn._products import _dot_rows, _outer, gram_steps
from tsrnn._products import _weight_gradients as _layer_weight_gradients
from tsrnn._spec import GRU, LOSS_CODES
from tsrnn._threads import _single_threaded_blas


@njit
def _input_products(xt, W_ih, a_all, reps):
    for _ in range(reps):
        if xt.shape[1] == 1:  # as the engine: one input, an outer product
            _outer(xt[:, 0], W_ih[0], a_all)
        else:
            np.dot(xt, W_ih, a_all)


@njit
def _recurrent(h_or_dp, W, out, n, rows, depth, reps):
    T = h_or_dp.shape[0] // n
    for _ in range(reps):
        for t in range(1, T):
            _dot_rows(h_or_dp[t * n : (t + 1) * n], W, out, rows, depth)


@njit
def _weight_gradients(dp, drec, xt, h, g_ih, g_hh, g_b, g_bhh, n, reps):
    T = dp.shape[0] // n
    block = gram_steps(dp.shape[1], h.shape[1], n, T)  # in blocks of steps, as the engine
    for _ in range(reps):
        for t in range(T - 1, -1, -1):
            if t % block == 0:
                lo, end = t * n, min(T, t + block) * n
                _layer_weight_gradients(dp[lo:end], drec[lo:end], xt[lo:end], h[lo:end],
                                        g_ih, g_hh, g_b, g_bhh, t + block < T)  # fmt: skip


def _stepper(kernel, backward):
    """A driver of ``T`` steps of a cell kernel, forward or backward, on one chunk."""
    if not backward:

        @njit
        def run(a_all, rec, b, hs, ss, n, reps):
            T = a_all.shape[0] // n
            for _ in range(reps):
                for t in range(T):
                    lo, mid, hi = t * n, (t + 1) * n, (t + 2) * n
                    kernel(a_all[lo:mid], rec, b, b, hs[lo:mid], ss[lo:mid], hs[mid:hi],
                           ss[mid:hi])  # fmt: skip

        return run

    @njit
    def run(dp, hs, ss, dseq, dh_rec, ds, dr, sink, n, reps):
        T = dp.shape[0] // n
        for _ in range(reps):
            dh_rec[:] = 0
            ds[:] = 0
            for t in range(T - 1, -1, -1):
                lo, mid, hi = t * n, (t + 1) * n, (t + 2) * n
                up = dseq[lo - n : lo] if t > 0 else sink
                kernel(dp[lo:mid], hs[lo:mid], ss[lo:mid], ss[mid:hi], dseq[lo:mid], dh_rec,
                       ds, dr[lo:mid], up)  # fmt: skip

    return run


def _seconds(call, rounds, budget=0.05):
    """Median seconds of one ``call(reps)`` repetition over ``rounds`` rounds."""
    call(1)
    t = time.perf_counter()
    call(1)
    reps = max(1, int(budget / max(time.perf_counter() - t, 1e-7)))
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        call(reps)
        times.append((time.perf_counter() - t) / reps)
    return statistics.median(times)


def parts(cell, F, H, T, B, rounds, rng):
    """Rows ``(part, seconds per chunk, flops or None)`` of one chunk of the batch (B, T, F)."""
    spec = NetworkSpec(cell, F, H, 1, 1)
    G = spec.gates
    n, rows = chunk_size_for(B, spec), _step_rows(spec)
    TN, GH, dt = T * n, G * H, np.float32

    def rand(*shape, scale=0.1):
        return (scale * rng.standard_normal(shape)).astype(dt)

    xt, W_ih, W_hh = rand(TN, F), rand(F, GH), rand(GH, H)
    W_t = np.zeros((H, recurrent_stride(spec)), dt)  # W_hh.T in the engine's padded rows
    W_t[:, :GH] = rand(H, GH)
    hs, ss, acts = rand(TN + n, H), rand(TN + n, H), rand(TN, GH)
    dseq, rec, b = rand(TN, H, scale=0.01), np.zeros((n, GH), dt), np.zeros(GH, dt)
    dr = np.zeros((TN, GH if spec.cell_code == GRU else 0), dt)
    drec = dr if spec.cell_code == GRU else acts
    dh_rec, ds, sink = np.zeros((n, H), dt), np.zeros((n, H), dt), np.zeros((n, H), dt)
    g_ih, g_hh, g_b = np.empty((GH, F), dt), np.empty((GH, H), dt), np.empty(GH, dt)
    g_bhh = np.empty(GH if spec.cell_code == GRU else 0, dt)
    forward = _stepper(_FORWARD_KERNELS[spec.cell_code], False)
    backward = _stepper(_BACKWARD_KERNELS[spec.cell_code], True)
    step = 2 * n * H * GH * (T - 1)
    calls = [
        ("input products", lambda r: _input_products(xt, W_ih, acts, r), 2 * TN * F * GH),
        ("recurrent, forward", lambda r: _recurrent(hs[:TN], W_t, rec, n, rows, H, r), step),
        ("cell, forward", lambda r: forward(acts, rec, b, hs, ss, n, r), None),
        ("cell, backward", lambda r: backward(acts, hs, ss, dseq, dh_rec, ds, dr, sink, n, r),
         None),  # fmt: skip
        ("recurrent, backward",
         lambda r: _recurrent(drec, W_hh, dh_rec, n, rows, CPU_STEP_DEPTH, r), step),
        ("weight gradients", lambda r: _weight_gradients(acts, drec, xt, hs[:TN], g_ih, g_hh,
                                                         g_b, g_bhh, n, r),
         2 * TN * GH * (F + H)),
    ]  # fmt: skip
    params = spec.init_params(rng)
    X, Y = rand(n, T, F, scale=1.0), rand(n, 1, scale=1.0)
    engine = engines(spec.cell_code)[1]
    taken = np.zeros(1, np.int64)  # the engine's chunk counter: one chunk, taken afresh
    head = (params, transposed(params, spec), X, _head_input(None, X, spec), Y, spec.dims,
            spec.offsets, rows, LOSS_CODES["mse"], np.full(1, 0.5), float(n), n, taken, 1,
            np.empty(work_size(spec, n, T, True), dt), np.empty((1, len(params)), dt),
            np.empty(1), np.empty((n, 1), dt))  # fmt: skip

    def whole(reps):
        for _ in range(reps):
            taken[0] = 0
            engine(*head)

    with _single_threaded_blas():
        out = [(name, _seconds(call, rounds), flops) for name, call, flops in calls]
        out.append(("whole chunk", _seconds(whole, rounds), None))
        a = rng.standard_normal((1024, 1024)).astype(dt)
        peak = 2 * 1024**3 / _seconds(lambda r: [a @ a for _ in range(r)], rounds)
    return n, out, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    parser.add_argument("--shape", default="1,64,96,256", help="input,hidden,window,batch")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    F, H, T, B = (int(v) for v in args.shape.split(","))
    rng = np.random.default_rng(args.seed)
    for cell in args.cells:
        n, table, peak = parts(cell, F, H, T, B, args.rounds, rng)
        print(f"\n{cell.upper()} ({F}, {H}, {T}, {B}): one chunk of {n} sequences, one thread; "
              f"matmul peak {peak / 1e9:.0f} GFLOP/s\n")  # fmt: skip
        print("| part | ms per chunk | share of the whole | GFLOP/s |\n|---|---:|---:|---:|")
        whole = table[-1][1]
        for name, seconds, flops in table[:-1]:
            rate = "" if flops is None else f"{flops / seconds / 1e9:.0f}"
            print(f"| {name} | {seconds * 1e3:.4g} | {seconds / whole:.0%} | {rate} |")
        rest = whole - sum(s for _, s, _ in table[:-1])
        print(f"| the rest | {rest * 1e3:.4g} | {rest / whole:.0%} | |")
        print(f"| **{table[-1][0]}** | **{whole * 1e3:.4g}** | 100% | |")


if __name__ == "__main__":
    main()
