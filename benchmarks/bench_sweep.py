"""`nncalc sweep` speed: 1,001 points of E_total on the slide network (nnbasic, w5 from -3 to 3)
as one batched engine call, against 1,001 worked examples (one trace per point) in the same process.

    python benchmarks/bench_sweep.py [--points 1001] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

from nncalc.bundled import open_problem
from nncalc.pictures.sweep import parse_axis, sweep
from nncalc.problem.overrides import with_overrides
from nncalc.trace import build_trace


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1001)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    problem = open_problem("nnbasic")
    axis = parse_axis(f"w5=-3:3:{args.points}", problem)
    batched = _median(lambda: sweep(problem, [axis]), args.repeats)
    one_by_one = _median(lambda: [build_trace(with_overrides(problem, {"w5": float(v)}))["E.total"].value
                                  for v in axis.values], max(args.repeats // 3, 1))
    print(f"{args.points:,} points of E.total on nnbasic (median of {args.repeats} runs)")
    print(f"  batched sweep (one engine call): {batched * 1000:8.2f} ms")
    print(f"  one worked example per point:    {one_by_one * 1000:8.2f} ms  ({one_by_one / batched:.0f}x)")


if __name__ == "__main__":
    main()
