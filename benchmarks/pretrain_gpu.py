"""Pretrain the base model within a fixed time budget, on a GPU when there is one.

Measures the training throughput of the device first (a few chunks into a throw-away file),
sizes the run's ``windows`` (the span of the learning-rate schedule) to fill the budget, then
runs ``tsrnn._pretrain.pretrain`` with checkpoints every minute. The settings it chose are
recorded in the model file (``pretraining_``), so the run can be repeated or resumed with
``python -m tsrnn pretrain --out FILE --resume``.

    python benchmarks/pretrain_gpu.py --out base.tsrnn --seconds 400 --jobs 14

It probes the GPU (when there is one) and the CPU engine with every core, and trains on the
faster.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

from tsrnn import _devices
from tsrnn._pretrain import pretrain


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--seconds", type=float, required=True, help="budget of the whole script")
    p.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    p.add_argument("--cell", default="gru")
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--num-layers", type=int, default=1)
    p.add_argument("--window", type=int, default=256)
    p.add_argument("--horizon", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    args = p.parse_args()
    t0 = time.perf_counter()
    # the CPU kernels compile in another process meanwhile (numba's disk cache is shared)
    warm = subprocess.Popen([sys.executable, "-c", "import tsrnn; tsrnn.warmup(cells="
                             f"({args.cell!r},))"])  # fmt: skip
    devices = ["cpu"]
    try:
        if _devices.resolve_device(args.device) == "cuda":
            devices.insert(0, "cuda")
    except RuntimeError as exc:
        print(f"no GPU ({exc})")
    net = dict(cell=args.cell, hidden_size=args.hidden_size, num_layers=args.num_layers,
               window=args.window, horizon=args.horizon, batch_size=args.batch_size,
               learning_rate=args.learning_rate, seed=args.seed)  # fmt: skip
    chunk = 16384
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:  # throughput, compilation excluded
        probe = os.path.join(tmp, "probe.tsrnn")
        for device in devices:
            if device == "cpu":
                warm.wait()
            try:
                pretrain(probe, windows=chunk, chunk=chunk, device=device, n_jobs=args.jobs,
                         verbose=0, **net)  # fmt: skip
                t1 = time.perf_counter()
                pretrain(probe, windows=3 * chunk, chunk=chunk, device=device,
                         n_jobs=args.jobs, verbose=0, **net)  # fmt: skip
                rates[device] = 3 * chunk / (time.perf_counter() - t1)
                print(f"{device}: {rates[device]:,.0f} windows/s "
                      f"(at {time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - a device that fails is not used
                print(f"{device} failed: {exc!r}", flush=True)
    device = max(rates, key=rates.get)
    rate = rates[device]
    left = args.seconds - (time.perf_counter() - t0) - 20
    windows = max(chunk, int(rate * left * 0.93) // chunk * chunk)
    print(f"device {device}: {rate:,.0f} windows/s; planning {windows:,} windows in {left:.0f} s",
          flush=True)  # fmt: skip
    est = pretrain(args.out, windows=windows, chunk=chunk, device=device, n_jobs=args.jobs,
                   minutes=left / 60, checkpoint_minutes=1.0, verbose=1, **net)  # fmt: skip
    info = est.pretraining_
    print(f"done: {info['windows_seen']:,} windows, loss {est.loss_curve_[-1]:.4f}, "
          f"validation {est.validation_scores_}, pieces {info['pieces']}")


if __name__ == "__main__":
    main()
