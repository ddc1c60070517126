"""Prediction intervals, and a rolling-origin backtest with partial_fit between origins.

Run: python examples/intervals_backtest.py   (TSRNN_EXAMPLES_FAST=1 for a quick smoke run)
"""

import os

import matplotlib

matplotlib.use("Agg")

import tsrnn  # noqa: E402
from tsrnn import RNNForecaster  # noqa: E402
from tsrnn.datasets import load_co2  # noqa: E402

FAST = os.environ.get("TSRNN_EXAMPLES_FAST") == "1"
y = load_co2()[-900:]  # weekly CO2 at Mauna Loa (ppm)

model = RNNForecaster(horizon=26, max_epochs=2 if FAST else 50, random_state=0).fit(y)
intervals = {0.8: model.predict_interval(coverage=0.8), 0.95: model.predict_interval(coverage=0.95)}
ax = tsrnn.plot_forecast(y[-150:], model.predict(), intervals=intervals,
                         title="CO2, 26 weeks ahead with 80% and 95% intervals")  # fmt: skip
ax.figure.savefig("co2_intervals.png", dpi=100, bbox_inches="tight")
print(model.predict_quantiles(quantiles=(0.05, 0.5, 0.95)).head().round(2).to_string())

result = tsrnn.backtest(RNNForecaster(horizon=13, max_epochs=2 if FAST else 50, random_state=0),
                        y, n_windows=3 if FAST else 8, refit="partial")  # fmt: skip
print(result.metrics.round(3).to_string(index=False))
print("mean:", result.summary.round(3).to_dict())
ax = tsrnn.plot_forecast(y[-120:], result.forecasts.set_index("ds")["y_pred"][-13:],
                         title="last backtest origin")  # fmt: skip
ax.figure.savefig("co2_backtest.png", dpi=100, bbox_inches="tight")
print("saved co2_intervals.png and co2_backtest.png")
