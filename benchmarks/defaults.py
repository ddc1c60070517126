"""Candidate default training rules of RNNForecaster, scored on a spread of data.

Each rule is a set of training parameters (``learning_rate``, ``batch_size``, ``max_epochs``,
``n_iter_no_change``, and for ``"auto"`` the constants of :func:`tsrnn._trainer.epoch_budget`
in :mod:`tsrnn._config`); every other parameter keeps the estimator's default. The rules
are scored on:

* ``sklearn``: windows mode on scikit-learn's regression data — the set of
  ``check_regressors_train`` (200 samples, 10 features, one informative, noise 20; scored
  as the check scores it: R² on the training data, passing above 0.5), ``make_regression``
  (1,000 samples, 10 features, 5 informative, noise 10) and ``load_diabetes`` (442
  samples), each scored by R² on its last 20 % of rows after training on the first 80 %;
* ``sine``: a noiseless two-tone sine, ``sin(2 pi t / 25) + 0.5 sin(2 pi t / 7)``, window
  30, the next value as target, 900 training windows and the 300 windows after them scored
  (R²), LSTM and GRU, random states 0, 1, 2 (the worst is shown; the target is 0.995);
* ``datasets``: the embedded datasets in series mode (horizon and seasonal period of
  ``benchmarks/base_model.py``): the last horizon is the test and is never read; the model
  trains on the values before the horizon preceding it and forecasts that horizon (the
  validation). Scored by sMAPE and MASE relative to the seasonal naive forecast,
  ``(sMAPE / sMAPE_snaive + MASE / MASE_snaive) / 2``, averaged over the datasets;
* ``m4``: M4 Hourly as ``benchmarks/m4.py`` trains it by default (integer time stamps, so
  no seasonal period is known), on a validation split carved from the training part: the
  last 48 values of each training series are held out, the model trains on the values
  before them, and the forecasts of those 48 are scored the M4 way (sMAPE, MASE with lag
  24, OWA against Naive2 computed here from the same values; this Naive2 is checked against
  the official Naive2 forecasts of the whole training part first). The M4 test values are
  never read. Seasonal naive on the same split is the bar to beat.

The winner is the rule that meets the most targets (check R² > 0.5, sine R² >= 0.995 for
both cells, M4 validation OWA below seasonal naive's), then has the best mean rank over the
measured columns.

Usage::

    python benchmarks/defaults.py --suites sklearn sine           # about a minute a rule
    python benchmarks/defaults.py --suites datasets
    python benchmarks/defaults.py --suites m4 --data DIR --m4-every 8
    python benchmarks/defaults.py --rules old chosen --suites sklearn sine datasets m4 \\
        --data DIR
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes, make_regression
from sklearn.metrics import r2_score
from sklearn.preprocessing import scale

sys.path.insert(0, str(Path(__file__).parent))

from _bench_common import cpu_name, load_average, load_text, markdown_table  # noqa: E402

from tsrnn import RNNForecaster, _config  # noqa: E402
from tsrnn._data import season_length  # noqa: E402
from tsrnn.datasets import load  # noqa: E402
from tsrnn.metrics import mase, owa, smape  # noqa: E402

#: The rules: name -> (estimator parameters, tsrnn._config constants). "old" is the defaults
#: before this benchmark; "chosen" is the estimator's current defaults.
OLD = {"learning_rate": 1e-3, "batch_size": 64, "max_epochs": 100, "n_iter_no_change": 10,
       "loss": "mse"}
STEPS = {"max_epochs": "auto", "n_iter_no_change": "auto"}
RULES = {
    "old": (OLD, {}),
    "lr 3e-3": ({**OLD, "learning_rate": 3e-3}, {}),
    "steps, lr 1e-3": ({**OLD, **STEPS}, {}),
    "steps, lr 3e-3": ({**OLD, **STEPS, "learning_rate": 3e-3}, {}),
    "steps 5000/500, lr 3e-3": ({**OLD, **STEPS, "learning_rate": 3e-3},
                                {"AUTO_MIN_STEPS": 5000, "AUTO_PATIENCE_STEPS": 500}),
    "steps, lr 3e-3, batch 256": ({**OLD, **STEPS, "learning_rate": 3e-3, "batch_size": 256},
                                  {}),
    "steps, lr 1e-3, mae": ({**OLD, **STEPS, "loss": "mae"}, {}),
    "steps, lr 3e-3, mae": ({**OLD, **STEPS, "learning_rate": 3e-3, "loss": "mae"}, {}),
    "steps, lr 3e-3, loss auto": ({**OLD, **STEPS, "learning_rate": 3e-3, "loss": "auto"}, {}),
    "chosen": ({}, {}),
}

#: Embedded datasets: name -> (horizon, seasonal period), as in benchmarks/base_model.py.
DATASETS = {"airline": (12, 12), "co2": (13, 52), "sunspots": (11, 1), "us_gdp": (8, 4)}


class Rule:
    """A rule's parameters, with its ``_config`` constants set while it is used."""

    def __init__(self, name, seed=0):
        self.name = name
        self.params, self.constants = RULES[name]
        self.seed = seed

    def estimator(self, **params):
        return RNNForecaster(**{**self.params, "random_state": self.seed, **params})

    def __enter__(self):
        self._saved = {k: getattr(_config, k) for k in self.constants}
        for k, v in self.constants.items():
            setattr(_config, k, v)
        return self

    def __exit__(self, *exc):
        for k, v in self._saved.items():
            setattr(_config, k, v)


# --------------------------------------------------------------------------------------------
# data


def check_set():
    """check_regressors_train's data: X, and y scaled as the check scales it."""
    from sklearn.utils.estimator_checks import _regression_dataset

    X, y = _regression_dataset()
    return X, scale(y)


def two_tone(n_train=900, n_test=300, window=30):
    """Windows of the noiseless two-tone sine and the next values: train, then test."""
    t = np.arange(n_train + n_test + window, dtype=np.float64)
    s = np.sin(2 * np.pi * t / 25) + 0.5 * np.sin(2 * np.pi * t / 7)
    X = np.lib.stride_tricks.sliding_window_view(s[:-1], window)
    y = s[window:]
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def held_out_r2(est, X, y, share=0.8):
    cut = int(share * len(X))
    est.fit(X[:cut], y[:cut])
    return r2_score(y[cut:], est.predict(X[cut:]))


# --------------------------------------------------------------------------------------------
# suites: each returns {column: value} for a rule


def suite_sklearn(rule, args):
    X, y = check_set()
    est = rule.estimator().fit(X, y)
    out = {"check R² (train)": est.score(X, y)}
    Xr, yr = make_regression(n_samples=1000, n_features=10, n_informative=5, noise=10,
                             random_state=0)  # fmt: skip
    out["make_regression R²"] = held_out_r2(rule.estimator(), Xr, scale(yr))
    Xd, yd = load_diabetes(return_X_y=True)
    out["diabetes R²"] = held_out_r2(rule.estimator(), scale(Xd), scale(yd))
    return out


def suite_sine(rule, args):
    Xtr, ytr, Xte, yte = two_tone()
    out = {}
    for cell in ("lstm", "gru"):
        scores = []
        for seed in range(args.sine_seeds):
            est = rule.estimator(cell=cell, random_state=seed).fit(Xtr, ytr)
            scores.append(r2_score(yte, est.predict(Xte)))
        out[f"sine R² {cell} (worst)"] = min(scores)
    return out


def relative_to_snaive(y, f, insample, period):
    """``(sMAPE / sMAPE_snaive + MASE / MASE_snaive) / 2`` of forecasts ``f`` (one series)."""
    h = len(y)
    sn = np.resize(insample[-period:], h) if period > 1 else np.repeat(insample[-1], h)
    s, m = smape(y, f), mase(y, f, insample, m=period)
    return (s / smape(y, sn) + m / mase(y, sn, insample, m=period)) / 2


def suite_datasets(rule, args):
    rel = []
    for name in args.datasets:
        h, period = DATASETS[name]
        y = load(name)
        fit_part, val = y.iloc[: -2 * h], y.to_numpy()[-2 * h : -h]
        assert season_length(y.index.freq) == period
        est = rule.estimator(horizon=h).fit(fit_part)
        rel.append(relative_to_snaive(val, est.predict().to_numpy(), fit_part.to_numpy(), period))
    out = {f"{n} rel. sNaive": r for n, r in zip(args.datasets, rel, strict=True)}
    out["datasets rel. sNaive (mean)"] = float(np.mean(rel))
    return out


# --------------------------------------------------------------------------------------------
# M4 Hourly, validation split


def _acf(x, k):
    mean = x.mean()
    return np.sum((x[:-k] - mean) * (x[k:] - mean)) / np.sum((x - mean) ** 2)


def _seasonal(x, m):
    """M4's seasonality test (90 %, lag m) and multiplicative seasonal indices, or None."""
    n = len(x)
    if n < 3 * m:
        return None
    acfs = np.array([_acf(x, k) for k in range(1, m + 1)])
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(acfs[:-1] ** 2)) / n)
    if abs(acfs[-1]) <= limit:
        return None
    # classical decomposition: centred 2 x m moving average (m even), ratios averaged by
    # position, normalised to mean 1 (statsmodels' seasonal_decompose, as M4 used it)
    kernel = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.full(n, np.nan)
    half = len(kernel) // 2
    trend[half : n - half] = np.convolve(x, kernel, mode="valid")
    ratio = x / trend
    means = np.array([np.nanmean(ratio[i::m]) for i in range(m)])
    means /= means.mean()
    return np.resize(means, n)  # the seasonal component over the series


def naive2(x, h, m):
    """M4's Naive2: the last seasonally adjusted value, reseasonalised."""
    x = np.asarray(x, dtype=np.float64)
    season = _seasonal(x, m)
    if season is None:
        return np.repeat(x[-1], h)
    last = season[-m:]
    return (x[-1] / season[-1]) * np.resize(last, h)


def suite_m4(rule, args):
    d = args.m4_data
    H, m = 48, 24
    fit_part = [v[:-H] for v in d.train]
    val = np.stack([v[-H:] for v in d.train])
    lengths = np.array([len(v) for v in fit_part])
    long = pd.DataFrame({
        "unique_id": np.repeat(np.array(d.ids, dtype=object), lengths),
        "ds": np.concatenate([np.arange(n) for n in lengths]),
        "y": np.concatenate(fit_part),
    })  # fmt: skip
    t = time.perf_counter()
    est = rule.estimator(horizon=H).fit(long)
    out = est.predict()
    seconds = time.perf_counter() - t
    f = out["y"].to_numpy(dtype=np.float64).reshape(-1, H)
    f = f[pd.Index(out["unique_id"].to_numpy()[::H]).get_indexer(d.ids)]
    n2 = np.stack([naive2(v, H, m) for v in fit_part])
    sn = np.stack([np.resize(v[-m:], H) for v in fit_part])
    ref = smape(val, n2), mase(val, n2, fit_part, m=m)
    s = smape(val, f), mase(val, f, fit_part, m=m)
    return {
        "M4 val sMAPE": s[0], "M4 val MASE": s[1], "M4 val OWA": owa(*s, *ref),
        "M4 val OWA sNaive": owa(smape(val, sn), mase(val, sn, fit_part, m=m), *ref),
        "M4 epochs": est.n_iter_, "M4 fit s": seconds,
    }  # fmt: skip


def load_m4(args):
    """The Hourly series (every ``--m4-every``-th), after checking :func:`naive2`."""
    from _m4_data import data_dir, load_group

    d = load_group(data_dir(args.data), "Hourly")
    # this Naive2 against the official forecasts from the whole training part
    mine = np.stack([naive2(v, 48, 24) for v in d.train])
    gap = np.max(np.abs(mine - d.benchmarks["Naive2"]) / np.abs(d.benchmarks["Naive2"]))
    print(f"Naive2 computed here vs the official forecasts: max relative difference {gap:.1e}")
    if gap > 1e-3:
        raise SystemExit("the Naive2 computed here differs from the official forecasts")
    return d.subset(every=args.m4_every) if args.m4_every > 1 else d


SUITES = {"sklearn": suite_sklearn, "sine": suite_sine, "datasets": suite_datasets,
          "m4": suite_m4}  # fmt: skip

#: Columns that count for the ranking: name -> True when higher is better.
RANKED = {"check R² (train)": True, "make_regression R²": True, "diabetes R²": True,
          "sine R² lstm (worst)": True, "sine R² gru (worst)": True,
          "datasets rel. sNaive (mean)": False, "M4 val OWA": False}  # fmt: skip


def targets_met(row):
    met = []
    if "check R² (train)" in row:
        met.append(row["check R² (train)"] > 0.5)
    if "sine R² lstm (worst)" in row:
        met.append(min(row["sine R² lstm (worst)"], row["sine R² gru (worst)"]) >= 0.995)
    if "M4 val OWA" in row:
        met.append(row["M4 val OWA"] < row["M4 val OWA sNaive"])
    return sum(met), len(met)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    p.add_argument("--suites", nargs="+", default=["sklearn", "sine", "datasets"],
                   choices=list(SUITES))  # fmt: skip
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--sine-seeds", type=int, default=3, help="random states of the sine")
    p.add_argument("--data", help="folder with the M4 files (for --suites m4)")
    p.add_argument("--m4-every", type=int, default=1, help="every K-th Hourly series")
    p.add_argument("--seed", type=int, default=0, help="random_state of the models")
    args = p.parse_args(argv)
    print(f"# defaults benchmark, {time.strftime('%Y-%m-%d')}, {cpu_name()}, "
          f"load {load_text(load_average())}")  # fmt: skip
    print(f"estimator defaults ('chosen'): { {k: RNNForecaster().get_params()[k] for k in OLD} }")
    if "m4" in args.suites:
        args.m4_data = load_m4(args)
        print(f"M4 Hourly validation split: {len(args.m4_data.ids)} series")
    rows = {}
    for name in args.rules:
        row = {}
        with Rule(name, args.seed) as rule:
            for suite in args.suites:
                t = time.perf_counter()
                row.update(SUITES[suite](rule, args))
                print(f"  {name}: {suite} done in {time.perf_counter() - t:.0f} s", flush=True)
        rows[name] = row
        print(f"{name}: " + ", ".join(f"{k} {v:.4g}" for k, v in row.items()), flush=True)
    columns = list(next(iter(rows.values())))
    ranked = [c for c in columns if c in RANKED]
    frame = pd.DataFrame(rows).T
    ranks = pd.DataFrame({c: frame[c].rank(ascending=not RANKED[c]) for c in ranked})
    frame["mean rank"] = ranks.mean(axis=1)
    frame["targets met"] = [f"{a}/{b}" for a, b in map(targets_met, rows.values())]
    print()
    print("\n".join(markdown_table(["rule"] + list(frame.columns),
                         [[name] + [_fmt(v) for v in frame.loc[name]] for name in frame.index])))
    met = {name: targets_met(row)[0] for name, row in rows.items()}
    best = max(frame.index, key=lambda n: (met[n], -frame.loc[n, "mean rank"]))
    print(f"\nwinner: {best!r} ({RULES[best]}): meets {frame.loc[best, 'targets met']} targets, "
          f"mean rank {frame.loc[best, 'mean rank']:.2f}")
    print(f"load after: {load_text(load_average())}")


def _fmt(v):
    if isinstance(v, str):
        return v
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.4f}" if abs(v) < 10 else f"{v:.3f}"


if __name__ == "__main__":
    main()
