"""The CUDA engine against the CPU kernels of :mod:`tsrnn._network`.

Runs on a real GPU when there is one, else in numba's CUDA simulator (``conftest.py`` turns
it on when no NVIDIA GPU is visible). The simulator runs every CUDA thread as a Python
thread, so shapes are tiny and blocks have 8 threads and 2 sequences: every kernel loops
over its work with a stride and a batch spans several blocks.
"""

import subprocess
import sys

import numpy as np
import pytest

from tsrnn import _config, _cuda
from tsrnn._network import NetworkSpec, forward, loss_and_grad
from tsrnn._optim import Adam, clip_grad_norm

check_device = _cuda.check_device
cuda_available = _cuda.cuda_available
simulator_enabled = _cuda.simulator_enabled

if not (simulator_enabled() or cuda_available()):
    pytest.skip(
        "no CUDA GPU, and numba's CUDA simulator is off (set NUMBA_ENABLE_CUDASIM=1 before "
        "numba is imported)",
        allow_module_level=True,
    )

from tsrnn._cuda import network as cn  # noqa: E402
from tsrnn._cuda._kernels import shared_words  # noqa: E402

CELLS = ("lstm", "gru", "rnn")
N_FEATURES, HIDDEN, N_OUTPUTS = 2, 5, 3
BATCH, STEPS = 5, 4
RTOL = {np.float32: 1e-4, np.float64: 1e-10}


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    """Blocks of 8 threads and 2 sequences, shared memory as the device allows."""
    monkeypatch.setattr(_config, "CUDA_THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(_config, "CUDA_SEQS_PER_BLOCK", 2)
    monkeypatch.setattr(_config, "CUDA_SHARED_MEMORY_LIMIT", None)


def problem(cell, num_layers, dtype=np.float32, seed=0, batch=BATCH):
    """Spec, parameters, inputs and targets."""
    rng = np.random.default_rng(seed)
    spec = NetworkSpec(cell, N_FEATURES, HIDDEN, num_layers, N_OUTPUTS)
    params = rng.uniform(-0.6, 0.6, spec.n_params).astype(dtype)
    X = rng.standard_normal((batch, STEPS, N_FEATURES)).astype(dtype)
    Y = rng.standard_normal((batch, N_OUTPUTS)).astype(dtype)
    return spec, params, X, Y


def network(spec, params, dtype=np.float32, **adam):
    net = cn.CudaNetwork(spec, dtype, **adam)
    net.to_device(params)
    return net


def train_step(net, X=None, Y=None, clip_norm=None, idx=None):
    """One training step as the CUDA trainer takes it: loss and gradient, then Adam."""
    loss, grad = net.loss_and_grad(X, Y, "mse", idx=idx)
    net.apply_gradient(grad, clip_norm)
    return loss


def assert_close(got, ref, rtol):
    """Equal to ``rtol`` relative to the largest magnitude of ``ref``."""
    ref = np.asarray(ref, dtype=np.float64)
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * np.abs(ref).max())


@pytest.mark.parametrize("cell", CELLS)
def test_head_features_match_cpu(cell):
    rng = np.random.default_rng(3)
    spec = NetworkSpec(cell, N_FEATURES, HIDDEN, 2, N_OUTPUTS, n_head_features=4)
    params = rng.uniform(-0.6, 0.6, spec.n_params).astype(np.float32)
    X = rng.standard_normal((BATCH, STEPS, N_FEATURES)).astype(np.float32)
    Y = rng.standard_normal((BATCH, N_OUTPUTS)).astype(np.float32)
    Z = rng.standard_normal((BATCH, 4)).astype(np.float32)
    net = network(spec, params)
    assert_close(net.forward(X, Z=Z), forward(params, X, spec, Z=Z), 1e-4)
    _, grad = net.loss_and_grad(X, Y, "mae", Z=Z)
    _, ref_grad = loss_and_grad(params, X, Y, spec, "mae", Z=Z)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)
    # uploaded windows carry their head features; a batch of rows reads the matching ones
    net.upload_windows(X, Y, Z)
    rows = np.array([4, 0, 2])
    assert_close(net.forward(idx=rows), forward(params, X[rows], spec, Z=Z[rows]), 1e-4)
    with pytest.raises(ValueError, match="head features"):
        net.forward(X)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cell", CELLS)
def test_forward_and_gradient_match_cpu(cell, num_layers):
    spec, params, X, Y = problem(cell, num_layers)
    net = network(spec, params)
    assert_close(net.forward(X), forward(params, X, spec), 1e-4)
    loss, grad = net.loss_and_grad(X, Y, "mse")
    ref_loss, ref_grad = loss_and_grad(params, X, Y, spec, "mse")
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)


@pytest.mark.parametrize("cell", CELLS)
def test_float64_matches_cpu(cell):
    spec, params, X, Y = problem(cell, 2, np.float64)
    net = network(spec, params, np.float64)
    assert net.get_params().dtype == np.float64
    assert_close(net.forward(X), forward(params, X, spec), 1e-10)
    loss, grad = net.loss_and_grad(X, Y, "mse")
    ref_loss, ref_grad = loss_and_grad(params, X, Y, spec, "mse")
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert_close(grad.copy_to_host(), ref_grad, 1e-10)


@pytest.mark.parametrize("loss", ["mae", "pinball"])
def test_losses_match_cpu(loss):
    spec, params, X, Y = problem("lstm", 1, seed=1)
    quantiles = np.array([0.1, 0.5, 0.9]) if loss == "pinball" else None
    net = network(spec, params)
    value, grad = net.loss_and_grad(X, Y, loss, quantiles)
    ref_value, ref_grad = loss_and_grad(params, X, Y, spec, loss, quantiles)
    assert value == pytest.approx(ref_value, rel=1e-5)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)


def mode_one_limit(spec, dtype=np.float32):
    """Shared-memory bytes that hold ``W_hh`` but not ``W_ih`` as well."""
    seqs = _config.CUDA_SEQS_PER_BLOCK
    words = max(shared_words(spec, seqs, 1, False), shared_words(spec, seqs, 1, True))
    return words * np.dtype(dtype).itemsize


@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_weights_from_global_memory(monkeypatch, cell, mode):
    """Smaller shared memory: W_ih, then W_hh too, read from global memory."""
    spec, params, X, Y = problem(cell, 2, seed=2)
    limit = 0 if mode == 0 else mode_one_limit(spec)
    monkeypatch.setattr(_config, "CUDA_SHARED_MEMORY_LIMIT", limit)
    net = network(spec, params)
    loss, grad = net.loss_and_grad(X, Y, "mse")
    ws = next(v for k, v in net._cache.items() if k[0] == "ws")
    assert (ws["mode_f"], ws["mode_b"]) == (mode, mode)
    ref_loss, ref_grad = loss_and_grad(params, X, Y, spec, "mse")
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)
    assert_close(net.forward(X), forward(params, X, spec), 1e-4)


def test_refused_shared_memory_falls_back(monkeypatch):
    """A driver refusing more than the default shared memory: weights from global memory."""
    from tsrnn._cuda import _device

    spec, params, X, Y = problem("lstm", 2, seed=9)
    monkeypatch.setattr(_device, "simulator_enabled", lambda: False)
    monkeypatch.setattr(_device, "DEFAULT_SHARED_BYTES", 600)  # between modes 0 and 1
    monkeypatch.setattr(_device, "opt_in_limit", lambda: 1 << 20)
    monkeypatch.setattr(_device, "opt_in_shared", lambda *args: (False, "refused by the test"))
    monkeypatch.setattr(cn, "_OPT_IN_REFUSED", [])
    net = network(spec, params)
    with pytest.warns(RuntimeWarning, match="refused by the test"):
        loss, grad = net.loss_and_grad(X, Y, "mse")
    assert cn._OPT_IN_REFUSED
    ws = next(v for k, v in net._cache.items() if k[0] == "ws" and v["bytes_f"] <= 600)
    assert (ws["mode_f"], ws["mode_b"]) == (0, 0)
    ref_loss, ref_grad = loss_and_grad(params, X, Y, spec, "mse")
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)


def test_shared_memory_allowance_only_grows(monkeypatch):
    """The driver keeps one allowance per kernel: never lower it for a smaller launch."""
    from tsrnn._cuda import _device

    asked = []

    def opt_in(dispatcher, args, nbytes):
        asked.append((dispatcher, nbytes))
        return True, ""

    spec, params, X, Y = problem("gru", 1, seed=4, batch=8)
    monkeypatch.setattr(_device, "simulator_enabled", lambda: False)
    monkeypatch.setattr(_device, "DEFAULT_SHARED_BYTES", 100)
    monkeypatch.setattr(_device, "opt_in_limit", lambda: 1 << 20)
    monkeypatch.setattr(_device, "opt_in_shared", opt_in)
    monkeypatch.setattr(cn, "_OPTED_IN", {})
    net = network(spec, params)
    for seqs in (4, 2, 8, 4):
        monkeypatch.setattr(_config, "CUDA_SEQS_PER_BLOCK", seqs)
        net.forward(X)
    forward_sizes = [n for d, n in asked if d is net._k.forward]
    assert len(forward_sizes) == 2 and forward_sizes[0] < forward_sizes[1]


@pytest.mark.skipif(simulator_enabled(), reason="shared-memory opt-in needs a real GPU")
def test_real_gpu_keeps_weights_in_shared_memory(monkeypatch):
    """Above 48 KiB, the driver must accept the opt-in: weights stay in shared memory."""
    monkeypatch.setattr(_config, "CUDA_THREADS_PER_BLOCK", 256)
    monkeypatch.setattr(_config, "CUDA_SEQS_PER_BLOCK", 4)
    monkeypatch.setattr(cn, "_OPT_IN_REFUSED", [])
    rng = np.random.default_rng(0)
    spec = NetworkSpec("lstm", 1, 64, 1, 1)  # W_hh alone is 64 KiB in float32
    params = spec.init_params(rng).astype(np.float32)
    X = rng.standard_normal((8, 6, 1)).astype(np.float32)
    Y = rng.standard_normal((8, 1)).astype(np.float32)
    net = network(spec, params)
    loss, grad = net.loss_and_grad(X, Y, "mse")
    assert not cn._OPT_IN_REFUSED
    ws = next(v for k, v in net._cache.items() if k[0] == "ws" and k[4])
    assert (ws["mode_f"], ws["mode_b"]) == (1, 1)
    assert ws["bytes_f"] > 48 * 1024
    ref_loss, ref_grad = loss_and_grad(params, X, Y, spec, "mse")
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)


def test_adam_matches_cpu():
    """Three Adam steps from given gradients, with and without clipping."""
    rng = np.random.default_rng(3)
    spec = NetworkSpec("gru", N_FEATURES, HIDDEN, 1, N_OUTPUTS)
    params = spec.init_params(rng)
    net = network(spec, params, learning_rate=1e-2)
    adam = Adam(learning_rate=1e-2)
    ref = params.copy()
    for step, clip in enumerate([None, 0.5, 100.0]):
        grad = rng.standard_normal(spec.n_params).astype(np.float32) * (step + 1)
        dev = cn.cuda.to_device(grad)
        net.apply_gradient(dev, clip_norm=clip)
        g = grad.copy()
        clip_grad_norm(g, clip)
        adam.update(ref, g)
        assert_close(dev.copy_to_host(), g, 1e-6)
        assert_close(net.get_params(), ref, 1e-6)
    state = net.get_optimizer_state()
    assert state["t"] == adam.t == 3
    assert_close(state["m"], adam.m, 1e-6)
    assert_close(state["v"], adam.v, 1e-6)


@pytest.mark.parametrize("clip", [None, 0.05])
def test_train_steps_match_cpu(clip):
    """Three full training steps (forward, BPTT, clipping, Adam) against the CPU."""
    spec, params, X, Y = problem("lstm", 2, seed=4)
    net = network(spec, params, learning_rate=1e-2)
    adam = Adam(learning_rate=1e-2)
    ref = params.copy()
    for _ in range(3):
        loss = train_step(net, X, Y, clip_norm=clip)
        ref_loss, g = loss_and_grad(ref, X, Y, spec, "mse")
        clip_grad_norm(g, clip)
        adam.update(ref, g)
        assert loss == pytest.approx(ref_loss, rel=1e-4)
    assert_close(net.get_params(), ref, 1e-4)


def test_train_step_reduces_loss():
    spec, params, X, Y = problem("gru", 1, seed=5)
    net = network(spec, params, learning_rate=3e-2)
    net.upload_windows(X, Y)
    idx = net.to_device_indices(np.arange(BATCH))
    losses = [train_step(net, idx=idx) for _ in range(8)]
    assert losses[-1] < 0.7 * losses[0]
    assert all(np.isfinite(losses))


def test_uploaded_windows_and_indices():
    """Batches picked by device indices equal the same windows passed directly."""
    spec, params, X, Y = problem("rnn", 2, seed=6, batch=7)
    net = network(spec, params)
    net.upload_windows(X, Y)
    rows = np.array([6, 0, 3])
    perm = net.to_device_indices(np.array([2, 6, 0, 3, 1]))
    assert_close(net.forward(idx=perm[1:4]), forward(params, X[rows], spec), 1e-4)
    loss, grad = net.loss_and_grad(idx=rows)
    ref_loss, ref_grad = loss_and_grad(params, X[rows], Y[rows], spec, "mse")
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert_close(grad.copy_to_host(), ref_grad, 1e-4)


def run_training(spec, params, X, Y):
    net = network(spec, params, learning_rate=1e-2)
    losses = [train_step(net, X, Y, clip_norm=1.0)]
    _, grad = net.loss_and_grad(X, Y, "mse")
    return losses, grad.copy_to_host(), net.get_params()


def test_deterministic_for_any_block_size(monkeypatch):
    """Bit-identical results run after run, and with another number of threads per block."""
    spec, params, X, Y = problem("lstm", 2, seed=7)
    first = run_training(spec, params, X, Y)
    second = run_training(spec, params, X, Y)
    others = [second]
    # 3 threads: weight gradients accumulated per thread; 1 thread: too many for that, they
    # are accumulated in global memory instead (same order of summation); 48 threads: more
    # than twice the 4 * 5 gate rows, so a thread's next item wraps past several rows
    for threads in (3, 1, 48):
        monkeypatch.setattr(_config, "CUDA_THREADS_PER_BLOCK", threads)
        others.append(run_training(spec, params, X, Y))
    for other in others:
        assert other[0] == first[0]
        np.testing.assert_array_equal(other[1], first[1])
        np.testing.assert_array_equal(other[2], first[2])


def test_compile_time_tunables_rebuild_the_kernels(monkeypatch):
    """Tunables the kernels bake in are read at call time: patched, they get kernels of
    their own. Accumulating weight gradients in global memory (no private accumulators)
    sums in the same order; another count of norm pieces only reorders the norm's sum."""
    spec, params, X, Y = problem("gru", 2, seed=7)
    first = run_training(spec, params, X, Y)
    kernels = cn.build(np.float32)
    monkeypatch.setattr(_config, "CUDA_LOCAL_ACC", 1)
    monkeypatch.setattr(_config, "CUDA_NORM_PARTS", 3)
    assert cn.build(np.float32) is not kernels
    other = run_training(spec, params, X, Y)
    assert other[0] == first[0]
    np.testing.assert_array_equal(other[1], first[1])
    assert_close(other[2], first[2], 1e-6)


def test_optimizer_state_round_trip():
    spec, params, X, Y = problem("gru", 1, seed=8)
    net = network(spec, params)
    assert net.get_optimizer_state() == {"t": 0, "m": None, "v": None}
    train_step(net, X, Y)
    state = net.get_optimizer_state()
    saved = net.get_params()
    after = [train_step(net, X, Y) for _ in range(2)]
    other = network(spec, saved)
    other.set_optimizer_state(state)
    assert [train_step(other, X, Y) for _ in range(2)] == after
    np.testing.assert_array_equal(other.get_params(), net.get_params())


def test_bad_inputs():
    spec, params, X, Y = problem("lstm", 1)
    net = network(spec, params)
    with pytest.raises(ValueError, match="last dimension"):
        net.forward(X[:, :, :1])
    with pytest.raises(ValueError, match="no windows uploaded"):
        net.forward()
    with pytest.raises(ValueError, match="X given without Y"):
        net.loss_and_grad(X)
    with pytest.raises(ValueError, match="shape"):
        net.to_device(params[:-1])


def test_check_device(monkeypatch):
    from tsrnn._cuda import _device

    assert check_device("cpu") == "cpu"
    assert check_device("cuda") == "cuda"
    assert check_device("auto") == ("cuda" if cuda_available() else "cpu")
    with pytest.raises(ValueError, match="device"):
        check_device("gpu")
    if simulator_enabled():
        assert not cuda_available()
        assert cuda_available(allow_simulator=True)
    monkeypatch.setattr(_device, "simulator_enabled", lambda: False)
    monkeypatch.setattr(_device, "_gpu_visible", lambda: False)
    assert check_device("auto") == "cpu"
    with pytest.raises(RuntimeError, match="CUDA.*NVIDIA driver"):
        check_device("cuda")


def test_import_tsrnn_does_not_import_numba_cuda():
    code = (
        "import sys, tsrnn, tsrnn._cuda as c; c.check_device('cpu'); "
        "assert 'numba.cuda' not in sys.modules, 'numba.cuda imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_estimator_trains_on_cuda_and_predicts_on_cpu(tmp_path):
    """device="cuda" fits like the CPU (same seed, same steps) and the model moves freely."""
    import pandas as pd

    from tsrnn import RNNForecaster

    t = np.arange(40.0)
    y = pd.Series(10 + np.sin(2 * np.pi * t / 6), index=pd.RangeIndex(40))
    kw = dict(cell="gru", hidden_size=4, window=6, horizon=2, batch_size=8, max_epochs=2,
              early_stopping=False, random_state=0)  # fmt: skip
    gpu = RNNForecaster(device="cuda", **kw).fit(y)
    cpu = RNNForecaster(device="cpu", **kw).fit(y)
    assert gpu.t_ == cpu.t_ > 0
    assert gpu.optimizer_.t == cpu.optimizer_.t
    # Adam moves a weight by about the learning rate whatever the size of its gradient, so
    # float32 rounding can flip tiny gradients: compare to a fraction of a step (lr = 1e-3)
    np.testing.assert_allclose(gpu.params_, cpu.params_, rtol=0, atol=2e-3)
    np.testing.assert_allclose(gpu.predict(), cpu.predict(), rtol=1e-3)
    # saved after GPU training, loaded and used on the CPU
    gpu.save(tmp_path / "m.tsrnn")
    back = RNNForecaster.load(tmp_path / "m.tsrnn").set_params(device="cpu")
    np.testing.assert_array_equal(back.predict(), gpu.predict())
    back.partial_fit(y)  # and fine-tuned there
    assert back.t_ == gpu.t_ + 5


def test_estimator_with_covariates_and_quantiles_on_cuda():
    """Head features (covariates and the window's last values) and pinball outputs train on
    the device like the CPU."""
    import pandas as pd

    from tsrnn import RNNForecaster

    t = np.arange(48.0)
    index = pd.date_range("2024-01-01", periods=48, freq="h")
    promo = pd.DataFrame({"promo": (t % 5 == 0).astype(float)}, index=index)
    y = pd.Series(10 + np.sin(2 * np.pi * t / 6) + 2 * promo["promo"].to_numpy(), index=index)
    kw = dict(cell="gru", hidden_size=4, window=6, horizon=2, batch_size=8, max_epochs=2,
              early_stopping=False, random_state=0, quantiles=(0.2, 0.8),
              linear_lags=3)  # fmt: skip
    gpu = RNNForecaster(device="cuda", **kw).fit(y[:44], covariates=promo[:44])
    cpu = RNNForecaster(device="cpu", **kw).fit(y[:44], covariates=promo[:44])
    assert gpu.spec_.n_head_features > 3
    np.testing.assert_allclose(gpu.params_, cpu.params_, rtol=0, atol=2e-3)
    np.testing.assert_allclose(
        gpu.predict_quantiles(covariates=promo, quantiles=(0.2, 0.8)),
        cpu.predict_quantiles(covariates=promo, quantiles=(0.2, 0.8)),
        rtol=1e-3,
    )


def test_average_of_the_weights_matches_cpu():
    """The moving average of the weights (``ema_momentum``) on the device, as on the CPU."""
    from tsrnn._devices import make_trainer

    spec, params, X, Y = problem("gru", 1, seed=6)
    args = (spec, params, X, Y, "mse", 1.0)
    gpu = make_trainer("cuda", args[0], args[1], Adam(1e-2), *args[2:], average=0.6)
    cpu = make_trainer("cpu", args[0], args[1], Adam(1e-2), *args[2:], average=0.6)
    for idx in ([0, 1, 2], [1, 3, 4], [0, 2, 4]):
        gpu.step(np.array(idx))
        cpu.step(np.array(idx))
    assert_close(gpu.params(), cpu.params(), 1e-4)
    rows = np.arange(BATCH)
    assert_close(gpu.predict(rows), cpu.predict(rows), 1e-4)
    assert not np.allclose(gpu.net.get_params(), gpu.params())  # raw weights differ
    weights = gpu.finish()
    assert_close(weights, cpu.params(), 1e-4)
    assert gpu.optimizer.t == 3  # the state came back from the device


@pytest.mark.parametrize("bad", ["inf_gradient", "nan_gradient", "overflowing_update"])
def test_a_refused_step_changes_nothing(bad):
    """As on the CPU: a gradient with an infinite or NaN entry, or an update whose moments
    overflow, is refused; the weights, the moments and the step count stay as they were,
    and the trainer reports the step as NaN even though its loss was finite."""
    from tsrnn._devices import make_trainer

    spec, params, X, Y = problem("gru", 1, seed=8)
    trainer = make_trainer("cuda", spec, params, Adam(1e-2), X, Y, "mse", None)
    trainer.step(np.arange(BATCH))  # a normal step first: the moments are not zero
    net = trainer.net
    before, state = net.get_params(), net.get_optimizer_state()
    grad = np.full(spec.n_params, 1e30, np.float32)  # squared: beyond float32
    if bad != "overflowing_update":
        grad[3] = np.inf if bad == "inf_gradient" else np.nan
    net.loss_and_grad = lambda **kw: (1.0, cn.cuda.to_device(grad))
    assert np.isnan(trainer.step(np.arange(BATCH)))
    np.testing.assert_array_equal(net.get_params(), before)
    after = net.get_optimizer_state()
    assert after["t"] == state["t"]
    np.testing.assert_array_equal(after["m"], state["m"])
    np.testing.assert_array_equal(after["v"], state["v"])
    # and the next good step is taken from there, as the CPU takes it
    del net.loss_and_grad
    cpu = make_trainer("cpu", spec, before, Adam(1e-2), X, Y, "mse", None)
    cpu.optimizer.set_state(state)
    assert trainer.step(np.arange(BATCH)) == pytest.approx(cpu.step(np.arange(BATCH)), rel=1e-5)
    assert_close(net.get_params(), cpu.params(), 1e-5)
