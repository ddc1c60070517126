"""Backtest cost: partial_fit between origins against refitting at every origin.

Run: python benchmarks/bench_backtest.py [--windows 12] [--quick]
     python benchmarks/bench_backtest.py --panel [--series 100] [--windows 6] [--quick]

Prints, for embedded datasets, the time and accuracy (MAE, sMAPE, MASE averaged over the
origins) of ``tsrnn.backtest`` with ``refit="partial"``, ``refit=True`` and ``refit=False``,
and the speed-up of "partial" over full refits. All runs in one process, one after another.

With ``--panel``, the same on a panel of synthetic monthly series (generated here with
numpy: levels, trends, seasonal shapes, AR(1) noise, lengths 120-240 with different start
dates; fixed seed), backtested with one global model in the long format; the accuracy is
averaged over series and origins, and a seasonal-naive forecast is scored beside it.
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
from _bench_common import cpu_name

import tsrnn
from tsrnn import RNNForecaster, backtest, metrics
from tsrnn.datasets import load_airline, load_co2, load_us_gdp

# name -> (loader, horizon, step between origins)
CASES = {
    "airline (MS)": (load_airline, 12, 3),
    "co2 weekly (W-SAT), last 800": (lambda: load_co2()[-800:], 13, 13),
    "us_gdp (QS)": (load_us_gdp, 8, 4),
}


def synthetic_panel(n_series, seed=0):
    """Monthly series of lengths 120-240 ending at different months, long format.

    Parameters
    ----------
    n_series : int
    seed : int

    Returns
    -------
    pandas.DataFrame with columns unique_id, ds, y
    """
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_series):
        n = int(rng.integers(120, 241))
        t = np.arange(n)
        profile = rng.normal(0, 1, 12)  # a smoothed, centred seasonal shape
        profile = np.convolve(np.tile(profile, 3), np.ones(3) / 3, "same")[12:24]
        profile = (profile - profile.mean()) / profile.std()
        noise, eps, phi = np.zeros(n), rng.normal(0, 1, n), rng.uniform(0, 0.8)
        for i in range(1, n):
            noise[i] = phi * noise[i - 1] + eps[i]
        trend = rng.uniform(-0.02, 0.08) * t / 12  # relative change per year
        season = rng.uniform(0.02, 0.2) * profile[t % 12]
        values = rng.uniform(20, 500) * (1 + trend + season + rng.uniform(0.005, 0.03) * noise)
        start = pd.Timestamp("1990-01-01") + pd.DateOffset(months=int(rng.integers(0, 120)))
        frames.append(pd.DataFrame({"unique_id": f"S{k:03d}",
                                    "ds": pd.date_range(start, periods=n, freq="MS"),
                                    "y": values}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def snaive_scores(panel, horizon, n_windows, step):
    """Seasonal-naive (12 months) MAE, sMAPE and MASE averaged over series and origins."""
    rows = []
    for _, g in panel.groupby("unique_id"):
        y = g["y"].to_numpy()
        for i in range(n_windows):
            cut = len(y) - horizon - (n_windows - 1 - i) * step
            pred = np.resize(y[cut - 12 : cut], horizon)
            actual = y[cut : cut + horizon]
            rows.append((metrics.mae(actual, pred), metrics.smape(actual, pred),
                         metrics.mase(actual, pred, y[:cut], m=12)))  # fmt: skip
    return np.mean(rows, axis=0)


def run_panel(args):
    n_windows = 2 if args.quick else args.windows
    epochs = 3 if args.quick else args.epochs
    n_series = 20 if args.quick else args.series
    horizon = 12
    panel = synthetic_panel(n_series)
    tsrnn.warmup()
    lengths = panel.groupby("unique_id").size()
    print(f"# tsrnn {tsrnn.__version__}, {cpu_name()} ({os.cpu_count()} cores), load "
          f"{os.getloadavg()[0]:.1f}; panel of {n_series} synthetic monthly series "
          f"(lengths {lengths.min()}-{lengths.max()}), horizon {horizon}, {n_windows} origins "
          f"every {horizon} steps, hidden_size={args.hidden_size}, "
          f"max_epochs={epochs}")  # fmt: skip
    print()
    print("| refit | seconds | first origin | later origins | MAE | sMAPE | MASE | "
          "speed-up vs refit=True |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    model = RNNForecaster(horizon=horizon, hidden_size=args.hidden_size, max_epochs=epochs,
                          random_state=0)  # fmt: skip
    results = {}
    for refit in (True, "partial", False):
        start = time.perf_counter()
        res = backtest(model, panel, n_windows=n_windows, step=horizon, refit=refit)
        results[refit] = (res, time.perf_counter() - start)
    full = results[True][1]
    for refit, (res, seconds) in results.items():
        s = res.summary
        per_origin = res.metrics.groupby("window")["seconds"].first()
        print(f"| {refit} | {seconds:.1f} | {per_origin.iloc[0]:.1f} | "
              f"{per_origin.iloc[1:].sum():.1f} | {s['mae']:.3f} | {s['smape']:.2f} | "
              f"{s['mase']:.3f} | {full / seconds:.1f}x |")  # fmt: skip
    mae, smape, mase = snaive_scores(panel, horizon, n_windows, horizon)
    print(f"| seasonal naive | - | - | - | {mae:.3f} | {smape:.2f} | {mase:.3f} | - |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=None,
                        help="origins per backtest (default 12; 6 with --panel)")  # fmt: skip
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 origins, 5 epochs (--panel: 20 series, 2 origins, 3)",
    )
    parser.add_argument("--panel", action="store_true", help="a panel of synthetic series")
    parser.add_argument("--series", type=int, default=100, help="series in the panel")
    parser.add_argument("--epochs", type=int, default=50, help="max_epochs of the panel model")
    parser.add_argument("--hidden-size", type=int, default=32, help="of the panel model")
    args = parser.parse_args()
    if args.panel:
        args.windows = args.windows or 6
        return run_panel(args)
    args.windows = args.windows or 12
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
