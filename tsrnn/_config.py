"""Tunables, in one place.

Numba reads module globals once, at compile time, so kernels never read these: the Python
side passes them to the kernels as arguments.
"""

#: Sequences handled together by one worker of the CPU engines. The batch is cut into chunks
#: of this size whatever the number of threads, and the per-chunk gradients are summed in
#: chunk order, so results are bit-identical for any ``NUMBA_NUM_THREADS``. 16 rather than 32:
#: a chunk's stored activations for backpropagation through time then stay closer to the
#: per-core cache: training at (input 1, hidden 64, window 96, batch 256) runs 1.13x (LSTM)
#: and 1.21x (GRU) faster on a 2-core AVX-512 EPYC
#: (``python benchmarks/bench_cpu.py --chunk-sizes 32 16 --rounds 3``).
CPU_CHUNK_SIZE = 16

#: Smallest number of chunks the engines aim for (a batch smaller than
#: ``CPU_MIN_CHUNKS * 8`` sequences gets chunks of 8, or fewer sequences). Depends on the
#: batch size only, never on the thread count.
CPU_MIN_CHUNKS = 4

#: Largest ``m * n * k`` of the per-step recurrent products (``h @ W_hh.T`` and its
#: gradient). Larger chunks are multiplied a block of rows at a time: OpenBLAS multiplies
#: matrices up to this size with a small-matrix kernel that skips packing, up to twice as
#: fast as its general kernel at these shapes. Changes which rows go together, never the
#: result of a row.
CPU_SMALL_GEMM = 2**19

#: Bytes of working memory the estimator allows a training batch before it refuses to start.
MAX_TRAINING_BYTES = 8 * 2**30
