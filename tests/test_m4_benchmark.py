"""The M4 benchmark script: its scoring on hand-made data, and on the M4 data when present.

The data-dependent tests look for the M4 files in ``$TSRNN_M4_DATA``, else in ``../shared/m4``
beside the repository, and are skipped when neither holds them. They train nothing; the
fine-tuning test trains a tiny model on made-up series.
"""

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from tsrnn.metrics import mase, owa, smape

ROOT = Path(__file__).resolve().parents[1]


def _load_script():
    spec = importlib.util.spec_from_file_location("m4_benchmark", ROOT / "benchmarks" / "m4.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


m4 = _load_script()


def _data_dir():
    candidates = [os.environ.get(m4.DATA_ENV), ROOT.parent / "shared" / "m4"]
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
    s, m = m4.score(insample, y, f, 1)
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
    s, m = m4.score(insample, y, naive2, 1)
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
    spec = m4.Group(horizon=2, m=1, freq="W")
    ids = [f"W{i + 1}" for i in range(len(lengths))]
    return m4.GroupData("Weekly", spec, ids, train, test, {"Naive2": naive2})


def test_per_series_scores_match_the_group_score():
    data = _hand_made_group([30, 30, 50, 50, 50])
    forecasts = data.test + np.array([[0.5, -1.0]])
    frame = m4.per_series(data, forecasts)
    assert list(frame["id"]) == data.ids and list(frame["n_train"]) == [30, 30, 50, 50, 50]
    s, m = m4.score(data.train, data.test, forecasts, data.spec.m)
    assert frame["smape_model"].mean() == pytest.approx(s)
    assert frame["mase_model"].mean() == pytest.approx(m)
    np.testing.assert_allclose(
        frame["mase_Naive2"], mase(data.test, data.benchmarks["Naive2"], data.train, m=1,
                                   per_series=True)
    )
    table = m4.length_table(frame).splitlines()
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
    frame = m4.per_series(data, data.benchmarks["Naive2"])
    rows = m4.length_table(frame).splitlines()[2:]
    assert len(rows) == 4
    assert sum(int(r.split("|")[2]) for r in rows) == len(data.ids)
    # Naive2 against itself: OWA 1 in every group
    assert all(float(r.split("|")[3]) == pytest.approx(1.0) for r in rows)


def test_forecast_files_round_trip(tmp_path):
    path = tmp_path / "fc.csv"
    fc = np.array([[1.5, 2.25, 3.0], [4.0, 5.0, 6.125]])
    m4.write_forecasts(path, ["A1", "A2"], fc)
    assert path.read_text().splitlines()[0] == "id,F1,F2,F3"
    ids, back = m4.read_forecasts(path)
    assert ids == ["A1", "A2"]
    np.testing.assert_array_equal(back, fc)


def test_read_series_drops_padding(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text('"V1","V2","V3","V4"\n"X1","1","2","3"\n"X2","4","",""\n')
    ids, values = m4.read_series(path)
    assert ids == ["X1", "X2"]
    np.testing.assert_array_equal(values[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(values[1], [4.0])
    path.write_text("id,F1,F2,F3\nW1,1.5,NA,NA\n")
    np.testing.assert_array_equal(m4.read_series(path)[1][0], [1.5])


def test_fine_tuning_calls_partial_fit_on_the_newest_values():
    rng = np.random.default_rng(0)
    t = np.arange(120.0)
    train = [10 + k + np.sin(2 * np.pi * t / 8) + 0.1 * rng.standard_normal(120) for k in range(3)]
    data = m4.GroupData("Weekly", m4.GROUPS["Weekly"], ["W1", "W2", "W3"], train,
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


def test_data_folder_is_required(monkeypatch):
    monkeypatch.delenv(m4.DATA_ENV, raising=False)
    with pytest.raises(SystemExit, match="--data"):
        m4.data_dir(None)


@needs_data
@pytest.mark.parametrize("group", ["Hourly", "Weekly"])
def test_official_benchmarks_reproduced(group):
    official = m4.read_official(DATA / "official_results_by_frequency.csv")
    data = m4.load_group(DATA, group)
    lines = m4.self_check(data, official)
    assert lines and all(line.endswith(": ok") for line in lines)
    smape_n2, mase_n2 = m4.score(data.train, data.test, data.benchmarks["Naive2"], data.spec.m)
    want = {"Hourly": (18.383, 2.395), "Weekly": (9.161, 2.777)}[group]
    assert smape_n2 == pytest.approx(want[0], abs=1e-3)
    assert mase_n2 == pytest.approx(want[1], abs=1e-3)
    assert m4.best_entry(official, group) in official


@needs_data
def test_self_check_fails_loudly():
    official = m4.read_official(DATA / "official_results_by_frequency.csv")
    data = m4.load_group(DATA, "Weekly")
    data.benchmarks["Naive2"] = data.benchmarks["Naive2"] * 1.01
    with pytest.raises(SystemExit, match="differ from the official table"):
        m4.self_check(data, official)
