"""Every script in examples/ runs (with fast settings), so none of them rots."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    env = dict(os.environ, TSRNN_EXAMPLES_FAST="1", MPLBACKEND="Agg")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "the example printed nothing"


def test_examples_exist():
    assert {p.stem for p in EXAMPLES} >= {
        "quickstart", "sklearn_pipeline", "fine_tune", "many_series", "covariates",
        "intervals_backtest", "base_model",
    }
