"""benchmarks/base_model.py: zero-shot, fine-tuned and from-scratch forecasts side by side."""

import numpy as np
import pytest
from conftest import import_benchmark


@pytest.fixture(scope="module")
def base_model():
    return import_benchmark("base_model")


def test_origins_step_back_one_horizon_each(base_model, monkeypatch, capsys):
    from tsrnn.datasets import load

    seen = []

    def fake_run(train, test, ids, horizon, freq, period, m, args):
        seen.append((train[0], test[0]))
        return {"zero-shot": (test + 1.0, 0.0, "")}, []

    monkeypatch.setattr(base_model, "DATASETS", {"airline": (12, 12)})
    monkeypatch.setattr(base_model, "run", fake_run)
    base_model.main(["--datasets", "--origins", "3"])
    y = load("airline").to_numpy(dtype=float)
    for k, (train, test) in enumerate(seen):
        end = len(y) - 12 * k
        np.testing.assert_array_equal(train, y[: end - 12])
        np.testing.assert_array_equal(test, y[end - 12 : end])
    assert len(seen) == 3
    out = capsys.readouterr().out
    assert "| airline | zero-shot | " in out and "| **mean over the datasets** | zero-shot |" in out


def test_fine_tuning_is_chosen_on_validation_and_refits_on_every_window(base_model,
                                                                       monkeypatch, capsys):
    fits = []

    class Recorder(base_model.RNNForecaster):
        def fit(self, y, *args, **kwargs):
            fits.append((self.get_params(), y.groupby("unique_id").size().iloc[0]))
            return super().fit(y, *args, **kwargs)

    monkeypatch.setattr(base_model, "RNNForecaster", Recorder)
    monkeypatch.setattr(base_model, "DATASETS", {"airline": (12, 12)})
    base_model.main(["--datasets", "--lrs", "1e-3", "--max-epochs", "2", "--patience", "1",
                     "--windows-per-epoch", "32", "--batch-size", "16",
                     "--emas", "0.9", "--linear-lags", "24"])  # fmt: skip
    out = capsys.readouterr().out
    assert "validation, fine-tuned lr=0.001 ema=0.9:" in out
    (candidate, n_fit), *final = fits
    assert n_fit == 144 - 24  # the values before the validation horizon
    assert candidate["early_stopping"] and candidate["n_iter_no_change"] == 1
    assert (candidate["ema_momentum"], candidate["max_windows_per_epoch"],
            candidate["batch_size"], candidate["linear_lags"]) == (0.9, 32, 16, 24)  # fmt: skip
    if "chosen: zero-shot" in out:
        assert not final
    else:
        ((refit, n_train),) = final
        assert n_train == 144 - 12 and not refit["early_stopping"]
        assert refit["ema_momentum"] == 0.9 and refit["linear_lags"] == 24
        assert f"chosen: lr=0.001 ema=0.9, {refit['max_epochs']} epochs" in out
