"""Pretraining a base model: seeded chunks of synthetic windows, the learning rate's schedule,
checkpoints and resumed runs, loading a base model, and the same run on CUDA."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_BASE

from tsrnn import RNNForecaster, _config, _cuda, _devices
from tsrnn._pretrain import (
    LEVELS,
    PARTS,
    WINDOWS_PER_SERIES,
    learning_rate_at,
    load_base,
    pretrain,
    synthetic_windows,
)
from tsrnn._pretrained_mode import TARGET_CLIP

#: Four chunks of 64 windows, two mini-batches each (so the chunk's shuffling counts).
RUN = TINY_BASE | {"windows": 256, "chunk": 64}


def weights(path):
    return RNNForecaster.load(path).params_


def test_synthetic_windows_are_seeded_by_run_and_chunk():
    X, Y = synthetic_windows(0, 3, 64, 16, 4)
    assert X.shape == (64, 16, 4) and Y.shape == (64, 4)
    assert X.dtype == Y.dtype == np.float32
    assert np.isfinite(X).all() and np.abs(Y).max() <= TARGET_CLIP
    again = synthetic_windows(0, 3, 64, 16, 4)
    np.testing.assert_array_equal(X, again[0])
    np.testing.assert_array_equal(Y, again[1])
    assert not np.array_equal(X, synthetic_windows(0, 4, 64, 16, 4)[0])
    assert not np.array_equal(X, synthetic_windows(1, 3, 64, 16, 4)[0])
    # the parts made in parallel are the chunk
    parts = [synthetic_windows(0, 3, 64, 16, 4, part=p) for p in range(PARTS)]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), X)
    # some contexts are shorter than the window (padded, mask 0)
    assert (X[:, 0, 1] == 0).any() and (X[:, 0, 1] == 1).any()


def test_learning_rate_decays_along_a_cosine_to_a_tenth():
    s = {"learning_rate": 1e-3, "windows": 1000}
    assert learning_rate_at(s, 0) == pytest.approx(1e-3)
    assert learning_rate_at(s, 500) == pytest.approx(0.55e-3)
    assert learning_rate_at(s, 1000) == pytest.approx(1e-4)
    assert learning_rate_at(s, 5000) == pytest.approx(1e-4)
    rates = [learning_rate_at(s, k) for k in range(0, 1001, 50)]
    assert np.all(np.diff(rates) < 0)


def test_same_seed_same_weights(tmp_path):
    a = pretrain(tmp_path / "a.tsrnn", **RUN)
    b = pretrain(tmp_path / "b.tsrnn", **RUN)
    np.testing.assert_array_equal(a.params_, b.params_)
    np.testing.assert_array_equal(weights(tmp_path / "a.tsrnn"), a.params_)
    other = pretrain(tmp_path / "c.tsrnn", **(RUN | {"seed": 1}))
    assert not np.allclose(other.params_, a.params_)


def test_a_run_resumed_after_each_chunk_gives_the_weights_of_an_unbroken_run(tmp_path):
    whole = pretrain(tmp_path / "whole.tsrnn", **RUN)
    path = tmp_path / "pieces.tsrnn"
    piece = pretrain(path, minutes=0, **RUN)  # stops after its first chunk
    assert piece.pretraining_["chunks"] == 1
    assert not np.array_equal(piece.params_, whole.params_)
    for chunks in (2, 3):
        piece = pretrain(path, minutes=0, resume=True, **RUN)
        assert piece.pretraining_["chunks"] == chunks
    last = pretrain(path, resume=True, **RUN)
    assert last.pretraining_["chunks"] == 4 and last.pretraining_["windows_seen"] == 256
    np.testing.assert_array_equal(last.params_, whole.params_)
    np.testing.assert_array_equal(weights(path), whole.params_)
    assert last.t_ == whole.t_ == 8 and last.n_iter_ == whole.n_iter_ == 4
    np.testing.assert_array_equal(last.loss_curve_, whole.loss_curve_)


def test_a_run_started_from_a_base_model_continues_its_weights(tmp_path):
    first = pretrain(tmp_path / "first.tsrnn", **RUN)
    longer = RUN | {"window": RUN["window"] * 2, "seed": 5, "hidden_size": 99}
    cont = pretrain(tmp_path / "cont.tsrnn", **longer, init=tmp_path / "first.tsrnn")
    s = cont.pretraining_["settings"]
    # the network is the starting model's; the window, seed and schedule are the run's
    assert s["hidden_size"] == RUN["hidden_size"] and cont.params_.shape == first.params_.shape
    assert s["window"] == 2 * RUN["window"] and s["seed"] == 5
    assert cont.pretraining_["init"]["windows_seen"] == 256
    assert cont.pretraining_["init"]["settings"] == first.pretraining_["settings"]
    scratch = pretrain(tmp_path / "scratch.tsrnn", **longer | {"hidden_size": RUN["hidden_size"]})
    assert not np.allclose(cont.params_, scratch.params_)
    # the continued run's first step starts from the base weights: with one chunk of
    # training and a tiny learning rate they hardly move
    still = pretrain(tmp_path / "still.tsrnn", **RUN | {"windows": 64, "learning_rate": 1e-9},
                     init=tmp_path / "first.tsrnn")  # fmt: skip
    np.testing.assert_allclose(still.params_, first.params_, atol=1e-6)
    loaded = load_base(tmp_path / "cont.tsrnn")
    assert loaded.pretraining_["init"]["source"].endswith("first.tsrnn")
    assert loaded.predict(np.sin(np.arange(40.0))).shape == (RUN["horizon"],)


def test_a_run_killed_after_a_checkpoint_resumes_exactly(tmp_path, monkeypatch):
    whole = pretrain(tmp_path / "whole.tsrnn", **RUN)
    path = tmp_path / "killed.tsrnn"
    make_trainer, calls = _devices.make_trainer, []

    def dies_at_the_third_chunk(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return make_trainer(*args, **kw)

    monkeypatch.setattr(_devices, "make_trainer", dies_at_the_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        pretrain(path, checkpoint_minutes=0, **RUN)  # a checkpoint after every chunk
    monkeypatch.undo()
    assert RNNForecaster.load(path).pretraining_["chunks"] == 2
    resumed = pretrain(path, resume=True, **RUN)
    np.testing.assert_array_equal(resumed.params_, whole.params_)


def test_resume_extends_the_run_to_more_windows(tmp_path):
    path = tmp_path / "b.tsrnn"
    first = pretrain(path, **RUN)
    done = first.params_.copy()
    longer = pretrain(path, resume=True, **(RUN | {"windows": 384}))
    info = longer.pretraining_
    assert info["settings"]["windows"] == 384
    assert info["chunks"] == 6 and info["windows_seen"] == 384
    assert not np.array_equal(longer.params_, done)
    assert RNNForecaster.load(path).pretraining_["chunks"] == 6
    # fewer windows than done: the saved run's count stays, nothing more is trained
    again = pretrain(path, resume=True, **(RUN | {"windows": 128}))
    assert again.pretraining_["settings"]["windows"] == 384
    np.testing.assert_array_equal(again.params_, longer.params_)


def test_resume_keeps_the_saved_settings(tmp_path):
    path = tmp_path / "b.tsrnn"
    pretrain(path, minutes=0, **RUN)
    est = pretrain(path, resume=True, **(RUN | {"hidden_size": 8, "seed": 5}))
    s = est.pretraining_["settings"]
    assert s["hidden_size"] == est.spec_.hidden_size == 4 and s["seed"] == 0


def test_the_file_records_the_pieces_of_the_run(tmp_path):
    path = tmp_path / "b.tsrnn"
    pretrain(path, minutes=0, **RUN)
    pretrain(path, resume=True, **RUN)
    info = RNNForecaster.load(path).pretraining_
    assert info["chunks"] == 4 and info["windows_seen"] == 256
    assert [p["windows"] for p in info["pieces"]] == [64, 192]
    for p in info["pieces"]:
        assert p["device"] == "cpu" and p["threads"] >= 1 and p["seconds"] >= 0
        assert isinstance(p["machine"], str) and p["machine"]
    assert info["settings"] == {
        "cell": "gru", "hidden_size": 4, "num_layers": 1, "window": 16, "horizon": 4,
        "learning_rate": 1e-3, "batch_size": 32, "chunk": 64, "seed": 0, "windows": 256,
        "parts": 8,
    }  # fmt: skip


def test_chunks_are_whole_series_of_every_part_and_the_run_whole_chunks(tmp_path):
    est = pretrain(tmp_path / "b.tsrnn", **(RUN | {"windows": 100, "chunk": 100}))
    unit = WINDOWS_PER_SERIES * PARTS
    assert est.pretraining_["settings"]["chunk"] == 96 == 100 // unit * unit
    assert est.pretraining_["chunks"] == 2 and est.pretraining_["windows_seen"] == 192


def test_a_pretrained_model_is_a_fitted_base_model(tiny_base):
    est = load_base(tiny_base)
    assert est._mode == "pretrained" and est.quantiles_ == list(LEVELS)
    assert est.window_ == 16 and est.network_horizon_ == est.horizon_ == 4
    assert est.spec_.n_features == 4 and est.spec_.n_outputs == 4 * len(LEVELS)
    assert len(est.validation_scores_) >= 1 and np.isfinite(est.validation_scores_).all()
    y = np.sin(np.arange(30) / 2)
    assert est.predict(y).shape == (4,)


def test_load_base_of_the_shipped_model():
    est = load_base()
    assert est._mode == "pretrained" and est.window_ == 256 and est.network_horizon_ == 64
    assert est.spec_.cell == "gru" and est.spec_.hidden_size == 128
    assert est.quantiles_ == list(LEVELS)
    assert est.pretraining_["windows_seen"] >= est.pretraining_["settings"]["windows"]


def test_load_base_refuses_other_models_and_missing_files(tmp_path):
    y = pd.Series(np.sin(np.arange(60) / 3), index=pd.date_range("2020", periods=60, freq="D"))
    path = tmp_path / "series.tsrnn"
    RNNForecaster(hidden_size=4, horizon=2, max_epochs=1, random_state=0).fit(y).save(path)
    with pytest.raises(ValueError, match="series mode, not a base model"):
        load_base(path)
    with pytest.raises(ValueError, match="not a base model"):
        RNNForecaster.from_pretrained(path)
    with pytest.raises(ValueError, match="not a base model"):
        RNNForecaster(init=path, max_epochs=1).fit(y)
    with pytest.raises(ValueError, match="not a base model"):
        pretrain(path, resume=True, **RUN)
    with pytest.raises(FileNotFoundError, match="no base model file"):
        load_base(tmp_path / "missing.tsrnn")
    with pytest.raises(FileNotFoundError):
        RNNForecaster(init=str(tmp_path / "missing.tsrnn"), max_epochs=1).fit(y)


# ---------------------------------------------------------------------------------------------
# CUDA (numba's simulator without a GPU)


@pytest.mark.skipif(
    not (_cuda.simulator_enabled() or _cuda.cuda_available()),
    reason="no CUDA GPU, and numba's CUDA simulator is off",
)
def test_a_chunk_on_cuda_matches_the_cpu(tmp_path, monkeypatch):
    monkeypatch.setattr(_config, "CUDA_THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(_config, "CUDA_SEQS_PER_BLOCK", 2)
    monkeypatch.setattr(_config, "CUDA_SHARED_MEMORY_LIMIT", None)
    tiny = {"windows": 64, "chunk": 64, "hidden_size": 4, "window": 8, "horizon": 2,
            "batch_size": 32, "verbose": 0}  # fmt: skip
    cpu = pretrain(tmp_path / "cpu.tsrnn", **tiny)
    gpu = pretrain(tmp_path / "gpu.tsrnn", device="cuda", **tiny)
    assert gpu.pretraining_["pieces"][0]["device"] == "cuda"
    assert gpu.params_.dtype == cpu.params_.dtype == np.float32
    np.testing.assert_allclose(gpu.params_, cpu.params_, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(weights(tmp_path / "gpu.tsrnn"), gpu.params_)
