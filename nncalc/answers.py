"""Answers files: a student's numbers by quantity name, read with the precision they were written in.

```yaml
problem: hw3.yaml        # optional; the command line's PROBLEM wins
student: Kim             # optional
answers:
  out.h1: 0.613962657    # canonical names (see nncalc.trace) ...
  dE_total/dw5: 0.08415504   # ... or the slides' notation
  w5+: 0.19792248
```
Names resolve to the trace's canonical names through `nncalc.names.NameResolver` (the slide
notation, time steps, the AI-study deck's matrices); this module reads the file around them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import AnswersError
from .errors import suggest
from .names import NameResolver
from .schema import answer_number
from .yamlio import Path_, YamlDoc, format_path, read_yaml

ANSWERS_KEYS = ("problem", "student", "answers")
ANSWERS_SUFFIXES = (".yaml", ".yml")
NAME_MAX, PATH_MAX = 255, 4096        # the longest file name (one part) and path Linux and macOS accept


@dataclass(frozen=True)
class Answer:
    """One answered quantity: its canonical name, the key as written, the number and its written form."""

    name: str
    written: str
    value: float
    text: str              # the number exactly as written, e.g. '0.050'
    decimals: int          # decimal places as written ('0.050': 3, '7.5e-4': 5)
    line: int | None = None


@dataclass(frozen=True)
class AnswerSheet:
    """An answers file (or a problem's own `answers:` block), names already resolved."""

    file: str
    answers: tuple[Answer, ...]
    student: str | None = None
    problem: str | None = None     # the `problem:` key, resolved against the file's folder

    def given(self) -> dict[str, float]:
        return {a.name: a.value for a in self.answers}


# ---------------------------------------------------------------- numbers as written

_DECIMAL = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$")


def written_decimals(text: str) -> int:
    """Decimal places of a number as written: '0.050' -> 3, '2' -> 0, '7.52411e-4' -> 9."""
    m = _DECIMAL.match(text.strip().replace("_", ""))
    if not m:
        return 0
    exponent = m.group("exp") or "0"
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 6:                        # an absurd exponent: the value is 0 or inf anyway
        return 0
    return max(len(m.group("frac") or "") - int(digits) * (-1 if exponent.startswith("-") else 1), 0)


# ---------------------------------------------------------------- reading

def read_answers(path: str | Path) -> YamlDoc:
    """Read an answers file's YAML, checking only that it is a mapping (sheet_from_doc does the rest)."""
    doc = read_yaml(path, AnswersError)
    data = doc.data
    if data is None:
        raise AnswersError("the file is empty; expected 'answers:' with one 'name: number' per line", file=doc.file)
    if not isinstance(data, dict):
        raise AnswersError("expected a mapping with 'answers:' (and optionally 'problem:' and 'student:')",
                           file=doc.file, line=doc.line_of(()))
    return doc


def is_answers_file(path: str | Path) -> bool:
    """True for an answers file (read to see its keys); a problem file, a folder or no file: False."""
    try:
        if not Path(path).is_file():
            return False
    except (OSError, ValueError):
        return False
    return is_answers_doc(read_yaml(path, AnswersError).data)


def is_answers_doc(data: Any) -> bool:
    """True for an answers file: no `network:` or `graph:`, and any of the keys only an answers file has."""
    return (isinstance(data, dict) and "network" not in data and "graph" not in data
            and any(k in data for k in ANSWERS_KEYS))


def sheet_from_doc(doc: YamlDoc, resolver: NameResolver, *, within: Path_ = ("answers",),
                   top_level: bool = True, rejected: dict[Any, AnswersError] | None = None) -> AnswerSheet:
    """Validate an answers mapping (an answers file's, or with top_level False a problem file's
    `answers:` block) into an AnswerSheet; every failure names the file, line and key. With a
    `rejected` mapping, a bad key's error goes there under the key as written, and the other keys
    are still read."""
    data = doc.data
    student = problem = None
    if top_level:
        if "network" in data or "graph" in data:
            raise AnswersError("this is a problem file, not an answers file (one with 'answers:'); "
                               "give the problem first: nncalc check PROBLEM ANSWERS", file=doc.file)
        for key in data:
            if key not in ANSWERS_KEYS:
                if isinstance(key, str) and resolver.resolve(key):
                    hint = "; put the numbers under 'answers:'"
                else:
                    hint = suggest(key, ANSWERS_KEYS, n=1)
                raise _error(doc, (key,), f"unknown key '{key}'{hint}; expected {', '.join(ANSWERS_KEYS)}")
        if "answers" not in data:
            raise AnswersError("missing 'answers:' (one 'name: number' per line under it)", file=doc.file)
        student = _scalar_text(doc, data, "student")
        problem = problem_ref(doc)
    block = _at(data, within)
    if not isinstance(block, dict):
        raise _error(doc, within, "expected a mapping of quantity names to numbers, e.g. 'out.h1: 0.614'")
    if not block:
        raise _error(doc, within, "no answers given")
    node = doc.node_at(within)
    texts = ({k.value: (v, k.start_mark.line + 1) for k, v in node.value}
             if isinstance(node, yaml.MappingNode) else {})
    answers: list[Answer] = []
    seen: dict[str, str] = {}
    for key, value in block.items():
        try:
            answers.append(_answer(doc, resolver, within, key, value, texts, seen))
        except AnswersError as exc:
            if rejected is None:
                raise
            rejected[key] = exc
    return AnswerSheet(doc.file, tuple(answers), student, problem)


def _answer(doc: YamlDoc, resolver: NameResolver, within: Path_, key: Any, value: Any, texts: dict,
            seen: dict[str, str]) -> Answer:
    """One `name: number` line of an answers block, resolved and checked."""
    path = within + (key,)
    if not isinstance(key, str):
        raise _error(doc, path, f"expected a quantity name, got {key!r}")
    vnode, line = texts[key] if key in texts else (None, doc.line_of(path))
    text = vnode.value if isinstance(vnode, yaml.ScalarNode) else None
    number = answer_number(value)
    if number is None:
        shown = "nothing" if value is None else repr(value) if not isinstance(value, (list, dict)) \
            else ("a list" if isinstance(value, list) else "a mapping")
        raise _error(doc, path, f"expected a number, got {shown}", line)
    if not math.isfinite(number):
        raise _error(doc, path, f"expected a finite number, got {text or value}", line)
    name = resolver.resolve(key)
    if name is None:
        raise _error(doc, path, resolver.why_unknown(key), line)
    if name in seen:
        raise _error(doc, path, f"'{key}' and '{seen[name]}' both name {name}; give it once", line)
    seen[name] = key
    text = text or repr(number)
    return Answer(name, key, number, text, written_decimals(text), line)


def problem_ref(doc: YamlDoc) -> str | None:
    """An answers file's `problem:`: a path relative to the file's folder if there is one, else as written
    (a bundled problem's name, or a path relative to the working folder)."""
    if not isinstance(doc.data, dict):
        return None
    problem = _scalar_text(doc, doc.data, "problem")
    if problem is None:
        return None
    longest = max(len(part.encode("utf-8", "replace")) for part in Path(problem).parts) if problem else 0
    if "\0" in problem or longest > NAME_MAX or len(problem) > PATH_MAX:
        what = "a NUL byte" if "\0" in problem else f"a name of {max(longest, len(problem)):,} characters"
        raise _error(doc, ("problem",), f"expected a problem file or bundled name; got {what}, longer than "
                                        f"a file name can be ({NAME_MAX} a part, {PATH_MAX:,} in all)"
                                        if "\0" not in problem else f"expected a problem file name; got {what}")
    here = Path(doc.file).parent / problem
    try:
        return str(here) if here.exists() else problem      # a folder or FIFO there: the loader says why not
    except OSError:
        return problem


def _error(doc: YamlDoc, path: Path_, message: str, line: int | None = None) -> AnswersError:
    return AnswersError(message, file=doc.file, where=format_path(path) or None,
                        line=line if line is not None else doc.line_of(path))


def _scalar_text(doc: YamlDoc, data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise _error(doc, (key,), f"expected a single {'name' if key == 'student' else 'file or problem name'}")
    return str(value)


def _at(data: Any, path: Path_) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


