"""A problem as a diagram: nodes and labelled edges, the one model the SVG, DOT and Mermaid
writers draw. A network is drawn as the decks draw it (layers in columns, units as circles with
net and out, weights on the edges, a bias node under each column); a computational graph as
micrograd's draw_dot draws it (a node per value with its data and gradient, an operation node
between a value and its arguments)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..render.common import fmt

SHOWS = ("out", "grad", "new")           # what the edges carry: the weights, their gradients, the new weights
LABELLED_UNITS = 16                      # larger layers are drawn without per-unit labels
LABELLED_EDGES = 64                      # larger weight matrices are drawn without per-edge labels


@dataclass(frozen=True)
class Drawing:
    """What `nncalc draw` draws: the problem, its trace (None for a network without samples) and
    what the edges show."""

    problem: Any
    trace: Any = None
    show: str = "out"


@dataclass(frozen=True)
class Node:
    """One node: shape 'unit' (a circle), 'bias' (a square), 'gate' (an LSTM gate: a small labelled
    box), 'value' (a record) or 'op'."""

    id: str
    lines: tuple[str, ...]
    shape: str
    column: int = 0


@dataclass(frozen=True)
class Edge:
    """An edge from `src` to `dst`; kind 'weight', 'bias' or 'flow' (a graph's data flow; an LSTM's
    gate -> unit and cell c[t-1] -> c[t]: no weight on it)."""

    src: str
    dst: str
    label: str = ""
    kind: str = "flow"
    value: float = 0.0
    at: float = 0.3            # where along the edge its label sits: near the source, as the decks write w1


def is_cell_path(edge: Edge) -> bool:
    """An LSTM unit's cell path c[t-1] -> c[t]: a flow edge from a unit to a unit."""
    return edge.kind == "flow" and edge.src.startswith("u:") and edge.dst.startswith("u:")


def is_lstm_flow(edge: Edge) -> bool:
    """A flow edge of an LSTM (gate -> unit, or the cell path), drawn apart from the weights."""
    return edge.kind == "flow" and (edge.src.startswith("g:") or is_cell_path(edge))


@dataclass
class Diagram:
    """Nodes in columns (a network's layers; one column for a graph) and the edges between them."""

    title: str
    columns: list[list[Node]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    direction: str = "LR"

    @property
    def nodes(self) -> list[Node]:
        return [n for column in self.columns for n in column]


def diagram(drawing: Drawing, decimals: int) -> Diagram:
    """The diagram of a network or of a computational graph."""
    from ..graph import is_graph_problem

    if is_graph_problem(drawing.problem):
        return graph_diagram(drawing.trace, decimals)
    return network_diagram(drawing, decimals)


# ---------------------------------------------------------------- networks

def network_diagram(drawing: Drawing, decimals: int) -> Diagram:
    """Inputs, then each layer, in columns; one edge per weight labelled with what `show` asks for."""
    problem, trace, show = drawing.problem, drawing.trace, drawing.show
    network = problem.network
    if getattr(network, "is_sequence", False):
        from .unrolled import unrolled_diagram

        return unrolled_diagram(drawing, decimals)
    first = None if trace is None else 0       # the values of sample 1 are shown on the units
    columns = [[Node(f"u:{name}", unit_lines(name, None, None if first is None else trace.fwd.outs[0][0, i],
                                              decimals, len(network.inputs)), "unit", 0)
                for i, name in enumerate(network.inputs)]]
    edges: list[Edge] = []
    below = network.inputs
    for li, layer in enumerate(network.layers):
        net = None if trace is None else trace.fwd.nets[li][0]
        out = None if trace is None else trace.fwd.outs[li + 1][0]
        column = [Node(f"u:{u}", unit_lines(u, None if net is None else net[j], None if out is None else out[j],
                                             decimals, len(layer.units)), "unit", li + 1)
                  for j, u in enumerate(layer.units)]
        W = shown_parameter(layer, "weights", trace, show, li)[0]
        label = layer.weights.size <= LABELLED_EDGES
        prefix = "" if show == "out" else show + "."
        for j, u in enumerate(layer.units):
            for i, a in enumerate(below):
                text = f"{prefix}{layer.weight_names[j][i]} = {fmt(W[j, i], decimals)}" if label else ""
                edges.append(Edge(f"u:{a}", f"u:{u}", text, "weight", float(W[j, i])))
        if layer.bias is not None:
            b = shown_parameter(layer, "bias", trace, show, li)[0]
            bias_id = f"b:{li}"
            shared = layer.bias_shared
            head = (f"{prefix}{layer.bias_names[0]} = {fmt(b[0], decimals)}",) if shared else ("+1",)
            columns[li].append(Node(bias_id, head, "bias", li))     # under the column it adds to
            for j, u in enumerate(layer.units):
                text = "" if shared or not label else f"{prefix}{layer.bias_names[j]} = {fmt(b[j], decimals)}"
                edges.append(Edge(bias_id, f"u:{u}", text, "bias", float(b[j])))
        columns.append(column)
        below = layer.units
    return Diagram(title(problem, show), columns, edges)


def shown_parameter(layer: Any, name: str, trace: Any, show: str, li: int) -> tuple[np.ndarray, Any] | None:
    """A layer's parameter `name` (weights, recurrent_weights, bias) as `show` asks: its values, its
    gradients or its new values, with its entries' names; None where the layer has none."""
    found = [(k, p) for k, p in enumerate(layer.parameters()) if p.name == name]
    if not found:
        return None
    k, p = found[0]
    values = np.asarray(p.array)
    if show == "out":
        return values, p.names
    grad = np.asarray(trace.bwd.grads[li][k])
    if show == "grad":
        return grad, p.names
    from ..engine import descent_step

    return descent_step(values, trace.problem.learning_rate, grad), p.names


def unit_lines(name: str, net: float | None, out: float | None, decimals: int, size: int) -> tuple[str, ...]:
    """A unit's name, net and out as drawn; nothing for a layer too large to label."""
    if size > LABELLED_UNITS:
        return ()
    lines = [name]
    if net is not None:
        lines.append(f"net {fmt(net, decimals)}")
    if out is not None:
        lines.append(f"out {fmt(out, decimals)}")
    return tuple(lines)


def title(problem: Any, show: str) -> str:
    """The drawing's title: the problem and what its edges show."""
    what = {"out": "weights", "grad": "gradients dE/dw", "new": "weights after one step"}[show]
    return f"{problem.name}: {what}"


# ---------------------------------------------------------------- computational graphs

def graph_diagram(trace: Any, decimals: int) -> Diagram:
    """micrograd's draw_dot: each value (leaf, constant, node) with its data and gradient, and an
    operation node between each node and its arguments."""
    from ..graph.trace import grad_name

    problem = trace.problem
    graph = trace.graph
    values, ops, edges = [], [], []

    def value_node(name: str) -> Node:
        lines = [name, f"data {fmt(trace[name].value, decimals)}"]
        g = grad_name(problem, name)
        if g in trace:
            lines.append(f"grad {fmt(trace[g].value, decimals)}")
        return Node(f"v:{name}", tuple(lines), "value")

    for leaf in graph.leaves:
        values.append(value_node(leaf))
    for n in graph.nodes:
        values.append(value_node(n.name))
        op_id = f"o:{n.name}"
        ops.append(Node(op_id, (n.op,), "op"))
        edges.append(Edge(op_id, f"v:{n.name}"))
        for k, arg in enumerate(n.args):
            if isinstance(arg, str):
                edges.append(Edge(f"v:{arg}", op_id))
            else:
                const = f"c:{n.name}:{k}"
                values.append(Node(const, (fmt(arg, decimals),), "value"))
                edges.append(Edge(const, op_id))
    return Diagram(f"{problem.name}: values and gradients", [values + ops], edges)
