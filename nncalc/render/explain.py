"""The chain-rule derivation in the NNBasic deck's notation (placeholder; see issue 2)."""

from __future__ import annotations

from ..trace import Trace


def explain_lines(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[str]:
    return [f"{q.name} = {q.value}" for q in trace.quantities.values()]


def explain_text(trace: Trace, decimals: int = 9, unicode: bool = True) -> str:
    return "\n".join(explain_lines(trace, decimals, unicode))
