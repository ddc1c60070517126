"""Export of a fitted :class:`~tsrnn.RNNForecaster` to an ONNX model.

The exported graph computes the estimator's forecast from a raw window, with no Python and no
Numba: ONNX Runtime (or any ONNX backend) runs it in a service, a browser or on a device.

Graph layout
------------
Series mode, one input and one or two outputs:

* ``window``: float32 tensor of shape ``(batch, window_)``, the raw last ``window_`` values of
  each history (before any target transform), one row per series;
* ``forecast``: float32 tensor of shape ``(batch, horizon_)``, what ``predict(history)``
  gives for each history (the median of the sorted quantile outputs for a quantile model);
* ``quantiles`` (quantile models only): float32 tensor of shape
  ``(batch, horizon_, n_levels)``, the outputs for every level of ``quantiles_`` (in that
  order, 0.5 included), sorted along the last axis so that they never cross, as
  ``predict_quantiles`` gives them.

The graph repeats every step of ``predict``: the target transform (``log1p``), the scaling of
each window by its own mean and standard deviation (in float64, with the estimator's rule
for nearly constant windows), the network, the naive baseline, the inverse scaling and the
inverse transform (``max(expm1(.), 0)``).

Windows mode: the input ``X``, float32 of shape ``(batch, window_)`` or
``(batch, window_, n_features)`` like the training ``X``; the output ``forecast`` of shape
``(batch,)`` for a model fitted on a 1-D ``y``, else ``(batch, horizon_)``; for a quantile
model also ``quantiles`` of shape ``(batch, n_levels)`` or ``(batch, horizon_, n_levels)``.

The recurrent layers are ONNX's ``LSTM``, ``GRU`` (``linear_before_reset=1``, PyTorch's
placement of the reset gate) and ``RNN`` (tanh) operators, one a layer, chained; the weight
blocks of each gate are reordered from PyTorch's order (LSTM i, f, g, o; GRU r, z, n) to
ONNX's (LSTM i, o, f, c; GRU z, r, h). Weights are stored as float32 whatever the
estimator's ``dtype``.
"""

import json
import os

import numpy as np

from ._spec import GRU, LSTM

#: Opset used when none is given; ORT has supported it since 1.14.
DEFAULT_OPSET = 17
#: The oldest opset the graph can be written in (``Squeeze`` takes its axes as an input).
MIN_OPSET = 13

#: PyTorch's gate blocks, in ONNX's order: LSTM (i, f, g, o) -> (i, o, f, c), GRU (r, z, n)
#: -> (z, r, h); the Elman cell has one block.
_GATE_ORDER = {LSTM: (0, 3, 1, 2), GRU: (1, 0, 2)}
_OPERATOR = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}

#: Relative threshold of a nearly constant window (``scale_windows``'s ``eps``).
_FLAT_EPS = 1e-8


def export(estimator, path, *, opset=None):
    """Write a fitted estimator as an ONNX model computing its forecast from a raw window.

    Parameters
    ----------
    estimator : RNNForecaster
        Fitted, in series mode (without covariates or calendar features) or windows mode.
    path : str or os.PathLike
        Where the ``.onnx`` file is written.
    opset : int, default=None
        ONNX opset of the graph, at least 13; None takes 17, which ONNX Runtime 1.14 and
        later run.

    Returns
    -------
    onnx.ModelProto
        The model written (checked with ``onnx.checker.check_model``).

    Raises
    ------
    ImportError
        If the ``onnx`` package is not installed.
    ValueError
        If the model reads covariates or calendar features, is a base model (pretrained
        mode), or ``opset`` is below 13.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.

    Notes
    -----
    Series mode: input ``window``, float32 of shape ``(batch, window_)``, the raw last
    ``window_`` values of each history; output ``forecast``, float32 of shape
    ``(batch, horizon_)``, equal to ``predict(history)`` up to float32 rounding; quantile
    models add ``quantiles``, float32 of shape ``(batch, horizon_, n_levels)``, the levels of
    ``quantiles_`` sorted along the last axis. A model with ``target_transform="log"`` needs
    values ``>= 0`` (others give NaN).

    Windows mode: input ``X``, float32 of shape ``(batch, window_)`` or
    ``(batch, window_, n_features)``, as in ``fit``; output ``forecast`` of shape
    ``(batch,)`` (1-D ``y``) or ``(batch, horizon_)``, and ``quantiles`` of shape
    ``(batch, n_levels)`` or ``(batch, horizon_, n_levels)`` for quantile models.

    The batch dimension is dynamic. The model's ``metadata_props`` hold ``mode``,
    ``window``, ``horizon``, ``frequency``, ``quantile_levels`` (JSON), ``cell`` and the
    other settings of the forecast; its ``doc_string`` describes the inputs and outputs.

    Examples
    --------
    >>> import onnxruntime as ort                                   # doctest: +SKIP
    >>> export(model, "model.onnx")                                 # doctest: +SKIP
    >>> session = ort.InferenceSession("model.onnx")                # doctest: +SKIP
    >>> window = history[-model.window_:].astype("float32")[None]   # doctest: +SKIP
    >>> session.run(["forecast"], {"window": window})[0]            # doctest: +SKIP
    """
    try:
        import onnx
    except ImportError as exc:
        raise ImportError(
            "exporting to ONNX needs the onnx package: pip install 'tsrnn[onnx]' (or pip "
            "install onnx)."
        ) from exc
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "params_")
    opset = DEFAULT_OPSET if opset is None else int(opset)
    if opset < MIN_OPSET:
        raise ValueError(f"opset must be at least {MIN_OPSET}, got {opset}.")
    if estimator._mode == "pretrained":
        raise ValueError(
            "export is not supported for a base model (pretrained mode): its forecast pads "
            "and masks short histories, adds a seasonal naive forecast at each series' period "
            "and runs recursively beyond its network's horizon, which the graph does not "
            "compute. Export a model fitted with init='scratch'."
        )
    series = estimator._mode == "series"
    if series and (estimator.covariates_ is not None or estimator.calendar_features_):
        what = []
        if estimator.covariates_ is not None:
            what.append(f"covariates {list(estimator.covariates_)}")
        if estimator.calendar_features_:
            what.append("calendar features")
        raise ValueError(
            "export is not supported for models with covariates/calendar features: this "
            f"model reads {' and '.join(what)}, which the graph cannot compute from a window "
            "of values. Fit without them to export."
        )
    graph = _Graph(onnx, opset)
    if series:
        inputs, outputs, doc = _series_graph(graph, estimator)
    else:
        inputs, outputs, doc = _windows_graph(graph, estimator)
    model = onnx.helper.make_model_gen_version(
        onnx.helper.make_graph(
            graph.nodes, "tsrnn_forecast", inputs, outputs, initializer=graph.initializers,
            doc_string=doc,
        ),
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="tsrnn",
        producer_version=_version(),
        doc_string=doc,
    )  # fmt: skip
    onnx.helper.set_model_props(model, _metadata(estimator))
    onnx.checker.check_model(model)
    onnx.save_model(model, os.fspath(path))
    return model


# --------------------------------------------------------------------------------------------
# the two modes


def _series_graph(g, est):
    """Nodes of series mode; returns the graph's inputs, outputs and doc string."""
    W, h = est.window_, est.horizon_
    x = g.node("Cast", ["window"], to=g.DOUBLE)
    if est.target_transform_ == "log":
        x = g.node("Log", [g.node("Add", [x, g.const(1.0)])])
    # scale_windows, in float64: mean and standard deviation, or for a nearly constant window
    # (std <= eps * max(mean |x|, tiny)) the last value and mean |x| (1 if that is 0)
    mean = g.reduce_mean(x, 1)
    deviation = g.node("Sub", [x, mean])
    std = g.node("Sqrt", [g.reduce_mean(g.node("Mul", [deviation, deviation]), 1)])
    absmean = g.reduce_mean(g.node("Abs", [x]), 1)
    tiny = g.const(np.finfo(np.float64).tiny)
    threshold = g.node("Mul", [g.const(_FLAT_EPS), g.node("Max", [absmean, tiny])])
    flat = g.node("LessOrEqual", [std, threshold])
    scale = g.node("Where", [flat, absmean, std])
    scale = g.node("Where", [g.node("Greater", [scale, g.const(0.0)]), scale, g.const(1.0)])
    last = g.node("Slice", [x, g.const([W - 1], np.int64), g.const([W], np.int64),
                            g.const([1], np.int64)])  # fmt: skip
    loc = g.node("Where", [flat, last, mean])  # (batch, 1), as scale
    scaled = g.node("Div", [g.node("Sub", [x, loc]), scale])  # (batch, W), float64

    scaled32 = g.node("Cast", [scaled], to=g.FLOAT)
    out = _network(g, est, g.node("Unsqueeze", [scaled32, g.const([2], np.int64)]), scaled32)

    base = None
    if est.baseline_period_:  # naive_baseline: the last period values, repeated
        p = est.baseline_period_
        base = g.node("Gather", [scaled, g.const(W - p + np.arange(h) % p, np.int64)], axis=1)

    def finish(pred, ndim):
        """Baseline, unscaling and inverse transform of outputs of ``ndim`` axes."""
        b, s, m = base, scale, loc
        if ndim == 3:
            axis = g.const([2], np.int64)
            b = None if base is None else g.node("Unsqueeze", [base, axis])
            s, m = g.node("Unsqueeze", [scale, axis]), g.node("Unsqueeze", [loc, axis])
        if b is not None:
            pred = g.node("Add", [pred, b])
        pred = g.node("Add", [g.node("Mul", [pred, s]), m])
        if est.target_transform_ == "log":
            pred = g.node("Sub", [g.node("Exp", [pred]), g.const(1.0)])
            pred = g.node("Max", [pred, g.const(0.0)])
        return g.node("Cast", [pred], to=g.FLOAT)

    outputs = _outputs(g, est, out, finish, squeeze=False)
    inputs = [g.tensor("window", ["batch", W])]
    doc = _doc(est, "window", f"(batch, {W})", f"(batch, {h})", f"(batch, {h}, n_levels)")
    return inputs, outputs, doc


def _windows_graph(g, est):
    """Nodes of windows mode; returns the graph's inputs, outputs and doc string."""
    W, h = est.window_, est.horizon_
    n_features = len(est._x_mean)
    x = g.node("Cast", ["X"], to=g.DOUBLE)
    if est._x_ndim == 2:
        x = g.node("Unsqueeze", [x, g.const([2], np.int64)])
    scaled = g.node("Div", [g.node("Sub", [x, g.const(est._x_mean)]), g.const(est._x_scale)])
    scaled32 = g.node("Cast", [scaled], to=g.FLOAT)  # (batch, W, n_features)
    out = _network(g, est, scaled32, g.node("Gather", [scaled32, g.const(0, np.int64)], axis=2))

    def finish(pred, ndim):
        """``pred * y_scale + y_mean`` per horizon step, for outputs of ``ndim`` axes."""
        shape = (h,) if ndim == 2 else (h, 1)
        y_scale = g.const(np.reshape(est._y_scale, shape))
        y_mean = g.const(np.reshape(est._y_mean, shape))
        return g.node("Cast", [g.node("Add", [g.node("Mul", [pred, y_scale]), y_mean])],
                      to=g.FLOAT)  # fmt: skip

    outputs = _outputs(g, est, out, finish, squeeze=est._y_1d)
    shape = ["batch", W] if est._x_ndim == 2 else ["batch", W, n_features]
    inputs = [g.tensor("X", shape)]
    x_shape = f"(batch, {W})" if est._x_ndim == 2 else f"(batch, {W}, {n_features})"
    if est._y_1d:
        doc = _doc(est, "X", x_shape, "(batch,)", "(batch, n_levels)")
    else:
        doc = _doc(est, "X", x_shape, f"(batch, {h})", f"(batch, {h}, n_levels)")
    return inputs, outputs, doc


def _outputs(g, est, out, finish, squeeze):
    """The graph outputs ``forecast`` (and ``quantiles``) from the network's outputs.

    Parameters
    ----------
    g : _Graph
    est : RNNForecaster
    out : str
        The network's outputs, float32 of shape (batch, n_outputs).
    finish : callable
        ``finish(name, ndim)``: float64 outputs of shape (batch, horizon) (``ndim=2``) or
        (batch, horizon, n_levels) (``ndim=3``) to float32 in the user's units.
    squeeze : bool
        Drop the horizon axis (a windows-mode model fitted on a 1-D ``y``).

    Returns
    -------
    list of onnx.ValueInfoProto
    """
    h = est.horizon_
    out = g.node("Cast", [out], to=g.DOUBLE)
    if est.quantiles_ is None:
        forecast = finish(out, 2)
        quantiles = None
    else:
        n_levels = len(est.quantiles_)
        levels = g.node("Reshape", [out, g.const([-1, h, n_levels], np.int64)])
        # the levels sorted (never crossing), as predict and predict_quantiles sort them
        levels = g.node("TopK", [levels, g.const([n_levels], np.int64)], axis=-1, largest=0,
                        sorted=1, n_outputs=2)[0]  # fmt: skip
        quantiles = finish(levels, 3)
        median = g.const(est.quantiles_.index(0.5), np.int64)
        forecast = g.node("Gather", [quantiles, median], axis=2)
    if squeeze:
        first = g.const(0, np.int64)
        forecast = g.node("Gather", [forecast, first], axis=1)
        quantiles = None if quantiles is None else g.node("Gather", [quantiles, first], axis=1)
    g.node("Identity", [forecast], name="forecast")
    shape = ["batch"] if squeeze else ["batch", h]
    outputs = [g.tensor("forecast", shape)]
    if quantiles is not None:
        g.node("Identity", [quantiles], name="quantiles")
        outputs.append(g.tensor("quantiles", shape + [len(est.quantiles_)]))
    return outputs


# --------------------------------------------------------------------------------------------
# the network


def _network(g, est, x, target):
    """The recurrent layers and the head.

    Parameters
    ----------
    g : _Graph
    est : RNNForecaster
    x : str
        Scaled inputs, float32 of shape (batch, window, n_features).
    target : str
        The scaled target, float32 of shape (batch, window); the head reads its last
        ``linear_lags_`` values (``n_head_features`` of the spec) beside the hidden state.

    Returns
    -------
    str
        The outputs, float32 of shape (batch, n_outputs).
    """
    spec = est.spec_
    blocks = spec.unpack(np.asarray(est.params_, dtype=np.float32))
    H, code = spec.hidden_size, spec.cell_code
    sequence = g.node("Transpose", [x], perm=[1, 0, 2])  # time-major: (window, batch, F)
    for layer in range(spec.num_layers):
        W_ih, W_hh = blocks[f"W_ih_l{layer}"], blocks[f"W_hh_l{layer}"]
        b = np.concatenate([blocks[f"b_ih_l{layer}"], blocks[f"b_hh_l{layer}"]])
        if code in _GATE_ORDER:
            order = _GATE_ORDER[code]
            W_ih, W_hh = _reorder(W_ih, order, H), _reorder(W_hh, order, H)
            b = np.concatenate([_reorder(part, order, H) for part in np.split(b, 2)])
        attrs = {"hidden_size": H}
        if spec.cell == "gru":
            attrs["linear_before_reset"] = 1
        elif spec.cell == "rnn":
            attrs["activations"] = ["Tanh"]
        last = layer == spec.num_layers - 1
        Y, Y_h = g.node(
            _OPERATOR[spec.cell],
            [sequence, g.const(W_ih[None]), g.const(W_hh[None]), g.const(b[None])],
            n_outputs=2, **attrs,
        )  # fmt: skip
        if not last:  # Y: (window, 1, batch, H) -> the next layer's input
            sequence = g.node("Squeeze", [Y, g.const([1], np.int64)])
    h_last = g.node("Squeeze", [Y_h, g.const([0], np.int64)])  # (batch, H)
    features = h_last
    if spec.n_head_features:  # the linear lags (the only head features an export has)
        W = est.window_
        lags = g.node("Slice", [target, g.const([W - spec.n_head_features], np.int64),
                                g.const([W], np.int64), g.const([1], np.int64)])  # fmt: skip
        features = g.node("Concat", [h_last, lags], axis=1)
    return g.node("Gemm", [features, g.const(blocks["W_out"]), g.const(blocks["b_out"])],
                  transB=1)  # fmt: skip


def _reorder(block, order, H):
    """Gate blocks of ``H`` rows of ``block`` (shape (G * H, ...)) in the order ``order``."""
    return np.concatenate([block[k * H : (k + 1) * H] for k in order])


# --------------------------------------------------------------------------------------------
# documentation


def _metadata(est):
    """The model's ``metadata_props``: what a user of the file needs to call it."""
    series = est._mode == "series"
    freq = getattr(est, "_freq", None) if series else None
    meta = {
        "mode": est._mode,
        "window": str(est.window_),
        "horizon": str(est.horizon_),
        "frequency": "" if freq is None else (getattr(freq, "freqstr", None) or str(freq)),
        "quantile_levels": json.dumps(est.quantiles_),
        "cell": est.spec_.cell,
        "hidden_size": str(est.spec_.hidden_size),
        "num_layers": str(est.spec_.num_layers),
        "linear_lags": str(est.linear_lags_),
        "input": "window" if series else "X",
        "outputs": json.dumps(["forecast"] + ([] if est.quantiles_ is None else ["quantiles"])),
    }
    if series:
        meta["baseline_period"] = str(est.baseline_period_)
        meta["target_transform"] = str(est.target_transform_ or "")
    else:
        meta["n_features"] = str(len(est._x_mean))
    return meta


def _doc(est, input_name, input_shape, forecast_shape, quantiles_shape):
    """The doc string of the graph and model: its inputs and outputs."""
    series = est._mode == "series"
    lines = [
        f"tsrnn RNNForecaster ({est.spec_.cell}, {est._mode} mode), window {est.window_}, "
        f"horizon {est.horizon_}.",
        f"Input {input_name}: float32 {input_shape}, "
        + ("the raw last window values of each history (batch dimension dynamic)."
           if series else "input windows as in fit (batch dimension dynamic)."),
        f"Output forecast: float32 {forecast_shape}, as predict gives it.",
    ]  # fmt: skip
    if est.quantiles_ is not None:
        lines.append(
            f"Output quantiles: float32 {quantiles_shape}, levels {est.quantiles_} "
            "(n_levels), sorted along the last axis; forecast is the 0.5 level."
        )
    if series and est.target_transform_ == "log":
        lines.append("Target transform log(1 + y): the input values must be >= 0.")
    return "\n".join(lines)


def _version():
    from . import __version__

    return __version__


# --------------------------------------------------------------------------------------------
# graph building


class _Graph:
    """Nodes and initializers of a graph being built, with unique value names.

    Parameters
    ----------
    onnx : module
        The imported ``onnx`` package.
    opset : int
    """

    def __init__(self, onnx, opset):
        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.FLOAT = onnx.TensorProto.FLOAT
        self.DOUBLE = onnx.TensorProto.DOUBLE
        self._count = 0

    def _name(self, stem):
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, value, dtype=np.float64):
        """An initializer holding ``value`` (float64 by default; float32 arrays stay)."""
        value = np.asarray(value)
        if value.dtype != np.float32:
            value = value.astype(dtype)
        name = self._name("const")
        self.initializers.append(self.onnx.numpy_helper.from_array(value, name))
        return name

    def node(self, op, inputs, n_outputs=1, name=None, **attrs):
        """Add a node; returns its output name (a list of names if ``n_outputs > 1``), which
        is ``name`` if given (a graph output)."""
        outputs = [name] if name else [self._name(op.lower()) for _ in range(n_outputs)]
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, outputs, name=self._name(op), **attrs)
        )
        return outputs[0] if n_outputs == 1 else outputs

    def reduce_mean(self, x, axis):
        """Mean over ``axis``, kept as an axis of length 1 (the axes became an input in
        opset 18)."""
        if self.opset >= 18:
            return self.node("ReduceMean", [x, self.const([axis], np.int64)], keepdims=1)
        return self.node("ReduceMean", [x], axes=[axis], keepdims=1)

    def tensor(self, name, shape):
        """A float32 graph input or output of ``shape`` ("batch" a dynamic dimension)."""
        return self.onnx.helper.make_tensor_value_info(name, self.FLOAT, shape)
