"""JSON: every named value at full float64 precision, and how each was computed."""

from __future__ import annotations

import json
from typing import Any

from ..trace import Trace


def trace_dict(trace: Trace) -> dict[str, Any]:
    """{"problem", "values": {name: number}, "graph": {name: {"op", "inputs"}}, ...}."""
    from ..graph import is_graph

    if is_graph(trace):
        from ..graph.render import trace_dict as graph_dict

        return graph_dict(trace)
    p = trace.problem
    return {
        "problem": p.name,
        "source": p.source,
        "loss": p.loss,
        "learning_rate": p.learning_rate,
        "samples": p.n_samples,
        "values": trace.values(),
        "graph": {q.name: {"kind": q.kind, "op": q.op, "inputs": list(q.inputs)}
                  for q in trace.quantities.values() if q.op != "leaf"},
    }


def to_json(data: dict[str, Any]) -> str:
    """Indented JSON; floats keep every digit (Python's repr round-trips float64)."""
    return json.dumps(data, indent=2, allow_nan=False)
