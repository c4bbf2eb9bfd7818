"""This nncalc's trainer against another version's (e.g. the commit before a refactoring), in one
process, taking turns, on real MNIST: is the new code slower?

    NNCALC_DATA=../shared/datasets .venv/bin/python benchmarks/bench_versions.py --base /path/to/old/nncalc

--base is the folder of the other version's `nncalc` package (an installed copy, or a checkout's
nncalc/ folder with its problems/ beside it). It is copied into a temporary folder as the package
`nncalc_base` (its imports are relative, so it runs as it is), and both trainers train the same
bundled problem (mnist-mlp: the slide configuration, 784-100-10 sigmoid, Nesterov momentum, batch 50;
mnist-modern: 784-256-128-10 ReLU, Adam, batch 128) from the same weights, in chunks of --chunk
updates, alternating ABBA so that both see the same moments of a shared machine. The figure is the
median of the per-pair ratios new/base with quartiles; both runs' weights are also compared (a
refactoring should leave them bit-identical).

On a machine shared with other busy processes the wall clock mostly measures waiting for a core:
`--clock cpu --threads 1` times each turn by the process's CPU time instead (one BLAS thread, so
that no thread spins while it waits for the other).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK = time.perf_counter


def _import_base(folder: Path):
    """The other version as the package nncalc_base (its bundled problems included)."""
    tmp = Path(tempfile.mkdtemp(prefix="nncalc-base-"))
    shutil.copytree(folder, tmp / "nncalc_base", ignore=shutil.ignore_patterns("__pycache__"))
    problems = tmp / "nncalc_base" / "problems"
    if not problems.exists() and (folder.parent / "problems").is_dir():
        shutil.copytree(folder.parent / "problems", problems)
    sys.path.insert(0, str(tmp))
    return importlib.import_module("nncalc_base")


def _trainer(pkg: str, problem: str, datasets):
    """A Trainer of package pkg ('nncalc' or 'nncalc_base') on the bundled problem, no validation split."""
    problem_mod = importlib.import_module(f"{pkg}.problem")
    train_mod = importlib.import_module(f"{pkg}.train")
    base = Path(importlib.import_module(pkg).__file__).parent / "problems"
    if not base.is_dir():
        base = ROOT / "problems"
    p = problem_mod.load_problem(base / f"{problem}.yaml")
    s = replace(train_mod.settings_from_problem(p), epochs=10_000, validation_split=0.0, patience=None)
    data = train_mod.data_for(p, datasets, 0.0, s.dtype)
    t = train_mod.Trainer(p, s, data, report_every=None)
    return t, t.run()


def _chunk(events, updates: int) -> float:
    """Seconds for the next `updates` updates (each event handed to this loop, as the CLI does)."""
    t0 = CLOCK()
    done = 0
    for event in events:
        if hasattr(event, "batch"):
            done += 1
            if done == updates:
                break
    return CLOCK() - t0


def compare(problem: str, rounds: int, chunk: int) -> None:
    from nncalc.data import load_data
    from nncalc.problem import load_problem

    p = load_problem(ROOT / "problems" / f"{problem}.yaml")
    datasets = load_data(p.data_source, base_dir=ROOT / "problems", file=p.source)
    new, new_events = _trainer("nncalc", problem, datasets)
    old, old_events = _trainer("nncalc_base", problem, datasets)
    _chunk(new_events, 20), _chunk(old_events, 20)        # warm up both
    ratios, t_new, t_old = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a, b = _chunk(old_events, chunk), _chunk(new_events, chunk)
        else:
            b, a = _chunk(new_events, chunk), _chunk(old_events, chunk)
        t_old.append(a)
        t_new.append(b)
        ratios.append(b / a)
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    same = (new.params.values == old.params.values).all()
    print(f"{problem} ({'CPU' if CLOCK is time.process_time else 'wall'} clock): {rounds} rounds of {chunk} updates each; per update: new {1e6 * statistics.median(t_new) / chunk:.0f} µs, "
          f"base {1e6 * statistics.median(t_old) / chunk:.0f} µs (medians); new/base per round: median "
          f"{statistics.median(ratios):.3f} (quartiles {q[0]:.3f}-{q[2]:.3f}); weights after "
          f"{new.step} updates bit-identical: {bool(same)}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, type=Path, help="the other version's nncalc package folder")
    ap.add_argument("--problems", default="mnist-mlp,mnist-modern")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=200, help="updates per turn")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--threads", default="2", help="BLAS threads (set before NumPy loads)")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = args.threads
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    _import_base(args.base.resolve())
    for problem in args.problems.split(","):
        compare(problem, args.rounds, args.chunk)


if __name__ == "__main__":
    main()
