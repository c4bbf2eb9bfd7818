"""The pictures as PNG files for slides, drawn with matplotlib (the optional extra 'plot'),
imported only here and only when a PNG is asked for; each file is written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png_bytes(fig: Any, dpi: int = 100) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    _pyplot().close(fig)
    return buffer.getvalue()


MAX_PIXELS = 2400          # a large network's PNG is scaled to at most this many pixels a side


def network_png(diagram: Any) -> bytes:
    """A network diagram as PNG bytes: the SVG's layout (units in columns, a line per weight, a
    dashed line per bias term, a square bias node, an LSTM's gate boxes and flow lines), drawn by
    matplotlib."""
    from .svg import MARGIN, label_places, layout

    place, width, height = layout(diagram)
    plt = _pyplot()
    fig = plt.figure(figsize=(width / 100, height / 100))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    ax.text(MARGIN, MARGIN - 20, diagram.title, fontsize=11, va="bottom")
    _edges(ax, diagram, place)
    for label, x, y in label_places(diagram, place):
        ax.text(x, y, label, fontsize=7, ha="center", va="bottom", zorder=3)
    _nodes(ax, diagram, place)
    return _png_bytes(fig, dpi=max(48, min(150, int(MAX_PIXELS * 100 / max(width, height)))))


_COLOURS = {"weight": "#555", "bias": "#999", "flow": "#36c"}


def _edges(ax: Any, diagram: Any, place: dict) -> None:
    """A line collection per kind and sign (MNIST has 79,510 lines), each cell path as an arc."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as Curve

    from .diagram import LABELLED_EDGES, is_cell_path
    from .svg import CELL_BEND

    large = len(diagram.edges) > 4 * LABELLED_EDGES
    for kind, style in (("weight", "-"), ("bias", "--"), ("flow", "-")):
        for negative in (False, True):
            segments = [((place[e.src][0] + place[e.src][2], place[e.src][1]),
                         (place[e.dst][0] - place[e.dst][2], place[e.dst][1]))
                        for e in diagram.edges if e.kind == kind and (e.value < 0) == negative and not is_cell_path(e)]
            ax.add_collection(LineCollection(segments, colors="#c33" if negative else _COLOURS[kind], linestyles=style,
                                             zorder=1, linewidths=0.2 if large else 0.8, antialiaseds=not large))
    for e in filter(is_cell_path, diagram.edges):
        (x1, y1, r1), (x2, y2, r2) = place[e.src], place[e.dst]
        bend = ((x1 + x2) / 2, (y1 + y2) / 2 - 2 * CELL_BEND)
        ax.add_patch(PathPatch(Curve([(x1 + r1, y1), bend, (x2 - r2, y2)], [Curve.MOVETO, Curve.CURVE3, Curve.CURVE3]),
                               facecolor="none", edgecolor=_COLOURS["flow"], linewidth=0.8, zorder=1))


def _nodes(ax: Any, diagram: Any, place: dict) -> None:
    """Circles with their lines, gate boxes, bias squares; a large layer's units as one scatter."""
    from matplotlib.patches import Circle, Rectangle

    from .svg import GATE_HEIGHT

    small = [place[n.id] for n in diagram.nodes if n.shape == "unit" and not n.lines]
    if small:
        ax.scatter([x for x, _, _ in small], [y for _, y, _ in small], s=4, facecolors="white", edgecolors="#222",
                   linewidths=0.5, zorder=2)
    for node in diagram.nodes:
        x, y, r = place[node.id]
        if node.shape == "gate":
            h = GATE_HEIGHT if node.lines else 2 * r
            ax.add_patch(Rectangle((x - r, y - h / 2), 2 * r, h, facecolor="#eef3fb", edgecolor="#36c", zorder=2))
            if node.lines:
                ax.text(x, y, " ".join(node.lines), fontsize=7, ha="center", va="center", zorder=3)
        elif node.shape == "bias":
            ax.add_patch(Rectangle((x - 12, y - 12), 24, 24, facecolor="#eee", edgecolor="#222", zorder=2))
            for i, line in enumerate(node.lines):
                ax.text(x, y + 28 + 12 * i, line, fontsize=7, ha="center", va="center", zorder=3)
        elif node.lines:
            ax.add_patch(Circle((x, y), r, facecolor="white", edgecolor="#222", linewidth=1.2, zorder=2))
            ax.text(x, y, node.lines[0], fontsize=8, ha="center", va="center", weight="bold", zorder=3)
            for i, line in enumerate(node.lines[1:]):
                ax.text(x, y + r + 10 + 12 * i, line, fontsize=7, ha="center", va="center", zorder=3)


def _save(fig: Any, path: str | Path) -> None:
    from ..fileio import atomic_open

    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    fig.clf()
    _pyplot().close(fig)


def sweep_png(path: str | Path, s: Any) -> None:
    """The error curve with the file's point, or the loss map's contours with it (and the path)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    if len(s.axes) == 1:
        a = s.axes[0]
        ax.plot(a.values, s.values)
        ax.plot([a.at], [s.at], "o", label=f"the file's {a.name}")
        ax.set_xlabel(a.name)
        ax.set_ylabel(s.of)
    else:
        x, y = s.axes
        filled = ax.contourf(x.values, y.values, s.values.T, levels=20)
        ax.contour(x.values, y.values, s.values.T, levels=20, colors="k", linewidths=0.3)
        fig.colorbar(filled, ax=ax, label=s.of)
        if s.path is not None:
            ax.plot(s.path[:, 0], s.path[:, 1], "w.-",
                    label=f"nncalc train, {s.descent.updates} updates (every parameter; drawn at {x.name}, {y.name})")
        ax.plot([x.at], [y.at], "ro", label="the file's point")
        ax.set_xlabel(x.name)
        ax.set_ylabel(y.name)
    ax.set_title(f"{s.of}: {s.problem.name}", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, path)


def gradients_png(path: str | Path, report: Any) -> None:
    """Mean |delta| and the norm of dE/dW by layer, on a log scale; a sequence problem's recurrent
    layers |delta_h[t]| against t instead."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    if report.steps:
        for g in report.steps:
            ax.semilogy(range(1, len(g.delta) + 1), g.delta, "o-", markersize=3, label=f"|delta| of layer {g.layer}")
        ax.set_xlabel("time step t")
        ax.set_title(f"|delta_h[t]| through time: {report.problem.name}", fontsize=9)
        ax.legend(fontsize=8)
        _save(fig, path)
        return
    layers = [g.layer for g in report.layers]
    ax.semilogy(layers, [g.delta[0] for g in report.layers], "o-", label="mean |delta|")
    ax.semilogy(layers, [g.grad_w[2] for g in report.layers], "s-", label="|dE/dW|")
    ax.set_xlabel("layer (1 = first hidden, last = output)")
    ax.set_xticks(layers)
    ax.set_title(f"gradient sizes: {report.problem.name}", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, path)


def activations_png(path: str | Path, c: Any) -> None:
    """The activation functions, and beside them their derivatives where asked."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2 if c.derivatives else 1, figsize=(10 if c.derivatives else 5.5, 4),
                             squeeze=False)
    for ax, curves, title in zip(axes[0], (c.functions, c.derivatives), ("out = f(net)", "dout/dnet")):
        for name, ys in curves:
            ax.plot(c.xs, ys, label=name)
        ax.axhline(0, color="k", linewidth=0.5)
        ax.axvline(0, color="k", linewidth=0.5)
        ax.set_xlabel("net")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8)
    _save(fig, path)
