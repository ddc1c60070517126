"""Property-based tests of the whole public surface of RNNForecaster (hypothesis).

Every drawn call must end in one of two ways:

1. a finite result of the right shape, in the layout of the input and on the right future
   index (series mode: the index continues the input's exactly, a DatetimeIndex keeps its
   frequency, quantile frames have one column per level, ...); or
2. a ``ValueError`` / ``TypeError`` raised by tsrnn's own checks (or by scikit-learn's input
   validation, which tsrnn uses in windows mode) with a message that names the problem;
   ``NotFittedError`` for a prediction before ``fit``.

Never another exception, a NaN/inf in the output or a hang; after a failed call a fitted
model predicts exactly what it predicted before. Warnings are allowed.

Profiles (registered in ``conftest.py``): ``fast`` by default (450 examples in all),
``medium`` (1,050) and ``long`` (10,500) with ``TSRNN_HYPOTHESIS_PROFILE=medium`` / ``=long``.
``pytest --hypothesis-show-statistics`` shows how often each call worked or raised.
"""

import dataclasses
import os
import re
import signal
import tempfile
import traceback
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import tsrnn
from tsrnn import RNNForecaster

# --------------------------------------------------------------------------------------------
# budget: the loaded profile (conftest.py) gives the examples of a test of weight 1


def _examples(weight):
    return max(1, int(settings().max_examples * weight))


#: An example that runs longer than this is a hang (tiny models train in well under a second).
HANG_SECONDS = 120

# --------------------------------------------------------------------------------------------
# outcome checks


_TSRNN_DIR = os.path.dirname(os.path.abspath(tsrnn.__file__))
_SKLEARN_VALIDATION = ("validation.py", "_param_validation.py")

#: Messages of Python / NumPy crashes, never of a check that names the problem.
_CRASH = re.compile(
    r"NoneType|not subscriptable|out of bounds|unsupported operand|has no attribute|"
    r"cannot reshape|could not be broadcast|not iterable|object of type|zero-size array|"
    r"positional argument|unhashable|incompatible output array|must be real number|"
    r"index \d+ is out of bounds|division by zero|invalid index|too many indices"
)


def _is_validation_frame(frames):
    """Is the innermost frame inside tsrnn or scikit-learn's input validation?

    scikit-learn's ``check_array`` converts through ``sklearn/utils/_array_api.py``; a
    conversion error raised there, called from ``validation.py``, is its validation too.
    """
    inner = os.path.abspath(frames[-1].filename)
    if inner.startswith(_TSRNN_DIR + os.sep):
        return True
    parts = inner.split(os.sep)
    if "sklearn" in parts and "utils" in parts and parts[-1] in _SKLEARN_VALIDATION:
        return True
    return (
        len(frames) >= 2
        and inner.endswith(os.path.join("sklearn", "utils", "_array_api.py"))
        and frames[-2].filename.endswith(os.path.join("sklearn", "utils", "validation.py"))
    )


def _assert_tsrnn_error(exc):
    """``exc`` is a ValueError / TypeError from tsrnn's checks with a telling message."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    detail = f"{type(exc).__name__}: {exc} (raised at {where})"
    assert isinstance(exc, ValueError | TypeError), f"not a ValueError/TypeError: {detail}"
    assert frames and _is_validation_frame(frames), f"not raised by tsrnn's checks: {detail}"
    message = str(exc)
    assert len(message) >= 12, f"message too short to name the problem: {detail}"
    assert not _CRASH.search(message), f"a crash, not a check: {detail}"


@dataclasses.dataclass
class Outcome:
    ok: bool
    value: object = None
    error: BaseException | None = None


def _attempt(fn, *args, **kwargs):
    """Call ``fn``: its result, or the clean tsrnn error it raised (anything else fails)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = Outcome(True, fn(*args, **kwargs))
    except (ValueError, TypeError) as exc:
        try:
            _assert_tsrnn_error(exc)
        except AssertionError as failure:
            raise AssertionError(f"{fn.__name__}: {failure}") from exc
        result = Outcome(False, error=exc)
    event(f"{fn.__name__} {'ok' if result.ok else 'raised'}")  # --hypothesis-show-statistics
    return result


def _require_ok(outcome, what):
    """A call that must succeed; its error is chained, so hypothesis tells causes apart."""
    if not outcome.ok:
        raise AssertionError(f"{what} failed: {outcome.error!r}") from outcome.error


def _snapshot(model, predict_kwargs):
    """What the fitted model answers now: its weights and its ``predict()`` output."""
    out = _attempt(model.predict, **predict_kwargs)
    answer = _as_array(out.value) if out.ok else repr(out.error)
    return model.params_.copy(), answer


def _assert_unchanged(model, snapshot, predict_kwargs, what):
    params, answer = snapshot
    assert np.array_equal(model.params_, params), f"{what} failed but changed the weights"
    out = _attempt(model.predict, **predict_kwargs)
    now = _as_array(out.value) if out.ok else repr(out.error)
    if isinstance(answer, str) or isinstance(now, str):
        assert answer == now, f"{what} failed but predict() changed: {answer} -> {now}"
    else:
        np.testing.assert_array_equal(now, answer, err_msg=f"{what} failed but changed predict()")


def _as_array(out):
    if isinstance(out, pd.DataFrame):
        return out.select_dtypes("number").to_numpy(dtype=np.float64)
    return np.asarray(out, dtype=np.float64)


@contextmanager
def _watchdog(seconds=HANG_SECONDS):
    """Fail an example that hangs (checked whenever Python code runs)."""

    def alarm(signum, frame):
        raise AssertionError(f"hang: the example ran longer than {seconds} s")

    if not hasattr(signal, "SIGALRM"):
        yield
        return
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------------------------
# series mode: the data, as series on a shared time grid, rendered in a layout

#: frequency alias -> (index kind, first time stamp, longest series)
FREQS = {
    "h": ("datetime", "2000-01-01", 3000),
    "30min": ("datetime", "2000-01-01", 3000),
    "D": ("datetime", "2000-01-01", 3000),
    "B": ("datetime", "2000-01-03", 3000),
    "W-SAT": ("datetime", "2000-01-01", 3000),
    "W-SUN": ("datetime", "2000-01-01", 3000),
    "MS": ("datetime", "1900-01-01", 3000),
    "ME": ("datetime", "1900-01-31", 3000),
    "QS": ("datetime", "1800-01-01", 1500),
    "QE": ("datetime", "1800-03-31", 1500),
    "YS": ("datetime", "1800-01-01", 300),
    "period-M": ("period", "1990-01", 3000),
    "period-D": ("period", "1990-01-01", 3000),
    "period-Q": ("period", "1800Q1", 1500),
    "range": ("range", None, 3000),
    "int": ("int", None, 3000),
}
LAYOUTS = ["series", "long", "wide", "array1", "array2"]


@dataclasses.dataclass
class Panel:
    """Series on a time grid: series ``i`` holds ``values[i]`` at grid positions
    ``starts[i], starts[i] + 1, ...``; NaN marks missing values."""

    freq: str
    layout: str
    starts: list
    values: list
    ids: list
    name: object = None
    grid_start: object = 0
    grid_step: int = 1

    @property
    def kind(self):
        return "range" if self.layout.startswith("array") else FREQS[self.freq][0]

    def grid(self, n):
        """The first ``n`` time stamps of the grid."""
        kind, start = self.kind, FREQS[self.freq][1]
        if self.layout.startswith("array"):
            return pd.RangeIndex(n)
        if kind == "datetime":
            return pd.date_range(start, periods=n, freq=self.freq)
        if kind == "period":
            return pd.period_range(start, periods=n, freq=self.freq.split("-")[1])
        stop = self.grid_start + n * self.grid_step
        if kind == "range":
            return pd.RangeIndex(self.grid_start, stop, self.grid_step)
        return pd.Index(np.arange(self.grid_start, stop, self.grid_step, dtype=np.int64))

    @property
    def end(self):
        """One past the last grid position of any series."""
        return max(s + len(v) for s, v in zip(self.starts, self.values, strict=True))

    def cut(self, first=0, last=0):
        """The same series without their first ``first`` and last ``last`` time stamps
        (each series keeps at least one value)."""
        starts, values = [], []
        for s, v in zip(self.starts, self.values, strict=True):
            keep_to = max(1, len(v) - last)
            drop = min(first, keep_to - 1)
            starts.append(s + drop)
            values.append(v[drop:keep_to])
        return dataclasses.replace(self, starts=starts, values=values)

    def render(self):
        """The panel in its layout, as a user would pass it."""
        n = self.end
        grid = self.grid(n)
        if self.layout in ("series", "array1"):
            v = self.values[0]
            if self.layout == "array1":
                return v.copy()
            start = self.starts[0]
            return pd.Series(v, index=grid[start : start + len(v)], name=self.name)
        if self.layout in ("wide", "array2"):
            table = np.full((n, len(self.values)), np.nan)
            for j, (s, v) in enumerate(zip(self.starts, self.values, strict=True)):
                table[s : s + len(v), j] = v
            if self.layout == "array2":
                return table
            return pd.DataFrame(table, index=grid, columns=self.ids)
        frames = [
            pd.DataFrame({"unique_id": sid, "ds": grid[s : s + len(v)], "y": v})
            for sid, s, v in zip(self.ids, self.starts, self.values, strict=True)
        ]
        return pd.concat(frames, ignore_index=True)

    def cleaned(self, allow_missing):
        """Grid span ``(start, stop)`` of each series after tsrnn's cleaning, or None when a
        series must be rejected (NaN not allowed, or only NaN)."""
        strip = allow_missing or self.layout in ("wide", "array2")
        spans = []
        for s, v in zip(self.starts, self.values, strict=True):
            ok = np.flatnonzero(~np.isnan(v))
            if len(ok) == 0:
                return None
            lo, hi = (ok[0], ok[-1] + 1) if strip else (0, len(v))
            if not allow_missing and np.isnan(v[lo:hi]).any():
                return None
            spans.append((s + lo, s + hi))
        return spans

    def future(self, span, horizon):
        """The ``horizon`` time stamps after a series' grid span ``(start, stop)``: the grid's,
        except after a single value of a plain integer index (a Series or a long frame), which
        has no step of its own: the forecast then steps by 1, as documented."""
        start, stop = span
        if self.kind == "int" and self.layout in ("series", "long") and stop - start == 1:
            return pd.Index(self.grid(stop)[-1] + np.arange(1, horizon + 1, dtype=np.int64))
        return self.grid(stop + horizon)[stop:]


def _values(rng, n, level, shape, nan_rate):
    t = np.arange(n)
    if shape == "constant":
        v = np.full(n, 1.0)
    elif shape == "seasonal":
        v = 1.0 + 0.3 * np.sin(2 * np.pi * t / 12) + 0.05 * rng.normal(size=n)
    elif shape == "trend":
        v = 1.0 + t / max(n, 1) + 0.1 * rng.normal(size=n)
    else:  # noise around zero: negative values too
        v = rng.normal(size=n)
    v = v * level
    if nan_rate:
        v[rng.random(n) < nan_rate] = np.nan
    return v


@st.composite
def lengths(draw, longest):
    """A series length, mostly short."""
    bucket = draw(st.sampled_from(["tiny", "small", "small", "small", "medium", "large"]))
    hi = {"tiny": 12, "small": 120, "medium": 300, "large": longest}[bucket]
    return draw(st.integers(1, min(hi, longest)))


@st.composite
def panels(draw, extra=0):
    """A panel of 1-4 series in a drawn layout, frequency, level and missingness; each
    series is ``extra`` steps longer than what ``fit`` will see."""
    layout = draw(st.sampled_from(LAYOUTS))
    freq = draw(st.sampled_from(list(FREQS)))
    if layout == "long" and freq == "range":
        freq = "int"  # a long DataFrame holds its time stamps in a column
    longest = FREQS[freq][2]
    multi = layout in ("long", "wide", "array2")
    n_series = draw(st.integers(1, 4)) if multi else 1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    level = 10.0 ** draw(st.integers(-12, 12))
    shape = draw(st.sampled_from(["seasonal", "seasonal", "trend", "noise", "constant"]))
    nan_rate = draw(st.sampled_from([0.0, 0.0, 0.0, 0.0, 0.01, 0.2]))
    starts, values = [], []
    for _ in range(n_series):
        n = draw(lengths(longest)) + extra
        start = draw(st.integers(0, 30)) if layout in ("long", "wide", "array2") else 0
        starts.append(start)
        values.append(_values(rng, n, level, shape, nan_rate))
    if layout == "wide" or layout == "array2":
        if draw(st.booleans()):  # series that all end together
            end = max(s + len(v) for s, v in zip(starts, values, strict=True))
            starts = [end - len(v) for v in values]
    ids = draw(
        st.sampled_from([["a", "b", "c", "d"], [3, 1, 2, 0], ["x1", "x10", "x2", "y"]])
    )[:n_series]
    return Panel(
        freq=freq,
        layout=layout,
        starts=starts,
        values=values,
        ids=ids,
        name=draw(st.sampled_from([None, "sales", 7])),
        grid_start=draw(st.sampled_from([0, 1, -5, 1000])),
        grid_step=draw(st.sampled_from([1, 1, 2, 7])),
    )


@st.composite
def estimator_params(draw, panel):
    """Tiny, fast RNNForecaster parameters across the options of series mode.

    Most draws are sensible for the panel (so that fit gets far); the rest combine options
    freely, for the errors.
    """
    sensible = draw(st.sampled_from([True, True, False]))
    shortest = min(len(v) for v in panel.values)
    horizon = draw(st.one_of(st.integers(1, 6), st.integers(1, 60)))
    window = draw(st.one_of(st.just("auto"), st.integers(1, 40)))
    lags = draw(st.one_of(st.none(), st.integers(1, 60)))
    calendar = draw(st.booleans())
    baseline = draw(st.sampled_from(["auto", "seasonal", "last", "none"]))
    log = draw(st.sampled_from([None, None, "log"]))
    if sensible:
        horizon = min(horizon, max(1, shortest // 4))
        window = window if window == "auto" else min(window, max(1, shortest // 3))
        lags = None if lags is None else draw(st.integers(1, 4))
        calendar = calendar and panel.kind in ("datetime", "period")
        baseline = "auto" if baseline == "seasonal" else baseline
        log = log if all(np.nanmin(v, initial=0) >= 0 for v in panel.values) else None
    return dict(
        horizon=horizon,
        window=window,
        linear_lags=lags,
        quantiles=draw(
            st.one_of(
                st.none(),
                st.lists(st.sampled_from([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]),
                         min_size=1, max_size=3, unique=True),
            )
        ),  # fmt: skip
        baseline=baseline,
        target_transform=log,
        calendar_features=calendar,
        seasonal_period=draw(st.sampled_from([None, None, None, 1, 4, 7])),
        early_stopping=draw(st.booleans()),
        cell=draw(st.sampled_from(["lstm", "gru", "rnn"])),
        num_layers=draw(st.sampled_from([1, 1, 1, 2])),
        hidden_size=draw(st.integers(2, 4)),
        max_epochs=draw(st.integers(1, 3)),
        batch_size=draw(st.integers(16, 64)),
        max_windows_per_epoch=draw(st.sampled_from([None, None, None, 10])),
        ema_momentum=draw(st.sampled_from([None, None, None, 0.9])),
        loss=draw(st.sampled_from(["mse", "mse", "mae"])),
        dtype=draw(st.sampled_from(["float32", "float32", "float64"])),
        allow_missing=draw(st.booleans()) or (sensible and draw(st.booleans())),
        random_state=0,
    )


@dataclasses.dataclass
class Covariates:
    """Known-future covariates on the panel's grid, positions ``0 .. stop - 1``."""

    frame: object
    stop: int
    broken: bool  # NaN inside: every call that reads them must fail


def _covariates(panel, stop, rng, style, broken, first_stamp):
    """Covariates at grid positions ``0 .. stop - 1``; ``broken``: a NaN at a stamp of the
    series' first value, which fit must read."""
    grid = panel.grid(stop)
    values = np.column_stack([rng.integers(0, 2, stop), rng.normal(size=stop)]).astype(float)
    if broken:
        values[first_stamp, 1] = np.nan
    frame = pd.DataFrame(values, index=grid, columns=["promo", "temp"])
    if style == "series":
        frame = frame["temp"]
    elif style == "array" and panel.layout.startswith("array"):
        frame = values
    elif style == "long" and panel.layout == "long":  # rows per series: unique_id, ds
        frame = pd.concat(
            [frame.rename_axis("ds").reset_index().assign(unique_id=sid) for sid in panel.ids],
            ignore_index=True,
        )
    return Covariates(frame, stop, broken)


BAD_DATA = ["nan", "inf", "layout", "short", "freq", "text", "empty", "windows", "3d",
            "unsorted", "duplicate", "covariates"]  # fmt: skip


@st.composite
def series_cases(draw):
    """Everything one series-mode example calls."""
    extra = draw(st.sampled_from([0, 1, 5, 30]))
    panel = draw(panels(extra=extra))
    params = draw(estimator_params(panel))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    covariates = None
    if draw(st.sampled_from([False, False, True])):
        # covering the extended data and the horizon after it, or falling short
        short = draw(st.sampled_from([0, 0, 0, 1, params["horizon"] + extra]))
        stop = panel.end + params["horizon"] - short
        style = draw(st.sampled_from(["frame", "series", "array", "long"]))
        broken = draw(st.sampled_from([False, False, False, True]))
        first = min(
            s + int(np.argmax(~np.isnan(v)))
            for s, v in zip(panel.starts, panel.values, strict=True)
        )
        covariates = _covariates(panel, max(stop, first + 1), rng, style, broken, first)
    return dict(
        panel=panel,
        train=panel.cut(last=extra),
        history_cut=draw(st.integers(1, 5)),
        history_ids=draw(st.sampled_from([None, None, ["new", "b", 5, "z"]])),
        fresh_first=draw(st.sampled_from([0, 0, 3])),
        params=params,
        covariates=covariates,
        levels=draw(
            st.lists(st.one_of(st.sampled_from([0.05, 0.1, 0.2, 0.5, 0.8, 0.9]),
                               st.floats(0.01, 0.99)),
                     min_size=1, max_size=4, unique=True).map(sorted)
        ),  # fmt: skip
        coverage=draw(st.floats(0.05, 0.99)),
        bad=draw(st.lists(st.tuples(st.sampled_from(BAD_DATA),
                                    st.sampled_from(["fit", "partial_fit", "predict"])),
                          max_size=2)),  # fmt: skip
        bad_seed=draw(st.integers(0, 2**16)),
    )


# --------------------------------------------------------------------------------------------
# series mode: expected outputs


def _check_forecast(out, panel, spans, horizon, labels=None, nonnegative=False):
    """``out`` is a finite forecast in the panel's layout on the future index of ``spans``."""
    layout = panel.layout
    k = None if labels is None else len(labels)
    if layout in ("array1", "array2"):
        assert isinstance(out, np.ndarray), type(out)
        shape = (horizon,) if layout == "array1" else (horizon, len(spans))
        assert out.shape == shape + (() if k is None else (k,)), out.shape
        values = out
    elif layout == "series":
        future = panel.future(spans[0], horizon)
        if labels is None:
            assert isinstance(out, pd.Series), type(out)
            assert out.name == panel.name, (out.name, panel.name)
        else:
            assert isinstance(out, pd.DataFrame), type(out)
            assert list(out.columns) == list(labels), list(out.columns)
        _assert_same_index(out.index, future)
        values = out.to_numpy(dtype=np.float64)
    elif layout == "wide":
        assert isinstance(out, pd.DataFrame), type(out)
        _assert_same_index(out.index, panel.future(spans[0], horizon))
        if labels is None:
            assert list(out.columns) == list(panel.ids), list(out.columns)
        else:
            want = [(sid, lab) for sid in panel.ids for lab in labels]
            assert list(out.columns) == want, list(out.columns)
        values = out.to_numpy(dtype=np.float64)
    else:  # long
        assert isinstance(out, pd.DataFrame), type(out)
        value_cols = ["y"] if labels is None else list(labels)
        assert list(out.columns) == ["unique_id", "ds"] + value_cols, list(out.columns)
        assert len(out) == horizon * len(spans), len(out)
        for sid, span in zip(panel.ids, spans, strict=True):
            rows = out[out["unique_id"] == sid]
            _assert_same_index(pd.Index(rows["ds"]), panel.future(span, horizon), freq=False)
        values = out[value_cols].to_numpy(dtype=np.float64)
    assert np.isfinite(values).all(), f"non-finite forecast:\n{out}"
    if nonnegative:
        assert (values >= 0).all(), f"negative forecast with target_transform='log':\n{out}"
    if k is not None and k > 1:  # quantiles never cross
        by_level = np.asarray(values).reshape(-1, k)
        assert (np.diff(by_level, axis=1) >= 0).all(), f"crossing quantiles:\n{out}"
    return values


def _assert_same_index(got, want, freq=True):
    assert len(got) == len(want), (len(got), len(want))
    assert np.array_equal(np.asarray(got), np.asarray(want)), f"index {got} != {want}"
    if isinstance(want, pd.DatetimeIndex):
        assert isinstance(got, pd.DatetimeIndex), type(got)
        if freq:
            assert got.freq == want.freq, f"frequency {got.freq} != {want.freq}"
    elif isinstance(want, pd.PeriodIndex):
        assert isinstance(got, pd.PeriodIndex) and got.freq == want.freq, got
    else:
        assert pd.api.types.is_integer_dtype(got.dtype), got.dtype


def _covariates_cover(covariates, spans, horizon):
    return covariates is None or (
        not covariates.broken and all(stop + horizon <= covariates.stop for _, stop in spans)
    )


def _ragged_wide(panel, spans):
    return panel.layout == "wide" and len({stop for _, stop in spans}) > 1


# --------------------------------------------------------------------------------------------
# series mode: bad data


def _bad_data(kind, method, panel, model, seed):
    """Bad input derived from ``panel`` for ``method``: (args, covariates override, must_raise).

    The override is None (the usual covariates), "none" (no covariates) or other
    covariates. ``must_raise`` is False where the input may be acceptable after all (then it
    is treated as good data).
    """
    rng = np.random.default_rng(seed)
    data = panel.render()
    if kind in ("nan", "inf"):
        v = [x.copy() for x in panel.values]
        i = int(rng.integers(len(v)))
        v[i][int(rng.integers(len(v[i])))] = np.nan if kind == "nan" else np.inf
        bad = dataclasses.replace(panel, values=v)
        return (bad.render(),), None, kind == "inf" or bad.cleaned(model.allow_missing) is None
    if kind == "short":  # one value per series
        return (panel.cut(last=10**6).render(),), None, method != "predict" or model.window_ > 1
    if kind == "text":
        out = data.copy()
        if isinstance(out, pd.DataFrame):
            column = "y" if panel.layout == "long" else out.columns[0]
            out[column] = out[column].astype(str)
        else:
            out = out.astype(str)
        return (out,), None, True
    if kind == "empty":
        return (data[:0],), None, True
    if kind == "3d":
        return (np.zeros((5, 3, 2)),), None, True
    if kind == "unsorted" and panel.layout in ("series", "wide") and len(data) > 1:
        return (data.iloc[::-1],), None, True
    if kind == "duplicate" and panel.layout in ("series", "wide", "long") and len(data) > 1:
        return (pd.concat([data, data.iloc[-1:]]),), None, True
    if method == "fit":  # a refit may change layout, frequency or mode: not bad data
        return (data[:0],), None, True
    if kind == "layout":
        other = {
            "series": lambda: data.to_frame("a"),
            "wide": lambda: data.set_axis(range(data.shape[1]), axis=1)  # ids may say "y"
            .reset_index(names="ds").melt(id_vars="ds", var_name="unique_id", value_name="y")
            .dropna(),
            "long": lambda: data.pivot(index="ds", columns="unique_id", values="y"),
            "array1": lambda: pd.Series(data),
            "array2": lambda: pd.DataFrame(data),
        }[panel.layout]()  # fmt: skip
        return (other,), None, True
    if kind == "freq" and panel.kind in ("datetime", "period"):
        other = {"datetime": "D" if panel.freq != "D" else "h",
                 "period": "period-Q" if panel.freq != "period-Q" else "period-M"}  # fmt: skip
        return (dataclasses.replace(panel, freq=other[panel.kind]).render(),), None, True
    if kind == "windows":
        if method == "predict":  # a 2-D array: a valid history for a 2-D array model
            return (np.zeros((5, 3)),), None, panel.layout != "array2"
        return (np.zeros((5, 3)), np.zeros(5)), None, True
    # covariates where the model has none, or none where it has them
    if model.covariates_ is not None:
        return (data,), "none", True
    return (data,), pd.Series(0.0, index=panel.grid(panel.end + 100)), True


# --------------------------------------------------------------------------------------------
# series mode: the test


def _airline_case():
    """The airline series with horizon 48: fit once failed with a TypeError ('NoneType'
    object is not subscriptable) when no validation window could be split off."""
    from tsrnn.datasets import load_airline

    panel = Panel(freq="MS", layout="series", starts=[0], ids=["a"],
                  values=[load_airline().to_numpy(dtype=np.float64)])  # fmt: skip
    params = dict(horizon=48, window="auto", linear_lags=None, quantiles=None, baseline="auto",
                  target_transform=None, calendar_features=False, seasonal_period=None,
                  early_stopping=True, cell="lstm", num_layers=1, hidden_size=2, max_epochs=1,
                  batch_size=64, max_windows_per_epoch=None, ema_momentum=None, loss="mse",
                  dtype="float32", allow_missing=False, random_state=0)  # fmt: skip
    return dict(panel=panel, train=panel, history_cut=1, history_ids=None, fresh_first=0,
                params=params, covariates=None, levels=[0.1, 0.9], coverage=0.8, bad=[],
                bad_seed=0)  # fmt: skip


@settings(max_examples=_examples(1.0))
@given(case=series_cases())
@example(case=_airline_case())
def test_series_mode_surface(case):
    with _watchdog():
        _series_example(**case)


def _series_example(panel, train, history_cut, history_ids, fresh_first, params, covariates,
                    levels, coverage, bad, bad_seed):  # fmt: skip
    horizon = params["horizon"]
    cov = None if covariates is None else covariates.frame
    model = RNNForecaster(**params)
    with pytest.raises(NotFittedError):
        model.predict()

    fit = _attempt(model.fit, train.render(), covariates=cov)
    spans = train.cleaned(params["allow_missing"])
    if spans is None or (covariates is not None and covariates.broken):
        assert not fit.ok, "fit accepted NaN it must reject"
    event(f"series fit {'ok' if fit.ok else 'raised'}")
    if not fit.ok:
        event(f"series fit error: {str(fit.error)[:40]}")
        if _plain(train, params, covariates):
            _require_ok(fit, "fit of a plain long series")
        return
    if params["target_transform"] == "log":
        assert all(np.nanmin(v) >= 0 for v in train.values), "log fit accepted negatives"
    kw = {} if cov is None else {"covariates": cov}
    nonneg = params["target_transform"] == "log"

    # predict(): required to work when its inputs are all there
    first = _attempt(model.predict, **kw)
    if _covariates_cover(covariates, spans, horizon) and not _ragged_wide(train, spans):
        _require_ok(first, "predict() after fit")
    elif covariates is not None and not _covariates_cover(covariates, spans, horizon):
        assert not first.ok, "predict() forecast without the covariates of its horizon"
    if first.ok:
        values = _check_forecast(first.value, train, spans, horizon, nonnegative=nonneg)
        if _constant(train) and params["quantiles"] is None:
            # a constant series is forecast as that constant (its windows scale to exact
            # zeros, so training never moves the zero output)
            np.testing.assert_allclose(values, _constant(train), rtol=1e-9)
    snap = _snapshot(model, kw)

    def failed(outcome, what):
        if not outcome.ok:
            _assert_unchanged(model, snap, kw, what)
        return not outcome.ok

    # predict(history): after the end of another (shorter) history, maybe of other series
    # (the model is global: any series id is fine, only covariates must have its rows)
    history = train.cut(last=history_cut)
    if history_ids is not None and panel.layout in ("long", "wide"):
        history = dataclasses.replace(history, ids=history_ids[: len(history.ids)])
    h_spans = history.cleaned(params["allow_missing"])
    out = _attempt(model.predict, history.render(), **kw)
    if h_spans is None:
        assert not out.ok, "predict(history) accepted NaN it must reject"
    if not failed(out, "predict(history)"):
        _check_forecast(out.value, history, h_spans, horizon, nonnegative=nonneg)

    # quantiles and intervals
    asked = levels if params["quantiles"] is None else model.quantiles_[: len(levels)]
    out = _attempt(model.predict_quantiles, quantiles=asked, **kw)
    if first.ok and params["quantiles"] is None:
        _require_ok(out, "predict_quantiles where predict worked")
    if not failed(out, "predict_quantiles"):
        _check_forecast(out.value, train, spans, horizon, labels=asked, nonnegative=nonneg)
    out = _attempt(model.predict_interval, coverage=coverage, **kw)
    if not failed(out, "predict_interval"):
        _check_forecast(out.value, train, spans, horizon, ["lower", "upper"], nonneg)

    # the failing calls: a fitted model keeps answering exactly the same
    for kind, method in bad:
        args, cov_override, must_raise = _bad_data(kind, method, panel, model, bad_seed)
        call_kw = dict(kw)
        if cov_override is not None:
            call_kw = {} if isinstance(cov_override, str) else {"covariates": cov_override}
        out = _attempt(getattr(model, method), *args, **call_kw)
        if must_raise:
            assert not out.ok, f"{method} accepted bad data ({kind})"
        if failed(out, f"{method} with bad data ({kind})"):
            continue
        if method != "predict":  # it was good data after all: the model moved on
            snap = _snapshot(model, kw)

    # partial_fit on the data extended in time (possibly without its first steps)
    fresh = panel.cut(first=fresh_first)
    out = _attempt(model.partial_fit, fresh.render(), **kw)
    fresh_spans = fresh.cleaned(params["allow_missing"])
    if fresh_spans is None:
        assert not out.ok, "partial_fit accepted NaN it must reject"
    if not failed(out, "partial_fit"):
        after = _attempt(model.predict, **kw)
        if _covariates_cover(covariates, fresh_spans, horizon) and not _ragged_wide(
            fresh, fresh_spans
        ):
            _require_ok(after, "predict() after partial_fit")
        if after.ok:
            _check_forecast(after.value, fresh, fresh_spans, horizon, nonnegative=nonneg)
        snap = _snapshot(model, kw)

    # save / load: the same forecast from the file
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.tsrnn")
        model.save(path)
        loaded = RNNForecaster.load(path)
    a, b = _attempt(model.predict, **kw), _attempt(loaded.predict, **kw)
    assert a.ok == b.ok, (a, b)
    if a.ok:
        np.testing.assert_array_equal(_as_array(b.value), _as_array(a.value))
        if hasattr(a.value, "index"):
            assert a.value.index.equals(b.value.index)

    # backtest of a single series, from an unfitted clone
    if panel.layout in ("series", "array1"):
        out = _attempt(tsrnn.backtest, clone(model), panel.render(), n_windows=2, **kw)
        if out.ok:
            result = out.value
            assert len(result.forecasts) == 2 * horizon and len(result.metrics) == 2
            assert np.isfinite(result.forecasts["y_pred"].to_numpy()).all(), result.forecasts


def _constant(panel):
    """The value of a panel whose series are all the same constant, else None."""
    values = np.concatenate(panel.values)
    values = values[~np.isnan(values)]
    if len(values) and (values == values[0]).all() and values[0] > 0:
        return float(values[0])
    return None


def _plain(panel, params, covariates):
    """A case fit must accept: one clean, long datetime Series and default-like options."""
    v = panel.values[0]
    return (
        panel.layout == "series"
        and panel.kind == "datetime"
        and covariates is None
        and not np.isnan(v).any()
        and len(v) >= 3 * params["horizon"] + 40
        and params["window"] == "auto"
        and params["linear_lags"] is None
        and params["baseline"] in ("auto", "last", "none")
        and params["target_transform"] is None
    )


# --------------------------------------------------------------------------------------------
# windows mode


DTYPES = ["float64", "float32", "int64", "bool", "object", "str", "text", "complex"]
NUMERIC = {"float64", "float32", "int64", "bool", "object"}


@dataclasses.dataclass
class Arr:
    """A drawn array-like and whether it is valid input (None: either way is fine, e.g.
    numeric strings, which scikit-learn's validation may convert)."""

    value: object
    valid: bool | None
    shape: tuple


def _convert(values, dtype, container):
    if dtype == "object":
        values = values.astype(object)
    elif dtype == "str":  # numeric strings
        values = values.round(3).astype(str)
    elif dtype == "text":
        values = np.where(values > 0, "up", "down")
    elif dtype == "complex":
        values = values + 1j
    elif dtype == "bool":
        values = values > 0
    else:
        values = values.astype(dtype)
    if container == "list":
        return values.tolist()
    if container == "frame" and values.ndim == 2:
        return pd.DataFrame(values, columns=[f"lag{i}" for i in range(values.shape[1])])
    if container == "sparse" and values.ndim == 2 and dtype in ("float64", "float32", "int64"):
        return scipy.sparse.csr_matrix(values)
    return values


@st.composite
def window_arrays(draw, n=None, window=None, features=None, ndim=None, clean=False):
    """An ``X`` of windows of any shape, dtype or container; ``clean``: a valid one (of
    float, int or numeric-text values, in an array, a list or a DataFrame)."""
    ndims, ns, windows, n_features = [2, 2, 2, 3, 3, 1, 4, 0], [0, 1, 2, 5, 17, 40], \
        [0, 1, 3, 8, 12], [0, 1, 1, 2, 3]  # fmt: skip
    if clean:
        ndims, ns, windows, n_features = [2, 3], [2, 5, 17, 40], [1, 3, 8, 12], [1, 2, 3]
    ndim = draw(st.sampled_from(ndims)) if ndim is None else ndim
    n = draw(st.sampled_from(ns)) if n is None else n
    window = draw(st.sampled_from(windows)) if window is None else window
    features = draw(st.sampled_from(n_features)) if features is None else features
    shape = [(), (n,), (n, window), (n, window, features), (n, window, features, 2)][ndim]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = np.asarray(rng.normal(size=shape) * 10.0 ** draw(st.integers(-12, 12)))
    special = None if clean else draw(st.sampled_from([None] * 4 + [np.nan, np.inf, -np.inf]))
    if special is not None and values.size:
        values.flat[int(rng.integers(values.size))] = special
    dtype = draw(st.sampled_from(["float64", "float32", "int64"] if clean
                                 else DTYPES[:3] * 3 + DTYPES))  # fmt: skip
    if dtype in ("int64", "bool"):
        special = None  # integers and booleans hold no NaN
        values = np.nan_to_num(values, posinf=1, neginf=-1).round()
    containers = ["ndarray"] * 4 + ["list", "frame", "sparse"]
    container = draw(st.sampled_from(containers[:-1] if clean else containers))
    valid = (
        ndim in (2, 3)
        and min(shape) >= 1
        and dtype in NUMERIC | {"str"}
        and special is None
        and not (container == "sparse" and ndim == 2 and dtype in ("float64", "float32", "int64"))
    )
    return Arr(_convert(values, dtype, container), None if valid and dtype == "str" else valid,
               shape)  # fmt: skip


@st.composite
def targets(draw, n, clean=False):
    """A ``y``: 1-D or 2-D of ``n`` rows, or mismatched, of any dtype (``clean``: valid)."""
    ndim = draw(st.sampled_from([1, 2] if clean else [1, 1, 2, 2, 0, 3]))
    rows = n if clean or draw(st.integers(0, 5)) else max(0, n + draw(st.sampled_from([-1, 1])))
    horizon = draw(st.integers(1, 4))
    shape = [(), (rows,), (rows, horizon), (rows, horizon, 2)][ndim]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = np.asarray(rng.normal(size=shape) * 10.0 ** draw(st.integers(-12, 12)))
    special = None if clean else draw(st.sampled_from([None] * 6 + [np.nan, np.inf]))
    if special is not None and values.size:
        values.flat[0] = special
    dtypes = ["float64"] * 4 + ["float32", "int64", "str", "text", "object"]
    dtype = draw(st.sampled_from(dtypes[:6] if clean else dtypes))
    container = draw(st.sampled_from(["ndarray"] * 4 + ["list"]))
    if dtype == "int64":  # integers hold no NaN
        values, special = np.nan_to_num(values, posinf=1, neginf=-1).round(), None
    valid = ndim in (1, 2) and rows == n and n >= 1 and special is None and dtype != "text"
    valid = None if valid and dtype == "str" else valid
    return Arr(_convert(values, dtype, container), valid, shape)


@st.composite
def windows_cases(draw):
    clean = draw(st.booleans())  # half the draws fit valid data, to reach every later call
    X = draw(window_arrays(clean=clean))
    n = X.shape[0] if len(X.shape) else 0
    y = draw(targets(n, clean=clean))
    # other inputs: mostly near the fitted shape (the interesting failures), sometimes anything
    near = {}
    if len(X.shape) in (2, 3):
        near = dict(window=X.shape[1], ndim=len(X.shape),
                    features=X.shape[2] if len(X.shape) == 3 else None)  # fmt: skip
    X_pred = draw(st.one_of(window_arrays(**near), window_arrays()))
    X_more = draw(st.one_of(window_arrays(**near), window_arrays()))
    y_more = draw(targets(X_more.shape[0] if len(X_more.shape) else 0))
    params = dict(
        cell=draw(st.sampled_from(["lstm", "gru", "rnn"])),
        hidden_size=draw(st.integers(2, 4)),
        max_epochs=draw(st.integers(1, 3)),
        batch_size=draw(st.integers(16, 64)),
        early_stopping=draw(st.booleans()),
        linear_lags=draw(st.one_of(st.none(), st.integers(1, 14))),
        quantiles=draw(st.sampled_from([None, None, [0.1, 0.9]])),
        horizon=draw(st.sampled_from([None, None, None, 1, 2])),
        dtype=draw(st.sampled_from(["float32", "float32", "float64"])),
        random_state=0,
    )
    return dict(X=X, y=y, X_pred=X_pred, X_more=X_more, y_more=y_more, params=params,
                coverage=draw(st.floats(0.05, 0.99)))  # fmt: skip


@settings(max_examples=_examples(2.0))
@given(case=windows_cases())
def test_windows_mode_surface(case):
    with _watchdog():
        _windows_example(**case)


def _windows_example(X, y, X_pred, X_more, y_more, params, coverage):
    model = RNNForecaster(**params)
    fit = _attempt(model.fit, X.value, y.value)
    y_cols = y.shape[1] if len(y.shape) == 2 else 1
    lags_ok = params["linear_lags"] is None or (
        len(X.shape) >= 2 and params["linear_lags"] <= X.shape[1]
    )
    horizon_ok = params["horizon"] in (None, y_cols)
    if X.valid and y.valid and lags_ok and horizon_ok:
        _require_ok(fit, f"fit on valid windows {X.shape} / targets {y.shape}")
    if X.valid is False or y.valid is False:
        assert not fit.ok, f"fit accepted invalid windows {X.shape} / targets {y.shape}"
    event(f"windows fit {'ok' if fit.ok else 'raised'}")
    if not fit.ok:
        return
    n, h = X.shape[0], y_cols
    point_shape = (n,) if len(y.shape) == 1 else (n, h)

    def check(out, shape):
        assert isinstance(out, np.ndarray) and out.shape == shape, (type(out), out.shape, shape)
        assert out.dtype.kind == "f", out.dtype
        assert np.isfinite(out).all(), f"non-finite prediction {out}"

    out = _attempt(model.predict, X.value)
    _require_ok(out, "predict on the windows fit took")
    check(out.value, point_shape)
    levels = (0.1, 0.5, 0.9)
    out = _attempt(model.predict_quantiles, X.value, quantiles=levels)
    if params["quantiles"] is None:
        _require_ok(out, "predict_quantiles")
    if out.ok:
        check(out.value, point_shape + (3,))
        assert (np.diff(out.value, axis=-1) >= 0).all(), "crossing quantiles"
    out = _attempt(model.predict_interval, X.value, coverage=coverage)
    if params["quantiles"] is None:
        _require_ok(out, "predict_interval")
    if out.ok:
        check(out.value, point_shape + (2,))

    probe = {"X": X.value}
    snap = _snapshot(model, probe)

    # predict on other windows: a right answer or a clean error, the model unchanged
    out = _attempt(model.predict, X_pred.value)
    if not out.ok:
        _assert_unchanged(model, snap, probe, "predict(X)")
    elif len(X_pred.shape) in (2, 3):
        check(out.value, (X_pred.shape[0],) + point_shape[1:])

    # partial_fit: the same data must work; other data works or fails cleanly
    out = _attempt(model.partial_fit, X.value, y.value)
    _require_ok(out, "partial_fit on the data fit took")
    snap = _snapshot(model, probe)
    out = _attempt(model.partial_fit, X_more.value, y_more.value)
    if not out.ok:
        _assert_unchanged(model, snap, probe, "partial_fit(X, y)")
    else:
        assert X_more.valid is not False and y_more.valid is not False, "accepted invalid data"
        snap = _snapshot(model, probe)
    out = _attempt(model.partial_fit, X.value)  # no targets
    assert not out.ok, "partial_fit(X) without y in windows mode must fail"
    _assert_unchanged(model, snap, probe, "partial_fit(X) without y")

    # save / load
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.tsrnn")
        model.save(path)
        loaded = RNNForecaster.load(path)
    np.testing.assert_array_equal(loaded.predict(X.value), model.predict(X.value))
