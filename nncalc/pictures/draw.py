"""The `drawing` formats of the registry: a network or a computational graph as SVG, DOT or Mermaid."""

from __future__ import annotations

from typing import Any

from .diagram import Drawing, diagram

SUFFIXES = {".svg": "svg", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid", ".png": "png"}


def drawing_svg(drawing: Drawing, style: Any) -> str:
    """A network in pure Python; a computational graph through Graphviz's dot (its layout needs it)."""
    from ..graph import is_graph_problem
    from .graphviz import dot_text, svg_through_dot
    from .svg import network_svg

    d = diagram(drawing, style.decimals)
    return svg_through_dot(dot_text(d)) if is_graph_problem(drawing.problem) else network_svg(d)


def drawing_png(drawing: Drawing, style: Any) -> bytes:
    """PNG bytes, for slides: a network drawn by matplotlib (the extra 'plot'), a computational
    graph by Graphviz's dot."""
    from ..graph import is_graph_problem
    from .graphviz import dot_text, through_dot

    d = diagram(drawing, style.decimals)
    if is_graph_problem(drawing.problem):
        return through_dot(dot_text(d), "png")
    from ..render.plot import require_matplotlib
    from .png import network_png

    require_matplotlib("a PNG drawing")
    return network_png(d)


def drawing_dot(drawing: Drawing, style: Any) -> str:
    from .graphviz import dot_text

    return dot_text(diagram(drawing, style.decimals))


def drawing_mermaid(drawing: Drawing, style: Any) -> str:
    from .mermaid import mermaid_text

    return mermaid_text(diagram(drawing, style.decimals))


def drawing_of(problem: Any, show: str) -> Drawing:
    """The drawing of a problem: a graph's values and gradients; a network's weights with its first
    sample's net and out when it has samples, and the gradients or new weights when `show` asks."""
    from ..worked import trace_of
    from ..errors import UsageError
    from ..graph import is_graph_problem

    if is_graph_problem(problem):
        if show != "out":
            raise UsageError("--show grad|new draws a network's edges; a computational graph's drawing "
                             "shows every value's gradient already", file=problem.source)
        return Drawing(problem, trace_of(problem, True), show)
    if show == "out":
        trace = trace_of(problem, False, named=False) if problem.n_samples else None
        return Drawing(problem, trace, show)
    return Drawing(problem, trace_of(problem, True, named=False), show)
