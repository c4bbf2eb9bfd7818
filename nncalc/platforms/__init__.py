"""The files course platforms import: Moodle XML (Cloze) and GIFT quizzes, a PrairieLearn question,
Gradescope results and autograders. Each builds on the variants' keys and the mistake catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Callable


def _moodle(questions, output: Path, category: str) -> str:
    from ..fileio import write_text_atomic
    from .moodle import moodle_xml

    write_text_atomic(output, moodle_xml(questions, category))
    return f"{len(questions)} Cloze questions in category {category!r}: {output}"


def _gift(questions, output: Path, category: str) -> str:
    from ..fileio import write_text_atomic
    from .gift import gift

    write_text_atomic(output, gift(questions, category))
    per = len(questions[0].blanks)
    return f"{len(questions) * per} GIFT numerical questions ({len(questions)} variants x {per} quantities): {output}"


def _prairielearn(questions, output: Path, category: str) -> str:
    from .prairielearn import write_question

    write_question(questions, output, category)
    return f"PrairieLearn question with {len(questions)} variants in {output}/ (info.json, question.html, server.py)"


QUIZ_WRITERS: dict[str, Callable[[list, Path, str], str]] = {
    "moodle": _moodle,
    "gift": _gift,
    "prairielearn": _prairielearn,
}


def write_quiz(fmt: str, folder: str | Path, output: Path, category: str | None = None) -> str:
    """Write the variants folder as a quiz in `fmt` (one of QUIZ_WRITERS); returns what was written."""
    from .common import quiz_questions

    questions = quiz_questions(folder)
    return QUIZ_WRITERS[fmt](questions, output, category or questions[0].variant.problem.name)
