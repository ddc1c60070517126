"""Two versions of the CPU engine in one process, in turns: the speed of each change as a ratio.

Run::

    git worktree add /tmp/before main                        # the version to compare with
    python benchmarks/engine_ab.py /tmp/before --rounds 7
    python benchmarks/engine_ab.py /tmp/before --infer lstm,4,128,512,256,2 --train none

The package in ``BEFORE/tsrnn`` is copied to a temporary folder under another name and imported
beside the one this script imports (``tsrnn``, the working tree when installed editable).
Each shape runs the same weights and windows through both versions' ``forward`` (``--infer``)
or ``loss_and_grad`` (``--train``), alternating call by call; the ratio is the median over the
rounds of the time before over the time after (above 1: faster after). On a shared machine
this is steadier than separate processes, whose speed drifts by 20% from run to run. A shape
is ``cell,input,hidden,window,batch,layers`` (64 outputs, float32).
"""

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

INFER = ["lstm,4,128,512,256,2", "gru,4,128,512,256,2", "lstm,8,128,336,256,1",
         "gru,8,128,336,256,1", "lstm,1,64,96,256,1", "gru,1,64,96,256,1"]  # fmt: skip
TRAIN = ["gru,4,128,256,256,1", "gru,8,128,336,256,1", "lstm,8,128,336,256,1",
         "lstm,1,64,96,256,1", "gru,1,64,96,256,1"]  # fmt: skip


def load_before(path):
    """``tsrnn._network`` of the package in ``path/tsrnn``, imported as ``tsrnn_before``."""
    folder = Path(tempfile.mkdtemp(prefix="tsrnn-ab-"))
    shutil.copytree(Path(path) / "tsrnn", folder / "tsrnn_before",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    sys.path.insert(0, str(folder))
    return importlib.import_module("tsrnn_before._network")


def compare(kind, shape, before, after, rounds, rng):
    """One table row: the shape, sequences/s before and after, the median ratio, and
    whether the two versions gave the same bits."""
    cell, *sizes = shape.split(",")
    F, H, T, B, L = (int(v) for v in sizes)
    params = after.NetworkSpec(cell, F, H, L, 64).init_params(rng, np.float32)
    X = rng.standard_normal((B, T, F)).astype(np.float32)
    Y = rng.standard_normal((B, 64)).astype(np.float32)
    calls, results = {}, {}
    for name, module in (("before", before), ("after", after)):
        spec = module.NetworkSpec(cell, F, H, L, 64)
        if kind == "infer":
            calls[name] = lambda m=module, s=spec: (m.forward(params, X, s),)
        else:
            calls[name] = lambda m=module, s=spec: m.loss_and_grad(params, X, Y, s)
        results[name] = calls[name]()  # compiled, warm
    same = all(np.array_equal(a, b) for a, b in zip(results["before"], results["after"],
                                                     strict=True))  # fmt: skip
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            t = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - t)
    ratio = statistics.median(a / b for a, b in zip(times["before"], times["after"],
                                                     strict=True))  # fmt: skip
    speed = {name: B / statistics.median(t) for name, t in times.items()}
    return (f"| {kind} | {shape} | {speed['before']:,.0f} | {speed['after']:,.0f} | "
            f"{ratio:.3f} | {'yes' if same else 'no'} |")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="a checkout whose tsrnn/ is the version before")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--infer", nargs="+", default=INFER, help="shapes, or none")
    parser.add_argument("--train", nargs="+", default=TRAIN, help="shapes, or none")
    args = parser.parse_args(argv)
    before = load_before(args.before)
    after = importlib.import_module("tsrnn._network")
    rng = np.random.default_rng(0)
    print(f"# before: {args.before}; after: {Path(after.__file__).parent}; {args.rounds} rounds")
    print("\n| pass | cell,input,hidden,window,batch,layers | before (seq/s) | after (seq/s) "
          "| after / before | same bits |\n|---|---|---:|---:|---:|---|")
    for kind, shapes in (("infer", args.infer), ("train", args.train)):
        for shape in shapes:
            if shape != "none":
                print(compare(kind, shape, before, after, args.rounds, rng), flush=True)


if __name__ == "__main__":
    main()
