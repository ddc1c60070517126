"""The chunks' thread pool: every chunk once, in its own slot; reused scratch memory."""

import threading

import numpy as np
import pytest

from tsrnn import _threads


@pytest.mark.parametrize("n_chunks, n_rows", [(1, 4), (5, 1), (7, 2), (9, 3)])
def test_run_chunks_runs_every_chunk_once_with_a_row_of_scratch_per_thread(n_chunks, n_rows):
    out = np.zeros(n_chunks)
    calls, names = [], set()

    def engine(scale, k0, k1, work, out):
        calls.append(k0)
        names.add(threading.current_thread().name)
        work[:] = k0  # each range writes only its own row
        for k in range(k0, k1):
            out[k] += scale * (k + 1)

    work = np.zeros((n_rows, 3))
    _threads.run_chunks(engine, n_chunks, (2.0,), (out,), work)
    np.testing.assert_array_equal(out, 2.0 * np.arange(1, n_chunks + 1))
    n_threads = min(n_chunks, n_rows)
    assert len(calls) == n_threads  # one range per thread
    # the ranges are contiguous and start where the rows say
    starts = [n_chunks * i // n_threads for i in range(n_threads)]
    np.testing.assert_array_equal(work[:n_threads, 0], starts)
    assert threading.current_thread().name in names  # the caller takes the first range


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
