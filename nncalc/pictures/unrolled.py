"""A sequence network unrolled over time, as the AI-study deck draws an RNN: the initial states
h[0] first, then for each step t the inputs x[t] and every layer's units at t in columns. A
recurrent unit is one circle per step; an LSTM unit is one circle per step (its out h and its cell)
with its four gates i, f, g, o as gate nodes beside it, so that every weight is still one edge:
W's entries from the layer below at t to the gates at t, W_h's from the layer's units at t - 1.
The weights are the same at every step, so each is labelled where it first appears."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..layers.lstm import GATES
from ..render.common import fmt
from .diagram import (LABELLED_EDGES, LABELLED_UNITS, Diagram, Drawing, Edge, Node, shown_parameter, title,
                      unit_lines)

UNROLLED_STEPS = 3          # steps drawn of a sequence network whose file has no samples
MAX_DRAWN_STEPS = 8         # a longer sample is drawn over its first steps only (the title says so)
LABELLED_FAN = 16           # a bias node's edges are labelled up to this many (they leave one point)


def steps_drawn(problem: Any) -> int:
    """The steps an unrolled drawing shows: sample 1's length up to MAX_DRAWN_STEPS, or
    UNROLLED_STEPS without samples."""
    if problem.inputs is None:
        return UNROLLED_STEPS
    return min(_length(problem), MAX_DRAWN_STEPS)


def _length(problem: Any) -> int:
    lengths = getattr(problem, "lengths", None)
    return int(lengths[0]) if lengths is not None else int(problem.inputs.shape[1])


def _over(problem: Any, T: int) -> str:
    """The title's end: how many steps are drawn, and of how many."""
    steps = f"{T} step{'s' if T != 1 else ''}"
    if problem.inputs is None:
        return f", unrolled over the first {steps} (no samples written out)"
    if T < _length(problem):
        return f", unrolled over the first {steps} of {_length(problem)}"
    return f", unrolled over {steps}"


@dataclass
class _Unrolling:
    """The diagram as it is built, column by column, with the weights labelled so far."""

    drawing: Drawing
    decimals: int
    columns: list[list[Node]] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    labelled: set[str] = field(default_factory=set)

    @property
    def fwd(self) -> Any:
        return None if self.drawing.trace is None else self.drawing.trace.fwd

    def label(self, name: str, value: float, big: bool) -> str:
        """The edge's label where the weight first appears; '' after that, and in large matrices."""
        if big or name in self.labelled:
            return ""
        self.labelled.add(name)
        prefix = "" if self.drawing.show == "out" else self.drawing.show + "."
        return f"{prefix}{name} = {fmt(value, self.decimals)}"

    def unit(self, name: str, t: int, net: Any, out: Any, j: int, size: int, cell: Any = None) -> Node:
        lines = unit_lines(f"{name}[{t}]", None if net is None else net[j], None if out is None else out[j],
                           self.decimals, size)
        if lines and cell is not None:
            lines += (f"cell {fmt(cell[j], self.decimals)}",)
        return Node(f"u:{name}[{t}]", lines, "unit", len(self.columns))

    def matrix(self, values: np.ndarray, names: Any, sources: list[str], targets: list[str],
               at: list[float] | None = None) -> None:
        """One weight edge per entry: row r from every source to targets[r], labelled at[r] along it."""
        big = values.size > LABELLED_EDGES
        for r, dst in enumerate(targets):
            for c, src in enumerate(sources):
                self.edges.append(Edge(src, dst, self.label(names[r][c], values[r, c], big), "weight",
                                       float(values[r, c]), *([] if at is None else [at[r]])))

    def bias(self, li: int, layer: Any, t: int, targets: list[str], at: list[float] | None = None) -> None:
        """A bias node under the column below (its +1, or the one shared bias), an edge per entry."""
        found = shown_parameter(layer, "bias", self.drawing.trace, self.drawing.show, li)
        if found is None or layer.bias is None:
            return
        b, names = found
        bias_id = f"b:{li}:{t}"
        head = (self.label(names[0], b[0], False) or f"{names[0]}",) if layer.bias_shared else ("+1",)
        self.columns[-1].append(Node(bias_id, head, "bias", len(self.columns) - 1))
        big = b.size > LABELLED_FAN
        for r, dst in enumerate(targets):
            text = "" if layer.bias_shared else self.label(names[r], b[r], big)
            self.edges.append(Edge(bias_id, dst, text, "bias", float(b[r]), *([] if at is None else [at[r]])))

    def initial(self) -> None:
        """h[0] of every recurrent and LSTM layer (and an LSTM's c[0]), given numbers."""
        column = []
        for layer in self.drawing.problem.network.layers:
            if layer.kind == "recurrent":
                column += [self.unit(u, 0, None, layer.h0, j, len(layer.units)) for j, u in enumerate(layer.units)]
            elif layer.kind == "lstm":
                h0, c0 = layer.initial()
                column += [self.unit(u, 0, None, h0, j, len(layer.units), c0) for j, u in enumerate(layer.units)]
        if column:
            self.columns.append(column)

    def step(self, t: int) -> None:
        """The inputs x[t], then every layer at step t."""
        network, fwd = self.drawing.problem.network, self.fwd
        x = None if fwd is None else fwd.outs[0][0, t - 1]
        self.columns.append([self.unit(name, t, None, x, i, len(network.inputs))
                             for i, name in enumerate(network.inputs)])
        below = [f"u:{a}[{t}]" for a in network.inputs]
        for li, layer in enumerate(network.layers):
            (self.lstm if layer.kind == "lstm" else self.layer)(li, layer, t, below)
            below = [f"u:{u}[{t}]" for u in layer.units]

    def layer(self, li: int, layer: Any, t: int, below: list[str]) -> None:
        """A dense or recurrent layer at step t: W from below, W_h from its own units at t - 1."""
        trace, show, fwd = self.drawing.trace, self.drawing.show, self.fwd
        units = [f"u:{u}[{t}]" for u in layer.units]
        self.matrix(*shown_parameter(layer, "weights", trace, show, li), below, units)
        recurrent = shown_parameter(layer, "recurrent_weights", trace, show, li)
        if recurrent is not None:
            self.matrix(*recurrent, [f"u:{v}[{t - 1}]" for v in layer.units], units)
        self.bias(li, layer, t, units)
        net = None if fwd is None else fwd.nets[li][0, t - 1]
        out = None if fwd is None else fwd.outs[li + 1][0, t - 1]
        self.columns.append([self.unit(u, t, net, out, j, len(layer.units)) for j, u in enumerate(layer.units)])

    def lstm(self, li: int, layer: Any, t: int, below: list[str]) -> None:
        """An LSTM layer at step t: a column of gates (i, f, g, o beside each unit) that W, W_h and the
        bias feed, then the units, each fed by its gates and by its own cell at t - 1 (flow edges)."""
        trace, show, fwd = self.drawing.trace, self.drawing.show, self.fwd
        u_n = len(layer.units)
        rows = [f"g:{gate}.{u}[{t}]" for gate in GATES for u in layer.units]        # PyTorch's row order
        gate_of = [r // u_n for r in range(len(rows))]       # each gate's labels at their own place along
        along = [0.12 + 0.17 * q for q in gate_of]            # the edges (W_h's span a step, twice as long)
        self.matrix(*shown_parameter(layer, "weights", trace, show, li), below, rows, along)
        self.matrix(*shown_parameter(layer, "recurrent_weights", trace, show, li),
                    [f"u:{v}[{t - 1}]" for v in layer.units], rows, [0.05 + 0.09 * q for q in gate_of])
        self.bias(li, layer, t, rows, along)
        cell = None if fwd is None else fwd.caches[li].cell
        gates = []
        for j, u in enumerate(layer.units):
            for q, gate in enumerate(GATES):
                lines: tuple[str, ...] = ()
                if u_n <= LABELLED_UNITS:
                    lines = (gate,) if cell is None else (gate, fmt(cell.gates[t - 1, 0, q * u_n + j], self.decimals))
                gates.append(Node(f"g:{gate}.{u}[{t}]", lines, "gate", len(self.columns)))
                self.edges.append(Edge(f"g:{gate}.{u}[{t}]", f"u:{u}[{t}]"))
            self.edges.append(Edge(f"u:{u}[{t - 1}]", f"u:{u}[{t}]"))               # the cell path c[t-1] -> c[t]
        self.columns.append(gates)
        out = None if fwd is None else fwd.outs[li + 1][0, t - 1]
        c = None if cell is None else cell.cells[t, 0]
        self.columns.append([self.unit(u, t, None, out, j, u_n, c) for j, u in enumerate(layer.units)])


def unrolled_diagram(drawing: Drawing, decimals: int) -> Diagram:
    """The network over steps 1..steps_drawn(problem), after the initial states."""
    problem = drawing.problem
    T = steps_drawn(problem)
    build = _Unrolling(drawing, decimals)
    build.initial()
    for t in range(1, T + 1):
        build.step(t)
    return Diagram(title(problem, drawing.show) + _over(problem, T), build.columns, build.edges)
