"""`nncalc check`: mark a student's numbers, or a folder of students' numbers, against a problem."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import (EXIT_BAD_INPUT, FILE_WIDTH, CheckFormat, Decimals, Output, Sets, emit, emit_as, handle_errors,
                     make_console, unicode_ok)

EXIT_SOME_NOT_CORRECT = 1    # 0: everything checked is correct; 2 (EXIT_BAD_INPUT): unusable input


@app.command()
@handle_errors
def check(
    problem: str = typer.Argument(..., show_default=False, metavar="PROBLEM",
                                  help="A problem file or bundled problem name (or an answers file or folder "
                                       "whose files say `problem:`)."),
    answers: Optional[list[str]] = typer.Argument(None, show_default=False, metavar="ANSWERS",
                                                  help="Answers files, or folders of them; none: the problem "
                                                       "file's own `answers:` block."),
    explain: bool = typer.Option(False, "--explain", "-e", help="Show how each wrong answer is worked out."),
    fmt: CheckFormat = "table",
    tolerance: Optional[float] = typer.Option(None, "--tolerance", "-t", show_default=False,
                                              help="Absolute tolerance, instead of one unit of the last "
                                                   "decimal written."),
    rtol: Optional[float] = typer.Option(None, "--rtol", show_default=False,
                                         help="Relative tolerance (added to --tolerance, as numpy.isclose)."),
    carried_credit: float = typer.Option(1.0, "--carried-credit",
                                         help="Marks a carried-forward answer earns, from 0 to 1."),
    decimals: Decimals = 9,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Check answers: each number correct, carried forward from your own earlier numbers, or wrong
    (with the mistake that explains it). Exit code 0: all correct; 1: anything not; 2: unusable input."""
    from ..check import WRONG, run_check, run_variant_check
    from ..errors import UsageError
    from ..render.check import CheckReport, derivations

    for option, value, low in (("--tolerance", tolerance, 0.0), ("--rtol", rtol, 0.0)):
        if value is not None and not (math.isfinite(value) and value >= low):
            raise UsageError(f"{option} {value}: expected a number of at least {low:g}")
    if not (0.0 <= carried_credit <= 1.0):
        raise UsageError(f"--carried-credit {carried_credit}: expected a number from 0 to 1")

    from ..variants import is_variant_set

    console = make_console()
    if is_variant_set(problem):
        if set_:
            raise UsageError("--set does not apply to a variants folder (each variant has its own numbers)")
        if explain:
            raise UsageError("--explain with a variants folder: each variant has its own derivation; see "
                             "solutions/ID.md there, or check one file against its variant: "
                             "nncalc check VARIANTS/ID.yaml ANSWERS --explain")
        paths, _ = _answers_files(list(answers or []))
        run = run_variant_check(problem, paths, tolerance=tolerance, rtol=rtol)
        if fmt.value == "gradescope":
            _gradescope_by_variant(console, run, list(answers or []), carried_credit, output)
            return
    elif fmt.value == "gradescope":   # results.json even for an unusable file
        _gradescope(console, [problem] + list(answers or []), tolerance, rtol, set_, carried_credit, output)
        return
    else:
        ref, paths, batch = _arguments(problem, list(answers or []))
        run = run_check(ref, paths, batch=batch, tolerance=tolerance, rtol=rtol, sets=set_)
    if fmt.value == "gradescope":
        raise UsageError("--format gradescope checks one answers file (Gradescope runs one per submission)")
    trace = run.checker.trace
    unicode = unicode_ok(console) if output is None else True
    report = CheckReport(trace, run.files, run.batch, carried_credit, _tolerance_words(tolerance, rtol),
                         variants=run.variants)
    width = console.width if output is None else FILE_WIDTH
    if explain:
        wrong = [r.name for f in run.files for r in f.results if r.verdict == WRONG]
        report.derivations = derivations(trace, wrong, decimals, unicode, width=width - 2)
    emit_as(console, "check", fmt, report, output, decimals=decimals)
    if run.unreadable:
        raise typer.Exit(EXIT_BAD_INPUT)
    if not run.all_correct:
        raise typer.Exit(EXIT_SOME_NOT_CORRECT)


def _gradescope(console, args: list[str], tolerance, rtol, sets, carried_credit: float, output) -> None:
    """results.json for one answers file; an unusable file still gets one (score 0, and why), then exit 2."""
    from ..check import run_check
    from ..errors import NncalcError
    from ..platforms.gradescope import error_results, results
    from ..render.json import to_json

    try:
        ref, paths, batch = _arguments(args[0], args[1:])
        run = run_check(ref, paths, batch=batch, tolerance=tolerance, rtol=rtol, sets=sets)
    except NncalcError as exc:
        emit(console, to_json(error_results(str(exc))), output)
        raise
    if run.batch:
        from ..errors import UsageError

        raise UsageError("--format gradescope checks one answers file (Gradescope runs one per submission)")
    emit(console, to_json(results(run.files[0], carried_credit)), output)
    if not run.all_correct:
        raise typer.Exit(EXIT_SOME_NOT_CORRECT)


def _gradescope_by_variant(console, run, answers: list[str], carried_credit: float, output) -> None:
    """results.json for one answers file graded against its own student's variant."""
    from pathlib import Path as P

    from ..errors import UsageError
    from ..platforms.gradescope import error_results, results
    from ..render.json import to_json

    if len(answers) != 1 or P(answers[0]).is_dir():
        raise UsageError("--format gradescope checks one answers file (Gradescope runs one per submission)")
    row = next(f for f in run.files if f.file == answers[0])
    if row.error is not None:
        emit(console, to_json(error_results(row.error)), output)
        raise typer.Exit(EXIT_BAD_INPUT)
    emit(console, to_json(results(row, carried_credit)), output)
    if not row.all_correct:
        raise typer.Exit(EXIT_SOME_NOT_CORRECT)


def _tolerance_words(tolerance: float | None, rtol: float | None) -> str:
    if tolerance is None and rtol is None:
        return "one unit of the last decimal written"
    parts = [f"{tolerance:g}" if tolerance else "", f"{rtol:g} x |expected|" if rtol else ""]
    return " + ".join(p for p in parts if p) or "0 (exact)"


def _arguments(problem: str, answers: list[str]) -> tuple[str | None, list[Path], bool]:
    """PROBLEM [ANSWERS...] as (the problem, the answers files, a batch or not). PROBLEM may itself be
    an answers file or a folder of them, whose files then name the problem (`problem:`)."""
    from ..answers import is_answers_file

    try:
        folder = Path(problem).is_dir()
    except (OSError, ValueError):         # a name too long for the system: the loader says so
        folder = False
    if folder or is_answers_file(problem):
        return (None, *_answers_files([problem] + answers))
    return (problem, *_answers_files(answers))


def _answers_files(args: list[str]) -> tuple[list[Path], bool]:
    """Answers files from arguments that are files or folders (a folder: its *.yaml and *.yml, sorted),
    and whether they make a batch (several files, or any folder)."""
    from ..answers import ANSWERS_SUFFIXES
    from ..errors import AnswersError

    paths: list[Path] = []
    batch = len(args) > 1
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            batch = True
            found = sorted(p for p in path.iterdir() if p.suffix in ANSWERS_SUFFIXES and p.is_file())
            if not found:
                raise AnswersError("no answers files (*.yaml, *.yml) in this folder", file=arg)
            paths += found
        else:
            paths.append(path)
    return paths, batch
