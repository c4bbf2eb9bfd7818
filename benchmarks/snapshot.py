"""Write every bundled problem's outputs (JSON, tables, derivations, Markdown) into a folder.

Run it on two versions of nncalc and diff the folders: a refactoring that changes behaviour shows
up as a difference. `python benchmarks/snapshot.py OUT_DIR` (uses the nncalc on sys.path).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUNS = [
    ("backprop", "--format", "json"),
    ("forward", "--format", "json"),
    ("backprop",),
    ("backprop", "--explain"),
    ("backprop", "--explain", "--format", "markdown"),
    ("summary",),
]


def bundled_names() -> list[str]:
    from nncalc.bundled import bundled_problems
    return list(bundled_problems())


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    from nncalc.bundled import bundled_dir    # works for an editable install too
    home = str(bundled_dir())
    for name in bundled_names():
        for args in RUNS:
            cmd = [sys.executable, "-m", "nncalc", args[0], name, *args[1:]]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
            stem = "_".join([name, *(a.lstrip("-") for a in args)])
            text = f"exit {done.returncode}\n{done.stdout}\n--- stderr\n{done.stderr}"
            (out / f"{stem}.txt").write_text(text.replace(home, "<bundled>"))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "snapshot"))
