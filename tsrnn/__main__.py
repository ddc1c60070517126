"""Command line: ``python -m tsrnn forecast [file.csv] --horizon N --plot out.png``.

With no file, forecasts an embedded dataset (the airline passengers series by default).
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
    with pd.option_context("display.max_rows", 500, "display.width", 120):
        print(f"# {args.horizon}-step forecast of {source} ({args.cell}, window {model.window_})")
        print(forecast.to_string())
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from .plotting import plot_forecast

        if isinstance(series, pd.Series):
            ax = plot_forecast(series, forecast, title=f"{source}: {args.horizon}-step forecast")
            ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
            print(f"# plot saved to {args.plot}")
        else:
            print("# --plot draws one series; pass a single-series CSV to plot it.")
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
    fc.add_argument("--epochs", type=int, default=100, help="maximum epochs (default 100)")
    fc.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fc.add_argument("--plot", metavar="PNG", help="save a plot of history and forecast")
    fc.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        return _forecast(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
