"""The one line on stderr while kernels compile for the first time, and silence afterwards."""

import os
import subprocess
import sys
from pathlib import Path

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
