"""Tests for the bundled data sets."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn import datasets
from tsrnn.datasets import list_datasets, load, load_airline, load_co2, load_sunspots, load_us_gdp

# name -> (length, freqstr, first timestamp, last timestamp, first values, series name)
EXPECTED = {
    "airline": (
        144,
        "MS",
        "1949-01-01",
        "1960-12-01",
        [112.0, 118.0, 132.0, 129.0, 121.0],
        "passengers",
    ),
    "co2": (2284, "W-SAT", "1958-03-29", "2001-12-29", [316.1, 317.3, 317.6], "co2"),
    "sunspots": (309, "YS-JAN", "1700-01-01", "2008-01-01", [5.0, 11.0, 16.0, 23.0], "sunactivity"),
    "us_gdp": (203, "QS-JAN", "1959-01-01", "2009-07-01", [2710.349, 2778.801], "realgdp"),
}


def test_list_datasets():
    assert list_datasets() == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loader_contents(name):
    n, freq, first, last, head, series_name = EXPECTED[name]
    y = load(name)
    assert isinstance(y, pd.Series)
    assert len(y) == n
    assert y.dtype == np.float64
    assert y.name == series_name
    assert not y.isna().any()
    np.testing.assert_array_equal(y.to_numpy()[: len(head)], head)

    idx = y.index
    assert isinstance(idx, pd.DatetimeIndex)
    assert idx.freq is not None and idx.freqstr == freq
    assert idx.is_monotonic_increasing and idx.is_unique
    assert idx[0] == pd.Timestamp(first)
    assert idx[-1] == pd.Timestamp(last)
    # The attached frequency describes the whole index.
    assert idx.equals(pd.date_range(first, periods=n, freq=freq))


def test_named_loaders_match_dispatcher():
    for name, loader in [
        ("airline", load_airline),
        ("co2", load_co2),
        ("sunspots", load_sunspots),
        ("us_gdp", load_us_gdp),
    ]:
        pd.testing.assert_series_equal(loader(), load(name))


def test_airline_known_values():
    y = load_airline()
    assert y.sum() == 40363.0
    assert y.max() == 622.0
    assert y["1960-12-01"] == 432.0
    assert y.index.name == "month"


def test_co2_weekday_and_interpolation():
    y = load_co2()
    assert set(y.index.day_of_week) == {5}  # Saturday
    # The week 1958-05-10 is missing in the record and is linearly interpolated
    # between 1958-05-03 (316.9) and 1958-05-17 (317.5).
    assert y["1958-05-10"] == pytest.approx((316.9 + 317.5) / 2)
    # Longest gap: 18 weeks between 1964-01-18 and 1964-05-30.
    gap = y["1964-01-18":"1964-05-30"].to_numpy()
    assert len(gap) == 20
    np.testing.assert_allclose(np.diff(gap), np.diff(gap)[0])


def test_raw_co2_file_keeps_missing_weeks():
    _, values, _, _ = datasets._read_csv("co2.csv")
    assert np.isnan(values).sum() == 59


def test_loaders_return_independent_copies():
    a = load_airline()
    a.iloc[0] = -1.0
    assert load_airline().iloc[0] == 112.0


def test_load_name_normalisation_and_errors():
    pd.testing.assert_series_equal(load(" US-GDP "), load_us_gdp())
    with pytest.raises(ValueError, match="unknown dataset 'nope'.*airline"):
        load("nope")
    with pytest.raises(TypeError):
        load(3)


def test_import_does_not_import_matplotlib():
    code = (
        "import sys; import tsrnn.datasets as d; d.load_airline(); "
        "import tsrnn.metrics, tsrnn.plotting; "
        "assert 'matplotlib' not in sys.modules"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
