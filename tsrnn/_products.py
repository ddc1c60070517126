"""The array products of the chunk workers (:mod:`tsrnn._chunks`): per-step and weight-gradient
products handed to BLAS in blocks within OpenBLAS's small-matrix size, through one ``gemm``
call that takes row strides, and the small products written as loops; with them, a layer's
weight and bias gradients from a block of its steps.

All are compiled (``cache=True``) and run inside the engines' nogil chunk functions.
"""

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic
from numba.np.linalg import check_blas_return, ensure_blas

from ._config import CPU_MIN_GRAM_ROWS, CPU_SMALL_GEMM
from ._kernels_common import _JIT


@njit(cache=True, **_JIT)
def _time_major(x, xt):
    """``xt[t * n_seq + b] = x[b, t]``: x (n_seq, T, F) time-major into xt (T * n_seq, F)."""
    n_seq, T, F = x.shape
    for t in range(T):
        for b in range(n_seq):
            row = xt[t * n_seq + b]
            for f in range(F):
                row[f] = x[b, t, f]


@njit(cache=True, **_JIT)
def _dot_rows(a, b, out, rows, depth):
    """``out = a @ b[:, :N]``, N = ``out.shape[1]``, as one product per block of at most
    ``rows`` rows of ``a``, each summed over pieces of at most ``depth`` of the K terms;
    a (n, K), b (K, >= N), out (n, N), C-contiguous.

    ``b`` may be wider than ``out``: the recurrent weights of the forward pass are stored
    with padded rows (:func:`tsrnn._network.transposed`). OpenBLAS multiplies small
    matrices (``m * n * k`` up to about ``2**19``) with a kernel that skips packing; cutting
    the per-step products down to that size is faster than one larger product. The blocks
    are of even sizes (16 rows in blocks of at most 10: 8 + 8, not 10 + 6), which was up to
    15% faster for the whole pass. A row's result does not depend on the cut, except in
    blocks of one to three rows, which OpenBLAS can multiply with another kernel (last-bit
    differences); the cut depends on the chunk alone, never on the thread count. Pieces of
    the sum (of even sizes too, each added into ``out`` by BLAS) keep the rows of ``b`` that
    one product reads within the core's L1 cache (``CPU_STEP_DEPTH``).
    """
    n, K = a.shape
    N, ldb = out.shape[1], b.shape[1]
    pieces = -(-n // rows)
    rows = -(-n // pieces)  # as many pieces, of even sizes
    parts = -(-K // depth)
    depth = -(-K // parts)
    flat = a.reshape(-1)
    for r0 in range(0, n, rows):
        m = min(n, r0 + rows) - r0
        for k0 in range(0, K, depth):
            # row-major out[r0:r1] is column-major (N x m) = b.T (N x k) @ a[r0:r1].T (k x m)
            k = min(K, k0 + depth) - k0
            _gemm(N, m, k, b[k0:], ldb, flat[r0 * K + k0 :], K, False, k0 > 0, out[r0:], N)


@intrinsic
def _gemm(typingctx, m, n, k, a, lda, b, ldb, trans_b, beta, c, ldc):
    """BLAS ``gemm`` in its own column-major terms, ``c = a @ op(b) + beta * c``, through the
    BLAS entry that Numba's ``np.dot`` calls; inside kernels only.

    ``a``, ``b``, ``c`` are C-contiguous arrays of one float dtype, read from their first
    element: ``a`` is m x k with leading dimension ``lda``; ``op(b)`` is k x n (``b`` k x n
    with leading dimension ``ldb``, or with ``trans_b`` the transpose of an n x k one);
    ``c`` is m x n (``ldc``).
    ``beta`` is 0 (overwrite ``c``) or 1 (add to it). alpha and beta live on the stack: no
    allocation per call. One column (``n == 1``, ``b`` not transposed) goes to BLAS's
    matrix-vector product, as ``np.dot`` sends a one-row operand.
    """
    arrays = (a, b, c)
    if not all(isinstance(x, types.Array) and x.layout == "C" and x.dtype == a.dtype
               and x.dtype in (types.float32, types.float64) for x in arrays):  # fmt: skip
        raise TypingError("_gemm needs C-contiguous float32 or float64 arrays of one dtype")
    ensure_blas()
    sig = types.void(m, n, k, a, lda, b, ldb, trans_b, beta, c, ldc)

    def codegen(context, builder, signature, args):
        m_v, n_v, k_v, a_v, lda_v, b_v, ldb_v, trans_b_v, beta_v, c_v, ldc_v = args
        char, void_p, intp = ir.IntType(8), ir.IntType(8).as_pointer(), cgutils.intp_t
        fnty = ir.FunctionType(ir.IntType(32), [char, char, char, intp, intp, intp, void_p,
                                                void_p, intp, void_p, intp, void_p, void_p,
                                                intp])  # fmt: skip
        fn = cgutils.get_or_insert_function(builder.module, fnty, "numba_xxgemm")
        dtype = a.dtype
        alpha = cgutils.alloca_once_value(builder, context.get_constant(dtype, 1.0))
        beta_slot = cgutils.alloca_once_value(
            builder, context.cast(builder, beta_v, signature.args[8], dtype)
        )
        trans = builder.select(
            context.cast(builder, trans_b_v, signature.args[7], types.boolean),
            ir.Constant(char, ord("t")), ir.Constant(char, ord("n")),
        )  # fmt: skip

        def data(ty, value):
            return builder.bitcast(context.make_array(ty)(context, builder, value).data, void_p)

        def integer(index, value):
            return context.cast(builder, value, signature.args[index], types.intp)

        kind = ir.Constant(char, ord("s" if dtype == types.float32 else "d"))
        notrans = ir.Constant(char, ord("n"))
        m_i, n_i, k_i = integer(0, m_v), integer(1, n_v), integer(2, k_v)
        alpha_p, beta_p = builder.bitcast(alpha, void_p), builder.bitcast(beta_slot, void_p)
        a_p, b_p, c_p = data(a, a_v), data(b, b_v), data(c, c_v)
        vector = builder.and_(
            builder.icmp_signed("==", n_i, ir.Constant(intp, 1)),
            builder.icmp_unsigned("==", trans, notrans),
        )  # fmt: skip
        with builder.if_else(vector) as (one_column, columns):
            with one_column:  # c = a @ b, b one column: a matrix-vector product (as np.dot)
                gemv = cgutils.get_or_insert_function(builder.module, ir.FunctionType(
                    ir.IntType(32), [char, char, intp, intp, void_p, void_p, intp, void_p,
                                     void_p, void_p]), "numba_xxgemv")  # fmt: skip
                res = builder.call(gemv, (kind, notrans, m_i, k_i, alpha_p, a_p,
                                          integer(4, lda_v), b_p, beta_p, c_p))  # fmt: skip
                check_blas_return(context, builder, res)
            with columns:
                res = builder.call(fn, (
                    kind, notrans, trans, m_i, n_i, k_i, alpha_p, a_p, integer(4, lda_v), b_p,
                    integer(6, ldb_v), beta_p, c_p, integer(10, ldc_v),
                ))  # fmt: skip
                check_blas_return(context, builder, res)
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, **_JIT)
def gram_rows(M, N):
    """Rows of a block of :func:`_gram` for an (M, N) result: the most within
    ``CPU_SMALL_GEMM``, or 0 (one product of all rows) when those are fewer than
    ``CPU_MIN_GRAM_ROWS``."""
    rows = CPU_SMALL_GEMM // max(1, M * N)
    return rows if rows >= CPU_MIN_GRAM_ROWS else 0


@njit(cache=True, **_JIT)
def gram_steps(M, N, n_seq, T):
    """Steps per block of the weight gradients of a chunk of ``n_seq`` sequences and ``T``
    steps, whose blocks of :func:`gram_rows` rows are made as the backward pass leaves them
    (:mod:`tsrnn._chunks`); all ``T`` when a block holds fewer rows than one step."""
    steps = gram_rows(M, N) // n_seq
    return steps if steps > 0 else T


@njit(cache=True, **_JIT)
def _gram(a, b, out, add):
    """``out = a.T @ b``, or ``out += a.T @ b`` with ``add``: a (n, M), b (n, N), out (M, N),
    all C-contiguous.

    The sum over the ``n`` rows goes in blocks of :func:`gram_rows` rows, each block's
    product added into ``out`` by BLAS itself (``beta = 1``). These are the weight
    gradients of a chunk (steps x sequences rows against a few hundred columns): OpenBLAS
    makes each block with its small-matrix kernel, without packing the tall operands. The
    blocks depend on the shapes alone.
    """
    n, M = a.shape
    N = b.shape[1]
    rows = gram_rows(M, N)
    if rows == 0:
        rows = max(n, 1)
    # row-major out (M, N) is column-major out.T = b.T @ a: b's rows as they are (N x k,
    # leading dimension N), a's rows transposed (a: M x k, leading dimension M)
    for r0 in range(0, n, rows):
        k = min(n, r0 + rows) - r0
        _gemm(N, M, k, b[r0:], N, a[r0:], M, True, add or r0 > 0, out, N)


@njit(cache=True, **_JIT)
def _outer(u, v, out):
    """``out[b, k] = u[b] * v[k]``: u (n,), v (K,), out (n, K); ``np.outer`` into ``out``."""
    for b in range(out.shape[0]):
        row, ub = out[b], u[b]
        for k in range(row.shape[0]):
            row[k] = ub * v[k]


@njit(cache=True, **_JIT)
def _column_sums(m, out, add):
    """``out[k] = sum_i m[i, k]`` (``+=`` with ``add``), summed in row order; m (n, K),
    out (K,)."""
    if not add:
        out[:] = 0
    for i in range(m.shape[0]):
        row = m[i]
        for k in range(out.shape[0]):
            out[k] += row[k]


@njit(cache=True, **_JIT)
def _column_sums_weighted(m, w, out, weighted, add):
    """``out[k] = sum_i m[i, k]`` and ``weighted[k] = sum_i w[i] * m[i, k]`` (``+=`` with
    ``add``) in one pass over ``m``, summed in row order; m (n, K), w (n,), out and
    weighted (K,).

    The bias and input-weight gradients of a layer of one input: BLAS multiplies a
    one-column product through a slower path than this loop, and a second pass would read
    ``m`` again.
    """
    if not add:
        out[:] = 0
        weighted[:] = 0
    for i in range(m.shape[0]):
        row, wi = m[i], w[i]
        for k in range(out.shape[0]):
            v = row[k]
            out[k] += v
            weighted[k] += wi * v


@njit(cache=True, **_JIT)
def _weight_gradients(dp, drec, inp, h, g_ih, g_hh, g_bih, g_bhh, add):
    """Gradients of one layer's weights and biases from some of its rows (steps), written,
    or added with ``add``.

    Parameters
    ----------
    dp, drec : ndarray of shape (n, G * H)
        Gradients with respect to the pre-activations, input and recurrent side (the same
        array unless the cell is a GRU).
    inp : ndarray of shape (n, F_layer)
        The layer's inputs at these rows.
    h : ndarray of shape (n, H)
        Its hidden states before each of these steps.
    g_ih, g_hh : ndarray of shape (G * H, F_layer) and (G * H, H)
        Out: gradients of ``W_ih`` and ``W_hh``.
    g_bih, g_bhh : ndarray of shape (G * H,)
        Out: gradients of ``b_ih`` and ``b_hh``; ``g_bhh`` empty unless the cell is a GRU
        (the others' equals ``g_bih``).
    add : bool
    """
    if inp.shape[1] == 1:  # one input: a column of W_ih, summed with the bias
        _column_sums_weighted(dp, inp.reshape(-1), g_bih, g_ih.reshape(-1), add)
    else:
        _gram(dp, inp, g_ih, add)
        _column_sums(dp, g_bih, add)
    _gram(drec, h, g_hh, add)
    if g_bhh.shape[0] > 0:
        _column_sums(drec, g_bhh, add)
