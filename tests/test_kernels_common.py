"""The shared helpers of the cell kernels: denormals flushed by the CPU inside the engines
and put back after, and the 512-bit vector attributes of the kernels."""

import numpy as np
import pytest
from numba import njit

from tsrnn._kernels_common import (
    _WIDE,
    HARDWARE_FLUSH,
    denormals_are_zero,
    restore_fp_modes,
    wide_vectors,
)
from tsrnn._network import NetworkSpec, forward, loss_and_grad

TINY = np.float32(1e-20)  # its square, 1e-40, is a denormal float32


@pytest.mark.skipif(not HARDWARE_FLUSH, reason="flush-to-zero in hardware on x86-64 only")
def test_denormals_are_zero_between_the_two_calls_only():
    @njit
    def square(x):
        modes = denormals_are_zero()
        y = x * x
        restore_fp_modes(modes)
        return y

    assert square(TINY) == 0
    assert TINY * TINY > 0  # the thread's modes are back


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_engine_calls_leave_the_floating_point_modes_as_they_were(cell):
    spec = NetworkSpec(cell, 1, 4, 1, 1)
    params = spec.init_params(np.random.default_rng(0), np.float32)
    X = np.ones((40, 5, 1), dtype=np.float32)  # several chunks, on every thread
    loss_and_grad(params, X, np.ones((40, 1), dtype=np.float32), spec)
    forward(params, X, spec)
    assert TINY * TINY > 0


def test_wide_vectors_gives_the_function_its_attributes():
    @njit
    def double(a):
        wide_vectors()
        for i in range(a.shape[0]):
            a[i] *= 2

    a = np.ones(40, dtype=np.float32)
    double(a)
    np.testing.assert_array_equal(a, 2)
    llvm_ir = next(iter(double.inspect_llvm().values()))
    for attr in _WIDE:
        assert attr in llvm_ir
