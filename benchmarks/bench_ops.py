"""The operations' hot path, before and after: sigmoid, its derivative, and the output layer's fused
delta (looked up, computed and divided), on a training batch of the slide network (50 samples, 100
sigmoid hidden units, 10 softmax outputs, float32), against the base commit's nncalc/functions.py in
the same process, taking turns block by block.

    python benchmarks/bench_ops.py [--base 5408d6f] [--rounds 15]

Prints per operation the median time of one call, old and new, and new/old (median over rounds).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nncalc import ops  # noqa: E402


def _base_functions(rev: str):
    """The base commit's nncalc/functions.py, loaded as a module of its own."""
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:nncalc/functions.py"], check=True,
                          capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "base_functions.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("base_functions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["base_functions"] = module       # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _cases(old):
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 2, (50, 100)).astype(np.float32)
    A = ops.sigmoid(Z)
    Y = ops.softmax(rng.normal(0, 1, (50, 10)).astype(np.float32))
    T = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 50)]

    def old_fused():
        fused = old.FUSED_DELTAS.get(("softmax", "cross_entropy"))
        d = fused(Y, T)
        d *= -0.1 / old.LOSSES["cross_entropy"].divisor(*Y.shape)
        return d

    def new_fused():
        fused = ops.fused_delta("softmax", "cross_entropy")
        d = fused.delta(Y, T)
        d *= -0.1 / ops.LOSSES["cross_entropy"].divisor(*Y.shape)
        return d

    return {
        "sigmoid (50x100)": (lambda: old.sigmoid(Z), lambda: ops.sigmoid(Z)),
        "sigmoid' (50x100)": (lambda: old.sigmoid_derivative(A), lambda: ops.sigmoid_derivative(A)),
        "softmax + CE fused delta (50x10)": (old_fused, new_fused),
        "activation lookup + call (50x100)": (lambda: old.Activation("sigmoid")(Z),
                                              lambda: ops.Activation("sigmoid")(Z)),
    }


def _time(fn, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="5408d6f")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    old = _base_functions(args.base)
    print(f"| operation | old µs | new µs | new / old (median of {args.rounds} rounds) |")
    print("| --- | ---: | ---: | ---: |")
    for name, (before, after) in _cases(old).items():
        np.testing.assert_array_equal(before(), after())
        olds, news, ratios = [], [], []
        for r in range(args.rounds):
            pair = (before, after) if r % 2 == 0 else (after, before)
            first, second = (_time(f, args.calls) for f in pair)
            o, n = (first, second) if r % 2 == 0 else (second, first)
            olds.append(o)
            news.append(n)
            ratios.append(n / o)
        print(f"| {name} | {1e6 * statistics.median(olds):.2f} | {1e6 * statistics.median(news):.2f} | "
              f"{statistics.median(ratios):.3f} |")


if __name__ == "__main__":
    main()
