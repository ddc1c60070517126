"""benchmarks/base_reading.py: how the base model reads series, on validation splits."""

import numpy as np
import pytest
from conftest import import_benchmark


@pytest.fixture(scope="module")
def base_reading():
    return import_benchmark("base_reading")


def test_synthetic_splits_hold_out_each_frequencys_m4_horizon(base_reading):
    from tsrnn.synthetic import FREQUENCIES, SyntheticSeries

    splits = base_reading.synthetic_splits(n_series=40, seed=7)
    batch = SyntheticSeries(length=400, random_state=7).sample(40)
    rows = {tuple(v[:20]): v for v in batch.values}
    for name, (contexts, targets, cals, lags) in splits.items():
        freq = name.split()[-1]
        for c, t, cal, m in zip(contexts, targets, cals, lags, strict=True):
            full = rows[tuple(c[:20])]  # the series the split was cut from
            assert len(t) == base_reading.HORIZONS[freq] and cal == FREQUENCIES[freq][0]
            np.testing.assert_array_equal(np.concatenate([c, t]), full[: len(c) + len(t)])
            assert m in (1, cal)


def test_rules_agree_where_they_must(base_reading):
    rules = base_reading.RULES
    t = np.arange(300)
    cycle = np.sin(2 * np.pi * t / 11)
    assert rules["calendar"](cycle, 1) == 1
    assert rules["calendar, else found"](cycle, 1) == rules["found"](cycle, 1) == 11
    assert rules["found, calendar if short"](cycle[:30], 24) == 24  # too short for two days
    assert rules["found, calendar if short or near"](np.sin(2 * np.pi * t / 23), 24) == 24


def test_floors_score_each_rule_of_the_forecast_floor(base_reading, monkeypatch):
    import argparse

    import tsrnn._pretrained_mode as pm

    monkeypatch.setattr(pm, "FLOOR", pm.FLOOR)  # restored after the test
    seen = []
    monkeypatch.setattr(base_reading, "score", lambda d: seen.append(pm.FLOOR) or (1.0, 1.0))
    args = argparse.Namespace(floors=True, contexts=False, grid=False)
    labels = []
    for label, scorer in base_reading.candidates(args):
        assert scorer(None) == (1.0, 1.0)
        labels.append(label)
    assert seen == list(base_reading.FLOORS) and "series" in seen
    assert labels == [f"floor: {f}" for f in base_reading.FLOORS]
