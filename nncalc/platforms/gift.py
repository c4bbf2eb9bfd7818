"""GIFT: the variants as numerical questions. GIFT has no multi-part question, so each asked quantity of
each variant is one question (with its variant's whole statement), and the questions of one quantity
share a category: a quiz draws one random question per category."""

from __future__ import annotations

from .common import Blank, QuizQuestion, plain

_GIFT_SPECIAL = ("\\", "~", "=", "#", "{", "}", ":")


def gift_text(text: str) -> str:
    """Text with GIFT's special characters backslashed (`~ = # { } :` and the backslash)."""
    for ch in _GIFT_SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split("\n"))


def answers(blank: Blank) -> str:
    """`{#=KEY:TOL#Correct. =%0%WRONG:TOL#diagnosis ...}`."""
    tol = plain(blank.tolerance)
    parts = [f"={plain(blank.key)}:{tol}#{gift_text('Correct.')}"]
    parts += [f"=%0%{plain(value)}:{tol}#{gift_text('Wrong: ' + why + '.')}" for value, why in blank.wrong]
    return "{#" + " ".join(parts) + "}"


def gift(questions: list[QuizQuestion], category: str) -> str:
    """The GIFT file: per asked quantity a category, then one question per variant."""
    import html

    from ..render.handout import statement_html

    statements = {q.variant.id: statement_html(q.variant, with_asked=False) for q in questions}
    lines = [f"// {len(questions)} variants of {category}, made by nncalc variants; one category per asked quantity", ""]
    for i, name in enumerate(b.name for b in questions[0].blanks):
        lines += [f"$CATEGORY: $course$/top/{gift_text(category)}/{i + 1:02d} {gift_text(name)}", ""]
        for q in questions:
            blank = next(b for b in q.blanks if b.name == name)
            title = gift_text(f"{category} {q.variant.id} {name}")
            ask = f"<p>What is {html.escape(blank.slide, quote=False)} (<code>{html.escape(name, quote=False)}</code>)?</p>"
            text = gift_text(statements[q.variant.id] + ask)
            lines += [f"::{title}::[html]{text}{answers(blank)}", ""]
    return "\n".join(lines)
