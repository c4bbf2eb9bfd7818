"""A PrairieLearn question folder: info.json (with a uuid), question.html (one pl-number-input per
asked quantity) and server.py, whose generate(data) picks one of the precomputed variants by
data["variant_seed"] and whose grade(data) adds the mistake catalogue's diagnosis to the feedback.
server.py needs only the standard library: the variants are written into it as data."""

from __future__ import annotations

import html
import json
import uuid
from pathlib import Path

from .common import QuizQuestion, plain

SERVER = '''"""PrairieLearn server.py written by `nncalc quiz prairielearn`: {count} precomputed variants of {title}.

generate(data) picks a variant by data["variant_seed"] and fills params and correct_answers;
grade(data) adds, for a wrong number that a known mistake gives, that mistake to data["feedback"].
Standard library only.
"""

import json

VARIANTS = json.loads({variants!r})


def _variant(data):
    wanted = data["params"].get("variant")
    for v in VARIANTS:
        if v["id"] == wanted:
            return v
    return VARIANTS[0]


def generate(data):
    v = VARIANTS[int(data.get("variant_seed", 0)) % len(VARIANTS)]
    data["params"]["variant"] = v["id"]
    data["params"]["statement"] = v["statement"]
    for name, blank in v["blanks"].items():
        data["correct_answers"][name] = blank["key"]


def grade(data):
    v = _variant(data)
    for name, blank in v["blanks"].items():
        given = data["submitted_answers"].get(name)
        try:
            given = float(given)
        except (TypeError, ValueError):
            continue
        tol = blank["tolerance"]
        if abs(given - blank["key"]) <= tol * (1 + 1e-9):
            continue
        why = [w["mistake"] for w in blank["wrong"] if abs(given - w["value"]) <= tol * (1 + 1e-9)]
        data["feedback"][name] = ("Wrong: " + why[0] + ".") if why else "Wrong: no known mistake gives this number."
'''


def question_uuid(questions: list[QuizQuestion], title: str) -> str:
    """The same variants always get the same uuid (so a rerun updates the question, not a copy)."""
    ids = ",".join(q.variant.id for q in questions)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nncalc:{title}:{ids}"))


def question_html(questions: list[QuizQuestion]) -> str:
    """The question panel (the variant's statement), a number input per asked quantity, the feedback."""
    first = questions[0]
    decimals = first.variant.problem.ask.decimals
    lines = ["<pl-question-panel>", "  {{{params.statement}}}",
             f"  <p>Compute each quantity to {decimals} decimal places.</p>", "</pl-question-panel>", ""]
    for b in first.blanks:
        label = html.escape(f"{b.slide} =", quote=True)
        lines.append(f'<pl-number-input answers-name="{b.field}" label="{label}" comparison="relabs" '
                     f'rtol="0" atol="{plain(b.tolerance)}"></pl-number-input>')
    lines += ["", "<pl-submission-panel>"]
    for b in first.blanks:
        lines.append(f"  {{{{#feedback.{b.field}}}}}<p>{b.slide}: {{{{feedback.{b.field}}}}}</p>{{{{/feedback.{b.field}}}}}")
    lines += ["</pl-submission-panel>", ""]
    return "\n".join(lines)


def server_py(questions: list[QuizQuestion], title: str) -> str:
    from ..render.handout import statement_html

    data = [{"id": q.variant.id, "statement": statement_html(q.variant, with_asked=False),
             "blanks": {b.field: {"name": b.name, "key": b.key, "tolerance": b.tolerance,
                                  "wrong": [{"value": v, "mistake": why} for v, why in b.wrong]}
                        for b in q.blanks}} for q in questions]
    return SERVER.format(count=len(questions), title=title.replace('"', "'"),
                         variants=json.dumps(data, ensure_ascii=False, sort_keys=True))


def info_json(questions: list[QuizQuestion], title: str) -> str:
    info = {"uuid": question_uuid(questions, title), "title": title, "topic": "Backpropagation",
            "tags": ["nncalc", "variants"], "type": "v3"}
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def write_question(questions: list[QuizQuestion], folder: Path, title: str) -> None:
    """The question folder (made if missing; its three files replaced)."""
    from ..fileio import write_text_atomic

    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / "info.json", info_json(questions, title))
    write_text_atomic(folder / "question.html", question_html(questions))
    write_text_atomic(folder / "server.py", server_py(questions, title))
