"""Tests for tsrnn.plotting (Agg backend, no display needed)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from tsrnn import RNNForecaster  # noqa: E402
from tsrnn.plotting import plot_forecast, plot_loss_curve  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def monthly():
    index = pd.date_range("2000-01-01", periods=30, freq="MS", name="month")
    return pd.Series(np.arange(30, dtype=float), index=index, name="y")


def _labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_series_history_and_forecast(monthly):
    hist, fc = monthly[:24], monthly[24:] + 0.5
    ax = plot_forecast(hist, fc, title="demo")
    assert len(ax.lines) == 2
    assert _bands(ax) == []
    assert _labels(ax) == ["history", "forecast"]
    assert ax.get_title() == "demo"
    assert ax.get_ylabel() == "y"
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), fc.to_numpy())
    x_fc = mdates.date2num(ax.lines[1].get_xdata())
    np.testing.assert_allclose(x_fc, mdates.date2num(fc.index.to_pydatetime()))


def test_arrays_use_integer_positions():
    ax = plot_forecast(np.arange(5.0), [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(5))
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [5, 6, 7])


def test_single_interval_dataframe(monthly):
    fc = monthly[24:]
    iv = pd.DataFrame({"lower": fc - 1.0, "upper": fc + 1.0}, index=fc.index)
    ax = plot_forecast(monthly[:24], fc, iv)
    bands = _bands(ax)
    assert len(bands) == 1
    assert "prediction interval" in _labels(ax)
    # the band spans exactly lower .. upper
    ys = np.concatenate([p.vertices[:, 1] for p in bands[0].get_paths()])
    assert ys.min() == pytest.approx((fc - 1.0).min())
    assert ys.max() == pytest.approx((fc + 1.0).max())


def test_interval_dict_drawn_widest_first(monthly):
    fc = monthly[24:]
    iv = {
        0.8: pd.DataFrame({"lower": fc - 1.0, "upper": fc + 1.0}),
        0.95: pd.DataFrame({"lo": fc - 2.0, "hi": fc + 2.0}),  # two unnamed columns
    }
    ax = plot_forecast(monthly[:24], fc, iv)
    assert len(_bands(ax)) == 2
    assert _labels(ax) == ["history", "forecast", "95% interval", "80% interval"]
    alphas = [b.get_alpha() for b in _bands(ax)]
    assert alphas[0] < alphas[1]


def test_array_forecast_continues_series_index(monthly):
    ax = plot_forecast(monthly[:24], np.ones(3), np.column_stack([np.zeros(3), np.full(3, 2.0)]))
    x_fc = mdates.date2num(ax.lines[1].get_xdata())
    expected = pd.date_range("2002-01-01", periods=3, freq="MS").to_pydatetime()
    np.testing.assert_allclose(x_fc, mdates.date2num(expected))
    assert len(_bands(ax)) == 1


def test_period_index_and_existing_axes():
    y = pd.Series(np.arange(8.0), index=pd.period_range("2001Q1", periods=8, freq="Q"))
    fig, ax = plt.subplots()
    out = plot_forecast(y[:6], y[6:], ax=ax)
    assert out is ax
    assert len(ax.lines) == 2


def test_interval_mismatch_errors(monthly):
    fc = monthly[24:]
    with pytest.raises(ValueError, match="rows"):
        plot_forecast(monthly[:24], fc, pd.DataFrame({"lower": [0.0], "upper": [1.0]}))
    shifted = pd.DataFrame(
        {"lower": fc.to_numpy(), "upper": fc.to_numpy()}, index=fc.index.shift(1)
    )
    with pytest.raises(ValueError, match="index"):
        plot_forecast(monthly[:24], fc, shifted)
    with pytest.raises(ValueError, match="shape"):
        plot_forecast(monthly[:24], fc, np.zeros((6, 3)))
    with pytest.raises(ValueError, match="incompatible"):
        plot_forecast(monthly[:24], pd.Series([1.0, 2.0]))


class _Fitted:
    def __init__(self, loss, val=None):
        self.loss_curve_ = loss
        if val is not None:
            self.validation_scores_ = val


def test_plot_loss_curve_with_validation():
    ax = plot_loss_curve(_Fitted([1.0, 0.5, 0.25], [1.2, 0.7, 0.6]))
    assert len(ax.lines) == 2
    assert _labels(ax) == ["training loss", "validation"]
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [1.2, 0.7, 0.6])


def test_plot_loss_curve_without_validation():
    ax = plot_loss_curve(_Fitted([1.0, 0.5], []))
    assert len(ax.lines) == 1
    ax = plot_loss_curve(_Fitted([1.0, 0.5]))
    assert len(ax.lines) == 1


def test_plot_loss_curve_unfitted():
    with pytest.raises(ValueError, match="fit"):
        plot_loss_curve(object())
    with pytest.raises(ValueError, match="empty"):
        plot_loss_curve(_Fitted([]))


@pytest.fixture
def long_monthly():
    index = pd.date_range("1980-01-01", periods=540, freq="MS")
    return pd.Series(np.sin(np.arange(540) / 2.0), index=index, name="y")


def test_long_history_shows_its_last_seasons(long_monthly):
    hist, fc = long_monthly[:-12], long_monthly[-12:]
    ax = plot_forecast(hist, fc)
    # monthly: max(4 seasons of 12, 5 horizons of 12, 40) = 60 values
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), hist.to_numpy()[-60:])
    assert _labels(ax)[0] == "history (last 60 of 528)"
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert len(plot_forecast(hist, fc, history_window="all").lines[0].get_ydata()) == 528
    assert len(plot_forecast(hist, fc, history_window=100).lines[0].get_ydata()) == 100
    # weekly: 10 horizons, between 2 and 4 seasons of 52
    weekly = pd.Series(np.ones(600), index=pd.date_range("2000-01-01", periods=600, freq="W"))
    assert len(plot_forecast(weekly, np.ones(13)).lines[0].get_ydata()) == 130
    assert len(plot_forecast(weekly, np.ones(4)).lines[0].get_ydata()) == 104
    assert len(plot_forecast(weekly, np.ones(26)).lines[0].get_ydata()) == 208
    # a long frame's dates carry no frequency: it is inferred
    assert (
        len(
            plot_forecast(
                weekly.rename_axis(None).set_axis(pd.DatetimeIndex(weekly.index.to_numpy())),
                np.ones(13),
            )
            .lines[0]
            .get_ydata()
        )
        == 130
    )
    # without a frequency (arrays): 5 horizons, at least 40
    assert len(plot_forecast(np.ones(500), np.ones(20)).lines[0].get_ydata()) == 100
    assert len(plot_forecast(np.ones(500), np.ones(2)).lines[0].get_ydata()) == 40


def test_bad_history_window(monthly):
    for bad in (0, -3, "some", 2.5, True):
        with pytest.raises(ValueError, match="history_window"):
            plot_forecast(monthly[:24], monthly[24:], history_window=bad)


def test_forecast_joins_the_last_history_value(monthly):
    from matplotlib.collections import LineCollection

    hist, fc = monthly[:24], monthly[24:] + 5.0
    ax = plot_forecast(hist, fc)
    (segment,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    (xy,) = segment.get_segments()
    x_expected = mdates.date2num([hist.index[-1], fc.index[0]])
    np.testing.assert_allclose(xy[:, 0], x_expected)
    np.testing.assert_allclose(xy[:, 1], [hist.iloc[-1], fc.iloc[0]])
    assert segment.get_colors()[0].tolist() == list(
        matplotlib.colors.to_rgba(ax.lines[1].get_color())
    )


def _panels(n_series=8, h=3):
    index = pd.date_range("2010-01-01", periods=40, freq="MS")
    wide = pd.DataFrame({f"s{k}": np.arange(40.0) + k for k in range(n_series)}, index=index)
    fc_index = pd.date_range("2013-05-01", periods=h, freq="MS")
    fc = pd.DataFrame({c: np.full(h, 50.0) for c in wide.columns}, index=fc_index)
    iv = pd.concat({c: pd.DataFrame({"lower": fc[c] - 1, "upper": fc[c] + 1}) for c in fc}, axis=1)
    return wide, fc, iv


def _to_long(wide, value="y"):
    long = wide.rename_axis("ds").reset_index().melt("ds", var_name="unique_id", value_name=value)
    return long[["unique_id", "ds", value]]


def test_wide_grid_of_the_first_six():
    wide, fc, iv = _panels()
    axes = plot_forecast(wide, fc, iv, title="stores")
    assert isinstance(axes, np.ndarray) and axes.shape == (6,)
    assert [a.get_title() for a in axes] == [f"s{k}" for k in range(6)]
    assert len(axes[0].figure.axes) == 6  # the unused grid cells are removed
    assert all(len(_bands(a)) == 1 and len(a.lines) == 2 for a in axes)
    assert all(a.get_legend() is None for a in axes)
    (legend,) = axes[0].figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "history",
        "forecast",
        "prediction interval",
    ]
    np.testing.assert_array_equal(axes[2].lines[1].get_ydata(), fc["s2"].to_numpy())
    assert axes[0].figure.get_suptitle() == "stores"
    assert plot_forecast(wide, fc, max_series=2).shape == (2,)


def test_long_grid_with_named_series():
    wide, fc, iv = _panels()
    long_iv = _to_long(iv.xs("lower", axis=1, level=1), "lower")
    long_iv["upper"] = _to_long(iv.xs("upper", axis=1, level=1), "upper")["upper"]
    axes = plot_forecast(_to_long(wide), _to_long(fc), {0.8: long_iv}, series=["s7", "s1"])
    assert [a.get_title() for a in axes] == ["s7", "s1"]
    assert [len(_bands(a)) for a in axes] == [1, 1]
    ys = np.concatenate([p.vertices[:, 1] for p in _bands(axes[0])[0].get_paths()])
    assert ys.min() == pytest.approx(49.0) and ys.max() == pytest.approx(51.0)
    np.testing.assert_array_equal(axes[1].lines[0].get_ydata(), wide["s1"].to_numpy())
    assert len(plot_forecast(_to_long(wide), _to_long(fc))) == 6
    assert plot_forecast(_to_long(wide), _to_long(fc), series="s3")[0].get_title() == "s3"
    with pytest.raises(ValueError, match="no series 'zz'"):
        plot_forecast(_to_long(wide), _to_long(fc), series=["zz"])
    with pytest.raises(ValueError, match="several series"):
        plot_forecast(wide["s0"], fc["s0"], series=["s0"])


def test_grid_history_window_and_given_axes():
    index = pd.date_range("1980-01-01", periods=300, freq="MS")
    wide = pd.DataFrame({"a": np.arange(300.0), "b": np.arange(300.0)}, index=index)
    fc = pd.DataFrame({"a": np.ones(5), "b": np.ones(5)}, index=index.shift(300)[:5])
    fig, grid = plt.subplots(2, 2)
    axes = plot_forecast(_to_long(wide), _to_long(fc), ax=grid)
    assert axes.shape == (2,) and axes[0] is grid[0, 0]
    assert len(axes[0].lines[0].get_ydata()) == 48  # 4 monthly seasons, frequency inferred
    assert fig.legends[0].get_texts()[0].get_text() == "history (last 48)"
    with pytest.raises(ValueError, match="Axes"):
        plot_forecast(wide, fc, ax=grid[0, :1])


def test_forecast_and_quantile_bands_of_a_base_model(monthly, tiny_base):
    base = RNNForecaster.from_pretrained(tiny_base, horizon=6)
    fc = base.predict(monthly)
    bands = {0.8: base.predict_interval(monthly, coverage=0.8),
             0.4: base.predict_interval(monthly, coverage=0.4)}  # fmt: skip
    ax = plot_forecast(monthly, fc, bands)
    assert len(_bands(ax)) == 2
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), fc.to_numpy())
    assert fc.index[0] == pd.Timestamp("2002-07-01")
    x_fc = mdates.date2num(ax.lines[1].get_xdata())
    np.testing.assert_allclose(x_fc, mdates.date2num(fc.index.to_pydatetime()))
