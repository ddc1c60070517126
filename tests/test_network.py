"""Tests of the compiled network kernels against the NumPy reference in ``naive.py``."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import naive
import numpy as np
import pytest

from tsrnn._network import NetworkSpec, forward, forward_many, loss_and_grad

CELLS = ("lstm", "gru", "rnn")
LAYERS = (1, 2, 3)
LOSSES = ("mse", "mae")
DTYPES = (np.float32, np.float64)
RTOL = {np.float32: 1e-4, np.float64: 1e-10}

# Small shapes for finite differences (all distinct, so a transposed block cannot pass).
FD_DIMS = {"n_features": 2, "hidden_size": 4, "n_outputs": 3}
FD_BATCH, FD_STEPS = 3, 5
FD_TOL = 1e-6

# Shapes for the comparisons with the reference (hidden size not a power of two).
DIMS = {"n_features": 3, "hidden_size": 5, "n_outputs": 2}
STEPS = 6

ROOT = Path(__file__).resolve().parents[1]


def dims_args(cell, dims, num_layers):
    """Positional model arguments of the functions in ``naive``."""
    return (cell, dims["n_features"], dims["hidden_size"], num_layers, dims["n_outputs"])


def make_problem(cell, num_layers, dims, batch, n_steps, dtype, seed):
    """Random parameters, inputs and targets of the given dtype."""
    rng = np.random.default_rng(seed)
    n = naive.n_params(*dims_args(cell, dims, num_layers), dims.get("n_head_features", 0))
    params = rng.normal(scale=0.5, size=n).astype(dtype)
    X = rng.normal(size=(batch, n_steps, dims["n_features"])).astype(dtype)
    Y = rng.normal(size=(batch, dims["n_outputs"])).astype(dtype)
    return params, X, Y


def make_head_features(dims, batch, dtype, seed):
    """Random head features Z of shape (batch, n_head_features)."""
    rng = np.random.default_rng(seed + 1000)
    return rng.normal(size=(batch, dims["n_head_features"])).astype(dtype)


def make_spec(cell, num_layers, dims):
    """The :class:`NetworkSpec` matching ``dims``."""
    return NetworkSpec(cell=cell, num_layers=num_layers, **dims)


def rel_err(actual, desired):
    """``max|actual - desired| / max|desired|`` (max norm, guarded against zero)."""
    actual = np.asarray(actual, dtype=np.float64)
    desired = np.asarray(desired, dtype=np.float64)
    scale = max(float(np.max(np.abs(desired))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(actual - desired))) / scale


def blockwise_rel_err(actual, desired, cell, dims, num_layers):
    """`rel_err` for every named parameter block of two flat gradients."""
    args = dims_args(cell, dims, num_layers) + (dims.get("n_head_features", 0),)
    a = naive.unpack(np.asarray(actual, dtype=np.float64), *args)
    d = naive.unpack(np.asarray(desired, dtype=np.float64), *args)
    return {name: rel_err(a[name], d[name]) for name in d}


def assert_blocks_close(actual, desired, cell, dims, num_layers, rtol):
    """Fail, naming every offending block, unless each block agrees to ``rtol``."""
    errors = blockwise_rel_err(actual, desired, cell, dims, num_layers)
    bad = {name: f"{err:.3e}" for name, err in errors.items() if not err <= rtol}
    assert not bad, f"blocks above relative error {rtol:g}: {bad}"


def loss_scale(yhat, Y, loss):
    """Magnitude against which a loss value is compared (no cancellation in it)."""
    return naive.loss_value_and_dyhat(yhat, Y, loss)[0]


def central_differences(loss_fn, params, eps=1e-5):
    """Gradient of ``loss_fn`` at ``params`` by central differences (float64)."""
    params = np.asarray(params, dtype=np.float64)
    grad = np.empty_like(params)
    for k in range(params.size):
        plus = params.copy()
        minus = params.copy()
        plus[k] += eps
        minus[k] -= eps
        grad[k] = (loss_fn(plus) - loss_fn(minus)) / (2.0 * eps)
    return grad


# ---------------------------------------------------------------------------------------------
# The reference itself
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
def test_naive_pack_unpack_roundtrip(cell):
    args = dims_args(cell, FD_DIMS, 2)
    n = naive.n_params(*args)
    params = np.arange(n, dtype=np.float64)
    blocks = naive.unpack(params, *args)
    assert list(blocks) == [name for name, _ in naive.param_shapes(*args)]
    for block in blocks.values():
        assert np.shares_memory(block, params)
    np.testing.assert_array_equal(naive.pack(blocks, *args), params)
    gates = naive.GATES[cell] * FD_DIMS["hidden_size"]
    assert blocks["W_ih_0"].shape == (gates, FD_DIMS["n_features"])
    assert blocks["W_ih_1"].shape == (gates, FD_DIMS["hidden_size"])
    assert blocks["b_out"].shape == (FD_DIMS["n_outputs"],)
    # Row-major layout: W_ih_0 is first, row by row.
    np.testing.assert_array_equal(blocks["W_ih_0"][1], np.arange(2, 4))


def _check_naive_gradient(cell, num_layers, loss, seed):
    params, X, Y = make_problem(cell, num_layers, FD_DIMS, FD_BATCH, FD_STEPS, np.float64, seed)
    args = dims_args(cell, FD_DIMS, num_layers)
    if loss == "mae":  # stay clear of the kink of |.|
        assert np.min(np.abs(naive.naive_forward(params, X, *args) - Y)) > 1e-3
    value, grad = naive.naive_loss_and_grad(params, X, Y, *args, loss=loss)
    assert value == pytest.approx(naive.naive_loss(params, X, Y, *args, loss=loss), rel=1e-14)
    grad_fd = central_differences(lambda p: naive.naive_loss(p, X, Y, *args, loss=loss), params)
    assert_blocks_close(grad, grad_fd, cell, FD_DIMS, num_layers, FD_TOL)


@pytest.mark.parametrize("num_layers", LAYERS)
@pytest.mark.parametrize("cell", CELLS)
def test_naive_gradient_matches_finite_differences(cell, num_layers):
    _check_naive_gradient(cell, num_layers, "mse", seed=10 + num_layers)


@pytest.mark.parametrize("cell", CELLS)
def test_naive_gradient_mae(cell):
    _check_naive_gradient(cell, 1, "mae", seed=20)


# ---------------------------------------------------------------------------------------------
# The kernels
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("num_layers", LAYERS)
@pytest.mark.parametrize("cell", CELLS)
def test_spec_layout_and_init(cell, num_layers):
    spec = make_spec(cell, num_layers, DIMS)
    assert spec.n_params == naive.n_params(*dims_args(cell, DIMS, num_layers))
    for dtype in DTYPES:
        params = spec.init_params(np.random.default_rng(0), dtype=dtype)
        assert params.shape == (spec.n_params,)
        assert params.dtype == dtype
        assert np.all(np.isfinite(params))
        again = spec.init_params(np.random.default_rng(0), dtype=dtype)
        np.testing.assert_array_equal(params, again)


@pytest.mark.parametrize("batch", (1, 7, 70))
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("dtype", DTYPES, ids=("float32", "float64"))
@pytest.mark.parametrize("num_layers", LAYERS)
@pytest.mark.parametrize("cell", CELLS)
def test_kernels_match_naive(cell, num_layers, dtype, loss, batch):
    params, X, Y = make_problem(cell, num_layers, DIMS, batch, STEPS, dtype, seed=batch)
    spec = make_spec(cell, num_layers, DIMS)
    args = dims_args(cell, DIMS, num_layers)
    rtol = RTOL[dtype]

    yhat_ref = naive.naive_forward(params, X, *args)
    yhat = forward(params, X, spec)
    assert yhat.shape == (batch, DIMS["n_outputs"])
    err = rel_err(yhat, yhat_ref)
    assert err <= rtol, f"forward relative error {err:.3e}"

    value_ref, grad_ref = naive.naive_loss_and_grad(params, X, Y, *args, loss=loss)
    value, grad = loss_and_grad(params, X, Y, spec, loss=loss)
    assert grad.shape == (spec.n_params,)
    value_err = abs(float(value) - value_ref) / loss_scale(yhat_ref, Y, loss)
    assert value_err <= rtol, f"loss {value!r} vs {value_ref!r}"
    assert_blocks_close(grad, grad_ref, cell, DIMS, num_layers, rtol)


@pytest.mark.parametrize("dtype", DTYPES, ids=("float32", "float64"))
@pytest.mark.parametrize("num_layers", LAYERS)
@pytest.mark.parametrize("cell", CELLS)
def test_kernels_match_naive_with_one_input(cell, num_layers, dtype):
    # a layer of one input sums its W_ih and bias gradients in one pass of its own
    dims = dict(DIMS, n_features=1)
    params, X, Y = make_problem(cell, num_layers, dims, 40, STEPS, dtype, seed=8)
    spec = make_spec(cell, num_layers, dims)
    args = dims_args(cell, dims, num_layers)
    value_ref, grad_ref = naive.naive_loss_and_grad(params, X, Y, *args, loss="mse")
    value, grad = loss_and_grad(params, X, Y, spec, loss="mse")
    assert float(value) == pytest.approx(value_ref, rel=RTOL[dtype])
    assert_blocks_close(grad, grad_ref, cell, dims, num_layers, RTOL[dtype])


@pytest.mark.parametrize("num_layers", LAYERS)
@pytest.mark.parametrize("cell", CELLS)
def test_kernel_gradient_matches_finite_differences(cell, num_layers):
    params, X, Y = make_problem(
        cell, num_layers, FD_DIMS, FD_BATCH, FD_STEPS, np.float64, seed=30 + num_layers
    )
    spec = make_spec(cell, num_layers, FD_DIMS)
    value, grad = loss_and_grad(params, X, Y, spec, loss="mse")

    def kernel_loss(p):
        # The loss of the kernels' own forward pass, so the gradient is checked against the
        # function that `forward` computes (and `forward` is the cheaper call).
        return naive.loss_value_and_dyhat(forward(p, X, spec), Y, "mse")[0]

    assert float(value) == pytest.approx(kernel_loss(params), rel=1e-12)
    grad_fd = central_differences(kernel_loss, params)
    assert_blocks_close(grad, grad_fd, cell, FD_DIMS, num_layers, FD_TOL)


# Head features: values per sequence that the dense head reads beside the last hidden state.
HEAD_DIMS = dict(DIMS, n_head_features=4)
FD_HEAD_DIMS = dict(FD_DIMS, n_head_features=2)


@pytest.mark.parametrize("cell", CELLS)
def test_naive_gradient_with_head_features(cell):
    params, X, Y = make_problem(cell, 2, FD_HEAD_DIMS, FD_BATCH, FD_STEPS, np.float64, seed=40)
    Z = make_head_features(FD_HEAD_DIMS, FD_BATCH, np.float64, seed=40)
    args = dims_args(cell, FD_HEAD_DIMS, 2)
    _, grad = naive.naive_loss_and_grad(params, X, Y, *args, Z=Z)
    grad_fd = central_differences(lambda p: naive.naive_loss(p, X, Y, *args, Z=Z), params)
    assert_blocks_close(grad, grad_fd, cell, FD_HEAD_DIMS, 2, FD_TOL)


@pytest.mark.parametrize("batch", (1, 70))
@pytest.mark.parametrize("dtype", DTYPES, ids=("float32", "float64"))
@pytest.mark.parametrize("num_layers", (1, 2))
@pytest.mark.parametrize("cell", CELLS)
def test_kernels_match_naive_with_head_features(cell, num_layers, dtype, batch):
    params, X, Y = make_problem(cell, num_layers, HEAD_DIMS, batch, STEPS, dtype, seed=batch)
    Z = make_head_features(HEAD_DIMS, batch, dtype, seed=batch)
    spec = make_spec(cell, num_layers, HEAD_DIMS)
    assert spec.n_params == params.size
    args = dims_args(cell, HEAD_DIMS, num_layers)
    rtol = RTOL[dtype]
    err = rel_err(forward(params, X, spec, Z=Z), naive.naive_forward(params, X, *args, Z=Z))
    assert err <= rtol, f"forward relative error {err:.3e}"
    value_ref, grad_ref = naive.naive_loss_and_grad(params, X, Y, *args, Z=Z)
    value, grad = loss_and_grad(params, X, Y, spec, Z=Z)
    assert abs(value - value_ref) <= rtol * abs(value_ref)
    assert_blocks_close(grad, grad_ref, cell, HEAD_DIMS, num_layers, rtol)


@pytest.mark.parametrize("cell", CELLS)
def test_kernel_gradient_with_head_features_matches_finite_differences(cell):
    params, X, Y = make_problem(cell, 2, FD_HEAD_DIMS, FD_BATCH, FD_STEPS, np.float64, seed=41)
    Z = make_head_features(FD_HEAD_DIMS, FD_BATCH, np.float64, seed=41)
    spec = make_spec(cell, 2, FD_HEAD_DIMS)
    _, grad = loss_and_grad(params, X, Y, spec, Z=Z)
    grad_fd = central_differences(
        lambda p: naive.loss_value_and_dyhat(forward(p, X, spec, Z=Z), Y, "mse")[0], params
    )
    assert_blocks_close(grad, grad_fd, cell, FD_HEAD_DIMS, 2, FD_TOL)


def test_head_features_are_checked():
    spec = make_spec("gru", 1, HEAD_DIMS)
    params, X, Y = make_problem("gru", 1, HEAD_DIMS, 3, STEPS, np.float64, seed=0)
    with pytest.raises(ValueError, match="head features"):
        forward(params, X, spec)
    with pytest.raises(ValueError, match="Z has shape"):
        loss_and_grad(params, X, Y, spec, Z=np.zeros((3, 5)))


@pytest.mark.parametrize("dtype", DTYPES, ids=("float32", "float64"))
@pytest.mark.parametrize("cell", CELLS)
def test_dtype_preserved_and_inputs_untouched(cell, dtype):
    params, X, Y = make_problem(cell, 2, DIMS, 9, STEPS, dtype, seed=4)
    copies = (params.copy(), X.copy(), Y.copy())
    spec = make_spec(cell, 2, DIMS)
    yhat = forward(params, X, spec)
    value, grad = loss_and_grad(params, X, Y, spec, loss="mse")
    assert yhat.dtype == dtype
    assert grad.dtype == dtype
    assert np.isfinite(value)
    for before, after in zip(copies, (params, X, Y), strict=True):
        np.testing.assert_array_equal(before, after)
    # Repeated calls are bit-for-bit reproducible.
    np.testing.assert_array_equal(forward(params, X, spec), yhat)
    value2, grad2 = loss_and_grad(params, X, Y, spec, loss="mse")
    assert value2 == value
    np.testing.assert_array_equal(grad2, grad)


@pytest.mark.parametrize("cell", CELLS)
def test_single_time_step(cell):
    params, X, Y = make_problem(cell, 2, DIMS, 5, 1, np.float64, seed=5)
    spec = make_spec(cell, 2, DIMS)
    args = dims_args(cell, DIMS, 2)
    assert rel_err(forward(params, X, spec), naive.naive_forward(params, X, *args)) <= 1e-10
    _, grad = loss_and_grad(params, X, Y, spec, loss="mse")
    _, grad_ref = naive.naive_loss_and_grad(params, X, Y, *args, loss="mse")
    # With one step W_hh receives no gradient (h_0 = 0), so compare absolutely there.
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES, ids=("float32", "float64"))
@pytest.mark.parametrize("cell", CELLS)
def test_small_batches_match_naive(cell, dtype):
    """Batches of 1-5 windows: below four sequences the forward pass multiplies by the
    weights as stored, from four on by transposed copies; each window's forecast must not
    depend on which path ran."""
    params, X, _ = make_problem(cell, 2, DIMS, 5, STEPS, dtype, seed=11)
    spec = make_spec(cell, 2, DIMS)
    ref = naive.naive_forward(params, X, *dims_args(cell, DIMS, 2))
    for batch in range(1, 6):
        err = rel_err(forward(params, X[:batch], spec), ref[:batch])
        assert err <= RTOL[dtype], f"batch {batch}: relative error {err:.3e}"


@pytest.mark.parametrize("sizes", [(1, 1), (3, 2, 5), (1, 40), (40, 33)])
@pytest.mark.parametrize("cell", CELLS)
def test_forward_many_gives_each_batch_what_forward_gives_it(cell, sizes):
    """Batches of different window lengths at once: batches of one chunk each, no more of
    them than threads, run side by side ((1, 1); (3, 2, 5) too with 3 threads or more),
    the others one after the other; either way each batch's outputs are those of its own
    forward call, bit for bit."""
    spec = make_spec(cell, 2, DIMS)
    batches = []
    for i, n in enumerate(sizes):
        params, X, _ = make_problem(cell, 2, DIMS, n, STEPS + 3 * i, np.float32, seed=i)
        batches.append((X, None))
    outs = forward_many(params, batches, spec)
    assert len(outs) == len(sizes)
    for (X, _), out in zip(batches, outs, strict=True):
        np.testing.assert_array_equal(out, forward(params, X, spec))


_THREAD_SCRIPT = textwrap.dedent(
    """
    import sys

    import numpy as np

    from tsrnn._network import NetworkSpec, forward, forward_many, loss_and_grad

    out = sys.argv[1]
    for cell in ("lstm", "gru", "rnn"):
        spec = NetworkSpec(cell=cell, n_features=3, hidden_size=5, num_layers=2, n_outputs=2)
        rng = np.random.default_rng(7)
        params = spec.init_params(rng, dtype=np.float32)
        X = rng.normal(size=(100, 8, 3)).astype(np.float32)
        Y = rng.normal(size=(100, 2)).astype(np.float32)
        value, grad = loss_and_grad(params, X, Y, spec, loss="mse")
        np.save(f"{out}/{cell}_yhat.npy", forward(params, X, spec))
        np.save(f"{out}/{cell}_loss.npy", np.asarray(value))
        np.save(f"{out}/{cell}_grad.npy", grad)
    """
)


def test_results_independent_of_thread_count(tmp_path):
    script = tmp_path / "run_kernels.py"
    script.write_text(_THREAD_SCRIPT)
    procs = {}
    for threads in (1, 2):
        out = tmp_path / f"threads{threads}"
        out.mkdir()
        env = dict(os.environ)
        env["NUMBA_NUM_THREADS"] = str(threads)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        procs[threads] = subprocess.Popen(
            [sys.executable, str(script), str(out)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    for threads, proc in procs.items():
        output, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"NUMBA_NUM_THREADS={threads} failed:\n{output}"
    for cell in CELLS:
        for what in ("yhat", "loss", "grad"):
            one = np.load(tmp_path / "threads1" / f"{cell}_{what}.npy")
            two = np.load(tmp_path / "threads2" / f"{cell}_{what}.npy")
            assert one.dtype == two.dtype
            assert np.array_equal(one, two), f"{cell} {what} depends on the thread count"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("batch", [3, 70])  # one chunk; several, on every thread
def test_loss_and_grad_hands_back_the_outputs_of_its_forward_pass(cell, batch):
    rng = np.random.default_rng(5)
    spec = NetworkSpec(cell, 2, 6, 2, 3, 1)
    params = spec.init_params(rng)
    X = rng.standard_normal((batch, 9, 2)).astype(np.float32)
    Y = rng.standard_normal((batch, 3)).astype(np.float32)
    Z = rng.standard_normal((batch, 1)).astype(np.float32)
    outputs = np.full((batch, 3), np.nan, dtype=np.float32)
    loss, grad = loss_and_grad(params, X, Y, spec, Z=Z, outputs=outputs)
    np.testing.assert_allclose(outputs, forward(params, X, spec, Z), rtol=1e-5, atol=1e-6)
    same_loss, same_grad = loss_and_grad(params, X, Y, spec, Z=Z)  # nothing else changes
    assert loss == same_loss
    np.testing.assert_array_equal(grad, same_grad)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_narrow_networks_take_chunks_of_one_small_product_per_step(cell, monkeypatch):
    from tsrnn import _config
    from tsrnn._network import _step_rows, chunk_size_for

    for hidden, chunk in ((32, 32), (64, 32), (96, 16), (128, 16)):
        spec = NetworkSpec(cell, 1, hidden, 1, 1)
        assert chunk_size_for(256, spec) == chunk
        assert (chunk == 32) == (_step_rows(spec) >= 32)
    spec = NetworkSpec(cell, 1, 64, 1, 1)
    assert chunk_size_for(64, spec) == 16  # still at least CPU_MIN_CHUNKS chunks
    rng = np.random.default_rng(7)
    params = spec.init_params(rng)
    X = rng.standard_normal((100, 12, 1)).astype(np.float32)
    Y = rng.standard_normal((100, 1)).astype(np.float32)
    by_32 = forward(params, X, spec), *loss_and_grad(params, X, Y, spec)
    monkeypatch.setattr(_config, "CPU_NARROW_CHUNK_SIZE", 10**9)
    assert chunk_size_for(100, spec) == 16
    by_16 = forward(params, X, spec), *loss_and_grad(params, X, Y, spec)
    np.testing.assert_array_equal(by_32[0], by_16[0])  # a row's output: not the cut's
    np.testing.assert_allclose(by_32[1], by_16[1], rtol=1e-6)
    np.testing.assert_allclose(by_32[2], by_16[2], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_wide_networks_take_larger_chunks_and_whole_step_products(cell, monkeypatch):
    from tsrnn import _config
    from tsrnn._network import _step_rows, chunk_size_for

    rng = np.random.default_rng(6)
    spec = NetworkSpec(cell, 2, 6, 2, 3, 1)
    params = spec.init_params(rng)
    X = rng.standard_normal((70, 9, 2)).astype(np.float32)
    Y = rng.standard_normal((70, 3)).astype(np.float32)
    Z = rng.standard_normal((70, 1)).astype(np.float32)
    monkeypatch.setattr(_config, "CPU_NARROW_CHUNK_SIZE", 10**9)  # chunks of 16
    narrow = forward(params, X, spec, Z), *loss_and_grad(params, X, Y, spec, Z=Z)
    assert chunk_size_for(70, spec) == 16
    assert _step_rows(spec) == _config.CPU_SMALL_GEMM // (spec.gates * 6 * 6)
    monkeypatch.setattr(_config, "CPU_MIN_STEP_ROWS", 10**9)  # every network is wide
    monkeypatch.setattr(_config, "CPU_WIDE_CHUNK_SIZE", 32)
    assert chunk_size_for(70, spec) == 18 and _step_rows(spec) > 70  # at least 4 chunks
    assert chunk_size_for(1000, spec) == 32
    wide = forward(params, X, spec, Z), *loss_and_grad(params, X, Y, spec, Z=Z)
    np.testing.assert_allclose(wide[0], narrow[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(wide[1], narrow[1], rtol=1e-5)
    np.testing.assert_allclose(wide[2], narrow[2], rtol=1e-4, atol=1e-6)
    _, ref_grad = naive.naive_loss_and_grad(params, X, Y, cell, 2, 6, 2, 3, Z=Z)
    np.testing.assert_allclose(wide[2], ref_grad, rtol=1e-3, atol=1e-5)


def test_transposed_keeps_its_copy_only_while_the_weights_are_the_same(monkeypatch):
    from tsrnn import _config, _network

    rng = np.random.default_rng(7)
    spec = NetworkSpec("gru", 2, 5, 2, 3, 1)
    params = spec.init_params(rng)
    fresh = _network.transposed(params, spec)
    kept = _network.transposed(params, spec, keep=True)
    np.testing.assert_array_equal(kept, fresh)
    assert _network.transposed(params.copy(), spec, keep=True) is kept  # same bits
    assert _network.transposed(params, spec) is not kept  # keep=False never reuses

    changed = params.copy()
    changed[np.flatnonzero(changed == changed)[-1]] = 0.0
    changed[-1] = -0.0  # a sign of zero is a change of bits
    again = _network.transposed(changed, spec, keep=True)
    assert again is not kept
    np.testing.assert_array_equal(again, _network.transposed(changed, spec))
    params[0] += 1.0  # written in place: the copy it was kept with tells
    np.testing.assert_array_equal(_network.transposed(params, spec, keep=True),
                                  _network.transposed(params, spec))  # fmt: skip

    other = NetworkSpec("gru", 3, 5, 2, 1, 0)  # another layout of as many weights
    assert other.n_params == spec.n_params
    np.testing.assert_array_equal(_network.transposed(params, other, keep=True),
                                  _network.transposed(params, other))  # fmt: skip
    assert _network.transposed(params.astype(np.float64), spec, keep=True).dtype == np.float64

    monkeypatch.setattr(_config, "CPU_KEEP_TRANSPOSED", params.size - 1)
    big = _network.transposed(params, spec, keep=True)
    assert _network.transposed(params, spec, keep=True) is not big  # too large to keep


def test_a_prediction_follows_weights_changed_in_place():
    from tsrnn import RNNForecaster

    y = np.sin(np.arange(200) / 5.0) + np.arange(200) / 100
    model = RNNForecaster(window=12, horizon=3, hidden_size=8, max_epochs=2,
                          random_state=0).fit(y)  # fmt: skip
    before = model.predict()
    model.params_ *= 0.5
    after = model.predict()
    assert not np.allclose(before, after)
    model.params_ *= 2.0
    np.testing.assert_array_equal(model.predict(), before)
