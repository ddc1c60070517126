"""The epoch loop of :mod:`tsrnn._trainer` (on a scripted trainer and on the CPU one), the
validation split and the training state."""

import numpy as np
import pytest
from test_devices import problem

from tsrnn._devices import make_trainer
from tsrnn._network import NetworkSpec, forward
from tsrnn._optim import Adam

# --------------------------------------------------------------------------------------------
# the epoch loop, on a scripted trainer


class ScriptedTrainer:
    """A trainer whose validation outputs follow a script: epoch ``e`` scores
    ``scores[e]``; ``params()`` is the epoch number, so the kept weights say which epoch
    they are from. ``diverge_at`` makes that step's loss NaN."""

    def __init__(self, scores, n_rows=30, diverge_at=None):
        self.scores, self.epoch, self.steps, self.diverge_at = scores, 0, [], diverge_at
        self.Y = np.zeros((n_rows, 1))

    def step(self, idx):
        self.steps.append(np.asarray(idx))
        if self.diverge_at is not None and len(self.steps) == self.diverge_at:
            return float("nan")
        return 1.0

    def predict(self, idx):
        self.epoch += 1
        return np.full((len(idx), 1), self.scores[self.epoch - 1])

    def params(self):
        return np.array([float(self.epoch)])

    def finish(self):
        return self.params()


def run(trainer, val=True, **kw):
    from tsrnn._trainer import train

    history = {"loss_curve_": [], "validation_scores_": [], "n_iter_": 0, "t_": 0,
               "best_epoch_": 0}  # fmt: skip
    options = dict(batch_size=10, score=lambda pred, target: float(np.mean(pred))) | kw
    train_idx, val_idx = np.arange(25), (np.arange(25, 30) if val else None)
    rng = np.random.default_rng(0)
    params = train(trainer, rng, train_idx, val_idx, kw.pop("epochs", 20), history,
                   **{k: v for k, v in options.items() if k != "epochs"})  # fmt: skip
    return params, history


def test_early_stopping_keeps_the_best_epoch_and_waits_n_iter_no_change():
    scores = [5.0, 3.0, 4.0, 2.0, 2.5, 2.4, 2.3, 9, 9, 9]
    params, history = run(ScriptedTrainer(scores), n_iter_no_change=3)
    assert history["n_iter_"] == 7  # epochs 5, 6 and 7 did not beat epoch 4
    assert history["best_epoch_"] == 4 and params[0] == 4.0
    assert history["validation_scores_"] == scores[:7]
    assert history["t_"] == 7 * 3  # 25 rows in batches of 10
    assert history["loss_curve_"] == [1.0] * 7


def test_without_early_stopping_every_epoch_runs_and_the_last_weights_are_kept():
    params, history = run(ScriptedTrainer([1.0] * 6), early_stopping=False, epochs=6)
    assert history["n_iter_"] == 6 and history["best_epoch_"] == 6 and params[0] == 6.0
    assert len(history["validation_scores_"]) == 6  # still scored, for the record
    params, history = run(ScriptedTrainer([]), val=False, epochs=4)
    assert history["n_iter_"] == 4 and history["validation_scores_"] == []


def test_divergence_stops_keeps_the_last_good_weights_and_warns():
    from tsrnn._trainer import TrainingDivergedWarning

    trainer = ScriptedTrainer([3.0, 2.0, 1.0], diverge_at=8)  # in the third epoch
    with pytest.warns(TrainingDivergedWarning, match="last good weights"):
        params, history = run(trainer)
    assert history["n_iter_"] == 2 and history["t_"] == 7 and params[0] == 2.0


def test_each_epoch_samples_at_most_max_windows_per_epoch_rows():
    trainer = ScriptedTrainer([1.0] * 3)
    run(trainer, max_windows_per_epoch=12, epochs=3, early_stopping=False)
    epochs = [np.concatenate(trainer.steps[i : i + 2]) for i in (0, 2, 4)]
    assert len(trainer.steps) == 6 and all(len(e) == 12 and len(set(e)) == 12 for e in epochs)
    assert all(set(e) <= set(range(25)) for e in epochs)  # never a validation row
    assert len({tuple(sorted(e)) for e in epochs}) == 3  # a new sample every epoch


def test_time_ordered_split_holds_out_the_most_recent_windows_of_each_series():
    from tsrnn._trainer import time_ordered_split

    # two series, windows listed out of time order
    end = np.array([5, 3, 4, 1, 2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    series = np.array([0] * 5 + [1] * 10)
    train, val = time_ordered_split(end, series, horizon=2, fraction=0.2)
    # series 0: one window held out (end 5), one dropped as a gap (end 4)
    assert set(end[val[series[val] == 0]]) == {5}
    assert set(end[train[series[train] == 0]]) == {1, 2, 3}
    # series 1: two held out (18, 19), one gap (17)
    assert set(end[val[series[val] == 1]]) == {18, 19}
    assert set(end[train[series[train] == 1]]) == set(range(10, 17))
    # too short for a split: everything trains, no validation
    train, val = time_ordered_split(end[:5], series[:5], horizon=5, fraction=0.2)
    assert val is None and sorted(train) == list(range(5))


def test_time_ordered_split_of_strided_windows_drops_only_overlapping_targets():
    """Windows 10 steps apart, as a base model fine-tunes on: only the training windows whose
    targets reach the first validation target are dropped, not ``horizon - 1`` windows."""
    from tsrnn._trainer import time_ordered_split

    end = np.arange(0, 200, 10)
    series = np.zeros(20, dtype=np.int64)
    train, val = time_ordered_split(end, series, horizon=15, fraction=0.2)
    np.testing.assert_array_equal(end[val], [160, 170, 180, 190])
    np.testing.assert_array_equal(end[train], np.arange(0, 150, 10))
    assert end[train].max() + 15 <= end[val].min()
    # steps one apart: the horizon - 1 windows before the first validation window go
    train, val = time_ordered_split(np.arange(20), series, horizon=3, fraction=0.2)
    np.testing.assert_array_equal(np.sort(train), np.arange(14))


class Recording:
    """A trainer that also records, before each step, what its predicting weights give the
    batch: the prequential outputs ``train`` should hand back."""

    def __init__(self, trainer):
        self.trainer, self.before = trainer, {}

    def __getattr__(self, name):
        return getattr(self.trainer, name)

    def step(self, idx, outputs=None):
        for row, out in zip(idx, self.trainer.predict(idx), strict=True):
            self.before.setdefault(int(row), out)  # the first epoch's
        return self.trainer.step(idx, outputs) if outputs is not None else self.trainer.step(idx)


@pytest.mark.parametrize("momentum", [None, 0.5])  # from the training pass; from the average
def test_train_hands_back_each_row_before_the_first_epoch_learns_from_it(momentum):
    from tsrnn._trainer import train

    spec, params, X, Y = problem()
    trainer = Recording(make_trainer("cpu", spec, params, Adam(1e-2), X, Y, "mse", 1.0,
                                     average=momentum))  # fmt: skip
    history = {"loss_curve_": [], "validation_scores_": [], "n_iter_": 0, "t_": 0,
               "best_epoch_": 0}  # fmt: skip
    outputs = np.full((40, 3), np.nan, dtype=np.float32)
    train_idx = np.arange(30)  # rows 30..39 are never trained on: left as they are
    train(trainer, np.random.default_rng(0), train_idx, None, 3, history, batch_size=8,
          score=None, early_stopping=False, outputs=outputs)  # fmt: skip
    assert history["t_"] == 3 * 4  # three epochs ran; only the first one was recorded
    expected = np.array([trainer.before[row] for row in range(30)])
    np.testing.assert_allclose(outputs[:30], expected, rtol=1e-5, atol=1e-6)
    assert np.isnan(outputs[30:]).all()


def test_a_restart_with_linear_lags_widens_the_head_without_changing_the_outputs():
    from tsrnn._trainer import new_training_state, restart_training_state

    spec = NetworkSpec("gru", 2, 5, 2, 3)
    state = new_training_state(spec, np.dtype(np.float32), 0, "adam", 1e-3, 8, 6)
    rng = np.random.default_rng(1)
    state.params_ = rng.normal(size=spec.n_params).astype(np.float32)
    before = spec.unpack(state.params_.copy())
    X = rng.normal(size=(4, 6, 2)).astype(np.float32)
    expected = forward(state.params_, X, spec)

    state = restart_training_state(state, 0, "adam", 1e-3, linear_lags=4)
    assert state.spec_ == NetworkSpec("gru", 2, 5, 2, 3, n_head_features=4)
    assert state.linear_lags_ == 4 and state.params_.dtype == np.float32
    after = state.spec_.unpack(state.params_)
    for name, block in before.items():
        np.testing.assert_array_equal(after[name][..., : block.shape[-1]], block)
    np.testing.assert_array_equal(after["W_out"][:, 5:], 0)
    Z = rng.normal(size=(4, 4)).astype(np.float32)
    np.testing.assert_array_equal(forward(state.params_, X, state.spec_, Z), expected)
    # a network that has a shortcut keeps it
    again = restart_training_state(state, 0, "adam", 1e-3, linear_lags=2)
    assert again.spec_.n_head_features == 4 and again.linear_lags_ == 4
