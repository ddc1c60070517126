"""Local SGD against synchronous data-parallel training, simulated in one process.

The question: should the Dask trainer average the weights every ``k`` steps (each worker
taking ``k`` Adam steps on its own partition in between: ``k`` times fewer exchanges) instead
of summing every step's gradients (one exchange a step)? Both are simulated here on the panel
of ``bench_dask.py`` (LSTM 64, horizon 24, window 48, a global batch of 2,048 windows,
``--epochs`` epochs of 65,536 windows, the defaults' learning rate, loss and clipping), for
``--workers`` workers, each holding a contiguous part of the series, as the Dask
partitions do:

synchronous
    One Adam step a global batch on the gradient of all its windows: what the Dask trainer
    does (bit for bit the local estimator's arithmetic, up to summation order).
local, k
    Each worker starts from the shared weights and Adam moments, takes ``k`` steps on
    batches of ``2048 / workers`` of its own windows, then the weights and the moments are
    averaged (what ``DaskRNNForecaster(local_steps=k)`` does, with a global batch of
    ``2048 k``). The same windows a step as the synchronous run, ``k`` times fewer
    exchanges.

The validation loss (MAE, the series default, on the most recent 5% of every series'
windows) after every epoch, and the exchanges an epoch, for each seed (``--seeds``: the
initial weights and the batches), then the mean over seeds of the last three epochs. The
projection of ``bench_dask.py`` turns fewer exchanges into speed: a run that trains as well
with ``k`` = 2 would halve the exchange time.

Usage::

    python benchmarks/local_sgd.py
    python benchmarks/local_sgd.py --epochs 5 --workers 2 --k 1 2 4 8
"""

import argparse
import copy
import datetime

import numpy as np
import pandas as pd
from _bench_common import cpu_name, load_average, load_text
from bench_dask import HORIZON, panel_part


def windows(n_series, length):
    """Training windows of the panel as the estimator makes them, the time-ordered split
    and the series of each window."""
    from tsrnn import RNNForecaster, _trainer
    from tsrnn._series_mode import SeriesMode

    panel = pd.concat([panel_part(0, n_series, length)], ignore_index=True)
    est = RNNForecaster(horizon=HORIZON, hidden_size=64)
    data, _ = SeriesMode(est).training_set(panel, None, None, None)
    train, val = _trainer.time_ordered_split(data.end, data.series, HORIZON, 0.05)
    X = np.ascontiguousarray(data.X, dtype=np.float32)
    Y = np.ascontiguousarray(data.Y, dtype=np.float32)
    return X, Y, train, val, data.series


def run(X, Y, train, val, series, n_workers, k, args, seed):
    """Validation losses after each epoch; ``k`` None is the synchronous run."""
    from tsrnn import _network
    from tsrnn._devices import apply_gradient
    from tsrnn._optim import Adam

    spec = _network.NetworkSpec("lstm", X.shape[2], 64, 1, Y.shape[1], 0)
    rng = np.random.default_rng(seed)
    params = spec.init_params(rng).astype(np.float32)
    shards = np.array_split(np.unique(series), n_workers)  # contiguous series, as partitions
    owner = np.searchsorted([s[-1] for s in shards], series)
    mine = [train[owner[train] == w] for w in range(n_workers)]
    batch, per_epoch = 2048, 65536
    if k is None:
        opt = Adam(args.learning_rate)
    else:
        local = [params.copy() for _ in range(n_workers)]
        opts = [Adam(args.learning_rate) for _ in range(n_workers)]
    losses, exchanges = [], 0
    for _ in range(args.epochs):
        if k is None:
            order = rng.permutation(train)[:per_epoch]
            for b in range(0, len(order), batch):
                idx = np.sort(order[b : b + batch])
                loss, grad = _network.loss_and_grad(params, X[idx], Y[idx], spec, "mae")
                apply_gradient(params, grad, loss, opt, 1.0)
                exchanges += 1
        else:
            orders = [rng.permutation(m)[: per_epoch // n_workers] for m in mine]
            share = batch // n_workers
            n_steps = len(orders[0]) // share
            for s0 in range(0, n_steps, k):
                for w in range(n_workers):
                    for s in range(s0, min(n_steps, s0 + k)):
                        idx = np.sort(orders[w][s * share : (s + 1) * share])
                        loss, grad = _network.loss_and_grad(local[w], X[idx], Y[idx], spec,
                                                            "mae")  # fmt: skip
                        apply_gradient(local[w], grad, loss, opts[w], 1.0)
                params = np.mean(local, axis=0).astype(np.float32)
                m = np.mean([o.m for o in opts], axis=0).astype(np.float32)
                v = np.mean([o.v for o in opts], axis=0).astype(np.float32)
                for w in range(n_workers):
                    local[w][:] = params
                    opts[w].m[:], opts[w].v[:] = m, v
                exchanges += 1
        pred = _network.forward(params, X[val], spec)
        losses.append(float(np.mean(np.abs(pred.astype(np.float64) - Y[val]))))
    return losses, exchanges / args.epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    print(f"{cpu_name()}, load {load_text(load_average())}, "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    X, Y, train, val, series = windows(args.series, args.length)
    print(f"\n{args.series:,} series x {args.length} steps: {len(train):,} training and "
          f"{len(val):,} validation windows; {args.workers} workers, global batch 2,048\n")
    runs = [("synchronous", None)] + [(f"local, k = {k}", k) for k in args.k]
    header = " | ".join(f"epoch {e + 1}" for e in range(args.epochs))
    print(f"| run | seed | exchanges an epoch | validation MAE: {header} |")
    print("|---|---:|---:|" + "---:|" * args.epochs)
    tails = {name: [] for name, _ in runs}
    for seed in args.seeds:
        for name, k in runs:
            losses, per_epoch = run(X, Y, train, val, series, args.workers, k, copy.copy(args),
                                    seed)  # fmt: skip
            tails[name].append(np.mean(losses[-3:]))
            print(f"| {name} | {seed} | {per_epoch:.0f} | "
                  + " | ".join(f"{x:.5f}" for x in losses) + " |", flush=True)  # fmt: skip
    print("\n| run | mean validation MAE of the last 3 epochs, over seeds | against synchronous |")
    print("|---|---:|---:|")
    base = np.mean(tails["synchronous"])
    for name, _ in runs:
        m = np.mean(tails[name])
        print(f"| {name} | {m:.5f} | {100 * (m / base - 1):+.1f}% |")
    print(f"\nload after: {load_text(load_average())}")


if __name__ == "__main__":
    main()
