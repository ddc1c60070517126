"""Fine-tuning on fresh data with partial_fit, instead of retraining from scratch.

A model trained on one series adapts to another series of a different level and scale with a
few partial_fit passes (each one pass from the current weights and optimizer state).

Run: python examples/fine_tune.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os
import time

import numpy as np
import pandas as pd

from tsrnn import RNNForecaster
from tsrnn.metrics import mae

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
rng = np.random.default_rng(0)


def seasonal(n, level, amplitude, trend, start):
    t = np.arange(n)
    values = level + trend * t + amplitude * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq="h"))


old = seasonal(2000, level=100, amplitude=10, trend=0.0, start="2024-01-01")
new = seasonal(400, level=5000, amplitude=400, trend=0.5, start="2024-06-01")
train, test = new[:-24], new[-24:]

model = RNNForecaster(horizon=24, max_epochs=2 if FAST else 30, random_state=0).fit(old)
print(f"before fine-tuning: MAE {mae(test, model.predict(train)):.1f}")

start = time.perf_counter()
passes = 1 if FAST else 5
for _ in range(passes):
    model.partial_fit(train)  # one pass each, continuing from the current weights
took = time.perf_counter() - start
print(f"after {passes} partial_fit passes ({took:.2f} s): MAE {mae(test, model.predict()):.1f}")
print("forecast starts at", model.predict().index[0])
