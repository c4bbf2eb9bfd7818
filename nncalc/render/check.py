"""Check results as a Rich table, JSON, CSV or Markdown: one file in detail, or many files as a
gradebook with a per-quantity summary. Each function returns; the CLI prints."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..trace import Trace
from ..verdicts import CARRIED, CORRECT, MISSING, NO_SUBMISSION, WRONG, FileResult, QuantitySummary, summarize
from .common import fmt, head_rule

_VERDICT_TEXT = {CORRECT: "correct", CARRIED: "carried forward", WRONG: "wrong", MISSING: "missing"}
_VERDICT_MARK = {CORRECT: ("✓", "green"), CARRIED: ("↪", "yellow"), WRONG: ("✗", "red"), MISSING: ("–", "dim")}


@dataclass
class CheckReport:
    """Everything a check printed: the problem's trace, the files' results and how they were marked."""

    trace: Trace
    files: list[FileResult]
    batch: bool                       # a folder or several files: a gradebook, not one file in detail
    carried_credit: float = 1.0
    tolerance: str = "as written"     # how correctness was judged, in words
    derivations: dict[str, list[str]] = field(default_factory=dict)   # --explain: lines per quantity
    variants: int = 0                 # graded by variant: how many variants there are

    @property
    def asked(self) -> tuple[str, ...]:
        """The asked quantities (`ask:`), if the problem has them."""
        return next((f.asked for f in self.files if f.asked), ())

    @property
    def summaries(self) -> list[QuantitySummary]:
        return summarize(self.files, {name: i for i, name in enumerate(self.trace.quantities)})

    def score_text(self, f: FileResult) -> str:
        score = f.score(self.carried_credit)
        return "" if score is None else f"{100 * score:.1f}%"

    def totals(self, f: FileResult) -> str:
        missing = f", {f.count(MISSING)} missing" if f.asked else ""
        of = f"{f.max_score} asked" if f.asked else f"{len(f.results)}"
        return (f"{f.count(CORRECT)} correct, {f.count(CARRIED)} carried forward, {f.count(WRONG)} wrong{missing} "
                f"of {of}; score {self.score_text(f)}")


def _who(f: FileResult, report: CheckReport) -> str:
    if f.file == report.trace.problem.source:
        return f"the answers: block of {Path(f.file).name}"
    return f"{f.file}" + (f" ({f.student})" if f.student else "")


# ---------------------------------------------------------------- the terminal

def check_view(report: CheckReport, decimals: int = 9, unicode: bool = True, width: int = 80) -> RenderableType:
    """One file: every answer with its verdict; many files: a gradebook and a per-quantity summary.
    Diagnoses go in a column where they fit in `width`, else in a list under the table."""
    if report.batch:
        return _batch_view(report, unicode)
    f = report.files[0]
    parts: list[RenderableType] = [Text(f"Checking {_who(f, report)}", style="bold"),
                                   Text(f"against {report.trace.problem.name}", style="dim")]
    rows = [(r.name, r.text, fmt(r.expected, decimals), _verdict_cell(r.verdict, unicode), r.diagnosis or "")
            for r in f.results]
    fixed = sum(max(len(str(row[i])) for row in rows) + 2 for i in range(4)) + 2
    longest = max(len(row[4]) for row in rows)
    inline = longest > 0 and fixed + longest <= width
    table = Table(box=head_rule(), pad_edge=False, show_edge=False, collapse_padding=True)
    columns = [("quantity", "left"), ("given", "right"), ("expected", "right"), ("verdict", "left")]
    for col, justify in columns + ([("diagnosis", "left")] if inline else []):
        table.add_column(col, justify=justify, no_wrap=col != "diagnosis", overflow="fold")
    for row in rows:
        table.add_row(*(row if inline else row[:4]))
    # (with no diagnosis at all there is no column for it, and no list either)
    parts.append(table)
    notes = [(r.name, r.diagnosis) for r in f.results if r.diagnosis and r.verdict != CORRECT]
    if notes and not inline:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for name, text in notes:
            grid.add_row(name, text)
        parts += [Text(""), Text("Why", style="bold"), grid]
    parts += [Text(""), Text(report.totals(f)), Text(_legend(report), style="dim")]
    parts += _derivation_parts(report, [r.name for r in f.results if r.verdict == WRONG])
    return Group(*parts)


def _legend(report: CheckReport) -> str:
    credit = "full marks" if report.carried_credit == 1 else f"{report.carried_credit:g} of a mark"
    return (f"correct = within {report.tolerance}\n"
            f"carried forward = right from your own earlier numbers, the mistake is upstream ({credit})")


def _verdict_cell(verdict: str, unicode: bool) -> Text:
    mark, style = _VERDICT_MARK[verdict]
    words = _VERDICT_TEXT[verdict]
    return Text(f"{mark} {words}" if unicode else words, style=style)


def _batch_view(report: CheckReport, unicode: bool) -> RenderableType:
    files = report.files
    parts: list[RenderableType] = [Text(_batch_title(report), style="bold")]
    table = Table(box=head_rule(), pad_edge=False, show_edge=False, collapse_padding=True)
    asked = bool(report.asked)
    who = ["id", "student", "file"] if report.variants else ["file", "student"]
    columns = who + ["correct", "carried", "wrong"] + (["missing"] if asked else []) + ["score"]
    for col in columns:
        table.add_column(col, justify="left" if col in who else "right")
    errors, notes = [], []
    blank = [""] * (len(columns) - len(who) - 1)
    for f, shown in zip(files, short_names([f.file for f in files])):
        names = [f.student_id or "", f.student or "", shown] if report.variants else [shown, f.student or ""]
        if report.variants and f.student_id and f.student == f.student_id:
            names[1] = ""
        if f.error is not None:
            table.add_row(*names, *blank, Text("error", style="red"))
            errors.append(f.error)
            continue
        if not f.submitted:
            names[-1 if report.variants else 0] = Text(NO_SUBMISSION, style="dim")
            table.add_row(*names, *blank, report.score_text(f))
            continue
        table.add_row(*names, str(f.count(CORRECT)), str(f.count(CARRIED)),
                      str(f.count(WRONG)), *([str(f.count(MISSING))] if asked else []), report.score_text(f))
        notes += f.notes
    parts.append(table)
    for title, lines in (("Could not be checked:", errors), ("Answers that could not be read (marked missing):", notes)):
        if lines:
            grid = Table.grid(padding=(0, 0, 0, 2), pad_edge=True)
            grid.add_column(overflow="fold")
            for e in lines:
                grid.add_row(e)
            parts += [Text(title, style="bold red"), grid]
    parts += [Text(""), Text(_batch_totals(files)), Text(_legend(report), style="dim")]
    missed = [s for s in report.summaries if s.carried or s.wrong or s.missing]
    if missed:
        q = Table(box=head_rule(), pad_edge=False, show_edge=False, collapse_padding=True, title_justify="left")
        counts = ("answered", "correct", "carried", "wrong") + (("missing",) if asked else ())
        for col in ("quantity",) + counts + ("most common diagnosis",):
            q.add_column(col, justify="right" if col in counts else "left",
                         no_wrap=col != "most common diagnosis", overflow="fold")
        for s in missed:
            q.add_row(s.name, str(s.answered), str(s.correct), str(s.carried), str(s.wrong),
                      *([str(s.missing)] if asked else []), _common(s))
        parts += [Text(""), Text("Per quantity (those not everyone got right)", style="bold"), q]
    others = len(report.summaries) - len(missed)
    if others:
        parts.append(Text(f"{others} other quantit{'y' if others == 1 else 'ies'}: every answer correct"))
    parts += _derivation_parts(report, [s.name for s in missed if s.wrong])
    return Group(*parts)


def _batch_title(report: CheckReport) -> str:
    name = report.trace.problem.name
    if report.variants:
        return f"Grading {report.variants} students, each against their own variant of {name}"
    return f"Checking {len(report.files)} answers files against {name}"


def short_names(files: list[str]) -> list[str]:
    """File names without the folder they share (a gradebook's rows are told apart by the rest)."""
    parents = {Path(f).parent for f in files if f}
    return [f if not f else Path(f).name if len(parents) == 1 else f for f in files]


def _common(s: QuantitySummary) -> str:
    """The most common diagnosis, with how many of the wrong answers it accounts for if not all."""
    if not s.common:
        return ""
    return s.common if s.common_count == s.wrong else f"{s.common} ({s.common_count} of {s.wrong})"


def _batch_totals(files: list[FileResult]) -> str:
    ok = sum(f.all_correct for f in files)
    bad = sum(f.error is not None for f in files)
    absent = sum(not f.submitted for f in files)
    text = f"{len(files)} {'rows' if absent else 'files'}: {ok} all correct, {len(files) - ok - bad - absent} with mistakes"
    return text + (f", {absent} with no submission" if absent else "") + (f", {bad} could not be checked" if bad else "")


def _derivation_parts(report: CheckReport, names: list[str]) -> list[RenderableType]:
    shown = [n for n in dict.fromkeys(names) if report.derivations.get(n)]
    if not shown:
        return []
    parts: list[RenderableType] = [Text(""), Text("How the wrong ones are worked out", style="bold")]
    for name in shown:
        parts.append(Text(name, style="bold"))
        parts += [Text(f"  {line}") for line in report.derivations[name]]
    return parts


# ---------------------------------------------------------------- machine-readable

def check_dict(report: CheckReport) -> dict[str, Any]:
    """{"problem", "files": [{"file", "student", "error", "results": [...], ...}], "quantities": [...]}."""
    p = report.trace.problem
    return {
        "problem": p.name,
        "source": p.source,
        "tolerance": report.tolerance,
        "carried_credit": report.carried_credit,
        "files": [_file_dict(f, report) for f in report.files],
        "quantities": [{"name": s.name, "answered": s.answered, "correct": s.correct,
                        "carried_forward": s.carried, "wrong": s.wrong, "most_common_diagnosis": s.common,
                        "most_common_count": s.common_count} for s in report.summaries],
    }


def _file_dict(f: FileResult, report: CheckReport) -> dict[str, Any]:
    return {
        "file": f.file, "student": f.student, "error": f.error,
        "results": [{"name": r.name, "given": r.given, "expected": r.expected, "verdict": r.verdict,
                     "diagnosis": r.diagnosis, "written_as": r.written, "given_text": r.text,
                     "tolerance": r.tolerance, "from_your_values": r.carried, "follows_from": list(r.sources),
                     "carried_from": list(r.roots), "mistakes": list(r.mistakes), "line": r.line,
                     **({"derivation": report.derivations[r.name]}
                        if r.verdict == WRONG and r.name in report.derivations else {})}
                    for r in f.results],
        "correct": f.count(CORRECT), "carried_forward": f.count(CARRIED), "wrong": f.count(WRONG),
        "score": f.score(report.carried_credit),
        **({"missing": f.count(MISSING), "asked": list(f.asked), "points": f.points(report.carried_credit),
            "max_score": f.max_score, "submitted": f.submitted, "unreadable_answers": list(f.notes)}
           if f.asked else {}),
        **({"student_id": f.student_id, "email": f.email, "variant": f.variant} if report.variants else {}),
    }


def check_csv(report: CheckReport) -> str:
    """One file: a row per answer. Many files: a gradebook row per file, with each quantity's verdict."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    if not report.batch:
        out.writerow(["file", "student", "name", "written_as", "given", "expected", "verdict", "diagnosis"])
        for f in report.files:
            for r in f.results:
                out.writerow([f.file, f.student or "", r.name, r.written, r.text, repr(r.expected), r.verdict,
                              r.diagnosis or ""])
        return buffer.getvalue()
    if report.asked:
        return gradebook_csv(report)
    names = [s.name for s in report.summaries]
    out.writerow(["file", "student", "answered", "correct", "carried_forward", "wrong", "score", "error"] + names)
    for f in report.files:
        score = f.score(report.carried_credit)
        verdicts = {r.name: r.verdict for r in f.results}
        out.writerow([f.file, f.student or "", len(f.results), f.count(CORRECT), f.count(CARRIED), f.count(WRONG),
                      "" if score is None else f"{score:.4f}", f.error or ""]
                     + [verdicts.get(n, "") for n in names])
    return buffer.getvalue()


def gradebook_csv(report: CheckReport) -> str:
    """The gradebook the course platforms import: one row per student, their marks out of the asked
    quantities, and one column of marks per asked quantity (then the details)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    asked = report.asked
    out.writerow(["student_id", "name", "email", "score", "max_score", "percent"] + list(asked)
                 + ["status", "file", "variant"])
    for f in report.files:
        by_name = {r.name: r for r in f.results}
        if f.error is not None:
            status = f"error: {f.error}"
        elif not f.submitted:
            status = NO_SUBMISSION
        else:
            status = "all correct" if f.all_correct else "graded"
        marks = ["" if f.error else _mark(f.credit(by_name[n], report.carried_credit)) if n in by_name else "0"
                 for n in asked]
        score = f.score(report.carried_credit)
        out.writerow([f.student_id or f.student or "", f.student or "", f.email,
                      "" if f.error else _mark(f.points(report.carried_credit)), len(asked),
                      "" if score is None or f.error else f"{100 * score:.1f}"] + marks
                     + [status, f.file, f.variant or ""])
    return buffer.getvalue()


def _mark(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def check_markdown(report: CheckReport, decimals: int = 9) -> str:
    """Pipe tables for a report or a course page."""
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|") or " "

    def table(columns: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
        lines = ["| " + " | ".join(columns) + " |",
                 "| " + " | ".join("---:" if i in right else ":---" for i in range(len(columns))) + " |"]
        return lines + ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]

    p = report.trace.problem
    if not report.batch:
        f = report.files[0]
        lines = [f"## Checking {_who(f, report)}", "", f"Against {p.name}; correct: within {report.tolerance}.", ""]
        lines += table(["quantity", "given", "expected", "verdict", "diagnosis"],
                       [[f"`{r.name}`", r.text, fmt(r.expected, decimals), _VERDICT_TEXT[r.verdict],
                         r.diagnosis or ""] for r in f.results], {1, 2})
        lines += ["", report.totals(f)]
        wrong = [r.name for r in f.results if r.verdict == WRONG and report.derivations.get(r.name)]
    else:
        lines = [f"## Checking {len(report.files)} answers files against {p.name}", ""]
        shown = [n or NO_SUBMISSION for n in short_names([f.file for f in report.files])]
        lines += table(["file", "student", "correct", "carried", "wrong", "score"],
                       [[name, f.student or "", "", "", "", f"error: {f.error}"] if f.error else
                        [name, f.student or "", str(f.count(CORRECT)), str(f.count(CARRIED)), str(f.count(WRONG)),
                         report.score_text(f)] for f, name in zip(report.files, shown)], {2, 3, 4, 5})
        lines += ["", _batch_totals(report.files), ""]
        missed = [s for s in report.summaries if s.carried or s.wrong or s.missing]
        if missed:
            lines += ["**Per quantity (those not everyone got right)**", ""]
            lines += table(["quantity", "answered", "correct", "carried", "wrong", "most common diagnosis"],
                           [[f"`{s.name}`", str(s.answered), str(s.correct), str(s.carried), str(s.wrong),
                             _common(s)] for s in missed], {1, 2, 3, 4})
        wrong = [s.name for s in missed if s.wrong and report.derivations.get(s.name)]
    if wrong:
        lines += ["", "**How the wrong ones are worked out**", "", "```text"]
        for name in wrong:
            lines += [name] + [f"  {line}" for line in report.derivations[name]]
        lines.append("```")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- --explain

def derivations(trace: Trace, names: list[str], decimals: int = 9, unicode: bool = True,
                width: int | None = None) -> dict[str, list[str]]:
    """For each quantity: the lines of `nncalc backprop --explain` that work it out (the explainer
    says which quantity each line belongs to), its computed inputs' lines first; where the
    derivation has no such line, the trace's own record stands in."""
    from .explain import explain_owned_lines

    by_name: dict[str, list[str]] = {}
    for name, line in explain_owned_lines(trace, decimals, unicode, width=width):
        if name is not None:
            by_name.setdefault(name, []).append(line)
    out = {}
    for name in dict.fromkeys(names):
        q = trace[name]
        lines = [line for i in q.inputs if trace[i].op != "leaf" for line in by_name.get(i, ())]
        lines += by_name.get(name) or [_record_line(trace, name, decimals)]
        margin = min(len(line) - len(line.lstrip()) for line in lines)
        out[name] = [line[margin:] for line in lines]
    return out


def _record_line(trace: Trace, name: str, decimals: int) -> str:
    """'delta.o1 = prod(dE/dout.o1 0.618832137, dout/dnet.o1 0.221495710) = 0.137068663'."""
    q = trace[name]
    if q.op == "leaf":
        return f"{name} = {fmt(q.value, decimals)} (given)"
    args = ", ".join(f"{i} {fmt(trace[i].value, decimals)}" for i in q.inputs)
    return f"{name} = {q.op}({args}) = {fmt(q.value, decimals)}"
