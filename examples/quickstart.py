"""Forecast the airline passengers series one year ahead and plot it.

Run: python examples/quickstart.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os

import matplotlib

matplotlib.use("Agg")

from tsrnn import RNNForecaster, plot_forecast  # noqa: E402
from tsrnn.datasets import load_airline  # noqa: E402
from tsrnn.metrics import mase, smape  # noqa: E402

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"

y = load_airline()  # monthly, 1949-01 .. 1960-12, DatetimeIndex with freq "MS"
train, test = y[:-12], y[-12:]

model = RNNForecaster(horizon=12, max_epochs=3 if FAST else 100, random_state=0)
model.fit(train)
forecast = model.predict()  # pandas Series indexed 1960-01 .. 1960-12, freq "MS"

print(forecast.round(1).to_string())
print(f"sMAPE {smape(test, forecast):.2f}  MASE {mase(test, forecast, train, m=12):.3f}")

ax = plot_forecast(train, forecast, title="Airline passengers: 12-month forecast")
ax.plot(test.index, test.values, "k--", label="actual")
ax.legend()
ax.figure.savefig("quickstart_forecast.png", dpi=100, bbox_inches="tight")
print("saved quickstart_forecast.png")
