"""Which device to run on, without importing ``numba.cuda`` unless a GPU may be there."""

import functools
import os
import shutil

#: Shared memory one block may use without opting in (bytes), on every CUDA GPU.
DEFAULT_SHARED_BYTES = 48 * 1024

_FIX = (
    "Install the NVIDIA driver and a CUDA toolkit that numba can find (see numba's CUDA "
    "installation notes; with pip, e.g. `pip install nvidia-cuda-nvcc-cu12 "
    "nvidia-cuda-runtime-cu12`), check that `nvidia-smi` lists the GPU, or pass "
    "device='cpu' (or device='auto' to fall back to the CPU). For tests without a GPU, set "
    "NUMBA_ENABLE_CUDASIM=1 before numba is imported to use numba's CUDA simulator."
)


def simulator_enabled():
    """True when numba runs CUDA kernels in its simulator (``NUMBA_ENABLE_CUDASIM=1``).

    Returns
    -------
    bool
    """
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


def _gpu_visible():
    """Cheap check for an NVIDIA driver: a device node or ``nvidia-smi`` on the PATH."""
    return os.path.exists("/dev/nvidia0") or shutil.which("nvidia-smi") is not None


def _probe():
    """``(True, "")`` when numba.cuda sees a real GPU, else ``(False, reason)``."""
    if simulator_enabled():
        return False, "numba's CUDA simulator is enabled (NUMBA_ENABLE_CUDASIM=1)"
    if not _gpu_visible():
        return False, "no NVIDIA driver found (no /dev/nvidia0, no nvidia-smi on the PATH)"
    try:
        from numba import cuda

        if not cuda.is_available():
            return False, "numba.cuda.is_available() is False"
        if len(cuda.gpus) == 0:
            return False, "numba.cuda lists no GPU"
    except Exception as exc:  # driver or toolkit errors of every kind
        return False, f"numba.cuda failed to start: {exc}"
    return True, ""


def cuda_available(allow_simulator=False):
    """Whether the CUDA engine can run.

    Parameters
    ----------
    allow_simulator : bool, default False
        Count numba's CUDA simulator as available. Without it the answer is True only with
        a real GPU.

    Returns
    -------
    bool
    """
    if allow_simulator and simulator_enabled():
        return True
    return _probe()[0]


def check_device(device):
    """Resolve the estimator's ``device`` argument to ``"cpu"`` or ``"cuda"``.

    Parameters
    ----------
    device : {"cpu", "cuda", "auto"}
        ``"auto"`` is ``"cuda"`` with a real GPU, else ``"cpu"`` (never the simulator).
        ``"cuda"`` is accepted with a real GPU or under numba's CUDA simulator.

    Returns
    -------
    str
        ``"cpu"`` or ``"cuda"``.

    Raises
    ------
    RuntimeError
        ``device="cuda"`` and no GPU (and no simulator); the message says how to fix it.
    ValueError
        Any other ``device``.
    """
    if device == "cpu":
        return "cpu"
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda":
        if cuda_available(allow_simulator=True):
            return "cuda"
        reason = _probe()[1]
        raise RuntimeError(f"device='cuda' needs a CUDA GPU, and none is usable: {reason}. {_FIX}")
    raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")


#: ``CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES`` of the CUDA driver API.
_MAX_DYNAMIC_SHARED = 8


def _driver_library():
    import ctypes
    import sys

    return ctypes.CDLL("nvcuda.dll" if sys.platform == "win32" else "libcuda.so.1")


def opt_in_shared(dispatcher, args, nbytes):
    """Allow a kernel more than 48 KiB of dynamic shared memory (real GPUs only).

    Sets ``CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES`` on the compiled kernel through
    the driver API. numba.cuda hands out either a ``CUfunction`` (loaded from a module) or,
    in versions that load code as a library, a ``CUkernel``; each has its own setter.

    Parameters
    ----------
    dispatcher : numba.cuda dispatcher
    args : tuple
        The launch arguments (they select the compiled specialisation).
    nbytes : int

    Returns
    -------
    ok : bool
        True when the driver accepted the setting.
    reason : str
        Why not, when ``ok`` is False.
    """
    import ctypes

    try:
        argtypes = tuple(dispatcher.typeof_pyval(a) for a in args)
        cufunc = dispatcher.compile(argtypes)._codelibrary.get_cufunc()
        handle = cufunc.handle
        value = getattr(handle, "value", None)
        pointer = ctypes.c_void_p(int(handle) if value is None else value)
        lib = _driver_library()
        attr, size = ctypes.c_int(_MAX_DYNAMIC_SHARED), ctypes.c_int(int(nbytes))
        if "CUkernel" in type(handle).__name__:
            device = ctypes.c_int(int(cufunc.device.id))
            rc = lib.cuKernelSetAttribute(attr, size, pointer, device)
            setter = "cuKernelSetAttribute"
        else:
            rc = lib.cuFuncSetAttribute(pointer, attr, size)
            setter = "cuFuncSetAttribute"
    except Exception as exc:  # numba.cuda internals differ between versions
        return False, f"{type(exc).__name__}: {exc}"
    if rc != 0:
        return False, f"{setter} returned CUDA error {rc}"
    return True, ""


@functools.cache
def opt_in_limit():
    """Most dynamic shared memory per block after opting in, in bytes (real GPUs).

    Asked once per process (the query costs microseconds, and every launch needs it).
    """
    try:
        from numba import cuda

        return int(cuda.get_current_device().MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
    except Exception:
        return DEFAULT_SHARED_BYTES
