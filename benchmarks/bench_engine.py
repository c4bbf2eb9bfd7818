"""The engine's hot path, one training update's forward and backward pass, against another nncalc.

    .venv/bin/python benchmarks/bench_engine.py --base /work/basevenv/lib/python3.11/site-packages/nncalc

The other nncalc's package folder is copied under another name (its imports are relative) and both
run in this one process, taking turns every `--chunk` updates, so that both see the same moments of
a shared machine. Networks: the bundled mnist-mlp (784-100-10, sigmoid then softmax, cross-entropy,
batch 50, float32: the slide's configuration) and mnist-modern (784-256-128-10 ReLU, batch 128), on
random inputs. Figures: microseconds per update (medians over chunks) and the median of the paired
per-chunk ratios, ours / base. On a busy machine use `--clock cpu` with one BLAS thread.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

CONFIGS = {"mnist-mlp": 50, "mnist-modern": 128}


def _package(name: str):
    """The pieces of one nncalc (imported as `name`) that one update needs."""
    pkg = importlib.import_module(name)
    engine = importlib.import_module(f"{name}.engine")
    bundled = importlib.import_module(f"{name}.bundled")
    problem = importlib.import_module(f"{name}.problem")
    try:
        flat = importlib.import_module(f"{name}.train.parameters").FlatParams
    except ImportError:          # the base commit: one train module
        flat = importlib.import_module(f"{name}.train").FlatParams
    return pkg, engine, bundled, problem, flat


def _update(name: str, problem_name: str, batch: int):
    """A function running one forward and backward pass of `problem_name` with package `name`."""
    import numpy as np

    _, engine, bundled, problem_mod, FlatParams = _package(name)
    problem = problem_mod.load_problem(bundled.resolve(problem_name))
    flat = FlatParams.of(problem.network, np.float32)
    into = flat.into if hasattr(flat, "into") else (flat.grad_W, flat.grad_b)
    rng = np.random.default_rng(0)
    m = len(problem.network.outputs)
    X = rng.random((batch, len(problem.network.inputs)), dtype=np.float32)
    T = np.eye(m, dtype=np.float32)[rng.integers(0, m, batch)]
    layers, loss = flat.layers, problem.loss

    def step() -> None:
        fwd = engine.forward(layers, X)
        engine.backward(layers, loss, fwd, T, into, -0.1, check=False)

    return step


def paired(problem_name: str, chunks: int, chunk: int, clock=time.perf_counter) -> str:
    import numpy as np

    steps = {"ours": _update("nncalc", problem_name, CONFIGS[problem_name]),
             "base": _update("nncalc_base", problem_name, CONFIGS[problem_name])}
    per: dict[str, list[float]] = {k: [] for k in steps}
    with np.errstate(over="ignore"):
        for c in range(chunks + 1):
            order = list(steps) if c % 2 == 0 else list(steps)[::-1]
            for who in order:
                t0 = clock()
                for _ in range(chunk):
                    steps[who]()
                if c:                            # the first chunk warms up
                    per[who].append((clock() - t0) / chunk * 1e6)
    ratios = [a / b for a, b in zip(per["ours"], per["base"])]
    q = statistics.quantiles(ratios, n=4)
    return (f"{problem_name}: ours {statistics.median(per['ours']):.1f} µs, base {statistics.median(per['base']):.1f} µs "
            f"per update; ours/base paired by chunk: median {statistics.median(ratios):.3f} "
            f"(quartiles {q[0]:.3f}-{q[2]:.3f}, {chunks} chunks of {chunk})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, type=Path, help="the other nncalc's package folder")
    ap.add_argument("--chunks", type=int, default=40)
    ap.add_argument("--chunk", type=int, default=50)
    ap.add_argument("--config", default=",".join(CONFIGS))
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: the process's CPU time (run with OMP_NUM_THREADS=1 on a busy machine)")
    args = ap.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(args.base, Path(tmp) / "nncalc_base", ignore=shutil.ignore_patterns("__pycache__"))
        sys.path.insert(0, tmp)
        for name in args.config.split(","):
            print(paired(name, args.chunks, args.chunk, clock), flush=True)


if __name__ == "__main__":
    main()
