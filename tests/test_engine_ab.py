"""Smoke test of benchmarks/engine_ab.py: a version compared with itself gives one row per
shape, finite speeds, and the same bits."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_version_against_itself_gives_the_same_bits():
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "engine_ab.py"), str(ROOT), "--rounds", "2",
         "--infer", "rnn,2,5,6,9,2", "--train", "rnn,1,4,5,3,1"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    rows = [line.split("|")[1:-1] for line in run.stdout.splitlines()
            if line.startswith("| infer") or line.startswith("| train")]  # fmt: skip
    assert [r[0].strip() for r in rows] == ["infer", "train"]
    for _, shape, before, after, ratio, same in rows:
        assert shape.strip().startswith("rnn,")
        assert float(before.replace(",", "")) > 0 and float(after.replace(",", "")) > 0
        assert float(ratio) > 0
        assert same.strip() == "yes"
