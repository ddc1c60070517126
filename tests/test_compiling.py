"""The one line on stderr while kernels compile for the first time, silence afterwards, and
the helper process that shares the compiling while training compiles."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Two predictions of the smallest network (the Elman cell compiles fastest), in one process.
SCRIPT = """
import numpy as np
from tsrnn._network import NetworkSpec, forward
spec = NetworkSpec("rnn", 1, 2, 1, 1)
params = spec.init_params(np.random.default_rng(0))
for _ in range(2):
    forward(params, np.zeros((1, 3, 1), dtype=np.float32), spec)
print("done")
"""


def _run(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True,
        cwd=ROOT,
    )  # fmt: skip


def test_compile_notice_once_then_silent(tmp_path):
    first = _run(tmp_path)
    assert first.stdout == "done\n"
    lines = first.stderr.splitlines()
    assert len(lines) == 1, first.stderr
    assert lines[0].startswith("tsrnn: compiling kernels (once per install, about ")
    second = _run(tmp_path)  # same disk cache: nothing to compile, nothing to say
    assert second.stdout == "done\n"
    assert second.stderr == ""


#: One training step, then a prediction, of the smallest network: the step starts the helper
#: that compiles the prediction engine; the prediction waits for it.
TRAIN_SCRIPT = """
import numpy as np
from tsrnn import _compiling
from tsrnn._chunks import engines
from tsrnn._network import NetworkSpec, forward, loss_and_grad
spec = NetworkSpec("rnn", 1, 2, 1, 1)
params = spec.init_params(np.random.default_rng(0))
X = np.zeros((1, 3, 1), dtype=np.float32)
loss_and_grad(params, X, np.zeros((1, 1), dtype=np.float32), spec)
helper = _compiling._state["aside"].get(("rnn", "float32"))
print("helper" if helper is not None else "none")
forward(params, X, spec)
predict = engines(spec.cell_code)[0]
print("loaded" if predict.stats.cache_hits else "compiled")
"""


def _run_script(script, cache_dir, **env):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True,
        cwd=ROOT,
    )  # fmt: skip


def test_prediction_engine_compiles_aside_while_training_compiles(tmp_path):
    run = _run_script(TRAIN_SCRIPT, tmp_path)
    # the prediction engine came from the helper's disk cache, not a compile of its own
    assert run.stdout.split() == ["helper", "loaded"], run.stdout + run.stderr
    assert len(run.stderr.splitlines()) == 1  # still one notice


def test_compile_aside_can_be_switched_off(tmp_path):
    run = _run_script(TRAIN_SCRIPT, tmp_path, TSRNN_COMPILE_ASIDE="0")
    assert run.stdout.split() == ["none", "compiled"], run.stdout + run.stderr


#: Training of one network in a process of its own, with an empty disk cache (so that the
#: functions the training engine calls compile here): which of the helper's signatures it
#: did not compile.
CALLEES_SCRIPT = """
import numpy as np
from tsrnn._chunks import training_callees
from tsrnn._network import NetworkSpec, loss_and_grad
cell, dtype, layers, head = {args!r}
spec = NetworkSpec(cell, 3, 4, layers, 2, n_head_features=head)
params = spec.init_params(np.random.default_rng(0), np.dtype(dtype))
X = np.zeros((5, 6, 3), dtype=dtype)
Z = np.zeros((5, head), dtype=dtype) if head else None
loss_and_grad(params, X, np.zeros((5, 2), dtype=dtype), spec, Z=Z)
callees = training_callees(spec.cell_code, np.dtype(dtype))
print(len(callees), [f.py_func.__name__ for f, sig in callees if sig not in f.signatures])
"""


@pytest.mark.parametrize("args", [("lstm", "float32", 1, 0), ("gru", "float64", 2, 2)])
def test_training_callees_are_what_training_compiles(args, tmp_path):
    # the helper compiles these signatures for the training engine to load: each must be
    # one that training compiles (a stale list would only cost time, silently)
    run = _run_script(CALLEES_SCRIPT.format(args=args), tmp_path, TSRNN_COMPILE_ASIDE="0")
    assert run.stdout.strip() == "16 []", run.stdout + run.stderr


#: The helper alone, then one training step: the step loads what the helper compiled.
AFTER_HELPER_SCRIPT = """
import numpy as np
from tsrnn import _compiling
from tsrnn._kernels_rnn import rnn_backward_step
from tsrnn._network import NetworkSpec, loss_and_grad
_compiling.compile_aside("rnn", np.dtype(np.float32))
_compiling.wait_aside("rnn", np.dtype(np.float32))
spec = NetworkSpec("rnn", 1, 2, 1, 1)
params = spec.init_params(np.random.default_rng(0))
X, Y = np.zeros((1, 3, 1), dtype=np.float32), np.zeros((1, 1), dtype=np.float32)
loss_and_grad(params, X, Y, spec)
stats = rnn_backward_step.stats
print(stats.cache_hits and not stats.cache_misses)
"""


def test_training_loads_what_the_helper_compiled(tmp_path):
    run = _run_script(AFTER_HELPER_SCRIPT, tmp_path)
    assert run.stdout.split() == ["True"], run.stdout + run.stderr


#: What ``python -m tsrnn forecast`` does before its imports when it will train.
EARLY_SCRIPT = """
import numpy as np
from tsrnn import _compiling
_compiling.compile_early("rnn", np.dtype(np.float32))
print("helper" if _compiling._state["aside"].get(("rnn", "float32")) else "none")
"""


def test_compile_early_starts_the_helper_only_before_training_ever_compiled(tmp_path):
    assert _run_script(EARLY_SCRIPT, tmp_path).stdout.split() == ["helper"]
    _run_script(TRAIN_SCRIPT, tmp_path)  # the training engine is now in the disk cache
    assert _run_script(EARLY_SCRIPT, tmp_path).stdout.split() == ["none"]
