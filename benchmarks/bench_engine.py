"""The engine's hot path, one training update's forward and backward pass, against another nncalc.

    .venv/bin/python benchmarks/bench_engine.py --against /work/basevenv/bin/python --rounds 9

Each round runs this nncalc and the other interpreter's nncalc in turn (the order reversed every
other round), each in a fresh process timing `--updates` updates of the bundled mnist-mlp network
(784-100-10, sigmoid then softmax, cross-entropy, batch 50, float32: the slide's configuration) and
of mnist-modern (784-256-128-10 ReLU, batch 128), both on random inputs. Figures: microseconds per
update, median over rounds, and the median of the per-round ratios (ours / theirs). On a shared
machine only the paired ratio means much.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CONFIGS = {"mnist-mlp": 50, "mnist-modern": 128}


def child(name: str, batch: int, updates: int) -> float:
    """Median microseconds per update over chunks of `updates` // 10 updates."""
    import numpy as np

    from nncalc.bundled import resolve
    from nncalc.engine import backward, forward
    try:
        from nncalc.problem import load_problem
    except ImportError:          # pragma: no cover - older layouts
        from nncalc.problem.file import load_problem
    try:
        from nncalc.train.parameters import FlatParams
    except ImportError:          # the base commit: one train module
        from nncalc.train import FlatParams

    problem = load_problem(resolve(name))
    flat = FlatParams.of(problem.network, np.float32)
    into = flat.into if hasattr(flat, "into") else (flat.grad_W, flat.grad_b)
    rng = np.random.default_rng(0)
    X = rng.random((batch, len(problem.network.inputs)), dtype=np.float32)
    T = np.eye(len(problem.network.outputs), dtype=np.float32)[rng.integers(0, len(problem.network.outputs), batch)]
    layers, loss = flat.layers, problem.loss
    chunk = max(updates // 10, 1)
    times = []
    with np.errstate(over="ignore"):
        for c in range(11):
            t0 = time.perf_counter()
            for _ in range(chunk):
                fwd = forward(layers, X)
                backward(layers, loss, fwd, T, into, -0.1, check=False)
            if c:                        # the first chunk warms up
                times.append((time.perf_counter() - t0) / chunk * 1e6)
    return statistics.median(times)


def run(python: str, name: str, updates: int) -> float:
    out = subprocess.run([python, __file__, "--child", name, "--updates", str(updates)], capture_output=True,
                         text=True, check=True, cwd="/tmp", env={"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                                                                 "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout)["us"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", help="the other nncalc's Python interpreter")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--updates", type=int, default=2000)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps({"us": child(args.child, CONFIGS[args.child], args.updates)}))
        return
    for name in CONFIGS:
        ours, theirs = [], []
        for r in range(args.rounds):
            pair = [("ours", sys.executable), ("theirs", args.against)]
            for who, python in (pair if r % 2 == 0 else pair[::-1]):
                (ours if who == "ours" else theirs).append(run(python, name, args.updates))
        ratios = [a / b for a, b in zip(ours, theirs)]
        print(f"{name}: ours {statistics.median(ours):.1f} µs, theirs {statistics.median(theirs):.1f} µs per update; "
              f"ours/theirs median {statistics.median(ratios):.3f} "
              f"(range {min(ratios):.3f}-{max(ratios):.3f}, {args.rounds} rounds)")


if __name__ == "__main__":
    main()
