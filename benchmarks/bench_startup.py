"""`nncalc backprop` start-up beside another install's, alternating runs (a fresh process each).

    python benchmarks/bench_startup.py --base /work/basevenv/bin/python [--runs 21] [--site DIR] [ARGS]

Run it with the Python of a regular (not editable) install of this tree, as the base is one: an
editable install's import hook alone costs milliseconds at every start. --site DIR: put DIR (a `pip install --target DIR .` of this tree) first on this side's path, so an
editable install's import hook does not count against it when the base is a regular install.

Each round runs this Python's `nncalc backprop` and the base's, in turn, so that machine noise hits
both alike; prints the wall-clock and CPU (user + sys) medians, their ratios and the load average. Used to show that a refactoring is not slower.
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


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + sys) of one run of `cmd`."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, cwd="/tmp", env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime


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
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for name, cmd in cases.items():       # warm the file cache
        timed(cmd, envs[name])
    load_before = os.getloadavg()
    for _ in range(args.runs):
        for name, cmd in cases.items():
            wall, cpu = timed(cmd, envs[name])
            walls[name].append(wall)
            cpus[name].append(cpu)
    load_after = os.getloadavg()
    wall_med = {name: statistics.median(t) for name, t in walls.items()}
    cpu_med = {name: statistics.median(t) for name, t in cpus.items()}
    for name, cmd in cases.items():
        print(f"{name}: wall median {wall_med[name]:.3f} s (min {min(walls[name]):.3f}), "
              f"CPU median {cpu_med[name]:.3f} s (min {min(cpus[name]):.3f})  ({' '.join(cmd)})")
    print(f"this / base: wall {wall_med['this'] / wall_med['base']:.3f}, CPU {cpu_med['this'] / cpu_med['base']:.3f} "
          f"({args.runs} alternating runs; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")


if __name__ == "__main__":
    main()
