"""Parity with ``torch.nn.LSTM`` / ``GRU`` / ``RNN`` plus an ``nn.Linear`` head.

The NumPy reference (``naive.py``) and the compiled kernels are compared with PyTorch
separately, so that a failure points at the right place.
"""

import naive
import numpy as np
import pytest

torch = pytest.importorskip("torch")

CELLS = ("lstm", "gru", "rnn")
TORCH_CLASSES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
DIMS = {"n_features": 3, "hidden_size": 5, "n_outputs": 2}
BATCH, STEPS = 33, 6
TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64}
# (rtol, atol relative to the largest magnitude of the block compared).
TOLERANCES = {np.float32: (1e-4, 1e-5), np.float64: (1e-10, 1e-12)}


def dims_args(cell, num_layers):
    """Positional model arguments of the functions in ``naive``."""
    return (cell, DIMS["n_features"], DIMS["hidden_size"], num_layers, DIMS["n_outputs"])


def make_problem(cell, num_layers, dtype, seed):
    """Random parameters, inputs and targets of the given dtype."""
    rng = np.random.default_rng(seed)
    params = rng.normal(scale=0.5, size=naive.n_params(*dims_args(cell, num_layers)))
    X = rng.normal(size=(BATCH, STEPS, DIMS["n_features"]))
    Y = rng.normal(size=(BATCH, DIMS["n_outputs"]))
    return params.astype(dtype), X.astype(dtype), Y.astype(dtype)


def torch_model(params, cell, num_layers):
    """Build the torch recurrent module and head holding the flat parameters ``params``."""
    dtype = TORCH_DTYPES[params.dtype.type]
    rnn = getattr(torch.nn, TORCH_CLASSES[cell])(
        input_size=DIMS["n_features"],
        hidden_size=DIMS["hidden_size"],
        num_layers=num_layers,
        batch_first=True,
        dtype=dtype,
    )
    head = torch.nn.Linear(DIMS["hidden_size"], DIMS["n_outputs"], dtype=dtype)
    blocks = naive.unpack(params, *dims_args(cell, num_layers))
    targets = {"W_out": head.weight, "b_out": head.bias}
    for layer in range(num_layers):
        targets[f"W_ih_{layer}"] = getattr(rnn, f"weight_ih_l{layer}")
        targets[f"W_hh_{layer}"] = getattr(rnn, f"weight_hh_l{layer}")
        targets[f"b_ih_{layer}"] = getattr(rnn, f"bias_ih_l{layer}")
        targets[f"b_hh_{layer}"] = getattr(rnn, f"bias_hh_l{layer}")
    assert set(targets) == set(blocks)
    with torch.no_grad():
        for name, tensor in targets.items():
            assert tuple(tensor.shape) == blocks[name].shape, name
            tensor.copy_(torch.from_numpy(np.ascontiguousarray(blocks[name])))
    return rnn, head, targets


def torch_loss_and_grad(params, X, Y, cell, num_layers, loss):
    """Predictions, loss and flat parameter gradient computed by torch."""
    rnn, head, targets = torch_model(params, cell, num_layers)
    out, _ = rnn(torch.from_numpy(X))
    yhat = head(out[:, -1, :])
    y = torch.from_numpy(Y)
    if loss == "mse":
        value = torch.nn.functional.mse_loss(yhat, y)
    else:
        value = torch.nn.functional.l1_loss(yhat, y)
    value.backward()
    grads = {name: tensor.grad.numpy() for name, tensor in targets.items()}
    grad = naive.pack(grads, *dims_args(cell, num_layers))
    return yhat.detach().numpy(), float(value.item()), grad


def assert_close(actual, desired, dtype, what):
    """Element-wise comparison with an absolute floor scaled by the largest value."""
    rtol, atol = TOLERANCES[dtype]
    desired = np.asarray(desired, dtype=np.float64)
    scale = max(float(np.max(np.abs(desired))), 1.0)
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64), desired, rtol=rtol, atol=atol * scale, err_msg=what
    )


def assert_grads_close(actual, desired, cell, num_layers, dtype):
    """`assert_close` block by block, naming the block on failure."""
    args = dims_args(cell, num_layers)
    a = naive.unpack(np.asarray(actual, dtype=np.float64), *args)
    d = naive.unpack(np.asarray(desired, dtype=np.float64), *args)
    for name in d:
        assert_close(a[name], d[name], dtype, f"gradient block {name}")


@pytest.mark.parametrize("loss", ("mse", "mae"))
@pytest.mark.parametrize("num_layers", (1, 2))
@pytest.mark.parametrize("cell", CELLS)
def test_naive_matches_torch(cell, num_layers, loss):
    params, X, Y = make_problem(cell, num_layers, np.float64, seed=num_layers)
    args = dims_args(cell, num_layers)
    yhat_t, value_t, grad_t = torch_loss_and_grad(params, X, Y, cell, num_layers, loss)
    assert_close(naive.naive_forward(params, X, *args), yhat_t, np.float64, "forward")
    value, grad = naive.naive_loss_and_grad(params, X, Y, *args, loss=loss)
    assert value == pytest.approx(value_t, rel=1e-10, abs=1e-12)
    assert_grads_close(grad, grad_t, cell, num_layers, np.float64)


@pytest.mark.parametrize("dtype", (np.float32, np.float64), ids=("float32", "float64"))
@pytest.mark.parametrize("num_layers", (1, 2))
@pytest.mark.parametrize("cell", CELLS)
def test_kernels_match_torch(cell, num_layers, dtype):
    from tsrnn._network import NetworkSpec, forward, loss_and_grad

    params, X, Y = make_problem(cell, num_layers, dtype, seed=10 + num_layers)
    spec = NetworkSpec(cell=cell, num_layers=num_layers, **DIMS)
    yhat_t, value_t, grad_t = torch_loss_and_grad(params, X, Y, cell, num_layers, "mse")
    yhat = forward(params, X, spec)
    assert yhat.dtype == dtype
    assert_close(yhat, yhat_t, dtype, "forward")
    value, grad = loss_and_grad(params, X, Y, spec, loss="mse")
    assert grad.dtype == dtype
    rtol, _ = TOLERANCES[dtype]
    assert float(value) == pytest.approx(value_t, rel=rtol)
    assert_grads_close(grad, grad_t, cell, num_layers, dtype)
