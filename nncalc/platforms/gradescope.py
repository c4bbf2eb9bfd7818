"""Gradescope: an answers file's check as the autograder's results.json (one test per asked
quantity), and the autograder zip that produces it (setup.sh, run_autograder, the problem, and
nncalc's own wheel so that nncalc needs no package index)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ..verdicts import CARRIED, CORRECT, MISSING, FileResult

RESULTS_PATH = "/autograder/results/results.json"
_VERDICT = {CORRECT: "correct", CARRIED: "carried forward", MISSING: "missing", "wrong": "wrong"}


def results(f: FileResult, carried_credit: float = 1.0) -> dict[str, Any]:
    """results.json for one answers file: score, and per asked (else answered) quantity a test with
    name, score, max_score, status, output and visibility. Keys are not shown, only verdicts."""
    by_name = {r.name: r for r in f.results}
    names = list(f.asked) or [r.name for r in f.results]
    tests = []
    for number, name in enumerate(names, 1):
        r = by_name.get(name)
        score = f.credit(r, carried_credit) if r is not None else 0.0
        verdict = _VERDICT.get(r.verdict, r.verdict) if r is not None else "missing"
        output = f"{name}: {verdict}" + (f" ({r.text})" if r is not None and r.text else "")
        if r is not None and r.diagnosis and r.verdict != CORRECT:
            output += f"; {r.diagnosis}"
        tests.append({"name": name, "number": str(number), "score": score, "max_score": 1.0,
                      "status": "passed" if score == 1.0 else "failed", "output": output, "visibility": "visible"})
    total = sum(t["score"] for t in tests)
    summary = f"{total:g} of {len(tests)} marks" + (f" ({f.student})" if f.student else "")
    if f.notes:
        summary += "\nNot readable (marked missing): " + "; ".join(f.notes)
    return {"score": total, "output": summary, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def error_results(message: str) -> dict[str, Any]:
    """results.json for a submission that could not be checked at all: 0, and why."""
    return {"score": 0.0, "output": f"Your answers file could not be checked: {message}",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
command -v pip3 >/dev/null || { apt-get update && apt-get install -y python3-pip; }
pip3 install /autograder/source/{wheel}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: the first *.yaml / *.yml answers file in it is checked.
set -uo pipefail
mkdir -p /autograder/results
answers=$(find /autograder/submission -type f \\( -name '*.yaml' -o -name '*.yml' \\) | sort | head -n 1)
{against}
nncalc check "$against" "${{answers:-/autograder/submission/(no .yaml answers file)}}" \\
  --format gradescope --carried-credit {credit} --output {results}
exit 0
"""

AGAINST_PROBLEM = "against=/autograder/source/problem.yaml"

# With a variants folder: the submitter's variant, found by their email in Gradescope's submission
# metadata and the folder's index; else the folder, where the answers file's `student:` decides.
AGAINST_VARIANT = """against=/autograder/source/variants
sid=$(python3 - <<'PY'
import csv, json
try:
    users = json.load(open("/autograder/submission_metadata.json")).get("users", [])
except (OSError, ValueError):
    users = []
emails = {str(u.get("email", "")).lower() for u in users} - {""}
rows = csv.DictReader(open("/autograder/source/variants/variants.csv", encoding="utf-8"))
print(next((r["file"] for r in rows if r["email"].lower() in emails), ""))
PY
)
[ -n "$sid" ] && against="/autograder/source/variants/$sid"
"""


def _entry(name: str, data: bytes, mode: int = 0o644) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16
    return info, data


def write_autograder(problem: str, output: Path, carried_credit: float = 1.0) -> str:
    """The autograder zip (the same inputs give the same bytes); returns what it holds, in one line."""
    from ..bundled import open_problem, resolve
    from ..check import Checker, checking_trace
    from ..problem import load_problem
    from ..fileio import atomic_open
    from .wheel import build_wheel

    from ..variant_folder import is_variant_set, open_variant_set

    if is_variant_set(problem):
        vs = open_variant_set(problem)
        files = [("variants/variants.csv", (vs.folder / "variants.csv").read_bytes())]
        for student in vs.students:
            Checker(checking_trace(load_problem(vs.path(student))))
            files.append((f"variants/{student.file}", vs.path(student).read_bytes()))
        against = AGAINST_VARIANT
    else:
        Checker(checking_trace(open_problem(problem)))       # the problem is usable, and so is its ask:
        files, against = [("problem.yaml", resolve(problem).read_bytes())], AGAINST_PROBLEM
    wheel_name, wheel = build_wheel()
    run = RUN_AUTOGRADER.format(against=against, credit=f"{carried_credit:g}", results=RESULTS_PATH)
    entries = [_entry("setup.sh", SETUP_SH.replace("{wheel}", wheel_name).encode(), 0o755),
               _entry("run_autograder", run.encode(), 0o755),
               *(_entry(name, data) for name, data in files), _entry(wheel_name, wheel)]
    with atomic_open(output, "wb") as handle:
        with zipfile.ZipFile(handle, "w") as zf:
            for info, data in entries:
                zf.writestr(info, data)
    held = "problem.yaml" if len(files) == 1 else f"variants/ ({len(files) - 1} variants and their index)"
    return f"{output}: setup.sh, run_autograder, {held}, {wheel_name}"
