"""benchmarks/base_select.py: base models compared on validation splits of training parts."""

import pytest
from conftest import import_benchmark


@pytest.fixture(scope="module")
def base_select():
    return import_benchmark("base_select")


def test_validation_splits_hold_out_the_horizon_before_the_test(base_select):
    from tsrnn.datasets import load

    splits = base_select.splits(None)  # the embedded datasets only
    for name, (contexts, targets, ids, h, *_) in splits.items():
        y = load(name).to_numpy(dtype=float)
        assert ids == [name] and targets.shape == (1, h)
        # never the test values: the context and target end where the test starts
        assert len(contexts[0]) == len(y) - 2 * h
        assert (targets[0] == y[-2 * h : -h]).all()


def test_candidates_are_scored_relative_to_the_first(base_select, tiny_base, capsys):
    base_select.main([str(tiny_base), str(tiny_base), "--contexts", "0,8"])
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith(f"| {tiny_base.name}")]
    assert len(rows) == 4
    assert rows[0].endswith("| 1.000 |") and rows[2].endswith("| 1.000 |")  # the same model
    assert "context own" in rows[0] and "context 8" in rows[1]
