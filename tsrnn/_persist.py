"""Saving and loading fitted models without pickle.

A model file is a NumPy ``.npz`` archive (a zip file) of plain numeric arrays plus one JSON
document stored as bytes. Nothing in it is executable and it loads with
``allow_pickle=False``. The JSON holds the format version, the estimator's parameters, its
fitted state (time indexes as text), and a SHA-256 digest of every array, so a truncated or
tampered file is refused with a clear ``ValueError``. Files are written atomically: a
temporary file in the same folder, then a rename, so a crash mid-save leaves the old file
whole.

The fitted state is written field by field (:func:`encode_state`, :func:`decode_state`), each
field by the codec its declaration in :mod:`tsrnn._state` names; a field a file lacks (it was
written before the field existed) takes its declared default. Files of format version 1 are
read through :func:`_upgrade_v1`.
"""

import dataclasses
import hashlib
import json
import os
import tempfile
import zipfile
import zlib

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ._state import MODE_STATES, TrainingState

FORMAT = "tsrnn-model"
FORMAT_VERSION = 2


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
    if doc.get("version") not in (1, FORMAT_VERSION):
        raise ValueError(
            f"{path!r} is a tsrnn model file of format version {doc.get('version')!r}; this "
            f"version of tsrnn reads versions 1 to {FORMAT_VERSION}."
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
    if doc["version"] == 1:
        return _upgrade_v1(doc["meta"], arrays)
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
    """Names (series ids, covariate columns) as JSON: ints, floats, strings and booleans
    are kept as they are, so a loaded model knows the same names."""
    out = []
    for i in ids:
        if isinstance(i, np.generic):
            i = i.item()
        if i is not None and not isinstance(i, bool | int | float | str):
            raise TypeError(
                f"cannot save the name {i!r} of type {type(i).__name__} (a series id or a "
                "covariate column); use strings or integers as names."
            )
        out.append(i)
    return out


# --------------------------------------------------------------------------------------------
# an estimator, and its fitted state field by field


def save_estimator(estimator, path):
    """Write a fitted :class:`~tsrnn.RNNForecaster`: its parameters, its mode and every field
    of its fitted state (:mod:`tsrnn._state`)."""
    params = estimator.get_params()
    if not isinstance(params["random_state"], int | type(None)):
        params["random_state"] = None
    if params["quantiles"] is not None:
        params["quantiles"] = [float(q) for q in params["quantiles"]]
    if isinstance(params.get("init"), os.PathLike):  # a base model's file: kept as its path
        params["init"] = os.fspath(params["init"])
    meta = {"params": params, "mode": estimator._mode, "state": {}}
    arrays = {}
    for kind in (TrainingState, MODE_STATES[estimator._mode]):
        encode_state(kind.taken_from(estimator), meta["state"], arrays)
    if hasattr(estimator, "feature_names_in_"):
        meta["feature_names_in"] = [str(c) for c in estimator.feature_names_in_]
    write_model(path, meta, arrays)


def load_estimator(cls, path):
    """Inverse of :func:`save_estimator`: an instance of ``cls``, fitted.

    Raises
    ------
    ValueError
        If the file is not a tsrnn model of a readable version, or is truncated, altered or
        inconsistent.
    """
    meta, arrays = read_model(path)
    try:
        est = cls(**meta["params"])
        est._mode = meta["mode"]
        for kind in (TrainingState, MODE_STATES[est._mode]):
            decode_state(kind, meta["state"], arrays, meta["params"]).put_on(est)
        if est.params_.shape != (est.spec_.n_params,) or est.params_.dtype.kind != "f":
            raise ValueError("its parameter vector does not fit the network it describes")
        if "feature_names_in" in meta:
            est.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(f"{path!r} is not a valid tsrnn model file: {exc!r}") from exc
    except ValueError as exc:
        raise ValueError(f"{path!r} is not a valid tsrnn model file: {exc}") from exc
    return est


def encode_state(state, meta, arrays):
    """Write every field of ``state`` (a dataclass of :mod:`tsrnn._state`) into ``meta``
    (JSON-able values, by field name) and ``arrays`` (arrays named after their field)."""
    for f in dataclasses.fields(state):
        value = getattr(state, f.name)
        meta[f.name] = None if value is None else _CODECS[f.metadata["codec"]][0](
            value, f.name, state, arrays
        )


def decode_state(cls, meta, arrays, params):
    """Inverse of :func:`encode_state`: an instance of ``cls`` from what a file holds.

    A field the file lacks gets ``cls.default(name, params)``; a required one raises a
    ``KeyError``.
    """
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in meta:
            values[f.name] = cls.default(f.name, params)
        elif meta[f.name] is None:
            values[f.name] = None
        else:
            decode = _CODECS[f.metadata["codec"]][1]
            values[f.name] = decode(meta[f.name], f.name, arrays, params)
    return cls(**values)


def _to_json(value, *_):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def _put_array(value, name, _, arrays):
    arrays[name] = np.asarray(value)
    return name


def _put_arrays(value, name, _, arrays):
    arrays[name] = np.concatenate(value) if len(value) else np.zeros(0)
    arrays[name + ".lengths"] = np.array([len(v) for v in value], dtype=np.int64)
    return name


def _get_arrays(_, name, arrays, __):
    lengths = arrays[name + ".lengths"]
    return [a.copy() for a in np.split(arrays[name], np.cumsum(lengths)[:-1])]


def _put_optimizer(opt, name, _, arrays):
    doc = {"kind": type(opt).__name__}
    for key, value in opt.get_state().items():
        if isinstance(value, np.ndarray):
            arrays[f"{name}.{key}"] = value
        else:
            doc[key] = value
    return doc


def _get_optimizer(doc, name, arrays, params):
    from ._optim import SGD, Adam

    opt = {"Adam": Adam, "SGD": SGD}[doc["kind"]](params["learning_rate"])
    state = {k: v for k, v in doc.items() if k != "kind"}
    for key in ("m", "v", "velocity"):
        state[key] = arrays.get(f"{name}.{key}")
    opt.set_state(state)
    return opt


def _get_spec(doc, *_):
    from ._spec import NetworkSpec

    return NetworkSpec(*doc)


def _get_rng(doc, *_):
    rng = np.random.default_rng()
    rng.bit_generator.state = doc
    return rng


#: How each kind of field is written and read: ``(encode(value, name, state, arrays) ->
#: JSON, decode(json, name, arrays, params) -> value)``.
_CODECS = {
    "json": (_to_json, lambda doc, *_: doc),
    "array": (_put_array, lambda _, name, arrays, __: arrays[name].copy()),
    "arrays": (_put_arrays, _get_arrays),
    "spec": (
        lambda s, *_: [s.cell, s.n_features, s.hidden_size, s.num_layers, s.n_outputs,
                       s.n_head_features],  # fmt: skip
        _get_spec,
    ),
    "optimizer": (_put_optimizer, _get_optimizer),
    "rng": (lambda rng, *_: rng.bit_generator.state, _get_rng),
    "ids": (lambda ids, *_: ids_to_json(ids), lambda doc, *_: list(doc)),
    "id": (lambda i, *_: ids_to_json([i])[0], lambda doc, *_: doc),
    "indexes": (
        lambda ixs, *_: [index_to_json(ix) for ix in ixs],
        lambda doc, *_: [index_from_json(d) for d in doc],
    ),
    # a period index spells its frequency its own way: the series' index says which
    "freq": (
        lambda freq, _, state, __: freq_to_json(freq, state._tail_indexes[0]),
        lambda doc, *_: freq_from_json(doc),
    ),
    "dtype": (lambda dtype, *_: np.dtype(dtype).str, lambda doc, *_: np.dtype(doc)),
}


def _upgrade_v1(meta, arrays):
    """A file of format version 1 (tsrnn 0.1.0) as version 2 holds it: one ``state`` dict
    of fields, arrays named after their field."""
    state = dict(meta["scalars"])
    state.update(spec_=meta["spec"], _rng=meta["rng"], quantiles_=meta["quantiles_"],
                 params_="params_", _residuals="_residuals",
                 optimizer_={"kind": meta["optimizer"], **meta["optimizer_scalars"]})  # fmt: skip
    new = {"params_": arrays["params"], "_residuals": arrays["residuals"]}
    for name, a in arrays.items():
        if name.startswith("optimizer."):
            new["optimizer_." + name.split(".", 1)[1]] = a
    if meta["mode"] == "series":
        info = meta["series"]
        state.update(
            series_ids_=info["ids"], _layout=info["layout"], _freq=info["freq"],
            _name=info["name"], _ndim=info["ndim"], _tail_indexes=info["indexes"],
            covariates_=info["covariates"], _tails="_tails",
            _cov_tails="_cov_tails" if "cov_tails" in arrays else None,
            _cov_mean="_cov_mean" if "cov_mean" in arrays else None,
            _cov_scale="_cov_scale" if "cov_scale" in arrays else None,
        )  # fmt: skip
        lengths = arrays["tail_lengths"]
        new.update({"_tails": arrays["tails"].astype(np.float64), "_tails.lengths": lengths})
        if "cov_tails" in arrays:
            new.update({"_cov_tails": arrays["cov_tails"], "_cov_tails.lengths": lengths})
        for key in ("cov_mean", "cov_scale"):
            if key in arrays:
                new["_" + key] = arrays[key]
    else:
        info = meta["windows"]
        state.update(_y_1d=info["y_1d"], _out_dtype=info["out_dtype"], _x_ndim=info["x_ndim"])
        for key in ("_x_mean", "_x_scale", "_y_mean", "_y_scale"):
            state[key] = key
            new[key] = arrays[key]
    upgraded = {"params": meta["params"], "mode": meta["mode"], "state": state}
    if "feature_names_in" in meta:
        upgraded["feature_names_in"] = meta["feature_names_in"]
    return upgraded, new
