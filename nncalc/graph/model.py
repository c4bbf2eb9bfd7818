"""A computational graph and a graph problem: plain frozen dataclasses, validated by graph.load."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import ProblemError
from .ops import OPS
from .parse import Node

DEFAULT_UPSTREAM_LOSS = "L"     # what the gradients are of when the problem gives an upstream gradient


class NotANetwork(ProblemError, AttributeError):
    """A network's attribute asked of a graph problem."""


@dataclass(frozen=True, eq=False)
class Graph:
    """Leaves (named inputs, in order of first use) and nodes in the order they are computed."""

    leaves: tuple[str, ...]
    nodes: tuple[Node, ...]
    statements: tuple[str, ...]             # the assignments as written

    @cached_property
    def node(self) -> Mapping[str, Node]:
        """Node by name."""
        return MappingProxyType({n.name: n for n in self.nodes})

    @cached_property
    def consumers(self) -> Mapping[str, tuple[str, ...]]:
        """For every leaf and node, the nodes that take it as an argument (in computing order, once each)."""
        found: dict[str, dict[str, None]] = {name: {} for name in (*self.leaves, *self.node)}
        for n in self.nodes:
            for a in n.args:
                if isinstance(a, str):
                    found[a][n.name] = None
        return MappingProxyType({name: tuple(c) for name, c in found.items()})

    def names(self, n: Node) -> tuple[str, ...]:
        """The distinct named arguments of a node, in argument order."""
        return tuple(dict.fromkeys(a for a in n.args if isinstance(a, str)))

    def ancestors(self, output: str) -> frozenset[str]:
        """The output and every leaf and node it is computed from."""
        seen, stack = {output}, [output]
        while stack:
            n = self.node.get(stack.pop())
            for a in () if n is None else self.names(n):
                if a not in seen:
                    seen.add(a)
                    stack.append(a)
        return frozenset(seen)

    @property
    def operations(self) -> dict[str, int]:
        """How many nodes each operation has, in the table's order."""
        counts = {name: 0 for name in OPS}
        for n in self.nodes:
            counts[n.op] += 1
        return {name: c for name, c in counts.items() if c}


@dataclass(frozen=True, eq=False)
class GraphProblem:
    """A validated graph problem: the graph, every leaf's value, the output and what a step updates."""

    name: str
    graph: Graph
    values: Mapping[str, float]
    output: str
    parameters: tuple[str, ...] = ()
    learning_rate: float = 0.1
    upstream: float | None = None           # dL/d(output) when the graph is part of a larger one
    source: str | None = None
    answers: dict | None = None
    doc: Any = field(default=None, repr=False)
    lines: tuple[int | None, ...] = ()      # the YAML line of each assignment
    learning_rate_given: bool = False
    vary: Any = None                        # `vary:` (nncalc.vary.Vary): what each variant draws anew
    ask: Any = None                         # `ask:` (nncalc.vary.Ask): what every student must give
    variant: str | None = None              # `variant:` the id of a variant written by `nncalc variants`
    # What every problem has; a graph has no samples
    inputs: None = None
    targets: None = None

    @property
    def n_samples(self) -> int:
        return 0

    @property
    def loss_name(self) -> str:
        """The name the gradients are of: the output, or L when an upstream gradient dL/d(output) is given."""
        return self.output if self.upstream is None else DEFAULT_UPSTREAM_LOSS

    @property
    def seed(self) -> float:
        """The gradient the backward pass starts from at the output."""
        return 1.0 if self.upstream is None else self.upstream

    def __getattr__(self, name: str):
        """A network's attribute (network, settings, inputs, ...): a command that needs a network says in
        one line that this is a graph, never with a traceback (getattr with a default still works)."""
        if name.startswith("__"):
            raise AttributeError(name)
        raise NotANetwork("this is a computational graph (graph:), not a network; graph problems work with "
                          "forward, backprop, check, summary and grad", file=self.source)

    def line_of(self, statement: int) -> int | None:
        return self.lines[statement] if statement < len(self.lines) else None

