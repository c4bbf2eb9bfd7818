"""Loading MNIST: seconds and peak memory of `mnist:train`, beside the usual one-liner.

    NNCALC_DATA=../shared/datasets python benchmarks/bench_data.py

The one-liner (gzip.read, np.frombuffer, astype, / 255) holds the decompressed bytes, a float64 or
float32 copy and the result at once; nncalc converts in chunks into the float32 result, so its peak is
the result plus a few megabytes. Both give bit-identical arrays (checked here).
"""

from __future__ import annotations

import gzip
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from nncalc.data import DataError, data_home, load_source


def naive() -> np.ndarray:
    with gzip.open(data_home() / "mnist" / "train-images-idx3-ubyte.gz") as handle:
        raw = handle.read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / np.float32(255)


def nncalc_load() -> np.ndarray:
    return load_source("mnist:train", base_dir=Path(".")).X


def measure(fn, repeats: int = 5) -> tuple[float, float, np.ndarray]:
    fn()  # warm the page cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    out = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 1e6, out


def main() -> int:
    try:
        t_ours, m_ours, ours = measure(nncalc_load)
    except DataError as exc:
        print(f"bench_data: {exc}", file=sys.stderr)
        return 2
    t_naive, m_naive, theirs = measure(naive)
    assert np.array_equal(ours, theirs)
    print(f"MNIST train images, 60000 x 784 float32 ({ours.nbytes / 1e6:.0f} MB), median of 5")
    print(f"{'':28}{'seconds':>10}{'peak MB':>10}")
    print(f"{'nncalc mnist:train':28}{t_ours:10.3f}{m_ours:10.0f}")
    print(f"{'gzip + frombuffer + astype':28}{t_naive:10.3f}{m_naive:10.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
