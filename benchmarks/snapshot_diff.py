"""Compare two `snapshot.py` folders and sort every difference into a class, so that a refactoring's
unintended change stands out from the features added since the base.

    python benchmarks/snapshot_diff.py /work/baseline-snapshot /tmp/snap-NAME

Classes: `new problem` (files only in the new folder), `missing` (only in the base), `trailing
spaces` (the same lines once each line's end is stripped), `source line` (the same once the
`source:` line under the problem's name, and its wrapped continuation, is left out; issue #15) and
`OTHER` (anything else: printed as a diff). Exits 1 if any file is missing or OTHER.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from pathlib import Path


def _stripped(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def _only_source_added(base: list[str], new: list[str]) -> bool:
    """Whether the new lines are the base's plus inserted blocks whose first written line is `source:`."""
    ops = difflib.SequenceMatcher(a=base, b=new, autojunk=False).get_opcodes()
    return all(op == "equal" or (op == "insert" and next(l for l in new[b0:b1] + ["?"] if l).startswith("source:"))
               for op, _, _, b0, b1 in ops)


def classify(base: str, new: str) -> str:
    """The class of one file's difference."""
    b, n = _stripped(base), _stripped(new)
    spaces = " + trailing spaces" if base.splitlines() != b or new.splitlines() != n else ""
    if b == n:
        return "trailing spaces"
    if _only_source_added(b, n):
        return "source line" + spaces
    return "OTHER"


def main(base_dir: Path, new_dir: Path) -> int:
    base = {p.name: p for p in base_dir.iterdir()}
    new = {p.name: p for p in new_dir.iterdir()}
    classes: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = {}
    bad = False
    for name in sorted(base.keys() | new.keys()):
        if name not in base:
            kind = "new problem"
        elif name not in new:
            kind, bad = "missing", True
        else:
            a, b = base[name].read_text(), new[name].read_text()
            if a == b:
                classes["identical"] += 1
                continue
            kind = classify(a, b)
            if kind == "OTHER":
                bad = True
                print(f"OTHER: {name}")
                sys.stdout.writelines(difflib.unified_diff(a.splitlines(True), b.splitlines(True), n=1))
        classes[kind] += 1
        run = name.split("_", 1)[1] if "_" in name else name
        kinds.setdefault(kind, Counter())[run.removesuffix(".txt")] += 1
    for kind, count in classes.most_common():
        detail = ", ".join(f"{run} {n}" for run, n in sorted(kinds.get(kind, Counter()).items()))
        print(f"{count:4} {kind}" + (f"  ({detail})" if detail else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
