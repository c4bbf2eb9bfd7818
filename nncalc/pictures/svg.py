"""A network diagram as a standalone SVG file, written in pure Python (no Graphviz): units as
circles in columns, one line per weight, a square bias node under each column."""

from __future__ import annotations

from html import escape

from .diagram import Diagram, Node

COLUMN_GAP = 240
ROW_GAP = 90           # between labelled units; unlabelled (large) layers pack their units closer
SMALL_GAP = 8
RADIUS = 30
SMALL_RADIUS = 3
MARGIN = 60


def layout(diagram: Diagram) -> tuple[dict[str, tuple[float, float, float]], float, float]:
    """Each node's centre and radius, and the picture's width and height."""
    gaps = [ROW_GAP if any(n.lines for n in column) else SMALL_GAP for column in diagram.columns]
    heights = [gap * max(len(column) - 1, 0) for column, gap in zip(diagram.columns, gaps)]
    tallest = max(heights, default=0)
    place = {}
    for c, (column, gap) in enumerate(zip(diagram.columns, gaps)):
        top = MARGIN + 30 + (tallest - heights[c]) / 2
        radius = RADIUS if gap == ROW_GAP else SMALL_RADIUS
        for r, node in enumerate(column):
            place[node.id] = (MARGIN + c * COLUMN_GAP, top + r * gap, radius)
    width = 2 * MARGIN + COLUMN_GAP * max(len(diagram.columns) - 1, 0)
    return place, width, tallest + 2 * MARGIN + 60


def network_svg(diagram: Diagram) -> str:
    """The SVG text: a <circle> per unit, a <line class="weight"> per weight, a <line class="bias">
    per bias term, labels as <text>."""
    place, width, height = layout(diagram)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="11">',
           f'<title>{escape(diagram.title)}</title>',
           '<style>.weight{stroke:#555}.bias{stroke:#999;stroke-dasharray:4 3}.neg{stroke:#c33}'
           'circle{fill:#fff;stroke:#222;stroke-width:1.5}rect{fill:#eee;stroke:#222}</style>',
           f'<text x="{MARGIN}" y="{MARGIN - 20}" font-size="14">{escape(diagram.title)}</text>']
    for e in diagram.edges:
        (x1, y1, r1), (x2, y2, r2) = place[e.src], place[e.dst]
        cls = e.kind + (" neg" if e.value < 0 else "")
        out.append(f'<line class="{cls}" x1="{x1 + r1:.1f}" y1="{y1:.1f}" x2="{x2 - r2:.1f}" y2="{y2:.1f}"/>')
    for e in diagram.edges:
        if e.label:
            (x1, y1, r1), (x2, y2, _) = place[e.src], place[e.dst]
            t = 0.3                   # near the source, as the decks write w1 by the input it leaves
            x, y = x1 + r1 + t * (x2 - x1 - r1), y1 + t * (y2 - y1)
            out.append(f'<text class="label" x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle">{escape(e.label)}</text>')
    for node in diagram.nodes:
        out.extend(_node(node, *place[node.id]))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _node(node: Node, x: float, y: float, r: float) -> list[str]:
    if node.shape == "bias":
        shape = f'<rect class="bias-node" x="{x - 12:.1f}" y="{y - 12:.1f}" width="24" height="24"/>'
        texts = [f'<text x="{x:.1f}" y="{y + 28:.1f}" text-anchor="middle">{escape(line)}</text>'
                 for line in node.lines]
        return [shape, *texts]
    shape = f'<circle class="unit" cx="{x:.1f}" cy="{y:.1f}" r="{r}"><title>{escape(node.id[2:])}</title></circle>'
    if not node.lines:
        return [shape]
    texts = [f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-weight="bold">{escape(node.lines[0])}</text>']
    texts += [f'<text x="{x:.1f}" y="{y + r + 13 + 12 * i:.1f}" text-anchor="middle">{escape(line)}</text>'
              for i, line in enumerate(node.lines[1:])]
    return [shape, *texts]
