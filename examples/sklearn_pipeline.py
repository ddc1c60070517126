"""RNNForecaster as a plain scikit-learn regressor: windows in, GridSearchCV with
TimeSeriesSplit, inside a Pipeline.

Run: python examples/sklearn_pipeline.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os

import numpy as np
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tsrnn import RNNForecaster
from tsrnn.datasets import load_co2

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"

# Weekly CO2 at Mauna Loa: windows of 52 weeks -> the next 4 weeks.
values = load_co2().to_numpy()[-800:]
window, horizon = 52, 4
windows = np.lib.stride_tricks.sliding_window_view(values, window + horizon)
X, y = windows[:, :window], windows[:, window:]

pipe = make_pipeline(
    FunctionTransformer(np.log),  # any sklearn step works in front of the forecaster
    RNNForecaster(max_epochs=2 if FAST else 30, random_state=0),
)
search = GridSearchCV(
    pipe,
    {"rnnforecaster__hidden_size": [8, 32] if FAST else [16, 64]},
    cv=TimeSeriesSplit(n_splits=3),
    scoring="neg_mean_absolute_error",
)
search.fit(X, y)
print("best:", search.best_params_, f"MAE {-search.best_score_:.3f} ppm")
print("next 4 weeks:", np.round(search.predict(X[-1:])[0], 2))
