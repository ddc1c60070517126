"""How the base model finds each series' seasonal period: rules compared on validation data.

Run::

    python benchmarks/periods.py --data DIR            # the rules side by side
    python benchmarks/periods.py --data DIR --grid     # the thresholds of the chosen rule

The shipped base model forecasts, zero-shot, validation splits only (the test values are
never read): M4 Hourly and Weekly and the embedded datasets as ``base_select.py`` carves them
(the last horizon of each training series; the horizon before the test), and synthetic series
of every frequency from a seed pretraining never drew (about a third of them with a cycle
their calendar does not give), each cut at a random length and forecast over its frequency's
M4 horizon. Each series is read at the period a rule gives it, from its last 256 values:

- ``calendar``: the frequency's period (:func:`tsrnn._data.season_length`);
- ``calendar, else found``: that, and :func:`tsrnn._data.detect_period` where it is 1;
- ``found``: :func:`tsrnn._data.detect_period` always;
- ``found, calendar if short`` (:func:`tsrnn._data.series_periods`, the default): found,
  but the calendar's period for a series too short to show two of its cycles;
- ``found, calendar if short or near``: that, and the calendar's period where the found one
  is within 5% (or 1 step) of it.

Each split is scored by sMAPE and MASE, relative to the calendar rule (``(sMAPE / sMAPE_cal
+ MASE / MASE_cal) / 2``), and each rule by its mean over the splits (lower is better).
``--grid`` scores the default rule at other peak heights and prominences.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _bench_common import cpu_name  # noqa: E402
from base_model import forecasts, relative, to_long  # noqa: E402
from base_select import splits  # noqa: E402

from tsrnn import RNNForecaster  # noqa: E402
from tsrnn._data import season_length, seasonality  # noqa: E402
from tsrnn._data.seasonality import detect_period, series_periods  # noqa: E402
from tsrnn.metrics import mase, smape  # noqa: E402
from tsrnn.synthetic import SyntheticSeries  # noqa: E402

CONTEXT = 256  # the shipped base model's window
#: M4's horizon for each synthetic frequency.
HORIZONS = {"h": 48, "D": 14, "W": 13, "MS": 18, "QS": 8, "YS": 6}
RULES = {
    "calendar": lambda v, c: c,
    "calendar, else found": lambda v, c: c if c > 1 else detect_period(v[-CONTEXT:]),
    "found": lambda v, c: detect_period(v[-CONTEXT:]),
    "found, calendar if short": lambda v, c: int(series_periods([v], c, None, CONTEXT)[0]),
    "found, calendar if short or near": lambda v, c: snap(
        series_periods([v], c, None, CONTEXT)[0], c),  # fmt: skip
}


def snap(p, c):
    """The calendar's period ``c`` for a found period ``p`` within 5% (or 1 step) of it."""
    return int(c) if c > 1 and abs(int(p) - c) <= max(1, 0.05 * c) else int(p)


def synthetic_splits(n_series=600, seed=54321):
    """Synthetic validation splits, one per frequency: name -> (contexts, targets, calendar
    periods, MASE lags)."""
    batch = SyntheticSeries(length=400, random_state=seed).sample(n_series)
    rng = np.random.default_rng(seed)
    out = {}
    for v, freq, cal in zip(batch.values, batch.freq, batch.season_length, strict=True):
        h = HORIZONS[freq]
        v = v[: rng.integers(h + 30, 401)]
        context, target = v[:-h], v[-h:]
        m = int(cal) if len(context) > 2 * cal else 1
        if np.mean(np.abs(context[m:] - context[:-m])) <= 1e-9 * np.mean(np.abs(context)):
            continue  # MASE undefined (constant in its own lag)
        split = out.setdefault(f"synthetic {freq}", ([], [], [], []))
        for part, x in zip(split, (context, target, int(cal), m), strict=True):
            part.append(x)
    return out


def real_splits(data):
    """``base_select.splits`` in the form of :func:`synthetic_splits`."""
    out = {}
    for name, (contexts, targets, _, _, freq, _, m) in splits(data).items():
        out[name] = (contexts, list(targets), [season_length(freq)] * len(contexts),
                     [m] * len(contexts))  # fmt: skip
    return out


def score(split, periods):
    """Mean sMAPE and MASE of zero-shot forecasts, each series read at its period."""
    contexts, targets, _, lags = split
    preds = [None] * len(contexts)
    for h, p in sorted({(len(t), int(q)) for t, q in zip(targets, periods, strict=True)}):
        idx = [i for i, (t, q) in enumerate(zip(targets, periods, strict=True))
               if len(t) == h and q == p]  # fmt: skip
        ids = [f"s{i}" for i in idx]
        base = RNNForecaster.from_pretrained(horizon=h, seasonal_period=p)
        f = forecasts(base.predict(to_long([contexts[i] for i in idx], ids)), ids)
        for k, i in enumerate(idx):
            preds[i] = f[k]
    s = [smape(t[None], f[None]) for t, f in zip(targets, preds, strict=True)]
    m = [mase(t[None], f[None], [c], m=lag)
         for t, f, c, lag in zip(targets, preds, contexts, lags, strict=True)]  # fmt: skip
    return float(np.mean(s)), float(np.mean(m))


def table(rows, names):
    print("| rule | " + " | ".join(names) + " | mean relative |")
    print("|---|" + "---|" * len(names) + "---:|")
    for label, s, rel in rows:
        cells = [f"{s[n][0]:.3f} / {s[n][1]:.3f} ({rel[n]:.3f})" for n in names]
        print(f"| {label} | " + " | ".join(cells) + f" | {np.mean(list(rel.values())):.3f} |")
    print("\nsMAPE / MASE (relative to the calendar's period)\n", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="folder with the M4 files (or $TSRNN_M4_DATA); without it "
                   "the embedded datasets and synthetic series only")  # fmt: skip
    p.add_argument("--grid", action="store_true",
                   help="the default rule at other peak heights and prominences")
    args = p.parse_args(argv)
    print(f"# seasonal-period rules on validation splits, {time.strftime('%Y-%m-%d')}, "
          f"{cpu_name()}\n")  # fmt: skip
    data = {**synthetic_splits(), **real_splits(args.data)}
    names = list(data)
    ref = {n: score(d, d[2]) for n, d in data.items()}
    if args.grid:
        rule = RULES["found, calendar if short"]
        chosen = seasonality.PEAK_HEIGHT, seasonality.PEAK_PROMINENCE
        candidates = [(h, q) for h in (0.2, 0.3, 0.4, 0.5) for q in (0.1, 0.3)]
    else:
        candidates = list(RULES)
    rows = []
    for c in candidates:
        if args.grid:
            seasonality.PEAK_HEIGHT, seasonality.PEAK_PROMINENCE = c
            label = f"height {c[0]}, prominence {c[1]}" + (" (default)" if c == chosen else "")
        else:
            rule, label = RULES[c], c
        s = {n: score(d, [rule(v, cal) for v, cal in zip(d[0], d[2], strict=True)])
             for n, d in data.items()}  # fmt: skip
        rows.append((label, s, {n: relative(s[n], ref[n]) for n in names}))
    table(rows, names)


if __name__ == "__main__":
    main()
