"""For instructors: a variant of a problem per student, quiz questions, a Gradescope autograder."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from .problems import open_problem


class VariantsWritten(NamedTuple):
    """The variants `variants()` wrote, and the name of the folder's index file."""

    variants: list[Any]
    index: str


def variants(problem: str, output: Path, *, count: int | None = None, roster: Path | None = None,
             seed: int = 0, handouts: bool = True, handout_format: str = "markdown") -> VariantsWritten:
    """A different problem for every student (`nncalc variants`): `count` numbered variants or one
    per `roster` student, each file with its key, handout and solution (Markdown, LaTeX or HTML),
    and the folder's index."""
    from ..errors import UsageError
    from ..roster import numbered, read_roster
    from ..variant_folder import INDEX_FILE, write_variants

    if (count is None) == (roster is None):
        raise UsageError("give either --count N (numbered variants) or --roster roster.csv (one per student)")
    students = read_roster(roster) if roster is not None else numbered(count)   # type: ignore[arg-type]
    return VariantsWritten(write_variants(open_problem(problem), students, seed, output, handouts, handout_format),
                           INDEX_FILE)


def quiz(fmt: str, folder: str | Path, output: Path, category: str | None = None) -> str:
    """A variants folder as quiz questions (moodle, gift, prairielearn); what was written, in a line."""
    from ..platforms import write_quiz

    return write_quiz(fmt, folder, output, category)


def autograder(problem: str, output: Path, carried_credit: float = 1.0) -> str:
    """A Gradescope autograder zip for a problem; what it holds, in one line."""
    from ..platforms.gradescope import write_autograder

    return write_autograder(problem, output, carried_credit)
