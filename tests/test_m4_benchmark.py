"""The M4 benchmark script: its scoring on hand-made data, and on the M4 data when present.

The data-dependent tests look for the M4 files in ``$TSRNN_M4_DATA``, else in ``../shared/m4``
beside the repository, and are skipped when neither holds them. They train nothing; the
fine-tuning test trains a tiny model on made-up series.
"""

import importlib
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from tsrnn import RNNForecaster
from tsrnn.metrics import mase, owa, smape

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


def _load_script():
    """The script and its two helper modules, which sit beside it in benchmarks/."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("m4_benchmark", BENCHMARKS / "m4.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module, importlib.import_module("_m4_data"), importlib.import_module("_m4_scoring")
    finally:
        sys.path.remove(str(BENCHMARKS))


m4, m4_data, m4_scoring = _load_script()


def _data_dir():
    candidates = [os.environ.get(m4_data.DATA_ENV), ROOT.parent / "shared" / "m4"]
    for c in candidates:
        if c and (Path(c) / "official_results_by_frequency.csv").is_file():
            return Path(c)
    return None


DATA = _data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="M4 data not found")


def test_smape_by_hand():
    y = np.array([[100.0, 200.0], [50.0, 50.0]])
    f = np.array([[110.0, 200.0], [50.0, 0.0]])
    # series 1: 200/2 * (10/210 + 0); series 2: 200/2 * (0 + 50/50)
    np.testing.assert_allclose(smape(y, f, per_series=True), [100 * 10 / 210, 100.0])
    assert smape([1.0, 2.0], [1.0, 2.0]) == 0.0


def test_smape_counts_an_exact_zero_as_no_error():
    """An actual and a forecast both 0 (intermittent series) is a term of 0, not NaN, in the
    M4 scorer too."""
    insample = [np.array([0.0, 1.0, 0.0, 2.0])]
    y, f = np.array([[0.0, 1.0]]), np.array([[0.0, 2.0]])
    s, m = m4_scoring.score(insample, y, f, 1)
    assert s == pytest.approx(200 / 2 * (0 + 1 / 3)) and np.isfinite(m)


def test_mase_by_hand():
    insample = [np.array([1.0, 3.0, 2.0, 6.0]), np.array([5.0, 5.0, 7.0])]
    y = np.array([[4.0, 4.0], [6.0, 8.0]])
    f = np.array([[5.0, 2.0], [6.0, 6.0]])
    # m = 1: scales mean(|2|, |-1|, |4|) = 7/3 and mean(0, 2) = 1; MAE 1.5 and 1
    np.testing.assert_allclose(mase(y, f, insample, m=1, per_series=True), [1.5 / (7 / 3), 1.0])
    # m = 2: scales mean(|2 - 1|, |6 - 3|) = 2 and |7 - 5| = 2
    np.testing.assert_allclose(mase(y, f, insample, m=2, per_series=True), [0.75, 0.5])


def test_score_and_owa_by_hand():
    insample = [np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])]
    y = np.array([[4.0], [8.0]])
    naive2 = np.array([[3.0], [6.0]])
    s, m = m4_scoring.score(insample, y, naive2, 1)
    # sMAPE 200 * 1/7 and 200 * 2/14; MASE 1/1 and 2/2
    assert s == pytest.approx(200 / 7)
    assert m == pytest.approx(1.0)
    assert owa(s, m, s, m) == pytest.approx(1.0)
    assert owa(s / 2, m, s, m) == pytest.approx(0.75)
    assert owa(10.0, 0.5, 20.0, 2.0) == pytest.approx(0.5 * (0.5 + 0.25))


def _hand_made_group(lengths):
    """Weekly-like series of the given training lengths, horizon 2, with a Naive2 forecast."""
    rng = np.random.default_rng(1)
    train = [50 + rng.standard_normal(n).cumsum() for n in lengths]
    test = np.array([[x[-1] + 1.0, x[-1] + 2.0] for x in train])
    naive2 = np.array([[x[-1], x[-1]] for x in train])
    spec = m4_data.Group(horizon=2, m=1, freq="W")
    ids = [f"W{i + 1}" for i in range(len(lengths))]
    return m4_data.GroupData("Weekly", spec, ids, train, test, {"Naive2": naive2})


def test_per_series_scores_match_the_group_score():
    data = _hand_made_group([30, 30, 50, 50, 50])
    forecasts = data.test + np.array([[0.5, -1.0]])
    frame = m4_scoring.per_series(data, forecasts)
    assert list(frame["id"]) == data.ids and list(frame["n_train"]) == [30, 30, 50, 50, 50]
    s, m = m4_scoring.score(data.train, data.test, forecasts, data.spec.m)
    assert frame["smape_model"].mean() == pytest.approx(s)
    assert frame["mase_model"].mean() == pytest.approx(m)
    np.testing.assert_allclose(
        frame["mase_Naive2"], mase(data.test, data.benchmarks["Naive2"], data.train, m=1,
                                   per_series=True)
    )
    table = m4_scoring.length_table(frame).splitlines()
    assert table[0].startswith("| training length | series | OWA model |")
    # two lengths: one row each, OWA against Naive2 of the same rows
    rows = {r.split("|")[1].strip(): r.split("|")[2:] for r in table[2:]}
    assert set(rows) == {"30", "50"} and rows["30"][0].strip() == "2"
    part = frame[frame["n_train"] == 30]
    want = owa(part["smape_model"].mean(), part["mase_model"].mean(),
               part["smape_Naive2"].mean(), part["mase_Naive2"].mean())  # fmt: skip
    assert float(rows["30"][1]) == pytest.approx(want, abs=5e-4)


def test_length_table_bins_many_lengths():
    data = _hand_made_group(list(range(20, 60, 2)))
    frame = m4_scoring.per_series(data, data.benchmarks["Naive2"])
    rows = m4_scoring.length_table(frame).splitlines()[2:]
    assert len(rows) == 4
    assert sum(int(r.split("|")[2]) for r in rows) == len(data.ids)
    # Naive2 against itself: OWA 1 in every group
    assert all(float(r.split("|")[3]) == pytest.approx(1.0) for r in rows)


def test_forecast_files_round_trip(tmp_path):
    path = tmp_path / "fc.csv"
    fc = np.array([[1.5, 2.25, 3.0], [4.0, 5.0, 6.125]])
    m4_data.write_forecasts(path, ["A1", "A2"], fc)
    assert path.read_text().splitlines()[0] == "id,F1,F2,F3"
    ids, back = m4_data.read_forecasts(path)
    assert ids == ["A1", "A2"]
    np.testing.assert_array_equal(back, fc)


def test_read_series_drops_padding(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text('"V1","V2","V3","V4"\n"X1","1","2","3"\n"X2","4","",""\n')
    ids, values = m4_data.read_series(path)
    assert ids == ["X1", "X2"]
    np.testing.assert_array_equal(values[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(values[1], [4.0])
    path.write_text("id,F1,F2,F3\nW1,1.5,NA,NA\n")
    np.testing.assert_array_equal(m4_data.read_series(path)[1][0], [1.5])


def test_fine_tuning_calls_partial_fit_on_the_newest_values():
    rng = np.random.default_rng(0)
    t = np.arange(120.0)
    train = [10 + k + np.sin(2 * np.pi * t / 8) + 0.1 * rng.standard_normal(120) for k in range(3)]
    data = m4_data.GroupData("Weekly", m4_data.GROUPS["Weekly"], ["W1", "W2", "W3"], train,
                        np.zeros((3, 13)), {})  # fmt: skip
    params = {"horizon": 13, "cell": "gru", "hidden_size": 4, "window": 16, "max_epochs": 2,
              "early_stopping": False, "learning_rate": 1e-2}  # fmt: skip
    plain, info = m4.fit_predict(data, params, seeds=1)
    tuned, info_tuned = m4.fit_predict(
        data, params, seeds=1, finetune={"last": 40, "epochs": 3, "learning_rate": 1e-3}
    )
    assert info["runs"][0]["n_iter_"] == 2 and info_tuned["runs"][0]["n_iter_"] == 5
    assert tuned.shape == plain.shape == (3, 13) and np.isfinite(tuned).all()
    assert not np.array_equal(tuned, plain)
    # a history too short for one window of the model fails loudly, naming the window
    with pytest.raises(ValueError, match="window"):
        m4.fit_predict(data, params, seeds=1,
                       finetune={"last": 20, "epochs": 1, "learning_rate": None})  # fmt: skip


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--finetune-last", "1"], "--finetune-last"),
        (["--finetune-last", "400", "--finetune-epochs", "0"], "--finetune-epochs"),
        (["--finetune-last", "400", "--finetune-learning-rate", "0"], "--finetune-learning-rate"),
    ],
)
def test_fine_tuning_options_are_checked(extra, message, capsys):
    with pytest.raises(SystemExit):
        m4.parse_args(["--group", "Hourly", "--out", "x.csv", *extra])
    assert message in capsys.readouterr().err


def _parse(*extra):
    return m4.parse_args(["--group", "Hourly", "--out", "x.csv", *extra])


def test_every_estimator_parameter_has_an_option():
    """The options come from the estimator's constraints: a new parameter gets one by itself.

    Left out, on purpose: ``horizon`` (the group's), ``random_state`` (``--seed``, one per
    model with ``--seeds``) and ``verbose`` (the script's own ``--verbose``).
    """
    assert set(m4.SCRIPT_PARAMETERS) == {"horizon", "random_state", "verbose"}
    params = set(RNNForecaster().get_params())
    assert params == set(RNNForecaster._parameter_constraints)
    parser = m4.build_parser()
    options = {o for action in parser._actions for o in action.option_strings}
    for name in params - set(m4.SCRIPT_PARAMETERS):
        assert "--" + name.replace("_", "-") in options, name
    assert "--horizon" not in options and "--random-state" not in options


def test_model_options_parse_to_the_estimators_types():
    args = _parse("--linear-lags", "168", "--ema-momentum", "0.99", "--cell", "gru")
    assert args.linear_lags == 168 and isinstance(args.linear_lags, int)
    assert args.ema_momentum == 0.99 and args.cell == "gru"
    # only the options given reach the estimator; the others keep its defaults
    assert m4.model_params(args, 48) == {
        "horizon": 48, "cell": "gru", "linear_lags": 168, "ema_momentum": 0.99,
    }  # fmt: skip
    assert m4.model_params(_parse(), 13) == {"horizon": 13}
    # integers, reals, "auto" or an integer, None where allowed, booleans as a flag pair
    params = m4.model_params(
        _parse("--window", "168", "--learning-rate", "3e-3", "--seasonal-period", "24",
               "--clip-norm", "none", "--target-transform", "log", "--baseline", "none",
               "--no-early-stopping", "--calendar-features", "--quantiles", "0.1,0.5,0.9"),
        48,
    )  # fmt: skip
    assert params == {
        "horizon": 48, "window": 168, "learning_rate": 3e-3, "seasonal_period": 24,
        "clip_norm": None, "target_transform": "log", "baseline": "none",
        "early_stopping": False, "calendar_features": True, "quantiles": (0.1, 0.5, 0.9),
    }  # fmt: skip
    assert isinstance(params["window"], int) and isinstance(params["learning_rate"], float)
    assert m4.model_params(_parse("--window", "auto"), 48)["window"] == "auto"
    assert m4.model_params(_parse("--target-transform", "none"), 48)["target_transform"] is None
    RNNForecaster(**params)._validate_params()


def test_the_documented_commands_parse():
    """Every option name the READMEs' M4 commands use (and the script had before)."""
    hourly = (
        "--seeds 2 --num-layers 2 --seasonal-period 24 --target-transform log --loss mae "
        "--window 168 --cell gru --hidden-size 64 --learning-rate 3e-3 --batch-size 256 "
        "--max-epochs 37 --max-windows-per-epoch 24000 --n-iter-no-change 15 "
        "--finetune-last 336 --finetune-epochs 4 --finetune-learning-rate 1e-3 "
        "--ema-momentum 0.99 --linear-lags 168 --per-series hourly_series.csv"
    )
    args = _parse(*hourly.split())
    assert m4.model_params(args, 48) == {
        "horizon": 48, "cell": "gru", "hidden_size": 64, "num_layers": 2, "window": 168,
        "linear_lags": 168, "loss": "mae", "target_transform": "log", "seasonal_period": 24,
        "learning_rate": 3e-3, "batch_size": 256, "max_epochs": 37,
        "max_windows_per_epoch": 24000, "n_iter_no_change": 15, "ema_momentum": 0.99,
    }  # fmt: skip
    assert (args.seeds, args.finetune_last, args.finetune_epochs) == (2, 336, 4)
    others = ("--validation-fraction 0.03 --tol 1e-4 --clip-norm 5 --optimizer sgd "
              "--dtype float64 --device cpu --baseline seasonal --no-early-stopping")  # fmt: skip
    params = m4.model_params(_parse(*others.split()), 13)
    assert params["validation_fraction"] == 0.03 and params["optimizer"] == "sgd"
    assert params["early_stopping"] is False and params["clip_norm"] == 5.0


@pytest.mark.parametrize(
    "option, value",
    [("--hidden-size", "0"), ("--hidden-size", "2.5"), ("--window", "abc"), ("--cell", "xyz"),
     ("--ema-momentum", "1"), ("--validation-fraction", "none"), ("--linear-lags", "-3")],
)  # fmt: skip
def test_model_options_are_checked_against_the_constraints(option, value, capsys):
    with pytest.raises(SystemExit):
        _parse(option, value)
    assert option in capsys.readouterr().err


def test_data_folder_is_required(monkeypatch):
    monkeypatch.delenv(m4_data.DATA_ENV, raising=False)
    with pytest.raises(SystemExit, match="--data"):
        m4_data.data_dir(None)


@needs_data
@pytest.mark.parametrize("group", ["Hourly", "Weekly"])
def test_official_benchmarks_reproduced(group):
    official = m4_data.read_official(DATA / "official_results_by_frequency.csv")
    data = m4_data.load_group(DATA, group)
    lines = m4_scoring.self_check(data, official)
    assert lines and all(line.endswith(": ok") for line in lines)
    naive2 = data.benchmarks["Naive2"]
    smape_n2, mase_n2 = m4_scoring.score(data.train, data.test, naive2, data.spec.m)
    want = {"Hourly": (18.383, 2.395), "Weekly": (9.161, 2.777)}[group]
    assert smape_n2 == pytest.approx(want[0], abs=1e-3)
    assert mase_n2 == pytest.approx(want[1], abs=1e-3)
    assert m4_data.best_entry(official, group) in official


@needs_data
def test_self_check_fails_loudly():
    official = m4_data.read_official(DATA / "official_results_by_frequency.csv")
    data = m4_data.load_group(DATA, "Weekly")
    data.benchmarks["Naive2"] = data.benchmarks["Naive2"] * 1.01
    with pytest.raises(SystemExit, match="differ from the official table"):
        m4_scoring.self_check(data, official)
