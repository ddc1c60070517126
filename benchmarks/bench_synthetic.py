"""Throughput of the synthetic-series generator (tsrnn.synthetic), in one process.

Run: python benchmarks/bench_synthetic.py [--lengths 512 2048] [--series 4000] [--rounds 3]

Prints series per second of ``SyntheticSeries(length).sample(batch)`` for each length (the
default mix of frequencies and kinds), the best and median of the rounds, with the load
average: the generator is single-threaded, so another job on the same core halves it.
"""

import argparse
import time

from _bench_common import cpu_name, load_average, load_text

from tsrnn.synthetic import SyntheticSeries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[512, 2048])
    parser.add_argument("--series", type=int, default=4000, help="series per round")
    parser.add_argument("--batch", type=int, default=256, help="series per sample() call")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"tsrnn.synthetic on {cpu_name()}, one process; {load_text(load_average())}")
    print("| length | series/s (best) | series/s (median) | µs per series (best) |")
    print("|---|---|---|---|")
    for length in args.lengths:
        gen = SyntheticSeries(length, random_state=0)
        gen.sample(64)  # imports (scipy.signal, scipy.special) and caches
        rates = []
        for r in range(args.rounds):
            start, step = time.perf_counter(), 1000 * (r + 1)
            for k in range(args.series // args.batch):
                gen.sample(args.batch, step=step + k)
            elapsed = time.perf_counter() - start
            rates.append(args.series // args.batch * args.batch / elapsed)
        rates.sort()
        best, median = rates[-1], rates[len(rates) // 2]
        print(f"| {length} | {best:,.0f} | {median:,.0f} | {1e6 / best:,.0f} |")
    print(f"load average after: {load_text(load_average())}")


if __name__ == "__main__":
    main()
