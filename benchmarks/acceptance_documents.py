"""Issue #14's bars on every bundled problem, run as a user runs them (the `nncalc` command of the
Python running this script, never the tests' in-process runner): the LaTeX document and the Beamer
slides compiled by pdflatex (exit status, Overfull boxes, the numbers in pdftotext's text), the HTML
page laid out by headless Chromium (every math element drawn with a size), the SVG drawing parsed
as XML (one circle per unit, one edge per weight).

    cd /tmp && python /path/to/benchmarks/acceptance_documents.py [--jobs 2] [NAME ...]

Needs pdflatex, pdftotext and chromium on PATH (a column says "-" where one is missing). Prints one
row per problem and a closing line of totals; exits 1 if any bar fails.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"
PROBE = """<script>
const math = [...document.querySelectorAll('math')].map(e => {
  const r = e.getBoundingClientRect(); return [r.width, r.height]; });
const pre = document.createElement('pre'); pre.id = 'probe';
pre.textContent = JSON.stringify(math); document.body.appendChild(pre);
</script>"""


@dataclass
class Row:
    """One problem's figures; "-" where a bar does not apply (no worked example) or a tool is missing."""
    name: str
    command: str = "-"
    latex: str = "-"
    beamer: str = "-"
    html: str = "-"
    svg: str = "-"
    failed: bool = False


def nncalc(*args: str, out: Path | None = None) -> subprocess.CompletedProcess:
    """`nncalc ARGS` as a user runs it: the installed command, from the current folder."""
    cmd = [sys.executable, "-m", "nncalc", *args, *(["-o", str(out)] if out else [])]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def worked_command(name: str) -> str | None:
    """backprop where the problem has one, else forward; None without samples written out."""
    for command in ("backprop", "forward"):
        if nncalc(command, name, "--format", "json").returncode == 0:
            return command
    return None


def shown_numbers(name: str, command: str) -> list[str]:
    """Numbers the documents must show: E_total and the first gradient (E_total alone for a network
    past the size rule, which is written layer by layer; the last out without targets), 9 decimals;
    none for a computational graph (its values are written as the file gives them)."""
    from nncalc.bundled import open_problem
    from nncalc.graph import is_graph_problem
    from nncalc.render.common import too_large

    values = json.loads(nncalc(command, name, "--format", "json").stdout)["values"]
    problem = open_problem(name)
    large = not is_graph_problem(problem) and too_large(problem)     # written per layer: no gradient shown
    keys = [k for k in values if k == "E.total"][:1] + [k for k in values if k.startswith("grad.")][:0 if large else 1]
    keys = keys or [k for k in values if k.startswith("out.")][-1:]
    return [f"{abs(values[k]):.9f}" for k in keys]


OVERFULL = re.compile(r"Overfull \\([hv])box \(([\d.]+)pt too (?:wide|high)\)")


def pdflatex(folder: Path, stem: str, source: str, numbers: list[str]) -> tuple[bool, str]:
    """Compile once; the cell: pages, pdflatex seconds, Overfull boxes (an \\hbox: a line wider than
    the page or frame; a \\vbox: a frame taller than the slide) with the worst one's points, and how
    many of the numbers pdftotext's text holds."""
    (folder / f"{stem}.tex").write_text(source, encoding="utf-8")
    start = time.perf_counter()
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{stem}.tex"],
                         cwd=folder, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        return False, f"rc {run.returncode}"
    boxes = [float(pt) for _, pt in OVERFULL.findall((folder / f"{stem}.log").read_text(errors="replace"))]
    text = subprocess.run(["pdftotext", f"{stem}.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout
    pages = len(text.split("\f")) - 1
    found = sum(n in text for n in numbers)
    ok = not boxes and found == len(numbers)
    worst = f" ({max(boxes):.0f}pt)" if boxes else ""
    return ok, (f"{pages}p {seconds:.1f}s ovf {len(boxes)}{worst} num "
                + (f"{found}/{len(numbers)}" if numbers else "-"))


def chromium(folder: Path, stem: str, page: str) -> tuple[bool, str]:
    """Headless Chromium lays the page out; a probe (added to a copy) reads each math element's size."""
    probe = folder / f"{stem}-probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    run = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=300)
    m = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    if not m:
        return False, "no DOM"
    sizes = json.loads(html.unescape(m.group(1)))
    written = len(re.findall(r"<math[ >]", page))
    sized = sum(w > 0 and h > 0 for w, h in sizes)
    return sized == written == len(sizes), f"math {sized}/{written} sized"


def svg_counts(name: str, folder: Path) -> tuple[bool, str]:
    """Circles and weight edges of `nncalc draw NAME -o x.svg` against the network's units and weights."""
    from nncalc.bundled import open_problem
    from nncalc.graph import is_graph_problem
    try:
        from nncalc.pictures.unrolled import steps_drawn
    except ImportError:         # before the unrolled drawing had its own module
        from nncalc.pictures.diagram import steps_drawn

    problem = open_problem(name)
    path = folder / f"{name}.svg"
    run = nncalc("draw", name, out=path)
    if run.returncode != 0:
        return False, "refused: " + run.stderr.strip().split(": ")[-1][:40]
    root = ET.parse(path).getroot()
    if is_graph_problem(problem):
        return True, f"xml ok (graph, {len(root.findall(f'.//{SVG}g'))} g)"
    net = problem.network
    steps = steps_drawn(problem) if net.is_sequence else 1
    sequence = ("recurrent", "lstm")        # each has an initial state and recurrent weights
    initial = sum(len(l.units) for l in net.layers if l.kind in sequence)
    recurrent = sum(l.recurrent_weights.size for l in net.layers if l.kind in sequence)
    units = initial + steps * (len(net.inputs) + sum(len(l.units) for l in net.layers))
    weights = steps * (sum(l.weights.size for l in net.layers) + recurrent)
    circles = len(root.findall(f"{SVG}circle"))
    edges = sum("weight" in (e.get("class") or "").split() for e in root.findall(f"{SVG}line"))
    return circles == units and edges == weights, f"circles {circles}/{units} edges {edges}/{weights}"


def documents(row: Row, args: list[str], stem: str, numbers: list[str], folder: Path,
              tools: dict[str, bool]) -> None:
    """The LaTeX, Beamer and HTML of one command (ARGS + --format F) into the row's cells."""
    for fmt in ("latex", "beamer", "html"):
        run = nncalc(*args, "--format", fmt)
        if run.returncode > (1 if args[0] == "check" else 0):      # check: 1 = not all correct
            ok, cell = False, f"rc {run.returncode}"
        elif fmt == "html":
            ok, cell = chromium(folder, stem, run.stdout) if tools["chromium"] else (True, "-")
        else:
            ok, cell = pdflatex(folder, f"{stem}-{fmt}", run.stdout, numbers) if tools["pdflatex"] else (True, "-")
        setattr(row, fmt, cell)
        row.failed |= not ok


def measure(name: str, tools: dict[str, bool]) -> Row:
    row = Row(name)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ok, row.svg = svg_counts(name, folder)
        row.failed |= not ok
        command = worked_command(name)
        if command is not None:
            row.command = command
            documents(row, [command, name, "--explain"], name, shown_numbers(name, command), folder, tools)
    return row


# The other two commands with documents, on the NNBasic deck's network: the README's answers of
# Kim (one wrong share, 0.032896479 expected) and two training updates.
KIM = """problem: nnbasic
student: Kim
answers:
  out_h1: 0.613962657
  dE_total/dw5: 0.084155041
  dE_o1/dout_h1: 0.027128970
  dE_total/dout_h1: 0.008724794
"""


def other_commands(tools: dict[str, bool]) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "kim.yaml").write_text(KIM, encoding="utf-8")
        for label, args, numbers in (
                ("check --explain (Kim)", ["check", str(folder / "kim.yaml"), "--explain"], ["0.032896479"]),
                ("train --steps 2 --explain", ["train", "nnbasic", "--steps", "2", "--explain"], ["0.084155041"])):
            row = Row(label, command=args[0])
            documents(row, args, args[0], numbers, folder, tools)
            rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="bundled problems (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    from nncalc.bundled import bundled_problems

    names = args.names or sorted(bundled_problems())
    tools = {"pdflatex": bool(shutil.which("pdflatex") and shutil.which("pdftotext")),
             "chromium": bool(shutil.which("chromium"))}
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda n: measure(n, tools), names))
    if not args.names:
        rows += other_commands(tools)
    print(f"{'problem':26} {'run':9} {'latex':30} {'beamer':30} {'html':18} svg")
    for r in rows:
        print(f"{r.name:26} {r.command:9} {r.latex:30} {r.beamer:30} {r.html:18} {r.svg}"
              + ("  FAIL" if r.failed else ""))
    worked = sum(r.command in ("forward", "backprop") for r in rows)
    print(f"{len(rows)} rows, {worked} worked examples; {sum(r.failed for r in rows)} failing a bar")
    return 1 if any(r.failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
