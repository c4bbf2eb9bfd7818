"""HTML: the worked example's tables as HTML tables, for notebooks (`_repr_html_`) and `--format html`."""

from __future__ import annotations

from html import escape
from typing import Any, Sequence

from ..trace import Trace
from .common import Tab, header_lines, source_line
from .document import (Block, Document, Formulas, Heading, Items, Listing, Para, Steps, Table, check_document,
                       worked_document)
from .mathtext import Step


def html_table(tab: Tab, prose: frozenset[int] = frozenset()) -> str:
    """A Tab as an HTML table with its title as the caption; numbers right-aligned, `prose`
    columns wrapped."""
    def cells(tag: str, row: list[str]) -> str:
        return "".join(f'<{tag} style="text-align:{"right" if i >= tab.numeric_from else "left"}'
                       f'{";white-space:normal" if i in prose else ""}">{escape(c)}</{tag}>' for i, c in enumerate(row))

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


PAGE_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;line-height:1.45;color:#111;background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.2rem 0 .4rem}h3{font-size:1rem;margin:1rem 0 .3rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.6rem 0}
table.nncalc{border-collapse:collapse;font-variant-numeric:tabular-nums}
table.nncalc caption{padding:.2rem 0}
table.nncalc th,table.nncalc td{padding:.15rem .6rem;border-bottom:1px solid #ddd;white-space:nowrap}
table.nncalc thead th{border-bottom:2px solid #333}
math[display=block]{overflow-x:auto;overflow-y:hidden;max-width:100%;margin:.5rem 0;padding:.1rem 0}
mtd{text-align:left;padding:.1rem 0}mtd.lhs{text-align:right}
p.note{margin:.1rem 0 .6rem 1.5rem;color:#444;font-size:.95rem}
@media (max-width:40rem){main{padding:.6rem}body{font-size:15px}}
@media (prefers-color-scheme:dark){body{background:#111;color:#eee}table.nncalc th,table.nncalc td{border-color:#444}p.note{color:#bbb}}"""


def math_block(step: Step) -> str:
    """An equation as a block MathML element: lhs = part, then one '= part' a row, aligned; each
    part the MathML of its LaTeX (an operation's formula its own notation, as in the PDF)."""
    from .mathtext import mathml, part_mathml

    rows = []
    for i, part in enumerate(step.parts):
        lhs = mathml(step.text) if i == 0 else ""
        rows.append(f'<mtr><mtd class="lhs">{lhs}</mtd><mtd><mo>=</mo>{part_mathml(step, part)}</mtd></mtr>')
    of = f' data-of="{escape(step.of)}"' if step.of else ""
    return f'<math display="block"{of}><mtable>{"".join(rows)}</mtable></math>'


def steps_html(steps: Sequence[Step]) -> list[str]:
    """A derivation: headings, prose and each equation as MathML (browsers draw it natively)."""
    from .mathtext import is_math, mathml

    parts = []
    for step in steps:
        if step.kind == "heading":
            parts.append(f"<h3>{escape(step.text)}</h3>")
        elif step.kind == "prose":
            parts.append(f"<p>{escape(step.text)}</p>")
        else:
            parts.append(math_block(step))
            if step.note:
                note = f"<math>{mathml(step.note)}</math>" if is_math(step.note) else escape(step.note)
                parts.append(f'<p class="note">({note})</p>')
    return parts


def derivation_html(trace: Trace, decimals: int = 9) -> str:
    """The derivation under its heading."""
    from .mathtext import derivation_steps

    return "\n".join(["<h2>Derivation</h2>", *steps_html(derivation_steps(trace, decimals))])


def _inline(text: str, math: bool) -> str:
    from .mathtext import is_math, mathml

    return f"<math>{mathml(text)}</math>" if math or is_math(text) else escape(text)


def html_blocks(blocks: Sequence[Block]) -> list[str]:
    """Blocks as HTML: headings, paragraphs, tables (scrolling sideways on a phone), derivations as MathML."""
    parts: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            text = _inline(b.text, True) if b.math else escape(b.text)
            parts.append(f"<h{b.level}>{text}</h{b.level}>")
        elif isinstance(b, Para):
            parts.append(f"<p><i>{escape(b.text)}</i></p>" if b.emph else f"<p>{escape(b.text)}</p>")
        elif isinstance(b, Formulas):
            parts.append("<p>" + "<br>".join(_inline(line, True) for line in b.lines) + "</p>")
        elif isinstance(b, Table):
            parts.append(f'<div class="scroll">{html_table(b.tab, b.prose)}</div>')
        elif isinstance(b, Steps):
            parts.extend(steps_html(b.steps))
        elif isinstance(b, Listing):
            parts.append("<pre>" + escape("\n".join(b.lines)) + "</pre>")
        else:
            rows = "".join(f"<li>{_inline(math, False)}" + (f" (<code>{escape(code)}</code>)" if code else "") + "</li>"
                           for math, code in b.items)
            parts.append(f"<ol>{rows}</ol>")
    return parts


def page(title: str, parts: Sequence[str]) -> str:
    """One self-contained page (no script, nothing fetched), laid out for a phone as for a desk."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>\n{PAGE_CSS}\n</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(parts) + "\n</main>\n</body>\n</html>\n")


def html_document(doc: Document) -> str:
    """Any document as one self-contained page."""
    return page(doc.title, html_blocks(doc.blocks))


def html_page(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """The worked example as one self-contained page: the tables as HTML tables and, with
    `explain`, the derivation as MathML."""
    return html_document(worked_document(trace, decimals, explain))


def check_html(report: Any, style: Any) -> str:
    """A check report as a page: the verdicts and, with --explain, each wrong answer in MathML."""
    return html_document(check_document(report, style.decimals))
