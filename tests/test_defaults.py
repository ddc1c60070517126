"""The default training rule: "auto" epochs and patience, "auto" loss, and that it learns."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import r2_score

from tsrnn import RNNForecaster, _config
from tsrnn._trainer import epoch_budget, resolve_loss

ROOT = Path(__file__).resolve().parents[1]


def _two_tone():
    """The two-tone sine of ``benchmarks/defaults.py``: the data the benchmark measures."""
    benchmarks = str(ROOT / "benchmarks")
    sys.path.insert(0, benchmarks)  # for its helper module beside it
    try:
        spec = importlib.util.spec_from_file_location("defaults_benchmark",
                                                      ROOT / "benchmarks" / "defaults.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(benchmarks)
    return module.two_tone


two_tone = _two_tone()


def test_epoch_budget_counts_optimizer_steps():
    steps, patience = _config.AUTO_MIN_STEPS, _config.AUTO_PATIENCE_STEPS
    # a large set: the epoch limits of old
    assert epoch_budget("auto", "auto", 100_000, 64) == (100, 10)
    # 180 windows, batch 64: 3 steps an epoch
    assert epoch_budget("auto", "auto", 180, 64) == (-(-steps // 3), -(-patience // 3))
    # fewer windows than a batch: one step an epoch
    assert epoch_budget("auto", "auto", 10, 64) == (steps, patience)
    # sampled epochs count the windows sampled
    assert epoch_budget("auto", "auto", 100_000, 64, max_windows_per_epoch=128) == (
        -(-steps // 2), -(-patience // 2))  # fmt: skip
    # integers are kept as given
    assert epoch_budget(7, 3, 180, 64) == (7, 3)


def test_auto_epochs_train_at_least_the_minimum_steps():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 5)), rng.standard_normal(30)
    est = RNNForecaster(hidden_size=4, batch_size=16, early_stopping=False, random_state=0)
    est.fit(X, y)
    assert est.t_ == _config.AUTO_MIN_STEPS  # 2 steps an epoch
    assert est.n_iter_ == _config.AUTO_MIN_STEPS // 2
    # the parameters stay as given: the resolved values are not written back
    assert est.get_params()["max_epochs"] == "auto"
    assert est.get_params()["n_iter_no_change"] == "auto"
    assert clone(est).get_params() == RNNForecaster(
        hidden_size=4, batch_size=16, early_stopping=False, random_state=0).get_params()


def test_auto_loss_is_mse_for_windows_and_mae_for_series():
    assert resolve_loss("auto", "windows") == "mse"
    assert resolve_loss("auto", "series") == "mae"
    assert resolve_loss("auto", "pretrained") == "mae"
    assert resolve_loss("mse", "series") == "mse"
    assert resolve_loss("mae", "windows") == "mae"


def test_auto_loss_trains_as_the_loss_it_names():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((64, 6)), rng.standard_normal(64)
    kw = {"hidden_size": 4, "max_epochs": 2, "random_state": 0}
    auto = RNNForecaster(**kw).fit(X, y)
    mse = RNNForecaster(loss="mse", **kw).fit(X, y)
    np.testing.assert_array_equal(auto.params_, mse.params_)
    series = np.sin(np.arange(200) / 3.0) + 0.01 * np.arange(200)
    kw = {**kw, "horizon": 3, "window": 12}
    auto = RNNForecaster(**kw).fit(series)
    mae = RNNForecaster(loss="mae", **kw).fit(series)
    np.testing.assert_array_equal(auto.params_, mae.params_)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_defaults_learn_a_two_tone_sine(cell):
    # 900 training windows; scored on the 300 that follow (R² 0.972 before the rule)
    Xtr, ytr, Xte, yte = two_tone()
    est = RNNForecaster(cell=cell, random_state=0).fit(Xtr, ytr)
    assert r2_score(yte, est.predict(Xte)) >= 0.995
