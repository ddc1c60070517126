"""Tests of tsrnn._data.covariates: covariate_columns and align_covariates."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import _data

IDX = pd.date_range("2020-01-01", periods=5, freq="D")


def _shared():
    return pd.DataFrame({"temp": np.arange(5.0), "promo": [0, 1, 0, 1, 1]}, index=IDX)


def _long():
    return pd.DataFrame(
        {"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(IDX[:3]) * 2, "x": np.arange(6.0)}
    )


def test_columns():
    assert _data.covariate_columns(_shared()) == ["temp", "promo"]
    assert _data.covariate_columns(_long()) == ["x"]  # unique_id and ds are not covariates


def test_shared_rows_per_series():
    rows = _data.align_covariates(_shared(), ["a", "b"], [IDX[1:3], IDX[3:]])
    assert [r.shape for r in rows] == [(2, 2), (2, 2)]
    assert all(r.dtype == np.float64 for r in rows)
    np.testing.assert_array_equal(rows[0], [[1.0, 1.0], [2.0, 0.0]])
    np.testing.assert_array_equal(rows[1], [[3.0, 1.0], [4.0, 1.0]])


def test_long_rows_by_unique_id():
    rows = _data.align_covariates(_long(), ["b", "a"], [IDX[1:3], IDX[:1]])
    np.testing.assert_array_equal(rows[0], [[4.0], [5.0]])
    np.testing.assert_array_equal(rows[1], [[0.0]])


def test_array_indexed_by_position():
    rows = _data.align_covariates(np.arange(6.0), [0], [pd.RangeIndex(2, 4)])
    np.testing.assert_array_equal(rows[0], [[2.0], [3.0]])


def test_errors():
    with pytest.raises(ValueError, match="no row at 2020-01-06"):
        _data.align_covariates(_shared(), ["a"], [pd.date_range("2020-01-04", periods=3)])
    with pytest.raises(ValueError, match="fitted with"):
        _data.align_covariates(_shared(), ["a"], [IDX], columns=["x"])
    with pytest.raises(ValueError, match="no rows for series 'c'"):
        _data.align_covariates(_long(), ["c"], [IDX])
    with pytest.raises(TypeError, match="column 's' has non-numeric"):
        _data.covariate_columns(pd.DataFrame({"s": ["a", "b"]}))
    with pytest.raises(TypeError, match="DataFrame or Series"):
        _data.covariate_columns("x")
