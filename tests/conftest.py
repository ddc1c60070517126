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


# Hypothesis profiles for the property tests (tests/test_properties.py): "fast" by default (450
# examples in all, for CI), "medium" (~1,000) and "long" (10,500), chosen with
# TSRNN_HYPOTHESIS_PROFILE=medium or =long. max_examples is what a test of weight 1 runs (the
# series-mode test has weight 1, the windows-mode test 2). Tests that set max_examples
# themselves (test_reliability.py) keep their own.
from hypothesis import HealthCheck, settings  # noqa: E402

_SLOW_OK = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("fast", max_examples=150, **_SLOW_OK)
settings.register_profile("medium", max_examples=350, **_SLOW_OK)
settings.register_profile("long", max_examples=3500, **_SLOW_OK)
settings.load_profile(os.environ.get("TSRNN_HYPOTHESIS_PROFILE", "fast"))


#: Settings of the tiny base model shared by the pretrained-mode tests (seconds to make).
TINY_BASE = {"windows": 256, "chunk": 128, "hidden_size": 4, "window": 16, "horizon": 4,
             "batch_size": 32, "verbose": 0}  # fmt: skip


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """Path of a tiny base model (GRU 4, window 16, 4 steps x 9 quantiles), made once."""
    from tsrnn._pretrain import pretrain

    path = tmp_path_factory.mktemp("base") / "b.tsrnn"
    pretrain(path, **TINY_BASE)
    return path


def import_benchmark(name):
    """The module ``benchmarks/<name>.py``, imported with its folder on the path (the
    benchmark scripts import each other as top-level modules)."""
    import importlib
    import sys
    from pathlib import Path

    folder = str(Path(__file__).parent.parent / "benchmarks")
    sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(folder)
