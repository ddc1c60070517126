"""The base model: zero-shot, fine-tuned from it, and trained from scratch, side by side.

Run::

    python benchmarks/base_model.py --data DIR --group Hourly     # M4, scored the M4 way
    python benchmarks/base_model.py --data DIR --group Weekly
    python benchmarks/base_model.py --datasets [--origins 3]      # the embedded datasets
    python benchmarks/base_model.py --speed 10000                 # zero-shot prediction time
    python benchmarks/base_model.py --speed 1 --calls 1000        # one series, many calls

Honest evaluation: the base weights never saw a real series (they were pretrained on synthetic
series only), so the zero-shot scores are zero-shot. Every setting of the fine-tuning (the
learning rate, the number of epochs, and whether to fine-tune at all) is chosen on a validation
split carved from the training part: the last horizon of each training series is held out, the
candidates are fine-tuned on the values before it and scored on it, relative to the zero-shot
forecast (``(sMAPE / sMAPE_zero + MASE / MASE_zero) / 2``; zero-shot itself scores 1 and stays
a candidate). Each candidate fine-tunes with early stopping on the newest windows before the
validation values, with or without a moving average of its weights (``--emas``), over epochs of
a sample of windows (``--windows-per-epoch``), optionally with a linear shortcut
(``--linear-lags``). The chosen setting is then fine-tuned on the whole training part, every
window (the newest too) for the epochs validation chose, and scored once on the test values.
"Scratch" is ``RNNForecaster`` with its defaults (``horizon`` and the seasonal period given),
fitted on the training part. The series carry dates of their frequency; the base model reads
each at the seasonal period it finds in it, as by default (``--calendar-period``: at the
calendar's).

M4 (``--data`` is a folder with the M4 files, see ``m4.py``): the test values are M4's, the
OWA is relative to the official Naive2. Embedded datasets: the last horizon is the test,
the horizon before it the validation; OWA is not defined there, so sMAPE and MASE are given.
One test horizon of one series is a noisy score: ``--origins K`` repeats everything from K
origins, each a horizon before the last, and gives the means.
"""

import argparse
import itertools
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from _bench_common import cpu_name  # noqa: E402

from tsrnn import RNNForecaster  # noqa: E402
from tsrnn._data import season_length  # noqa: E402
from tsrnn.datasets import load  # noqa: E402
from tsrnn.metrics import mase, owa, smape  # noqa: E402

#: Embedded datasets: name -> (horizon, seasonal period of the MASE scale).
DATASETS = {"airline": (12, 12), "co2": (13, 52), "sunspots": (11, 1), "us_gdp": (8, 4)}
M4 = {"Hourly": (24, 24), "Weekly": (52, 1)}  # seasonal period, MASE lag
#: The frequency of each M4 group's time stamps (M4's own dates are not reliable).
M4_FREQ = {"Hourly": "h", "Weekly": "W"}


def to_long(series, ids, freq=None):
    """Long frame (unique_id, ds, y): time stamps 0, 1, ... per series, or dates of ``freq``
    from 2000-01-01 (so the estimator reads the calendar's period from them)."""
    def stamps(n):
        return np.arange(n) if freq is None else pd.date_range("2000-01-01", periods=n, freq=freq)

    return pd.concat(
        [pd.DataFrame({"unique_id": i, "ds": stamps(len(v)), "y": v})
         for i, v in zip(ids, series, strict=True)],  # fmt: skip
        ignore_index=True,
    )


def forecasts(out, ids):
    """Forecast matrix (n_series, horizon) in the order of ``ids`` from a long frame."""
    return np.stack(out.groupby("unique_id").y.apply(np.asarray).loc[ids].to_list())


def scores(y, f, insample, m):
    return smape(y, f), mase(y, f, insample, m=m)


def fine_tuning(args, lr, ema, max_epochs, early_stopping=True):
    """The estimator parameters of one fine-tuning: learning rate ``lr``, the moving average
    of the weights ``ema`` (0: none), ``args``' batch and epoch size, and early stopping's
    patience (``args.patience``, the estimator's rule when ``max_epochs`` is ``"auto"``)."""
    return dict(
        learning_rate=lr, max_epochs=max_epochs, early_stopping=early_stopping,
        n_iter_no_change="auto" if max_epochs == "auto" else args.patience,
        batch_size=args.batch_size, ema_momentum=ema or None,
        max_windows_per_epoch=args.windows_per_epoch or None, random_state=args.seed,
        linear_lags=args.linear_lags or None,
    )  # fmt: skip


def relative(s, ref):
    return (s[0] / ref[0] + s[1] / ref[1]) / 2


def run(train, test, ids, horizon, freq, period, m, args):
    """Zero-shot, fine-tuned (settings chosen on validation) and scratch forecasts.

    The series are given with dates of ``freq``. The base model reads each series at the
    period it finds in it (``args.calendar_period``: at ``period``, the calendar's); from
    scratch, the model gets ``period``.

    Returns
    -------
    dict
        method -> (forecast matrix, seconds, description).
    choices : list of str
        The validation results of every candidate.
    """
    seed = args.seed
    base_period = period if args.calendar_period else None
    results, lines = {}, []
    base = RNNForecaster.from_pretrained(horizon=horizon, seasonal_period=base_period)
    long_train = to_long(train, ids, freq)
    t = time.perf_counter()
    results["zero-shot"] = (forecasts(base.predict(long_train), ids), time.perf_counter() - t,
                            "")  # fmt: skip

    # choose on the last horizon of the training part
    fit_part = [v[:-horizon] for v in train]
    val = np.stack([v[-horizon:] for v in train])
    long_fit = to_long(fit_part, ids, freq)
    zero = scores(val, forecasts(base.predict(long_fit), ids), fit_part, m)
    lines.append(f"validation, zero-shot: sMAPE {zero[0]:.3f} MASE {zero[1]:.3f} (relative 1)")
    best = (1.0, None, None, None)
    for lr, ema in itertools.product(args.lrs, args.emas):
        t = time.perf_counter()
        params = fine_tuning(args, lr, ema, args.max_epochs)
        est = RNNForecaster(init="base", horizon=horizon, seasonal_period=base_period,
                            **params).fit(long_fit)  # fmt: skip
        s = scores(val, forecasts(est.predict(), ids), fit_part, m)
        rel = relative(s, zero)
        lines.append(
            f"validation, fine-tuned lr={lr:g} ema={ema:g}: sMAPE {s[0]:.3f} MASE {s[1]:.3f} "
            f"(relative {rel:.3f}), best epoch {est.best_epoch_} of {est.n_iter_}, "
            f"{time.perf_counter() - t:.0f} s"
        )
        if rel < best[0] and est.best_epoch_ > 0:
            best = (rel, lr, ema, est.best_epoch_)
    if best[1] is None:
        lines.append("chosen: zero-shot (no fine-tuning beat it on validation)")
        results["fine-tuned"] = results["zero-shot"][:2] + ("zero-shot chosen",)
    else:
        chosen = f"lr={best[1]:g} ema={best[2]:g}, {best[3]} epochs"
        lines.append(f"chosen: {chosen}")
        t = time.perf_counter()
        # every window now, the newest too: as many epochs as validation chose
        est = RNNForecaster(init="base", horizon=horizon, seasonal_period=base_period,
                            **fine_tuning(args, *best[1:], early_stopping=False)
                            ).fit(long_train)  # fmt: skip
        results["fine-tuned"] = (forecasts(est.predict(), ids), time.perf_counter() - t,
                                 chosen)  # fmt: skip
    if args.scratch:
        t = time.perf_counter()
        est = RNNForecaster(horizon=horizon, seasonal_period=period,
                            random_state=seed).fit(long_train)  # fmt: skip
        results["scratch (defaults)"] = (forecasts(est.predict(), ids), time.perf_counter() - t,
                                         f"{est.n_iter_} epochs")  # fmt: skip
    return results, lines


def m4_group(args):
    from _m4_data import data_dir, load_group

    d = load_group(data_dir(args.data), args.group)
    if args.every > 1:
        d = d.subset(every=args.every)
    period, m = M4[args.group]
    results, lines = run(d.train, d.test, d.ids, d.spec.horizon, M4_FREQ[args.group], period,
                         m, args)  # fmt: skip
    naive2 = scores(d.test, d.benchmarks["Naive2"], d.train, m)
    print("\n".join(lines))
    print(f"\n| M4 {args.group} ({len(d.ids)} series) | sMAPE | MASE | OWA | seconds | |")
    print("|---|---:|---:|---:|---:|---|")
    for name, (f, sec, note) in results.items():
        s = scores(d.test, f, d.train, m)
        print(f"| {name} | {s[0]:.3f} | {s[1]:.3f} | {owa(*s, *naive2):.3f} | {sec:.1f} | {note} |")
    if "sNaive" in d.benchmarks:
        s = scores(d.test, d.benchmarks["sNaive"], d.train, m)
        print(f"| sNaive, official forecasts | {s[0]:.3f} | {s[1]:.3f} | "
              f"{owa(*s, *naive2):.3f} | | |")  # fmt: skip


def embedded(args):
    """Each embedded dataset forecast from ``args.origins`` origins, one horizon apart: the
    last horizon is the test of the first, the one before it the test of the second, and so
    on (each with the horizon before its test as validation). The table gives the mean over
    the origins, and the last rows the mean MASE of each method over the datasets."""
    print(f"| dataset | method | sMAPE | MASE | seconds | mean over {args.origins} origin(s) |")
    print("|---|---|---:|---:|---:|---|")
    means = {}
    for name, (h, m) in DATASETS.items():
        series = load(name)
        y = series.to_numpy(dtype=float)
        freq = series.index.freq
        per_method = {}
        for k in range(args.origins):
            end = len(y) - k * h
            train, test = [y[: end - h]], y[end - h : end][None]
            results, lines = run(train, test, [name], h, freq, season_length(freq), m, args)
            print("\n".join(f"<!-- {name}, origin {k + 1}: {line} -->" for line in lines))
            for method, (f, sec, note) in results.items():
                per_method.setdefault(method, []).append((*scores(test, f, train, m), sec, note))
        for method, rows in per_method.items():
            smape_, mase_, sec = (np.mean([r[i] for r in rows]) for i in range(3))
            notes = "; ".join(r[3] for r in rows if r[3])
            print(f"| {name} | {method} | {smape_:.3f} | {mase_:.3f} | {sec:.1f} | {notes} |")
            means.setdefault(method, []).append(mase_)
    for method, values in means.items():
        print(f"| **mean over the datasets** | {method} | | {np.mean(values):.3f} | | |")


def speed(args):
    """Zero-shot prediction time: many series at once, and one series at a time (warm)."""
    from tsrnn.synthetic import SyntheticSeries

    base = RNNForecaster.from_pretrained(horizon=48)
    values = SyntheticSeries(500, frequencies="h", random_state=0).sample(args.speed).values
    index = pd.date_range("2026-01-01", periods=500, freq="h")
    frame = pd.DataFrame(values.T, index=index)
    long = frame.melt(ignore_index=False, var_name="unique_id", value_name="y")
    long = long.rename_axis("ds").reset_index()
    one = pd.Series(values[0], index=index)
    base.predict(one)  # compiled and warm
    print("| zero-shot prediction, horizon 48, series of 500 hourly steps | seconds |")
    print("|---|---:|")
    for name, data in [(f"{args.speed:,} series, wide frame", frame),
                       (f"{args.speed:,} series, long frame", long)]:  # fmt: skip
        t = time.perf_counter()
        base.predict(data)
        print(f"| {name} | {time.perf_counter() - t:.2f} |")
    for name, data in [(f"one series (pandas Series), median of {args.calls}", one),
                       (f"one series (1-D array), median of {args.calls}", values[0])]:  # fmt: skip
        times = []
        for _ in range(args.calls):
            t = time.perf_counter()
            base.predict(data)
            times.append(time.perf_counter() - t)
        print(f"| {name} | {np.median(times) * 1e3:.2f} ms |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="folder with the M4 files (or $TSRNN_M4_DATA)")
    p.add_argument("--group", choices=sorted(M4))
    p.add_argument("--datasets", action="store_true", help="the embedded datasets instead")
    p.add_argument("--lrs", type=lambda s: [float(x) for x in s.split(",")],
                   default=[1e-3, 3e-3], help="fine-tuning learning rates to choose from")
    p.add_argument("--max-epochs", type=lambda v: v if v == "auto" else int(v), default=40,
                   help="fine-tuning epochs at most (auto: the estimator's rule by data size, "
                   "with its patience)")
    p.add_argument("--patience", type=int, default=8, help="early stopping's patience")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--emas", type=lambda s: [float(x) for x in s.split(",")],
                   default=[0.99, 0.0], help="fine-tuning's ema_momentum values to choose "
                   "from (0: no moving average of the weights)")
    p.add_argument("--windows-per-epoch", type=int, default=8192,
                   help="fine-tuning's max_windows_per_epoch (0: every window)")
    p.add_argument("--linear-lags", type=int, default=0,
                   help="fine-tuning adds a linear shortcut over this many values (0: none)")
    p.add_argument("--origins", type=int, default=1,
                   help="embedded datasets: forecast origins, one horizon apart (the last "
                   "horizon is the first test)")
    p.add_argument("--every", type=int, default=1, help="every K-th M4 series (quick runs)")
    p.add_argument("--scratch", action="store_true", help="also train from scratch")
    p.add_argument("--calendar-period", action="store_true",
                   help="give the base model the calendar's seasonal period instead of the "
                   "period it finds in each series")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--speed", type=int, default=0, metavar="N",
                   help="instead: time zero-shot prediction of N series and of one")
    p.add_argument("--calls", type=int, default=200,
                   help="with --speed: calls on one series, of which the median is shown")
    args = p.parse_args(argv)
    print(f"# base model benchmark, {time.strftime('%Y-%m-%d')}, {cpu_name()}\n")
    if args.speed:
        speed(args)
    elif args.datasets:
        embedded(args)
    elif args.group:
        m4_group(args)
    else:
        p.error("give --group (with --data) or --datasets")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\npeak memory of the process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
