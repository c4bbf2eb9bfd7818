"""Every bundled problem's LaTeX document and Beamer slides through pdflatex: per problem and format,
the compile time, the pages and the overfull boxes pdflatex reports (an `Overfull \\hbox`: a line
wider than the page or frame; an `Overfull \\vbox`: a frame taller than the slide).

    python benchmarks/bench_documents.py [--jobs 2] [--formats latex,beamer] [NAME ...]

Prints one row per problem and format, then the totals; exit 1 when any box is overfull.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

OVERFULL = re.compile(r"Overfull \\([hv])box \(([\d.]+)pt too (?:wide|high)\)")
PAGES = re.compile(r"Output written on .*?\((\d+) pages?")


def worked(name: str):
    """The backprop of a bundled problem, or its forward pass; None where it has no worked example."""
    import nncalc
    from nncalc.errors import NncalcError

    p = nncalc.load(name)
    for run in (p.backprop, p.forward):
        try:
            return run()
        except NncalcError:
            continue
    return None


def compiled(folder: Path, stem: str, tex: str) -> dict:
    """pdflatex once over `tex`: seconds, pages, and each overfull box as (h|v, points)."""
    (folder / f"{stem}.tex").write_text(tex, encoding="ascii")
    start = time.perf_counter()
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{stem}.tex"], cwd=folder,
                         capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    log = (folder / f"{stem}.log").read_text(errors="replace")
    pages = PAGES.search(log)
    return {"rc": run.returncode, "seconds": seconds, "pages": int(pages.group(1)) if pages else 0,
            "boxes": [(kind, float(pt)) for kind, pt in OVERFULL.findall(log)]}


def main(argv: list[str] | None = None) -> int:
    from nncalc.bundled import bundled_problems

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="bundled problems (default: all)")
    ap.add_argument("--jobs", type=int, default=2, help="pdflatex runs at once")
    ap.add_argument("--formats", default="latex,beamer")
    args = ap.parse_args(argv)
    names = args.names or sorted(bundled_problems())
    formats = args.formats.split(",")
    jobs = []
    for name in names:
        start = time.perf_counter()
        result = worked(name)
        if result is None:
            print(f"{name}: no worked example (no samples written out)", file=sys.stderr)
            continue
        for fmt in formats:
            jobs.append((name, fmt, result.render(fmt, explain=True), time.perf_counter() - start))
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda j: compiled(Path(tmp), f"{j[0]}-{j[1]}", j[2]), jobs))
    print(f"{'problem':28} {'format':7} {'render s':>8} {'pdflatex s':>10} {'pages':>5} {'hbox':>4} {'vbox':>4}  worst")
    bad = 0
    for (name, fmt, _, render_s), r in zip(jobs, done):
        h = [pt for k, pt in r["boxes"] if k == "h"]
        v = [pt for k, pt in r["boxes"] if k == "v"]
        worst = f"{max(h + v):.1f}pt" if h or v else ""
        status = "" if r["rc"] == 0 else "  FAILED"
        bad += len(h) + len(v) + (r["rc"] != 0)
        print(f"{name:28} {fmt:7} {render_s:8.2f} {r['seconds']:10.2f} {r['pages']:5} {len(h):4} {len(v):4}  {worst}{status}")
    total = sum(r["seconds"] for r in done)
    print(f"{len(jobs)} documents, pdflatex {total:.1f} s in all ({args.jobs} at once), "
          f"{sum(len(r['boxes']) for r in done)} overfull boxes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
