"""What happens around the first compile of the kernels: one line on stderr, and a second
process that shares the compiling.

Numba compiles a kernel on its first call with new argument types and keeps the result in
its disk cache (``cache=True``), so a fresh install compiles once, for seconds, and later
processes load the kernels in a fraction of a second. Before the first call of an engine
entry point (per entry point and argument dtype), :func:`will_compile` looks up the
dispatcher's compiled signatures and its disk-cache index. When the call is going to
compile, :func:`announce` prints one line to stderr, once per process::

    tsrnn: compiling kernels (once per install, about 10 s)...

and nothing otherwise. Any failure to look (Numba internals differ) stays silent.

Training needs both engines, and Numba compiles on one core. When the training engine is
about to compile, :func:`compile_aside` starts a helper process that compiles, into the
shared disk cache on another core, the functions the training engine calls (mostly the last
called first, while Numba compiles them from the first: the process loads the ones the
helper has finished; :func:`tsrnn._chunks.training_callees`), then the same cell's
prediction engine and the Adam update. The first prediction waits for the helper
(:func:`wait_aside`) and then loads the prediction engine from the cache. ``python -m tsrnn
forecast`` starts the helper before it imports pandas and scikit-learn
(:func:`compile_early`), so that the helper's work overlaps those imports too. Set the
environment variable ``TSRNN_COMPILE_ASIDE=0`` to compile everything in the process itself.
"""

import atexit
import os
import subprocess
import sys
from pathlib import Path

#: Seconds a fresh install spends compiling for the default model (LSTM, float32: training
#: and prediction), measured on a 2-core machine; quoted in the notice.
COMPILE_SECONDS = 10

#: Seconds the first prediction waits at most for the helper process.
ASIDE_TIMEOUT = 120

_state = {"announced": False, "checked": set(), "aside": {}}

#: What the helper process runs: the functions the training engine calls, in the order of
#: ``training_callees``; the prediction of a tiny network of the given cell and dtype,
#: which compiles that cell's prediction engine; and one Adam update.
_ASIDE_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
import numpy as np
from {package}._chunks import training_callees
from {package}._network import NetworkSpec, forward
from {package}._optim import Adam
spec = NetworkSpec({cell!r}, 1, 2, 1, 1)
for function, signature in training_callees(spec.cell_code, np.dtype({dtype!r})):
    function.compile(signature)
params = spec.init_params(np.random.default_rng(0), np.dtype({dtype!r}))
forward(params, np.zeros((1, 3, 1), dtype=params.dtype), spec)
Adam().update(params, np.zeros_like(params))
"""


def will_compile(dispatcher, args):
    """Whether calling ``dispatcher(*args)`` compiles: neither compiled in this process nor
    in Numba's disk cache.

    Checked once per dispatcher and dtype of the first argument; later calls with the same
    key return False, as does any failure to look.

    Parameters
    ----------
    dispatcher : numba Dispatcher
    args : tuple
        The arguments of the coming call.
    """
    key = (id(dispatcher), getattr(args[0], "dtype", None))
    if key in _state["checked"]:
        return False
    _state["checked"].add(key)
    try:
        sig = tuple(dispatcher.typeof_pyval(a) for a in args)
        if sig in dispatcher.overloads:
            return False
        index_key = dispatcher._cache._index_key(sig, dispatcher.targetctx.codegen())
        return index_key not in _disk_index(dispatcher)
    except Exception:
        return False


def _disk_index(dispatcher):
    """What Numba's disk cache holds for ``dispatcher``: {index key: file} (Numba internals;
    callers treat any failure as "cannot tell")."""
    return dispatcher._cache._cache_file._load_index()


def announce():
    """Print the compile notice to stderr (once per process)."""
    if not _state["announced"]:
        _state["announced"] = True
        print(
            f"tsrnn: compiling kernels (once per install, about {COMPILE_SECONDS} s)\u2026",
            file=sys.stderr,
            flush=True,
        )


def compile_aside(cell, dtype):
    """Start a helper process that compiles what the training engine of ``cell`` calls
    (:func:`tsrnn._chunks.training_callees`) and the prediction engine, for ``dtype``, into
    the disk cache (at most one per cell and dtype; none when ``TSRNN_COMPILE_ASIDE=0``).
    What is in the cache already loads in milliseconds. Failing to start one is silent.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    dtype : numpy dtype
    """
    key = (cell, str(dtype))
    if os.environ.get("TSRNN_COMPILE_ASIDE", "1") == "0" or key in _state["aside"]:
        return
    package = __name__.rpartition(".")[0]
    root = str(Path(__file__).resolve().parents[1])
    script = _ASIDE_SCRIPT.format(root=root, package=package, cell=cell, dtype=str(dtype))
    env = dict(os.environ, TSRNN_COMPILE_ASIDE="0")
    try:
        _state["aside"][key] = subprocess.Popen(
            [sys.executable, "-c", script], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except Exception:
        _state["aside"][key] = None


def compile_early(cell, dtype):
    """Start the helper of :func:`compile_aside` now if the training engine of ``cell`` is in
    no disk cache yet: for a program that knows it will train, before its slow imports
    (scikit-learn, pandas), which the helper then overlaps.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}
    dtype : numpy dtype
    """
    try:
        from ._chunks import engines
        from ._spec import CELL_CODES

        index = _disk_index(engines(CELL_CODES[cell])[1])
    except Exception:
        return
    if not index:
        compile_aside(cell, dtype)


def wait_aside(cell, dtype):
    """Wait for the helper process of ``cell`` and ``dtype``, if one is running, so that the
    coming call loads what it compiled instead of compiling it again."""
    proc = _state["aside"].get((cell, str(dtype)))
    if proc is not None and proc.returncode is None:
        try:
            proc.wait(ASIDE_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@atexit.register
def _reap():
    """Wait for the helpers still running when the process ends (a few seconds at most)."""
    for proc in _state["aside"].values():
        if proc is not None and proc.returncode is None:
            try:
                proc.wait(ASIDE_TIMEOUT)
            except Exception:
                pass
