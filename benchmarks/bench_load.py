"""Loading a large problem file: a 5 MB file of typed-in weights, read, parsed and validated.

    python benchmarks/bench_load.py [--mb 5] [--runs 3] [--base PYTHON]

Issue 9's bar: a 5 MB problem file loads in under 2 s. Prints the median of N loads in this
process (and, with --base, in another install's Python, alternating, for the before/after figure).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LOAD = ("import sys, time; from nncalc.problem import load_problem; t, c = time.perf_counter(), time.process_time(); "
        "load_problem(sys.argv[1]); print(time.perf_counter() - t, time.process_time() - c)")


def many_samples(path: Path, megabytes: float, seed: int = 0) -> int:
    """A 4-3-1 network and block-style samples (`- input: [...]` / `target: [...]`) filling `megabytes`."""
    rng = np.random.default_rng(seed)
    head = ("name: many samples\nnetwork:\n  inputs: 4\n  layers:\n    - units: 3\n      weights: "
            "[[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]]\n    - units: 1\n"
            "      weights: [[0.1, 0.2, 0.3]]\nloss: half_sse\ndata:\n")
    one = len("  - input: [0.000000, 0.000000, 0.000000, 0.000000]\n    target: [0.000000]\n")
    n = int(megabytes * 1e6 / one)
    X, T = np.round(rng.uniform(0, 1, (n, 4)), 6), np.round(rng.uniform(0, 1, n), 6)
    path.write_text(head + "".join(f"  - input: [{a:.6f}, {b:.6f}, {c:.6f}, {d:.6f}]\n    target: [{t:.6f}]\n"
                                   for (a, b, c, d), t in zip(X, T)), encoding="utf-8")
    return 5 * n + 15


def big_file(path: Path, megabytes: float, seed: int = 0) -> int:
    """A 2-layer sigmoid network whose weights, typed out with 17 digits, fill about `megabytes`."""
    n = int((megabytes * 1e6 / 22) ** 0.5)          # n x n weights of ~22 characters each
    rng = np.random.default_rng(seed)
    rows = ",\n        ".join("[" + ", ".join(repr(float(x)) for x in rng.normal(0, 0.1, n)) + "]" for _ in range(n))
    path.write_text(f"name: {n} x {n} typed-in weights\nnetwork:\n  inputs: {n}\n  layers:\n"
                    f"    - units: {n}\n      weights: [\n        {rows}]\n    - units: 1\n"
                    f"      weights: [{[0.1] * n}]\nloss: half_sse\n"
                    f"data:\n  - input: {[0.5] * n}\n    target: [1]\n", encoding="utf-8")
    return n * n + 2 * n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--base", help="another install's Python to time alternately")
    args = parser.parse_args()
    pythons = {"this": sys.executable} | ({"base": args.base} if args.base else {})
    with tempfile.TemporaryDirectory() as folder:
        for shape, write in (("typed-in weights", big_file), ("block-style samples", many_samples)):
            path = Path(folder) / "big.yaml"
            numbers = write(path, args.mb)
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in pythons}
            for _ in range(args.runs):
                for name, python in pythons.items():
                    out = subprocess.run([python, "-c", LOAD, str(path)], capture_output=True, text=True,
                                         check=True, cwd=folder)
                    wall, cpu = map(float, out.stdout.split())
                    times[name].append((wall, cpu))
            size = path.stat().st_size / 1e6
            for name, t in times.items():
                wall = statistics.median(w for w, _ in t)
                cpu = statistics.median(c for _, c in t)
                print(f"{name}: {size:.1f} MB of {shape} ({numbers:,} numbers): load_problem median {wall:.2f} s "
                      f"wall, {cpu:.2f} s CPU, over {args.runs} runs")


if __name__ == "__main__":
    main()
