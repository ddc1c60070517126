"""The pretrained base model: forecasts at once, then fine-tuned in seconds.

The base model shipped with tsrnn was pretrained on synthetic series only. Here it forecasts
a panel of series it has never seen (zero-shot), then ``partial_fit`` fine-tunes it on them
and ``RNNForecaster(init="base")`` fine-tunes it with early stopping, which keeps the base
weights unless training beats them on held-out windows.

Run: python examples/base_model.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os
import time

import numpy as np
import pandas as pd

from tsrnn import RNNForecaster
from tsrnn.metrics import mase

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
rng = np.random.default_rng(0)

# 20 hourly series: daily and weekly cycles, trends, noise, different levels
t = np.arange(24 * 28)
frames = []
for i in range(20):
    shape = np.sin(2 * np.pi * (t / 24 + rng.random())) + 0.3 * np.sin(2 * np.pi * t / 168)
    y = rng.uniform(10, 1000) * (1 + 0.2 * shape + 0.0005 * rng.normal() * t)
    y = y + rng.normal(0, 0.03 * y.mean(), len(t))
    frames.append(pd.DataFrame({"unique_id": f"s{i}", "y": y,
                                "ds": pd.date_range("2025-01-01", periods=len(t), freq="h")}))
panel = pd.concat(frames, ignore_index=True)
horizon = 24
history = panel.groupby("unique_id").head(len(t) - horizon)
actual = panel.groupby("unique_id").tail(horizon)


def score(forecast):
    """MASE (seasonal lag 24) over the series, against the held-out last day."""
    f = forecast.pivot(index="unique_id", columns="ds", values="y").to_numpy()
    y = actual.pivot(index="unique_id", columns="ds", values="y").to_numpy()
    insample = [g.to_numpy() for _, g in history.groupby("unique_id").y]
    return mase(y, f, insample, m=24)


base = RNNForecaster.from_pretrained(horizon=horizon)
start = time.perf_counter()
zero_shot = base.predict(history)
print(f"zero-shot: MASE {score(zero_shot):.3f} ({time.perf_counter() - start:.2f} s)")

start = time.perf_counter()
base.partial_fit(history)  # one pass over the panel's windows
print(f"after one partial_fit pass ({time.perf_counter() - start:.1f} s): "
      f"MASE {score(base.predict()):.3f}")

start = time.perf_counter()
tuned = RNNForecaster(init="base", horizon=horizon, learning_rate=3e-4,
                      max_epochs=1 if FAST else 10, random_state=0).fit(history)
print(f"fine-tuned with early stopping ({time.perf_counter() - start:.1f} s, best epoch "
      f"{tuned.best_epoch_}): MASE {score(tuned.predict()):.3f}")
print(tuned.predict_interval(coverage=0.8).head(3))
