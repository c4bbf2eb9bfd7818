"""The formats a worked example (a trace) can be written in: one entry per format.

Each renderer takes (trace, decimals, explain, width) and returns text, or a Rich renderable that
the caller prints or lays out as plain text. `nncalc forward/backprop --format` and the API's
`Result.to_<format>()` both read this table."""

from __future__ import annotations

from typing import Any, Callable

from ..trace import Trace


def _table(trace: Trace, decimals: int, explain: bool, width: int | None) -> Any:
    if explain:
        from .explain import explain_text

        return explain_text(trace, decimals, unicode=True, width=width)
    from .table import view

    return view(trace, decimals, unicode=True, width=width)


def _json(trace: Trace, decimals: int, explain: bool, width: int | None) -> str:
    from .json import to_json, trace_dict

    data = trace_dict(trace)
    if explain:
        from .explain import explain_lines

        data["explain"] = explain_lines(trace, decimals, unicode=True)
    return to_json(data)


def _markdown(trace: Trace, decimals: int, explain: bool, width: int | None) -> str:
    from .markdown import markdown

    return markdown(trace, decimals, explain=explain)


def _html(trace: Trace, decimals: int, explain: bool, width: int | None) -> str:
    from .html import html

    return html(trace, decimals, explain=explain)


TRACE_FORMATS: dict[str, Callable[[Trace, int, bool, int | None], Any]] = {
    "table": _table,
    "json": _json,
    "markdown": _markdown,
    "html": _html,
}
