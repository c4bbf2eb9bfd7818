"""A document as a list of blocks (headings, paragraphs, tables, derivations, listings), the one
model the LaTeX, Beamer and HTML writers set: a worked example, a check report, a training's
updates, a handout and a worked solution are each built once here, from the trace, and written in
every format by `render/latex.py` and `render/html.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from ..trace import Trace
from .common import Tab, header_lines, source_line
from .mathtext import Step, derivation_steps, steps_of


@dataclass(frozen=True)
class Heading:
    """A heading: level 1 (the document's), 2 (a section) or 3 (a paragraph's); math: the text is
    the slides' math (∂E_o1/∂out_h1), not prose."""

    text: str
    level: int = 2
    math: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph of prose; emph: set in italics (a citation)."""

    text: str
    emph: bool = False


@dataclass(frozen=True)
class Formulas:
    """Math set line by line, not a derivation (a recurrence written out with its numbers, as the
    tables' text has it): each line may break at its operators."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table; prose: the columns holding text that may wrap (a diagnosis, a file name)."""

    tab: Tab
    prose: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Steps:
    """A derivation: headings, prose and equations, as `mathtext.derivation_steps` reads them."""

    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Listing:
    """Lines shown as they are, in a fixed-width font (a graph's assignments, a YAML template)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Items:
    """A numbered list; each item a piece of math and, beside it, a name in code ('grad.w5')."""

    items: tuple[tuple[str, str], ...]


Block = Union[Heading, Para, Formulas, Table, Steps, Listing, Items]


@dataclass(frozen=True)
class Document:
    """A title (the page's, the PDF's) and the blocks under it."""

    title: str
    blocks: tuple[Block, ...]


# ---------------------------------------------------------------- a worked example

def worked_blocks(trace: Trace, decimals: int = 9, explain: bool = False, heading: bool = True) -> list[Block]:
    """A worked example: its heading, citation, description, tables and with `explain` the derivation."""
    from .table import tabs

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    blocks: list[Block] = [Heading(name, 1)] if heading else []
    if cited and heading:
        blocks.append(Para(cited, emph=True))
    blocks.append(Para(about))
    blocks += [text_block(part) if isinstance(part, str) else Table(part) for part in tabs(trace, decimals, unicode=True)]
    if explain:
        blocks += [Heading("Derivation"), Steps(tuple(derivation_steps(trace, decimals)))]
    return blocks


def text_block(text: str) -> Para | Formulas:
    """The tables' text as a block: formulas where every line is math (a line that starts with
    '=' goes on with the one above: the terminal's wrapping), else a paragraph."""
    from .mathtext import is_math

    lines: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith("= ") and lines:
            lines[-1] += " " + line.strip()
        elif line.strip():
            lines.append(line.strip())
    return Formulas(tuple(lines)) if lines and all(" = " in line and is_math(line) for line in lines) else Para(text)


def worked_document(trace: Trace, decimals: int = 9, explain: bool = False) -> Document:
    return Document(header_lines(trace)[0], tuple(worked_blocks(trace, decimals, explain)))


# ---------------------------------------------------------------- a check report

def check_document(report: Any, decimals: int = 9) -> Document:
    """A check report: each file's verdicts (one file: quantity, given, expected, verdict,
    diagnosis; a folder: the gradebook) and, with --explain, each wrong answer worked out."""
    from ..verdicts import CARRIED, CORRECT, WRONG
    from ..notation import Symbols, slide_name
    from .check import _VERDICT_TEXT, derivations, short_names
    from .common import fmt

    p = report.trace.problem
    title = f"Checking against {p.name}"
    blocks: list[Block] = [Heading(title, 1), Para(f"Correct: within {report.tolerance}.")]
    if report.batch:
        tab = Tab("Answers files", ["file", "student", "correct", "carried", "wrong", "score"], numeric_from=2)
        for f, name in zip(report.files, short_names([f.file for f in report.files])):
            tab.add(name or "", f.student or "", *(("", "", "", f"error: {f.error}") if f.error else
                    (str(f.count(CORRECT)), str(f.count(CARRIED)), str(f.count(WRONG)), report.score_text(f))))
        blocks.append(Table(tab, frozenset({0, 1, 5})))
        wrong = [s.name for s in report.summaries if s.wrong]
    else:
        f = report.files[0]
        tab = Tab(f"Answers {f.student or f.file or ''}".strip(), ["quantity", "given", "expected", "verdict", "diagnosis"],
                  numeric_from=1)
        for r in f.results:
            tab.add(slide_name(r.name, Symbols()), r.text, fmt(r.expected, decimals), _VERDICT_TEXT[r.verdict],
                    r.diagnosis or "")
        blocks += [Table(tab, frozenset({3, 4})), Para(report.totals(f))]
        wrong = [r.name for r in f.results if r.verdict == WRONG]
    wrong = [name for name in wrong if name in report.derivations]
    if wrong:
        blocks.append(Heading("How the wrong ones are worked out"))
        for name, lines in derivations(report.trace, wrong, decimals, unicode=True).items():
            blocks += [Heading(slide_name(name, Symbols()), 3, math=True),
                       Steps(tuple(steps_of(((name, line) for line in lines), report.trace)))]
    return Document(title, tuple(blocks))


# ---------------------------------------------------------------- a training's updates

@dataclass(frozen=True)
class Training:
    """What `train --steps N --explain` documents: the settings line and each update's trace
    (from the weights before it)."""

    header: str
    traces: tuple[Trace, ...]


def training_document(training: Training, decimals: int = 9) -> Document:
    """The training's settings, then a section per update with its tables and derivation."""
    traces = training.traces
    name = header_lines(traces[0])[0] if traces else ""
    blocks: list[Block] = [Heading(name, 1), Para(training.header)]
    for k, trace in enumerate(traces, 1):
        blocks.append(Heading(f"Update {k} of {len(traces)}", 1))
        blocks += worked_blocks(trace, decimals, explain=True, heading=False)
    return Document(name, tuple(blocks))
