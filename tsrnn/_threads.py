"""Running the CPU engines' chunks on a pool of threads.

The chunk workers (:mod:`tsrnn._chunks`) release the GIL; :func:`run_chunks` runs a batch's
chunks on a pool of threads, which take the chunks one by one, and :func:`run_tasks` runs
several engine calls at once (small batches of different window lengths), with BLAS on one
thread meanwhile; :func:`workspace` lends them scratch memory that lives from call to call.
A call holds :data:`ENGINE_LOCK` for both.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
from numba import get_num_threads

_BLAS = []
_WORK = {}
#: Held while an engine call runs: the kernels release the GIL, and every call shares the
#: scratch memory of :func:`workspace` and the thread pool.
ENGINE_LOCK = threading.Lock()
#: The thread pool of :func:`run_tasks`: (process id, number of threads, executor).
_POOL = [None, 0, None]


def workspace(n_rows, size, dtype):
    """Scratch array of shape (n_rows, size), reused from call to call.

    The engines' large working arrays (states, activations and gradients of every step) are
    carved from it: allocating them afresh on every call costs a page fault per 4 KiB, a
    quarter of a training step at small sizes. One buffer per dtype is kept, grown on demand
    (it never exceeds one row per thread of the largest call). Safe because engine calls
    hold ``ENGINE_LOCK``: two calls never run at once.
    """
    n = n_rows * size
    buf = _WORK.get(dtype)
    if buf is None or buf.size < n:
        buf = _WORK[dtype] = np.empty(n, dtype=dtype)
    return buf[:n].reshape(n_rows, size)


def _single_threaded_blas():
    """Context in which BLAS runs on one thread, for the parallel engines.

    ``np.dot`` inside the kernels calls SciPy's BLAS; when that BLAS is multithreaded, each
    Numba worker would start BLAS threads of its own and the two pools fight over the cores
    (2-3x slower). The engines parallelise over chunks, so BLAS gets one thread while they
    run, and its setting is put back afterwards.
    """
    if not _BLAS:
        try:
            import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS Numba calls)
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController().select(user_api="blas"))
        except Exception:  # no threadpoolctl, or an unknown BLAS: leave it alone
            _BLAS.append(None)
    return nullcontext() if _BLAS[0] is None else _BLAS[0].limit(limits=1)


def _pool(n_threads):
    """A pool of ``n_threads`` worker threads, made on first use (and afresh in a forked
    child, or when the thread count changes)."""
    pid = os.getpid()
    if _POOL[0] != pid or _POOL[1] != n_threads:
        if _POOL[0] == pid and _POOL[2] is not None:
            _POOL[2].shutdown(wait=False)
        executor = ThreadPoolExecutor(n_threads, thread_name_prefix="tsrnn-engine")
        _POOL[:] = [pid, n_threads, executor]
    return _POOL[2]


def run_chunks(engine, n_chunks, head, tail, work):
    """Run ``engine(*head, taken, n_chunks, work[i], *tail)`` on the threads until the
    chunks of a batch are done.

    One call per thread (Numba's thread count, :func:`numba.get_num_threads`, at most one
    per chunk), the calling thread's first; each takes the next chunk from the shared
    counter ``taken`` (see :func:`tsrnn._chunks.engines`) until ``n_chunks`` are taken.
    Each chunk's results land in its own slot, so they do not depend on the thread count
    or on which thread ran which chunk.

    Parameters
    ----------
    engine : numba dispatcher
        One of the entry points of :func:`tsrnn._chunks.engines`.
    n_chunks : int
    head, tail : tuple
        The arguments before ``taken, n_chunks, work`` and after them.
    work : ndarray of shape (n_threads, W)
        Scratch memory, a row per thread.
    """
    n_threads = min(n_chunks, work.shape[0])
    taken = new_counter()
    run_tasks([(engine, (*head, taken, n_chunks, work[i], *tail)) for i in range(n_threads)])


def new_counter():
    """The chunk counter of one engine call (``taken`` of :func:`run_chunks`), at zero."""
    return np.zeros(1, dtype=np.int64)


def run_tasks(tasks):
    """Run ``fn(*args)`` for every ``(fn, args)`` of ``tasks`` at once and wait for them.

    The calling thread runs the first task, the pool of threads the others; with more than
    one, BLAS runs on one thread meanwhile (:func:`_single_threaded_blas`). Give at most as
    many tasks as Numba has threads.

    Parameters
    ----------
    tasks : list of (callable, tuple)
        Engine entry points that release the GIL, with their arguments; each task its own
        scratch memory and outputs.
    """
    if not tasks:
        return
    (fn, args), rest = tasks[0], tasks[1:]
    if not rest:
        fn(*args)
        return
    with _single_threaded_blas():
        # one pool for every call: sized by Numba's thread count, not by this call's tasks
        pool = _pool(max(len(rest), get_num_threads() - 1))
        futures = [pool.submit(f, *a) for f, a in rest]
        fn(*args)
        for future in futures:
            future.result()
