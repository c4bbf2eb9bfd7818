"""Evaluating a graph and backpropagating through it, node by node in topological order.

Pure and iterative: no recursion (a chain of 10,000 nodes is a loop of 10,000 steps), no printing.
Values are Python floats (IEEE float64, as NumPy's); every operation comes from the OPS table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

from ..errors import ComputeError
from .model import Graph
from .ops import OPS
from .parse import Arg, Node


@dataclass(frozen=True)
class Backward:
    """grads: ∂loss/∂X for every leaf and node (0 off the output's paths); local: ∂c/∂X for every
    node c the output depends on and each distinct named argument X (repeated slots summed)."""

    grads: dict[str, float]
    local: dict[tuple[str, str], float]
    reached: frozenset[str]          # the output and everything it is computed from


def written(n: Node) -> str:
    """'f_2 = log(s)': a node as an equation of names."""
    return f"{n.name} = {OPS[n.op].write([_text(a) for a in n.args]).replace('·', '*')}"


def _text(a: Arg) -> str:
    return a if isinstance(a, str) else (repr(int(a)) if a.is_integer() and abs(a) < 1e15 else repr(a))


def _where(n: Node, args: list[float]) -> str:
    shown = ", ".join(f"{a} = {x:.9g}" for a, x in zip(n.args, args) if isinstance(a, str))
    return f" ({shown})" if shown else ""


def _fail(n: Node, what: str, args: list[float]) -> ComputeError:
    return ComputeError(f"node {written(n)}: {what}{_where(n, args)}", where=f"graph[{n.statement}]")


def node_value(n: Node, args: list[float]) -> float:
    """One node's value from its arguments' values; a ComputeError names the node and the values."""
    op = OPS[n.op]
    problem = op.domain(args) if op.domain else None
    if problem:
        raise _fail(n, problem, args)
    try:
        value = op.value(*args)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise _fail(n, "the value overflows float64", args)
    return value


def node_partials(n: Node, args: list[float], out: float) -> dict[str, float]:
    """∂node/∂X for each distinct named argument X (slots holding the same name added)."""
    partials = OPS[n.op].partials(args, out)
    found: dict[str, float] = {}
    for a, p in zip(n.args, partials):
        if isinstance(a, str):
            if not math.isfinite(p):
                raise _fail(n, f"the local derivative with respect to {a} is not finite ({p})", args)
            found[a] = found.get(a, 0.0) + p
    return found


def _args(n: Node, value_of: Callable[[str], float]) -> list[float]:
    return [value_of(a) if isinstance(a, str) else a for a in n.args]


def forward(graph: Graph, values: Mapping[str, float]) -> dict[str, float]:
    """The value of every leaf and node (leaves as given, nodes in order)."""
    out = dict(values)
    for n in graph.nodes:
        out[n.name] = node_value(n, [out[a] if isinstance(a, str) else a for a in n.args])
    return out


def backward(graph: Graph, values: Mapping[str, float], output: str, seed: float = 1.0) -> Backward:
    """∂loss/∂X for every leaf and node by the chain rule, from `seed` = ∂loss/∂output down, each node's
    gradient passed to its arguments once it is complete (reverse topological order)."""
    reached = graph.ancestors(output)
    grads = dict.fromkeys((*graph.leaves, *graph.node), 0.0)
    grads[output] = seed
    local: dict[tuple[str, str], float] = {}
    for n in reversed(graph.nodes):
        if n.name not in reached:
            continue
        g = grads[n.name]
        for a, p in node_partials(n, _args(n, values.__getitem__), values[n.name]).items():
            local[(n.name, a)] = p
            grads[a] += g * p
    for name in reached:
        if not math.isfinite(grads[name]):
            raise ComputeError(f"the gradient with respect to {name} overflows float64")
    return Backward(grads, local, reached)
