"""The command line: python -m tsrnn forecast."""

import subprocess
import sys

import numpy as np
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


def _saved_figure(monkeypatch):
    """Record the figure --plot saves (and save nothing)."""
    import matplotlib.figure

    saved = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: saved.append(fig))
    return saved


def _bands(fig):
    from matplotlib.collections import PolyCollection

    return [c for ax in fig.axes for c in ax.collections if isinstance(c, PolyCollection)]


TINY = ["--epochs", "2", "--hidden-size", "8"]


def test_plot_shades_80_percent_by_default(capsys, monkeypatch):
    saved = _saved_figure(monkeypatch)
    assert main(["forecast", "--horizon", "3", *TINY, "--plot", "f.png"]) == 0
    printed = capsys.readouterr().out
    assert "lower" not in printed  # the interval is drawn, not printed
    (fig,) = saved
    assert len(_bands(fig)) == 1
    assert "80% interval" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert main(["forecast", "--horizon", "3", *TINY, "--plot", "f.png", "--interval", "0"]) == 0
    assert _bands(saved[1]) == []
    assert "lower" not in capsys.readouterr().out


def _long_csv(tmp_path, n_series):
    frames = [
        pd.DataFrame({"unique_id": f"s{k}", "ds": pd.date_range("2020-01-01", periods=40, freq="D"),
                      "y": [float(i % 7 + k) for i in range(40)]})
        for k in range(n_series)
    ]  # fmt: skip
    path = tmp_path / "long.csv"
    pd.concat(frames).to_csv(path, index=False)
    return str(path)


def test_long_csv_plots_a_grid(capsys, monkeypatch, tmp_path):
    saved = _saved_figure(monkeypatch)
    argv = ["forecast", _long_csv(tmp_path, 8), "--horizon", "2", *TINY, "--plot", "g.png"]
    assert main(argv) == 0
    (fig,) = saved
    assert [ax.get_title() for ax in fig.axes] == [f"s{k}" for k in range(6)]
    assert len(_bands(fig)) == 6
    assert "6 of 8 series" in fig.get_suptitle()
    assert main([*argv, "--series", "s7,s2", "--interval", "0.9"]) == 0
    assert [ax.get_title() for ax in saved[1].axes] == ["s7", "s2"]
    assert "90% interval" in [t.get_text() for t in saved[1].legends[0].get_texts()]
    assert main([*argv, "--series", "nope"]) == 2
    assert "no series 'nope'" in capsys.readouterr().err


def test_output_and_interval_names(capsys, tmp_path):
    out = tmp_path / "f.csv"
    base = ["forecast", "--horizon", "3", *TINY, "--output", str(out)]
    assert main(base) == 0
    assert list(pd.read_csv(out).columns) == ["month", "passengers"]
    assert main([*base, "--interval", "0.8"]) == 0
    printed = capsys.readouterr().out
    assert "0.8 prediction intervals" in printed
    assert list(pd.read_csv(out).columns) == ["month", "passengers", "lower", "upper"]
    long_argv = ["forecast", _long_csv(tmp_path, 2), "--horizon", "3", *TINY, "--output", str(out)]
    assert main(long_argv) == 0
    assert list(pd.read_csv(out).columns) == ["unique_id", "ds", "y"]
    assert main([*long_argv, "--interval", "0.8"]) == 0
    written = pd.read_csv(out)
    assert list(written.columns) == ["unique_id", "ds", "y", "lower", "upper"]
    assert (written["lower"] <= written["upper"]).all()
    assert main([*long_argv, "--interval", "0"]) == 0
    assert list(pd.read_csv(out).columns) == ["unique_id", "ds", "y"]
    assert main(["forecast", *TINY, "--interval", "-0.5"]) == 2
    assert "--interval" in capsys.readouterr().err


def test_pretrain_writes_a_loadable_base_model_and_resumes(capsys, tmp_path):
    from tsrnn import RNNForecaster
    from tsrnn._pretrain import pretrain

    out = tmp_path / "base.tsrnn"
    args = ["pretrain", "--out", str(out), "--windows", "128", "--chunk", "64"]
    args += ["--hidden-size", "4", "--window", "16", "--horizon", "4", "--batch-size", "32"]
    args += ["--verbose", "0"]
    assert main(args + ["--minutes", "0"]) == 0  # stops after one chunk
    assert str(out) in capsys.readouterr().out
    base = RNNForecaster.from_pretrained(out, horizon=5)
    assert base._mode == "pretrained" and base.window_ == 16 and base.network_horizon_ == 4
    assert base.pretraining_["windows_seen"] == 64
    assert base.predict(pd.Series(range(30), dtype=float)).shape == (5,)
    assert main(args + ["--resume"]) == 0
    assert "128 of 128 windows, validation loss" in capsys.readouterr().out
    whole = pretrain(tmp_path / "whole.tsrnn", windows=128, chunk=64, hidden_size=4, window=16,
                     horizon=4, batch_size=32, verbose=0)  # fmt: skip
    resumed = RNNForecaster.load(out)
    assert len(resumed.pretraining_["pieces"]) == 2
    np.testing.assert_array_equal(resumed.params_, whole.params_)


def test_pretrain_errors_are_printed(capsys, tmp_path):
    from tsrnn import RNNForecaster

    path = tmp_path / "model.tsrnn"
    y = pd.Series(np.sin(np.arange(40) / 3))
    RNNForecaster(hidden_size=4, horizon=2, max_epochs=1, random_state=0).fit(y).save(path)
    assert main(["pretrain", "--out", str(path), "--resume", "--verbose", "0"]) == 2
    assert "not a base model" in capsys.readouterr().err
