"""Computational graphs: any expression, every node's value and gradient, the chain rule written out.

A problem file with `graph:` instead of `network:` (see docs/graphs.md) loads into a GraphProblem;
`build_graph_trace` evaluates and backpropagates it into the same kind of trace a network gives.
"""

from .load import graph_problem_from_doc, graph_problem_from_text, is_graph_doc
from .model import Graph, GraphProblem, is_graph_problem
from .trace import GraphTrace, build_graph_trace


def is_graph(trace) -> bool:
    """Whether a trace is a computational graph's (else a network's)."""
    return isinstance(trace, GraphTrace)


__all__ = ["Graph", "GraphProblem", "GraphTrace", "build_graph_trace", "graph_problem_from_doc",
           "graph_problem_from_text", "is_graph", "is_graph_doc", "is_graph_problem"]
