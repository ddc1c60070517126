"""Choose between base models on validation data only: their zero-shot scores side by side.

Run::

    python benchmarks/base_select.py --data DIR tsrnn/weights/base.tsrnn other.tsrnn
    python benchmarks/base_select.py --data DIR other.tsrnn --contexts 256,512
    python benchmarks/base_select.py tsrnn/weights/base.tsrnn --period sunspots=11

Every candidate (a base model file, read with a context of at most each of ``--contexts``
steps, or its own window) forecasts, zero-shot, validation splits carved from training
parts only:

- M4 Hourly and Weekly (``--data``, see ``m4.py``): the last horizon of each training series,
  forecast from the values before it (the M4 test values are never read);
- the embedded datasets: the horizon before the test horizon, forecast from the values
  before it.

Each split is scored by sMAPE and MASE (as ``base_model.py``), and each candidate by its
score relative to the first candidate, ``(sMAPE / sMAPE_first + MASE / MASE_first) / 2``,
per split and averaged over the splits (below 1: better than the first).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _bench_common import cpu_name  # noqa: E402
from base_model import DATASETS, M4, M4_FREQ, forecasts, relative, scores, to_long  # noqa: E402

from tsrnn import RNNForecaster  # noqa: E402
from tsrnn.datasets import load  # noqa: E402


def splits(data, periods=None):
    """Validation splits: name -> (contexts, targets, ids, horizon, freq, period, MASE lag).

    ``period`` is the seasonal period given to the models: None (each series' own, found in
    it; the default), or for the split names in ``periods`` the period given there (the
    MASE lag stays)."""
    out = {}
    if data:
        from _m4_data import data_dir, load_group

        for group, (_, m) in M4.items():
            d = load_group(data_dir(data), group)
            h = d.spec.horizon
            out[f"M4 {group}"] = ([v[:-h] for v in d.train], np.stack([v[-h:] for v in d.train]),
                                  d.ids, h, M4_FREQ[group], None, m)  # fmt: skip
    for name, (h, m) in DATASETS.items():
        y = load(name)
        v = y.to_numpy(dtype=float)[:-h]  # the training part
        out[name] = ([v[:-h]], v[-h:][None], [name], h, y.index.freq, None, m)
    for name, period in (periods or {}).items():
        out[name] = out[name][:5] + (period,) + out[name][6:]
    return out


def zero_shot(path, context, split):
    """sMAPE and MASE of the candidate's zero-shot forecasts of one split."""
    contexts, targets, ids, h, freq, period, m = split
    est = RNNForecaster.from_pretrained(path, horizon=h, seasonal_period=period)
    if context:
        est.window_ = int(context)  # the GRU reads any length; this caps the context
    f = forecasts(est.predict(to_long(contexts, ids, freq)), ids)
    return scores(targets, f, contexts, m)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+", help="base model files; the first is the reference")
    p.add_argument("--data", help="folder with the M4 files (or $TSRNN_M4_DATA); without it "
                   "only the embedded datasets")  # fmt: skip
    p.add_argument("--contexts", type=lambda s: [int(x) for x in s.split(",")], default=[0],
                   help="longest contexts to read (0: the model's own window)")
    p.add_argument("--period", action="append", default=[], metavar="SPLIT=P",
                   help="give the models seasonal period P for this split (e.g. sunspots=11)")
    args = p.parse_args(argv)
    periods = {k: int(v) for k, v in (x.split("=") for x in args.period)}
    print(f"# base models on validation splits, {time.strftime('%Y-%m-%d')}, {cpu_name()}\n")
    data = splits(args.data, periods)
    if periods:
        print(f"seasonal periods given: {periods}\n")
    rows, first = [], None
    for path in args.models:
        for context in args.contexts:
            s = {name: zero_shot(path, context, split) for name, split in data.items()}
            first = first or s
            rel = {name: relative(s[name], first[name]) for name in s}
            rows.append((f"{Path(path).name}, context {context or 'own'}", s, rel))
    names = list(data)
    print("| candidate | " + " | ".join(names) + " | mean relative |")
    print("|---|" + "---|" * len(names) + "---:|")
    for label, s, rel in rows:
        cells = [f"{s[n][0]:.3f} / {s[n][1]:.3f} ({rel[n]:.3f})" for n in names]
        print(f"| {label} | " + " | ".join(cells) + f" | {np.mean(list(rel.values())):.3f} |")
    print("\nsMAPE / MASE (relative to the first row)")


if __name__ == "__main__":
    main()
