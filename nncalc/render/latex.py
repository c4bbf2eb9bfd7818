"""LaTeX: the worked example as a standalone pdfLaTeX document, as a fragment to paste into a
document of one's own (Overleaf), or as Beamer slides whose frames reveal a chain line by line.

The tables are booktabs tables, the derivation `align*` blocks in the deck's notation
(`\\frac{\\partial E_{total}}{\\partial w_{5}}`, `out_{h1}`, `w_{5}^{+}`). The source is ASCII;
every text from a file goes through `latex_text`.
"""

from __future__ import annotations

from ..trace import Trace
from .common import Tab, header_lines, source_line
from .mathtext import Step, derivation_steps, latex_math, latex_text

PACKAGES = ("amsmath", "booktabs", "longtable")
_MATHY = set("_∂·*^=+/σδηΣ()0123456789")


def cell(text: str) -> str:
    """A table cell: math where it reads as math (names, formulas, numbers), else text."""
    if not text:
        return ""
    if any(c in _MATHY for c in text) and not text.replace(" ", "").isalpha():
        return f"${latex_math(text)}$"
    return latex_text(text)


def booktabs(tab: Tab, long: bool = True) -> str:
    """A Tab as a booktabs table (a longtable, which breaks across pages; a tabular for slides)."""
    spec = "".join("r" if i >= tab.numeric_from else "l" for i in range(len(tab.columns)))
    head = " & ".join(cell(c) for c in tab.columns) + r" \\"
    rows = [r"\midrule" if row is None else " & ".join(cell(c) for c in row) + r" \\" for row in tab.rows]
    title = latex_text(tab.title)
    if long:
        return "\n".join([f"\\begin{{longtable}}{{{spec}}}",
                          f"\\multicolumn{{{len(tab.columns)}}}{{l}}{{\\textbf{{{title}}}}} \\\\",
                          r"\toprule", head, r"\midrule", r"\endhead", *rows, r"\bottomrule", r"\end{longtable}"])
    return "\n".join([f"\\textbf{{{title}}}\\\\[2pt]", f"\\begin{{tabular}}{{{spec}}}", r"\toprule", head,
                      r"\midrule", *rows, r"\bottomrule", r"\end{tabular}"])


def _note(step: Step) -> str:
    return f"&&\\text{{({latex_text(step.note)})}}" if step.note else ""


def align_rows(step: Step, reveal: bool = False) -> list[str]:
    """An equation as align* rows: lhs &= part, then one '&= part' a row (as the deck writes a
    chain); reveal: each later row appears on its own slide (\\onslide, which works inside align
    where \\pause does not)."""
    rows = []
    for i, part in enumerate(step.parts):
        lhs = latex_math(step.text) if i == 0 else ""
        rhs = f"= {latex_math(part)}"
        if reveal and i:
            rhs = f"\\onslide<{i + 1}->{{{rhs}}}"
        rows.append(f"{lhs} &{rhs}" + (_note(step) if i == 0 else ""))
    return rows


def derivation(steps: list[Step]) -> list[str]:
    """The derivation as LaTeX: headings as unnumbered subsections, equations in align* blocks."""
    out: list[str] = []
    block: list[str] = []

    def close() -> None:
        if block:
            out.extend([r"\begin{align*}", " \\\\\n".join(block), r"\end{align*}"])
            block.clear()

    for step in steps:
        if step.kind == "eq":
            block.extend(align_rows(step))
            continue
        close()
        text = latex_text(step.text)
        out.append(f"\\subsection*{{{text}}}" if step.kind == "heading" else f"\\par\\noindent {text}\\par")
    close()
    return out


def body(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """The document's body: heading, description, tables and with `explain` the derivation."""
    from .table import tabs

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    parts = [f"\\section*{{{latex_text(name)}}}"]
    if cited:
        parts.append(f"\\emph{{{latex_text(cited)}}}\\par")
    parts.append(latex_text(about) + "\\par")
    for part in tabs(trace, decimals, unicode=True):
        parts.append(f"\\par\\noindent {latex_text(part)}\\par" if isinstance(part, str) else booktabs(part))
    if explain:
        parts.append(r"\subsection*{Derivation}")
        parts.extend(derivation(derivation_steps(trace, decimals)))
    return "\n".join(parts) + "\n"


def document(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """A standalone pdfLaTeX document."""
    return "\n".join([r"\documentclass[10pt]{article}", f"\\usepackage{{{','.join(PACKAGES)}}}",
                      r"\usepackage[margin=2cm]{geometry}", r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
                      r"\begin{document}", body(trace, decimals, explain), r"\end{document}", ""])


def fragment(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """The body alone, for pasting into a document of one's own (it names the packages it needs)."""
    return (f"% nncalc worked example; needs \\usepackage{{{','.join(PACKAGES)}}} and \\allowdisplaybreaks\n"
            + body(trace, decimals, explain))


def beamer(trace: Trace, decimals: int = 9, explain: bool = True) -> str:
    """Beamer slides: a title frame, a frame per table, and a frame per equation of the derivation
    whose chain appears one line per slide."""
    from .table import tabs

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    frames = [f"\\begin{{frame}}{{{latex_text(name)}}}\n" + (f"\\emph{{{latex_text(cited)}}}\\par\n" if cited else "")
              + f"{latex_text(about)}\n\\end{{frame}}"]
    for part in tabs(trace, decimals, unicode=True):
        if isinstance(part, Tab):
            frames.append(f"\\begin{{frame}}[allowframebreaks]\n\\scriptsize\n{booktabs(part, long=False)}\n\\end{{frame}}")
    heading = "Derivation"
    for step in derivation_steps(trace, decimals) if explain else ():
        if step.kind == "heading":
            heading = latex_text(step.text)
        elif step.kind == "eq":
            rows = " \\\\\n".join(align_rows(step, reveal=True))
            frames.append(f"\\begin{{frame}}{{{heading}}}\n\\small\n\\begin{{align*}}\n{rows}\n\\end{{align*}}\n\\end{{frame}}")
    return "\n".join([r"\documentclass{beamer}", r"\usepackage{amsmath,booktabs}", r"\setbeamertemplate{navigation symbols}{}",
                      r"\begin{document}", *frames, r"\end{document}", ""])
