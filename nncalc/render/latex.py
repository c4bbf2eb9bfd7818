"""LaTeX: the worked example as a standalone pdfLaTeX document, as a fragment to paste into a
document of one's own (Overleaf), or as Beamer slides whose frames reveal a chain line by line.

The tables are booktabs tables, the derivation `align*` blocks in the deck's notation
(`\\frac{\\partial E_{total}}{\\partial w_{5}}`, `out_{h1}`, `w_{5}^{+}`). The source is ASCII;
every text from a file goes through `latex_text`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..trace import Trace
from .common import Tab
from .document import (Block, Document, Formulas, Heading, Items, Listing, Para, Steps, Table, check_document, worked_blocks,
                       worked_document)
from .mathtext import Step, is_math, latex_math, latex_part, latex_text, math_width, text_width

PACKAGES = ("amsmath", "booktabs", "longtable")
SOURCE_WIDTH = 80          # columns of the LaTeX source
PAGE_WIDTH = 470.0         # points of an article's line (2 cm margins on A4 or letter: about 483)
SLIDE_WIDTH = 260.0        # points of a Beamer frame's line at \small, counted at 10 pt
# font sizes a wide table steps down through, with how much narrower each sets
SIZES = (("", 1.0), (r"\small", 0.9), (r"\footnotesize", 0.8), (r"\scriptsize", 0.7), (r"\tiny", 0.5))


def cell(text: str) -> str:
    """A table cell (or a note): math where it reads as math (names, formulas, numbers), else text."""
    return f"${latex_math(text)}$" if is_math(text) else latex_text(text)


def prose_cell(text: str) -> str:
    """A paragraph column's cell: text, a long path allowed to break after each '/'."""
    return latex_text(text).replace("/", "/\\allowbreak{}")


def _cell_width(text: str, prose: bool) -> float:
    return text_width(text) if prose or not is_math(text) else math_width(text)


MIN_PROSE = 57.0       # points (2 cm): the narrowest a paragraph column is set


@dataclass(frozen=True)
class TableFit:
    """How a table is set to fit a width: its font size (and how much narrower that sets text),
    each paragraph column's width in points, and whether it fits at all (else it is scaled)."""

    size: str
    scale: float
    prose: dict[int, float]
    fits: bool


def _capped(needs: dict[int, float], room: float) -> dict[int, float] | None:
    """The paragraph columns narrowed, widest first, to share `room` (None: not without going
    under MIN_PROSE)."""
    if sum(needs.values()) <= room:
        return needs
    cap = room / len(needs)
    for i, need in enumerate(sorted(needs.values())):      # the columns narrower than an even share keep theirs
        if need >= cap:
            break
        cap += (cap - need) / max(len(needs) - i - 1, 1)
    return {i: min(w, cap) for i, w in needs.items()} if cap >= MIN_PROSE else None


def table_fit(tab: Tab, prose: frozenset[int], prose_pt: float, width: float) -> TableFit:
    """The largest size, from `SIZES`, a table fits 90 % of `width` in: each column its widest
    cell (counted at 10 pt, narrower in a smaller size), a paragraph column as wide as its longest
    text up to `prose_pt` and narrowed where that makes it fit, and 12 pt between columns."""
    rows = [tab.columns] + [r for r in tab.rows if r is not None]
    widest = {i: max(_cell_width(r[i], i in prose) for r in rows if i < len(r)) for i in range(len(tab.columns))}
    text = sum(w for i, w in widest.items() if i not in prose)
    for size, scale in SIZES:
        room = 0.9 * width - 12 * len(tab.columns) - text * scale
        needs = {i: min(prose_pt, widest[i] * scale * 1.15 + 6) for i in sorted(prose)}
        widths = _capped(needs, room) if needs else ({} if room >= 0 else None)
        if widths is not None:
            return TableFit(size, scale, widths, True)
    size, scale = SIZES[-1]
    return TableFit(size, scale, {i: min(prose_pt, widest[i] * scale * 1.15 + 6) for i in sorted(prose)}, False)


def booktabs(tab: Tab, long: bool = True, prose: frozenset[int] = frozenset(), prose_width: str = "4.5cm",
             width: float = PAGE_WIDTH) -> str:
    """A Tab as a booktabs table (a longtable, which breaks across pages; a tabular for slides);
    `prose` columns are text, wrapped in a paragraph column up to `prose_width` wide. The title is
    a line above it (a long one would widen the first column), and a table wider than `width` is
    set in a smaller size, its paragraph columns narrower (a slide's, past \\tiny, scaled to
    the frame)."""
    fit = table_fit(tab, prose, float(prose_width.removesuffix("cm")) * 28.45, width)
    spec = "".join(f"p{{{fit.prose[i]:.0f}pt}}" if i in prose else "r" if i >= tab.numeric_from else "l"
                   for i in range(len(tab.columns)))

    def row_text(row: list[str]) -> str:
        return " & ".join(prose_cell(c) if i in prose else cell(c) for i, c in enumerate(row)) + r" \\"

    head = row_text(tab.columns)
    rows = [r"\midrule" if row is None else row_text(row) for row in tab.rows]
    title = f"\\par\\noindent\\textbf{{{latex_text(tab.title)}}}\\par"
    size = fit.size
    if long:
        table = "\n".join([f"\\begin{{longtable}}{{{spec}}}", r"\toprule", head, r"\midrule", r"\endhead", *rows,
                           r"\bottomrule", r"\end{longtable}"])
        return "\n".join([title, "{" + size, table, "}"]) if size else "\n".join([title, table])
    table = "\n".join([f"\\begin{{tabular}}{{{spec}}}", r"\toprule", head, r"\midrule", *rows, r"\bottomrule",
                       r"\end{tabular}"])
    if not fit.fits:
        table = f"\\resizebox{{\\linewidth}}{{!}}{{%\n{table}}}"
    return "\n".join([title, size, table]) if size else "\n".join([title, table])


def _note(step: Step) -> str:
    if not step.note:
        return ""
    return f"({latex_math(step.note)})" if is_math(step.note) else f"\\text{{({latex_text(step.note)})}}"


def terms(part: str) -> list[str]:
    """A chain's part split before each top-level ' + ' and ' - ' (outside parentheses)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(part):
        c = part[i]
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and part.startswith((" + ", " - "), i):
            out.append(part[start:i])
            start = i + 1
            i += 3
            continue
        i += 1
    return out + [part[start:]]


def broken(step: Step, part: str, room: float) -> list[str]:
    """One part of an equation as LaTeX lines: its operation's own LaTeX or the text's, and a sum
    too wide for `room` points broken before a '+' or '-' into lines that fit."""
    whole = latex_part(step, part)
    if whole != latex_math(part) or math_width(part) <= room:
        return [whole]
    lines: list[str] = []
    for term in terms(part):
        if lines and math_width(lines[-1] + " " + term) <= room:
            lines[-1] += " " + term
        else:
            lines.append(term)
    return [latex_math(line) for line in lines]


Rows = list[tuple[str, str]]     # align* rows of one part of a chain: (its right-hand side, a note after it)


def chain_groups(step: Step, width: float = PAGE_WIDTH, lhs_width: float | None = None) -> list[Rows]:
    """An equation's parts as align* rows, a group per part: '= part' (a part too wide for the line
    broken into '\\quad + ...' rows), and the first part's note beside it or, where it would
    overflow, on a row of its own."""
    lhs_w = math_width(step.text) if lhs_width is None else lhs_width
    room = width - lhs_w - 20
    note = _note(step)
    groups: list[Rows] = []
    for i, part in enumerate(step.parts):
        lines = broken(step, part, room)
        group = [(f"= {line}" if j == 0 else f"\\quad {line}", "") for j, line in enumerate(lines)]
        if i == 0 and note:
            note_w = math_width(step.note) if is_math(step.note) else text_width(step.note) + 10
            if len(lines) == 1 and math_width(part) + note_w + 30 <= room:
                group[-1] = (group[-1][0], f" \\qquad {note}")
            elif note_w > room and not is_math(step.note):      # prose: a paragraph as wide as the room
                group.append((f"\\quad \\parbox[t]{{{room:.0f}pt}}{{\\raggedright ({latex_text(step.note)})}}", ""))
            else:
                group.append((f"\\quad {note}", ""))
        groups.append(group)
    return groups


def chain_rows(lhs: str, groups: list[Rows], reveal: bool = False) -> list[str]:
    """Groups of rows as align* rows under `lhs`; reveal: each group after the first appears on
    its own slide (\\onslide, which works inside align where \\pause does not)."""
    rows = []
    for i, group in enumerate(groups):
        for j, (rhs, tail) in enumerate(group):
            shown = f"\\onslide<{i + 1}->{{{rhs}}}" if reveal and i else rhs
            rows.append(f"{lhs if i == 0 and j == 0 else ''} &{shown}{tail}")
    return rows


def align_rows(step: Step, reveal: bool = False, width: float = PAGE_WIDTH, lhs_width: float | None = None) -> list[str]:
    """An equation as align* rows: lhs &= part, then one '&= part' a row (as the deck writes a
    chain); reveal: each later part on its own slide."""
    return chain_rows(latex_math(step.text), chain_groups(step, width, lhs_width), reveal)


def derivation(steps: list[Step] | tuple[Step, ...]) -> list[str]:
    """The derivation as LaTeX: headings as unnumbered subsections, equations in align* blocks
    (each block's chains broken for its widest left-hand side)."""
    out: list[str] = []
    block: list[Step] = []

    def close() -> None:
        if block:
            lhs = max(math_width(st.text) for st in block)
            rows = [row for st in block for row in align_rows(st, lhs_width=lhs)]
            out.extend([r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"])
            block.clear()

    for step in steps:
        if step.kind == "eq":
            block.append(step)
            continue
        close()
        text = latex_text(step.text)
        out.append(f"\\subsection*{{{text}}}" if step.kind == "heading" else f"\\par\\noindent {text}\\par")
    close()
    return out


def wrap_source(text: str, width: int = SOURCE_WIDTH) -> str:
    """LaTeX source with every line wrapped at a space to `width` columns (a line break is a
    space to TeX; a comment's continuation stays a comment)."""
    import textwrap

    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        comment = line.startswith("%")
        for piece in textwrap.wrap(line, width, subsequent_indent="% " if comment else "  ", break_long_words=False,
                                   break_on_hyphens=False) or [line]:
            out += _unspaced(piece, width)
    return "\n".join(out)


def _unspaced(line: str, width: int) -> list[str]:
    """A line with no space to break at (`\\ensuremath{\\delta}\\ensuremath{\\cdot}...`) broken
    between two commands, each piece ended by '%' (TeX then reads no space there)."""
    out = []
    while len(line) > width:
        at = line.rfind("}\\", 0, width - 1)
        if at <= 0:
            break
        out.append(line[:at + 1] + "%")
        line = line[at + 1:]
    return out + [line]


_SECTIONS = {1: "section*", 2: "subsection*", 3: "paragraph"}


def heading_text(block: Heading) -> str:
    return f"${latex_math(block.text)}$" if block.math else latex_text(block.text)


def listing(lines: tuple[str, ...]) -> str:
    """Lines in a fixed-width font, their leading spaces kept."""
    rows = [latex_text(line.lstrip()) for line in lines]
    rows = [f"\\hspace*{{{len(line) - len(line.lstrip())}ex}}" * (line != line.lstrip()) + row
            for line, row in zip(lines, rows)]
    return "{\\ttfamily\\noindent " + " \\\\\n".join(rows) + "\\par}"


def items(block: Items) -> str:
    rows = [f"\\item {cell(math)}" + (f" (\\texttt{{{latex_text(code)}}})" if code else "") for math, code in block.items]
    return "\n".join([r"\begin{enumerate}", *rows, r"\end{enumerate}"])


def paragraph(b: Para | Formulas) -> str:
    """Prose as a paragraph; formulas one inline-math line each (TeX breaks them after an
    operator where they would overflow)."""
    if isinstance(b, Formulas):
        return "\n".join(f"\\noindent ${latex_math(line)}$\\par" for line in b.lines)
    return (f"\\emph{{{latex_text(b.text)}}}" if b.emph else latex_text(b.text)) + "\\par"


def latex_blocks(blocks: Sequence[Block]) -> list[str]:
    """Blocks as LaTeX: headings as unnumbered sections, tables as booktabs longtables, derivations
    as align* blocks."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"\\{_SECTIONS[b.level]}{{{heading_text(b)}}}")
        elif isinstance(b, (Para, Formulas)):
            out.append(paragraph(b))
        elif isinstance(b, Table):
            out.append(booktabs(b.tab, prose=b.prose))
        elif isinstance(b, Steps):
            out.extend(derivation(b.steps))
        elif isinstance(b, Listing):
            out.append(listing(b.lines))
        else:
            out.append(items(b))
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
        rows += [f"{latex_math(step.text) if i == 0 else ''} &= {latex_part(step, part)}" + (note if i == 0 else "")
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
    return "\n".join(latex_blocks(worked_blocks(trace, decimals, explain, heading))) + "\n"


def standalone(body_text: str) -> str:
    """A body as a standalone pdfLaTeX article."""
    return "\n".join([r"\documentclass[10pt]{article}", f"\\usepackage{{{','.join(PACKAGES)}}}",
                      r"\usepackage[margin=2cm]{geometry}", r"\allowdisplaybreaks", r"\setlength{\parindent}{0pt}",
                      r"\begin{document}", body_text, r"\end{document}", ""])


def latex_document(doc: Document) -> str:
    """Any document as a standalone pdfLaTeX article."""
    return wrap_source(standalone("\n".join(latex_blocks(doc.blocks))))


def document(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """A standalone pdfLaTeX document."""
    return wrap_source(standalone(body(trace, decimals, explain)))


def latex_fragment(doc: Document) -> str:
    """Any document's body alone, for pasting into a document of one's own (Overleaf): its first
    line names the packages it needs."""
    return wrap_source(f"% nncalc: needs \\usepackage{{{','.join(PACKAGES)}}} and \\allowdisplaybreaks\n"
                       + "\n".join(latex_blocks(doc.blocks)) + "\n")


def fragment(trace: Trace, decimals: int = 9, explain: bool = False) -> str:
    """A worked example's body alone (`latex_fragment`)."""
    return latex_fragment(worked_document(trace, decimals, explain))


def _frame(title: list[str], content: str, options: str = "") -> str:
    """A frame; title: [title] or [title, subtitle] (empty: none)."""
    head = "".join(f"{{{t}}}" for t in title) if title and title[0] else ""
    return f"\\begin{{frame}}{options}{head}\n{content}\n\\end{{frame}}"


# Beamer's frame (11 pt, 307 pt by about 220 pt under a title and subtitle) as the slides fill it
SLIDE_HEIGHT = 190.0       # points of a frame's text under its title and subtitle (kept short of full)
ROW_HEIGHT = {"": 13.6, r"\small": 12.0, r"\footnotesize": 11.0, r"\scriptsize": 9.5, r"\tiny": 7.0}
CONT = " (cont.)"          # a frame's title continued on the next frame


def _continued(title: list[str]) -> list[str]:
    return title[:-1] + [title[-1] + CONT] if title and title[0] else title


def _lines(width: float, room: float) -> int:
    """How many lines a text `width` points wide takes in lines `room` points wide."""
    return max(1, math.ceil(width / room))


def table_frames(tab: Tab, prose: frozenset[int], prose_width: str = "3cm") -> list[str]:
    """A table as frames: its rows cut into pieces that fit the slide's height, each piece a frame
    whose title line says '(cont.)' after the first."""
    fit = table_fit(tab, prose, float(prose_width.removesuffix("cm")) * 28.45, SLIDE_WIDTH)

    def height(row: list[str] | None) -> float:
        if row is None:
            return 3.0          # a \midrule
        return ROW_HEIGHT[fit.size] * max([1] + [_lines(text_width(c) * fit.scale, fit.prose[i])
                                                 for i, c in enumerate(row) if i in prose])

    head = ROW_HEIGHT[""] * _lines(text_width(tab.title) * 1.1, 300) + height(tab.columns) + 16
    pieces: list[list[list[str] | None]] = [[]]
    used = head
    for row in tab.rows:
        if row is not None and pieces[-1] and used + height(row) > SLIDE_HEIGHT:
            pieces.append([])
            used = head
        if row is not None or pieces[-1]:
            pieces[-1].append(row)
            used += height(row)
    parts = [Tab(tab.title + (CONT if n else ""), tab.columns, rows[:-1] if rows[-1] is None else rows, tab.numeric_from,
                 tab.keys) for n, rows in enumerate(pieces) if rows]
    return [_frame([], booktabs(part, long=False, prose=prose, prose_width=prose_width, width=SLIDE_WIDTH)) for part in parts]


def _rows_height(group: Rows) -> float:
    """How tall align* rows set at \\small: a fraction's row taller, a wrapped note its lines."""
    h = 0.0
    for rhs, _ in group:
        m = re.search(r"\\parbox\[t\]\{(\d+)pt\}\{\\raggedright (.*)\}$", rhs)
        h += 12.0 * _lines(text_width(m.group(2)) * 0.9, float(m.group(1))) + 3 if m else 24.0 if "\\frac" in rhs else 15.0
    return h


def chain_frames(title: list[str], step: Step) -> list[str]:
    """An equation as frames revealing its chain one part a slide; a chain taller than the slide
    goes on in frames titled '(cont.)', each starting again from the left-hand side."""
    lhs = latex_math(step.text)
    groups = chain_groups(step, width=SLIDE_WIDTH)
    room = SLIDE_HEIGHT - 20 - (9.0 if "\\frac" in lhs else 0.0)
    pieces: list[list[Rows]] = [[]]
    used = 0.0
    for group in groups:
        h = _rows_height(group)
        if pieces[-1] and used + h > room:
            pieces.append([])
            used = 0.0
        pieces[-1].append(group)
        used += h
    frames = []
    for n, piece in enumerate(pieces):
        rows = " \\\\\n".join(chain_rows(lhs, piece, reveal=True))
        frames.append(_frame(_continued(title) if n else title, f"\\small\n\\begin{{align*}}\n{rows}\n\\end{{align*}}"))
    return frames


BEAMER_PREAMBLE = (r"\documentclass{beamer}", r"\usepackage{amsmath,booktabs,graphicx}",
                   r"\setbeamertemplate{navigation symbols}{}",
                   r"\setbeamertemplate{frametitle continuation}[from second][(cont.)]")


def beamer_document(doc: Document) -> str:
    """Beamer slides: a title frame (the first heading and the prose under it), frames for each
    table and listing, and a frame per equation whose chain appears one line per slide; a heading
    titles the frames after it (a level-3 heading as the subtitle). Whatever would not fit one
    slide goes on in frames titled '(cont.)': prose breaks where TeX finds room
    (allowframebreaks), a table between its rows, a chain between its parts."""
    frames: list[str] = []
    title: list[str] = []
    text: list[str] = []

    def flush() -> None:
        if text:
            frames.append(_frame(title, "\n".join(text), "[allowframebreaks]"))
            text.clear()

    def head(words: str, level: int) -> None:
        flush()
        title[:] = title[:1] + [words] if level == 3 and title else [words]

    for b in doc.blocks:
        if isinstance(b, Heading):
            head(heading_text(b), b.level)
        elif isinstance(b, (Para, Formulas)):
            text.append(paragraph(b))
        elif isinstance(b, Table):
            flush()
            frames += table_frames(b.tab, b.prose)
        elif isinstance(b, (Listing, Items)):
            flush()
            frames.append(_frame(title, listing(b.lines) if isinstance(b, Listing) else items(b), "[allowframebreaks]"))
        else:
            for step in b.steps:
                if step.kind == "heading":
                    head(latex_text(step.text), 3)
                elif step.kind == "prose":
                    text.append(latex_text(step.text) + "\\par")
                else:
                    flush()
                    frames += chain_frames(title, step)
    flush()
    return wrap_source("\n".join([*BEAMER_PREAMBLE, r"\begin{document}", *frames, r"\end{document}", ""]))


def beamer(trace: Trace, decimals: int = 9, explain: bool = True) -> str:
    """Beamer slides of a worked example (always with the derivation: its chains are the point)."""
    return beamer_document(worked_document(trace, decimals, explain))


def check_latex(report: Any, style: Any) -> str:
    """A check report as a standalone document: each file's verdicts as a booktabs table and, with
    --explain, how each wrong answer is worked out (align* blocks, from the trace)."""
    return latex_document(check_document(report, style.decimals))


def check_latex_fragment(report: Any, style: Any) -> str:
    return latex_fragment(check_document(report, style.decimals))


def check_beamer(report: Any, style: Any) -> str:
    return beamer_document(check_document(report, style.decimals))
