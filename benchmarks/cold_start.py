"""Cold start: ``python -m tsrnn forecast`` with an empty Numba cache, then with a warm one.

Run::

    python benchmarks/cold_start.py --runs 6              # first runs, then a warm one
    python benchmarks/cold_start.py --runs 0 --events     # where the compile time goes

Each first run starts ``python -m tsrnn forecast`` (the README's quickstart without the plot)
in a new process with ``NUMBA_CACHE_DIR`` set to a new empty folder, so every kernel compiles
as on a fresh install (the helper process that compiles prediction aside shares the folder);
the time is the process's, end to end. The warm run reuses the last folder. ``--events``
runs the command once more in one process (``TSRNN_COMPILE_ASIDE=0``) and lists the longest
``numba:compile`` events, inclusive of the functions compiled under them.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

EVENTS = """
import runpy, sys, time
from numba.core import event
sys.argv = ["tsrnn", "forecast"]
t0 = time.perf_counter()
with event.install_recorder("numba:compile") as rec:
    try:
        runpy.run_module("tsrnn", run_name="__main__")
    except SystemExit:
        pass
total = time.perf_counter() - t0
stack, spans = [], []
for ts, e in rec.buffer:
    if e.is_start:
        stack.append((ts, e))
        continue
    start, begin = stack.pop()
    fn = getattr(begin.data.get("dispatcher"), "py_func", None)
    spans.append((ts - start, len(stack), getattr(fn, "__qualname__", "?")))
print(f"| all of the command | 0 | {{total:.2f}} |", file=sys.stderr)
for seconds, depth, name in sorted(spans, reverse=True)[:{top}]:
    print(f"| {{name}} | {{depth}} | {{seconds:.2f}} |", file=sys.stderr)
"""


def forecast_seconds(cache, **env):
    """Seconds of one ``python -m tsrnn forecast`` with the Numba cache in ``cache``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, **env)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tsrnn", "forecast"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return time.perf_counter() - t


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="first runs, each its own cache")
    parser.add_argument("--events", action="store_true", help="list the compile events")
    parser.add_argument("--top", type=int, default=15, help="compile events listed")
    args = parser.parse_args(argv)
    print(f"# cold start, {time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{os.getloadavg()[0]:.2f}\n")  # fmt: skip
    if args.runs:
        print("| `python -m tsrnn forecast` | seconds |\n|---|---:|")
        for i in range(args.runs):
            cache = tempfile.mkdtemp(prefix="tsrnn-cold-")
            print(f"| first run {i + 1} (empty cache) | {forecast_seconds(cache):.2f} |",
                  flush=True)  # fmt: skip
        print(f"| later run (warm cache) | {forecast_seconds(cache):.2f} |")
    if args.events:
        env = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp(prefix="tsrnn-cold-"),
                   TSRNN_COMPILE_ASIDE="0")  # fmt: skip
        run = subprocess.run([sys.executable, "-c", EVENTS.format(top=args.top)], env=env,
                             check=True, capture_output=True, text=True)  # fmt: skip
        print("\n| compiled (one process) | depth | seconds |\n|---|---:|---:|")
        print("\n".join(line for line in run.stderr.splitlines() if line.startswith("|")))


if __name__ == "__main__":
    main()
