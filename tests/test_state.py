"""tsrnn._state: the fitted state declared once, moved on and off an estimator, defaults for
files and pickles written before a field existed."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import RNNForecaster, _persist
from tsrnn._state import MODE_STATES, SeriesState, TrainingState, WindowsState


def fitted(mode):
    if mode == "series":
        y = pd.Series(np.sin(np.arange(80) / 3), index=pd.date_range("2000", periods=80,
                                                                       freq="D"))  # fmt: skip
        return RNNForecaster(horizon=3, hidden_size=4, max_epochs=1, random_state=0).fit(y)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6))
    return RNNForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(X, X[:, -1])


@pytest.mark.parametrize("mode", ["series", "windows"])
def test_the_declared_fields_are_the_fitted_attributes(mode):
    est = fitted(mode)
    declared = set(TrainingState.names()) | set(MODE_STATES[mode].names())
    fitted_names = {k for k in vars(est) if k.endswith("_") or k.startswith("_")} - {"_mode"}
    fitted_names.discard("feature_names_in_")  # scikit-learn's own, kept by its validation
    assert fitted_names == declared


@pytest.mark.parametrize("mode", ["series", "windows"])
def test_taken_from_and_put_on_round_trip(mode):
    est = fitted(mode)
    fresh = RNNForecaster(**est.get_params())
    for kind in (TrainingState, MODE_STATES[mode]):
        kind.taken_from(est).put_on(fresh)
    fresh._mode = est._mode
    np.testing.assert_array_equal(np.asarray(fresh.predict(None if mode == "series" else
                                                           np.ones((2, 6)))),  # fmt: skip
                                  np.asarray(est.predict(None if mode == "series" else
                                                         np.ones((2, 6)))))  # fmt: skip


@pytest.mark.parametrize("mode", ["series", "windows"])
def test_every_field_survives_encoding(mode):
    est = fitted(mode)
    for kind in (TrainingState, MODE_STATES[mode]):
        meta, arrays = {}, {}
        state = kind.taken_from(est)
        _persist.encode_state(state, meta, arrays)
        back = _persist.decode_state(kind, meta, arrays, est.get_params())
        for name in kind.names():
            a, b = getattr(state, name), getattr(back, name)
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b)
            elif name == "_rng":
                assert a.bit_generator.state == b.bit_generator.state
            elif name == "optimizer_":
                assert type(a) is type(b) and a.get_state()["t"] == b.get_state()["t"]
            elif isinstance(a, list) and a and isinstance(a[0], np.ndarray | pd.Index):
                assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
            else:
                assert a == b, name


def test_defaults_for_fields_a_file_lacks():
    params = {"target_transform": "log", "calendar_features": True}
    assert SeriesState.default("target_transform_", params) == "log"  # what the params said
    assert SeriesState.default("calendar_features_", params) is True
    assert TrainingState.default("linear_lags_", params) == 0
    assert TrainingState.default("loss_curve_", params) == []
    assert WindowsState.default("target_transform_", params) is None
    with pytest.raises(KeyError):
        TrainingState.default("params_", params)  # always written: no default
