"""`nncalc names`: every named quantity of a trace with the slides' spelling of it and its value."""

from __future__ import annotations

from typing import Any

from ..trace import Trace
from .common import Symbols, Tab, fmt, slide_name


def names_tab(trace: Trace, decimals: int = 9) -> Tab:
    """One row per quantity: the canonical name, the slides' spelling (Unicode, then as typed) and the value."""
    uni, ascii_ = Symbols.for_unicode(True), Symbols.for_unicode(False)
    tab = Tab(f"Named quantities of {trace.problem.name}", ["name", "slides", "typed", "value"], numeric_from=3)
    for q in trace.quantities.values():
        tab.add(q.name, slide_name(q.name, uni), slide_name(q.name, ascii_), fmt(q.value, decimals))
    return tab


def names_dict(trace: Trace) -> dict[str, Any]:
    """{"problem", "names": [{"name", "slides", "typed", "kind", "value"}, ...]} for --format json."""
    uni, ascii_ = Symbols.for_unicode(True), Symbols.for_unicode(False)
    return {"problem": trace.problem.name,
            "names": [{"name": q.name, "slides": slide_name(q.name, uni), "typed": slide_name(q.name, ascii_),
                       "kind": q.kind, "value": q.value} for q in trace.quantities.values()]}


# ---------------------------------------------------------------- the registry's renderers (subject "names")

def names_table(trace: Trace, style) -> Any:
    """The table of names, split to fit the width (the name column repeated)."""
    from rich.console import Group
    from rich.text import Text

    from .common import rich_table

    parts: list[Any] = []
    for part in names_tab(trace, style.decimals).split(style.width):
        parts += [Text(part.title, style="bold"), rich_table(part)]
    return Group(*parts)


def names_json(trace: Trace, style) -> str:
    from .json import to_json

    return to_json(names_dict(trace))


def names_markdown(trace: Trace, style) -> str:
    from .common import markdown_table

    return markdown_table(names_tab(trace, style.decimals)) + "\n"
