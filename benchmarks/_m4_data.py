"""M4 data for ``benchmarks/m4.py``: the group constants, the M4 CSV files, the official table.

Reads ``{Group}-train.csv`` / ``{Group}-test.csv`` (a ``"V1","V2",...`` header, then one row per
series: its id, its values, then empty cells), the official forecasts ``Naive2-{Group}.csv`` and
``sNaive-{Group}.csv`` (rows ``id,F1..Fh``) and ``official_results_by_frequency.csv``; writes
forecasts in the official layout; holds a group's series as :class:`GroupData` and hands them to
the estimator as a long DataFrame (:func:`to_long`).
"""

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Environment variable naming the data folder when ``--data`` is not given.
DATA_ENV = "TSRNN_M4_DATA"


@dataclass(frozen=True)
class Group:
    """What M4 fixes for a frequency group.

    Attributes
    ----------
    horizon : int
        Steps to forecast.
    m : int
        Seasonal lag of the MASE scale.
    freq : str
        pandas frequency of the made-up calendar used with ``--ds datetime``.
    """

    horizon: int
    m: int
    freq: str


GROUPS = {"Hourly": Group(horizon=48, m=24, freq="h"), "Weekly": Group(horizon=13, m=1, freq="W")}

#: Official entries shown in the table: (row of official_results_by_frequency.csv, label).
OFFICIAL_ROWS = (
    ("Naive2", "Naive2"),
    ("sNaive", "sNaive"),
    ("Theta", "Theta"),
    ("RNN", "RNN (M4 benchmark)"),
    ("118", "ES-RNN (Smyl, #118)"),
)


# --------------------------------------------------------------------------------------------
# reading and writing


#: Cells that mark the end of a row (the Weekly Naive2 file pads its rows to F48 with NA).
_EMPTY = ("", "NA")


def read_series(path):
    """Read an M4 data file: a ``"V1","V2",...`` header, then id, values, empty cells.

    Empty and ``NA`` cells are dropped.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ids : list of str
    values : list of ndarray
        float64 values of each series, without the trailing empty cells.
    """
    ids, values = [], []
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for row in reader:
            if not row:
                continue
            cells = [c for c in row[1:] if c not in _EMPTY]
            ids.append(row[0])
            values.append(np.array(cells, dtype=np.float64))
    return ids, values


def read_forecasts(path):
    """Read a forecast file with rows ``id,F1..Fh`` (and a header line).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ids : list of str
    forecasts : ndarray of shape (n_series, horizon)
    """
    ids, values = read_series(path)
    return ids, np.vstack(values)


def write_forecasts(path, ids, forecasts):
    """Write forecasts as the official files do: a header ``id,F1..Fh``, then a row each.

    Parameters
    ----------
    path : str or os.PathLike
    ids : list of str
    forecasts : ndarray of shape (n_series, horizon)
    """
    forecasts = np.asarray(forecasts, dtype=np.float64)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id"] + [f"F{k + 1}" for k in range(forecasts.shape[1])])
        for sid, row in zip(ids, forecasts, strict=True):
            writer.writerow([sid] + [repr(float(v)) for v in row])


def read_official(path):
    """Read the organisers' table ``official_results_by_frequency.csv``.

    The file has two header lines (the measure over its seven columns, then ``User ID`` and
    the frequencies), then a row per method (``Naive2``, ``Theta``, ``RNN``, ... or the
    participant's number), then notes.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    dict
        ``{method: {frequency: (sMAPE, MASE, OWA)}}``, frequencies as in the file
        (``"Yearly"`` ... ``"Hourly"``, ``"Total"``).
    """
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    measures, freqs = rows[0], rows[1]
    columns = {}
    current = None
    for j in range(1, len(freqs)):
        if j < len(measures) and measures[j]:
            current = measures[j]
        columns[(current, freqs[j])] = j
    table = {}
    for row in rows[2:]:
        if len(row) != len(freqs) or not row[0]:
            continue
        try:
            entry = {
                f: tuple(float(row[columns[(m, f)]]) for m in ("sMAPE", "MASE", "OWA"))
                for f in freqs[1:8]
            }
        except (KeyError, ValueError):
            continue
        table[row[0]] = entry
    return table


def best_entry(official, group):
    """The method of lowest OWA on ``group`` in the official table.

    Parameters
    ----------
    official : dict
        As returned by :func:`read_official`.
    group : str

    Returns
    -------
    str
    """
    return min(official, key=lambda k: official[k][group][2])


# --------------------------------------------------------------------------------------------
# data


@dataclass
class GroupData:
    """The series of one M4 group (or its first ``limit`` series).

    Attributes
    ----------
    name : str
    spec : Group
    ids : list of str
    train : list of ndarray
    test : ndarray of shape (n_series, horizon)
    benchmarks : dict
        ``{name: ndarray of shape (n_series, horizon)}``: official Naive2 (always) and
        sNaive (when its file exists) forecasts, in the order of ``ids``.
    fit_train : list of ndarray or None
        What the model learns from when not the whole of ``train`` (see :meth:`subset`).
    """

    name: str
    spec: Group
    ids: list
    train: list
    test: np.ndarray
    benchmarks: dict
    fit_train: list | None = None

    def subset(self, every=1, limit=None, history=None):
        """Every ``every``-th series, the first ``limit`` of them, the last ``history`` values.

        Parameters
        ----------
        every : int, default=1
            Keep series 0, every, 2 * every, ...
        limit : int or None, default=None
            Then keep the first ``limit`` series (all when None).
        history : int or None, default=None
            The model learns from the last ``history`` values of each series only (all when
            None); the MASE scale is still computed on the whole training part.

        Returns
        -------
        GroupData
        """
        keep = list(range(0, len(self.ids), every))[:limit]
        train = [self.train[i] for i in keep]
        return GroupData(
            self.name,
            self.spec,
            [self.ids[i] for i in keep],
            train,
            self.test[keep],
            {k: v[keep] for k, v in self.benchmarks.items()},
            None if history is None else [v[-history:] for v in train],
        )

    @property
    def model_train(self):
        """The training values the model learns from (see :meth:`subset`)."""
        return self.train if self.fit_train is None else self.fit_train


def data_dir(arg):
    """The data folder: ``--data``, else ``$TSRNN_M4_DATA``; SystemExit when neither is set.

    Parameters
    ----------
    arg : str or None

    Returns
    -------
    pathlib.Path
    """
    value = arg or os.environ.get(DATA_ENV)
    if not value:
        raise SystemExit(f"no data folder: pass --data DIR or set {DATA_ENV}.")
    path = Path(value)
    if not path.is_dir():
        raise SystemExit(f"data folder {str(path)!r} does not exist.")
    return path


def _aligned(path, ids):
    fids, fc = read_forecasts(path)
    if fids != ids:
        raise SystemExit(f"{path}: its series ids are not those of the training file.")
    return fc


def load_group(folder, name):
    """Load the training and test series and the official benchmark forecasts of a group.

    Parameters
    ----------
    folder : str or os.PathLike
    name : {"Hourly", "Weekly"}

    Returns
    -------
    GroupData
    """
    folder = Path(folder)
    spec = GROUPS[name]
    ids, train = read_series(folder / f"{name}-train.csv")
    test_ids, test = read_series(folder / f"{name}-test.csv")
    if test_ids != ids:
        raise SystemExit(f"{name}: the test file's ids differ from the training file's.")
    test = np.vstack(test)
    if test.shape[1] != spec.horizon:
        raise SystemExit(f"{name}: test horizon {test.shape[1]}, expected {spec.horizon}.")
    benchmarks = {"Naive2": _aligned(folder / f"Naive2-{name}.csv", ids)}
    snaive = folder / f"sNaive-{name}.csv"
    if snaive.exists():
        benchmarks["sNaive"] = _aligned(snaive, ids)
    return GroupData(name, spec, ids, train, test, benchmarks)


def to_long(data, ds="int"):
    """The training series as a long DataFrame (``unique_id``, ``ds``, ``y``).

    Parameters
    ----------
    data : GroupData
    ds : {"int", "datetime"}
        Integer time stamps 0, 1, ... or a made-up calendar of the group's frequency.

    Returns
    -------
    pandas.DataFrame
    """
    train = data.model_train
    lengths = np.array([len(v) for v in train])
    step = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if ds == "datetime":
        calendar = pd.date_range("2000-01-01", periods=int(lengths.max()), freq=data.spec.freq)
        stamps = calendar[step]
    else:
        stamps = step
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.array(data.ids, dtype=object), lengths),
            "ds": stamps,
            "y": np.concatenate(train),
        }
    )
