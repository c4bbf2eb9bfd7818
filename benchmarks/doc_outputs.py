"""Every `nncalc` example in README.md and docs/*.md run again and compared with the output the
page shows, so that documentation showing stale output is found (and can be pasted anew).

    cd /tmp && python /path/to/benchmarks/doc_outputs.py [--width 80] [--show] [FILE.md ...]

An example is a fenced block whose lines start with `$ nncalc ARGS`, each followed by its output,
or a ```text block right after a paragraph that ends with a colon and names the command last, in
backticks. The command runs in a scratch folder (the repository's tests/ and examples/ linked into
it) with NO_COLOR and COLUMNS=width, then 100 and 120; the block is `ok` when its lines appear in
the real output in order, from any line on, `...` or `…` lines standing for what was left out.
A command whose input the page made earlier is `needs files`. Timings, random runs and schematic
blocks (`{ ... }`) show up as STALE too: read each one. Exits 1 if any block is STALE.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```")


def examples(md: Path) -> list[tuple[int, str, list[str]]]:
    """(line number, command, shown output lines) of each `nncalc` example of a page: a block of
    `$ nncalc ...` lines with their output, or a block right after a paragraph that names the
    command last (`nncalc sweep nnbasic w5=-3:3:61` (...):)."""
    lines = md.read_text(encoding="utf-8").splitlines()
    found, block, start, fence = [], None, 0, ""
    for i, line in enumerate(lines, 1):
        if FENCE.match(line):
            if block is None:
                block, start, fence = [], i, line.strip()
                continue
            if block and block[0].startswith("$ "):
                found += _split(start, block)
            elif fence == "```text" and (named := _named_before(lines, start - 1)) is not None:
                found.append((start, named, block))
            block = None
        elif block is not None:
            block.append(line)
    return found


def _named_before(lines: list[str], fence: int) -> str | None:
    """The last `nncalc ...` span of the paragraph ending just above line `fence` (1-based), when
    that paragraph ends with a colon."""
    end = fence - 1
    while end >= 1 and not lines[end - 1].strip():
        end -= 1
    begin = end
    while begin > 1 and lines[begin - 2].strip() and not FENCE.match(lines[begin - 2]):
        begin -= 1
    text = " ".join(lines[begin - 1:end])
    spans = re.findall(r"`(nncalc [^`]+)`", text)
    if not spans or not text.rstrip().endswith(":") or "python " in text.split(spans[-1])[-1]:
        return None
    return spans[-1]


def _split(start: int, block: list[str]) -> list[tuple[int, str, list[str]]]:
    out, cmd, shown, at = [], None, [], start
    for j, line in enumerate(block, start + 1):
        if line.startswith("$ "):
            if cmd is not None:
                out.append((at, cmd, shown))
            cmd, shown, at = line[2:], [], j
        elif cmd is not None:
            shown.append(line)
    if cmd is not None:
        out.append((at, cmd, shown))
    return [e for e in out if e[1].startswith("nncalc ") and "|" not in e[1] and ">" not in e[1]]


def run(cmd: str, width: int, folder: Path) -> tuple[int, list[str]]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": str(width), "TERM": "dumb"}
    args = shlex.split(cmd, comments=True)
    done = subprocess.run([sys.executable, "-m", "nncalc", *args[1:]], capture_output=True, text=True,
                          env=env, cwd=folder, timeout=600)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def shown_in(shown: list[str], real: list[str]) -> bool:
    """The shown lines appear in the real output in order, from any line on (an excerpt); an
    elision line skips ahead."""
    shown = [s.rstrip() for s in shown]
    while shown and not shown[-1]:
        shown.pop()
    real = [r.rstrip() for r in real]
    i, skipping = 0, True
    for line in shown:
        if line.strip() in ("...", "…", "[...]"):
            skipping = True
            continue
        if skipping:
            while i < len(real) and real[i] != line:
                i += 1
        if i >= len(real) or real[i] != line:
            return False
        i += 1
        skipping = False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--width", type=int, default=80)
    parser.add_argument("--show", action="store_true", help="print the real output of each stale block")
    args = parser.parse_args()
    pages = args.pages or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    stale = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("tests", "examples"):       # pages name the repository's fixtures and examples
            (Path(tmp) / name).symlink_to(ROOT / name)
        for page in pages:
            for line, cmd, shown in examples(page):
                verdict, real = "STALE", []
                for width in (args.width, 100, 120):
                    rc, real = run(cmd, width, Path(tmp))
                    if shown_in(shown, real):
                        verdict = f"ok ({width} columns)"
                        break
                    if any("no such file" in r or "not found" in r for r in real[:2]):
                        verdict = "needs files"
                        break
                stale += verdict == "STALE"
                print(f"{page.name}:{line}: {verdict}: {cmd}" + (f"  [{real[0][:70] if real else ''}]" if verdict == "STALE" else ""))
                if verdict == "STALE" and args.show:
                    rc, real = run(cmd, args.width, Path(tmp))
                    print("\n".join("    " + r for r in real))
    print(f"{stale} stale")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
