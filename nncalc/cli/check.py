"""`nncalc check`: mark a student's numbers, or a folder of students' numbers, against a problem."""

from __future__ import annotations

import math
from typing import Optional

import typer

from . import app
from .common import (EXIT_BAD_INPUT, FILE_WIDTH, Decimals, Output, Sets, emit, emit_as, format_option, handle_errors,
                     make_console, unicode_ok)

CheckFormat = format_option("check")
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
    from ..api import check_report, check_run, gradescope
    from ..errors import UsageError

    for option, value, low in (("--tolerance", tolerance, 0.0), ("--rtol", rtol, 0.0)):
        if value is not None and not (math.isfinite(value) and value >= low):
            raise UsageError(f"{option} {value}: expected a number of at least {low:g}")
    if not (0.0 <= carried_credit <= 1.0):
        raise UsageError(f"--carried-credit {carried_credit}: expected a number from 0 to 1")

    console = make_console()
    if fmt.value == "gradescope":   # results.json even for an unusable file
        graded = gradescope(problem, list(answers or []), tolerance=tolerance, rtol=rtol, sets=set_,
                            carried_credit=carried_credit)
        emit(console, graded.text, output)
        if graded.error is not None:
            raise graded.error
        if graded.unusable:
            raise typer.Exit(EXIT_BAD_INPUT)
        if not graded.all_correct:
            raise typer.Exit(EXIT_SOME_NOT_CORRECT)
        return
    run = check_run(problem, list(answers or []), tolerance=tolerance, rtol=rtol, sets=set_, explain=explain)
    report = check_report(run, tolerance=tolerance, rtol=rtol, carried_credit=carried_credit, explain=explain,
                          decimals=decimals, unicode=unicode_ok(console) if output is None else True,
                          width=console.width if output is None else FILE_WIDTH)
    emit_as(console, "check", fmt, report, output, decimals=decimals)
    if run.unreadable:
        raise typer.Exit(EXIT_BAD_INPUT)
    if not run.all_correct:
        raise typer.Exit(EXIT_SOME_NOT_CORRECT)
