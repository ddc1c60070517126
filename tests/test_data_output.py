"""Tests of tsrnn._data.output: future_index and to_output."""

import numpy as np
import pandas as pd
import pytest
from series_inputs import make_long, make_series

from tsrnn import _data

# --------------------------------------------------------------------------------------------
# future_index
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "last", "expected"),
    [
        ("MS", "2020-12-01", ["2021-01-01", "2021-02-01", "2021-03-01"]),
        ("QS", "2020-10-01", ["2021-01-01", "2021-04-01", "2021-07-01"]),
        ("W-SAT", "2020-01-04", ["2020-01-11", "2020-01-18", "2020-01-25"]),
        ("30min", "2020-01-01 23:00", ["2020-01-01 23:30", "2020-01-02 00:00", "2020-01-02 00:30"]),
        ("B", "2020-01-31", ["2020-02-03", "2020-02-04", "2020-02-05"]),
        ("h", "2020-02-28 22:00", ["2020-02-28 23:00", "2020-02-29 00:00", "2020-02-29 01:00"]),
        ("D", "2020-02-28", ["2020-02-29", "2020-03-01", "2020-03-02"]),
        ("YS", "2020-01-01", ["2021-01-01", "2022-01-01", "2023-01-01"]),
        ("ME", "2020-01-31", ["2020-02-29", "2020-03-31", "2020-04-30"]),
    ],
)
@pytest.mark.parametrize("with_freq", [True, False])
def test_future_index_datetime(freq, last, expected, with_freq):
    idx = pd.date_range(end=last, periods=6, freq=freq, name="time")
    if not with_freq:
        idx = pd.DatetimeIndex(idx.to_numpy(), name="time")
    out = _data.future_index(idx, 3)
    assert isinstance(out, pd.DatetimeIndex)
    assert list(out) == [pd.Timestamp(t) for t in expected]
    # the same calendar (pandas 3.0 infers quarter starts as QS-OCT, 3.1 as QS-JAN: the same)
    assert pd.date_range(out[0], periods=8, freq=out.freq).equals(
        pd.date_range(out[0], periods=8, freq=freq)
    )
    assert out.name == "time"
    assert out.unit == idx.unit


def test_future_index_timezone_and_unit():
    idx = pd.date_range("2020-03-07", periods=5, freq="D", tz="Europe/Paris", unit="s")
    out = _data.future_index(idx, 2)
    assert out.tz is not None and str(out.tz) == "Europe/Paris"
    assert out.unit == "s"
    assert out[0] == pd.Timestamp("2020-03-12", tz="Europe/Paris")


def test_future_index_explicit_freq():
    idx = pd.DatetimeIndex(["2020-01-01"])
    out = _data.future_index(idx, 2, "MS")
    assert list(out) == [pd.Timestamp("2020-02-01"), pd.Timestamp("2020-03-01")]


def test_future_index_unknown_freq():
    with pytest.raises(ValueError, match="frequency"):
        _data.future_index(pd.DatetimeIndex(["2020-01-01"]), 2)


@pytest.mark.parametrize(
    ("freq", "start", "expected"),
    [("M", "2020-11", ["2021-01", "2021-02"]), ("Q", "2019Q4", ["2020Q2", "2020Q3"])],
)
def test_future_index_period(freq, start, expected):
    idx = pd.period_range(start, periods=2, freq=freq)
    out = _data.future_index(idx, 2)
    assert isinstance(out, pd.PeriodIndex)
    assert out.freq == idx.freq
    assert list(out) == [pd.Period(p, freq=freq) for p in expected]


@pytest.mark.parametrize("step", [1, 5])
def test_future_index_range(step):
    idx = pd.RangeIndex(0, 10 * step, step)
    out = _data.future_index(idx, 3)
    assert isinstance(out, pd.RangeIndex)
    assert list(out) == [10 * step, 11 * step, 12 * step]


def test_future_index_range_uneven_stop():
    out = _data.future_index(pd.RangeIndex(0, 9, 5), 2)  # values 0, 5
    assert list(out) == [10, 15]


def test_future_index_integer():
    out = _data.future_index(pd.Index([3, 6, 9], dtype="int32"), 2)
    assert list(out) == [12, 15]
    assert out.dtype == np.int32
    assert list(_data.future_index(pd.Index([7]), 2)) == [8, 9]


def test_future_index_errors():
    with pytest.raises(ValueError, match="empty"):
        _data.future_index(pd.DatetimeIndex([]), 2)
    with pytest.raises(TypeError, match="unsupported"):
        _data.future_index(pd.Index(["a", "b"]), 2)


# --------------------------------------------------------------------------------------------
# to_output
# --------------------------------------------------------------------------------------------


class TestToOutput:
    def test_series(self):
        d = _data.check_series(make_series(10, "MS", name="sales"))
        out = _data.to_output(np.array([[1.0, 2.0, 3.0]]), d)
        assert isinstance(out, pd.Series)
        assert out.name == "sales"
        assert out.index[0] == pd.Timestamp("2020-11-01")
        assert out.index.freq == pd.offsets.MonthBegin()
        np.testing.assert_array_equal(out.to_numpy(), [1.0, 2.0, 3.0])

    def test_series_explicit_indexes(self):
        d = _data.check_series(make_series(10, "D"))
        idx = _data.future_index(d.indexes[0], 2, d.freq)
        out = _data.to_output(np.zeros((1, 2)), d, [idx])
        assert out.index.equals(idx)

    def test_wide(self):
        idx = pd.date_range("2021-01-01", periods=6, freq="h")
        df = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0)}, index=idx)
        d = _data.check_series(df)
        out = _data.to_output(np.array([[1.0, 2.0], [3.0, 4.0]]), d)
        assert list(out.columns) == ["a", "b"]
        assert out.index[0] == pd.Timestamp("2021-01-01 06:00")
        np.testing.assert_array_equal(out["b"].to_numpy(), [3.0, 4.0])

    def test_wide_ragged_start_same_end(self):
        df = pd.DataFrame({"a": [np.nan, 1.0, 2.0], "b": [1.0, 2.0, 3.0]})
        out = _data.to_output(np.zeros((2, 2)), _data.check_series(df))
        assert list(out.index) == [3, 4]

    def test_wide_different_ends_raises(self):
        df = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [1.0, 2.0, 3.0]})
        d = _data.check_series(df)
        with pytest.raises(ValueError, match="long format"):
            _data.to_output(np.zeros((2, 2)), d)

    def test_long(self):
        df = make_long([("b", "2020-01-01", 6, 0.0), ("a", "2020-01-04", 3, 100.0)])
        d = _data.check_series(df)
        out = _data.to_output(np.array([[1.0, 2.0], [3.0, 4.0]]), d)
        assert list(out.columns) == ["unique_id", "ds", "y"]
        assert list(out["unique_id"]) == ["a", "a", "b", "b"]
        assert list(out["ds"]) == [
            pd.Timestamp("2020-01-07"),
            pd.Timestamp("2020-01-08"),
            pd.Timestamp("2020-01-07"),
            pd.Timestamp("2020-01-08"),
        ]
        assert out["ds"].dtype == df["ds"].dtype
        np.testing.assert_array_equal(out["y"].to_numpy(), [1.0, 2.0, 3.0, 4.0])

    def test_long_integer_ds_dtype(self):
        df = pd.DataFrame({"unique_id": ["a"] * 3, "ds": np.array([1, 2, 3], dtype=np.int32)})
        df["y"] = [1.0, 2.0, 3.0]
        out = _data.to_output(np.zeros((1, 2)), _data.check_series(df))
        assert out["ds"].dtype == np.int32
        assert list(out["ds"]) == [4, 5]

    def test_array_1d(self):
        d = _data.check_series(np.arange(10.0))
        out = _data.to_output(np.array([[1.0, 2.0, 3.0]]), d)
        assert isinstance(out, np.ndarray)
        assert out.shape == (3,)

    def test_array_2d(self):
        d = _data.check_series(np.arange(20.0).reshape(10, 2))
        pred = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        out = _data.to_output(pred, d)
        assert out.shape == (3, 2)
        np.testing.assert_array_equal(out[:, 1], [4.0, 5.0, 6.0])

    def test_array_2d_single_column(self):
        d = _data.check_series(np.arange(10.0).reshape(10, 1))
        assert _data.to_output(np.zeros((1, 4)), d).shape == (4, 1)

    def test_shape_mismatch(self):
        d = _data.check_series(np.arange(20.0).reshape(10, 2))
        with pytest.raises(ValueError, match="n_series"):
            _data.to_output(np.zeros((3, 2)), d)
        with pytest.raises(ValueError, match="indexes"):
            _data.to_output(np.zeros((2, 2)), d, [pd.RangeIndex(2)])

    def test_round_trip_pipeline(self):
        """check -> window -> scale -> unscale -> output, on a long frame."""
        df = make_long([("x", "2020-01-01", 40, 1e12), ("y", "2020-01-10", 30, -5.0)])
        d = _data.check_series(df)
        w = _data.auto_window(d.lengths, 3, d.freq)
        X, Y, _, _ = _data.make_windows(d.values, w, 3)
        _, Ys, loc, scale = _data.scale_windows(X, Y)
        np.testing.assert_allclose(_data.unscale(Ys, loc, scale), Y, rtol=1e-12)
        last = np.stack([v[-w:] for v in d.values])
        _, _, loc_l, scale_l = _data.scale_windows(last)
        pred = _data.unscale(np.zeros((2, 3)), loc_l, scale_l)
        out = _data.to_output(pred, d)
        assert len(out) == 6
        assert out["ds"].iloc[0] == pd.Timestamp("2020-02-10")


# --------------------------------------------------------------------------------------------
# to_output_quantiles
# --------------------------------------------------------------------------------------------


class TestToOutputQuantiles:
    PRED = np.arange(12.0).reshape(2, 2, 3)  # (n_series, horizon, n_labels)
    LABELS = [0.1, 0.5, 0.9]

    def test_wide(self):
        d = _data.check_series(pd.DataFrame({"a": np.arange(4.0), "b": np.arange(4.0)}))
        out = _data.to_output_quantiles(self.PRED, d, self.LABELS)
        assert list(out.columns) == [(s, q) for s in "ab" for q in self.LABELS]
        assert list(out.index) == [4, 5]
        np.testing.assert_array_equal(out[("b", 0.5)], [7.0, 10.0])

    def test_long(self):
        d = _data.check_series(
            make_long([("a", "2020-01-01", 4, 0.0), ("b", "2020-01-02", 4, 0.0)])
        )
        out = _data.to_output_quantiles(self.PRED, d, self.LABELS)
        assert list(out.columns) == ["unique_id", "ds", *self.LABELS]
        np.testing.assert_array_equal(out[0.9], [2.0, 5.0, 8.0, 11.0])

    def test_series_and_arrays(self):
        d = _data.check_series(make_series(5, "D"))
        out = _data.to_output_quantiles(self.PRED[:1], d, self.LABELS)
        assert out.shape == (2, 3) and out.index[0] == pd.Timestamp("2020-01-06")
        d = _data.check_series(np.arange(8.0).reshape(4, 2))
        out = _data.to_output_quantiles(self.PRED, d, self.LABELS)
        assert out.shape == (2, 2, 3)  # (horizon, n_series, n_labels)
        np.testing.assert_array_equal(out[1, 0], [3.0, 4.0, 5.0])
