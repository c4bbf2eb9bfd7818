"""Computational graphs: any expression, every node's value and gradient, the chain rule written out.

A problem file with `graph:` instead of `network:` (see docs/graphs.md) loads into a GraphProblem;
`build_graph_trace` evaluates and backpropagates it into the same kind of trace a network gives.

The tests below cost nothing for a network problem: no graph module is imported until a graph is
loaded (a GraphProblem or GraphTrace cannot exist before its module is), and the names are imported
on first use.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

_EXPORTS = {"Graph": "model", "GraphProblem": "model", "GraphTrace": "trace", "build_graph_trace": "trace",
            "graph_problem_from_doc": "load", "graph_problem_from_text": "load"}


def is_graph_doc(data: Any) -> bool:
    """A problem file's data that describes a computational graph (`graph:`, no `network:`)."""
    return isinstance(data, dict) and "graph" in data and "network" not in data


def is_graph_problem(problem: Any) -> bool:
    """Whether a loaded problem is a computational graph (else a network)."""
    model = sys.modules.get(f"{__name__}.model")
    return model is not None and isinstance(problem, model.GraphProblem)


def is_graph(trace: Any) -> bool:
    """Whether a trace is a computational graph's (else a network's)."""
    module = sys.modules.get(f"{__name__}.trace")
    return module is not None and isinstance(trace, module.GraphTrace)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Graph", "GraphProblem", "GraphTrace", "build_graph_trace", "graph_problem_from_doc",
           "graph_problem_from_text", "is_graph", "is_graph_doc", "is_graph_problem"]
