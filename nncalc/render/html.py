"""HTML: the worked example's tables as HTML tables, for notebooks (`_repr_html_`) and `--format html`."""

from __future__ import annotations

from html import escape

from ..trace import Trace
from .common import Tab, header_lines, source_line


def html_table(tab: Tab) -> str:
    """A Tab as an HTML table with its title as the caption; numbers right-aligned."""
    def cells(tag: str, row: list[str]) -> str:
        return "".join(f'<{tag} style="text-align:{"right" if i >= tab.numeric_from else "left"}">'
                       f"{escape(c)}</{tag}>" for i, c in enumerate(row))

    body = "\n".join(f"<tr>{cells('td', row)}</tr>" for row in tab.rows if row is not None)
    return (f'<table class="nncalc">\n<caption style="text-align:left"><b>{escape(tab.title)}</b></caption>\n'
            f"<thead><tr>{cells('th', tab.columns)}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>")


def html(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """The worked example as an HTML fragment: a heading, the description, every table and, with
    `explain`, the derivation as preformatted text."""
    from .table import tabs

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    parts = [f"<h4>{escape(name)}</h4>"] + ([f"<p><i>{escape(cited)}</i></p>"] if cited else []) + [f"<p>{escape(about)}</p>"]
    for part in tabs(trace, decimals, unicode=True):
        parts.append(f"<p>{escape(part)}</p>" if isinstance(part, str) else html_table(part))
    if explain:
        from .explain import explain_lines

        lines = explain_lines(trace, decimals, unicode=True, header=False)
        parts.append("<pre>" + escape("\n".join(lines).strip("\n")) + "</pre>")
    return '<div class="nncalc-result">\n' + "\n".join(parts) + "\n</div>\n"
