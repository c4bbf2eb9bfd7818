"""Wall-clock time of the foundation commands, as a user runs them (a fresh process each time).

    python benchmarks/bench_foundation.py [--runs N]

Prints the median of N runs of each command, interleaved so that machine noise hits all alike,
beside a peer: `python -c "import numpy, typer, rich, yaml"`, the floor no command can go below.
Issue 2's bars: `nncalc backprop` on the default problem under 0.3 s, and a problem file holding
20,000 numbers loaded and backpropagated in under 1 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def big_problem(path: Path, seed: int = 0) -> int:
    """A 100-100-100 sigmoid network typed out in full: 20,000 weights (and 300 more numbers)."""
    rng = np.random.default_rng(seed)

    def matrix(rows: int, cols: int) -> str:
        W = rng.normal(0.0, 0.1, (rows, cols))
        return "[" + ", ".join("[" + ", ".join(repr(float(x)) for x in row) + "]" for row in W) + "]"

    text = (f"name: 20,000 typed-in weights\nnetwork:\n  inputs: 100\n  layers:\n"
            f"    - {{units: 100, weights: {matrix(100, 100)}, bias: 0.1}}\n"
            f"    - {{units: 100, weights: {matrix(100, 100)}, bias: 0.1}}\n"
            f"loss: half_sse\nlearning_rate: 0.5\ndata:\n"
            f"  - input: {np.round(rng.uniform(0, 1, 100), 6).tolist()}\n"
            f"    target: {np.round(rng.uniform(0, 1, 100), 6).tolist()}\n")
    path.write_text(text, encoding="utf-8")
    return 20_000 + 2 + 200


def nncalc_command() -> list[str]:
    """The installed `nncalc` script beside this Python, else `python -m nncalc`."""
    script = Path(sys.executable).with_name("nncalc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nncalc"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nncalc-bench-"))
    try:
        big = folder / "big.yaml"
        numbers = big_problem(big)
        nncalc = nncalc_command()
        cases = {
            'peer: python -c "import numpy, typer, rich, yaml"':
                ([sys.executable, "-c", "import numpy, typer, rich, yaml"], None),
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "nncalc backprop": (nncalc + ["backprop"], 0.3),
            "nncalc backprop --explain": (nncalc + ["backprop", "--explain"], None),
            "nncalc backprop -f json": (nncalc + ["backprop", "-f", "json"], None),
            "nncalc forward xor-20": (nncalc + ["forward", "xor-20"], None),
            f"nncalc backprop big.yaml ({numbers:,} numbers)": (nncalc + ["backprop", str(big)], 1.0),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for command, _ in cases.values():                    # warm the file cache once
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
        for _ in range(args.runs):
            for name, (command, _) in cases.items():
                started = time.perf_counter()
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
                times[name].append(time.perf_counter() - started)
        width = max(map(len, cases))
        print(f"{'command':<{width}}  median   min     bar")
        for name, (_, bar) in cases.items():
            med, low = statistics.median(times[name]), min(times[name])
            verdict = "" if bar is None else f"< {bar:g} s {'ok' if med < bar else 'MISSED'}"
            print(f"{name:<{width}}  {med:.3f}   {low:.3f}   {verdict}")
        print(f"({args.runs} runs each, interleaved; seconds of wall time; Python {sys.version.split()[0]})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
