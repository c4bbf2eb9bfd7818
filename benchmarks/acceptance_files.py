"""Issue #10's "a file that loads is valid for every command", tried as a user would: one small
network with an odd `training:`, `answers:` or `seed:` section each, run through `forward`,
`backprop`, `train --epochs 1` and `check`; a file refused by one command and accepted by another
is a failure (check's own refusal of a file without answers aside).

    cd /tmp && python /path/to/benchmarks/acceptance_files.py

Prints one row per file (each command's exit status and the first error line) and the failures;
exits 1 if there is one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

NETWORK = """name: odd
network:
  inputs: 2
  layers:
    - {units: 2, activation: sigmoid, weights: [[0.15, 0.2], [0.25, 0.3]], bias: 0.35}
    - {units: 2, activation: sigmoid, weights: [[0.4, 0.45], [0.5, 0.55]], bias: 0.6}
loss: half_sse
learning_rate: 0.5
data:
  - {input: [0.05, 0.1], target: [0.01, 0.99]}
"""
SECTIONS = [
    "training: {optimiser: adam}",                      # the issue's own example
    "training: {optimizer: adam, epochs: 0}",
    "training: {optimizer: {name: adam, beta1: 2}}",
    "training: {batch_size: 100}",
    "training: {bptt: 3}",                              # a recurrent key on a feed-forward net
    "training: {optimizer: perceptron, clip_norm: 1}",
    "training: {optimizer: perceptron}",
    "training: {epochs: 1.5}",
    "training: {early_stopping: 3}",
    "training: {dtype: float16}",
    "training: {steps: 0}",
    "training: [1, 2]",
    "training: {optimizer: {learning_rate: 0.1}}",
    "training: {optimizer: sgd, learning_rate: 0.1}",
    "training: {l2: -1}",
    "training: {clip_norm: 0}",
    "training: {update_order: random}",
    "training: {shuffle: yes}",
    "answers: {out_h1: abc}",
    "answers: [1, 2]",
    "answers: {out_h1: .nan}",
    "answers: {out_h1: 0.59327, out_h1: 0.6}",
    "answers:",
    "seed: -1",
    "seed: 1.5",
]
# Left to the command that reads them, by design: a split that depends on the data's size, and
# the names under answers: (resolved against the network by `check` only).
BY_DESIGN = ["training: {validation_split: 0.5}", "answers: {bogus_name: 1}",
             "answers: {w5+: 0.35891648, new.w5: 0.3}"]
COMMANDS = [("forward",), ("backprop",), ("train", "--epochs", "1", "-qq"), ("check",)]


def run(args: tuple[str, ...], path: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "nncalc", args[0], str(path), *args[1:]],
                          capture_output=True, text=True, timeout=300, cwd=path.parent)
    return done.returncode, (done.stderr.splitlines() or [""])[0]


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, section in enumerate(SECTIONS + BY_DESIGN, 1):
            path = Path(tmp) / f"f{i}.yaml"
            path.write_text(NETWORK + section + "\n", encoding="utf-8")
            results = {a[0]: run(a, path) for a in COMMANDS}
            codes = " ".join(f"{c}:{rc}" for c, (rc, _) in results.items())
            first = next((line for rc, line in results.values() if rc >= 2), "")
            print(f"{section:50} {codes}  {first.split(': ', 3)[-1][:70]}")
            refused = {c for c, (rc, line) in results.items()
                       if rc >= 2 and not (c == "check" and "no 'answers:' block" in line)}
            if refused and refused != set(results) and section not in BY_DESIGN:
                failures.append(f"{section}: refused by {', '.join(sorted(refused))} only")
    print(f"{len(SECTIONS)} files that must load alike for every command, {len(BY_DESIGN)} left by design; "
          f"{len(failures)} failing")
    for f in failures:
        print("  FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
