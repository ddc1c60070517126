"""Command line: ``python -m tsrnn forecast [file.csv] --horizon N --plot out.png``.

With no file, forecasts an embedded dataset (the airline passengers series by default).
``--out forecast.csv`` writes the forecast, ``--coverage 0.9`` adds prediction intervals
(printed, plotted and written), ``--history all`` plots the whole history.
"""

import argparse
import sys

import pandas as pd


def _read_csv(path, column, time_column):
    """A CSV as a Series (one column) or a long DataFrame (unique_id, ds, y)."""
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
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy()
    try:
        return pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cannot read the time column {values.name!r} as dates: {exc}") from exc


def _forecast(args):
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
    )
    model.fit(series)
    forecast = model.predict()
    intervals = None if args.coverage is None else model.predict_interval(coverage=args.coverage)
    table = _forecast_table(series, forecast, intervals)
    with pd.option_context("display.max_rows", 500, "display.width", 120):
        print(f"# {args.horizon}-step forecast of {source} ({args.cell}, window {model.window_})")
        if intervals is not None:
            print(f"# with {args.coverage:g} prediction intervals (lower, upper)")
            print(table.to_string(index=isinstance(series, pd.Series)))
        else:
            print(forecast.to_string())
    if args.out:
        if isinstance(series, pd.Series):
            table = table.reset_index()
        table.to_csv(args.out, index=False)
        print(f"# forecast written to {args.out}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from .plotting import plot_forecast

        if isinstance(series, pd.Series):
            bands = None if intervals is None else {args.coverage: intervals}
            ax = plot_forecast(series, forecast, bands, history_window=args.history,
                               title=f"{source}: {args.horizon}-step forecast")  # fmt: skip
            ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
            print(f"# plot saved to {args.plot}")
        else:
            print("# --plot draws one series; pass a single-series CSV to plot it.")
    return 0


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
    fc.add_argument("--epochs", type=int, default=100, help="maximum epochs (default 100)")
    fc.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fc.add_argument("--plot", metavar="PNG", help="save a plot of history and forecast")
    fc.add_argument(
        "--out",
        metavar="CSV",
        help="write the forecast to a CSV: the time column and the forecast (long format "
        "unique_id, ds, y for a long input), plus lower and upper with --coverage",
    )
    fc.add_argument(
        "--coverage",
        type=float,
        metavar="P",
        help="also give prediction intervals of coverage P in (0, 1), e.g. 0.9: printed, "
        "written by --out and shaded by --plot",
    )
    fc.add_argument(
        "--history",
        type=_history_window,
        default="auto",
        metavar="auto|all|N",
        help="history drawn by --plot: auto (the last 4 seasons or 5 horizons, at least 40 "
        "values; default), all, or the last N values",
    )
    fc.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        return _forecast(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
