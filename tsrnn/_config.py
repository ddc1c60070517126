"""Tunables, in one place.

Numba reads module globals once, at compile time, so kernels never read these: the Python
side reads them at call time and passes them to the kernels as arguments (or, for the CUDA
kernels' compile-time sizes, builds the kernels for the values it reads: see
:func:`tsrnn._cuda._kernels.build`). Tests and benchmarks patch them here, for example
``monkeypatch.setattr(_config, "CUDA_THREADS_PER_BLOCK", 8)``.
"""

# --------------------------------------------------------------------------------------------
# CPU engines (tsrnn._network, tsrnn._chunks)

#: Sequences handled together by one worker of the CPU engines (networks neither narrow nor
#: wide: see below). The batch is cut into chunks of this size whatever the number of
#: threads, and the per-chunk gradients are summed in chunk order, so results are
#: bit-identical for any ``NUMBA_NUM_THREADS``. 16 rather than 32: a chunk's stored
#: activations for backpropagation through time then stay closer to the per-core cache;
#: at (input 4, hidden 128, window 256, batch 256) chunks of 32 trained at 0.99 (LSTM) and
#: 0.93 (GRU) of the speed of chunks of 16 on a 2-core AVX-512 Xeon.
CPU_CHUNK_SIZE = 16

#: Sequences per chunk for a narrow network, whose per-step product of this many rows stays
#: within ``CPU_SMALL_GEMM`` (hidden 64 or less for the LSTM and the GRU): each step is then
#: one product of all the chunk's rows. At (input 1, hidden 64, window 96, batch 256) on a
#: 2-core AVX-512 Xeon, chunks of 32 trained and predicted 1.05x faster than chunks of 16
#: (LSTM and GRU; ``python benchmarks/bench_cpu.py --chunk-sizes 16 32 --rounds 9``); at
#: hidden 128, where each step is cut into products of 8 rows, they were not.
CPU_NARROW_CHUNK_SIZE = 32

#: Smallest number of chunks the engines aim for (a batch smaller than
#: ``CPU_MIN_CHUNKS * 8`` sequences gets chunks of 8, or fewer sequences). Depends on the
#: batch size only, never on the thread count.
CPU_MIN_CHUNKS = 4

#: Sequences per chunk for a wide network (hidden 256 for the LSTM and the GRU: see
#: ``CPU_MIN_STEP_ROWS``), whose per-step products are made whole: larger chunks make them
#: larger and faster. At (input 4, hidden 256, window 512, batch 256, 2 layers) on a 2-core
#: AVX-512 Xeon, chunks of 64 predicted 2.2x (LSTM) and 2.0x (GRU) faster and trained 1.4x
#: and 1.5x faster than chunks of 16 cut into products of 2 rows.
CPU_WIDE_CHUNK_SIZE = 64

#: A network whose per-step products would be cut into pieces of fewer rows than this (see
#: ``CPU_SMALL_GEMM``) is wide: its products are made whole, over chunks of
#: ``CPU_WIDE_CHUNK_SIZE``. Pieces of 2 rows ran at about half the speed of one product.
CPU_MIN_STEP_ROWS = 4

#: Largest ``m * n * k`` of the per-step recurrent products (``h @ W_hh.T`` and its
#: gradient). Larger chunks are multiplied a block of rows at a time: OpenBLAS multiplies
#: matrices up to this size with a small-matrix kernel that skips packing, up to twice as
#: fast as its general kernel at these shapes. Changes which rows go together (in blocks
#: of even sizes), not the result of a row (see ``tsrnn._products._dot_rows``).
CPU_SMALL_GEMM = 2**19

#: The per-step products of the backward pass (``dpre @ W_hh``: ``G * H`` terms to a sum)
#: are summed over pieces of at most this many terms, each piece's product added into the
#: result by BLAS: a piece of ``W_hh`` (this many rows of ``H`` floats) then stays in the L1
#: cache while OpenBLAS sweeps it once per few rows of ``dpre``.
CPU_STEP_DEPTH = 128

#: Floats of padding after each row of the recurrent weights that the forward pass reads
#: (``W_hh.T``, H rows of ``G * H``; see ``tsrnn._network.recurrent_stride``) when ``G * H``
#: is 256 or 384: rows 1 KiB or 1.5 KiB apart fall into few sets of the L1 cache, and the
#: per-step products ran faster with the rows 32 floats further apart.
CPU_RECURRENT_PAD = 32

#: The weight gradients of a chunk's layer (``dW = dpre.T @ inputs`` over its steps) are
#: summed over blocks of whole steps, each block a product within ``CPU_SMALL_GEMM`` added as
#: the backward pass leaves it (its rows still in the core's caches), when such a block
#: holds at least this many rows; otherwise over all steps at once after the pass. Blocks
#: of 32 rows (a 64-unit LSTM: two steps of a chunk of 16, one of a chunk of 32) beat one
#: product over all steps; blocks of 8 to 10 rows (128 units) gained nothing, nor did blocks
#: of 64 to 256 rows (``benchmarks/RESULTS.md``).
CPU_MIN_GRAM_ROWS = 16

#: Networks of at most this many parameters keep the transposed copy of their weights that
#: prediction made last (with a copy of the weights it was made from), and prediction reuses
#: it while the weights are bit for bit the same: the copy is a tenth of a one-series
#: forecast of the base model. Larger networks make it afresh (it is cheap next to their
#: forecasts), so no large copies are held.
CPU_KEEP_TRANSPOSED = 2**20

#: Bytes of working memory the estimator allows a training batch before it refuses to start.
MAX_TRAINING_BYTES = 8 * 2**30

# --------------------------------------------------------------------------------------------
# training length of the defaults (tsrnn._trainer.epoch_budget)

#: ``max_epochs="auto"`` runs enough epochs for at least this many optimizer steps, so that a
#: small training set (a few batches an epoch) still trains long enough.
AUTO_MIN_STEPS = 2000

#: ``max_epochs="auto"`` runs at least this many epochs (the limit for a large training set,
#: where early stopping usually ends training first).
AUTO_MIN_EPOCHS = 100

#: ``n_iter_no_change="auto"`` waits at least this many optimizer steps without a better
#: validation loss before it stops: with epochs of a few batches, a patience of a few epochs
#: stops on the plateau that often comes before a network finds the signal.
AUTO_PATIENCE_STEPS = 300

#: ``n_iter_no_change="auto"`` waits at least this many epochs.
AUTO_MIN_PATIENCE = 10

# --------------------------------------------------------------------------------------------
# Dask (tsrnn.dask)

#: A round of tasks on the shards (an optimizer step, a validation score) with at least this
#: many tasks sends the weights once, as a task of their own that the others read on their
#: workers; with fewer, each task carries them. Measured on a 2-core machine, 2 worker
#: processes, 125,760 float32 weights: one round of n tasks takes 5.5 + 4.8 n ms when each
#: carries the weights, 18.8 + 2.5 n ms when they are sent once (8 tasks: 41.7 and 39.2 ms).
#: Changes how the weights travel, never a result.
DASK_SHARED_WEIGHTS_TASKS = 6

# --------------------------------------------------------------------------------------------
# CUDA engine (tsrnn._cuda)

#: Threads per block of every kernel. Any value >= 1 gives the same results (tests use 8).
CUDA_THREADS_PER_BLOCK = 256

#: Sequences handled by one block of the forward and backward kernels. Results depend on
#: it (it sets how the gradient is cut into partials), never on the thread count.
CUDA_SEQS_PER_BLOCK = 4

#: Bytes of dynamic shared memory a block may use; None: the device's opt-in maximum on a
#: real GPU (227 KiB on an H100), 48 KiB under the simulator. Weights that do not fit are
#: read from global memory.
CUDA_SHARED_MEMORY_LIMIT = None

#: Weight-gradient elements one thread of the backward kernel accumulates privately over the
#: time loop (per weight matrix); with more, it adds into global memory at every step. Same
#: summation order either way, so the results are identical. A compile-time size (a local
#: array): the kernels are built once per value.
CUDA_LOCAL_ACC = 64

#: Register cap of the forward and backward kernels (None: the compiler's choice). Uncapped,
#: the forward kernel took more than 128, so one block of 256 threads filled a
#: multiprocessor's registers; with 128, two blocks share one (1.3x faster training on an
#: H100). A compile option: the kernels are built once per value.
CUDA_MAX_REGISTERS = 128

#: Partial sums of squares of the gradient norm before clipping (a fixed count, so the order
#: of summation is fixed; another count may change the last bits of the norm).
CUDA_NORM_PARTS = 256

#: At most this many recent forecast errors are kept to calibrate the prediction intervals of
#: a point model (the most recent windows' errors: see ``tsrnn._intervals``).
MAX_INTERVAL_ERRORS = 5000
