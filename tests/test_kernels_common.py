"""The shared helpers of the cell kernels: the float32 tanh and sigmoid, denormals flushed by
the CPU inside the engines and put back after, and the 512-bit vector attributes of the
kernels."""

import numpy as np
import pytest
from numba import njit

from tsrnn._kernels_common import (
    _JIT,
    _WIDE,
    HARDWARE_FLUSH,
    denormals_are_zero,
    restore_fp_modes,
    sigmoid,
    tanh,
    wide_vectors,
)
from tsrnn._network import NetworkSpec, forward, loss_and_grad

TINY = np.float32(1e-20)  # its square, 1e-40, is a denormal float32


@njit(**_JIT)
def _tanh_and_sigmoid(x, t, s):
    wide_vectors()  # vectorised as in the cell kernels
    for i in range(x.shape[0]):
        t[i] = tanh(x[i])
        s[i] = sigmoid(x[i])


def test_float32_tanh_and_sigmoid_are_within_3e_7_and_bounded():
    x = np.linspace(-12, 12, 480_001, dtype=np.float32)
    x = np.concatenate([x, np.float32([-np.inf, np.inf, 1e-30, -1e-30, 0.0])])
    t, s = np.empty_like(x), np.empty_like(x)
    _tanh_and_sigmoid(x, t, s)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(t, np.tanh(x64), rtol=0, atol=3e-7)
    np.testing.assert_allclose(s, 0.5 * np.tanh(0.5 * x64) + 0.5, rtol=0, atol=3e-7)
    assert np.abs(t).max() <= 1 and s.min() >= 0 and s.max() <= 1
    np.testing.assert_array_equal(np.sign(t), np.sign(x))  # odd, and zero at zero
    assert np.isnan(_tanh_nan(np.float32(np.nan)))


@njit(**_JIT)
def _tanh_nan(x):
    return tanh(x)


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
