"""Backtest cost: partial_fit between origins against refitting at every origin.

Run: python benchmarks/bench_backtest.py [--windows 12] [--quick]

Prints, for embedded datasets, the time and accuracy (MAE, sMAPE, MASE averaged over the
origins) of ``tsrnn.backtest`` with ``refit="partial"``, ``refit=True`` and ``refit=False``,
and the speed-up of "partial" over full refits. All runs in one process, one after another.
"""

import argparse
import os
import time

from _bench_common import cpu_name

import tsrnn
from tsrnn import RNNForecaster, backtest
from tsrnn.datasets import load_airline, load_co2, load_us_gdp

# name -> (loader, horizon, step between origins)
CASES = {
    "airline (MS)": (load_airline, 12, 3),
    "co2 weekly (W-SAT), last 800": (lambda: load_co2()[-800:], 13, 13),
    "us_gdp (QS)": (load_us_gdp, 8, 4),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=12, help="origins per backtest")
    parser.add_argument("--quick", action="store_true", help="3 origins, 5 epochs")
    args = parser.parse_args()
    n_windows = 3 if args.quick else args.windows
    epochs = 5 if args.quick else 100
    tsrnn.warmup()
    print(f"# tsrnn {tsrnn.__version__}, {cpu_name()} ({os.cpu_count()} cores), "
          f"{n_windows} origins, max_epochs={epochs}")  # fmt: skip
    print()
    print("| series | refit | seconds | MAE | sMAPE | MASE | speed-up vs refit=True |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, (load, horizon, step) in CASES.items():
        y = load()
        model = RNNForecaster(horizon=horizon, max_epochs=epochs, random_state=0)
        results = {}
        for refit in (True, "partial", False):
            start = time.perf_counter()
            results[refit] = (backtest(model, y, n_windows=n_windows, step=step, refit=refit),
                              time.perf_counter() - start)  # fmt: skip
        full = results[True][1]
        for refit, (res, seconds) in results.items():
            s = res.summary
            print(f"| {name} | {refit} | {seconds:.1f} | {s['mae']:.3f} | {s['smape']:.2f} | "
                  f"{s['mase']:.3f} | {full / seconds:.1f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
