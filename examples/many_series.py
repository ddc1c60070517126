"""One global model for many series of different lengths, start dates and levels.

Run: python examples/many_series.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os

import numpy as np
import pandas as pd

from tsrnn import RNNForecaster

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
rng = np.random.default_rng(0)

# 200 daily store-sales series in the long format (unique_id, ds, y), as statsforecast and
# NeuralForecast use: each with its own start date, length, level and weekly pattern.
frames = []
for k in range(200):
    n = int(rng.integers(120, 400))
    ds = pd.date_range(pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 60))),
                       periods=n, freq="D")  # fmt: skip
    level = rng.uniform(10, 5000)
    weekly = 1 + 0.3 * np.sin(2 * np.pi * (np.arange(n) + k) / 7)
    y = level * weekly * (1 + rng.normal(0, 0.05, n))
    frames.append(pd.DataFrame({"unique_id": f"store_{k:03d}", "ds": ds, "y": y}))
sales = pd.concat(frames, ignore_index=True)

model = RNNForecaster(horizon=14, max_epochs=2 if FAST else 20, random_state=0).fit(sales)
forecast = model.predict()  # long DataFrame: 14 rows per store, after each store's own end
print(forecast.groupby("unique_id").head(2).head(6).to_string(index=False))
print(f"{forecast['unique_id'].nunique()} series, {len(forecast)} rows, "
      f"{model.n_iter_} epochs over {len(sales)} observations")  # fmt: skip
