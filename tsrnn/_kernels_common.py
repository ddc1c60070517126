"""Scalar helpers shared by the Numba cell kernels, and two compiler-level settings of the
CPU engines: the floating-point modes of an engine call (:func:`denormals_are_zero`) and the
kernels' vector width (:func:`wide_vectors`).

Each helper is specialised per float type with :func:`numba.extending.overload`: float32 gets
a branch-free rational approximation of tanh (the one Eigen uses, maximum error ~3e-7) that
vectorises, float64 gets ``np.tanh`` so the float64 kernels agree with the NumPy reference to
1e-10. Constants are typed like the argument, so float32 arithmetic never widens to float64.

The helpers vectorise only inside loops that LLVM can prove free of overlapping stores: the
cell kernels loop over contiguous 1-D views (one row of a gate block each), never over
``a[b, j]`` of a 2-D block, which leaves the loop scalar (about 6x slower for the LSTM).
Where LLVM cannot prove it, it vectorises behind run-time overlap checks between every array
a loop stores to and every other array it loads from, paid at every row. The cell kernels
keep those few: they work in place on the gate block ``a`` (the forward step after adding
the recurrent product and the biases into it with :func:`_add_recurrent`, the backward step
overwriting the activations with the gradients). At ``H = 64`` the checks of loops that read
``a``, ``r`` and both biases and wrote to separate arrays took a large part of the LSTM's gate
arithmetic.
"""

import numpy as np
from llvmlite import binding, ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

_JIT = {"fastmath": {"nsz", "arcp", "contract", "afn"}, "error_model": "numpy"}

# Eigen's float32 tanh: p(x) / q(x) on x clamped to [-c, c].
_TANH_CLAMP = 7.90531110763549805
_ALPHA = (
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
)
_BETA = (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03)

#: Whether the CPU flushes denormal floats to zero in hardware while the engines run: on
#: x86-64, each engine call sets its thread's flush-to-zero and denormals-are-zero modes
#: (:func:`denormals_are_zero`) and puts them back when it returns. Denormal arithmetic is
#: ~10x slower on x86, and long windows run into it in the backward pass.
HARDWARE_FLUSH = binding.get_process_triple().startswith("x86_64")

#: Elsewhere, gradients smaller than this (in magnitude) are flushed to zero in the
#: backward pass by the kernels themselves (:func:`flush`).
FLUSH_FLOAT32 = 1e-30
FLUSH_FLOAT64 = 1e-300


def tanh(x):
    """Hyperbolic tangent; float32 uses a fast rational approximation inside kernels."""
    return np.tanh(x)


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``, written as ``0.5 tanh(x / 2) + 0.5``."""
    return 0.5 * np.tanh(0.5 * x) + 0.5


def flush(x):
    """``x``, or zero when ``|x|`` is below the flush threshold of its float type; ``x``
    itself where the hardware flushes (:data:`HARDWARE_FLUSH`)."""
    return x


_MXCSR_FLUSH = 0x8040  # flush-to-zero (bit 15) and denormals-are-zero (bit 6)


def _mxcsr_call(builder, name, slot):
    void_p = ir.IntType(8).as_pointer()
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [void_p]), name
    )
    builder.call(fn, [builder.bitcast(slot, void_p)])


@intrinsic
def denormals_are_zero(typingctx):
    """Set this thread's flush-to-zero and denormals-are-zero modes, and return the
    floating-point modes before (an int32 for :func:`restore_fp_modes`); inside kernels only.

    x86-64 only (the MXCSR register); elsewhere it does nothing and returns 0.
    """

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        if not HARDWARE_FLUSH:
            return ir.Constant(i32, 0)
        slot = cgutils.alloca_once(builder, i32)
        _mxcsr_call(builder, "llvm.x86.sse.stmxcsr", slot)
        before = builder.load(slot)
        builder.store(builder.or_(before, ir.Constant(i32, _MXCSR_FLUSH)), slot)
        _mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", slot)
        return before

    return types.int32(), codegen


@intrinsic
def restore_fp_modes(typingctx, modes):
    """Put back the floating-point modes that :func:`denormals_are_zero` returned."""
    if modes != types.int32:
        return None

    def codegen(context, builder, signature, args):
        if HARDWARE_FLUSH:
            slot = cgutils.alloca_once_value(builder, args[0])
            _mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", slot)
        return context.get_dummy_value()

    return types.void(modes), codegen


@njit(inline="always", **_JIT)
def _add_recurrent(a, r, b_ih, b_hh):
    """``a += r + (b_ih + b_hh)``, in place; all of shape (K,).

    The cell kernels add the recurrent product and both biases into the pre-activations in
    this loop of its own, then run the gate arithmetic in place on ``a``: a gate loop that
    also loaded ``r`` and the biases would need more of LLVM's run-time overlap checks at
    every row (see the module docstring). The sum is ``(a + r) + (b_ih + b_hh)``, in the
    order the gate loops used before.
    """
    for k in range(a.shape[0]):
        a[k] = a[k] + r[k] + (b_ih[k] + b_hh[k])


def _is_float32(x):
    return isinstance(x, types.Float) and x.bitwidth == 32


@overload(tanh, jit_options=_JIT)
def _ov_tanh(x):
    if _is_float32(x):
        c = np.float32(_TANH_CLAMP)
        a0, a1, a2, a3, a4, a5, a6 = (np.float32(v) for v in _ALPHA)
        b0, b1, b2, b3 = (np.float32(v) for v in _BETA)

        def impl(x):
            x = min(max(x, -c), c)
            x2 = x * x
            p = ((((((a0 * x2 + a1) * x2 + a2) * x2 + a3) * x2 + a4) * x2 + a5) * x2 + a6) * x
            q = ((b0 * x2 + b1) * x2 + b2) * x2 + b3
            return p / q

        return impl
    return lambda x: np.tanh(x)


@overload(sigmoid, jit_options=_JIT)
def _ov_sigmoid(x):
    if _is_float32(x):
        half = np.float32(0.5)
        return lambda x: half * tanh(half * x) + half
    return lambda x: 1.0 / (1.0 + np.exp(-x))


@overload(flush, jit_options=_JIT)
def _ov_flush(x):
    if HARDWARE_FLUSH:
        return lambda x: x
    if _is_float32(x):
        tiny, zero = np.float32(FLUSH_FLOAT32), np.float32(0.0)
    else:
        tiny, zero = FLUSH_FLOAT64, 0.0
    return lambda x: x if abs(x) >= tiny else zero


#: LLVM function attributes of the cell kernels (:func:`wide_vectors`).
_WIDE = ("noinline", '"prefer-vector-width"="512"', '"min-legal-vector-width"="512"')


@intrinsic
def wide_vectors(typingctx):
    """Let LLVM vectorise the calling kernel with 512-bit registers where the CPU has them;
    inside the cell kernels only, as their first statement.

    LLVM tunes for 256-bit vectors on the Xeons with AVX-512 that it takes for client
    parts, and Numba sets the CPU for a whole process. This sets LLVM's function attributes
    of the kernel alone (and keeps it out of line, so its callers' 256-bit setting does not
    apply to it once inlined): the gate arithmetic of a step runs on 16 floats at a time.
    A CPU without AVX-512 ignores them. llvmlite accepts only the attributes it knows, so
    they are added to its attribute set directly; where that fails, nothing changes.
    """

    def codegen(context, builder, signature, args):
        try:
            for attr in _WIDE:
                set.add(builder.function.attributes, attr)
        except Exception:  # another llvmlite: the default vectors
            pass
        return context.get_dummy_value()

    return types.void(), codegen
