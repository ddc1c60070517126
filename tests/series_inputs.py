"""Example inputs for the tests of tsrnn._data: a Series and a long DataFrame."""

import numpy as np
import pandas as pd


def make_series(n=20, freq="D", start="2020-01-01", name="y", with_freq=True):
    idx = pd.date_range(start, periods=n, freq=freq)
    if not with_freq:
        idx = pd.DatetimeIndex(idx.to_numpy())
        assert idx.freq is None
    return pd.Series(np.arange(n, dtype=np.float64), index=idx, name=name)


def make_long(specs, freq="D"):
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
