"""The command line: python -m tsrnn forecast."""

import subprocess
import sys

import pandas as pd
import pytest

from tsrnn.__main__ import main


def test_forecast_embedded_dataset(capsys, tmp_path):
    out = tmp_path / "f.png"
    assert main(["forecast", "--horizon", "6", "--epochs", "2", "--plot", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1961-01-01" in printed and "1961-06-01" in printed and "1961-07-01" not in printed
    assert out.stat().st_size > 1000


def test_forecast_csv(capsys, tmp_path):
    index = pd.date_range("2020-01-01", periods=120, freq="D")
    frame = pd.DataFrame({"date": index, "sales": range(120)})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    assert main(["forecast", str(path), "--horizon", "7", "--epochs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "2020-04-30" in printed and "2020-05-06" in printed


def test_bad_csv_gives_clear_error(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,value\n2020-01-01,1\n2020-01-02,x\n")
    assert main(["forecast", str(path)]) == 2
    assert "no numeric column" in capsys.readouterr().err


def test_module_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "tsrnn", "forecast", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--horizon" in done.stdout


def test_out_coverage_and_history(capsys, tmp_path):
    out, png = tmp_path / "f.csv", tmp_path / "f.png"
    argv = [
        "forecast",
        "--horizon",
        "4",
        "--epochs",
        "2",
        "--hidden-size",
        "8",
        "--coverage",
        "0.9",
        "--out",
        str(out),
        "--plot",
        str(png),
        "--history",
        "all",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "lower" in printed and "upper" in printed and "0.9 prediction intervals" in printed
    written = pd.read_csv(out, parse_dates=["month"])
    assert list(written.columns) == ["month", "passengers", "lower", "upper"]
    assert list(written["month"]) == list(pd.date_range("1961-01-01", periods=4, freq="MS"))
    assert (written["lower"] < written["upper"]).all()
    assert png.stat().st_size > 1000


def test_out_without_intervals_and_long_csv(capsys, tmp_path):
    frames = [
        pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=n, freq="D"),
                      "y": [float(i % 7 + k) for i in range(n)]})
        for k, (uid, start, n) in enumerate([("a", "2020-01-01", 60), ("b", "2020-01-10", 50)])
    ]  # fmt: skip
    path, out = tmp_path / "long.csv", tmp_path / "f.csv"
    pd.concat(frames).to_csv(path, index=False)
    argv = ["forecast", str(path), "--horizon", "3", "--epochs", "2", "--hidden-size", "8"]
    assert main([*argv, "--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert list(written.columns) == ["unique_id", "ds", "y"]
    assert list(written["unique_id"]) == ["a"] * 3 + ["b"] * 3
    assert list(written["ds"][:3]) == ["2020-03-01", "2020-03-02", "2020-03-03"]
    assert main([*argv, "--out", str(out), "--coverage", "0.8"]) == 0
    assert list(pd.read_csv(out).columns) == ["unique_id", "ds", "y", "lower", "upper"]
    capsys.readouterr()


def test_bad_new_options(capsys):
    assert main(["forecast", "--epochs", "1", "--hidden-size", "8", "--coverage", "1.5"]) == 2
    assert "coverage" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["forecast", "--history", "0"])
    assert "--history" in capsys.readouterr().err
