"""A network diagram as a standalone SVG file, written in pure Python (no Graphviz): units as
circles in columns, one line per weight, a square bias node under each column, an LSTM's gates as
small labelled boxes beside their unit and its flow edges (gate -> unit, the cell path) in blue."""

from __future__ import annotations

from html import escape

from .diagram import Diagram, Node, is_cell_path

COLUMN_GAP = 240
ROW_GAP = 90           # between labelled units; unlabelled (large) layers pack their units closer
SMALL_GAP = 8
RADIUS = 30
SMALL_RADIUS = 3
MARGIN = 60
GATE_HEIGHT = 18       # a gate's box; four gates take a unit's row, so each sits beside its unit
CHAR_WIDTH = 6.2       # of the 11-point sans-serif text, to size a gate's box to its label
CELL_BEND = 24         # the cell path c[t-1] -> c[t] arcs this far above the straight line


def gate_half_width(node: Node) -> float:
    """Half a gate box's width: its label's, or a dot's for a layer too large to label."""
    return (CHAR_WIDTH * len(" ".join(node.lines)) + 10) / 2 if node.lines else SMALL_RADIUS


def _gap(column: list[Node]) -> float:
    """Between a column's nodes: a unit's row when labelled (a quarter of it for gates)."""
    gap = ROW_GAP if any(n.lines for n in column) else SMALL_GAP
    return gap / 4 if column and all(n.shape == "gate" for n in column) else gap


def layout(diagram: Diagram) -> tuple[dict[str, tuple[float, float, float]], float, float]:
    """Each node's centre and radius (a gate's half width), and the picture's width and height."""
    gaps = [_gap(column) for column in diagram.columns]
    heights = [gap * max(len(column) - 1, 0) for column, gap in zip(diagram.columns, gaps)]
    tallest = max(heights, default=0)
    place = {}
    x = MARGIN
    for c, (column, gap) in enumerate(zip(diagram.columns, gaps)):
        if c:           # a labelled gate column takes the weights of a whole step: room for their labels
            x += COLUMN_GAP * (2 if gap == ROW_GAP / 4 else 1)
        top = MARGIN + 30 + (tallest - heights[c]) / 2
        radius = RADIUS if gap == ROW_GAP else SMALL_RADIUS
        for r, node in enumerate(column):
            half = gate_half_width(node) if node.shape == "gate" else radius
            place[node.id] = (x, top + r * gap, half)
    return place, x + MARGIN, tallest + 2 * MARGIN + 60


LABEL_HEIGHT = 13      # an edge label's box above its baseline (and 2 below)
_CELL = 60             # the grid that finds which boxes may overlap a label


class _Boxes:
    """Rectangles (x0, y0, x1, y1) on a coarse grid, to ask quickly whether a new one overlaps any."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _keys(self, box: tuple[float, float, float, float]):
        x0, y0, x1, y1 = box
        return [(i, j) for i in range(int(x0 // _CELL), int(x1 // _CELL) + 1)
                for j in range(int(y0 // _CELL), int(y1 // _CELL) + 1)]

    def add(self, box: tuple[float, float, float, float]) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

    def hits(self, box: tuple[float, float, float, float]) -> int:
        """How many boxes it overlaps (a box on several cells of the grid counted on each)."""
        x0, y0, x1, y1 = box
        return sum(a0 < x1 and x0 < a1 and b0 < y1 and y0 < b1
                   for key in self._keys(box) for a0, b0, a1, b1 in self.cells.get(key, ()))


def _node_box(node: Node, x: float, y: float, r: float) -> tuple[float, float, float, float]:
    """The room a node and its text take."""
    half = max([r] + [CHAR_WIDTH * len(line) / 2 for line in node.lines[1:]])
    if node.shape == "gate":
        return x - r, y - GATE_HEIGHT / 2, x + r, y + GATE_HEIGHT / 2
    if node.shape == "bias":
        return x - max(12, half), y - 12, x + max(12, half), y + 30 + 12 * max(len(node.lines) - 1, 0)
    return x - half, y - r, x + half, y + r + 12 * max(len(node.lines) - 1, 0) + 4


def label_places(diagram: Diagram, place: dict[str, tuple[float, float, float]]) -> list[tuple[str, float, float]]:
    """Each edge label with its baseline's middle: on its edge at `at`, or moved along the edge to
    the nearest place clear of the nodes and of the labels placed before it (the least crowded one
    where none is clear)."""
    taken = _Boxes()
    for node in diagram.nodes:
        taken.add(_node_box(node, *place[node.id]))
    placed = []
    for e in diagram.edges:
        if not e.label:
            continue
        (x1, y1, r1), (x2, y2, _) = place[e.src], place[e.dst]
        half = CHAR_WIDTH * len(e.label) / 2
        tries = [e.at] + [e.at + sign * 0.03 * k for k in range(1, 30) for sign in (1, -1)]
        spots = [(x1 + r1 + t * (x2 - x1 - r1), y1 + t * (y2 - y1) - 3) for t in tries if 0.02 <= t <= 0.92]
        box = lambda x, y: (x - half, y - LABEL_HEIGHT, x + half, y + 2)       # noqa: E731
        x, y = next((spot for spot in spots if not taken.hits(box(*spot))), None) or \
            min(spots, key=lambda spot: taken.hits(box(*spot)))          # no room: the least crowded
        taken.add(box(x, y))
        placed.append((e.label, x, y))
    return placed


def network_svg(diagram: Diagram) -> str:
    """The SVG text: a <circle> per unit, a <rect class="gate"> per LSTM gate, a <line class="weight">
    per weight, a <line class="bias"> per bias term, a <line class="flow"> per gate -> unit edge and a
    <path class="flow"> per cell path, labels as <text>."""
    place, width, height = layout(diagram)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="11">',
           f'<title>{escape(diagram.title)}</title>',
           '<style>.weight{stroke:#555}.bias{stroke:#999;stroke-dasharray:4 3}.neg{stroke:#c33}'
           '.flow{stroke:#36c;fill:none}circle{fill:#fff;stroke:#222;stroke-width:1.5}rect{fill:#eee;stroke:#222}'
           '.gate{fill:#eef3fb;stroke:#36c}</style>',
           f'<text x="{MARGIN}" y="{MARGIN - 20}" font-size="14">{escape(diagram.title)}</text>']
    for e in diagram.edges:
        (x1, y1, r1), (x2, y2, r2) = place[e.src], place[e.dst]
        cls = e.kind + (" neg" if e.value < 0 else "")
        if is_cell_path(e):                     # arcing over the step between, clear of the weights
            mid = (x1 + x2) / 2
            out.append(f'<path class="flow" d="M{x1 + r1:.1f},{y1:.1f} Q{mid:.1f},{(y1 + y2) / 2 - 2 * CELL_BEND:.1f} '
                       f'{x2 - r2:.1f},{y2:.1f}"/>')
            continue
        out.append(f'<line class="{cls}" x1="{x1 + r1:.1f}" y1="{y1:.1f}" x2="{x2 - r2:.1f}" y2="{y2:.1f}"/>')
    for label, x, y in label_places(diagram, place):
        out.append(f'<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{escape(label)}</text>')
    for node in diagram.nodes:
        out.extend(_node(node, *place[node.id]))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _node(node: Node, x: float, y: float, r: float) -> list[str]:
    if node.shape == "gate":
        h = GATE_HEIGHT if node.lines else 2 * SMALL_RADIUS
        shape = (f'<rect class="gate" x="{x - r:.1f}" y="{y - h / 2:.1f}" width="{2 * r:.1f}" height="{h}" rx="4">'
                 f'<title>{escape(node.id[2:])}</title></rect>')
        text = f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{escape(" ".join(node.lines))}</text>'
        return [shape, text] if node.lines else [shape]
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
