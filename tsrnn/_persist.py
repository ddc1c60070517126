"""Saving and loading fitted models without pickle.

A model file is a NumPy ``.npz`` archive (a zip file) of plain numeric arrays plus one JSON
document stored as bytes. Nothing in it is executable and it loads with
``allow_pickle=False``. The JSON holds the format version, the estimator's parameters, its
fitted scalars, time indexes as text, and a SHA-256 digest of every array, so a truncated or
tampered file is refused with a clear ``ValueError``. Files are written atomically: a
temporary file in the same folder, then a rename, so a crash mid-save leaves the old file
whole.
"""

import hashlib
import json
import os
import tempfile
import zipfile
import zlib

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

FORMAT = "tsrnn-model"
FORMAT_VERSION = 1


def write_model(path, meta, arrays):
    """Write ``meta`` (JSON-able dict) and ``arrays`` (name -> ndarray) to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
    meta : dict
    arrays : dict of str to ndarray
        Numeric arrays only (no object dtype).
    """
    path = os.fspath(path)
    arrays = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    for name, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise TypeError(f"array {name!r} has dtype {a.dtype}; only numbers can be saved.")
    doc = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "meta": meta,
        "arrays": {
            name: {"dtype": a.dtype.str, "shape": list(a.shape), "sha256": _digest(a)}
            for name, a in arrays.items()
        },
    }
    payload = dict(arrays)
    payload["__meta__"] = np.frombuffer(json.dumps(doc).encode("utf-8"), dtype=np.uint8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tsrnn-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_model(path):
    """Read and verify a model file.

    Returns
    -------
    meta : dict
    arrays : dict of str to ndarray

    Raises
    ------
    ValueError
        If the file is not a tsrnn model, is of another format version, or is truncated or
        altered.
    """
    path = os.fspath(path)
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError(f"{path!r} is not a tsrnn model file (a single NumPy array).")
        with npz:
            names = list(npz.files)
            if "__meta__" not in names:
                raise ValueError(f"{path!r} is not a tsrnn model file (no metadata).")
            doc = json.loads(npz["__meta__"].tobytes().decode("utf-8"))
            arrays = {name: npz[name] for name in names if name != "__meta__"}
    except FileNotFoundError:
        raise
    except ValueError as exc:
        if "tsrnn" in str(exc):
            raise
        raise ValueError(f"{path!r} is not a readable tsrnn model file: {exc}") from exc
    except (
        zipfile.BadZipFile, OSError, EOFError, KeyError, UnicodeDecodeError, NotImplementedError,
        zlib.error,
    ) as exc:  # fmt: skip
        raise ValueError(
            f"{path!r} is not a readable tsrnn model file (truncated or corrupted): {exc}"
        ) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not a tsrnn model file.")
    if doc.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{path!r} is a tsrnn model file of format version {doc.get('version')!r}; this "
            f"version of tsrnn reads version {FORMAT_VERSION}."
        )
    declared = doc.get("arrays", {})
    if set(declared) != set(arrays):
        raise ValueError(f"{path!r} has been altered: its arrays do not match its metadata.")
    for name, info in declared.items():
        a = arrays[name]
        if a.dtype.str != info["dtype"] or list(a.shape) != info["shape"]:
            raise ValueError(f"{path!r} has been altered: array {name!r} has the wrong shape.")
        if _digest(a) != info["sha256"]:
            raise ValueError(f"{path!r} has been altered: array {name!r} fails its checksum.")
    return doc["meta"], arrays


def _digest(a):
    h = hashlib.sha256()
    h.update(a.dtype.str.encode())
    h.update(str(a.shape).encode())
    h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# time indexes and frequencies as JSON


def index_to_json(index):
    """A pandas Index of time stamps, periods or integers as a JSON-able dict."""
    if isinstance(index, pd.DatetimeIndex):
        return {
            "kind": "datetime",
            "values": [ts.isoformat() for ts in index],
            "tz": None if index.tz is None else str(index.tz),
            "unit": index.unit,
            "freq": index.freqstr,
        }
    if isinstance(index, pd.PeriodIndex):
        return {"kind": "period", "values": [str(p) for p in index], "freq": index.freqstr}
    if isinstance(index, pd.RangeIndex):
        return {"kind": "range", "start": index.start, "stop": index.stop, "step": index.step}
    values = np.asarray(index)
    if values.dtype.kind not in "iu":
        raise TypeError(f"cannot save a time index of dtype {index.dtype}.")
    return {"kind": "int", "values": [int(v) for v in values]}


def index_from_json(doc):
    """Inverse of :func:`index_to_json`."""
    kind = doc["kind"]
    if kind == "datetime":
        if doc["tz"] is None:
            index = pd.DatetimeIndex(pd.to_datetime(doc["values"]))
        else:  # the stamps carry their UTC offsets; the zone's name comes back with tz_convert
            index = pd.DatetimeIndex(pd.to_datetime(doc["values"], utc=True)).tz_convert(doc["tz"])
        index = index.as_unit(doc.get("unit", index.unit))
        if doc["freq"] is not None:
            index = pd.DatetimeIndex(index, freq=doc["freq"])
        return index
    if kind == "period":
        return pd.PeriodIndex(doc["values"], freq=doc["freq"])
    if kind == "range":
        return pd.RangeIndex(doc["start"], doc["stop"], doc["step"])
    if kind == "int":
        return pd.Index(np.asarray(doc["values"], dtype=np.int64))
    raise ValueError(f"unknown index kind {kind!r} in the model file.")


def freq_to_json(freq, index):
    """A frequency (DateOffset or None) of series with time index ``index`` as JSON."""
    if freq is None:
        return None
    if isinstance(index, pd.PeriodIndex):  # periods spell frequencies their own way (M, Y)
        return {"str": index.freqstr, "period": True}
    return {"str": freq.freqstr, "period": False}


def freq_from_json(doc):
    """Inverse of :func:`freq_to_json`."""
    if doc is None:
        return None
    if doc["period"]:
        return pd.PeriodIndex([], freq=doc["str"]).freq
    return to_offset(doc["str"])


def ids_to_json(ids):
    """Series ids as JSON: ints, floats, strings and booleans are kept as they are."""
    out = []
    for i in ids:
        if isinstance(i, np.generic):
            i = i.item()
        if i is not None and not isinstance(i, bool | int | float | str):
            raise TypeError(
                f"cannot save the series id {i!r} of type {type(i).__name__}; use strings or "
                "integers as series names."
            )
        out.append(i)
    return out
