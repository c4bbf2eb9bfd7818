"""Markdown for a report: the same tables as the terminal, as GitHub pipe tables, and with
`explain` the derivation in a fenced block (its '=' signs stay aligned in any Markdown viewer)."""

from __future__ import annotations

from ..trace import Trace
from .common import header_lines, markdown_table, source_line

DERIVATION_WIDTH = 100     # the derivation's lines are wrapped here, as in a printed page


def markdown(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """The worked example as Markdown: a heading, the tables, and optionally the derivation."""
    from .table import tabs

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    parts = [f"## {name}"] + ([cited] if cited else []) + [about]
    for part in tabs(trace, decimals, unicode=True):
        parts.append(part if isinstance(part, str) else markdown_table(part))
    if explain:
        from .explain import explain_lines

        lines = explain_lines(trace, decimals, unicode=True, width=DERIVATION_WIDTH, header=False)
        while lines and not lines[0]:
            lines.pop(0)
        parts.append("**Derivation**\n\n```text\n" + "\n".join(lines) + "\n```")
    return "\n\n".join(parts) + "\n"
