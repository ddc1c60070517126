"""The command line: python -m tsrnn forecast."""

import subprocess
import sys

import pandas as pd

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
