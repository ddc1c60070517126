"""Tests of tsrnn._data.series and .validation: check_series on every input layout."""

import numpy as np
import pandas as pd
import pytest
from series_inputs import make_long, make_series

from tsrnn import _data

# --------------------------------------------------------------------------------------------
# check_series: pandas Series
# --------------------------------------------------------------------------------------------


class TestCheckSeriesSeries:
    def test_datetime_with_freq(self):
        s = make_series(10, "MS", name="sales")
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
        s = make_series(12, "W-SAT", with_freq=False)
        d = _data.check_series(s)
        assert d.freq == pd.offsets.Week(weekday=5)
        assert d.indexes[0].freq == pd.offsets.Week(weekday=5)

    def test_unnamed_series_id_zero(self):
        s = make_series(5, name=None)
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
        s = make_series(10)
        s.iloc[4] = np.nan
        with pytest.raises(ValueError, match=r"NaN at 2020-01-05.*allow_missing"):
            _data.check_series(s)

    def test_leading_nan_raises_without_allow_missing(self):
        s = make_series(10)
        s.iloc[0] = np.nan
        with pytest.raises(ValueError, match="NaN at 2020-01-01"):
            _data.check_series(s)

    def test_inf_names_timestamp(self):
        s = make_series(10)
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
        d2 = _data.check_series(make_series(2, "h", with_freq=False))
        assert d2.freq == pd.Timedelta("1h")
        d1 = _data.check_series(make_series(1, "h", with_freq=False))
        assert d1.freq is None
        assert len(d1.values[0]) == 1

    def test_input_not_modified_and_copy(self):
        s = make_series(5)
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
        df = make_long([("b", "2020-01-01", 6, 0.0), ("a", "2020-01-04", 3, 100.0)])
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
        df = make_long([("a", "2020-01-01", 4, 0.0)]).assign(temp=1.5)
        assert _data.check_series(df).n_series == 1

    def test_short_series_follow_longest_frequency(self):
        # a 3-point series Mon..Wed would be inferred as "D"; it conforms to "B" too
        df = make_long([("long", "2020-01-06", 20, 0.0), ("short", "2020-01-06", 3, 0.0)], freq="B")
        d = _data.check_series(df)
        assert d.freq == pd.offsets.BusinessDay()

    def test_mixed_frequencies(self):
        a = make_long([("a", "2020-01-01", 10, 0.0)], freq="D")
        b = make_long([("b", "2020-01-01", 5, 0.0)], freq="MS")
        with pytest.raises(ValueError, match="mixed frequencies"):
            _data.check_series(pd.concat([a, b], ignore_index=True))

    def test_mixed_frequencies_two_point_series(self):
        a = make_long([("a", "2020-01-01", 2, 0.0)], freq="D")
        b = make_long([("b", "2020-01-01", 2, 0.0)], freq="h")
        with pytest.raises(ValueError, match="mixed frequencies"):
            _data.check_series(pd.concat([a, b], ignore_index=True))

    @pytest.mark.parametrize(
        "stamps", [["2020-01-15"], ["2020-01-15", "2020-02-15"], ["2020-01-01", "2020-03-01"]]
    )
    def test_short_series_off_the_longest_frequency(self, stamps):
        a = make_long([("a", "2020-01-01", 10, 0.0)], freq="MS")
        b = pd.DataFrame({"unique_id": "b", "ds": pd.to_datetime(stamps), "y": 1.0})
        with pytest.raises(ValueError, match=r"mixed frequencies.*'a'.*MS.*'b'"):
            _data.check_series(pd.concat([a, b], ignore_index=True))

    def test_single_point_series_on_the_grid(self):
        a = make_long([("a", "2020-01-01", 10, 0.0)], freq="MS")
        b = pd.DataFrame({"unique_id": "b", "ds": pd.to_datetime(["2020-05-01"]), "y": 1.0})
        d = _data.check_series(pd.concat([a, b], ignore_index=True))
        assert d.indexes[1].freq == pd.offsets.MonthBegin()
        out = _data.to_output(np.zeros((2, 1)), d)
        assert list(out["ds"]) == [pd.Timestamp("2020-11-01"), pd.Timestamp("2020-06-01")]

    def test_irregular_series(self):
        df = make_long([("a", "2020-01-01", 10, 0.0)])
        df = df.drop(index=[3, 7])
        with pytest.raises(ValueError, match=r"irregular timestamps.*'a'"):
            _data.check_series(df)

    def test_duplicate_timestamps(self):
        df = make_long([("a", "2020-01-01", 5, 0.0), ("b", "2020-01-01", 5, 0.0)])
        df = pd.concat([df, df.iloc[[7]]], ignore_index=True)
        with pytest.raises(ValueError, match=r"duplicate timestamps.*'b'.*2020-01-03"):
            _data.check_series(df)

    @pytest.mark.parametrize("drop", ["unique_id", "ds", "y"])
    def test_missing_column(self, drop):
        df = make_long([("a", "2020-01-01", 5, 0.0)]).drop(columns=drop)
        with pytest.raises(ValueError, match=rf"unique_id.*ds.*y.*missing: '{drop}'"):
            _data.check_series(df)

    def test_nan_names_series(self):
        df = make_long([("a", "2020-01-01", 5, 0.0), ("b", "2020-01-01", 5, 0.0)])
        df.loc[8, "y"] = np.nan
        with pytest.raises(ValueError, match=r"'b'.*NaN at 2020-01-04"):
            _data.check_series(df)
        d = _data.check_series(df, allow_missing=True)
        np.testing.assert_allclose(d.values[1], np.arange(5.0))

    def test_text_y(self):
        df = make_long([("a", "2020-01-01", 3, 0.0)])
        df["y"] = df["y"].astype(str)
        with pytest.raises(TypeError, match="'y'"):
            _data.check_series(df)

    def test_text_ds(self):
        df = make_long([("a", "2020-01-01", 3, 0.0)])
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
        df = make_long([("a", "2020-01-01", 3, 0.0)])
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
