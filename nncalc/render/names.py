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

PLAIN_ABOVE = 5_000     # rows; Rich lays out a table of 700,000 rows (deep-10x100 with samples) for minutes


def names_table(trace: Trace, style) -> Any:
    """The table of names, split to fit the width (the name column repeated); above PLAIN_ABOVE
    rows, plain aligned text (one row a line, not split), which prints in a second."""
    from rich.console import Group
    from rich.text import Text

    from .common import rich_table

    tab = names_tab(trace, style.decimals)
    if len(tab.rows) > PLAIN_ABOVE:
        return plain_table(tab)
    parts: list[Any] = []
    for part in tab.split(style.width):
        parts += [Text(part.title, style="bold"), rich_table(part)]
    return Group(*parts)


def plain_table(tab: Tab) -> str:
    """A Tab as plain text: the title, the header, a rule and one line a row, columns aligned."""
    from .common import aligned_lines

    lines = aligned_lines(tab.columns, tab.rows, left=range(tab.numeric_from), rule=True)
    return "\n".join([tab.title, *lines]) + "\n"


def names_json(trace: Trace, style) -> str:
    from .json import to_json

    return to_json(names_dict(trace))


def names_markdown(trace: Trace, style) -> str:
    from .common import markdown_table

    return markdown_table(names_tab(trace, style.decimals)) + "\n"
