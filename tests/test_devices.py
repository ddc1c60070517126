"""The CPU trainer of :mod:`tsrnn._devices`: steps, and the moving average of the weights."""

import numpy as np
import pytest

from tsrnn._devices import make_trainer
from tsrnn._network import NetworkSpec, forward
from tsrnn._optim import Adam


def problem(seed=0):
    rng = np.random.default_rng(seed)
    spec = NetworkSpec("gru", 2, 6, 2, 3)
    params = spec.init_params(rng, np.float32)
    X = rng.standard_normal((40, 7, 2)).astype(np.float32)
    Y = rng.standard_normal((40, 3)).astype(np.float32)
    return spec, params, X, Y


def batches(n_steps, seed=1):
    rng = np.random.default_rng(seed)
    return [np.sort(rng.choice(40, 16, replace=False)) for _ in range(n_steps)]


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_average_of_the_weights(momentum):
    """``average = m * average + (1 - m) * weights`` after every step, from the initial
    weights; the optimizer follows the raw weights, and predictions use the average."""
    spec, params, X, Y = problem()
    raw = make_trainer("cpu", spec, params, Adam(1e-2), X, Y, "mse", 1.0)
    avg = make_trainer("cpu", spec, params, Adam(1e-2), X, Y, "mse", 1.0, average=momentum)
    expected = params.astype(np.float64)
    for idx in batches(6):
        assert avg.step(idx) == raw.step(idx)  # same raw weights, same losses
        expected = momentum * expected + (1 - momentum) * raw.params()
    np.testing.assert_allclose(avg.params(), expected, rtol=1e-5, atol=1e-7)
    if momentum == 0.0:
        np.testing.assert_array_equal(avg.params(), raw.params())
    else:
        assert not np.allclose(avg.params(), raw.params())
    rows = np.arange(10)
    np.testing.assert_array_equal(avg.predict(rows), forward(avg.params(), X[rows], spec))
    weights = avg.finish()
    np.testing.assert_array_equal(weights, avg.params())
    assert avg.optimizer.t == 6


def test_without_average_params_are_the_raw_weights():
    spec, params, X, Y = problem()
    trainer = make_trainer("cpu", spec, params, Adam(1e-2), X, Y, "mse", 1.0)
    for idx in batches(2):
        trainer.step(idx)
    weights = trainer.finish()
    np.testing.assert_array_equal(trainer.params(), weights)
    assert not np.array_equal(weights, params)
    assert trainer.params() is not weights  # a copy: the caller may keep it


@pytest.mark.parametrize("bad", ["inf_gradient", "overflowing_update"])
def test_a_refused_step_changes_nothing(monkeypatch, bad):
    """A finite loss with an infinite gradient, or an update whose moments overflow, is
    refused: NaN comes back and the weights and the optimizer state stay as they were."""
    import tsrnn._devices as devices_module

    spec, params, X, Y = problem()
    trainer = make_trainer("cpu", spec, params, Adam(1e-2), X, Y, "mse", None)
    trainer.step(np.arange(16))  # a normal step first: the moments are not zero
    before, state = trainer.params(), trainer.optimizer.get_state()
    grad = np.full(spec.n_params, 1e30, np.float32)  # squared: beyond float32
    if bad == "inf_gradient":
        grad[3] = np.inf
    monkeypatch.setattr(devices_module._network, "loss_and_grad", lambda *a: (1.0, grad.copy()))
    assert np.isnan(trainer.step(np.arange(16)))
    np.testing.assert_array_equal(trainer.params(), before)
    after = trainer.optimizer.get_state()
    assert after["t"] == state["t"]
    np.testing.assert_array_equal(after["m"], state["m"])
    np.testing.assert_array_equal(after["v"], state["v"])
