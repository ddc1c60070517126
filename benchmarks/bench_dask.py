"""Dask benchmark: one global model trained on a LocalCluster against one local process.

Five parts, printed as markdown.

train
    The same synthetic hourly panel (``--series`` series of ``--length`` steps; daily cycles of
    random phase and amplitude, a weekly cycle, noise) trained by ``RNNForecaster`` in this
    process (Numba on 2 threads) and by ``DaskRNNForecaster`` on a ``LocalCluster`` of 2
    worker processes with 1 thread each (one partition a worker; the panel is generated on
    the workers, the local side generates the same series here). Same parameters and
    ``random_state``: LSTM, hidden 64, horizon 24, window "auto" (48), batch ``--batch-size``,
    ``--epochs`` epochs of ``--windows-per-epoch`` sampled windows, early stopping on (its
    validation windows scored after every epoch) with a patience longer than the run.
    Reported: wall time of ``fit`` per epoch (building the windows included), the final and
    best validation losses, and the cluster's per-step figures from ``step_stats_``. With
    ``--rounds`` > 1 the two sides alternate.
communication
    The pattern of one training step without the compute: the client sends the parameter
    vector to ``n`` tasks and gets one vector of the same size back from each, for
    ``n`` = 1, 2, 4, 8, 16 (tasks spread over the 2 workers); the median of 30 round trips,
    for the benchmark model and for the shipped base model's network (GRU, hidden 128).
    Both ways the trainer sends the weights are timed: in every task, and once as a task of
    their own that the others read (what a step of ``DASK_SHARED_WEIGHTS_TASKS`` tasks or
    more does). A least-squares line ``a + b n`` through the medians of each gives the cost
    of a step's exchange.
projection
    Time per step at N workers = compute / N + exchange(N) + update, with ``compute`` the
    single-core gradient time of one global batch (measured: the workers' gradient times
    summed, per step), ``exchange(N) = a + b N`` from the communication part (the line of the
    way the trainer sends the weights for N tasks), and ``update``
    the client's measured reduction and Adam time. Efficiency = (compute / N) / time. For the
    base model's size, ``compute`` is ``loss_and_grad`` of a batch of 64 windows of 256 steps
    timed on one thread here, scaled to a global batch of ``--base-batch`` windows (fixed
    global batch: the time a worker computes shrinks as 1 / N) and, in the last column, to
    ``--base-per-worker`` windows a worker (the global batch grows with N); the last column
    projects local SGD (``DaskRNNForecaster(local_steps=k)``): a round computes ``k`` global
    batches and exchanges the weights and Adam's two moments once (the exchange of a vector
    three times the weights', timed like the others).
pretrain
    Base-model pretraining (:func:`tsrnn._pretrain.pretrain`: GRU 128, window 256, horizon
    64, batch 256, chunks of 8,192 windows in 8 parts, ``--pretrain-windows`` windows) in
    this process and with ``scheduler=`` the cluster, in turns (``--rounds``): windows per
    second, and the largest difference between the two runs' weights.
predict
    ``predict`` of the cluster model on a Dask DataFrame of ``--predict-series`` series of 200
    steps generated on the workers (partitions of ``--partition-series`` series), counted on
    the workers (nothing gathered); and the same model as a local ``RNNForecaster``
    (``to_local``) on ``--local-predict-series`` of those series in one pandas DataFrame here.

Usage::

    nice -n 10 python benchmarks/bench_dask.py
    nice -n 10 python benchmarks/bench_dask.py --series 200 --length 300 --predict-series 20000
"""

import argparse
import datetime
import statistics
import tempfile
import time

import numpy as np
import pandas as pd
from _bench_common import cpu_name, load_average, load_text

HORIZON = 24


def panel_part(first, n_series, length, seed=0):
    """Hourly long-format series ``first .. first + n_series - 1`` (each from its own seed).

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (int64), ``ds`` (datetime64), ``y``; ``n_series * length`` rows.
    """
    rng = np.random.default_rng([seed, first])
    t = np.arange(length)
    amp = rng.uniform(1, 5, (n_series, 1))
    phase = rng.uniform(0, 1, (n_series, 1))
    level = rng.uniform(5, 50, (n_series, 1))
    y = level + amp * np.sin(2 * np.pi * (t / 24 + phase)) + 0.5 * amp * np.sin(
        2 * np.pi * t / 168
    ) + rng.normal(0, 0.3, (n_series, length))  # fmt: skip
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(first, first + n_series, dtype=np.int64), length),
        "ds": np.tile(pd.date_range("2024-01-01", periods=length, freq="h").values, n_series),
        "y": y.ravel(),
    })  # fmt: skip


def dask_panel(n_series, length, n_parts):
    import dask.dataframe as dd

    per = -(-n_series // n_parts)
    starts = list(range(0, n_series, per))
    parts = [(s, min(per, n_series - s)) for s in starts]
    return dd.from_map(lambda a: panel_part(a[0], a[1], length), parts,
                       meta=panel_part(0, 1, 2).iloc[:0])  # fmt: skip


def settings(args):
    return {
        "horizon": HORIZON, "hidden_size": 64, "batch_size": args.batch_size,
        "max_epochs": args.epochs, "max_windows_per_epoch": args.windows_per_epoch,
        "validation_fraction": 0.05, "n_iter_no_change": args.epochs + 1, "random_state": 0,
    }  # fmt: skip


def train_part(args, client):
    from tsrnn import RNNForecaster
    from tsrnn.dask import DaskRNNForecaster

    local_panel = pd.concat(
        [panel_part(s, min(-(-args.series // 2), args.series - s), args.length)
         for s in range(0, args.series, -(-args.series // 2))], ignore_index=True,
    )  # fmt: skip
    ddf = dask_panel(args.series, args.length, 2)
    rows, model = [], None
    for r in range(args.rounds):
        for side in ("local", "cluster") if r % 2 == 0 else ("cluster", "local"):
            start = time.perf_counter()
            if side == "local":
                est = RNNForecaster(**settings(args)).fit(local_panel)
            else:
                est = DaskRNNForecaster(client=client, **settings(args)).fit(ddf)
                model = est
            seconds = time.perf_counter() - start
            scores = est.validation_scores_
            stats = getattr(est, "step_stats_", None)
            rows.append((r, side, seconds / est.n_iter_, scores[-1], min(scores), stats))
    print(f"\n### train: {args.series:,} series x {args.length} steps, "
          f"{args.windows_per_epoch:,} windows an epoch, batch {args.batch_size}, "
          f"{args.epochs} epochs\n")  # fmt: skip
    print("| round | side | s / epoch | final val loss | best val loss |")
    print("|---|---|---:|---:|---:|")
    for r, side, per_epoch, final, best, _ in rows:
        print(f"| {r + 1} | {side} | {per_epoch:.2f} | {final:.5f} | {best:.5f} |")
    local = [x for x in rows if x[1] == "local"]
    cluster = [x for x in rows if x[1] == "cluster"]
    speed = statistics.median(a[2] / b[2] for a, b in zip(local, cluster, strict=True))
    loss_gap = cluster[-1][3] / local[-1][3] - 1
    print(f"\ncluster speed / local speed (median over rounds): {speed:.2f}x; final "
          f"validation loss, cluster vs local: {100 * loss_gap:+.2f}%")
    stats = cluster[-1][5]
    steps = stats["steps"]
    per_step = {k: 1e3 * stats[k] / steps for k in ("step_s", "compute_s", "work_s",
                                                      "update_s", "communication_s")}  # fmt: skip
    print(f"\ncluster, per step ({steps} steps, last round): wall {per_step['step_s']:.1f} ms = "
          f"slowest worker's gradient {per_step['compute_s']:.1f} ms + client update "
          f"{per_step['update_s']:.2f} ms + communication {per_step['communication_s']:.1f} ms; "
          f"gradient work of both workers {per_step['work_s']:.1f} ms; "
          f"{stats['bytes_per_step'] / 1e3:.0f} kB exchanged a step "
          f"({model.params_.size:,} parameters)")  # fmt: skip
    return model, per_step


def _echo(x):
    return x.copy()


def exchange_line(client, n_params, shared, repeats=30):
    """Median seconds of one step's exchange for 1, 2, 4, 8, 16 tasks, and the line a + b n.

    ``shared``: the weights go once, as a task the others read (as the trainer sends them
    to many tasks); else every task carries them.
    """
    from tsrnn._dask.workers import _held

    params = np.ones(n_params, dtype=np.float32)
    ns, medians = [1, 2, 4, 8, 16], []
    workers = list(client.scheduler_info()["workers"])
    for n in ns:
        times = []
        for _ in range(repeats + 3):
            start = time.perf_counter()
            sent = client.submit(_held, params, pure=False) if shared else params
            futures = [client.submit(_echo, sent, pure=False, workers=[workers[i % 2]])
                       for i in range(n)]  # fmt: skip
            client.gather(futures)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times[3:]))
    b, a = np.polyfit(ns, medians, 1)
    return ns, medians, a, b


def exchange(lines, n):
    """Seconds of the exchange of a step of ``n`` tasks, as the trainer sends the weights."""
    from tsrnn import _config

    _, _, a, b = lines[n >= _config.DASK_SHARED_WEIGHTS_TASKS]
    return a + b * n


def base_model_compute(batch=64):
    """Seconds of one loss_and_grad per window, one thread, for the shipped base model's
    network (its inputs, window and outputs)."""
    import numba

    from tsrnn._network import loss_and_grad
    from tsrnn._pretrain import load_base

    base = load_base()
    spec, window = base.spec_, base.window_
    params = base.params_
    rng = np.random.default_rng(1)
    X = rng.normal(size=(batch, window, spec.n_features)).astype(np.float32)
    Y = rng.normal(size=(batch, spec.n_outputs)).astype(np.float32)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        loss_and_grad(params, X[:8], Y[:8], spec)
        times = []
        for _ in range(2):
            start = time.perf_counter()
            loss_and_grad(params, X, Y, spec)
            times.append(time.perf_counter() - start)
    finally:
        numba.set_num_threads(before)
    return min(times) / batch, spec.n_params


def projection_part(args, client, per_step, bench_params):
    per_window, base_params = base_model_compute()
    bench = [exchange_line(client, bench_params, shared) for shared in (False, True)]
    base = [exchange_line(client, base_params, shared) for shared in (False, True)]
    # local SGD: the weights and Adam's two moments go out and come back
    base3 = [exchange_line(client, 3 * base_params, shared) for shared in (False, True)]
    print("\n### communication: one step's exchange (client -> n tasks -> client)\n")
    ns = bench[0][0]
    print("| weights | sent | tasks " + " | ".join(str(n) for n in ns)
          + " | a (ms) | b (ms / task) |")  # fmt: skip
    print("|---|---|" + "---:|" * (len(ns) + 2))
    for size, lines in ((bench_params, bench), (base_params, base), (3 * base_params, base3)):
        for way, (_, m, aa, bb) in zip(("in every task", "once"), lines, strict=True):
            print(f"| {size:,} | {way} | " + " | ".join(f"{1e3 * x:.2f}" for x in m)
                  + f" | {1e3 * aa:.2f} | {1e3 * bb:.2f} |")  # fmt: skip
    compute = per_step["work_s"] / 1e3  # single-core seconds of one global batch
    update = per_step["update_s"] / 1e3
    base_compute = per_window * args.base_batch
    print("\n### projection: efficiency = (compute / N) / (compute / N + a + b N + update)\n")
    print(f"benchmark model: compute {1e3 * compute:.1f} ms a step (batch {args.batch_size}); "
          f"base-model size: {1e3 * base_compute:.0f} ms a step (global batch "
          f"{args.base_batch} windows of 256 steps, {1e3 * per_window:.2f} ms a window on "
          "one thread)\n")  # fmt: skip
    per_worker = per_window * args.base_per_worker
    k = args.local_steps
    print("| workers | benchmark model | base-model size | base-model size, "
          f"{args.base_per_worker} windows a worker | base-model size, local_steps={k} |")
    print("|---:|---:|---:|---:|---:|")
    for n in (2, 8, 32, 128):
        e1 = (compute / n) / (compute / n + exchange(bench, n) + update)
        e2 = (base_compute / n) / (base_compute / n + exchange(base, n) + update)
        e3 = per_worker / (per_worker + exchange(base, n) + update)
        # a round of k local steps of the global batch each: k times the compute, one
        # exchange of the weights and the moments
        e4 = (k * base_compute / n) / (k * base_compute / n + exchange(base3, n) + update)
        print(f"| {n} | {e1:.2f} | {e2:.2f} | {e3:.2f} | {e4:.2f} |")


def pretrain_part(args, client):
    from tsrnn._pretrain import pretrain

    run = {"windows": args.pretrain_windows, "chunk": 8192, "hidden_size": 128, "window": 256,
           "horizon": 64, "batch_size": 256, "verbose": 0}  # fmt: skip
    warm = run | {"windows": 1024, "chunk": 512}  # compiles the shapes on both sides
    with tempfile.TemporaryDirectory() as tmp:
        pretrain(f"{tmp}/warm.tsrnn", **warm)
        pretrain(f"{tmp}/warm.tsrnn", scheduler=client, **warm)
        print(f"\n### pretrain: {args.pretrain_windows:,} windows, GRU 128, window 256, "
              "batch 256, 8 parts a chunk\n")  # fmt: skip
        print("| round | local windows / s | cluster windows / s | cluster / local | "
              "max weight difference |")  # fmt: skip
        print("|---:|---:|---:|---:|---:|")
        for r in range(args.rounds):
            start = time.perf_counter()
            local = pretrain(f"{tmp}/local.tsrnn", **run)
            local_s = time.perf_counter() - start
            start = time.perf_counter()
            cluster = pretrain(f"{tmp}/cluster.tsrnn", scheduler=client, **run)
            cluster_s = time.perf_counter() - start
            diff = np.abs(local.params_ - cluster.params_).max()
            n = args.pretrain_windows
            print(f"| {r + 1} | {n / local_s:,.0f} | {n / cluster_s:,.0f} | "
                  f"{local_s / cluster_s:.2f}x | {diff:.1e} |")  # fmt: skip


def _count(frame):
    return pd.DataFrame({"rows": [len(frame)], "finite": [bool(np.isfinite(frame["y"]).all())]})


def predict_part(args, client, model):
    import dask.dataframe as dd

    local = model.to_local()
    per = args.partition_series
    starts = list(range(0, args.predict_series, per))
    parts = [(s, min(per, args.predict_series - s)) for s in starts]
    ddf = dd.from_map(lambda a: panel_part(a[0], a[1], 200, seed=1), parts,
                      meta=panel_part(0, 1, 2).iloc[:0])  # fmt: skip
    start = time.perf_counter()
    counts = model.predict(ddf).map_partitions(_count, meta=_count(
        pd.DataFrame({"y": [1.0]}))).compute()  # fmt: skip
    cluster_s = time.perf_counter() - start
    assert counts["rows"].sum() == args.predict_series * HORIZON and counts["finite"].all()
    start = time.perf_counter()
    gen = ddf.map_partitions(len).compute()
    gen_s = time.perf_counter() - start
    assert gen.sum() == args.predict_series * 200
    n_local = min(args.local_predict_series, args.predict_series)
    frame = pd.concat([panel_part(s, min(per, n_local - s), 200, seed=1)
                       for s in range(0, n_local, per)], ignore_index=True)  # fmt: skip
    start = time.perf_counter()
    out = local.predict(frame)
    local_s = time.perf_counter() - start
    assert len(out) == n_local * HORIZON
    print(f"\n### predict: series of 200 steps, horizon {HORIZON}\n")
    print("| side | series | seconds | series / s |")
    print("|---|---:|---:|---:|")
    print(f"| cluster (2 x 1 thread), data generated on the workers | {args.predict_series:,} "
          f"| {cluster_s:.1f} | {args.predict_series / cluster_s:,.0f} |")  # fmt: skip
    print(f"| cluster, generating the data alone | {args.predict_series:,} | {gen_s:.1f} | - |")
    print(f"| local RNNForecaster (2 threads), one pandas DataFrame | {n_local:,} "
          f"| {local_s:.1f} | {n_local / local_s:,.0f} |")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--windows-per-epoch", type=int, default=65536)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base-batch", type=int, default=4096)
    parser.add_argument("--base-per-worker", type=int, default=256)
    parser.add_argument("--local-steps", type=int, default=4,
                        help="local SGD steps a round in the projection's last column")
    parser.add_argument("--predict-series", type=int, default=1_000_000)
    parser.add_argument("--partition-series", type=int, default=10_000)
    parser.add_argument("--local-predict-series", type=int, default=100_000)
    parser.add_argument("--pretrain-windows", type=int, default=16384,
                        help="windows of the pretraining part (0 skips it)")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    import tsrnn

    print(f"tsrnn {tsrnn.__version__}, {cpu_name()}, load {load_text(load_average())}, "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    tsrnn.warmup()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:  # fmt: skip
        client.run(tsrnn.warmup)
        model, per_step = train_part(args, client)
        projection_part(args, client, per_step, model.params_.size)
        if args.pretrain_windows:
            pretrain_part(args, client)
        if args.predict_series:
            predict_part(args, client, model)
    print(f"\nload after: {load_text(load_average())}")


if __name__ == "__main__":
    main()
