"""CUDA engine of tsrnn (numba.cuda): persistent recurrent kernels, BPTT and Adam on the GPU.

Imported only when a CUDA device is asked for; ``import tsrnn`` never imports it. Importing
this package does not import ``numba.cuda`` either: :func:`cuda_available` and
:func:`check_device` look for a driver first, and :class:`CudaNetwork` is loaded on first
access.
"""

from ._device import check_device, cuda_available, simulator_enabled

__all__ = ["CudaNetwork", "check_device", "cuda_available", "simulator_enabled"]


def __getattr__(name):
    if name == "CudaNetwork":
        from .network import CudaNetwork

        return CudaNetwork
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
