"""The one line a process prints when it is about to compile kernels.

Numba compiles a kernel on its first call with new argument types and keeps the result in
its disk cache (``cache=True``), so a fresh install compiles once, for tens of seconds, and
later processes load the kernels in a fraction of a second. Before the first call of an
engine entry point (per entry point and argument dtype), :func:`announce_compile` looks up
the dispatcher's compiled signatures and its disk-cache index; when the call is going to
compile, it prints one line to stderr, once per process::

    tsrnn: compiling kernels (once per install, about 40 s)...

and nothing otherwise. Any failure to look (Numba internals differ) stays silent.
"""

import sys

#: Seconds a fresh install spends compiling for the default model (LSTM, float32: training
#: and prediction), measured on a 2-core machine; quoted in the notice.
COMPILE_SECONDS = 40

_state = {"announced": False, "checked": set()}


def _will_compile(dispatcher, args):
    """Whether calling ``dispatcher(*args)`` compiles: neither compiled in this process nor
    in Numba's disk cache. False if that cannot be told."""
    try:
        sig = tuple(dispatcher.typeof_pyval(a) for a in args)
        if sig in dispatcher.overloads:
            return False
        cache = dispatcher._cache
        key = cache._index_key(sig, dispatcher.targetctx.codegen())
        return key not in cache._cache_file._load_index()
    except Exception:
        return False


def announce_compile(dispatcher, args):
    """Print the compile notice if calling ``dispatcher(*args)`` will compile (once per
    process; checked once per dispatcher and dtype of the first argument).

    Parameters
    ----------
    dispatcher : numba Dispatcher
    args : tuple
        The arguments of the coming call.
    """
    if _state["announced"]:
        return
    key = (id(dispatcher), getattr(args[0], "dtype", None))
    if key in _state["checked"]:
        return
    _state["checked"].add(key)
    if _will_compile(dispatcher, args):
        _state["announced"] = True
        print(
            f"tsrnn: compiling kernels (once per install, about {COMPILE_SECONDS} s)\u2026",
            file=sys.stderr,
            flush=True,
        )
