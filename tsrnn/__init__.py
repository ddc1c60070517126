"""tsrnn: Numba-accelerated LSTM/GRU forecasting with a scikit-learn estimator.

Importing tsrnn compiles nothing and imports no CUDA: kernels compile on first use (and are
cached on disk), or ahead of time with :func:`warmup`.
"""

from .backtest import BacktestResult, backtest
from .forecaster import RNNForecaster, TrainingDivergedWarning

__version__ = "0.1.0"


def warmup(dtypes=("float32",)):
    """Compile the CPU kernels now (they are cached on disk for later processes).

    Parameters
    ----------
    dtypes : sequence of {"float32", "float64"}
        Precisions to compile for.
    """
    import numpy as np

    from ._network import NetworkSpec, forward, loss_and_grad
    from ._optim import Adam

    spec = NetworkSpec("lstm", 1, 2, 1, 1)
    for name in dtypes:
        dtype = np.dtype(name)
        params = spec.init_params(np.random.default_rng(0), dtype)
        for batch in (1, 64):  # the serial path and the parallel engine
            X = np.zeros((batch, 3, 1), dtype=dtype)
            forward(params, X, spec)
            _, grad = loss_and_grad(params, X, np.zeros((batch, 1), dtype=dtype), spec)
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
