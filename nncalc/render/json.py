"""JSON: every named value at full float64 precision, and how each was computed."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from ..errors import ComputeError

if TYPE_CHECKING:
    from ..trace import Trace


def trace_dict(trace: Trace) -> dict[str, Any]:
    """{"problem", "values": {name: number}, "graph": {name: {"op", "inputs"}}, ...}."""
    from ..graph import is_graph

    if is_graph(trace):
        from ..graph.render import trace_dict as graph_dict

        return graph_dict(trace)
    p = trace.problem
    steps = {} if p.lengths is None else {"steps": p.lengths.tolist()}     # each sequence's length
    return {
        "problem": p.name,
        "source": p.source,
        "loss": p.loss,
        "learning_rate": p.learning_rate,
        "samples": p.n_samples,
        **steps,
        "values": trace.values(),
        "graph": {q.name: {"kind": q.kind, "op": q.op, "inputs": list(q.inputs)}
                  for q in trace.quantities.values() if q.op != "leaf"},
    }


def to_json(data: Any) -> str:
    """Indented JSON; floats keep every digit (Python's repr round-trips float64). JSON has no
    NaN or Infinity, so a value that is not finite is a ComputeError naming it: the output is always
    valid JSON, or none is written."""
    try:
        return json.dumps(data, indent=2, allow_nan=False)
    except ValueError:
        found = _not_finite(data, "")
        if found is None:
            raise
        where, value = found
        raise ComputeError(f"{where} = {value}: JSON has no number for it (no NaN or Infinity is written), "
                           "so nothing was written", where=None) from None


def _not_finite(data: Any, where: str) -> tuple[str, float] | None:
    """The first value that is not a finite number, and its place ('values.net.h1', 'rows[3].loss')."""
    if isinstance(data, float):
        return None if math.isfinite(data) else (where or "a value", data)
    if isinstance(data, dict):
        items = ((f"{where}.{k}" if where else str(k), v) for k, v in data.items())
    elif isinstance(data, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(data))
    else:
        return None
    for place, value in items:
        found = _not_finite(value, place)
        if found is not None:
            return found
    return None
