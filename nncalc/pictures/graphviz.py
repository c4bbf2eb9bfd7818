"""A diagram as Graphviz DOT text, and as SVG through Graphviz's `dot` program when it is installed."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import UsageError
from .diagram import Diagram, is_lstm_flow

GRAPHVIZ_MISSING = ("drawing a computational graph as {what} needs Graphviz's `dot` program, which is not "
                    "installed (Debian/Ubuntu: apt install graphviz; macOS: brew install graphviz); "
                    "--format dot or --format mermaid need nothing")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _record(lines: tuple[str, ...]) -> str:
    """A record label, { name | data 1.0 | grad 0.5 }, with DOT's record characters escaped."""
    parts = ["".join("\\" + ch if ch in '{}|<>"\\ ' else ch for ch in line) for line in lines]
    return '"{ ' + " | ".join(parts) + ' }"'


def dot_text(diagram: Diagram) -> str:
    """DOT text: columns as ranks (rankdir LR), units as circles, an LSTM's gates as rounded boxes,
    values as records, ops as ellipses."""
    out = [f"digraph {_quote(diagram.title)} {{", f"  rankdir={diagram.direction};",
           f"  label={_quote(diagram.title)}; labelloc=t;", "  node [fontname=Helvetica, fontsize=10];",
           "  edge [fontname=Helvetica, fontsize=9];"]
    for c, column in enumerate(diagram.columns):
        if len(diagram.columns) > 1:
            out.append(f"  {{ rank=same; {' '.join(_quote(n.id) for n in column if n.shape in ('unit', 'gate'))} }}")
        for n in column:
            if n.shape == "value":
                out.append(f"  {_quote(n.id)} [shape=record, label={_record(n.lines)}];")
            elif n.shape == "op":
                out.append(f"  {_quote(n.id)} [shape=ellipse, label={_quote(n.lines[0])}];")
            elif n.shape == "bias":
                out.append(f"  {_quote(n.id)} [shape=box, label={_quote(chr(10).join(n.lines))}];")
            elif n.shape == "gate":
                out.append(f"  {_quote(n.id)} [shape=box, style=rounded, height=0.2, label={_quote(' '.join(n.lines))}];")
            else:
                label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in n.lines)
                out.append(f'  {_quote(n.id)} [shape=circle, label="{label}"];')
    for e in diagram.edges:
        attrs = [f"label={_quote(e.label)}"] if e.label else []
        if e.kind == "bias":
            attrs.append("style=dashed")
        elif is_lstm_flow(e):
            attrs.append('color="#3366cc"')
        out.append(f"  {_quote(e.src)} -> {_quote(e.dst)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def through_dot(dot: str, what: str = "svg") -> bytes:
    """The picture Graphviz's `dot` draws from DOT text (-Tsvg, -Tpng); a UsageError naming the
    package when it is missing."""
    program = shutil.which("dot")
    if program is None:
        raise UsageError(GRAPHVIZ_MISSING.format(what=what.upper()))
    done = subprocess.run([program, f"-T{what}"], input=dot.encode(), capture_output=True, timeout=60)
    if done.returncode != 0:
        raise UsageError(f"Graphviz's dot failed: {done.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
    return done.stdout


def svg_through_dot(dot: str) -> str:
    """SVG drawn by Graphviz's `dot` from DOT text."""
    return through_dot(dot, "svg").decode()
