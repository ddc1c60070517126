"""Smoke test of benchmarks/train_parts.py: every part of a chunk's training pass timed, and
the whole chunk through the training engine."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_part_and_the_whole_chunk_are_timed():
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "train_parts.py"), "--cells", "rnn",
         "--shape", "2,4,5,9", "--rounds", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert "RNN (2, 4, 5, 9): one chunk of 8 sequences" in run.stdout
    rows = [line.split("|")[1:-1] for line in run.stdout.splitlines() if line.startswith("| ")]
    names = [r[0].strip() for r in rows[1:]]
    assert names == ["input products", "recurrent, forward", "cell, forward", "cell, backward",
                     "recurrent, backward", "weight gradients", "the rest",
                     "**whole chunk**"]  # fmt: skip
    for name, ms, share, rate in rows[1:7]:
        assert float(ms) > 0 and share.strip().endswith("%")
        assert not rate.strip() if name.strip().startswith("cell") else float(rate) > 0
