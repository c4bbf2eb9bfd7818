"""What `import nncalc` and the CLI's discoverability commands cost at start-up, fresh processes.

    python benchmarks/bench_import.py [--runs 21] [--site DIR]

Alternates `python -c pass` with `python -c "import nncalc"` (the API is loaded lazily, so this is
the package's __init__ alone) and, with --site DIR (a `pip install --target DIR .` of another tree,
put first on the path), the same import from there; and reads `python -X importtime -c "import nncalc.cli"` for the
modules issue 15 added to every command's start-up (cli.discover, cli.export). Prints medians.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ADDED = ("nncalc.cli.discover", "nncalc.cli.export")


def timed(code: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/tmp", env=env)
    return time.perf_counter() - started


def import_times(code: str) -> dict[str, float]:
    """Cumulative microseconds per module, from -X importtime."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         check=True, cwd="/tmp").stderr
    out = {}
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            out[m.group(3)] = int(m.group(2))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--site", help="another install's folder, to time its `import nncalc` alongside")
    args = parser.parse_args()
    other_env = dict(os.environ, PYTHONPATH=args.site) if args.site else None
    bare, package, other = [], [], []
    added: dict[str, list[int]] = {m: [] for m in ADDED + ("nncalc.cli",)}
    timed("pass"), timed("import nncalc")                  # warm the file cache
    for _ in range(args.runs):
        bare.append(timed("pass"))
        package.append(timed("import nncalc"))
        if other_env:
            other.append(timed("import nncalc", other_env))
        found = import_times("import nncalc.cli")
        for m in added:
            added[m].append(found.get(m, 0))
    print(f"python -c pass:           median {1000 * statistics.median(bare):.1f} ms")
    print(f"python -c 'import nncalc': median {1000 * statistics.median(package):.1f} ms "
          f"(+{1000 * (statistics.median(package) - statistics.median(bare)):.1f} ms)")
    if other:
        print(f"import nncalc from {args.site}: median {1000 * statistics.median(other):.1f} ms")
    for m, us in added.items():
        print(f"import {m}: median {statistics.median(us) / 1000:.1f} ms (cumulative, -X importtime)")
    print(f"({args.runs} alternating runs)")


if __name__ == "__main__":
    main()
