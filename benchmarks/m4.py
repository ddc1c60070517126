"""M4 accuracy benchmark: RNNForecaster on the M4 Hourly and Weekly series.

Trains one global model (or an ensemble of models over seeds) on the training part of every
series of a group, forecasts the held-out horizon, writes the forecasts in the layout of the
official M4 files and scores them as the M4 competition does, beside the official entries.

Modules: ``_m4_data.py`` reads and writes the M4 files, ``_m4_scoring.py`` scores and
tabulates (its sMAPE and MASE come from :mod:`tsrnn.metrics`); this script is the command line
and the training glue.

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

Every ``RNNForecaster`` parameter is an option of the same name with ``-`` for ``_``
(``--hidden-size``, ``--linear-lags``, ...), built from the estimator's parameter constraints
(see :func:`add_model_options`); ``none`` gives ``None`` where a parameter allows it, and
booleans are flag pairs (``--early-stopping`` / ``--no-early-stopping``). Options not given
keep the estimator's defaults; ``horizon`` is always the group's (48 or 13). ``--limit N``
keeps the first N series, ``--every K`` every K-th series (a subset spread over the whole
group, for quick runs), ``--history N`` trains on the last N values of each series only (fewer
windows, faster epochs; the scores still use the whole training part).

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
import resource
import sys
import time
from numbers import Integral

import numpy as np
import pandas as pd
from _m4_data import DATA_ENV, GROUPS, data_dir, load_group, read_official, to_long, write_forecasts
from _m4_scoring import length_table, per_series, self_check, table
from sklearn.utils._param_validation import Interval, StrOptions, make_constraint

from tsrnn import RNNForecaster

# --------------------------------------------------------------------------------------------
# estimator options, derived from RNNForecaster's parameter constraints

#: Parameters the script sets itself, so they have no option of their own: ``horizon`` is the
#: group's, ``random_state`` is ``--seed`` (then ``--seed + 1``, ... with ``--seeds``), and
#: ``verbose`` is the script's ``--verbose``.
SCRIPT_PARAMETERS = ("horizon", "random_state", "verbose")


def model_parameters():
    """The estimator parameters that are options, in the order the estimator declares them.

    Returns
    -------
    list of str
    """
    return [p for p in RNNForecaster._parameter_constraints if p not in SCRIPT_PARAMETERS]


def _parse_one(constraint, text):
    """``text`` as a value of the kind ``constraint`` names; ``ValueError`` when it is not one.

    Parameters
    ----------
    constraint : StrOptions, Interval, "array-like", a type (str, os.PathLike) or None
        One entry of a parameter's list in ``RNNForecaster._parameter_constraints``.
    text : str

    Returns
    -------
    object
    """
    if constraint is None:
        if text.lower() != "none":
            raise ValueError(text)
        return None
    if isinstance(constraint, StrOptions) or constraint is str:
        return text
    if isinstance(constraint, type):  # another type (os.PathLike): the text is a str
        raise ValueError(text)
    if isinstance(constraint, Interval):
        return int(text) if constraint.type is Integral else float(text)
    if constraint == "array-like":
        return tuple(float(v) for v in text.split(","))
    raise TypeError(f"no command-line form for the constraint {constraint!r}")


def _value_parser(name, constraints):
    """argparse ``type`` for one parameter: the first constraint the text parses to and meets.

    Parameters
    ----------
    name : str
    constraints : list
        The parameter's entry in ``RNNForecaster._parameter_constraints``.

    Returns
    -------
    callable
        str -> value; raises ``argparse.ArgumentTypeError`` naming what is allowed.
    """
    kinds = list(constraints)
    for c in kinds:  # a kind with no command-line form fails when the parser is built
        try:
            _parse_one(c, "1")
        except ValueError:
            pass
    checks = [make_constraint(c) for c in kinds]
    pairs = list(zip(kinds, checks, strict=True))

    def parse(text):
        for kind, check in pairs:
            try:
                value = _parse_one(kind, text)
            except ValueError:
                continue
            if check.is_satisfied_by(value):
                return value
        allowed = " or ".join("'none'" if c is None else str(check) for c, check in pairs)
        raise argparse.ArgumentTypeError(f"{name} must be {allowed}, got {text!r}")

    parse.__name__ = name  # argparse names the type in its messages
    return parse


def _metavar(constraints):
    parts = []
    for c in constraints:
        if c is None:
            parts.append("none")
        elif isinstance(c, StrOptions):
            parts.append("{" + ",".join(sorted(c.options)) + "}")
        elif isinstance(c, Interval):
            parts.append("INT" if c.type is Integral else "FLOAT")
        elif c == "array-like":
            parts.append("Q1,Q2,...")
        elif c is str:
            parts.append("TEXT")
    return "|".join(parts)


def add_model_options(parser):
    """Add an option for every estimator parameter but :data:`SCRIPT_PARAMETERS`.

    The options come from ``RNNForecaster._parameter_constraints``: ``--name-with-dashes``,
    its value parsed as the constraints say (``Interval`` of integers -> int, of reals ->
    float, ``StrOptions`` -> one of its strings, ``None`` allowed -> ``none``, ``"array-like"``
    -> comma-separated floats, ``"boolean"`` -> a ``--name`` / ``--no-name`` flag pair) and
    checked against them. An option left out is absent from the parsed namespace, so the
    estimator keeps its own default (shown in the help).

    Parameters
    ----------
    parser : argparse.ArgumentParser
    """
    constraints = RNNForecaster._parameter_constraints
    defaults = RNNForecaster().get_params()
    group = parser.add_argument_group(
        "RNNForecaster parameters (left out: the estimator's default)"
    )
    for name in model_parameters():
        option = "--" + name.replace("_", "-")
        help_text = f"RNNForecaster {name} (default {defaults[name]!r})"
        kinds = constraints[name]
        if kinds == ["boolean"]:
            group.add_argument(
                option, dest=name, action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS, help=help_text,
            )  # fmt: skip
        elif all(isinstance(c, StrOptions) for c in kinds):
            group.add_argument(
                option, dest=name, choices=sorted(set().union(*(c.options for c in kinds))),
                default=argparse.SUPPRESS, help=help_text,
            )  # fmt: skip
        else:
            group.add_argument(
                option, dest=name, type=_value_parser(name, kinds), metavar=_metavar(kinds),
                default=argparse.SUPPRESS, help=help_text,
            )  # fmt: skip


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
    params.update({name: getattr(args, name) for name in model_parameters() if name in args})
    return params


# --------------------------------------------------------------------------------------------
# training and forecasting


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


def build_parser():
    """The parser: the script's own options, then :func:`add_model_options`."""
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
    add_model_options(p)
    return p


def parse_args(argv=None):
    """Command-line options (see the module docstring), checked."""
    p = build_parser()
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
    return args


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
