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
    """One node: shape 'unit' (a circle), 'bias' (a square), 'value' (a record) or 'op'."""

    id: str
    lines: tuple[str, ...]
    shape: str
    column: int = 0


@dataclass(frozen=True)
class Edge:
    """An edge from `src` to `dst`; kind 'weight', 'bias' or 'flow' (a graph's data flow)."""

    src: str
    dst: str
    label: str = ""
    kind: str = "flow"
    value: float = 0.0


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
        return unrolled_diagram(drawing, decimals)
    first = None if trace is None else 0       # the values of sample 1 are shown on the units
    columns = [[Node(f"u:{name}", _unit_lines(name, None, None if first is None else trace.fwd.outs[0][0, i],
                                              decimals, len(network.inputs)), "unit", 0)
                for i, name in enumerate(network.inputs)]]
    edges: list[Edge] = []
    below = network.inputs
    for li, layer in enumerate(network.layers):
        net = None if trace is None else trace.fwd.nets[li][0]
        out = None if trace is None else trace.fwd.outs[li + 1][0]
        column = [Node(f"u:{u}", _unit_lines(u, None if net is None else net[j], None if out is None else out[j],
                                             decimals, len(layer.units)), "unit", li + 1)
                  for j, u in enumerate(layer.units)]
        W = _shown(layer.weights, trace, show, li, "weights")
        label = layer.weights.size <= LABELLED_EDGES
        prefix = "" if show == "out" else show + "."
        for j, u in enumerate(layer.units):
            for i, a in enumerate(below):
                text = f"{prefix}{layer.weight_names[j][i]} = {fmt(W[j, i], decimals)}" if label else ""
                edges.append(Edge(f"u:{a}", f"u:{u}", text, "weight", float(W[j, i])))
        if layer.bias is not None:
            b = _shown(layer.bias, trace, show, li, "bias")
            bias_id = f"b:{li}"
            shared = layer.bias_shared
            head = (f"{prefix}{layer.bias_names[0]} = {fmt(b[0], decimals)}",) if shared else ("+1",)
            columns[li].append(Node(bias_id, head, "bias", li))     # under the column it adds to
            for j, u in enumerate(layer.units):
                text = "" if shared or not label else f"{prefix}{layer.bias_names[j]} = {fmt(b[j], decimals)}"
                edges.append(Edge(bias_id, f"u:{u}", text, "bias", float(b[j])))
        columns.append(column)
        below = layer.units
    return Diagram(_title(problem, show), columns, edges)


UNROLLED_STEPS = 3          # steps drawn of a sequence network whose file has no samples


def steps_drawn(problem: Any) -> int:
    """The steps an unrolled drawing shows: sample 1's length, or UNROLLED_STEPS without samples."""
    if problem.inputs is None:
        return UNROLLED_STEPS
    lengths = getattr(problem, "lengths", None)
    return int(lengths[0]) if lengths is not None else int(problem.inputs.shape[1])


def _parameter(layer: Any, name: str, trace: Any, show: str, li: int) -> tuple[np.ndarray, Any] | None:
    """A layer's parameter `name` (weights, recurrent_weights, bias) as shown, with its entry names."""
    found = [(k, p) for k, p in enumerate(layer.parameters()) if p.name == name]
    if not found:
        return None
    k, p = found[0]
    values = np.asarray(p.array)
    if show != "out":
        grad = np.asarray(trace.bwd.grads[li][k])
        if show == "grad":
            values = grad
        else:
            from ..engine import descent_step

            values = descent_step(values, trace.problem.learning_rate, grad)
    return values, p.names


def unrolled_diagram(drawing: Drawing, decimals: int) -> Diagram:
    """A sequence network unrolled over time, as the AI-study deck draws an RNN: the initial states
    h[0] first, then for each step t the inputs x[t] and every layer's units at t in columns; an
    edge per weight of W from the layer below at the same step and of W_h from the unit's own
    layer at t - 1, and a bias node per layer and step. The weights are the same at every step,
    so each is labelled where it first appears."""
    problem, trace, show = drawing.problem, drawing.trace, drawing.show
    network = problem.network
    if any(layer.kind not in ("dense", "recurrent") for layer in network.layers):
        from ..errors import UsageError

        kinds = sorted({layer.kind for layer in network.layers} - {"dense", "recurrent"})
        raise UsageError(f"draw: a network with {', '.join(kinds)} layers is not drawn yet (their gates); "
                         "dense and recurrent layers are, unrolled over time", file=problem.source)
    T = steps_drawn(problem)
    fwd = None if trace is None else trace.fwd
    prefix = "" if show == "out" else show + "."
    columns: list[list[Node]] = []
    edges: list[Edge] = []
    labelled: set[str] = set()

    def label(name: str, value: float, big: bool) -> str:
        if big or name in labelled:
            return ""
        labelled.add(name)
        return f"{prefix}{name} = {fmt(value, decimals)}"

    def unit(name: str, t: int, net: Any, out: Any, j: int, size: int) -> Node:
        return Node(f"u:{name}[{t}]", _unit_lines(f"{name}[{t}]", None if net is None else net[j],
                                                 None if out is None else out[j], decimals, size), "unit", len(columns))

    initial = [unit(u, 0, None, layer.h0, j, len(layer.units)) for layer in network.layers if layer.kind == "recurrent"
               for j, u in enumerate(layer.units)]
    if initial:
        columns.append(initial)
    for t in range(1, T + 1):
        x = None if fwd is None else fwd.outs[0][0, t - 1]
        columns.append([unit(name, t, None, x, i, len(network.inputs)) for i, name in enumerate(network.inputs)])
        below = network.inputs
        for li, layer in enumerate(network.layers):
            net = None if fwd is None else fwd.nets[li][0, t - 1]
            out = None if fwd is None else fwd.outs[li + 1][0, t - 1]
            W, names = _parameter(layer, "weights", trace, show, li)
            big = W.size > LABELLED_EDGES
            for j, u in enumerate(layer.units):
                for i, a in enumerate(below):
                    edges.append(Edge(f"u:{a}[{t}]", f"u:{u}[{t}]", label(names[j][i], W[j, i], big), "weight",
                                      float(W[j, i])))
            recurrent = _parameter(layer, "recurrent_weights", trace, show, li)
            if recurrent is not None:
                Wh, names_h = recurrent
                for j, u in enumerate(layer.units):
                    for i, v in enumerate(layer.units):
                        edges.append(Edge(f"u:{v}[{t - 1}]", f"u:{u}[{t}]", label(names_h[j][i], Wh[j, i], big),
                                          "weight", float(Wh[j, i])))
            bias = _parameter(layer, "bias", trace, show, li)
            if bias is not None and layer.bias is not None:
                b, bias_names = bias
                bias_id = f"b:{li}:{t}"
                head = ((label(bias_names[0], b[0], False) or f"{bias_names[0]}",) if layer.bias_shared else ("+1",))
                columns[-1].append(Node(bias_id, head, "bias", len(columns) - 1))
                for j, u in enumerate(layer.units):
                    text = "" if layer.bias_shared else label(bias_names[j], b[j], big)
                    edges.append(Edge(bias_id, f"u:{u}[{t}]", text, "bias", float(b[j])))
            columns.append([unit(u, t, net, out, j, len(layer.units)) for j, u in enumerate(layer.units)])
            below = layer.units
    return Diagram(_title(problem, show) + f", unrolled over {T} step{'s' if T != 1 else ''}", columns, edges)


def _shown(values: np.ndarray, trace: Any, show: str, li: int, which: str) -> np.ndarray:
    """A layer's weights or bias, their gradients, or their new values."""
    if show == "out":
        return values
    layer = trace.problem.network.layers[li]
    grad = dict(zip((prm.name for prm in layer.parameters()), trace.bwd.grads[li]))[which]
    if show == "grad":
        return grad
    from ..engine import descent_step

    return descent_step(values, trace.problem.learning_rate, grad)


def _unit_lines(name: str, net: float | None, out: float | None, decimals: int, size: int) -> tuple[str, ...]:
    if size > LABELLED_UNITS:
        return ()
    lines = [name]
    if net is not None:
        lines.append(f"net {fmt(net, decimals)}")
    if out is not None:
        lines.append(f"out {fmt(out, decimals)}")
    return tuple(lines)


def _title(problem: Any, show: str) -> str:
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
