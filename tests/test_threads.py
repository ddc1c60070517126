"""The chunks' thread pool: every chunk once, in its own slot; reused scratch memory."""

import threading

import numpy as np
import pytest

from tsrnn import _threads


@pytest.mark.parametrize("n_chunks, n_rows", [(1, 4), (5, 1), (7, 2), (9, 3)])
def test_run_chunks_runs_every_chunk_once_with_a_row_of_scratch_per_thread(n_chunks, n_rows):
    out = np.zeros(n_chunks)
    rows, names = [], []
    lock = threading.Lock()

    def engine(scale, taken, n, work, out):  # takes chunks as the compiled engines do
        with lock:
            rows.append(work.ctypes.data)
            names.append(threading.current_thread().name)
        while True:
            with lock:
                k = int(taken[0])
                taken[0] += 1
            if k >= n:
                return
            work[:] = k  # scratch of this thread alone
            out[k] += scale * (k + 1)

    work = np.zeros((n_rows, 3))
    _threads.run_chunks(engine, n_chunks, (2.0,), (out,), work)
    np.testing.assert_array_equal(out, 2.0 * np.arange(1, n_chunks + 1))
    n_threads = min(n_chunks, n_rows)
    assert len(rows) == n_threads == len(set(rows))  # one call per thread, a row each
    assert threading.current_thread().name in names  # the caller works too


def test_engines_take_every_chunk_once_whatever_the_threads():
    # the compiled engines' atomic counter: every chunk once, from two threads at once
    from numba import njit

    from tsrnn._chunks import _take

    @njit(nogil=True)
    def take_all(taken, n, seen):
        k = _take(taken)
        while k < n:
            seen[k] += 1
            k = _take(taken)

    seen = np.zeros(20_000, dtype=np.int64)
    taken = _threads.new_counter()
    workers = [threading.Thread(target=take_all, args=(taken, len(seen), seen)) for _ in range(2)]
    for w in workers:
        w.start()
    take_all(taken, len(seen), seen)
    for w in workers:
        w.join()
    np.testing.assert_array_equal(seen, 1)


@pytest.mark.parametrize("n_tasks", [0, 1, 2])
def test_run_tasks_runs_each_task_once_the_first_on_the_calling_thread(n_tasks):
    out = np.zeros(n_tasks)
    names = [None] * n_tasks

    def task(i, value):
        names[i] = threading.current_thread().name
        out[i] += value

    _threads.run_tasks([(task, (i, 10.0 + i)) for i in range(n_tasks)])
    np.testing.assert_array_equal(out, 10.0 + np.arange(n_tasks))
    if n_tasks:
        assert names[0] == threading.current_thread().name
    if n_tasks > 1:
        assert names[1] != names[0]


def test_workspace_is_reused_and_grows_on_demand():
    a = _threads.workspace(2, 10, np.float32)
    b = _threads.workspace(1, 5, np.float32)
    assert b.base is a.base or np.shares_memory(a, b)
    c = _threads.workspace(4, 1000, np.float32)
    assert c.shape == (4, 1000) and c.dtype == np.float32
    assert _threads.workspace(2, 10, np.float64).dtype == np.float64


def test_pool_is_remade_when_the_thread_count_changes():
    one = _threads._pool(1)
    assert _threads._pool(1) is one
    two = _threads._pool(2)
    assert two is not one and _threads._pool(2) is two
