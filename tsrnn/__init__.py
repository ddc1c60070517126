"""tsrnn: Numba-accelerated LSTM/GRU forecasting with a scikit-learn estimator.

Importing tsrnn compiles nothing and imports no CUDA: kernels compile on first use (and are
cached on disk), or ahead of time with :func:`warmup`.
"""

__version__ = "0.1.0"
