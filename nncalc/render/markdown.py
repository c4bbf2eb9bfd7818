"""Markdown tables and derivation (placeholder; see issue 2)."""

from __future__ import annotations

from ..trace import Trace


def markdown(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    return "\n".join(f"| {q.name} | {q.value} |" for q in trace.quantities.values())
