"""Known mistakes on computational graphs, in the form of nncalc.mistakes' table (steps redone).

Each redoes one kind of step from its inputs as a student who made the mistake would; the rest of
the computation follows through the trace's own graph, as for networks.
"""

from __future__ import annotations

from ..mistakes import Mistake
from ..trace import Quantity, Trace
from .trace import GRAD, LOCAL, SEED

MAX_PATHS = 4


def _pairs(q: Quantity) -> list[tuple[str, str]]:
    return list(zip(q.inputs[0::2], q.inputs[1::2]))


def _one_use(j: int) -> Mistake:
    """A gradient from only one of the nodes that use the variable (the paths not added)."""

    def applies(t: Trace, q: Quantity) -> bool:
        return q.kind == GRAD and len(_pairs(q)) > 1 and j < len(_pairs(q))

    def redo(t: Trace, q: Quantity, v) -> float:
        upstream, local = _pairs(q)[j]
        return v(upstream) * v(local)

    def detail(t: Trace, q: Quantity) -> str:
        return f"only the path through {t.local_of[_pairs(q)[j][1]][0]}"

    return Mistake(f"graph-one-path-{j + 1}", "the paths through the other nodes not added",
                   applies=applies, redo=redo, detail=detail)


def _local_op(t: Trace, q: Quantity) -> tuple[str, int] | None:
    """The operation of the node a local derivative belongs to, and the argument's slot."""
    if q.kind != LOCAL:
        return None
    node, arg = t.local_of[q.name]
    n = t.problem.graph.node[node]
    return n.op, n.args.index(arg)


def _dropped_minus(t: Trace, q: Quantity) -> bool:
    return _local_op(t, q) == ("sub", 1)


def _power_factor(t: Trace, q: Quantity) -> bool:
    op = _local_op(t, q)
    if op != ("pow", 0):
        return False
    exponent = t.problem.graph.node[t.local_of[q.name][0]].args[1]
    return isinstance(exponent, float) and exponent not in (0.0, 1.0)


def _power_redo(t: Trace, q: Quantity, v) -> float:
    n = t.problem.graph.node[t.local_of[q.name][0]]
    return v(n.args[0]) ** (n.args[1] - 1)


GRAPH_MISTAKES: tuple[Mistake, ...] = (
    Mistake("graph-no-upstream", "the upstream gradient left out (taken as 1)",
            applies=lambda t, q: q.kind == SEED and t.problem.upstream not in (None, 1.0),
            redo=lambda t, q, v: 1.0),
    Mistake("graph-sub-sign", "the minus sign of a subtraction's second argument dropped",
            applies=_dropped_minus, redo=lambda t, q, v: 1.0),
    Mistake("graph-power-factor", "the power rule's factor n left out (s^(n-1) for s^n)",
            applies=_power_factor, redo=_power_redo),
    Mistake("graph-step-sign", "the gradient added instead of subtracted",
            applies=lambda t, q: q.kind == "new", redo=lambda t, q, v: v(q.inputs[0]) + v(q.inputs[1]) * v(q.inputs[2])),
) + tuple(_one_use(j) for j in range(MAX_PATHS))


def graph_mistakes(problem) -> list[Mistake]:
    """The table for a graph problem (the same for every graph)."""
    return list(GRAPH_MISTAKES)
