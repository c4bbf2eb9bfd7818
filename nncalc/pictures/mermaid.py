"""A diagram as a Mermaid flowchart (Mermaid renders in GitHub and JupyterLab Markdown)."""

from __future__ import annotations

import json

from .diagram import Diagram, is_lstm_flow

_SHAPES = {"unit": ('(("', '"))'), "bias": ('["', '"]'), "gate": ('{{"', '"}}'), "value": ('["', '"]'),
           "op": ('(["', '"])')}


def _text(line: str) -> str:
    """Mermaid label text: its entity codes for the characters that end or break a label."""
    return (line.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;"))


def mermaid_text(diagram: Diagram) -> str:
    """`flowchart LR` with one node per unit or value, short ids (n1, n2, ...) and labelled edges (bias
    edges dotted, an LSTM's flow edges thick); the title in the front matter as a double-quoted YAML
    string (a ': ' in it would end a plain one)."""
    ids = {n.id: f"n{i}" for i, n in enumerate(diagram.nodes, 1)}
    out = [f"---\ntitle: {json.dumps(diagram.title, ensure_ascii=False)}\n---",       # a YAML string
           f"flowchart {diagram.direction}"]
    for n in diagram.nodes:
        left, right = _SHAPES[n.shape]
        label = "<br/>".join(_text(line) for line in n.lines) or " "
        out.append(f"  {ids[n.id]}{left}{label}{right}")
    for e in diagram.edges:
        arrow = "-.->" if e.kind == "bias" else "==>" if is_lstm_flow(e) else "-->"
        label = f'|"{_text(e.label)}"|' if e.label else ""
        out.append(f"  {ids[e.src]} {arrow}{label} {ids[e.dst]}")
    return "\n".join(out) + "\n"
