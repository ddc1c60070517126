"""M4 accuracy benchmark: RNNForecaster on the M4 Hourly and Weekly series.

Trains one global model (or an ensemble of models over seeds) on the training part of every
series of a group, forecasts the held-out horizon, writes the forecasts in the layout of the
official M4 files and scores them as the M4 competition does, beside the official entries.

Scoring (Makridakis et al., 2020)
---------------------------------
For a series with test values ``y`` and forecasts ``f`` over the horizon ``h``::

    sMAPE = 200 / h * sum(|y - f| / (|y| + |f|))
    MASE  = mean(|y - f|) / mean(|x[t] - x[t - m]|)      x: the training values, t >= m

with ``m = 24`` for Hourly and ``m = 1`` for Weekly. Both are averaged over the series of the
subset scored, and::

    OWA = (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2) / 2

with the Naive2 scores computed on the same subset from the official Naive2 forecasts.

Before training, the script scores the official Naive2 (and sNaive, where its file exists)
forecasts on the whole group and stops with an error when they differ from the official
table by more than 0.001: the data and the scoring are then what M4 used.

Data
----
``--data DIR`` (or the environment variable ``TSRNN_M4_DATA``) is a folder holding
``{Group}-train.csv``, ``{Group}-test.csv`` (a ``"V1","V2",...`` header, then one row per
series: its id, its values, then empty cells), ``Naive2-{Group}.csv``,
``sNaive-{Group}.csv`` (optional; rows ``id,F1..Fh``) and
``official_results_by_frequency.csv``.

Time index
----------
M4 series carry no dates. ``--ds int`` (the default) gives each series the time stamps
0, 1, 2, ... (integer ``ds``): the estimator then knows no seasonal period. ``--ds datetime``
puts the series on a made-up calendar of the group's frequency (hourly or weekly steps from
2000-01-01), from which the estimator infers the seasonal period (24 hourly, 52 weekly) for
``window="auto"`` and ``baseline="auto"``.

Usage::

    python benchmarks/m4.py --data DIR --group Hourly --out hourly.csv
    python benchmarks/m4.py --data DIR --group Weekly --out weekly.csv --limit 50 --seeds 3
    python benchmarks/m4.py --data DIR --group Hourly --out h.csv --ds datetime \\
        --cell gru --hidden-size 32 --max-epochs 20

Options not given keep the estimator's defaults; ``horizon`` is always the group's (48 or
13). ``--limit N`` keeps the first N series, ``--every K`` every K-th series (a subset spread
over the whole group, for quick runs), ``--history N`` trains on the last N values of each
series only (fewer windows, faster epochs; the scores still use the whole training part).

Fine-tuning
-----------
Early stopping holds out the most recent windows of each series, so the weights it keeps have
not learned from the newest data. ``--finetune-last N`` then calls ``partial_fit`` on the last
``N`` values of each series, ``--finetune-epochs K`` times (default 1), at
``--finetune-learning-rate`` (default: the training learning rate): the update a user makes
when fresh data arrive, here on data the model has already seen the rest of. ``N`` must be at
least ``window + horizon``.

The table gives the official entries for the whole group, then rows computed on the series
of this run: the official Naive2 (and sNaive) forecasts and the model. OWA is relative to
Naive2 on the same series, so on a subset only the rows "the N series scored" compare.
"""

import argparse
import csv
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tsrnn.metrics import mase, owa, smape

#: Largest difference allowed between a score recomputed here and the official table.
TOLERANCE = 1e-3

#: Environment variable naming the data folder when ``--data`` is not given.
DATA_ENV = "TSRNN_M4_DATA"


@dataclass(frozen=True)
class Group:
    """What M4 fixes for a frequency group.

    Attributes
    ----------
    horizon : int
        Steps to forecast.
    m : int
        Seasonal lag of the MASE scale.
    freq : str
        pandas frequency of the made-up calendar used with ``--ds datetime``.
    """

    horizon: int
    m: int
    freq: str


GROUPS = {"Hourly": Group(horizon=48, m=24, freq="h"), "Weekly": Group(horizon=13, m=1, freq="W")}

#: Official entries shown in the table: (row of official_results_by_frequency.csv, label).
OFFICIAL_ROWS = (
    ("Naive2", "Naive2"),
    ("sNaive", "sNaive"),
    ("Theta", "Theta"),
    ("RNN", "RNN (M4 benchmark)"),
    ("118", "ES-RNN (Smyl, #118)"),
)


# --------------------------------------------------------------------------------------------
# reading and writing


#: Cells that mark the end of a row (the Weekly Naive2 file pads its rows to F48 with NA).
_EMPTY = ("", "NA")


def read_series(path):
    """Read an M4 data file: a ``"V1","V2",...`` header, then id, values, empty cells.

    Empty and ``NA`` cells are dropped.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ids : list of str
    values : list of ndarray
        float64 values of each series, without the trailing empty cells.
    """
    ids, values = [], []
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            if not row:
                continue
            cells = [c for c in row[1:] if c not in _EMPTY]
            ids.append(row[0])
            values.append(np.array(cells, dtype=np.float64))
    return ids, values


def read_forecasts(path):
    """Read a forecast file with rows ``id,F1..Fh`` (and a header line).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ids : list of str
    forecasts : ndarray of shape (n_series, horizon)
    """
    ids, values = read_series(path)
    return ids, np.vstack(values)


def write_forecasts(path, ids, forecasts):
    """Write forecasts as the official files do: a header ``id,F1..Fh``, then a row each.

    Parameters
    ----------
    path : str or os.PathLike
    ids : list of str
    forecasts : ndarray of shape (n_series, horizon)
    """
    forecasts = np.asarray(forecasts, dtype=np.float64)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id"] + [f"F{k + 1}" for k in range(forecasts.shape[1])])
        for sid, row in zip(ids, forecasts, strict=True):
            writer.writerow([sid] + [repr(float(v)) for v in row])


def read_official(path):
    """Read the organisers' table ``official_results_by_frequency.csv``.

    The file has two header lines (the measure over its seven columns, then ``User ID`` and
    the frequencies), then a row per method (``Naive2``, ``Theta``, ``RNN``, ... or the
    participant's number), then notes.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict
        ``{method: {frequency: (sMAPE, MASE, OWA)}}``, frequencies as in the file
        (``"Yearly"`` ... ``"Hourly"``, ``"Total"``).
    """
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    measures, freqs = rows[0], rows[1]
    columns = {}
    current = None
    for j in range(1, len(freqs)):
        if j < len(measures) and measures[j]:
            current = measures[j]
        columns[(current, freqs[j])] = j
    table = {}
    for row in rows[2:]:
        if len(row) != len(freqs) or not row[0]:
            continue
        try:
            entry = {
                f: tuple(float(row[columns[(m, f)]]) for m in ("sMAPE", "MASE", "OWA"))
                for f in freqs[1:8]
            }
        except (KeyError, ValueError):
            continue
        table[row[0]] = entry
    return table


def best_entry(official, group):
    """The method of lowest OWA on ``group`` in the official table.

    Parameters
    ----------
    official : dict
        As returned by :func:`read_official`.
    group : str

    Returns
    -------
    str
    """
    return min(official, key=lambda k: official[k][group][2])


# --------------------------------------------------------------------------------------------
# scoring, as in M4


def score(insample, y, f, m):
    """Mean sMAPE and mean MASE over the series (:mod:`tsrnn.metrics`, M4's definitions).

    Parameters
    ----------
    insample : list of array_like
        Training values of each series.
    y, f : array_like of shape (n_series, horizon)
        Test values and forecasts.
    m : int
        Seasonal lag of the MASE scale (24 Hourly, 1 Weekly).

    Returns
    -------
    (float, float)
        sMAPE and MASE, each averaged over the series.
    """
    return smape(y, f), mase(y, f, insample, m=m)


# --------------------------------------------------------------------------------------------
# data


@dataclass
class GroupData:
    """The series of one M4 group (or its first ``limit`` series).

    Attributes
    ----------
    name : str
    spec : Group
    ids : list of str
    train : list of ndarray
    test : ndarray of shape (n_series, horizon)
    benchmarks : dict
        ``{name: ndarray of shape (n_series, horizon)}``: official Naive2 (always) and
        sNaive (when its file exists) forecasts, in the order of ``ids``.
    fit_train : list of ndarray or None
        What the model learns from when not the whole of ``train`` (see :meth:`subset`).
    """

    name: str
    spec: Group
    ids: list
    train: list
    test: np.ndarray
    benchmarks: dict
    fit_train: list | None = None

    def subset(self, every=1, limit=None, history=None):
        """Every ``every``-th series, the first ``limit`` of them, the last ``history`` values.

        Parameters
        ----------
        every : int, default=1
            Keep series 0, every, 2 * every, ...
        limit : int or None, default=None
            Then keep the first ``limit`` series (all when None).
        history : int or None, default=None
            The model learns from the last ``history`` values of each series only (all when
            None); the MASE scale is still computed on the whole training part.

        Returns
        -------
        GroupData
        """
        keep = list(range(0, len(self.ids), every))[:limit]
        train = [self.train[i] for i in keep]
        return GroupData(
            self.name,
            self.spec,
            [self.ids[i] for i in keep],
            train,
            self.test[keep],
            {k: v[keep] for k, v in self.benchmarks.items()},
            None if history is None else [v[-history:] for v in train],
        )

    @property
    def model_train(self):
        """The training values the model learns from (see :meth:`subset`)."""
        return self.train if self.fit_train is None else self.fit_train


def data_dir(arg):
    """The data folder: ``--data``, else ``$TSRNN_M4_DATA``; SystemExit when neither is set.

    Parameters
    ----------
    arg : str or None

    Returns
    -------
    pathlib.Path
    """
    value = arg or os.environ.get(DATA_ENV)
    if not value:
        raise SystemExit(f"no data folder: pass --data DIR or set {DATA_ENV}.")
    path = Path(value)
    if not path.is_dir():
        raise SystemExit(f"data folder {str(path)!r} does not exist.")
    return path


def _aligned(path, ids):
    fids, fc = read_forecasts(path)
    if fids != ids:
        raise SystemExit(f"{path}: its series ids are not those of the training file.")
    return fc


def load_group(folder, name):
    """Load the training and test series and the official benchmark forecasts of a group.

    Parameters
    ----------
    folder : str or os.PathLike
    name : {"Hourly", "Weekly"}

    Returns
    -------
    GroupData
    """
    folder = Path(folder)
    spec = GROUPS[name]
    ids, train = read_series(folder / f"{name}-train.csv")
    test_ids, test = read_series(folder / f"{name}-test.csv")
    if test_ids != ids:
        raise SystemExit(f"{name}: the test file's ids differ from the training file's.")
    test = np.vstack(test)
    if test.shape[1] != spec.horizon:
        raise SystemExit(f"{name}: test horizon {test.shape[1]}, expected {spec.horizon}.")
    benchmarks = {"Naive2": _aligned(folder / f"Naive2-{name}.csv", ids)}
    snaive = folder / f"sNaive-{name}.csv"
    if snaive.exists():
        benchmarks["sNaive"] = _aligned(snaive, ids)
    return GroupData(name, spec, ids, train, test, benchmarks)


def self_check(data, official):
    """Score the official benchmark forecasts on the whole group against the official table.

    Parameters
    ----------
    data : GroupData
        The whole group.
    official : dict
        As returned by :func:`read_official`.

    Returns
    -------
    list of str
        One line per benchmark checked.

    Raises
    ------
    SystemExit
        When a recomputed sMAPE or MASE differs from the table by more than ``TOLERANCE``.
    """
    lines = []
    for method, fc in data.benchmarks.items():
        got = score(data.train, data.test, fc, data.spec.m)
        want = official[method][data.name][:2]
        diff = max(abs(g - w) for g, w in zip(got, want, strict=True))
        status = "ok" if diff <= TOLERANCE else "MISMATCH"
        lines.append(
            f"self-check {data.name} {method}: sMAPE {got[0]:.4f} (official {want[0]:.3f}), "
            f"MASE {got[1]:.4f} (official {want[1]:.3f}): {status}"
        )
        if diff > TOLERANCE:
            raise SystemExit(
                "\n".join(lines) + f"\nthe {method} scores differ from the official table by "
                f"{diff:.4g} > {TOLERANCE}: the data or the scoring is not M4's."
            )
    return lines


def to_long(data, ds="int"):
    """The training series as a long DataFrame (``unique_id``, ``ds``, ``y``).

    Parameters
    ----------
    data : GroupData
    ds : {"int", "datetime"}
        Integer time stamps 0, 1, ... or a made-up calendar of the group's frequency.

    Returns
    -------
    pandas.DataFrame
    """
    train = data.model_train
    lengths = np.array([len(v) for v in train])
    step = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if ds == "datetime":
        calendar = pd.date_range("2000-01-01", periods=int(lengths.max()), freq=data.spec.freq)
        stamps = calendar[step]
    else:
        stamps = step
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.array(data.ids, dtype=object), lengths),
            "ds": stamps,
            "y": np.concatenate(train),
        }
    )


# --------------------------------------------------------------------------------------------
# the model

#: Estimator parameters settable from the command line: (option, parameter, type).
MODEL_OPTIONS = (
    ("--cell", "cell", str),
    ("--hidden-size", "hidden_size", int),
    ("--num-layers", "num_layers", int),
    ("--window", "window", str),
    ("--linear-lags", "linear_lags", int),
    ("--loss", "loss", str),
    ("--baseline", "baseline", str),
    ("--target-transform", "target_transform", str),
    ("--seasonal-period", "seasonal_period", int),
    ("--learning-rate", "learning_rate", float),
    ("--batch-size", "batch_size", int),
    ("--max-epochs", "max_epochs", int),
    ("--max-windows-per-epoch", "max_windows_per_epoch", int),
    ("--validation-fraction", "validation_fraction", float),
    ("--n-iter-no-change", "n_iter_no_change", int),
    ("--tol", "tol", float),
    ("--clip-norm", "clip_norm", float),
    ("--optimizer", "optimizer", str),
    ("--ema-momentum", "ema_momentum", float),
    ("--dtype", "dtype", str),
    ("--device", "device", str),
)


def model_params(args, horizon):
    """RNNForecaster parameters: the group's horizon and the options given.

    Options left out keep the estimator's defaults.

    Parameters
    ----------
    args : argparse.Namespace
    horizon : int

    Returns
    -------
    dict
    """
    params = {"horizon": horizon}
    for _, name, _ in MODEL_OPTIONS:
        value = getattr(args, name)
        if value is None:
            continue
        if name == "window" and value != "auto":
            value = int(value)
        params[name] = value
    if args.no_early_stopping:
        params["early_stopping"] = False
    return params


def forecast_matrix(out, ids, horizon):
    """Rows of forecasts in the order of ``ids``, from the estimator's long output.

    Parameters
    ----------
    out : pandas.DataFrame
        ``predict()`` of a model fitted on a long DataFrame: columns ``unique_id``, ``ds``,
        ``y``, ``horizon`` rows per series, sorted by ``unique_id`` then ``ds``.
    ids : list of str
    horizon : int

    Returns
    -------
    ndarray of shape (len(ids), horizon)
    """
    values = out["y"].to_numpy(dtype=np.float64).reshape(-1, horizon)
    order = pd.Index(out["unique_id"].to_numpy()[::horizon]).get_indexer(ids)
    if (order < 0).any():
        raise RuntimeError("the forecasts miss some series.")
    return values[order]


def fit_predict(data, params, seeds, seed=0, ds="int", verbose=0, finetune=None):
    """Train ``seeds`` models (random_state ``seed``, ``seed + 1``, ...) and average them.

    Parameters
    ----------
    data : GroupData
    params : dict
        RNNForecaster parameters.
    seeds : int
        Models in the ensemble.
    seed : int, default=0
        random_state of the first model.
    ds : {"int", "datetime"}, default="int"
        See :func:`to_long`.
    verbose : int, default=0
        Passed to the estimator.
    finetune : dict or None, default=None
        ``{"last": N, "epochs": K, "learning_rate": LR or None}``: after ``fit``, ``K`` calls
        of ``partial_fit`` on the last ``N`` values of each series, at ``LR`` (None: the
        training learning rate). See "Fine-tuning" in the module docstring.

    Returns
    -------
    forecasts : ndarray of shape (n_series, horizon)
        Mean of the models' forecasts, in the order of ``data.ids``.
    info : dict
        ``fit_s`` and ``predict_s`` (seconds, summed over the models), and per model its
        ``window_``, ``baseline_period_``, ``n_iter_`` and ``best_epoch_``.
    """
    from tsrnn import RNNForecaster

    long = to_long(data, ds)
    recent = None
    if finetune is not None:
        recent = long.groupby("unique_id", sort=False).tail(finetune["last"])
    runs, total = [], None
    fit_s = predict_s = 0.0
    for k in range(seeds):
        est = RNNForecaster(**params, random_state=seed + k, verbose=verbose)
        t0 = time.perf_counter()
        est.fit(long)
        if finetune is not None:
            if finetune["learning_rate"] is not None:
                est.set_params(learning_rate=finetune["learning_rate"])
            for _ in range(finetune["epochs"]):
                est.partial_fit(recent)
        t1 = time.perf_counter()
        out = est.predict()
        t2 = time.perf_counter()
        fit_s += t1 - t0
        predict_s += t2 - t1
        fc = forecast_matrix(out, data.ids, data.spec.horizon)
        total = fc if total is None else total + fc
        runs.append(
            {
                "seed": seed + k,
                "fit_s": t1 - t0,
                "window_": est.window_,
                "baseline_period_": est.baseline_period_,
                "n_iter_": est.n_iter_,
                "best_epoch_": est.best_epoch_,
            }
        )
    return total / seeds, {"fit_s": fit_s, "predict_s": predict_s, "runs": runs}


# --------------------------------------------------------------------------------------------
# report


def peak_memory_mib():
    """Peak resident memory of this process so far (``ru_maxrss``), in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def table(data, official, model_label, forecasts):
    """Markdown table: the official entries, the subset's benchmarks and the model.

    Parameters
    ----------
    data : GroupData
        The series scored.
    official : dict
        As returned by :func:`read_official`.
    model_label : str
    forecasts : ndarray of shape (n_series, horizon)

    Returns
    -------
    str
    """
    g = data.name
    rows = [
        (f"{label} — official", *official[key][g])
        for key, label in OFFICIAL_ROWS
        if key in official
    ]
    best = best_entry(official, g)
    rows.append((f"best entry (#{best}) — official", *official[best][g]))
    n2 = score(data.train, data.test, data.benchmarks["Naive2"], data.spec.m)
    n = len(data.ids)
    for method, fc in data.benchmarks.items():
        s, m = score(data.train, data.test, fc, data.spec.m)
        rows.append((f"{method} — the {n} series scored", s, m, owa(s, m, *n2)))
    s, m = score(data.train, data.test, forecasts, data.spec.m)
    rows.append((f"**{model_label}** — the {n} series scored", s, m, owa(s, m, *n2)))
    lines = [f"| M4 {g} | sMAPE | MASE | OWA |", "|---|---:|---:|---:|"]
    lines += [f"| {r[0]} | {r[1]:.3f} | {r[2]:.3f} | {r[3]:.3f} |" for r in rows]
    return "\n".join(lines)


def parse_args(argv=None):
    """Command-line options (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", help=f"folder with the M4 files (default: ${DATA_ENV})")
    p.add_argument("--group", required=True, choices=sorted(GROUPS))
    p.add_argument("--out", required=True, help="forecast file to write (id,F1..Fh rows)")
    p.add_argument("--limit", type=int, help="use the first N series only")
    p.add_argument(
        "--every", type=int, default=1, help="use every K-th series (before --limit; default 1)"
    )
    p.add_argument("--history", type=int, help="train on the last N values of each series only")
    p.add_argument("--seeds", type=int, default=1, help="models in the ensemble (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random_state of the first model")
    p.add_argument(
        "--ds",
        choices=("int", "datetime"),
        default="int",
        help="time stamps given to the estimator (default int)",
    )
    p.add_argument("--verbose", type=int, default=0)
    p.add_argument(
        "--per-series",
        metavar="CSV",
        help="also write the sMAPE and MASE of every series (model and benchmarks) to CSV, "
        "and print the scores by training length",
    )
    p.add_argument("--no-early-stopping", action="store_true", help="early_stopping=False")
    p.add_argument(
        "--finetune-last",
        type=int,
        help="after fit, partial_fit on the last N values of each series (see Fine-tuning)",
    )
    p.add_argument("--finetune-epochs", type=int, default=1, help="partial_fit calls (default 1)")
    p.add_argument(
        "--finetune-learning-rate",
        type=float,
        help="learning rate of the fine-tuning (default: the training's)",
    )
    for option, name, kind in MODEL_OPTIONS:
        p.add_argument(
            option,
            dest=name,
            type=kind,
            default=None,
            help=f"RNNForecaster {name} (default: the estimator's)",
        )
    args = p.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be >= 1")
    if args.every < 1:
        p.error("--every must be >= 1")
    if args.history is not None and args.history < 1:
        p.error("--history must be >= 1")
    if args.seeds < 1:
        p.error("--seeds must be >= 1")
    if args.finetune_last is not None and args.finetune_last < 2:
        p.error("--finetune-last must be >= 2")
    if args.finetune_epochs < 1:
        p.error("--finetune-epochs must be >= 1")
    if args.finetune_learning_rate is not None and not args.finetune_learning_rate > 0:
        p.error("--finetune-learning-rate must be > 0")
    if args.window is not None and args.window != "auto" and not args.window.isdigit():
        p.error("--window must be a positive integer or 'auto'")
    return args


def per_series(data, forecasts):
    """sMAPE and MASE of every series, for the model and the official benchmarks.

    Parameters
    ----------
    data : GroupData
    forecasts : ndarray of shape (n_series, horizon)

    Returns
    -------
    pandas.DataFrame
        One row per series: ``id``, ``n_train`` (training values), then ``smape_<method>``
        and ``mase_<method>`` for ``model`` and each benchmark.
    """
    import pandas as pd

    frame = pd.DataFrame({"id": data.ids, "n_train": [len(x) for x in data.train]})
    for method, fc in {"model": forecasts, **data.benchmarks}.items():
        frame[f"smape_{method}"] = smape(data.test, fc, per_series=True)
        frame[f"mase_{method}"] = mase(data.test, fc, data.train, m=data.spec.m, per_series=True)
    return frame


def length_table(frame, max_groups=4):
    """Markdown table of the scores by training length (from :func:`per_series`).

    Series of the same length form a group when there are at most ``max_groups`` distinct
    lengths; otherwise the lengths are cut at their quantiles into ``max_groups`` groups.
    OWA is relative to Naive2 on the same group.

    Parameters
    ----------
    frame : pandas.DataFrame
    max_groups : int, default=4

    Returns
    -------
    str
    """
    import pandas as pd

    lengths = frame["n_train"]
    if lengths.nunique() <= max_groups:
        groups = lengths.astype(str)
    else:
        bins = pd.qcut(lengths, max_groups, duplicates="drop")
        groups = bins.map(lambda b: f"{int(b.left) + 1}-{int(b.right)}").astype(str)
    methods = [c[len("smape_") :] for c in frame if c.startswith("smape_") and c != "smape_Naive2"]
    lines = [
        "| training length | series | "
        + " | ".join(f"OWA {m}" for m in methods)
        + " | sMAPE model | MASE model |",
        "|---|---:|" + "---:|" * (len(methods) + 2),
    ]
    order = sorted(groups.unique(), key=lambda g: int(g.split("-")[0]))
    for g in order:
        part = frame[groups == g]
        n2 = part["smape_Naive2"].mean(), part["mase_Naive2"].mean()
        owas = [owa(part[f"smape_{m}"].mean(), part[f"mase_{m}"].mean(), *n2) for m in methods]
        lines.append(
            f"| {g} | {len(part)} | "
            + " | ".join(f"{v:.3f}" for v in owas)
            + f" | {part['smape_model'].mean():.3f} | {part['mase_model'].mean():.3f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    """Run the benchmark; returns the process exit status."""
    args = parse_args(argv)
    folder = data_dir(args.data)
    official = read_official(folder / "official_results_by_frequency.csv")
    full = load_group(folder, args.group)
    for line in self_check(full, official):
        print(line)
    data = full.subset(args.every, args.limit, args.history)
    params = model_params(args, data.spec.horizon)
    finetune = None
    if args.finetune_last is not None:
        finetune = {"last": args.finetune_last, "epochs": args.finetune_epochs,
                    "learning_rate": args.finetune_learning_rate}  # fmt: skip
    print(
        f"{args.group}: {len(data.ids)} series, horizon {data.spec.horizon}, "
        f"history {args.history or 'all'}, seeds {args.seeds}, ds {args.ds}, "
        f"RNNForecaster({params})" + (f", fine-tuning {finetune}" if finetune else ""),
        flush=True,
    )

    forecasts, info = fit_predict(
        data, params, args.seeds, args.seed, args.ds, args.verbose, finetune
    )
    write_forecasts(args.out, data.ids, forecasts)
    for r in info["runs"]:
        print(
            f"  seed {r['seed']}: window_={r['window_']} "
            f"baseline_period_={r['baseline_period_']} epochs={r['n_iter_']} "
            f"best_epoch_={r['best_epoch_']} fit {r['fit_s']:.1f} s"
        )
    label = "RNNForecaster" + (f" ×{args.seeds}" if args.seeds > 1 else "")
    print()
    print(table(data, official, label, forecasts))
    print()
    print(
        f"wall time: fit {info['fit_s']:.1f} s, predict {info['predict_s']:.2f} s, "
        f"total {info['fit_s'] + info['predict_s']:.1f} s; "
        f"peak memory (ru_maxrss) {peak_memory_mib():.0f} MiB"
    )
    print(f"forecasts written to {args.out}")
    if args.per_series:
        frame = per_series(data, forecasts)
        frame.to_csv(args.per_series, index=False, float_format="%.6g")
        print()
        print(length_table(frame))
        print(f"scores of every series written to {args.per_series}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
