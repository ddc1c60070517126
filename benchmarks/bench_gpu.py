"""tsrnn's CUDA engine against torch.nn.LSTM / nn.GRU on cuDNN, side by side in one process.

Measures, for each cell:

* training step (forward, BPTT, Adam; MSE loss on one output) and inference throughput in
  sequences per second at (input, hidden, window, batch) = (1, 64, 96, 1024) and
  (8, 128, 336, 1024), or the shapes ``--cases`` gives;
* inference latency at batch 1, 8 and 64 with window 48, hidden 64, one input.

Every number is the median of ``--repeats`` timed calls after ``--warmup`` untimed ones,
each call bracketed by a device synchronisation (``numba.cuda.synchronize`` /
``torch.cuda.synchronize``). Inputs are on the device before timing for both libraries;
inference results are copied to the host for both (tsrnn's ``forward`` returns a host
array). Prints a markdown table with the ratio torch time / tsrnn time (above 1: tsrnn is
faster).

Usage::

    python benchmarks/bench_gpu.py [--cells lstm gru] [--repeats 50] [--no-tf32]
    python benchmarks/bench_gpu.py --cells gru --no-latency --seqs-per-block 8 \
        --cases 4,128,256,512 4,128,256,2048     # the base model's network, batch sizes

Needs an NVIDIA GPU; torch with CUDA is optional (without it only tsrnn is timed).
"""

import argparse
import statistics
import sys
import time

import numpy as np

THROUGHPUT_CASES = [(1, 64, 96, 1024), (8, 128, 336, 1024)]
LATENCY_BATCHES = [1, 8, 64]
LATENCY_SHAPE = (1, 64, 48)  # input, hidden, window


def median_time(fn, sync, warmup, repeats):
    """Median wall time of ``fn()`` in seconds, synchronised before and after each call."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class TsrnnCase:
    """tsrnn's CUDA network with its windows on the device."""

    def __init__(self, cell, n_in, hidden, window, batch, seed=0):
        from tsrnn._cuda import CudaNetwork
        from tsrnn._network import NetworkSpec

        rng = np.random.default_rng(seed)
        spec = NetworkSpec(cell, n_in, hidden, 1, 1)
        self.net = CudaNetwork(spec, np.float32, learning_rate=1e-3)
        self.net.to_device(spec.init_params(rng))
        X = rng.standard_normal((batch, window, n_in)).astype(np.float32)
        Y = rng.standard_normal((batch, 1)).astype(np.float32)
        self.net.upload_windows(X, Y)
        self.idx = self.net.to_device_indices(np.arange(batch))

    def train(self):
        _, grad = self.net.loss_and_grad(idx=self.idx, sync=False)
        self.net.apply_gradient(grad)

    def infer(self):
        self.net.forward(idx=self.idx)


class TorchCase:
    """torch.nn.LSTM / nn.GRU (cuDNN) with a linear head, Adam, inputs on the device."""

    def __init__(self, torch, cell, n_in, hidden, window, batch, seed=0):
        torch.manual_seed(seed)
        dev = torch.device("cuda")
        rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        self.torch = torch
        self.rnn = rnn(n_in, hidden, batch_first=True).to(dev)
        self.head = torch.nn.Linear(hidden, 1).to(dev)
        params = list(self.rnn.parameters()) + list(self.head.parameters())
        self.opt = torch.optim.Adam(params, lr=1e-3)
        self.x = torch.randn(batch, window, n_in, device=dev)
        self.y = torch.randn(batch, 1, device=dev)

    def train(self):
        self.opt.zero_grad(set_to_none=True)
        out, _ = self.rnn(self.x)
        loss = self.torch.nn.functional.mse_loss(self.head(out[:, -1]), self.y)
        loss.backward()
        self.opt.step()

    def infer(self):
        with self.torch.no_grad():
            out, _ = self.rnn(self.x)
            self.head(out[:, -1]).cpu()


def fmt_ratio(ours, theirs):
    return "n/a" if theirs is None else f"{theirs / ours:.2f}"


def _case(text):
    """``"in,hidden,window,batch"`` -> a tuple of four ints."""
    values = tuple(int(v) for v in text.split(","))
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"{text!r}: give in,hidden,window,batch")
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru"], choices=["lstm", "gru"])
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--latency-repeats", type=int, default=300)
    parser.add_argument("--no-tf32", action="store_true", help="cuDNN in strict float32")
    parser.add_argument("--threads", type=int, help="tsrnn _config.CUDA_THREADS_PER_BLOCK")
    parser.add_argument("--seqs-per-block", type=int, help="tsrnn _config.CUDA_SEQS_PER_BLOCK")
    parser.add_argument("--cases", nargs="+", type=_case, default=THROUGHPUT_CASES,
                        metavar="IN,HIDDEN,WINDOW,BATCH",
                        help="throughput shapes (the base model's network: 4,128,256,512)")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency rows")
    args = parser.parse_args(argv)

    from tsrnn._cuda import cuda_available

    if not cuda_available():
        sys.exit(
            "bench_gpu.py needs an NVIDIA GPU visible to numba.cuda, and none was found "
            "(the simulator does not count). Run it on a machine with a GPU."
        )
    from numba import cuda

    from tsrnn import _config

    if args.threads:
        _config.CUDA_THREADS_PER_BLOCK = args.threads
    if args.seqs_per_block:
        _config.CUDA_SEQS_PER_BLOCK = args.seqs_per_block

    try:
        import torch

        if not torch.cuda.is_available():
            print("torch has no CUDA: timing tsrnn only", file=sys.stderr)
            torch = None
    except ImportError:
        print("torch is not installed: timing tsrnn only", file=sys.stderr)
        torch = None
    if torch is not None:
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = not args.no_tf32
        torch.backends.cuda.matmul.allow_tf32 = not args.no_tf32

    def torch_sync():
        torch.cuda.synchronize()

    rows = []

    def timed(case_name, cell, kind, ours_fn, theirs_fn, per, repeats, unit):
        ours = median_time(ours_fn, cuda.synchronize, args.warmup, repeats)
        theirs = None
        if theirs_fn is not None:
            theirs = median_time(theirs_fn, torch_sync, args.warmup, repeats)
        if unit == "seq/s":
            cells = [f"{per / ours:,.0f}", "-" if theirs is None else f"{per / theirs:,.0f}"]
        else:
            cells = [f"{ours * 1e3:.3f}", "-" if theirs is None else f"{theirs * 1e3:.3f}"]
        rows.append([case_name, cell, kind, unit, *cells, fmt_ratio(ours, theirs)])
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)

    for cell in args.cells:
        for n_in, hidden, window, batch in args.cases:
            name = f"in={n_in} h={hidden} T={window} B={batch}"
            ours = TsrnnCase(cell, n_in, hidden, window, batch)
            theirs = None if torch is None else TorchCase(torch, cell, n_in, hidden, window, batch)
            timed(name, cell, "train step", ours.train, theirs and theirs.train, batch,
                  args.repeats, "seq/s")  # fmt: skip
            timed(name, cell, "inference", ours.infer, theirs and theirs.infer, batch,
                  args.repeats, "seq/s")  # fmt: skip
            del ours, theirs
        n_in, hidden, window = LATENCY_SHAPE
        for batch in [] if args.no_latency else LATENCY_BATCHES:
            name = f"in={n_in} h={hidden} T={window} B={batch}"
            ours = TsrnnCase(cell, n_in, hidden, window, batch)
            theirs = None if torch is None else TorchCase(torch, cell, n_in, hidden, window, batch)
            timed(name, cell, "latency", ours.infer, theirs and theirs.infer, batch,
                  args.latency_repeats, "ms")  # fmt: skip

    device = cuda.get_current_device()
    name = device.name.decode() if isinstance(device.name, bytes) else device.name
    print(f"\nDevice: {name}; tsrnn THREADS_PER_BLOCK={_config.CUDA_THREADS_PER_BLOCK}, "
          f"SEQS_PER_BLOCK={_config.CUDA_SEQS_PER_BLOCK}; torch "
          f"{'-' if torch is None else torch.__version__}, TF32 "
          f"{'off' if args.no_tf32 else 'on (default)'}\n")  # fmt: skip
    header = ["case", "cell", "kind", "unit", "tsrnn", "torch (cuDNN)", "torch time / tsrnn"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
