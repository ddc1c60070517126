"""Tests for tsrnn.metrics against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from tsrnn.metrics import coverage, mae, mase, owa, pinball_loss, rmse, smape

Y = [1.0, 2.0, 3.0, 4.0]
P = [2.0, 2.0, 1.0, 8.0]  # errors 1, 0, -2, 4


def test_mae_rmse_hand_values():
    assert mae(Y, P) == pytest.approx((1 + 0 + 2 + 4) / 4)
    assert rmse(Y, P) == pytest.approx(np.sqrt((1 + 0 + 4 + 16) / 4))
    assert isinstance(mae(Y, P), float)
    assert mae(Y, Y) == 0.0 and rmse(Y, Y) == 0.0


def test_rmse_2d_is_mean_of_row_rmse():
    y = [[0.0, 0.0], [0.0, 0.0]]
    p = [[3.0, 3.0], [0.0, 4.0]]
    assert rmse(y, p) == pytest.approx((3.0 + np.sqrt(8.0)) / 2)
    assert mae(y, p) == pytest.approx((3.0 + 2.0) / 2)


def test_smape_hand_value():
    # 200/4 * (1/3 + 0/4 + 2/4 + 4/12)
    expected = 50.0 * (1 / 3 + 0.0 + 0.5 + 1 / 3)
    assert smape(Y, P) == pytest.approx(expected)
    assert smape([100.0], [110.0]) == pytest.approx(200.0 * 10 / 210)


def test_smape_zero_over_zero_is_zero_and_bounds():
    assert smape([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert smape([0.0, 1.0], [0.0, 1.0]) == 0.0
    # a zero actual with a non-zero forecast gives the maximal term 1
    assert smape([0.0, 2.0], [5.0, 2.0]) == pytest.approx(100.0 * (1.0 + 0.0))
    assert smape([1.0, -1.0], [-1.0, 1.0]) == pytest.approx(200.0)


def test_smape_2d_mean_over_rows():
    y = np.array([Y, [10.0, 10.0, 10.0, 10.0]])
    p = np.array([P, [10.0, 10.0, 10.0, 10.0]])
    assert smape(y, p) == pytest.approx(smape(Y, P) / 2)


def test_mase_hand_value_non_seasonal():
    train = [1.0, 3.0, 2.0, 6.0]  # |diffs| = 2, 1, 4 -> scale 7/3
    assert mase(Y, P, train) == pytest.approx((7 / 4) / (7 / 3))


def test_mase_seasonal_lag():
    train = [1.0, 2.0, 4.0, 8.0, 9.0]  # lag-2 |diffs| = 3, 6, 5 -> scale 14/3
    y, p = [10.0, 10.0], [11.0, 13.0]  # MAE 2
    assert mase(y, p, train, m=2) == pytest.approx(2.0 / (14 / 3))


def test_mase_2d_with_ragged_train_list():
    y = [[1.0, 1.0], [2.0, 2.0]]
    p = [[2.0, 3.0], [2.0, 3.0]]  # row MAEs 1.5 and 0.5
    trains = [[0.0, 1.0, 2.0], [0.0, 2.0, 4.0, 6.0, 8.0]]  # scales 1 and 2
    expected = (1.5 / 1.0 + 0.5 / 2.0) / 2
    assert mase(y, p, trains) == pytest.approx(expected)
    # object array of series and a regular 2-D array are accepted too
    obj = np.empty(2, dtype=object)
    obj[0], obj[1] = np.array(trains[0]), np.array(trains[1])
    assert mase(y, p, obj) == pytest.approx(expected)
    assert mase(y, p, np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])) == pytest.approx(
        (1.5 + 0.25) / 2
    )


def test_mase_equals_one_for_naive_forecast(rng):
    # For a random walk forecast equal to the in-sample scale, MASE is exactly 1.
    train = np.cumsum(rng.normal(size=50))
    scale = np.mean(np.abs(np.diff(train)))
    y = np.zeros(5)
    assert mase(y, y + scale, train) == pytest.approx(1.0)


def test_mase_errors():
    with pytest.raises(ValueError, match="more than m=4"):
        mase([1.0], [1.0], [1.0, 2.0, 3.0], m=4)
    with pytest.raises(ValueError, match="undefined"):
        mase([1.0], [2.0], [5.0, 5.0, 5.0])
    with pytest.raises(ValueError, match="one series per row"):
        mase([[1.0], [2.0]], [[1.0], [2.0]], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="series 1"):
        mase([[1.0], [2.0]], [[1.0], [2.0]], [[1.0, 2.0], [3.0, 3.0]])
    with pytest.raises(ValueError, match="positive integer"):
        mase(Y, P, [1.0, 2.0, 3.0], m=0)
    with pytest.raises(ValueError, match="positive integer"):
        mase(Y, P, [1.0, 2.0, 3.0], m=1.5)


def test_owa():
    assert owa(10.0, 1.0, 20.0, 2.0) == pytest.approx(0.5)
    assert owa(12.0, 1.5, 12.0, 1.0) == pytest.approx(0.5 * (1.0 + 1.5))
    out = owa([10.0, 20.0], [1.0, 2.0], 20.0, 2.0)
    np.testing.assert_allclose(out, [0.5, 1.0])
    with pytest.raises(ValueError, match="positive"):
        owa(10.0, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        owa(-1.0, 1.0, 1.0, 1.0)


def test_pinball_loss_hand_values():
    y = [10.0, 10.0]
    yq = [[8.0, 12.0], [11.0, 10.0]]  # quantiles 0.1, 0.9
    # q=0.1: u=2 -> 0.2, u=-1 -> 0.9 ; q=0.9: u=-2 -> 0.2, u=0 -> 0
    expected = (0.2 + 0.9 + 0.2 + 0.0) / 4
    assert pinball_loss(y, yq, [0.1, 0.9]) == pytest.approx(expected)


def test_pinball_median_is_half_mae():
    assert pinball_loss(Y, P, 0.5) == pytest.approx(0.5 * mae(Y, P))
    yq = np.asarray(P)[:, None]
    assert pinball_loss(Y, yq, [0.5]) == pytest.approx(0.5 * mae(Y, P))


def test_pinball_2d_and_errors():
    y = np.zeros((2, 3))
    yq = np.ones((2, 3, 2))
    # u = -1 everywhere: loss (1 - q) -> mean(0.8, 0.2) = 0.5
    assert pinball_loss(y, yq, [0.2, 0.8]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        pinball_loss(y, yq, [0.0, 0.5])
    with pytest.raises(ValueError, match="y_quantiles must have shape"):
        pinball_loss(y, yq, [0.1, 0.5, 0.9])


def test_coverage():
    y = [1.0, 2.0, 3.0, 4.0]
    lower = [0.0, 2.0, 3.5, 0.0]
    upper = [2.0, 3.0, 4.0, 3.9]
    assert coverage(y, lower, upper) == pytest.approx(0.5)  # bounds are inclusive
    with pytest.raises(ValueError, match="must not exceed"):
        coverage(y, upper, lower)
    with pytest.raises(ValueError, match="same shape"):
        coverage(y, lower[:3], upper[:3])


def test_input_validation():
    with pytest.raises(ValueError, match="same shape"):
        mae([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        smape([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        rmse([], [])
    with pytest.raises(ValueError, match="1-D"):
        mae(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="numeric"):
        mae(["a", "b"], [1.0, 2.0])


def test_pandas_inputs_are_positional():
    y = pd.Series(Y, index=[3, 2, 1, 0])
    p = pd.Series(P, index=[0, 1, 2, 3])
    assert mae(y, p) == pytest.approx(mae(Y, P))
    frame = pd.DataFrame([Y, Y])
    assert smape(frame, frame) == 0.0


def test_per_series_values_average_to_the_score():
    y = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    f = np.array([[1.5, 2.0, 2.0], [0.0, 1.0, 5.0]])
    train = [np.array([1.0, 2.0, 4.0]), np.array([0.0, 3.0, 1.0, 2.0])]
    rows = smape(y, f, per_series=True)
    assert rows.shape == (2,) and smape(y, f) == pytest.approx(rows.mean())
    assert rows[1] == pytest.approx(200 / 3)  # the 0/0 term counts as 0
    rows = mase(y, f, train, m=1, per_series=True)
    assert rows.shape == (2,) and mase(y, f, train, m=1) == pytest.approx(rows.mean())
    assert smape([1.0, 2.0], [1.0, 3.0], per_series=True).shape == (1,)
