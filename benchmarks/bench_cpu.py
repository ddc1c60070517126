"""CPU benchmark: tsrnn's Numba engine against PyTorch's nn.LSTM / nn.GRU.

Both sides run the same problem in float32 on the same number of threads (``NUMBA_NUM_THREADS``
for tsrnn, ``torch.set_num_threads`` for PyTorch): a recurrent layer, a dense head from the
last hidden state to one output, the MSE loss and Adam. For every configuration the
measurements alternate (tsrnn, torch, torch with flush-to-zero, tsrnn, ...) in one process and
are repeated, so that a machine shared with other jobs slows all of them alike; the table
gives medians over the rounds and the median of the per-round ratios. A measurement whose
slowest round took more than 1.5 times its fastest gets a note under the table: PyTorch's
time sometimes breaks down for a while (a training step ten times slower), and a median of
three rounds does not always hide it.

Rows
----
train
    One training step on a batch: forward, backward (BPTT) and the Adam update.
infer
    Outputs of a batch (no gradient).
latency
    One window (batch 1) through the raw network: ``tsrnn._network.forward`` and the torch
    module under ``torch.inference_mode``; microseconds per call.
latency floor
    The recurrent products of that window alone: ``window`` products ``h @ W_hh.T`` of
    shapes (1, H) and (H, G H), through the same ``np.dot`` inside a Numba loop. ``W_hh``
    does not fit the L1 cache; this is what reading it once per step costs, before any gate
    arithmetic.
estimator partial_fit epoch / estimator fit epoch / predict 1
    The estimator, ``tsrnn.RNNForecaster`` in windows mode, on the first configuration, in
    turns with eight training steps of the raw engine (the ``train`` row's) and of torch on
    the same ``8 * batch`` windows:

    - ``partial_fit`` epoch: one ``partial_fit`` call over the ``8 * batch`` windows (input
      checks, scaling, the prequential interval errors included);
    - ``fit`` epoch: ``fit`` with the defaults but ``max_epochs=5``, per epoch: 10% of the
      windows held out and scored every epoch, everything a ``fit`` does included;
      sequences per second count the training windows;
    - ``/ engine``: the estimator's speed over the engine's (1.00 = no overhead);
    - ``predict 1``: ``predict`` of one window, microseconds.

Torch is timed as users run it, and again after ``torch.set_flush_denormal(True)``: long
windows make its backward pass run into denormal floats, which are slow on x86 (tsrnn's engines
run with the CPU's flush-to-zero on).

FLOP count (multiply-adds count two; pointwise gate math and the head are left out), per
sequence and time step with ``G`` gates (4 LSTM, 3 GRU), input width ``I`` and hidden size
``H``::

    forward   2 G H (I + H)          input projection and recurrent product
    backward  2 G H (I + 2 H)        gradients of W_ih, W_hh and of the previous hidden state
    train     2 G H (2 I + 3 H)      forward + backward

GFLOP/s is that count over the measured time, for both libraries alike. The peak is the
float32 matrix product of NumPy at 2048 x 2048 on the same threads, measured in a
subprocess during the same run; if ``OPENBLAS_CORETYPE`` or ``OPENBLAS_L2_SIZE`` are set in
the environment, they are removed for that subprocess only (they can slow OpenBLAS down),
and the output says so.

Usage::

    python benchmarks/bench_cpu.py                  # full table
    python benchmarks/bench_cpu.py --quick          # short run (CI)
    python benchmarks/bench_cpu.py --cells lstm --configs 1,64,96,256 8,128,336,256
    python benchmarks/bench_cpu.py --chunk-sizes 32 16   # tsrnn alone, chunk sizes A/B
    python benchmarks/bench_cpu.py --base           # the base model's shapes

A configuration is ``input,hidden,window,batch`` or ``input,hidden,window,batch,layers``
(one layer by default). ``--base`` runs the shapes a pretrained base model trains at: two
layers, hidden 128 and 256, windows of 512, batch 256, four input features (GRU and LSTM).

``--chunk-sizes`` replaces the comparison with torch by one of the engine's chunk sizes
(``tsrnn._config.CPU_CHUNK_SIZE`` and ``CPU_NARROW_CHUNK_SIZE``, sequences per worker task;
not that of wide networks), alternating in one process like the main table; ratios are to
the first size given.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from _bench_common import fmt, markdown_table

DEFAULT_CONFIGS = ((1, 64, 96, 256), (8, 128, 336, 256), (1, 32, 48, 32))
BASE_CONFIGS = ((4, 128, 512, 256, 2), (4, 256, 512, 256, 2))
#: Training steps per estimator epoch (the estimator rows train on this many batches).
EPOCH_STEPS = 8
LATENCY_CONFIG = (1, 64, 48, 1)  # (input, hidden, window, batch)
GATES = {"lstm": 4, "gru": 3}
PEAK_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

_PEAK_SCRIPT = """
import sys, time
import numpy as np
from threadpoolctl import threadpool_limits
n, threads, repeats = 2048, int(sys.argv[1]), int(sys.argv[2])
a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
b = a.copy()
best = float("inf")
with threadpool_limits(threads):
    a @ b
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
print(2 * n**3 / best / 1e9)
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short round per row")
    parser.add_argument(
        "--cells", nargs="+", default=["lstm", "gru"], choices=sorted(GATES), help="cells"
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        default=None,
        help="input,hidden,window,batch (default: 1,64,96,256 8,128,336,256 1,32,48,32; "
        "--quick leaves out the long 8,128,336,256)",
    )
    parser.add_argument("--threads", type=int, default=None, help="threads (default: all)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds")
    parser.add_argument("--no-estimator", action="store_true", help="skip RNNForecaster rows")
    parser.add_argument("--base", action="store_true", help="the base model's shapes")
    parser.add_argument(
        "--chunk-sizes",
        nargs="+",
        type=int,
        default=None,
        help="compare tsrnn with these chunk sizes instead of torch (ratios to the first)",
    )
    args = parser.parse_args()
    if args.configs is None:
        configs = DEFAULT_CONFIGS[::2] if args.quick else DEFAULT_CONFIGS
        configs = BASE_CONFIGS if args.base else configs
    else:
        configs = [tuple(int(v) for v in c.split(",")) for c in args.configs]
        if any(len(c) not in (4, 5) for c in configs):
            parser.error("--configs: each is input,hidden,window,batch[,layers]")
    args.configs = [c if len(c) == 5 else (*c, 1) for c in configs]
    if args.threads is None:
        env = os.environ.get("NUMBA_NUM_THREADS")
        args.threads = int(env) if env else len(os.sched_getaffinity(0))
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    return args


ARGS = parse_args()
# Numba reads its thread count when it is imported.
os.environ["NUMBA_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from numba import njit  # noqa: E402

from tsrnn import _config  # noqa: E402
from tsrnn._network import NetworkSpec, forward, loss_and_grad  # noqa: E402
from tsrnn._optim import Adam  # noqa: E402


def flops(cell, n_in, hidden, window, batch, train, layers=1):
    """FLOP of one batch, by the formula of the module docstring (summed over the layers:
    the first reads ``n_in`` inputs, the others ``hidden``)."""
    G = GATES[cell]
    total = 0
    for width in [n_in] + [hidden] * (layers - 1):
        total += 2 * G * hidden * ((2 * width + 3 * hidden) if train else (width + hidden))
    return total * window * batch


def measure_peak(threads):
    """GFLOP/s of a float32 2048^2 NumPy matmul, in a subprocess (OpenBLAS variables unset)."""
    env = dict(os.environ)
    removed = [v for v in PEAK_VARS if env.pop(v, None) is not None]
    repeats = 3 if ARGS.quick else 10
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(threads), str(repeats)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip()), removed


def time_call(fn, min_time):
    """Seconds per call of ``fn``: calls repeated until ``min_time`` has passed."""
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / n


class TsrnnCase:
    """tsrnn's engine on one configuration: a training step and a batch of outputs."""

    def __init__(self, cell, n_in, hidden, window, batch, rng, layers=1):
        self.spec = NetworkSpec(cell, n_in, hidden, layers, 1)
        self.params = self.spec.init_params(rng, np.float32)
        self.X = rng.standard_normal((batch, window, n_in)).astype(np.float32)
        self.Y = rng.standard_normal((batch, 1)).astype(np.float32)
        self.opt = Adam(1e-3)

    def train(self):
        _, grad = loss_and_grad(self.params, self.X, self.Y, self.spec)
        self.opt.update(self.params, grad)

    def infer(self):
        forward(self.params, self.X, self.spec)


class TorchCase:
    """The same network in PyTorch: nn.LSTM / nn.GRU, nn.Linear head, MSE, Adam."""

    def __init__(self, cell, n_in, hidden, window, batch, rng, layers=1):
        torch.manual_seed(0)
        rnn_cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = rnn_cls(n_in, hidden, num_layers=layers, batch_first=True)
        self.head = torch.nn.Linear(hidden, 1)
        params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.Adam(params, lr=1e-3)
        self.X = torch.from_numpy(rng.standard_normal((batch, window, n_in)).astype(np.float32))
        self.Y = torch.from_numpy(rng.standard_normal((batch, 1)).astype(np.float32))

    def _out(self):
        return self.head(self.rnn(self.X)[0][:, -1])

    def train(self):
        self.opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(self._out(), self.Y)
        loss.backward()
        self.opt.step()

    def infer(self):
        with torch.inference_mode():
            self._out()


@njit
def _recurrent_products(h, W, out, steps):
    """``steps`` times ``out = h @ W.T``: the recurrent products of one window."""
    for _ in range(steps):
        np.dot(h, W.T, out)


def latency_floor(cell, hidden, window, rounds, min_time):
    """Seconds for the ``window`` recurrent products of one window (median of rounds)."""
    rng = np.random.default_rng(0)
    G = GATES[cell]
    h = rng.standard_normal((1, hidden)).astype(np.float32)
    W = rng.standard_normal((G * hidden, hidden)).astype(np.float32)
    out = np.empty((1, G * hidden), np.float32)
    times = alternate({"floor": lambda: _recurrent_products(h, W, out, window)}, rounds, min_time)
    return statistics.median(times["floor"])


def with_flush_denormal(fn):
    """``fn`` run with torch's flush-to-zero on, and the setting put back."""

    def run():
        torch.set_flush_denormal(True)
        try:
            fn()
        finally:
            torch.set_flush_denormal(False)

    return run


def alternate(fns, rounds, min_time):
    """Seconds per call of each function, measured in turns; a list of rounds per function."""
    times = {name: [] for name in fns}
    for fn in fns.values():  # warm-up (compilation, allocator, caches)
        fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(time_call(fn, min_time))
    return times


def with_chunk_size(fn, size):
    """``fn`` run with the CPU engines' chunk size (for narrow and other networks alike) set
    to ``size``, and the settings put back."""

    def run():
        before = _config.CPU_CHUNK_SIZE, _config.CPU_NARROW_CHUNK_SIZE
        _config.CPU_CHUNK_SIZE = _config.CPU_NARROW_CHUNK_SIZE = size
        try:
            fn()
        finally:
            _config.CPU_CHUNK_SIZE, _config.CPU_NARROW_CHUNK_SIZE = before

    return run


def chunk_size_table(sizes, min_time):
    """Lines of the chunk-size comparison: tsrnn's train/infer sequences/s for each size."""
    rows = []
    for cell in ARGS.cells:
        for n_in, hidden, window, batch, layers in ARGS.configs:
            ts = TsrnnCase(cell, n_in, hidden, window, batch, np.random.default_rng(0), layers)
            for mode in ("train", "infer"):
                fns = {size: with_chunk_size(getattr(ts, mode), size) for size in sizes}
                times = alternate(fns, ARGS.rounds, min_time)
                speed = [fmt(batch / statistics.median(times[k])) for k in sizes]
                ratio = [fmt(median_ratio(times[k], times[sizes[0]]), 2) for k in sizes[1:]]
                cfg = config_label(n_in, hidden, window, batch, layers)
                rows.append((cell, cfg, mode, *speed, *ratio))
    header = ("cell", "input,hidden,window,batch", "row")
    header += tuple(f"chunk {k} (seq/s)" for k in sizes)
    header += tuple(f"{k} / {sizes[0]}" for k in sizes[1:])
    return markdown_table(header, rows)


#: A function whose slowest round took this many times its fastest gets a note under the
#: table: its median, and the ratios made with it, may stand for a disturbed run.
UNSTEADY = 1.5


def unsteady_notes(label, times):
    """Notes for the functions of ``times`` (name: seconds per round) whose rounds spread by
    more than ``UNSTEADY``; ``label`` names the row."""
    notes = []
    for name, rounds in times.items():
        spread = max(rounds) / min(rounds)
        if spread > UNSTEADY:
            notes.append(f"{label}: {name}'s rounds spread {spread:.1f}x (slowest over "
                         "fastest); its figures may stand for a disturbed run, rerun")  # fmt: skip
    return notes


def median_ratio(a, b):
    """Median over rounds of ``b[k] / a[k]`` (a speed-up of ``a`` when they are times)."""
    return statistics.median(y / x for x, y in zip(a, b, strict=True))


def config_label(n_in, hidden, window, batch, layers):
    """``input,hidden,window,batch``, with ``,layers`` when there is more than one."""
    return f"{n_in},{hidden},{window},{batch}" + (f",{layers}" if layers > 1 else "")


def estimator_rows(cell, n_in, hidden, window, batch, layers, rounds, min_time):
    """Rows of ``RNNForecaster`` against the engine and torch: see the module docstring.

    Returns a list of rows (label, then the table's columns from "tsrnn" on) and a list of
    notes (the estimator's failure, or rounds that spread: :func:`unsteady_notes`).
    """
    from tsrnn import RNNForecaster

    rng = np.random.default_rng(1)
    n = EPOCH_STEPS * batch
    X = rng.standard_normal((n, window, n_in)).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    Xe = X[:, :, 0] if n_in == 1 else X
    ts = TsrnnCase(cell, n_in, hidden, window, batch, rng, layers)
    th = TorchCase(cell, n_in, hidden, window, batch, rng, layers)
    options = dict(cell=cell, hidden_size=hidden, num_layers=layers, batch_size=batch,
                   random_state=0)  # fmt: skip
    fit_epochs = 5
    n_fit = n - int(np.ceil(0.1 * n))  # the training windows of a fit (10% held out)

    def engine_epoch():  # the same data and batches as the estimator's epoch
        for k in range(EPOCH_STEPS):
            ts.X, ts.Y = X[k * batch : (k + 1) * batch], y[k * batch : (k + 1) * batch, None]
            ts.train()

    def torch_epoch():
        for k in range(EPOCH_STEPS):
            th.X = torch.from_numpy(X[k * batch : (k + 1) * batch])
            th.Y = torch.from_numpy(y[k * batch : (k + 1) * batch, None])
            th.train()

    try:
        est = RNNForecaster(early_stopping=False, max_epochs=1, **options)
        est.partial_fit(Xe, y)  # initialises (and compiles)
        fitting = RNNForecaster(max_epochs=fit_epochs, n_iter_no_change=fit_epochs, **options)
        fns = {
            "partial_fit": lambda: est.partial_fit(Xe, y),
            "fit": lambda: fitting.fit(Xe, y),
            "engine": engine_epoch,
            "torch": torch_epoch,
            "predict": lambda: est.predict(Xe[:1]),
        }
        times = alternate(fns, rounds, min_time)
    except Exception as exc:  # report, do not fail the benchmark
        return [], [f"{cell}: RNNForecaster failed: {type(exc).__name__}: {exc}"]
    counts = {"partial_fit": n, "fit": fit_epochs * n_fit, "engine": n, "torch": n}
    per_seq = {name: [t / count for t in times[name]] for name, count in counts.items()}
    rows = []
    for name in ("partial_fit", "fit"):
        over_torch = median_ratio(per_seq[name], per_seq["torch"])
        rows.append((f"estimator {name} epoch", fmt(1 / statistics.median(per_seq[name])),
                     fmt(1 / statistics.median(per_seq["torch"])), "", fmt(over_torch, 2), "",
                     "", ""))  # fmt: skip
        ratio = median_ratio(per_seq[name], per_seq["engine"])
        rows.append((f"estimator {name} epoch / engine", fmt(ratio, 2)) + ("",) * 6)
    rows.append(("estimator predict 1 (us)", fmt(statistics.median(times["predict"]) * 1e6, 1))
                + ("",) * 6)  # fmt: skip
    return rows, unsteady_notes(f"{cell} estimator", times)


def main():
    threads = ARGS.threads
    torch.set_num_threads(threads)
    min_time = 0.05 if ARGS.quick else 0.3
    if ARGS.chunk_sizes:
        print(
            f"tsrnn, float32, {threads} thread(s), chunk sizes {ARGS.chunk_sizes}; "
            f"{ARGS.rounds} round(s), medians; load average {os.getloadavg()[0]:.2f}"
        )
        print()
        print("\n".join(chunk_size_table(ARGS.chunk_sizes, min_time)))
        return
    peak, removed = measure_peak(threads)
    rows, notes = [], []
    for cell in ARGS.cells:
        for n_in, hidden, window, batch, layers in ARGS.configs:
            rng = np.random.default_rng(0)
            ts = TsrnnCase(cell, n_in, hidden, window, batch, rng, layers)
            th = TorchCase(cell, n_in, hidden, window, batch, rng, layers)
            cfg = config_label(n_in, hidden, window, batch, layers)
            for mode in ("train", "infer"):
                times = alternate(
                    {
                        "tsrnn": getattr(ts, mode),
                        "torch": getattr(th, mode),
                        "torch_ftz": with_flush_denormal(getattr(th, mode)),
                    },
                    ARGS.rounds,
                    min_time,
                )
                notes.extend(unsteady_notes(f"{cell} {cfg} {mode}", times))
                t_ts = statistics.median(times["tsrnn"])
                gflops = flops(cell, n_in, hidden, window, batch, mode == "train", layers)
                gflops /= t_ts * 1e9
                rows.append(
                    (
                        cell,
                        cfg,
                        mode,
                        fmt(batch / t_ts),
                        fmt(batch / statistics.median(times["torch"])),
                        fmt(batch / statistics.median(times["torch_ftz"])),
                        fmt(median_ratio(times["tsrnn"], times["torch"]), 2),
                        fmt(median_ratio(times["tsrnn"], times["torch_ftz"]), 2),
                        fmt(gflops, 1),
                        f"{100 * gflops / peak:.0f}%",
                    )
                )
        # one window through the raw network, microseconds
        n_in, hidden, window, batch = LATENCY_CONFIG
        rng = np.random.default_rng(0)
        ts = TsrnnCase(cell, n_in, hidden, window, batch, rng)
        th = TorchCase(cell, n_in, hidden, window, batch, rng)
        times = alternate(
            {"tsrnn": ts.infer, "torch": th.infer, "torch_ftz": with_flush_denormal(th.infer)},
            ARGS.rounds,
            min_time,
        )
        notes.extend(unsteady_notes(f"{cell} latency", times))
        rows.append(
            (
                cell,
                f"{n_in},{hidden},{window},{batch}",
                "latency (us)",
                fmt(statistics.median(times["tsrnn"]) * 1e6, 1),
                fmt(statistics.median(times["torch"]) * 1e6, 1),
                fmt(statistics.median(times["torch_ftz"]) * 1e6, 1),
                fmt(median_ratio(times["tsrnn"], times["torch"]), 2),
                fmt(median_ratio(times["tsrnn"], times["torch_ftz"]), 2),
                "",
                "",
            )
        )
        floor = latency_floor(cell, hidden, window, ARGS.rounds, min_time)
        rows.append(
            (cell, f"{n_in},{hidden},{window},{batch}", "latency floor: W_hh products (us)",
             fmt(floor * 1e6, 1)) + ("",) * 6
        )  # fmt: skip
        if not ARGS.no_estimator:
            est, est_notes = estimator_rows(cell, *ARGS.configs[0], ARGS.rounds, min_time)
            rows.extend((cell, config_label(*ARGS.configs[0]), *row) for row in est)
            notes.extend(est_notes)

    load = os.getloadavg()
    print(
        f"tsrnn vs torch {torch.__version__}, float32, {threads} thread(s); "
        f"{ARGS.rounds} round(s), medians; load average {load[0]:.2f}"
    )
    print(
        f"float32 matmul peak (NumPy, 2048^2): {peak:.1f} GFLOP/s"
        + (f" (measured with {', '.join(removed)} unset)" if removed else "")
    )
    print()
    header = (
        "cell",
        "input,hidden,window,batch",
        "row",
        "tsrnn",
        "torch",
        "torch FTZ",
        "tsrnn/torch",
        "tsrnn/torch FTZ",
        "tsrnn GFLOP/s",
        "of peak",
    )
    print("\n".join(markdown_table(header, rows)))
    print()
    print(
        "train/infer: sequences per second (higher is better); latency: microseconds per "
        "window (lower is better; the ratio is still tsrnn's speed-up). "
        "FTZ: torch.set_flush_denormal(True)."
    )
    if load[0] > threads + 1:  # this run itself keeps about `threads` cores busy
        notes.append(
            f"load average {load[0]:.2f} on {len(os.sched_getaffinity(0))} CPUs: other jobs "
            "share the cores, which hurts torch most (its many short parallel regions wait "
            "for descheduled threads); rerun on a quiet machine"
            + ("" if threads == 1 else ", or compare with --threads 1")
        )
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
