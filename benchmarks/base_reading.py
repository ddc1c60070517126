"""How the base model reads a series, on validation data: periods, contexts and floors.

Run::

    python benchmarks/base_reading.py --data DIR              # seasonal-period rules
    python benchmarks/base_reading.py --data DIR --grid       # thresholds of the chosen rule
    python benchmarks/base_reading.py --data DIR --contexts   # context lengths averaged
    python benchmarks/base_reading.py --data DIR --floors     # the lowest a forecast goes

The shipped base model forecasts, zero-shot, validation splits only (the test values are
never read): M4 Hourly and Weekly and the embedded datasets as ``base_select.py`` carves them
(the last horizon of each training series; the horizon before the test), and synthetic series
of every frequency from a seed pretraining never drew (about a third of them with a cycle
their calendar does not give), each cut at a random length and forecast over its frequency's
M4 horizon.

The rules (one context of 256 values; each series read at the period a rule gives it):

- ``calendar``: the frequency's period (:func:`tsrnn._data.season_length`);
- ``calendar, else found``: that, and ``detect_period`` where it is 1;
- ``found``: ``detect_period`` always;
- ``found, calendar if short`` (:func:`tsrnn._data.series_periods`, the default): found,
  but the calendar's period for a series too short to show two of its cycles;
- ``found, calendar if short or near``: that, and the calendar's period where the found one
  is within 5% (or 1 step) of it.

``--grid`` scores the default rule at other peak heights and prominences; ``--contexts``
the default rule with the forecasts of several context lengths averaged
(``tsrnn._pretrained_mode.CONTEXT_FRACTIONS``); ``--floors`` the default reading with each
rule of the lowest value a forecast may take (``tsrnn._pretrained_mode.FLOOR``). Each split
is scored by sMAPE and MASE, relative to the first row (``(sMAPE / sMAPE_first + MASE /
MASE_first) / 2``), and each row by its mean over the splits (lower is better).
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

import tsrnn._pretrained_mode as pretrained_mode  # noqa: E402
from tsrnn import RNNForecaster  # noqa: E402
from tsrnn._data import season_length, seasonality  # noqa: E402
from tsrnn._data.seasonality import detect_period, series_periods  # noqa: E402
from tsrnn.metrics import mase, smape  # noqa: E402
from tsrnn.synthetic import SyntheticSeries  # noqa: E402

CONTEXT = 256  # the shipped base model's window
#: Context fractions compared by ``--contexts``.
FRACTIONS = [(1.0,), (1.0, 0.5), (1.0, 0.75, 0.5)]
#: Floor rules compared by ``--floors`` (``tsrnn._pretrained_mode.FLOOR``).
FLOORS = ("zero", "series", "window", "series, any")
#: A pandas frequency for each calendar period (so the estimator reads the period from dates).
FREQ_OF = {24: "h", 7: "D", 52: "W", 12: "MS", 4: "QS", 1: "YS"}
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


def score(split, periods=None):
    """Mean sMAPE and MASE of zero-shot forecasts, each series read at its period (None: at
    the default, found in the series; the calendar's reaches the model through dates)."""
    contexts, targets, cals, lags = split
    given = [0] * len(contexts) if periods is None else [int(q) for q in periods]
    keys = [(len(t), c, q) for t, c, q in zip(targets, cals, given, strict=True)]
    preds = [None] * len(contexts)
    for h, cal, p in sorted(set(keys)):
        idx = [i for i, k in enumerate(keys) if k == (h, cal, p)]
        ids = [f"s{i}" for i in idx]
        base = RNNForecaster.from_pretrained(horizon=h, seasonal_period=p or None)
        f = forecasts(base.predict(to_long([contexts[i] for i in idx], ids, FREQ_OF[cal])), ids)
        for k, i in enumerate(idx):
            preds[i] = f[k]
    s = [smape(t[None], f[None]) for t, f in zip(targets, preds, strict=True)]
    m = [mase(t[None], f[None], [c], m=lag)
         for t, f, c, lag in zip(targets, preds, contexts, lags, strict=True)]  # fmt: skip
    return float(np.mean(s)), float(np.mean(m))


def table(rows, names):
    print("| row | " + " | ".join(names) + " | mean relative |")
    print("|---|" + "---|" * len(names) + "---:|")
    for label, s, rel in rows:
        cells = [f"{s[n][0]:.3f} / {s[n][1]:.3f} ({rel[n]:.3f})" for n in names]
        print(f"| {label} | " + " | ".join(cells) + f" | {np.mean(list(rel.values())):.3f} |")
    print("\nsMAPE / MASE (relative to the first row)\n", flush=True)


def candidates(args):
    """(label, scorer of one split) for each row."""
    rule = RULES["found, calendar if short"]

    def with_rule(r, d):
        return score(d, [r(v, cal) for v, cal in zip(d[0], d[2], strict=True)])

    def with_setting(name, value):
        """Scores the default reading with ``tsrnn._pretrained_mode.<name>`` set to ``value``."""
        def scorer(d):
            setattr(pretrained_mode, name, value)
            return score(d)

        return scorer

    if args.floors:
        for floor in FLOORS:
            yield f"floor: {floor}", with_setting("FLOOR", floor)
    elif args.contexts:
        for fractions in FRACTIONS:
            label = f"contexts {', '.join(str(round(256 * f)) for f in fractions)}"
            yield label, with_setting("CONTEXT_FRACTIONS", fractions)
    elif args.grid:
        chosen = seasonality.PEAK_HEIGHT, seasonality.PEAK_PROMINENCE
        for c in [(h, q) for h in (0.2, 0.3, 0.4, 0.5) for q in (0.1, 0.3)]:
            def scorer(d, c=c):
                seasonality.PEAK_HEIGHT, seasonality.PEAK_PROMINENCE = c
                return with_rule(rule, d)

            default = " (default)" if c == chosen else ""
            yield f"height {c[0]}, prominence {c[1]}{default}", scorer
    else:
        for name, r in RULES.items():
            yield name, lambda d, r=r: with_rule(r, d)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="folder with the M4 files (or $TSRNN_M4_DATA); without it "
                   "the embedded datasets and synthetic series only")  # fmt: skip
    p.add_argument("--grid", action="store_true",
                   help="the default rule at other peak heights and prominences")
    p.add_argument("--contexts", action="store_true",
                   help="the default rule with several context lengths averaged")
    p.add_argument("--floors", action="store_true",
                   help="the lowest value a forecast may take, by rule (default reading)")
    args = p.parse_args(argv)
    print(f"# how the base model reads series, on validation splits, "
          f"{time.strftime('%Y-%m-%d')}, {cpu_name()}\n")  # fmt: skip
    data = {**synthetic_splits(), **real_splits(args.data)}
    names = list(data)
    if not (args.contexts or args.floors):
        pretrained_mode.CONTEXT_FRACTIONS = (1.0,)  # the rules with one context
    rows, first = [], None
    for label, scorer in candidates(args):
        s = {n: scorer(d) for n, d in data.items()}
        first = first or s
        rows.append((label, s, {n: relative(s[n], first[n]) for n in names}))
    table(rows, names)


if __name__ == "__main__":
    main()
