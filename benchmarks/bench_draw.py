"""How long `nncalc draw` takes to write a network's SVG, and how large the file is.

    .venv/bin/python benchmarks/bench_draw.py                       # adding-lstm, the 16-unit LSTM
    .venv/bin/python benchmarks/bench_draw.py sine-rnn rnn-lstm-one-step --rounds 21

Two figures per problem: in process, the drawing built and rendered as SVG (`drawing_of` +
`render("drawing", "svg", ...)`, the problem already loaded), median CPU time over `--rounds`; and
the whole command as a user runs it (`python -m nncalc draw NAME -o FILE.svg`: start-up, loading,
drawing, the atomic write), median wall time over `--commands` runs. Plus the SVG's size and its
counts of circles, gate boxes and lines.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("problems", nargs="*", default=["adding-lstm"])
    p.add_argument("--rounds", type=int, default=11)
    p.add_argument("--commands", type=int, default=5)
    return p.parse_args()


def in_process(name: str, rounds: int) -> tuple[float, str]:
    """The median CPU seconds of building and rendering the drawing, and the SVG text."""
    from nncalc.bundled import open_problem
    from nncalc.pictures.draw import drawing_of
    from nncalc.render.formats import Style, render

    problem = open_problem(name)
    times, svg = [], ""
    for _ in range(rounds):
        start = time.process_time()
        svg = render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4))
        times.append(time.process_time() - start)
    return statistics.median(times), svg


def command(name: str, runs: int) -> float:
    """The median wall seconds of `python -m nncalc draw NAME -o FILE.svg`."""
    times = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "net.svg"
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nncalc", "draw", name, "-o", str(out)], check=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    args = _args()
    for name in args.problems:
        cpu, svg = in_process(name, args.rounds)
        root = ET.fromstring(svg)
        counts = (len(root.findall(f"{SVG}circle")), len(root.findall(f"{SVG}rect[@class='gate']")),
                  len(root.findall(f"{SVG}line")) + len(root.findall(f"{SVG}path")))
        wall = command(name, args.commands)
        print(f"{name}: drawing + SVG {cpu * 1000:.1f} ms CPU (median of {args.rounds}); "
              f"`nncalc draw {name} -o FILE.svg` {wall:.2f} s wall (median of {args.commands}); "
              f"{len(svg.encode()) / 1024:.0f} KiB, {counts[0]} circles, {counts[1]} gates, {counts[2]} edges")


if __name__ == "__main__":
    main()
