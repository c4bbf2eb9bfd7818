"""LaTeX: the worked example as a standalone pdfLaTeX document, as a fragment to paste into a
document of one's own (Overleaf), or as Beamer slides whose frames reveal a chain line by line.

The tables are booktabs tables, the derivation `align*` blocks in the deck's notation
(`\\frac{\\partial E_{total}}{\\partial w_{5}}`, `out_{h1}`, `w_{5}^{+}`). The source is ASCII;
every text from a file goes through `latex_text`.
"""

from __future__ import annotations

import re

from ..trace import Trace
from .common import Tab, header_lines, source_line
from .mathtext import Step, derivation_steps, is_math, latex_math, latex_text

PACKAGES = ("amsmath", "booktabs", "longtable")


def cell(text: str) -> str:
    """A table cell (or a note): math where it reads as math (names, formulas, numbers), else text."""
    return f"${latex_math(text)}$" if is_math(text) else latex_text(text)


def booktabs(tab: Tab, long: bool = True, prose: frozenset[int] = frozenset()) -> str:
    """A Tab as a booktabs table (a longtable, which breaks across pages; a tabular for slides);
    `prose` columns are text, wrapped in a paragraph column."""
    spec = "".join(r"p{4.5cm}" if i in prose else "r" if i >= tab.numeric_from else "l" for i in range(len(tab.columns)))

    def row_text(row: list[str]) -> str:
        return " & ".join(latex_text(c) if i in prose else cell(c) for i, c in enumerate(row)) + r" \\"

    head = row_text(tab.columns)
    rows = [r"\midrule" if row is None else row_text(row) for row in tab.rows]
    title = latex_text(tab.title)
    if long:
        return "\n".join([f"\\begin{{longtable}}{{{spec}}}",
                          f"\\multicolumn{{{len(tab.columns)}}}{{l}}{{\\textbf{{{title}}}}} \\\\",
                          r"\toprule", head, r"\midrule", r"\endhead", *rows, r"\bottomrule", r"\end{longtable}"])
    return "\n".join([f"\\textbf{{{title}}}\\\\[2pt]", f"\\begin{{tabular}}{{{spec}}}", r"\toprule", head,
                      r"\midrule", *rows, r"\bottomrule", r"\end{tabular}"])


def _note(step: Step) -> str:
    if not step.note:
        return ""
    return f"&&({latex_math(step.note)})" if is_math(step.note) else f"&&\\text{{({latex_text(step.note)})}}"


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


def display_math(steps: list[Step]) -> str:
    """The derivation as one displayed `aligned` block, which MathJax (a notebook's text/latex) and
    LaTeX both set: equations as in `derivation`, headings and prose as \\text rows whose math
    words are `$...$` inside the text (MathJax sets no text-mode macro such as \\ensuremath)."""
    rows: list[str] = []
    for step in steps:
        if step.kind != "eq":
            rows.append(f"&\\{'textbf' if step.kind == 'heading' else 'text'}{{{math_words(step.text)}}}")
            continue
        note = ""
        if step.note:
            note = f"\\quad ({latex_math(step.note)})" if is_math(step.note) else f"\\quad \\text{{({math_words(step.note)})}}"
        rows += [f"{latex_math(step.text) if i == 0 else ''} &= {latex_math(part)}" + (note if i == 0 else "")
                 for i, part in enumerate(step.parts)]
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$\n"


_PLAIN_WORD = re.compile(r"[A-Za-z0-9'-]*")
_PUNCTUATION = "(),:;."


def math_words(text: str) -> str:
    """Prose for a \\text{...} group: plain words as they are, any other word (`E_total`, `∂net/∂b2`)
    as `$math$`, so that no character needs a text-mode escape."""
    words = []
    for word in text.split():
        core = word.strip(_PUNCTUATION)
        if not core or _PLAIN_WORD.fullmatch(core):
            words.append(word)
            continue
        at = word.index(core)
        words.append(f"{word[:at]}${latex_math(core)}${word[at + len(core):]}")
    return " ".join(words)


def body(trace: Trace, decimals: int = 9, explain: bool = False, heading: bool = True) -> str:
    """The document's body: heading, description, tables and with `explain` the derivation."""
    from .table import tabs

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    parts = [f"\\section*{{{latex_text(name)}}}"] if heading else []
    if cited and heading:
        parts.append(f"\\emph{{{latex_text(cited)}}}\\par")
    parts.append(latex_text(about) + "\\par")
    for part in tabs(trace, decimals, unicode=True):
        parts.append(f"\\par\\noindent {latex_text(part)}\\par" if isinstance(part, str) else booktabs(part))
    if explain:
        parts.append(r"\subsection*{Derivation}")
        parts.extend(derivation(derivation_steps(trace, decimals)))
    return "\n".join(parts) + "\n"


def standalone(body_text: str) -> str:
    """A body as a standalone pdfLaTeX article."""
    return "\n".join([r"\documentclass[10pt]{article}", f"\\usepackage{{{','.join(PACKAGES)}}}",
                      r"\usepackage[margin=2cm]{geometry}", r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
                      r"\begin{document}", body_text, r"\end{document}", ""])


def document(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """A standalone pdfLaTeX document."""
    return standalone(body(trace, decimals, explain))


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


def training_latex(header: str, traces: list[Trace], decimals: int = 9) -> str:
    """`train --steps N --explain --format latex`: the training's settings, then each update's
    worked example (tables and derivation, from the weights before it) as a section."""
    name = header_lines(traces[0])[0] if traces else ""
    parts = [f"\\section*{{{latex_text(name)}}}", latex_text(header) + "\\par"]
    for k, trace in enumerate(traces, 1):
        parts.append(f"\\section*{{Update {k} of {len(traces)}}}")
        parts.append(body(trace, decimals, explain=True, heading=False))
    return standalone("\n".join(parts))


def check_latex(report, style) -> str:
    """A check report as a standalone document: each file's verdicts as a booktabs table and, with
    --explain, how each wrong answer is worked out (align* blocks, from the trace)."""
    from ..check import CARRIED, CORRECT, WRONG
    from ..notation import Symbols, slide_name
    from .check import _VERDICT_TEXT, derivations, short_names
    from .common import fmt
    from .mathtext import steps_of

    p = report.trace.problem
    parts = [f"\\section*{{Checking against {latex_text(p.name)}}}",
             latex_text(f"Correct: within {report.tolerance}.") + "\\par"]
    if report.batch:
        tab = Tab("Answers files", ["file", "student", "correct", "carried", "wrong", "score"], numeric_from=2)
        for f, name in zip(report.files, short_names([f.file for f in report.files])):
            tab.add(name or "", f.student or "", *(("", "", "", f"error: {f.error}") if f.error else
                    (str(f.count(CORRECT)), str(f.count(CARRIED)), str(f.count(WRONG)), report.score_text(f))))
        parts.append(booktabs(tab, prose=frozenset({0, 1, 5})))
        wrong = [s.name for s in report.summaries if s.wrong]
    else:
        f = report.files[0]
        tab = Tab(f"Answers {f.student or f.file or ''}".strip(), ["quantity", "given", "expected", "verdict", "diagnosis"],
                  numeric_from=1)
        for r in f.results:
            tab.add(slide_name(r.name, Symbols()), r.text, fmt(r.expected, style.decimals), _VERDICT_TEXT[r.verdict],
                    r.diagnosis or "")
        parts += [booktabs(tab, prose=frozenset({3, 4})), latex_text(report.totals(f)) + "\\par"]
        wrong = [r.name for r in f.results if r.verdict == WRONG]
    wrong = [name for name in wrong if name in report.derivations]
    if wrong:
        parts.append(r"\subsection*{How the wrong ones are worked out}")
        for name, lines in derivations(report.trace, wrong, style.decimals, unicode=True).items():
            parts.append(f"\\paragraph{{${latex_math(slide_name(name, Symbols()))}$}}")
            parts.extend(derivation(steps_of((name, line) for line in lines)))
    return standalone("\n".join(parts))
