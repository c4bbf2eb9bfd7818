"""The files course platforms import: Moodle XML (Cloze) and GIFT quizzes, a PrairieLearn question,
Gradescope results and autograders. Each builds on the variants' keys and the mistake catalogue."""

from __future__ import annotations

from pathlib import Path


def write_quiz(fmt: str, folder: str | Path, output: Path, category: str | None = None) -> str:
    """Write the variants folder as a quiz in `fmt`; returns what was written, in one line."""
    from ..fileio import write_text_atomic
    from .common import quiz_questions

    questions = quiz_questions(folder)
    name = category or questions[0].variant.problem.name
    if fmt == "prairielearn":
        from .prairielearn import write_question

        write_question(questions, output, name)
        return f"PrairieLearn question with {len(questions)} variants in {output}/ (info.json, question.html, server.py)"
    if fmt == "moodle":
        from .moodle import moodle_xml

        write_text_atomic(output, moodle_xml(questions, name))
        return f"{len(questions)} Cloze questions in category {name!r}: {output}"
    from .gift import gift

    write_text_atomic(output, gift(questions, name))
    per = len(questions[0].blanks)
    return f"{len(questions) * per} GIFT numerical questions ({len(questions)} variants x {per} quantities): {output}"
