"""Known-future covariates: a promotion calendar and the hour of day drive the demand.

Run: python examples/covariates.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os

import numpy as np
import pandas as pd

from tsrnn import RNNForecaster
from tsrnn.metrics import mae

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
rng = np.random.default_rng(0)

n, horizon = 1200, 24
index = pd.date_range("2024-01-01", periods=n + horizon, freq="h")
promo = pd.DataFrame({"promo": (rng.random(n + horizon) < 0.15).astype(float)}, index=index)
hours = np.arange(n + horizon)
demand = 200 + 40 * np.sin(2 * np.pi * hours / 24) + 80 * promo["promo"].to_numpy()
demand = pd.Series(demand + rng.normal(0, 5, n + horizon), index=index, name="demand")
history, future = demand[:n], demand[n:]

kw = dict(horizon=horizon, max_epochs=2 if FAST else 60, learning_rate=3e-3, random_state=0)
plain = RNNForecaster(**kw).fit(history)
informed = RNNForecaster(calendar_features=True, **kw).fit(history, covariates=promo[:n])
# the covariates' future values (the promotion plan) are known when forecasting
print(f"MAE without covariates: {mae(future, plain.predict()):.1f}")
print(f"MAE with the promotion plan: {mae(future, informed.predict(covariates=promo)):.1f}")
