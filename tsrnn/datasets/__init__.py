"""Small classic time series shipped with :mod:`tsrnn`.

Every loader returns a fresh :class:`pandas.Series` of ``float64`` values
with a regular :class:`pandas.DatetimeIndex` whose ``freq`` is set, so the
series can be passed straight to a forecaster or to the plotting helpers.
Time stamps mark the *start* of each period for monthly, quarterly and yearly
data (``"MS"``, ``"QS-JAN"``, ``"YS-JAN"``) and the recorded sample date for
weekly data (``"W-SAT"``).

============  ==========  =====  ========================  ==========================
name          frequency   n      span                      suggested seasonal period
============  ==========  =====  ========================  ==========================
``airline``   ``MS``      144    1949-01 .. 1960-12        12
``co2``       ``W-SAT``   2284   1958-03-29 .. 2001-12-29  52
``sunspots``  ``YS-JAN``  309    1700 .. 2008              1 (solar cycle ~11 years)
``us_gdp``    ``QS-JAN``  203    1959Q1 .. 2009Q3          4
============  ==========  =====  ========================  ==========================

The values are stored verbatim (apart from a change of column names and date
notation) in CSV files next to this module; see each loader for the origin of
the data and its licence status. The only processing applied at load time is
the interpolation of the missing weeks of :func:`load_co2`, described there.

Examples
--------
>>> from tsrnn.datasets import list_datasets, load
>>> list_datasets()
['airline', 'co2', 'sunspots', 'us_gdp']
>>> y = load("airline")
>>> y.index.freqstr, len(y)
('MS', 144)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = [
    "list_datasets",
    "load",
    "load_airline",
    "load_co2",
    "load_sunspots",
    "load_us_gdp",
]


@cache
def _read_csv(filename: str) -> tuple[tuple[str, ...], np.ndarray, str, str]:
    """Read a two-column ``label,value`` CSV file shipped with the package.

    Parameters
    ----------
    filename : str
        File name inside the :mod:`tsrnn.datasets` package.

    Returns
    -------
    labels : tuple of str, length n
        Raw time labels of the first column.
    values : ndarray of shape (n,)
        ``float64`` values of the second column; empty fields become NaN.
        The array is read-only because it is cached.
    label_name, value_name : str
        Column names from the header line.
    """
    text = resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")
    lines = text.splitlines()
    label_name, value_name = lines[0].strip().split(",")
    labels: list[str] = []
    values: list[float] = []
    for line in lines[1:]:
        line = line.strip()
        if not line:
            continue
        label, value = line.split(",")
        labels.append(label)
        values.append(float(value) if value else np.nan)
    arr = np.asarray(values, dtype=np.float64)
    arr.setflags(write=False)
    return tuple(labels), arr, label_name, value_name


def _make_series(
    filename: str, parse: Callable[[tuple[str, ...]], pd.DatetimeIndex], freq: str
) -> pd.Series:
    """Build a Series with a validated regular index from a shipped CSV file.

    Parameters
    ----------
    filename : str
        CSV file inside the package.
    parse : callable
        Maps the tuple of raw labels to a :class:`pandas.DatetimeIndex`.
    freq : str
        Frequency the index must conform to; it is attached to the index.

    Returns
    -------
    pandas.Series of shape (n,)
        Copy of the data, ``float64``, named after the value column.
    """
    labels, values, label_name, value_name = _read_csv(filename)
    stamps = pd.DatetimeIndex(parse(labels))
    # the stamps must be exactly the regular, gap-free range of ``freq`` from the first one
    # (built as a range: pandas 3.0 refuses QS-JAN on quarter starts it infers as QS-OCT)
    index = pd.date_range(stamps[0], periods=len(stamps), freq=freq, name=label_name)
    if not index.equals(stamps):
        raise ValueError(f"{filename}: the time stamps are not a regular {freq} range.")
    return pd.Series(values.copy(), index=index, name=value_name, dtype=np.float64)


def load_airline() -> pd.Series:
    """Monthly international airline passengers, 1949-01 to 1960-12.

    Monthly totals of international airline passengers, in thousands
    (144 observations). This is "Series G" of Box & Jenkins and the
    ``AirPassengers`` data set of R, the textbook example of a trending series
    with multiplicative yearly seasonality (seasonal period ``m = 12``).

    Returns
    -------
    pandas.Series of shape (144,)
        ``float64`` values named ``"passengers"``, indexed by a
        :class:`pandas.DatetimeIndex` of month starts with ``freq="MS"``
        named ``"month"``.

    Notes
    -----
    Source: Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. (1976),
    *Time Series Analysis, Forecasting and Control*, 3rd ed., Holden-Day,
    Series G; originally from Brown, R. G. (1963), *Smoothing, Forecasting and
    Prediction of Discrete Time Series*, Prentice-Hall. The values were taken
    from the copy distributed with sktime (``sktime/datasets/data/Airline``)
    and agree with R's ``datasets::AirPassengers``. The series is a
    decades-old compilation of airline traffic statistics that is freely
    redistributed as a factual data set in many open-source packages.

    Examples
    --------
    >>> from tsrnn.datasets import load_airline
    >>> load_airline().iloc[:5].tolist()
    [112.0, 118.0, 132.0, 129.0, 121.0]
    """
    return _make_series("airline.csv", lambda labels: pd.to_datetime(labels, format="%Y-%m"), "MS")


def load_co2() -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, 1958-03-29 to 2001-12-29.

    Weekly averages of the atmospheric CO2 concentration (ppmv, 1999
    calibration scale) from continuous air samples at Mauna Loa Observatory,
    Hawaii, U.S.A. (2284 weeks, each stamped with its Saturday). It combines
    a smooth trend with a yearly cycle (seasonal period ``m = 52``).

    Returns
    -------
    pandas.Series of shape (2284,)
        ``float64`` values named ``"co2"``, indexed by a
        :class:`pandas.DatetimeIndex` of Saturdays with ``freq="W-SAT"``
        named ``"week"``. Contains no NaN.

    Notes
    -----
    **Missing values are filled.** The original record has no value for 59
    of the 2284 weeks (no sufficiently steady six-hour period was measured);
    the longest gap is 18 consecutive weeks, 1964-01-25 to 1964-05-23. They are stored as empty
    fields in the shipped CSV file and are filled here by linear
    interpolation in time between the neighbouring observed weeks
    (``Series.interpolate(method="linear")``; the first and last weeks are
    observed, so no extrapolation happens). All other values are the
    published measurements.

    Source: Keeling, C. D. and Whorf, T. P. (2004), "Atmospheric CO2
    concentrations derived from flask air samples at sites in the SIO
    network", in *Trends: A Compendium of Data on Global Change*, Carbon
    Dioxide Information Analysis Center, Oak Ridge National Laboratory,
    U.S. Department of Energy; data file ``maunaloa_c.dat`` of the Carbon
    Dioxide Research Group, Scripps Institution of Oceanography. The values
    were taken from the copy distributed with statsmodels
    (``statsmodels/datasets/co2``), which marks them as public domain (a
    U.S. Government data product).
    """
    series = _make_series(
        "co2.csv", lambda labels: pd.to_datetime(labels, format="%Y-%m-%d"), "W-SAT"
    )
    return series.interpolate(method="linear")


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot numbers, 1700 to 2008.

    Yearly mean (Wolf/Zurich, version 1) sunspot numbers, 309 observations.
    The series shows the roughly 11-year solar cycle, which is not a fixed
    calendar seasonality.

    Returns
    -------
    pandas.Series of shape (309,)
        ``float64`` values named ``"sunactivity"``, indexed by a
        :class:`pandas.DatetimeIndex` of year starts with ``freq="YS-JAN"``
        named ``"year"``.

    Notes
    -----
    Source: National Geophysical Data Center (NOAA), Solar Data Services,
    yearly sunspot numbers (``sunspots_yearly.dat``). The values were taken
    from the copy distributed with statsmodels
    (``statsmodels/datasets/sunspots``), which marks them as public domain
    (a U.S. Government data product).
    """
    return _make_series(
        "sunspots.csv", lambda labels: pd.to_datetime(labels, format="%Y"), "YS-JAN"
    )


def _parse_quarters(labels: tuple[str, ...]) -> pd.DatetimeIndex:
    """Convert ``"YYYYQq"`` labels to quarter-start time stamps.

    Parameters
    ----------
    labels : tuple of str, length n
        Labels such as ``"1959Q1"``.

    Returns
    -------
    pandas.DatetimeIndex of shape (n,)
        First day of each quarter.
    """
    return pd.PeriodIndex(list(labels), freq="Q").to_timestamp(how="start")


def load_us_gdp() -> pd.Series:
    """Quarterly U.S. real gross domestic product, 1959Q1 to 2009Q3.

    Real GDP in billions of chained 2005 U.S. dollars, seasonally adjusted
    annual rate (203 quarters). A trending series with recessions but no
    remaining seasonality (it is seasonally adjusted; nominal period
    ``m = 4``).

    Returns
    -------
    pandas.Series of shape (203,)
        ``float64`` values named ``"realgdp"``, indexed by a
        :class:`pandas.DatetimeIndex` of quarter starts with
        ``freq="QS-JAN"`` named ``"quarter"``.

    Notes
    -----
    Source: U.S. Bureau of Economic Analysis via FRED, Federal Reserve
    Economic Data, Federal Reserve Bank of St. Louis (accessed December 2009).
    The values are the ``realgdp`` column of the ``macrodata`` data set
    distributed with statsmodels (``statsmodels/datasets/macrodata``), which
    marks it as public domain (a U.S. Government data product).
    """
    return _make_series("us_gdp.csv", _parse_quarters, "QS-JAN")


_LOADERS: dict[str, Callable[[], pd.Series]] = {
    "airline": load_airline,
    "co2": load_co2,
    "sunspots": load_sunspots,
    "us_gdp": load_us_gdp,
}


def list_datasets() -> list[str]:
    """Names of the bundled data sets.

    Returns
    -------
    list of str
        Sorted names accepted by :func:`load`.
    """
    return sorted(_LOADERS)


def load(name: str) -> pd.Series:
    """Load a bundled data set by name.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets` (case-insensitive; ``-`` and ``_`` are
        interchangeable).

    Returns
    -------
    pandas.Series of shape (n,)
        The series returned by the matching ``load_<name>`` function.

    Raises
    ------
    ValueError
        If ``name`` is not a known data set.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    try:
        loader = _LOADERS[key]
    except KeyError:
        raise ValueError(
            f"unknown dataset {name!r}; available: {', '.join(list_datasets())}"
        ) from None
    return loader()
