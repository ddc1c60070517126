"""Tests of tsrnn._data.windows: make_windows, scale_windows and unscale."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import _data

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
# naive_baseline
# --------------------------------------------------------------------------------------------


def test_naive_baseline_repeats_the_last_period():
    X = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(
        _data.naive_baseline(X, 5, 2), [[4.0, 5.0, 4.0, 5.0, 4.0], [10.0, 11.0, 10.0, 11.0, 10.0]]
    )
    np.testing.assert_array_equal(_data.naive_baseline(X, 2, 1), [[5.0, 5.0], [11.0, 11.0]])
    with pytest.raises(ValueError, match="between 1 and the window 6"):
        _data.naive_baseline(X, 2, 7)
