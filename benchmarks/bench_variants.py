"""Speed of the instructor's week: writing variants (keys, handouts, solutions) and grading a class
against its variants, each through the real command line (start-up included).

    python benchmarks/bench_variants.py [--variants 300] [--students 1000] [--rounds 3]

The problem is examples/hw3-variants.yaml: a 2-2-2 sigmoid network with every weight, input, target
and the learning rate drawn anew, six quantities asked (docs/instructors.md). Submissions: a third right, a third with the update
added instead of subtracted on new.w5, a third that leave two quantities out. Medians of the rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROBLEM = (Path(__file__).parent.parent / "examples" / "hw3-variants.yaml").read_text()


def nncalc(*args: str) -> float:
    """Seconds one nncalc command takes, start-up included (exit code 0 or 1 expected)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nncalc", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"nncalc {' '.join(args)} failed: {done.stderr}")
    return seconds


def submissions(variants: Path, out: Path) -> None:
    """One answers file per variant: right, the update added on new.w5, or two quantities left out."""
    out.mkdir(exist_ok=True)
    for i, path in enumerate(sorted(variants.glob("variant-*.yaml"))):
        doc = yaml.safe_load(path.read_text())
        key = dict(doc["answers"])
        if i % 3 == 1:
            w5 = doc["network"]["layers"][1]["weights"][0][0]
            key["new.w5"] = w5 + doc["learning_rate"] * key["grad.w5"]
        elif i % 3 == 2:
            del key["grad.w1"], key["new.w1"]
        lines = [f"student: {doc['variant']}", "answers:"] + [f"  {k}: {v:.4f}" for k, v in key.items()]
        (out / f"{doc['variant']}.yaml").write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=300)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        problem = root / "hw3.yaml"
        problem.write_text(PROBLEM)
        write = [nncalc("variants", str(problem), "-n", str(args.variants), "--seed", "7", "-o", str(root / f"w{r}"))
                 for r in range(args.rounds)]
        nncalc("variants", str(problem), "-n", str(args.students), "--seed", "7", "-o", str(root / "class"),
               "--no-handouts")
        submissions(root / "class", root / "subs")
        grade = [nncalc("check", str(root / "class"), str(root / "subs"), "--format", "csv",
                        "-o", str(root / "grades.csv")) for _ in range(args.rounds)]
        rows = (root / "grades.csv").read_text().count("\n") - 1
    cores = os.cpu_count()
    print(f"{args.variants} variants with keys, handouts and solutions: median {statistics.median(write):.2f} s "
          f"(runs {', '.join(f'{s:.2f}' for s in write)})")
    print(f"{args.students} submissions graded against {args.students} variants ({rows} gradebook rows): "
          f"median {statistics.median(grade):.2f} s (runs {', '.join(f'{s:.2f}' for s in grade)})")
    print(f"(start-up included; {cores} cores; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
