"""`nncalc backprop` start-up beside another install's, alternating runs (a fresh process each).

    python benchmarks/bench_startup.py --base /work/basevenv/bin/python [--runs 21] [--site DIR]

--site DIR: put DIR (a `pip install --target DIR .` of this tree) first on this side's path, so an
editable install's import hook does not count against it when the base is a regular install.

Each round runs this Python's `nncalc backprop` and the base's, in turn, so that machine noise hits
both alike; prints the medians and the ratio. Used to show that a refactoring is not slower.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def command(python: str) -> list[str]:
    """The `nncalc` script beside that Python, else `python -m nncalc`."""
    script = Path(python).with_name("nncalc")
    return [str(script)] if script.exists() else [python, "-m", "nncalc"]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True, cwd="/tmp", env=env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the Python of the install to compare with")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--site", help="a folder to put first on this side's sys.path")
    parser.add_argument("args", nargs="*", default=["backprop"], help="the command (default: backprop)")
    args = parser.parse_args()
    cases = {"this": command(sys.executable) + args.args, "base": command(args.base) + args.args}
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    envs = {"this": dict(base_env, PYTHONPATH=args.site) if args.site else base_env, "base": base_env}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for name, cmd in cases.items():       # warm the file cache
        timed(cmd, envs[name])
    for _ in range(args.runs):
        for name, cmd in cases.items():
            times[name].append(timed(cmd, envs[name]))
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, cmd in cases.items():
        print(f"{name}: median {med[name]:.3f} s, min {min(times[name]):.3f} s  ({' '.join(cmd)})")
    print(f"this / base: {med['this'] / med['base']:.3f} ({args.runs} alternating runs)")


if __name__ == "__main__":
    main()
