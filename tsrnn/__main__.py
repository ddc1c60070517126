"""Command line: ``python -m tsrnn forecast [file.csv] --horizon N --plot out.png``, and
``python -m tsrnn pretrain --out base.tsrnn`` (a base model, see :mod:`tsrnn._pretrain`).

With no file, forecasts an embedded dataset (the airline passengers series by default).
``--output forecast.csv`` writes the forecast in the input's layout, ``--interval 0.9`` adds
prediction intervals (printed, written and plotted; the plot shades an 80% interval unless
told otherwise, ``--interval 0`` for none), ``--history all`` plots the whole history. A
long CSV (``unique_id, ds, y``) is plotted as a grid of its first six series, or of
``--series a,b``.
"""

import argparse
import sys


def _read_csv(path, column, time_column):
    """A CSV as a Series (one column) or a long DataFrame (unique_id, ds, y)."""
    import pandas as pd

    frame = pd.read_csv(path)
    if frame.empty:
        raise ValueError(f"{path} has no rows.")
    if {"unique_id", "ds", "y"} <= set(frame.columns):
        frame["ds"] = _parse_times(frame["ds"])
        return frame[["unique_id", "ds", "y"]]
    time_column = time_column or frame.columns[0]
    if time_column not in frame.columns:
        raise ValueError(f"{path} has no column {time_column!r}; columns: {list(frame.columns)}")
    index = _parse_times(frame[time_column])
    rest = [c for c in frame.columns if c != time_column]
    if column is None:
        numeric = [c for c in rest if pd.api.types.is_numeric_dtype(frame[c])]
        if not numeric:
            raise ValueError(f"{path} has no numeric column to forecast besides {time_column!r}.")
        column = numeric[-1]
    elif column not in frame.columns:
        raise ValueError(f"{path} has no column {column!r}; columns: {list(frame.columns)}")
    # the frequency is inferred (and checked) by the estimator's input validation
    return pd.Series(frame[column].to_numpy(), index=pd.Index(index), name=column)


def _parse_times(values):
    import pandas as pd

    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy()
    try:
        return pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cannot read the time column {values.name!r} as dates: {exc}") from exc


def _forecast(args):
    if args.init == "scratch":  # it will train: share the first compile from the start
        from ._compiling import compile_early

        compile_early(args.cell, "float32")
    import pandas as pd

    from . import RNNForecaster, datasets

    if args.file is None:
        series = datasets.load(args.dataset)
        source = f"embedded dataset {args.dataset!r}"
    else:
        series = _read_csv(args.file, args.column, args.time_column)
        source = args.file
    model = RNNForecaster(
        cell=args.cell,
        horizon=args.horizon,
        hidden_size=args.hidden_size,
        max_epochs=args.epochs,
        random_state=args.seed,
        verbose=args.verbose,
        init=args.init,
    )
    history = None
    if args.init != "scratch" and args.epochs == 0:  # zero-shot: the base model as it is
        model = RNNForecaster.from_pretrained(args.init, horizon=args.horizon)
        history = series
    if args.interval is not None and args.interval != 0 and not 0 < args.interval < 1:
        raise ValueError(
            f"--interval (--coverage) must be a coverage in (0, 1), or 0 for none; "
            f"got {args.interval:g}"
        )
    if history is None:
        model.fit(series)
    forecast = model.predict(history)
    coverage = args.interval or None  # 0: no interval
    intervals = None if coverage is None else model.predict_interval(history, coverage=coverage)
    table = _forecast_table(series, forecast, intervals)
    with pd.option_context("display.max_rows", 500, "display.width", 120):
        how = f"{args.cell}, window {model.window_}"
        if args.init != "scratch":
            how = f"base model {args.init!r}, " + ("zero-shot" if history is not None else
                                                    "fine-tuned")  # fmt: skip
        print(f"# {args.horizon}-step forecast of {source} ({how})")
        if intervals is not None:
            print(f"# with {coverage:g} prediction intervals (lower, upper)")
            print(table.to_string(index=isinstance(series, pd.Series)))
        else:
            print(forecast.to_string())
    if args.output:
        if isinstance(series, pd.Series):
            table = table.reset_index()
        table.to_csv(args.output, index=False)
        print(f"# forecast written to {args.output}")
    if args.plot:
        _plot(args, series, forecast, model, coverage, intervals, source, history)
    return 0


def _plot(args, series, forecast, model, coverage, intervals, source, history=None):
    """``--plot``: history, forecast and an interval band (80% unless ``--interval``)."""
    import matplotlib
    import pandas as pd

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_forecast

    if args.interval is None:
        coverage, intervals = 0.8, model.predict_interval(history, coverage=0.8)
    bands = None if intervals is None else {coverage: intervals}
    title = f"{source}: {args.horizon}-step forecast"
    if isinstance(series, pd.Series):
        figure = plot_forecast(series, forecast, bands, history_window=args.history,
                               title=title).figure  # fmt: skip
    else:
        chosen = None if args.series is None else [s for s in args.series.split(",") if s]
        n_series = series["unique_id"].nunique()
        shown = min(n_series, 6) if chosen is None else len(chosen)
        if shown < n_series:
            title += f" ({shown} of {n_series} series)"
        axes = plot_forecast(series, forecast, bands, history_window=args.history,
                             title=title, series=chosen)  # fmt: skip
        figure = axes[0].figure
    figure.savefig(args.plot, dpi=120, bbox_inches="tight")
    plt.close(figure)
    print(f"# plot saved to {args.plot}")


def _forecast_table(series, forecast, intervals):
    """The forecast as a table, with the interval columns beside it when there are any.

    Parameters
    ----------
    series : pandas.Series or pandas.DataFrame
        The input: one series, or a long DataFrame (unique_id, ds, y).
    forecast : pandas.Series or pandas.DataFrame
        :meth:`RNNForecaster.predict`: a Series of shape (horizon,), or long with
        ``n_series * horizon`` rows.
    intervals : pandas.DataFrame or None
        :meth:`RNNForecaster.predict_interval` in the same layout (columns ``lower``,
        ``upper``).

    Returns
    -------
    pandas.DataFrame
        One series: indexed by the forecast's time stamps (named after the input's time
        column, ``ds`` when unnamed), one column named after the series (``y`` when unnamed),
        then ``lower`` and ``upper``. Long: ``unique_id``, ``ds``, ``y``, ``lower``, ``upper``.
    """
    import pandas as pd

    if isinstance(series, pd.Series):
        name = "y" if forecast.name is None else forecast.name
        table = forecast.rename(name).to_frame()
        table.index.name = series.index.name or "ds"
        if intervals is not None:
            table = table.join(intervals[["lower", "upper"]].set_axis(table.index))
        return table
    if intervals is None:
        return forecast
    return forecast.merge(intervals, on=["unique_id", "ds"], how="left", validate="1:1")


def _history_window(text):
    """``--history``: "auto", "all" or a positive number of values."""
    if text in ("auto", "all"):
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected auto, all or a positive integer, got {text!r}")
    return value


def _add_pretrain_parser(sub):
    pt = sub.add_parser(
        "pretrain",
        help="pretrain a base model on synthetic series (resumable)",
        description="Pretrain a base model on an endless stream of synthetic series (no real "
        "data). A checkpoint is written to --out every few minutes; --resume continues it. "
        "Use it with RNNForecaster.from_pretrained(path) or RNNForecaster(init=path).",
    )
    pt.add_argument("--out", required=True, metavar="FILE", help="model file to write")
    pt.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    pt.add_argument("--init", metavar="FILE",
                    help="start a new run from this base model's weights ('base': the "
                    "shipped one); the network's size and horizon are its own")
    pt.add_argument("--windows", type=int,
                    help="training windows of the whole run (default 2,000,000; with --resume, "
                    "the saved run's, or more to extend it)")
    pt.add_argument("--minutes", type=float, help="stop this piece after about N minutes")
    pt.add_argument("--cell", default="gru", choices=["lstm", "gru", "rnn"])
    pt.add_argument("--hidden-size", type=int, default=128)
    pt.add_argument("--num-layers", type=int, default=1)
    pt.add_argument("--window", type=int, default=256, help="longest context (default 256)")
    pt.add_argument("--horizon", type=int, default=64, help="steps per call (default 64)")
    pt.add_argument("--learning-rate", type=float, default=1e-3)
    pt.add_argument("--batch-size", type=int, default=256)
    pt.add_argument("--chunk", type=int, default=16384,
                    help="windows generated and trained at a time (default 16384)")
    pt.add_argument("--seed", type=int, default=0)
    pt.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    pt.add_argument("--jobs", type=int, default=1, help="processes generating the data")
    pt.add_argument("--scheduler", metavar="ADDRESS",
                    help="train data-parallel on a Dask cluster (e.g. tcp://host:8786); "
                    'needs pip install "tsrnn[dask]"')
    pt.add_argument("--parts", type=int, default=8,
                    help="parts each chunk is made in, in parallel; with --scheduler, the "
                    "most workers a step uses (default 8; another number gives other data)")
    pt.add_argument("--checkpoint-minutes", type=float, default=5.0)
    pt.add_argument("--verbose", type=int, default=1)


def _pretrain(args):
    from ._pretrain import pretrain

    est = pretrain(
        args.out, windows=args.windows, minutes=args.minutes, cell=args.cell,
        hidden_size=args.hidden_size, num_layers=args.num_layers, window=args.window,
        horizon=args.horizon, learning_rate=args.learning_rate, batch_size=args.batch_size,
        chunk=args.chunk, seed=args.seed, device=args.device, n_jobs=args.jobs, resume=args.resume,
        checkpoint_minutes=args.checkpoint_minutes, verbose=args.verbose,
        scheduler=args.scheduler, parts=args.parts, init=args.init,
    )  # fmt: skip
    info = est.pretraining_
    print(f"{args.out}: {info['windows_seen']:,} of {info['settings']['windows']:,} windows, "
          f"validation loss {est.validation_scores_[-1]:.4f}")  # fmt: skip
    return 0


def main(argv=None):
    """Entry point of ``python -m tsrnn`` and the ``tsrnn`` script."""
    parser = argparse.ArgumentParser(prog="python -m tsrnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    fc = sub.add_parser("forecast", help="forecast a CSV column or an embedded dataset")
    fc.add_argument(
        "file",
        nargs="?",
        help="CSV file: a time column and a value column, or the long format unique_id, ds, "
        "y; omit for an embedded dataset",
    )
    fc.add_argument("--horizon", type=int, default=12, help="steps to forecast (default 12)")
    fc.add_argument("--column", help="value column of the CSV (default: last numeric one)")
    fc.add_argument("--time-column", help="time column of the CSV (default: the first)")
    fc.add_argument("--dataset", default="airline", help="embedded dataset when no file")
    fc.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"])
    fc.add_argument("--hidden-size", type=int, default=64)
    fc.add_argument("--epochs", type=int, default=100,
                    help="maximum epochs (default 100; 0 with --init base: zero-shot)")
    fc.add_argument("--init", default="scratch", metavar="scratch|base|FILE",
                    help="train from scratch (default), or fine-tune the pretrained base model "
                    "(base) or a base model file; with --epochs 0 the base model forecasts "
                    "without training")
    fc.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fc.add_argument("--plot", metavar="PNG", help="save a plot of history and forecast")
    fc.add_argument(
        "--output",
        "--out",
        metavar="CSV",
        help="write the forecast to a CSV in the input's layout: the time column and the "
        "forecast (unique_id, ds, y for a long input), plus lower and upper with --interval",
    )
    fc.add_argument(
        "--interval",
        "--coverage",
        type=float,
        metavar="P",
        help="prediction intervals of coverage P in (0, 1), e.g. 0.8: printed, written by "
        "--output and shaded by --plot (which shades 0.8 by default; 0: no interval)",
    )
    fc.add_argument(
        "--series",
        metavar="ID,ID",
        help="series of a long CSV drawn by --plot, comma-separated (default: the first 6)",
    )
    fc.add_argument(
        "--history",
        type=_history_window,
        default="auto",
        metavar="auto|all|N",
        help="history drawn by --plot: auto (the last 2 to 4 seasons or 5 horizons, at least 40 "
        "values; default), all, or the last N values",
    )
    fc.add_argument("--verbose", type=int, default=0)
    _add_pretrain_parser(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "pretrain":
            return _pretrain(args)
        return _forecast(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
