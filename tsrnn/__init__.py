"""tsrnn: Numba-accelerated LSTM/GRU forecasting with a scikit-learn estimator.

Importing tsrnn compiles nothing and imports no CUDA, nor scikit-learn or pandas: the public
names are imported on first access. Kernels compile on first use (once per install: they are
cached on disk, and the first compilation says so on stderr), or ahead of time with
:func:`warmup`.
"""

from importlib import import_module

__version__ = "0.1.0"

#: Public names imported on first access (PEP 562), by the module that defines them.
_LAZY = {
    "BacktestResult": "._backtest",
    "backtest": "._backtest",
    "RNNForecaster": ".forecaster",
    "TrainingDivergedWarning": ".forecaster",
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # all of them at once (the backtest function lives in tsrnn._backtest: no submodule
    # shares a public name, so no import can bind one to a module)
    modules = {path: import_module(path, __name__) for path in set(_LAZY.values())}
    for lazy_name, path in _LAZY.items():
        globals()[lazy_name] = getattr(modules[path], lazy_name)
    return globals()[name]


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def warmup(dtypes=("float32",), cells=("lstm",)):
    """Compile the CPU kernels now (they are cached on disk for later processes).

    For each cell and precision it compiles that cell's two engine entry points (training:
    loss and gradient; and prediction), for a network without head features, and the Adam
    update. The prediction engine compiles in a second process meanwhile (see
    :mod:`tsrnn._compiling`). The defaults are what the default :class:`RNNForecaster`
    (LSTM, float32) needs.

    Parameters
    ----------
    dtypes : sequence of {"float32", "float64"}, default=("float32",)
        Precisions to compile for.
    cells : sequence of {"lstm", "gru", "rnn"}, default=("lstm",)
        Cells to compile for.
    """
    import numpy as np

    from ._network import NetworkSpec, forward, loss_and_grad
    from ._optim import Adam

    for cell in cells:
        spec = NetworkSpec(cell, 1, 2, 1, 1)
        for name in dtypes:
            dtype = np.dtype(name)
            params = spec.init_params(np.random.default_rng(0), dtype)
            X = np.zeros((1, 3, 1), dtype=dtype)
            _, grad = loss_and_grad(params, X, np.zeros((1, 1), dtype=dtype), spec)
            forward(params, X, spec)
            Adam().update(params, grad)


def plot_forecast(*args, **kwargs):
    """See :func:`tsrnn.plotting.plot_forecast` (matplotlib is imported on first use)."""
    from .plotting import plot_forecast as _plot

    return _plot(*args, **kwargs)


__all__ = [
    "BacktestResult",
    "RNNForecaster",
    "TrainingDivergedWarning",
    "backtest",
    "plot_forecast",
    "warmup",
]
