"""Scaling benchmark: compile cost, time against window and batch size, memory of training.

Three parts, each printed as markdown tables that can be pasted into the README as they are.

compile
    The first ``RNNForecaster(cell=cell, horizon=12, random_state=0).fit(y)`` on the embedded
    airline series (``tsrnn.datasets.load_airline``; every other parameter at its default) in a
    fresh Python process, for the default cell and the other of LSTM / GRU: once with an empty
    Numba cache (``NUMBA_CACHE_DIR`` set to a new temporary directory), then in a second fresh
    process that reuses that directory (warm cache). Each process times ``import tsrnn``, the
    first fit, and a second, identical fit right after it (steady state): first - second is
    what compiling (empty cache) or loading the compiled code (warm cache) costs. The target
    is a warm-cache first fit of at most 2 s. "cache" is the size of the directory after the
    run.
scaling
    One training step, ``tsrnn._network.loss_and_grad`` and ``tsrnn._optim.Adam.update``, of a
    one-layer network (float32, input 1, hidden 64, one output, MSE), against the window length
    T at batch 256 and against the batch size B at window 96; then one epoch of the estimator,
    ``RNNForecaster.partial_fit`` in windows mode (X of shape (1024, T), y of shape (1024, 12),
    default hidden and batch sizes), against T; such a call also predicts the new windows
    first (to refresh the prediction intervals), as it does for users. Each time is the median
    of ``--repeats`` repeats after warm-up calls (the first ``partial_fit`` initialises the
    model); a repeat runs the call often enough to last 50 ms (10 ms with --quick) and gives
    the time per call. The exponent p of time ~ T^p (or B^p) is the slope of the least-squares
    line through (log T, log time).
memory
    Peak resident memory of training against window x batch x hidden (LSTM, float32, input 1,
    one output), one fresh process per configuration: it imports tsrnn and makes one tiny
    training step (window 2, batch 64, the same hidden size), so the compiled code is loaded
    and the parallel engine started; reads its resident set size (VmRSS in /proc/self/status)
    as the baseline; draws a batch and makes three training steps (loss_and_grad + Adam); and
    reads the peak (VmHWM). "peak increase" is peak - baseline; it includes the batch itself,
    as the estimate does. Numba's allocations are invisible to tracemalloc, hence the
    operating system's counters (``ru_maxrss`` where /proc is missing). When the steps did not
    raise the process's peak above the one it had before them, the increase is only an upper
    bound and is marked with "<=". Beside it stands ``tsrnn._network.training_bytes``, the
    estimate the estimator checks against ``MAX_TRAINING_BYTES`` before training. The exponents
    of memory against window, batch and hidden come from one least-squares fit of log memory
    on their logs (over the axes the grid varies).

The sizes above are those of the full run; ``--quick`` runs much smaller grids (``QUICK``
below), the compile part for the default cell only and with ``max_epochs=3``.

Child processes run with ``NUMBA_NUM_THREADS`` set to ``--threads``; the in-process part calls
``numba.set_num_threads``. This module imports nothing but the standard library at the top
(NumPy, Numba and tsrnn are imported inside functions), so that a child times ``import tsrnn``
from a clean start.

Usage::

    python benchmarks/bench_scaling.py                   # all three parts
    python benchmarks/bench_scaling.py --quick           # tiny grids (smoke test)
    python benchmarks/bench_scaling.py --part memory --memory-configs 96,256,64 384,1024,128
"""

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _bench_common import cpu_name, fmt, load_average, load_text, markdown_table, usable_cores

HORIZON = 12
FIT_TARGET_S = 2.0
MEMORY_STEPS = 3
MIB = 2**20


@dataclass(frozen=True)
class Grids:
    """The configurations of one run.

    Attributes
    ----------
    compile_cells : int
        How many cells the compile part runs (the default cell first).
    fit_max_epochs : int or None
        ``max_epochs`` of the compile part's fits (None: the estimator's default).
    hidden : int
        Hidden size of the training-step sweeps.
    step_windows, step_batches : tuple of int
        Window lengths (at batch ``window_batch``) and batch sizes (at window
        ``batch_window``) of the training-step sweeps.
    window_batch, batch_window : int
    epoch_windows : tuple of int
        Window lengths of the estimator's epoch.
    epoch_n : int
        Windows per epoch.
    memory : tuple of (int, int, int)
        ``(window, batch, hidden)`` of the memory part.
    repeats : int
        Default of ``--repeats``.
    min_time : float
        Seconds a repeat of a timing lasts at least (see :func:`median_time`).
    """

    compile_cells: int
    fit_max_epochs: int | None
    hidden: int
    step_windows: tuple
    window_batch: int
    step_batches: tuple
    batch_window: int
    epoch_windows: tuple
    epoch_n: int
    memory: tuple
    repeats: int
    min_time: float


FULL = Grids(
    compile_cells=2,
    fit_max_epochs=None,
    hidden=64,
    step_windows=(24, 48, 96, 192, 384),
    window_batch=256,
    step_batches=(32, 64, 128, 256, 512, 1024),
    batch_window=96,
    epoch_windows=(24, 48, 96, 192, 384),
    epoch_n=1024,
    memory=tuple(
        (w, b, h) for w in (48, 96, 192, 384) for b in (64, 256, 1024) for h in (32, 64, 128)
    ),
    repeats=7,
    min_time=0.05,
)
QUICK = Grids(
    compile_cells=1,
    fit_max_epochs=3,
    hidden=64,
    step_windows=(12, 24, 48),
    window_batch=64,
    step_batches=(16, 32, 64),
    batch_window=24,
    epoch_windows=(12, 24, 48),
    epoch_n=128,
    memory=((48, 64, 32), (96, 64, 32)),
    repeats=3,
    min_time=0.01,
)


# --------------------------------------------------------------------------------------------
# measurements in child processes


def memory_kib():
    """Resident set size and its peak so far, in KiB.

    Returns
    -------
    rss, peak : int
        VmRSS and VmHWM of ``/proc/self/status``; where that file is missing, ``ru_maxrss``
        (KiB on Linux) for both.
    """
    try:
        with open("/proc/self/status") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak, peak


def child_compile(cell, max_epochs):
    """Time ``import tsrnn``, a first and a second fit on the airline series.

    Parameters
    ----------
    cell : str
    max_epochs : int or None
        None keeps the estimator's default.

    Returns
    -------
    dict
        ``import_s``, ``first_s``, ``second_s`` (seconds), ``epochs`` (of the second fit) and
        ``window`` (the estimator's ``window_``).
    """
    start = time.perf_counter()
    import tsrnn

    import_s = time.perf_counter() - start
    from tsrnn.datasets import load_airline

    y = load_airline()
    params = {"cell": cell, "horizon": HORIZON, "random_state": 0}
    if max_epochs is not None:
        params["max_epochs"] = max_epochs
    fits = []
    for _ in range(2):
        start = time.perf_counter()
        est = tsrnn.RNNForecaster(**params).fit(y)
        fits.append(time.perf_counter() - start)
    return {
        "import_s": import_s,
        "first_s": fits[0],
        "second_s": fits[1],
        "epochs": int(est.n_iter_),
        "window": int(est.window_),
    }


def child_memory(window, batch, hidden, steps):
    """Peak resident memory of ``steps`` LSTM training steps, over the process's baseline.

    Parameters
    ----------
    window, batch, hidden, steps : int

    Returns
    -------
    dict
        ``baseline_kib`` (VmRSS before the steps), ``peak_before_kib`` and ``peak_kib``
        (VmHWM before and after them) and ``estimate_bytes`` (``tsrnn._network.training_bytes``).
    """
    import numpy as np

    from tsrnn._network import NetworkSpec, loss_and_grad, training_bytes
    from tsrnn._optim import Adam

    spec = NetworkSpec("lstm", 1, hidden, 1, 1)
    rng = np.random.default_rng(0)
    params = spec.init_params(rng, np.float32)
    opt = Adam()

    def step(X, Y):
        _, grad = loss_and_grad(params, X, Y, spec)
        opt.update(params, grad)

    step(np.zeros((64, 2, 1), np.float32), np.zeros((64, 1), np.float32))  # load, start
    baseline, peak_before = memory_kib()
    X = rng.standard_normal((batch, window, 1), dtype=np.float32)
    Y = rng.standard_normal((batch, 1), dtype=np.float32)
    for _ in range(steps):
        step(X, Y)
    _, peak = memory_kib()
    return {
        "baseline_kib": baseline,
        "peak_before_kib": peak_before,
        "peak_kib": peak,
        "estimate_bytes": int(training_bytes(spec, batch, window, 4)),
    }


def run_child(task, threads, cache_dir=None):
    """Run one task of this script in a fresh Python process and parse its JSON answer.

    Parameters
    ----------
    task : dict
        ``{"kind": "compile" | "memory", ...}``: the keyword arguments of
        :func:`child_compile` or :func:`child_memory`.
    threads : int
        ``NUMBA_NUM_THREADS`` of the child.
    cache_dir : str, optional
        ``NUMBA_CACHE_DIR`` of the child (else the environment's, or Numba's default).

    Returns
    -------
    dict
    """
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(task)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"child {task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(task):
    """Entry point of a child process: run ``task`` and print its result as JSON."""
    task = dict(task)
    kind = task.pop("kind")
    fn = {"compile": child_compile, "memory": child_memory}[kind]
    print(json.dumps(fn(**task)))


# --------------------------------------------------------------------------------------------
# helpers


def median_time(fn, repeats, min_time):
    """Seconds per call of ``fn``: median over ``repeats`` repeats, after two warm-up calls.

    A repeat calls ``fn`` as often as the second warm-up call says it takes to last
    ``min_time`` seconds, and gives the mean time per call.
    """
    fn()  # compilation, allocations
    start = time.perf_counter()
    fn()
    calls = max(1, math.ceil(min_time / max(time.perf_counter() - start, 1e-9)))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def loglog_exponents(columns, values):
    """Least-squares exponents of ``values ~ c * prod(columns[k] ** p[k])``.

    Parameters
    ----------
    columns : sequence of sequence of float
        The variables, each as long as ``values``, all positive.
    values : sequence of float
        Positive.

    Returns
    -------
    list of float or None
        One exponent per column; None for a column with a single distinct value.
    """
    import numpy as np

    varied = [k for k, col in enumerate(columns) if len(set(col)) > 1]
    out = [None] * len(columns)
    if not varied:
        return out
    A = np.column_stack([np.ones(len(values))] + [np.log(columns[k]) for k in varied])
    coef = np.linalg.lstsq(A, np.log(values), rcond=None)[0]
    for k, p in zip(varied, coef[1:], strict=True):
        out[k] = float(p)
    return out


def exponent_text(p):
    """An exponent with two decimals, ``"n/a"`` for None."""
    return "n/a" if p is None else f"{p:.2f}"


def default_cell():
    """The estimator's default ``cell``."""
    from tsrnn import RNNForecaster

    return RNNForecaster().get_params()["cell"]


def dir_bytes(path):
    """Total size of the files under ``path``."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------
# part 1: compile cost


def compile_part(grids, threads):
    """Cold- and warm-cache first fits in fresh processes; the lines of the table."""
    first = default_cell()
    cells = [first] + [c for c in ("lstm", "gru") if c != first]
    rows = []
    for cell in cells[: grids.compile_cells]:
        task = {"kind": "compile", "cell": cell, "max_epochs": grids.fit_max_epochs}
        with tempfile.TemporaryDirectory(prefix="tsrnn-numba-cache-") as cache:
            for label in ("empty", "warm"):
                r = run_child(task, threads, cache)
                target = ""
                if label == "warm":
                    met = r["first_s"] <= FIT_TARGET_S
                    target = f"<= {FIT_TARGET_S:g} s: {'met' if met else 'missed'}"
                rows.append((
                    cell + (" (default)" if cell == first else ""), label,
                    fmt(r["import_s"], 2), fmt(r["first_s"], 2), fmt(r["second_s"], 2),
                    fmt(r["first_s"] - r["second_s"], 2), str(r["epochs"]),
                    fmt(dir_bytes(cache) / MIB, 1), target,
                ))  # fmt: skip
    epochs = "default" if grids.fit_max_epochs is None else str(grids.fit_max_epochs)
    header = ("cell", "Numba cache", "import tsrnn (s)", "first fit (s)", "second fit (s)",
              "first - second (s)", "epochs", "cache (MiB)", "target: warm first fit")  # fmt: skip
    return [
        f"Compile cost: RNNForecaster(cell, horizon={HORIZON}, random_state=0, "
        f"max_epochs={epochs}).fit(airline) in a fresh process, twice; empty cache, then a "
        "second process on the same cache",
        "",
        *markdown_table(header, rows, "llrrrrrrl"),
    ]


# --------------------------------------------------------------------------------------------
# part 2: scaling with window and batch size


def training_step(cell, hidden, window, batch):
    """A training step (loss_and_grad + Adam) on fixed random data, as a function."""
    import numpy as np

    from tsrnn._network import NetworkSpec, loss_and_grad
    from tsrnn._optim import Adam

    spec = NetworkSpec(cell, 1, hidden, 1, 1)
    rng = np.random.default_rng(0)
    params = spec.init_params(rng, np.float32)
    X = rng.standard_normal((batch, window, 1), dtype=np.float32)
    Y = rng.standard_normal((batch, 1), dtype=np.float32)
    opt = Adam()

    def step():
        _, grad = loss_and_grad(params, X, Y, spec)
        opt.update(params, grad)

    return step


def estimator_epoch(cell, window, n):
    """One ``partial_fit`` epoch in windows mode, on a model initialised by a first one."""
    import numpy as np

    from tsrnn import RNNForecaster

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, window), dtype=np.float32)
    y = rng.standard_normal((n, HORIZON), dtype=np.float32)
    est = RNNForecaster(cell=cell, random_state=0).partial_fit(X, y)
    return lambda: est.partial_fit(X, y)


def sweep_table(title, axis, values, times_by_cell, scale, unit, digits):
    """Lines of a table: a row per cell, a column per value of ``axis``, and the exponent.

    ``times_by_cell`` maps a cell to its seconds per call, in the order of ``values``; they
    are shown multiplied by ``scale`` (in ``unit``).
    """
    header = ("cell", *(f"{axis}={v}" for v in values), f"exponent p ({unit} ~ {axis}^p)")
    rows = []
    for cell, times in times_by_cell.items():
        (p,) = loglog_exponents([values], times)
        rows.append((cell, *(fmt(t * scale, digits) for t in times), exponent_text(p)))
    return [title, "", *markdown_table(header, rows, "l" + "r" * (len(values) + 1)), ""]


def scaling_part(grids, repeats):
    """Training step against window and batch, estimator epoch against window; the lines."""
    cells = ("lstm", "gru")
    by_window = {c: [] for c in cells}
    by_batch = {c: [] for c in cells}
    epochs = {c: [] for c in cells}
    for cell in cells:
        for w in grids.step_windows:
            step = training_step(cell, grids.hidden, w, grids.window_batch)
            by_window[cell].append(median_time(step, repeats, grids.min_time))
        for b in grids.step_batches:
            step = training_step(cell, grids.hidden, grids.batch_window, b)
            by_batch[cell].append(median_time(step, repeats, grids.min_time))
        for w in grids.epoch_windows:
            epoch = estimator_epoch(cell, w, grids.epoch_n)
            epochs[cell].append(median_time(epoch, repeats, grids.min_time))
    net = f"float32, input 1, hidden {grids.hidden}"
    return [
        *sweep_table(
            f"Training step (loss_and_grad + Adam), {net}, batch {grids.window_batch}: "
            f"ms per step against the window T; median of {repeats}",
            "T", grids.step_windows, by_window, 1e3, "ms", 2,
        ),
        *sweep_table(
            f"Training step (loss_and_grad + Adam), {net}, window {grids.batch_window}: "
            f"ms per step against the batch size B; median of {repeats}",
            "B", grids.step_batches, by_batch, 1e3, "ms", 2,
        ),
        *sweep_table(
            f"Estimator epoch, RNNForecaster(cell, random_state=0).partial_fit(X, y) in windows "
            f"mode, {grids.epoch_n} windows, horizon {HORIZON}, default hidden_size and "
            f"batch_size: s per epoch against the window T; median of {repeats}",
            "T", grids.epoch_windows, epochs, 1.0, "s", 3,
        ),
    ]  # fmt: skip


# --------------------------------------------------------------------------------------------
# part 3: memory


def memory_part(configs, threads):
    """Peak memory of training per configuration, in fresh processes; the lines."""
    import tsrnn

    tsrnn.warmup()  # compiled code in the cache, so that no child compiles before measuring
    rows, results = [], []
    for window, batch, hidden in configs:
        task = {"kind": "memory", "window": window, "batch": batch, "hidden": hidden,
                "steps": MEMORY_STEPS}  # fmt: skip
        r = run_child(task, threads)
        increase = (r["peak_kib"] - r["baseline_kib"]) * 1024
        bound = r["peak_kib"] <= r["peak_before_kib"]  # the steps did not raise the peak
        estimate = r["estimate_bytes"]
        results.append((window, batch, hidden, max(increase, 1), estimate))
        rows.append((
            str(window), str(batch), str(hidden), fmt(r["baseline_kib"] / 1024, 1),
            ("<= " if bound else "") + fmt(increase / MIB, 1), fmt(estimate / MIB, 1),
            fmt(increase / estimate, 3), fmt(increase / (window * batch * hidden), 2),
        ))  # fmt: skip
    header = ("window", "batch", "hidden", "baseline RSS (MiB)", "peak increase (MiB)",
              "training_bytes (MiB)", "measured / estimate",
              "bytes per window x batch x hidden")  # fmt: skip
    axes = [[r[k] for r in results] for k in range(3)]
    fits = [
        ("measured", loglog_exponents(axes, [r[3] for r in results])),
        ("training_bytes", loglog_exponents(axes, [r[4] for r in results])),
    ]
    lines = [
        f"Peak memory of training: LSTM, float32, input 1, {MEMORY_STEPS} steps "
        "(loss_and_grad + Adam) in a fresh process per row, peak resident memory (VmHWM) "
        "over the resident memory before the steps",
        "",
        *markdown_table(header, rows, "rrrrrrrr"),
        "",
    ]
    if all(p is None for p in fits[0][1]):  # a single configuration: nothing to fit
        return lines
    fit_rows = [(name, *(exponent_text(p) for p in ps)) for name, ps in fits]
    return lines + [
        "Memory ~ window^a x batch^b x hidden^c, least squares on logs",
        "",
        *markdown_table(
            ("", "exponent a (window)", "exponent b (batch)", "exponent c (hidden)"),
            fit_rows,
            "lrrr",
        ),
        "",
    ]


# --------------------------------------------------------------------------------------------
# main


def parse_args(argv=None):
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=("compile", "scaling", "memory", "all"), default="all",
        help="which part to run (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=int, default=None, help="threads (default: all, NUMBA_NUM_THREADS)"
    )
    parser.add_argument("--repeats", type=int, default=None, help="repeats per timing")
    parser.add_argument("--quick", action="store_true", help="tiny grids (smoke test)")
    parser.add_argument(
        "--memory-configs", nargs="+", default=None, metavar="W,B,H",
        help="window,batch,hidden of the memory part (default: the full or --quick grid)",
    )  # fmt: skip
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_configs is not None:
        try:
            args.memory_configs = [tuple(int(v) for v in c.split(",")) for c in args.memory_configs]
        except ValueError:
            parser.error("--memory-configs: each is window,batch,hidden")
        if any(len(c) != 3 or min(c) < 1 for c in args.memory_configs):
            parser.error("--memory-configs: each is window,batch,hidden, positive")
    for name in ("repeats", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def busy_note(load, threads):
    """A warning when the machine was busy before this run started, else None.

    A 1-minute load average ``load`` above 1 at the start means other jobs were running: they
    share the cores, and parallel regions wait for descheduled threads, which inflates short
    steps most.
    """
    if load is None or load <= 1.0:
        return None
    return (
        f"load average {load:.2f} at the start, on {usable_cores()} CPUs: other jobs shared the "
        "cores, and parallel regions wait for descheduled threads (short steps suffer most); "
        "rerun on a quiet machine" + ("" if threads == 1 else ", or compare with --threads 1")
    )


def header_lines(threads, load):
    """Machine, versions, threads and the load average at the start."""
    import numba
    import numpy

    import tsrnn

    return [
        f"machine: {cpu_name()}, {usable_cores()} cores; {threads} thread(s)",
        f"versions: tsrnn {tsrnn.__version__}, numba {numba.__version__}, numpy "
        f"{numpy.__version__}, Python {platform.python_version()}",
        f"load average at start: {load_text(load)}",
        "",
    ]


def main(argv=None):
    """Run the parts asked for and print their tables."""
    args = parse_args(argv)
    if args.child is not None:
        child_main(json.loads(args.child))
        return
    load = load_average()
    import numba

    grids = QUICK if args.quick else FULL
    repeats = args.repeats or grids.repeats
    threads = args.threads or numba.config.NUMBA_NUM_THREADS
    if not 1 <= threads <= numba.config.NUMBA_NUM_THREADS:
        raise SystemExit(
            f"--threads must be between 1 and {numba.config.NUMBA_NUM_THREADS} (NUMBA_NUM_THREADS)"
        )
    parts = ("compile", "scaling", "memory") if args.part == "all" else (args.part,)
    print("\n".join(header_lines(threads, load)), flush=True)
    note = busy_note(None if load is None else load[0], threads)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        for part in parts:
            if part == "compile":
                lines = compile_part(grids, threads) + [""]
            elif part == "scaling":
                lines = scaling_part(grids, repeats)
            else:
                lines = memory_part(args.memory_configs or grids.memory, threads)
            print("\n".join(lines), flush=True)
    finally:
        numba.set_num_threads(previous)
    print(f"load average at end: {load_text(load_average())}")
    if note:
        print(f"note: {note}")
    if args.quick:
        print("note: --quick: tiny grids and few repeats, for smoke tests only")


if __name__ == "__main__":
    main()
