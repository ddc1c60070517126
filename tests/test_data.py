"""Tests of the data boundary: validation, windows, scaling, future indexes and output."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import _data

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _series(n=20, freq="D", start="2020-01-01", name="y", with_freq=True):
    idx = pd.date_range(start, periods=n, freq=freq)
    if not with_freq:
        idx = pd.DatetimeIndex(idx.to_numpy())
        assert idx.freq is None
    return pd.Series(np.arange(n, dtype=np.float64), index=idx, name=name)


def _long(specs, freq="D"):
    """specs: list of (unique_id, start, length, first_value)."""
    frames = []
    for uid, start, n, v0 in specs:
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": uid,
                    "ds": pd.date_range(start, periods=n, freq=freq),
                    "y": v0 + np.arange(n, dtype=np.float64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# check_series: pandas Series
# --------------------------------------------------------------------------------------------


class TestCheckSeriesSeries:
    def test_datetime_with_freq(self):
        s = _series(10, "MS", name="sales")
        d = _data.check_series(s)
        assert d.layout == "series"
        assert d.name == "sales"
        assert d.ids == ["sales"]
        assert d.freq == pd.offsets.MonthBegin()
        assert d.ndim == 1
        assert d.n_series == 1
        np.testing.assert_array_equal(d.values[0], np.arange(10.0))
        assert d.values[0].dtype == np.float64
        assert d.indexes[0].equals(s.index)

    def test_datetime_without_freq_is_inferred(self):
        s = _series(12, "W-SAT", with_freq=False)
        d = _data.check_series(s)
        assert d.freq == pd.offsets.Week(weekday=5)
        assert d.indexes[0].freq == pd.offsets.Week(weekday=5)

    def test_unnamed_series_id_zero(self):
        s = _series(5, name=None)
        d = _data.check_series(s)
        assert d.ids == [0]
        assert d.name is None

    def test_period_index(self):
        s = pd.Series(np.arange(8.0), index=pd.period_range("2020-01", periods=8, freq="M"))
        d = _data.check_series(s)
        assert isinstance(d.indexes[0], pd.PeriodIndex)
        assert d.freq == s.index.freq
        assert _data.season_length(d.freq) == 12

    def test_range_index(self):
        d = _data.check_series(pd.Series([1.0, 2.0, 3.0]))
        assert isinstance(d.indexes[0], pd.RangeIndex)
        assert d.freq is None

    def test_integer_index_constant_step(self):
        s = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.Index([10, 15, 20, 25]))
        d = _data.check_series(s)
        assert list(d.indexes[0]) == [10, 15, 20, 25]
        assert d.freq is None

    def test_integer_index_irregular(self):
        s = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.Index([10, 15, 20, 30]))
        with pytest.raises(ValueError, match="irregular"):
            _data.check_series(s)

    def test_bool_is_numeric(self):
        s = pd.Series([True, False, True, True])
        d = _data.check_series(s)
        np.testing.assert_array_equal(d.values[0], [1.0, 0.0, 1.0, 1.0])

    def test_nullable_integer(self):
        s = pd.Series(pd.array([1, 2, 3], dtype="Int64"))
        np.testing.assert_array_equal(_data.check_series(s).values[0], [1.0, 2.0, 3.0])

    def test_object_numbers_accepted(self):
        s = pd.Series([1, 2.5, 3], dtype=object)
        np.testing.assert_array_equal(_data.check_series(s).values[0], [1.0, 2.5, 3.0])

    @pytest.mark.parametrize("dtype", ["str", "string", object])
    def test_text_raises_type_error(self, dtype):
        s = pd.Series(["1", "2", "x"], dtype=dtype, name="price")
        with pytest.raises(TypeError, match="price"):
            _data.check_series(s)

    def test_datetime_values_raise_type_error(self):
        s = pd.Series(pd.date_range("2020", periods=3))
        with pytest.raises(TypeError, match="non-numeric"):
            _data.check_series(s)

    def test_empty(self):
        with pytest.raises(ValueError, match="empty"):
            _data.check_series(pd.Series([], dtype=float))

    def test_nan_names_timestamp(self):
        s = _series(10)
        s.iloc[4] = np.nan
        with pytest.raises(ValueError, match=r"NaN at 2020-01-05.*allow_missing"):
            _data.check_series(s)

    def test_leading_nan_raises_without_allow_missing(self):
        s = _series(10)
        s.iloc[0] = np.nan
        with pytest.raises(ValueError, match="NaN at 2020-01-01"):
            _data.check_series(s)

    def test_inf_names_timestamp(self):
        s = _series(10)
        s.iloc[6] = -np.inf
        with pytest.raises(ValueError, match="infinite value at 2020-01-07"):
            _data.check_series(s)
        with pytest.raises(ValueError, match="infinite"):
            _data.check_series(s, allow_missing=True)

    def test_allow_missing_interpolates(self):
        s = pd.Series([np.nan, 1.0, np.nan, np.nan, 4.0, 5.0, np.nan])
        d = _data.check_series(s, allow_missing=True)
        np.testing.assert_allclose(d.values[0], [1.0, 2.0, 3.0, 4.0, 5.0])
        assert list(d.indexes[0]) == [1, 2, 3, 4, 5]
        # the input is left untouched
        assert np.isnan(s.iloc[2])

    def test_all_nan(self):
        with pytest.raises(ValueError, match="only NaN"):
            _data.check_series(pd.Series([np.nan, np.nan]), allow_missing=True)

    def test_duplicate_timestamps(self):
        idx = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03"])
        with pytest.raises(ValueError, match="duplicate timestamps.*2020-01-02"):
            _data.check_series(pd.Series(np.arange(4.0), index=idx))

    def test_unsorted_timestamps(self):
        idx = pd.DatetimeIndex(["2020-01-01", "2020-01-03", "2020-01-02", "2020-01-04"])
        with pytest.raises(ValueError, match="unsorted timestamps.*sort"):
            _data.check_series(pd.Series(np.arange(4.0), index=idx))

    def test_unsorted_integer_index(self):
        s = pd.Series([1.0, 2.0, 3.0], index=pd.Index([3, 2, 1]))
        with pytest.raises(ValueError, match="unsorted"):
            _data.check_series(s)

    def test_irregular_timestamps(self):
        idx = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05", "2020-01-06"])
        with pytest.raises(ValueError, match="irregular timestamps"):
            _data.check_series(pd.Series(np.arange(4.0), index=idx))

    def test_string_index_type_error(self):
        s = pd.Series([1.0, 2.0, 3.0], index=["2020-01-01", "2020-01-02", "2020-01-03"])
        with pytest.raises(TypeError, match="pd.to_datetime"):
            _data.check_series(s)

    def test_nat_in_index(self):
        idx = pd.DatetimeIndex(["2020-01-01", pd.NaT, "2020-01-03"])
        with pytest.raises(ValueError, match="missing time stamp"):
            _data.check_series(pd.Series([1.0, 2.0, 3.0], index=idx))

    def test_two_points_and_one_point(self):
        d2 = _data.check_series(_series(2, "h", with_freq=False))
        assert d2.freq == pd.Timedelta("1h")
        d1 = _data.check_series(_series(1, "h", with_freq=False))
        assert d1.freq is None
        assert len(d1.values[0]) == 1

    def test_input_not_modified_and_copy(self):
        s = _series(5)
        d = _data.check_series(s)
        d.values[0][0] = 100.0
        assert s.iloc[0] == 0.0

    def test_unsupported_type(self):
        with pytest.raises(TypeError, match="unsupported input type"):
            _data.check_series({"a": [1, 2]})


# --------------------------------------------------------------------------------------------
# check_series: wide DataFrame
# --------------------------------------------------------------------------------------------


class TestCheckSeriesWide:
    def test_basic(self):
        idx = pd.date_range("2021-01-01", periods=6, freq="h")
        df = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) * 2}, index=idx)
        d = _data.check_series(df)
        assert d.layout == "wide"
        assert d.ids == ["a", "b"]
        assert d.freq == pd.offsets.Hour()
        assert d.name is None
        np.testing.assert_array_equal(d.values[1], np.arange(6.0) * 2)

    def test_ragged_starts_and_ends(self):
        idx = pd.DatetimeIndex(pd.date_range("2021-01-01", periods=6, freq="D").to_numpy())
        df = pd.DataFrame(
            {
                "a": [np.nan, np.nan, 1.0, 2.0, 3.0, 4.0],
                "b": [1.0, 2.0, 3.0, 4.0, np.nan, np.nan],
            },
            index=idx,
        )
        d = _data.check_series(df)
        np.testing.assert_array_equal(d.values[0], [1.0, 2.0, 3.0, 4.0])
        assert d.indexes[0][0] == pd.Timestamp("2021-01-03")
        assert d.indexes[0].freq == pd.offsets.Day()
        np.testing.assert_array_equal(d.values[1], [1.0, 2.0, 3.0, 4.0])
        assert d.indexes[1][-1] == pd.Timestamp("2021-01-04")

    def test_interior_nan_names_series_and_timestamp(self):
        idx = pd.date_range("2021-01-01", periods=5, freq="D")
        df = pd.DataFrame({"a": np.arange(5.0), "b": [1.0, 2.0, np.nan, 4.0, 5.0]}, index=idx)
        with pytest.raises(ValueError, match=r"'b'.*NaN at 2021-01-03"):
            _data.check_series(df)
        d = _data.check_series(df, allow_missing=True)
        np.testing.assert_allclose(d.values[1], [1.0, 2.0, 3.0, 4.0, 5.0])

    def test_string_dtype_column(self):
        df = pd.DataFrame(
            {"a": [1.0, 2.0, 3.0], "label": pd.array(["x", "y", "z"], dtype="string")}
        )
        with pytest.raises(TypeError, match="'label'"):
            _data.check_series(df)

    def test_default_str_dtype_column(self):
        df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "txt": ["x", "y", "z"]})
        with pytest.raises(TypeError, match="'txt'"):
            _data.check_series(df)

    def test_object_text_column(self):
        df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "obj": pd.Series(["x", 1, 2], dtype=object)})
        with pytest.raises(TypeError, match="'obj'"):
            _data.check_series(df)

    def test_bool_column(self):
        df = pd.DataFrame({"flag": [True, False, True]})
        np.testing.assert_array_equal(_data.check_series(df).values[0], [1.0, 0.0, 1.0])

    def test_empty(self):
        with pytest.raises(ValueError, match="empty"):
            _data.check_series(pd.DataFrame())
        with pytest.raises(ValueError, match="empty"):
            _data.check_series(pd.DataFrame({"a": []}, dtype=float))

    def test_all_nan_column(self):
        df = pd.DataFrame({"a": [1.0, 2.0], "b": [np.nan, np.nan]})
        with pytest.raises(ValueError, match="'b'.*only NaN"):
            _data.check_series(df)

    def test_duplicate_columns(self):
        df = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"])
        with pytest.raises(ValueError, match="duplicate column"):
            _data.check_series(df)

    def test_irregular_index(self):
        idx = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-04", "2020-01-09"])
        with pytest.raises(ValueError, match="irregular"):
            _data.check_series(pd.DataFrame({"a": np.arange(4.0)}, index=idx))

    def test_duplicate_index(self):
        idx = pd.DatetimeIndex(["2020-01-01", "2020-01-01", "2020-01-02"])
        with pytest.raises(ValueError, match="duplicate timestamps"):
            _data.check_series(pd.DataFrame({"a": np.arange(3.0)}, index=idx))


# --------------------------------------------------------------------------------------------
# check_series: long DataFrame
# --------------------------------------------------------------------------------------------


class TestCheckSeriesLong:
    def test_different_starts_and_lengths_shuffled(self):
        df = _long([("b", "2020-01-01", 6, 0.0), ("a", "2020-01-04", 3, 100.0)])
        d = _data.check_series(df.sample(frac=1.0, random_state=0))
        assert d.layout == "long"
        assert d.ids == ["a", "b"]
        assert d.freq == pd.offsets.Day()
        np.testing.assert_array_equal(d.values[0], [100.0, 101.0, 102.0])
        np.testing.assert_array_equal(d.values[1], np.arange(6.0))
        assert d.indexes[0][0] == pd.Timestamp("2020-01-04")
        assert d.indexes[0].freq == pd.offsets.Day()
        assert d.indexes[1][0] == pd.Timestamp("2020-01-01")

    def test_extra_columns_ignored(self):
        df = _long([("a", "2020-01-01", 4, 0.0)]).assign(temp=1.5)
        assert _data.check_series(df).n_series == 1

    def test_short_series_follow_longest_frequency(self):
        # a 3-point series Mon..Wed would be inferred as "D"; it conforms to "B" too
        df = _long([("long", "2020-01-06", 20, 0.0), ("short", "2020-01-06", 3, 0.0)], freq="B")
        d = _data.check_series(df)
        assert d.freq == pd.offsets.BusinessDay()

    def test_mixed_frequencies(self):
        a = _long([("a", "2020-01-01", 10, 0.0)], freq="D")
        b = _long([("b", "2020-01-01", 5, 0.0)], freq="MS")
        with pytest.raises(ValueError, match="mixed frequencies"):
            _data.check_series(pd.concat([a, b], ignore_index=True))

    def test_mixed_frequencies_two_point_series(self):
        a = _long([("a", "2020-01-01", 2, 0.0)], freq="D")
        b = _long([("b", "2020-01-01", 2, 0.0)], freq="h")
        with pytest.raises(ValueError, match="mixed frequencies"):
            _data.check_series(pd.concat([a, b], ignore_index=True))

    @pytest.mark.parametrize(
        "stamps", [["2020-01-15"], ["2020-01-15", "2020-02-15"], ["2020-01-01", "2020-03-01"]]
    )
    def test_short_series_off_the_longest_frequency(self, stamps):
        a = _long([("a", "2020-01-01", 10, 0.0)], freq="MS")
        b = pd.DataFrame({"unique_id": "b", "ds": pd.to_datetime(stamps), "y": 1.0})
        with pytest.raises(ValueError, match=r"mixed frequencies.*'a'.*MS.*'b'"):
            _data.check_series(pd.concat([a, b], ignore_index=True))

    def test_single_point_series_on_the_grid(self):
        a = _long([("a", "2020-01-01", 10, 0.0)], freq="MS")
        b = pd.DataFrame({"unique_id": "b", "ds": pd.to_datetime(["2020-05-01"]), "y": 1.0})
        d = _data.check_series(pd.concat([a, b], ignore_index=True))
        assert d.indexes[1].freq == pd.offsets.MonthBegin()
        out = _data.to_output(np.zeros((2, 1)), d)
        assert list(out["ds"]) == [pd.Timestamp("2020-11-01"), pd.Timestamp("2020-06-01")]

    def test_irregular_series(self):
        df = _long([("a", "2020-01-01", 10, 0.0)])
        df = df.drop(index=[3, 7])
        with pytest.raises(ValueError, match=r"irregular timestamps.*'a'"):
            _data.check_series(df)

    def test_duplicate_timestamps(self):
        df = _long([("a", "2020-01-01", 5, 0.0), ("b", "2020-01-01", 5, 0.0)])
        df = pd.concat([df, df.iloc[[7]]], ignore_index=True)
        with pytest.raises(ValueError, match=r"duplicate timestamps.*'b'.*2020-01-03"):
            _data.check_series(df)

    @pytest.mark.parametrize("drop", ["unique_id", "ds", "y"])
    def test_missing_column(self, drop):
        df = _long([("a", "2020-01-01", 5, 0.0)]).drop(columns=drop)
        with pytest.raises(ValueError, match=rf"unique_id.*ds.*y.*missing: '{drop}'"):
            _data.check_series(df)

    def test_nan_names_series(self):
        df = _long([("a", "2020-01-01", 5, 0.0), ("b", "2020-01-01", 5, 0.0)])
        df.loc[8, "y"] = np.nan
        with pytest.raises(ValueError, match=r"'b'.*NaN at 2020-01-04"):
            _data.check_series(df)
        d = _data.check_series(df, allow_missing=True)
        np.testing.assert_allclose(d.values[1], np.arange(5.0))

    def test_text_y(self):
        df = _long([("a", "2020-01-01", 3, 0.0)])
        df["y"] = df["y"].astype(str)
        with pytest.raises(TypeError, match="'y'"):
            _data.check_series(df)

    def test_text_ds(self):
        df = _long([("a", "2020-01-01", 3, 0.0)])
        df["ds"] = df["ds"].astype(str)
        with pytest.raises(TypeError, match=r"'ds'.*pd.to_datetime"):
            _data.check_series(df)

    def test_integer_ds(self):
        df = pd.DataFrame(
            {"unique_id": [1, 1, 1, 2, 2], "ds": [0, 2, 4, 10, 12], "y": np.arange(5.0)}
        )
        d = _data.check_series(df)
        assert d.ids == [1, 2]
        assert d.freq is None
        assert list(d.indexes[1]) == [10, 12]

    def test_integer_ds_mixed_steps(self):
        df = pd.DataFrame(
            {"unique_id": [1, 1, 1, 2, 2], "ds": [0, 2, 4, 10, 11], "y": np.arange(5.0)}
        )
        with pytest.raises(ValueError, match="mixed frequencies"):
            _data.check_series(df)

    def test_period_ds(self):
        df = pd.DataFrame(
            {
                "unique_id": ["a"] * 3 + ["b"] * 2,
                "ds": list(pd.period_range("2020Q1", periods=3, freq="Q"))
                + list(pd.period_range("2020Q3", periods=2, freq="Q")),
                "y": np.arange(5.0),
            }
        )
        d = _data.check_series(df)
        assert isinstance(d.indexes[0], pd.PeriodIndex)
        assert _data.season_length(d.freq) == 4

    def test_empty(self):
        df = pd.DataFrame({"unique_id": [], "ds": pd.to_datetime([]), "y": []})
        with pytest.raises(ValueError, match="empty"):
            _data.check_series(df)

    def test_missing_unique_id_value(self):
        df = _long([("a", "2020-01-01", 3, 0.0)])
        df["unique_id"] = df["unique_id"].astype(object)
        df.loc[1, "unique_id"] = None
        with pytest.raises(ValueError, match="missing unique_id"):
            _data.check_series(df)


# --------------------------------------------------------------------------------------------
# check_series: arrays and lists
# --------------------------------------------------------------------------------------------


class TestCheckSeriesArray:
    def test_list_1d(self):
        d = _data.check_series([1, 2, 3])
        assert d.layout == "array"
        assert d.ndim == 1
        assert d.ids == [0]
        assert isinstance(d.indexes[0], pd.RangeIndex)
        assert d.values[0].dtype == np.float64

    def test_2d(self):
        arr = np.arange(12.0).reshape(4, 3)
        d = _data.check_series(arr)
        assert d.ids == [0, 1, 2]
        assert d.ndim == 2
        np.testing.assert_array_equal(d.values[2], arr[:, 2])

    def test_2d_ragged_nan_edges(self):
        arr = np.array([[np.nan, 1.0], [1.0, 2.0], [2.0, np.nan]])
        d = _data.check_series(arr)
        assert list(d.indexes[0]) == [1, 2]
        assert list(d.indexes[1]) == [0, 1]

    def test_3d_raises(self):
        with pytest.raises(ValueError, match="2-D"):
            _data.check_series(np.zeros((2, 2, 2)))

    def test_scalar_raises(self):
        with pytest.raises(ValueError, match="1-D"):
            _data.check_series(np.float64(1.0))

    def test_empty(self):
        with pytest.raises(ValueError, match="empty"):
            _data.check_series(np.array([]))
        with pytest.raises(ValueError, match="empty"):
            _data.check_series([])

    def test_text_raises(self):
        with pytest.raises(TypeError, match="non-numeric"):
            _data.check_series(["a", "b"])

    def test_ragged_list(self):
        with pytest.raises(ValueError, match="long DataFrame"):
            _data.check_series([[1.0, 2.0], [1.0]])

    def test_nan_position(self):
        with pytest.raises(ValueError, match="NaN at 2"):
            _data.check_series([1.0, 2.0, np.nan, 4.0])


# --------------------------------------------------------------------------------------------
# season_length and auto_window
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "expected"),
    [
        ("h", 24),
        ("30min", 48),
        ("15min", 96),
        ("min", 60),
        ("D", 7),
        ("B", 5),
        ("W", 52),
        ("W-SAT", 52),
        ("MS", 12),
        ("ME", 12),
        ("QS", 4),
        ("QE", 4),
        ("YS", 1),
        ("YE", 1),
        ("2h", 12),
        ("3ME", 4),
        ("2W", 26),
        (None, 1),
        (pd.offsets.Hour(), 24),
        (pd.Timedelta("1D"), 7),
        ("M", 12),  # period alias
        ("Q", 4),  # period alias
    ],
)
def test_season_length(freq, expected):
    assert _data.season_length(freq) == expected


def test_season_length_period_freqs():
    assert _data.season_length(pd.period_range("2020", periods=2, freq="M").freq) == 12
    assert _data.season_length(pd.period_range("2020", periods=2, freq="D").freq) == 7


def test_season_length_invalid():
    with pytest.raises(ValueError, match="invalid frequency"):
        _data.season_length("not-a-freq")


class TestAutoWindow:
    def test_seasonal_candidate(self):
        # monthly: max(24, 2 * 3, 8) = 24, not capped by (1000 - 3) // 2
        assert _data.auto_window([1000, 2000], 3, "MS") == 24

    def test_horizon_candidate(self):
        assert _data.auto_window([1000], 30, "YS") == 60

    def test_minimum_eight(self):
        assert _data.auto_window(500, 1, None) == 8

    def test_capped_by_shortest(self):
        # hourly candidate 48, capped to (40 - 4) // 2 = 18
        assert _data.auto_window([40, 5000], 4, "h") == 18

    def test_at_least_one(self):
        assert _data.auto_window([3], 2, "D") == 1

    def test_too_short(self):
        with pytest.raises(ValueError, match=r"length 5.*horizon \+ 1 = 7"):
            _data.auto_window([100, 5], 6, "D")

    def test_bad_horizon(self):
        with pytest.raises(ValueError, match="horizon"):
            _data.auto_window([100], 0, "D")

    def test_empty_lengths(self):
        with pytest.raises(ValueError, match="empty"):
            _data.auto_window([], 1, "D")


# --------------------------------------------------------------------------------------------
# make_windows
# --------------------------------------------------------------------------------------------


class TestMakeWindows:
    def test_shapes_and_content(self):
        a = np.arange(10.0)
        b = 100 + np.arange(7.0)
        X, Y, sidx, end = _data.make_windows([a, b], 3, 2)
        assert X.shape == (6 + 3, 3)
        assert Y.shape == (9, 2)
        assert X.dtype == Y.dtype == np.float64
        assert sidx.dtype == end.dtype == np.int64
        np.testing.assert_array_equal(sidx, [0] * 6 + [1] * 3)
        np.testing.assert_array_equal(end, [3, 4, 5, 6, 7, 8, 3, 4, 5])
        for x, y, s, e in zip(X, Y, sidx, end, strict=True):
            series = [a, b][s]
            np.testing.assert_array_equal(x, series[e - 3 : e])
            np.testing.assert_array_equal(y, series[e : e + 2])
        assert X.flags.c_contiguous and Y.flags.c_contiguous

    def test_short_series_skipped(self):
        X, _, sidx, _ = _data.make_windows([np.arange(3.0), np.arange(8.0)], 4, 2)
        assert set(sidx) == {1}
        assert X.shape == (3, 4)

    def test_no_window_error(self):
        with pytest.raises(
            ValueError, match=r"length 5 is shorter than window \+ horizon = 4 \+ 2"
        ):
            _data.make_windows([np.arange(5.0), np.arange(3.0)], 4, 2)

    def test_horizon_zero(self):
        X, Y, _, end = _data.make_windows([np.arange(5.0)], 5, 0)
        assert X.shape == (1, 5) and Y.shape == (1, 0)
        np.testing.assert_array_equal(end, [5])

    def test_features(self):
        v = np.stack([np.arange(8.0), -np.arange(8.0)], axis=1)
        X, Y, _, end = _data.make_windows([v], 3, 2)
        assert X.shape == (4, 3, 2)
        assert Y.shape == (4, 2)
        np.testing.assert_array_equal(X[1, :, 1], [-1.0, -2.0, -3.0])
        np.testing.assert_array_equal(Y[1], [4.0, 5.0])

    def test_matches_naive_loop(self):
        rng = np.random.default_rng(4)
        values = [rng.standard_normal(n) for n in (3, 11, 6, 20, 7)]
        window, horizon = 4, 3
        X, Y, sidx, end = _data.make_windows(values, window, horizon)
        rows = []
        for i, v in enumerate(values):
            starts = range(len(v) - window - horizon + 1)
            rows += [(i, s) for s in starts]
        assert len(rows) == X.shape[0]
        for r, (i, s) in enumerate(rows):
            assert sidx[r] == i and end[r] == s + window
            np.testing.assert_array_equal(X[r], values[i][s : s + window])
            np.testing.assert_array_equal(Y[r], values[i][s + window : s + window + horizon])

    def test_single_array(self):
        X, _, _, _ = _data.make_windows(np.arange(5.0), 2, 1)
        assert X.shape == (3, 2)

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="window"):
            _data.make_windows([np.arange(5.0)], 0, 1)
        with pytest.raises(TypeError, match="window"):
            _data.make_windows([np.arange(5.0)], 2.5, 1)


# --------------------------------------------------------------------------------------------
# scale_windows and unscale
# --------------------------------------------------------------------------------------------


class TestScaling:
    def test_stats(self):
        rng = np.random.default_rng(0)
        X = rng.normal(5.0, 2.0, size=(6, 10))
        Y = rng.normal(5.0, 2.0, size=(6, 3))
        Xs, Ys, loc, scale = _data.scale_windows(X, Y)
        np.testing.assert_allclose(loc, X.mean(axis=1), rtol=1e-14)
        np.testing.assert_allclose(scale, X.std(axis=1), rtol=1e-14)
        np.testing.assert_allclose(Xs.mean(axis=1), 0.0, atol=1e-14)
        np.testing.assert_allclose(Xs.std(axis=1), 1.0, rtol=1e-14)
        np.testing.assert_allclose(Ys, (Y - loc[:, None]) / scale[:, None])
        np.testing.assert_allclose(_data.unscale(Ys, loc, scale), Y, rtol=1e-14)

    def test_no_y(self):
        _, Ys, _, _ = _data.scale_windows(np.ones((2, 3)))
        assert Ys is None

    @pytest.mark.parametrize("level", [1e12, 1e-12, -3e12, 1e300])
    def test_extreme_levels_round_trip(self, level):
        rng = np.random.default_rng(1)
        X = level * (1.0 + 0.1 * rng.standard_normal((5, 12)))
        Y = level * (1.0 + 0.1 * rng.standard_normal((5, 4)))
        Xs, Ys, loc, scale = _data.scale_windows(X, Y)
        assert np.isfinite(Xs).all() and np.isfinite(Ys).all()
        assert np.abs(Xs).max() < 10
        np.testing.assert_allclose(_data.unscale(Ys, loc, scale), Y, rtol=1e-12)

    def test_level_invariance(self):
        rng = np.random.default_rng(2)
        X = rng.standard_normal((3, 8))
        Xs1, _, _, _ = _data.scale_windows(X)
        Xs2, _, _, _ = _data.scale_windows(1e12 + 1e9 * X)
        np.testing.assert_allclose(Xs1, Xs2, atol=1e-5)

    def test_constant_window(self):
        X = np.array([[5.0] * 4, [0.0] * 4, [-2.0] * 4])
        Y = np.array([[6.0], [1.0], [-2.0]])
        Xs, Ys, loc, scale = _data.scale_windows(X, Y)
        np.testing.assert_array_equal(scale, [5.0, 1.0, 2.0])
        np.testing.assert_array_equal(loc, [5.0, 0.0, -2.0])
        np.testing.assert_array_equal(Xs, 0.0)
        np.testing.assert_allclose(Ys[:, 0], [0.2, 1.0, 0.0])
        np.testing.assert_allclose(_data.unscale(Ys, loc, scale), Y)

    def test_nearly_constant_window(self):
        X = np.array([[1e12, 1e12 + 1e-3, 1e12, 1e12]])
        _, _, _, scale = _data.scale_windows(X)
        np.testing.assert_allclose(scale, [1e12])

    def test_constant_series_end_to_end(self):
        d = _data.check_series(pd.Series(np.full(30, 7.0)))
        X, Y, _, _ = _data.make_windows(d.values, 5, 2)
        Xs, Ys, loc, scale = _data.scale_windows(X, Y)
        assert np.isfinite(Xs).all() and np.isfinite(Ys).all()
        np.testing.assert_allclose(_data.unscale(Ys, loc, scale), Y)

    def test_3d_scales_only_target(self):
        rng = np.random.default_rng(3)
        X = rng.normal(10.0, 3.0, size=(4, 6, 3))
        Xs, _, loc, scale = _data.scale_windows(X)
        np.testing.assert_allclose(loc, X[:, :, 0].mean(axis=1))
        np.testing.assert_allclose(Xs[:, :, 0].std(axis=1), 1.0)
        np.testing.assert_array_equal(Xs[:, :, 1:], X[:, :, 1:])
        assert not np.shares_memory(Xs, X)

    def test_unscale_3d(self):
        Yhat = np.ones((2, 3, 5))
        out = _data.unscale(Yhat, np.array([1.0, 2.0]), np.array([10.0, 20.0]))
        assert out.shape == (2, 3, 5)
        np.testing.assert_array_equal(out[1], 22.0)

    def test_errors(self):
        with pytest.raises(ValueError, match="shape"):
            _data.scale_windows(np.ones(5))
        with pytest.raises(ValueError, match="NaN"):
            _data.scale_windows(np.array([[1.0, np.nan]]))
        with pytest.raises(ValueError, match="rows"):
            _data.scale_windows(np.ones((2, 3)), np.ones((3, 1)))
        with pytest.raises(ValueError, match="first dimension"):
            _data.unscale(np.ones((2, 3)), np.ones(3), np.ones(3))


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
    assert out.freq == pd.tseries.frequencies.to_offset(freq)
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
        d = _data.check_series(_series(10, "MS", name="sales"))
        out = _data.to_output(np.array([[1.0, 2.0, 3.0]]), d)
        assert isinstance(out, pd.Series)
        assert out.name == "sales"
        assert out.index[0] == pd.Timestamp("2020-11-01")
        assert out.index.freq == pd.offsets.MonthBegin()
        np.testing.assert_array_equal(out.to_numpy(), [1.0, 2.0, 3.0])

    def test_series_explicit_indexes(self):
        d = _data.check_series(_series(10, "D"))
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
        df = _long([("b", "2020-01-01", 6, 0.0), ("a", "2020-01-04", 3, 100.0)])
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
        df = _long([("x", "2020-01-01", 40, 1e12), ("y", "2020-01-10", 30, -5.0)])
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
