"""Shared test configuration."""

import os
import shutil

# Without an NVIDIA GPU, run the CUDA tests in numba's simulator. This must happen before
# numba is imported; a machine with a GPU (or an explicit NUMBA_ENABLE_CUDASIM) is left as is.
if "NUMBA_ENABLE_CUDASIM" not in os.environ and not (
    os.path.exists("/dev/nvidia0") or shutil.which("nvidia-smi")
):
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    """Seeded random generator, fresh for every test."""
    return np.random.default_rng(12345)
