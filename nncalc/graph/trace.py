"""A graph problem's trace: the same record as a network's (`nncalc.trace.Trace` of `Quantity`s),
so the renderers, the checker and `--format json` read both.

Names (the contract, see docs/graphs.md): each leaf and node by its own name (`x`, `yhat`, `s`, `L`,
generated `f_1`); `dL/dX` for the gradient of the loss L (the output, or the loss beyond the graph
when `upstream:` is given) with respect to every leaf and node X, `dL/dL` (or `dL/dz`) being the seed;
`dc/dX` for the local derivative of node c with respect to its argument X (`ds/dyhat`), written
`local.dL/dX` for the output's own where `dL/dX` already names a gradient; `eta` and `new.P` for a
gradient step on each parameter P.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..trace import Quantity, Trace
from .engine import Backward, backward, forward, node_partials, node_value
from .model import GraphProblem
from .parse import Node

# Quantity kinds of a graph trace (the network's kinds `param`, `rate` and `new` keep their meaning)
LEAF, NODE, SEED, LOCAL, GRAD = "input", "node", "upstream", "local", "grad"


@dataclass
class GraphTrace(Trace):
    """A Trace whose quantities are a graph's nodes and gradients; `fwd` holds every value by name,
    `bwd` the engine's Backward. `local_of` maps a local derivative's name to (node, argument)."""

    local_of: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def graph(self):
        return self.problem.graph

    def evaluate(self, name: str, value_of: Callable[[str], float]) -> float:
        """Recompute one quantity from its inputs as value_of gives them (the checker's view)."""
        q = self.quantities[name]
        if q.kind == NODE:
            n = self.graph.node[name]
            return node_value(n, _args(n, value_of))
        if q.kind == LOCAL:
            node, arg = self.local_of[name]
            n = self.graph.node[node]
            args = _args(n, value_of)
            return node_partials(n, args, node_value(n, args))[arg]
        return super().evaluate(name, value_of)


def _args(n: Node, value_of: Callable[[str], float]) -> list[float]:
    return [value_of(a) if isinstance(a, str) else a for a in n.args]


def grad_name(problem: GraphProblem, x: str) -> str:
    return f"d{problem.loss_name}/d{x}"


def build_graph_trace(problem: GraphProblem, with_backward: bool = True) -> GraphTrace:
    """Evaluate the graph, backpropagate from the output, and name every value."""
    g = problem.graph
    try:
        values = forward(g, problem.values)
        bwd = backward(g, values, problem.output, problem.seed) if with_backward else None
    except Exception as exc:
        from ..errors import NncalcError
        if isinstance(exc, NncalcError):
            statement = _statement(exc.where)
            if problem.doc is None:          # the one-line form: no file, so name the assignment
                exc.where = f"assignment {statement + 1}" if len(problem.graph.statements) > 1 else None
            raise exc.located(file=problem.source, line=problem.line_of(statement)) from None
        raise
    q: dict[str, Quantity] = {}

    def add(name: str, value: float, kind: str, op: str = "leaf", inputs=(), unit: str | None = None) -> None:
        q[name] = Quantity(name=name, value=float(value), kind=kind, op=op, inputs=tuple(inputs), unit=unit,
                           param=name if kind == "param" else None)

    if problem.parameters:
        add("eta", problem.learning_rate, "rate")
    for leaf in g.leaves:
        add(leaf, values[leaf], "param" if leaf in problem.parameters else LEAF, unit=leaf)
    for n in g.nodes:
        add(n.name, values[n.name], NODE, n.op, g.names(n), unit=n.name)
    trace = GraphTrace(problem, q, values, bwd)
    if bwd is not None:
        _backward(trace, bwd, add)
    return trace


def _statement(where: str | None) -> int:
    if where and where.startswith("graph["):
        return int(where[6:].rstrip("]"))
    return 0


def _backward(trace: GraphTrace, bwd: Backward, add) -> None:
    """Seed, then node by node from the output down: its gradient, then its local derivatives; the
    leaves' gradients last, once every node that uses them is done."""
    p, g = trace.problem, trace.graph

    def local(c: str, x: str) -> str:
        name = f"d{c}/d{x}"
        return f"local.{name}" if c == p.loss_name else name

    def gradient(x: str) -> None:
        terms = [part for c in g.consumers[x] if c in bwd.reached
                 for part in (grad_name(p, c), local(c, x))]
        if x == p.output:
            add(grad_name(p, x), bwd.grads[x], SEED, unit=x)
        else:
            add(grad_name(p, x), bwd.grads[x], GRAD, "sumprod", terms, unit=x)

    for n in reversed(g.nodes):
        gradient(n.name)
        if n.name in bwd.reached:
            for x in g.names(n):
                name = local(n.name, x)
                trace.local_of[name] = (n.name, x)
                add(name, bwd.local[(n.name, x)], LOCAL, "local", g.names(n), unit=n.name)
    for leaf in g.leaves:
        gradient(leaf)
    for prm in p.parameters:
        add(f"new.{prm}", p.values[prm] - p.learning_rate * bwd.grads[prm], "new", "update",
            (prm, "eta", grad_name(p, prm)), unit=prm)
