"""`nncalc variants`, `nncalc quiz` and `nncalc autograder`: a different problem for every student,
their keys, handouts and solutions, and the files the course platforms import."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import PROBLEM_HELP, emit, format_enum, handle_errors, make_console

HandoutFormat = format_enum("handout")


@app.command()
@handle_errors
def variants(
    problem: str = typer.Argument(..., show_default=False, metavar="PROBLEM", help=PROBLEM_HELP + " It needs "
                                  "`vary:` (what to draw) and `ask:` (what students give)."),
    output: Path = typer.Option(..., "--output", "-o", show_default=False, file_okay=False,
                                help="The folder to write (made if missing)."),
    count: Optional[int] = typer.Option(None, "--count", "-n", min=1, max=10_000, show_default=False,
                                        help="How many numbered variants (variant-01.yaml, ...)."),
    roster: Optional[Path] = typer.Option(None, "--roster", show_default=False, dir_okay=False,
                                          help="A CSV with columns id (and optionally name, email): one variant "
                                               "per student, ID.yaml."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**63 - 1,
                             help="The same seed gives every student the same numbers on every run."),
    handouts: bool = typer.Option(True, "--handouts/--no-handouts",
                                  help="Also write handouts/ID.md (no answers) and solutions/ID.md."),
    handout_format: HandoutFormat = typer.Option("markdown", "--handout-format",
                                                 help="The handouts' and solutions' format: markdown (.md), "
                                                      "latex (.tex) or html (.html)."),
) -> None:
    """Write one complete problem file per variant (with `variant:` and its key under `answers:`),
    a handout and a worked solution for each, and the folder's index variants.csv."""
    from ..api import variants as write_variants

    made, index = write_variants(problem, output, count=count, roster=roster, seed=seed, handouts=handouts,
                                  handout_format=handout_format.value)
    redrawn = sum(v.draws > 1 for v in made)
    first, last = made[0].id, made[-1].id
    lines = [f"{len(made)} variants of {made[0].problem.name} (seed {seed}) in {output}/: "
             f"{first}.yaml{' ... ' + last + '.yaml' if len(made) > 1 else ''}, index {index}"]
    if handouts:
        lines.append(f"handouts in {output}/handouts/, worked solutions in {output}/solutions/")
    lines.append(f"asked: {', '.join(made[0].asked)}")
    if redrawn:
        lines.append(f"{redrawn} variant{'s' if redrawn != 1 else ''} drawn again after a degenerate draw")
    emit(make_console(), "\n".join(lines))


class QuizFormat(str, Enum):
    """What `quiz` writes."""

    moodle = "moodle"
    gift = "gift"
    prairielearn = "prairielearn"


@app.command()
@handle_errors
def quiz(
    fmt: QuizFormat = typer.Argument(..., metavar="FORMAT", help="moodle (Moodle XML, Cloze), gift, or "
                                     "prairielearn (a question folder)."),
    folder: Path = typer.Argument(..., metavar="VARIANTS", help="A folder written by `nncalc variants`."),
    output: Path = typer.Option(..., "--output", "-o", show_default=False,
                                help="The file to write (moodle, gift) or the question folder (prairielearn)."),
    category: Optional[str] = typer.Option(None, "--category", help="The question bank category "
                                           "(default: the problem's name)."),
) -> None:
    """The variants as quiz questions: one per variant, each asked quantity a numeric blank with the
    checker's tolerance, and the mistake catalogue's predicted wrong values with their diagnosis."""
    from ..api import quiz as write_quiz

    written = write_quiz(fmt.value, folder, output, category)
    emit(make_console(), written)


@app.command()
@handle_errors
def autograder(
    problem: str = typer.Argument(..., show_default=False, metavar="PROBLEM", help=PROBLEM_HELP),
    output: Path = typer.Option(Path("autograder.zip"), "--output", "-o", dir_okay=False,
                                help="The zip to write."),
    carried_credit: float = typer.Option(1.0, "--carried-credit",
                                         help="Marks a carried-forward answer earns, from 0 to 1."),
) -> None:
    """A Gradescope autograder zip: setup.sh, run_autograder, the problem, and nncalc's own wheel."""
    from ..api import autograder as write_autograder
    from ..errors import UsageError

    if not 0.0 <= carried_credit <= 1.0:
        raise UsageError(f"--carried-credit {carried_credit}: expected a number from 0 to 1")
    emit(make_console(), write_autograder(problem, output, carried_credit))
