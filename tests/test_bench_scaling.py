"""Smoke test of benchmarks/bench_scaling.py: its quick grids give tables of finite numbers."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    """The script as a module (its helpers sit beside it, in benchmarks/)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_scaling", BENCHMARKS / "bench_scaling.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


def tables(text):
    """The markdown tables of ``text``: a list of (header, rows), cells stripped."""
    out, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            header = [c.strip() for c in line.strip("|").split("|")]
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip("|").split("|")])
            out.append((header, rows))
    return out


def number(cell):
    """The number in a cell (thousands separators and a "<= " bound dropped), else None."""
    try:
        return float(cell.removeprefix("<= ").replace(",", ""))
    except ValueError:
        return None


def check_tables(text, n_tables):
    """Every numeric cell is finite, and positive unless it is an exponent."""
    found = tables(text)
    assert len(found) == n_tables, text
    for header, rows in found:
        assert rows, text
        for row in rows:
            assert len(row) == len(header), row
            values = [(h, number(c)) for h, c in zip(header, row, strict=True)]
            assert any(v is not None for _, v in values), row
            for h, v in values:
                if v is None:
                    continue
                assert math.isfinite(v), (h, row)
                if "exponent" not in h:
                    assert v > 0, (h, row)


def test_quick_scaling(bench, capsys):
    bench.main(["--quick", "--part", "scaling", "--repeats", "2"])
    out = capsys.readouterr().out
    assert "machine:" in out and "numba" in out and "load average at start" in out
    check_tables(out, 3)
    assert out.count("| lstm |") == 3 and out.count("| gru |") == 3


def test_memory_one_config(bench, capsys):
    bench.main(["--part", "memory", "--memory-configs", "96,256,64"])
    out = capsys.readouterr().out
    check_tables(out, 1)  # one configuration: no exponents
    header, rows = tables(out)[0]
    assert [r[:3] for r in rows] == [["96", "256", "64"]]


def test_bad_options(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(["--memory-configs", "96,256"])
    with pytest.raises(SystemExit):
        bench.parse_args(["--threads", "0"])
