"""Issue #10's size guidance measured: modules over ~400 lines, functions over ~60, classes over
~250 in nncalc/ (lines as the file has them, docstrings and blank lines included).

    python benchmarks/code_sizes.py [--modules 400] [--functions 60] [--classes 250]

Prints every one over its limit, largest first, and a closing line of counts.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "nncalc"


def sizes() -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, str]]]:
    """(lines, where) of every module, function (methods and nested ones too) and class."""
    modules, functions, classes = [], [], []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT.parent)
        modules.append((len(text.splitlines()), str(rel)))
        for node in ast.walk(ast.parse(text)):
            span = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append((span, f"{rel}:{node.lineno} {node.name}"))
            elif isinstance(node, ast.ClassDef):
                classes.append((span, f"{rel}:{node.lineno} {node.name}"))
    return modules, functions, classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=400)
    parser.add_argument("--functions", type=int, default=60)
    parser.add_argument("--classes", type=int, default=250)
    args = parser.parse_args()
    counts = []
    for (kind, limit), found in zip((("modules", args.modules), ("functions", args.functions),
                                     ("classes", args.classes)), sizes()):
        over = sorted((s for s in found if s[0] > limit), reverse=True)
        print(f"{kind} over {limit} lines: {len(over)} of {len(found)}")
        for lines, where in over:
            print(f"  {lines:5}  {where}")
        counts.append(f"{len(over)} of {len(found)} {kind}")
    print("over the guidance: " + ", ".join(counts))


if __name__ == "__main__":
    main()
