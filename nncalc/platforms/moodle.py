"""Moodle XML: one Embedded answers (Cloze) question per variant, all in one category, so a quiz's
random question draws one variant per student; its general feedback is the worked solution. Each asked quantity is a NUMERICAL sub-question
`{1:NUMERICAL:=KEY:TOL#feedback~%0%WRONG:TOL#diagnosis}`, the wrong answers being the values the
mistake catalogue predicts for that variant."""

from __future__ import annotations

import html

from .common import Blank, QuizQuestion, plain

_CLOZE_SPECIAL = ("\\", "}", "#", "~", "/", '"')


def cloze_text(text: str) -> str:
    """Feedback text for a Cloze sub-question: HTML-escaped, then its special characters backslashed
    (Moodle's rule for `} # ~ / " \\` inside a sub-question); `{` cannot be escaped, so it becomes `(`."""
    text = html.escape(text, quote=False).replace("{", "(")
    for ch in _CLOZE_SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text


def numerical(blank: Blank) -> str:
    """One NUMERICAL sub-question worth 1 mark."""
    tol = plain(blank.tolerance)
    parts = [f"={plain(blank.key)}:{tol}#{cloze_text('Correct.')}"]
    parts += [f"%0%{plain(value)}:{tol}#{cloze_text('Wrong: ' + why + '.')}" for value, why in blank.wrong]
    return "{1:NUMERICAL:" + "~".join(parts) + "}"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def moodle_xml(questions: list[QuizQuestion], category: str) -> str:
    """The whole quiz file: a category, then one Cloze question per variant."""
    from ..render.handout import statement_html, worked_text

    e = html.escape
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>",
             '  <question type="category">',
             f"    <category><text>{e('$course$/top/' + category)}</text></category>",
             "  </question>"]
    for q in questions:
        v = q.variant
        text = statement_html(v, {b.name: numerical(b) for b in q.blanks})
        solution = "<pre>" + html.escape("\n".join(worked_text(v)), quote=False) + "</pre>"
        lines += ['  <question type="cloze">',
                  f"    <name><text>{e(f'{category} {v.id}')}</text></name>",
                  f'    <questiontext format="html"><text>{_cdata(text)}</text></questiontext>',
                  f'    <generalfeedback format="html"><text>{_cdata(solution)}</text></generalfeedback>',
                  "    <penalty>0.3333333</penalty>",
                  "    <hidden>0</hidden>",
                  f"    <idnumber>{e(v.id)}</idnumber>",
                  "  </question>"]
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
