"""Slow, loop-based NumPy reference implementation of the recurrent forecaster.

This module is deliberately written for clarity rather than speed.  It is the
ground truth that the compiled kernels in :mod:`tsrnn._chunks` are tested
against, and it is itself checked against finite differences and against
PyTorch.  All arithmetic is carried out in float64, whatever the dtype of the
parameters passed in.

The equations and the gate order follow PyTorch (``torch.nn.LSTM``,
``torch.nn.GRU`` and ``torch.nn.RNN`` with ``tanh``), so that weights are
interchangeable.  The flat parameter vector holds, for each layer in order,
``W_ih`` (G*H, F_l), ``W_hh`` (G*H, H), ``b_ih`` (G*H,), ``b_hh`` (G*H,), and
then the dense head ``W_out`` (O, H + E) and ``b_out`` (O,). The head reads the
last hidden state of the top layer followed by ``E`` head features per sequence
(``Z``, of shape (B, E); E = 0 when no ``Z`` is given).
"""

import numpy as np

GATES = {"lstm": 4, "gru": 3, "rnn": 1}
LOSSES = ("mse", "mae")


def param_shapes(cell, n_features, hidden_size, num_layers, n_outputs, n_head_features=0):
    """List the named parameter blocks in their order in the flat vector.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
        Recurrent cell type.
    n_features : int
        Number of input features of the first layer.
    hidden_size : int
        Number of hidden units of every layer.
    num_layers : int
        Number of stacked recurrent layers.
    n_outputs : int
        Number of values produced by the dense head.
    n_head_features : int, default=0
        Features per sequence the head reads after the last hidden state.

    Returns
    -------
    list of (str, tuple of int)
        Block names (``"W_ih_0"``, ``"W_hh_0"``, ``"b_ih_0"``, ``"b_hh_0"``,
        ..., ``"W_out"``, ``"b_out"``) with their shapes.
    """
    if cell not in GATES:
        raise ValueError(f"unknown cell {cell!r}")
    gh = GATES[cell] * hidden_size
    shapes = []
    for layer in range(num_layers):
        n_in = n_features if layer == 0 else hidden_size
        shapes.append((f"W_ih_{layer}", (gh, n_in)))
        shapes.append((f"W_hh_{layer}", (gh, hidden_size)))
        shapes.append((f"b_ih_{layer}", (gh,)))
        shapes.append((f"b_hh_{layer}", (gh,)))
    shapes.append(("W_out", (n_outputs, hidden_size + n_head_features)))
    shapes.append(("b_out", (n_outputs,)))
    return shapes


def n_params(cell, n_features, hidden_size, num_layers, n_outputs, n_head_features=0):
    """Return the length of the flat parameter vector.

    Parameters
    ----------
    cell, n_features, hidden_size, num_layers, n_outputs, n_head_features
        See :func:`param_shapes`.

    Returns
    -------
    int
        Total number of parameters.
    """
    shapes = param_shapes(cell, n_features, hidden_size, num_layers, n_outputs, n_head_features)
    return sum(int(np.prod(shape)) for _, shape in shapes)


def unpack(params, cell, n_features, hidden_size, num_layers, n_outputs, n_head_features=0):
    """Split a flat parameter vector into named blocks.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        Flat parameter vector.
    cell, n_features, hidden_size, num_layers, n_outputs, n_head_features
        See :func:`param_shapes`.

    Returns
    -------
    dict of str to ndarray
        Views into ``params``, keyed as in :func:`param_shapes` and in the
        same order.
    """
    params = np.asarray(params)
    shapes = param_shapes(cell, n_features, hidden_size, num_layers, n_outputs, n_head_features)
    total = sum(int(np.prod(shape)) for _, shape in shapes)
    if params.shape != (total,):
        raise ValueError(f"expected a flat vector of {total} parameters, got {params.shape}")
    blocks = {}
    start = 0
    for name, shape in shapes:
        size = int(np.prod(shape))
        blocks[name] = params[start : start + size].reshape(shape)
        start += size
    return blocks


def pack(
    blocks, cell, n_features, hidden_size, num_layers, n_outputs, dtype=None, n_head_features=0
):
    """Concatenate named blocks into a flat parameter vector (inverse of `unpack`).

    Parameters
    ----------
    blocks : dict of str to array_like
        Parameter blocks keyed as in :func:`param_shapes`.
    cell, n_features, hidden_size, num_layers, n_outputs
        See :func:`param_shapes`.
    dtype : dtype, optional
        Dtype of the result; by default the common dtype of the blocks.
    n_head_features : int, default=0
        See :func:`param_shapes`.

    Returns
    -------
    ndarray of shape (n_params,)
        Flat parameter vector.
    """
    shapes = param_shapes(cell, n_features, hidden_size, num_layers, n_outputs, n_head_features)
    pieces = []
    for name, shape in shapes:
        block = np.asarray(blocks[name])
        if block.shape != shape:
            raise ValueError(f"block {name} has shape {block.shape}, expected {shape}")
        pieces.append(block.ravel())
    flat = np.concatenate(pieces)
    return flat if dtype is None else flat.astype(dtype)


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _cell_step(cell, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """Advance one cell by one time step and return the new state and a cache."""
    hs = h.shape[1]
    gi = x @ w_ih.T + b_ih  # input-side pre-activations, (B, G*H)
    gh = h @ w_hh.T + b_hh  # hidden-side pre-activations, (B, G*H)
    if cell == "lstm":
        a = gi + gh
        i = _sigmoid(a[:, 0 * hs : 1 * hs])
        f = _sigmoid(a[:, 1 * hs : 2 * hs])
        g = np.tanh(a[:, 2 * hs : 3 * hs])
        o = _sigmoid(a[:, 3 * hs : 4 * hs])
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        cache = {"i": i, "f": f, "g": g, "o": o, "tanh_c": tanh_c}
    elif cell == "gru":
        r = _sigmoid(gi[:, 0 * hs : 1 * hs] + gh[:, 0 * hs : 1 * hs])
        z = _sigmoid(gi[:, 1 * hs : 2 * hs] + gh[:, 1 * hs : 2 * hs])
        hn = gh[:, 2 * hs : 3 * hs]  # W_hn h + b_hn
        n = np.tanh(gi[:, 2 * hs : 3 * hs] + r * hn)
        h_new = (1.0 - z) * n + z * h
        c_new = c
        cache = {"r": r, "z": z, "n": n, "hn": hn}
    else:
        h_new = np.tanh(gi + gh)
        c_new = c
        cache = {}
    cache["x"] = x
    cache["h_prev"] = h
    cache["c_prev"] = c
    cache["h"] = h_new
    return h_new, c_new, cache


def _cell_step_backward(cell, dh, dc, cache, w_ih, w_hh):
    """Back-propagate through one time step of one cell.

    Returns the gradients with respect to the input, the previous hidden
    state, the previous cell state and the pre-activations on the input and
    the hidden side (the latter two give the weight and bias gradients).
    """
    if cell == "lstm":
        i, f, g, o, tanh_c = cache["i"], cache["f"], cache["g"], cache["o"], cache["tanh_c"]
        d_o = dh * tanh_c
        dc = dc + dh * o * (1.0 - tanh_c**2)
        d_i = dc * g
        d_f = dc * cache["c_prev"]
        d_g = dc * i
        dc_prev = dc * f
        da = np.concatenate(
            [d_i * i * (1.0 - i), d_f * f * (1.0 - f), d_g * (1.0 - g**2), d_o * o * (1.0 - o)],
            axis=1,
        )
        dgi = da
        dgh = da
    elif cell == "gru":
        r, z, n, hn = cache["r"], cache["z"], cache["n"], cache["hn"]
        d_n = dh * (1.0 - z)
        d_z = dh * (cache["h_prev"] - n)
        dh_direct = dh * z
        da_n = d_n * (1.0 - n**2)
        d_r = da_n * hn
        da_r = d_r * r * (1.0 - r)
        da_z = d_z * z * (1.0 - z)
        dgi = np.concatenate([da_r, da_z, da_n], axis=1)
        dgh = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dc_prev = dc
    else:
        da = dh * (1.0 - cache["h"] ** 2)
        dgi = da
        dgh = da
        dc_prev = dc
    dx = dgi @ w_ih
    dh_prev = dgh @ w_hh
    if cell == "gru":
        dh_prev = dh_prev + dh_direct
    return dx, dh_prev, dc_prev, dgi, dgh


def _forward_with_caches(blocks, X, cell, hidden_size, num_layers):
    """Run the stacked recurrent layers and keep every intermediate."""
    batch, n_steps, _ = X.shape
    caches = []  # caches[layer][t]
    seq = [X[:, t, :] for t in range(n_steps)]
    for layer in range(num_layers):
        w_ih = blocks[f"W_ih_{layer}"]
        w_hh = blocks[f"W_hh_{layer}"]
        b_ih = blocks[f"b_ih_{layer}"]
        b_hh = blocks[f"b_hh_{layer}"]
        h = np.zeros((batch, hidden_size))
        c = np.zeros((batch, hidden_size))
        layer_caches = []
        outputs = []
        for t in range(n_steps):
            h, c, cache = _cell_step(cell, seq[t], h, c, w_ih, w_hh, b_ih, b_hh)
            layer_caches.append(cache)
            outputs.append(h)
        caches.append(layer_caches)
        seq = outputs
    return seq[-1], caches


def _as_float64_blocks(params, X, Z, cell, n_features, hidden_size, num_layers, n_outputs):
    params = np.asarray(params, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3 or X.shape[2] != n_features:
        raise ValueError(f"X must have shape (B, T, {n_features}), got {X.shape}")
    Z = np.zeros((X.shape[0], 0)) if Z is None else np.asarray(Z, dtype=np.float64)
    blocks = unpack(params, cell, n_features, hidden_size, num_layers, n_outputs, Z.shape[1])
    return params, X, Z, blocks


def naive_forward(params, X, cell, n_features, hidden_size, num_layers, n_outputs, Z=None):
    """Predict with the reference model.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        Flat parameter vector.
    X : ndarray of shape (B, T, n_features)
        Input windows.
    cell, n_features, hidden_size, num_layers, n_outputs
        See :func:`param_shapes`.
    Z : ndarray of shape (B, E), optional
        Head features (E = ``n_head_features`` of the parameter layout).

    Returns
    -------
    ndarray of shape (B, n_outputs), float64
        ``W_out [h_T, z] + b_out`` for the last hidden state of the top layer.
    """
    _, X, Z, blocks = _as_float64_blocks(
        params, X, Z, cell, n_features, hidden_size, num_layers, n_outputs
    )
    h_last, _ = _forward_with_caches(blocks, X, cell, hidden_size, num_layers)
    return np.hstack([h_last, Z]) @ blocks["W_out"].T + blocks["b_out"]


def loss_value_and_dyhat(yhat, Y, loss):
    """Evaluate a loss and its gradient with respect to the predictions.

    Parameters
    ----------
    yhat : ndarray of shape (B, O)
        Predictions.
    Y : ndarray of shape (B, O)
        Targets.
    loss : {"mse", "mae"}
        Means over all ``B * O`` elements.

    Returns
    -------
    value : float
        The loss.
    dyhat : ndarray of shape (B, O)
        Its gradient with respect to ``yhat``.
    """
    yhat = np.asarray(yhat, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if loss == "mse":
        diff = yhat - Y
        return float(np.mean(diff**2)), 2.0 * diff / diff.size
    if loss == "mae":
        diff = yhat - Y
        return float(np.mean(np.abs(diff))), np.sign(diff) / diff.size
    raise ValueError(f"unknown loss {loss!r}")


def naive_loss(
    params, X, Y, cell, n_features, hidden_size, num_layers, n_outputs, loss="mse", Z=None
):
    """Evaluate the loss only (convenient for finite differences).

    Parameters
    ----------
    params, X, cell, n_features, hidden_size, num_layers, n_outputs, Z
        See :func:`naive_forward`.
    Y : ndarray of shape (B, n_outputs)
        Targets.
    loss : {"mse", "mae"}
        See :func:`loss_value_and_dyhat`.

    Returns
    -------
    float
        The loss.
    """
    yhat = naive_forward(params, X, cell, n_features, hidden_size, num_layers, n_outputs, Z)
    return loss_value_and_dyhat(yhat, Y, loss)[0]


def naive_loss_and_grad(
    params, X, Y, cell, n_features, hidden_size, num_layers, n_outputs, loss="mse", Z=None
):
    """Evaluate the loss and its gradient by back-propagation through time.

    Parameters
    ----------
    params : ndarray of shape (n_params,)
        Flat parameter vector.
    X : ndarray of shape (B, T, n_features)
        Input windows.
    Y : ndarray of shape (B, n_outputs)
        Targets.
    cell, n_features, hidden_size, num_layers, n_outputs
        See :func:`param_shapes`.
    loss : {"mse", "mae"}
        See :func:`loss_value_and_dyhat`.
    Z : ndarray of shape (B, E), optional
        Head features.

    Returns
    -------
    loss : float
        The loss.
    grad : ndarray of shape (n_params,), float64
        Gradient of the loss with respect to the flat parameter vector.
    """
    params, X, Z, blocks = _as_float64_blocks(
        params, X, Z, cell, n_features, hidden_size, num_layers, n_outputs
    )
    batch, n_steps, _ = X.shape
    h_last, caches = _forward_with_caches(blocks, X, cell, hidden_size, num_layers)
    head_in = np.hstack([h_last, Z])
    yhat = head_in @ blocks["W_out"].T + blocks["b_out"]
    value, dyhat = loss_value_and_dyhat(yhat, Y, loss)

    grad = np.zeros_like(params)
    grads = unpack(grad, cell, n_features, hidden_size, num_layers, n_outputs, Z.shape[1])
    grads["W_out"][...] = dyhat.T @ head_in
    grads["b_out"][...] = dyhat.sum(axis=0)

    # Gradient arriving at each hidden state of the current layer from above.
    dh_from_above = [np.zeros((batch, hidden_size)) for _ in range(n_steps)]
    dh_from_above[-1] = dyhat @ blocks["W_out"][:, :hidden_size]
    for layer in reversed(range(num_layers)):
        w_ih = blocks[f"W_ih_{layer}"]
        w_hh = blocks[f"W_hh_{layer}"]
        dh_next = np.zeros((batch, hidden_size))  # from step t + 1 of this layer
        dc_next = np.zeros((batch, hidden_size))
        dx_seq = [None] * n_steps
        for t in reversed(range(n_steps)):
            cache = caches[layer][t]
            dh = dh_from_above[t] + dh_next
            dx, dh_next, dc_next, dgi, dgh = _cell_step_backward(
                cell, dh, dc_next, cache, w_ih, w_hh
            )
            grads[f"W_ih_{layer}"] += dgi.T @ cache["x"]
            grads[f"W_hh_{layer}"] += dgh.T @ cache["h_prev"]
            grads[f"b_ih_{layer}"] += dgi.sum(axis=0)
            grads[f"b_hh_{layer}"] += dgh.sum(axis=0)
            dx_seq[t] = dx
        dh_from_above = dx_seq
    return value, grad
