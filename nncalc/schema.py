"""The declarative validation kit: each kind of value one checker, each failure an `Invalid` at a
key path, turned into the file's error (file, YAML line, key path, what was expected) by `located`.

Every section of a problem file (network, data, training, answers) and the settings saved in a
checkpoint are checked with these, so one message style serves them all (scikit-learn's
`_parameter_constraints` is the model: a table of keys and the kind of value each takes).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .errors import NncalcError, suggest
from .yamlio import Path_, YamlDoc, format_path


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Invalid(Exception):
    """A validation failure at a key path; `located` adds the file and line."""

    def __init__(self, path: Path_, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def located(exc: Invalid, doc: YamlDoc | None, error: type[NncalcError], file: str | None = None) -> NncalcError:
    """The one error helper: an Invalid as `error` naming the file, the YAML line and the key path."""
    file = doc.file if doc is not None else file
    line = doc.line_of(exc.path) if doc is not None else None
    return error(exc.message, file=file, where=format_path(exc.path) or None, line=line)


def show(value: Any) -> str:
    """A value as a message shows it: strings quoted, collections by their kind."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if is_whole(value) and value.bit_length() > 1024:      # beyond float64 (and maybe str())
        return "a huge integer"
    return repr(value)


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def number(value: Any, path: Path_) -> float:
    """A finite number (an integer of hundreds of digits does not fit float64)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(path, f"expected a number, got {show(value)}")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise Invalid(path, f"expected a finite number, got {show(value)}")
    return x


_WRITTEN_NUMBER = re.compile(r"^[+-]?\d*(?:\.\d*)?(?:[eE][+-]?\d+)?$")


def answer_number(value: Any) -> float | None:
    """The number a YAML value stands for (a numeric string such as 1e-3 counts), else None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str) and _WRITTEN_NUMBER.match(value.strip().replace("_", "")):
            return float(value.replace("_", ""))
    except (ValueError, OverflowError):      # a 400-digit integer: inf, which is then refused
        return math.inf if isinstance(value, int) else None
    return None


def answers_block(value: Any, path: Path_) -> dict:
    """An `answers:` block's form: quantity names, each with a finite number (the names are
    resolved against the trace when checking)."""
    if not isinstance(value, dict):
        raise Invalid(path, "expected a mapping of quantity names to numbers, e.g. 'out.h1: 0.614'")
    for key, given in value.items():
        if not isinstance(key, str):
            raise Invalid(path + (key,), f"expected a quantity name, got {show(key)}")
        number = answer_number(given)
        if number is None:
            raise Invalid(path + (key,), f"expected a number, got {show(given)}")
        if not math.isfinite(number):
            raise Invalid(path + (key,), f"expected a finite number, got {show(given)}")
    return value


def whole(value: Any, path: Path_, minimum: int = 1) -> int:
    if not is_whole(value) or value < minimum:
        raise Invalid(path, f"expected a whole number of at least {minimum}, got {show(value)}")
    return value


_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "rate": (lambda x: x > 0, "a number greater than 0"),
    "fraction": (lambda x: 0 <= x < 1, "a number from 0 up to (not including) 1"),
    "nonneg": (lambda x: x >= 0, "a number of at least 0"),
}


def real(value: Any, path: Path_, kind: str) -> float:
    """A finite number in the range `kind` names: rate (> 0), fraction (0 <= x < 1), nonneg (>= 0)."""
    inside, words = _RANGES[kind]
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    try:
        ok = ok and math.isfinite(value) and inside(value)
    except OverflowError:
        ok = False
    if not ok:
        raise Invalid(path, f"expected {words}, got {show(value)}")
    return float(value)


def flag(value: Any, path: Path_) -> bool:
    if not isinstance(value, bool):
        raise Invalid(path, f"expected true or false, got {show(value)}")
    return value


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def choice(value: Any, path: Path_, choices: Sequence[str], what: str, close: int = 2) -> str:
    """One of `choices`, in its own spelling: names are matched in any case ('ReLU' is relu). A list
    or mapping here is refused, never looked up."""
    if not isinstance(value, str):
        raise Invalid(path, f"expected {_article(what)} {what} name (one of {', '.join(choices)}), got {show(value)}")
    folded = [c for c in choices if c.lower() == value.lower()]
    if value not in choices and len(folded) == 1:
        return folded[0]
    if value not in choices:
        raise Invalid(path, f"unknown {what} {show(value)}{suggest(value, choices, n=close)}; "
                            f"expected one of {', '.join(choices)}")
    return value


def mapping(value: Any, path: Path_, allowed: Sequence[str], required: Sequence[str] = (),
            what: str = "key", close: int = 3) -> dict:
    """A mapping whose keys are all `allowed` and include every `required` one."""
    if not isinstance(value, dict):
        raise Invalid(path, f"expected a mapping with keys {', '.join(allowed)}, got {show(value)}")
    for key in value:
        if key not in allowed:
            raise Invalid(path + (key,), f"unknown {what} {show(key)}{suggest(key, allowed, n=close)}; "
                                         f"expected one of {', '.join(allowed)}")
    for key in required:
        if key not in value:
            raise Invalid(path, f"missing required key '{key}'")
    return value


def vector(value: Any, length: int, names: tuple[str, ...], path: Path_) -> list[float]:
    """`length` numbers, one per name (a single number may stand alone when length is 1)."""
    if not isinstance(value, list):
        if length == 1 and not isinstance(value, dict):
            return [number(value, path)]
        raise Invalid(path, f"expected a list of {count(length, 'number')} ({', '.join(names)}), got {show(value)}")
    if len(value) != length:
        raise Invalid(path, f"expected {count(length, 'number')} ({', '.join(names)}), got {len(value)}")
    if all(v.__class__ is float or v.__class__ is int for v in value):      # the usual case, in bulk
        try:
            xs = [float(v) for v in value]
            if all(map(math.isfinite, xs)):
                return xs
        except OverflowError:
            pass
    return [number(v, path + (i,)) for i, v in enumerate(value)]


def name(value: Any, path: Path_) -> str:
    """A name of letters, digits and _ (a unit, an input, a weight)."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise Invalid(path, f"expected a name of letters, digits and _ (like h1), got {show(value)}")
    return value


def names(value: Any, default_prefix: str, path: Path_, what: str) -> tuple[str, ...]:
    """Unit or input names from a list of names or a count (prefix1, prefix2, ...)."""
    if is_whole(value):
        if value < 1:
            raise Invalid(path, f"expected at least 1 {what}, got {value}")
        return tuple(f"{default_prefix}{k}" for k in range(1, value + 1))
    if isinstance(value, list) and value:
        return tuple(name(n, path + (i,)) for i, n in enumerate(value))
    raise Invalid(path, f"expected a list of {what} names or a count, got {show(value)}")


@dataclass(frozen=True)
class Option:
    """One row of a parameter table: its default and the kind of value it takes."""

    default: Any
    kind: str            # "rate", "fraction", "nonneg", "bool" or "choice"
    choices: tuple[str, ...] = ()

    def check(self, value: Any, path: Path_, key: str) -> Any:
        if self.kind == "bool":
            return flag(value, path)
        if self.kind == "choice":
            return choice(value, path, self.choices, key)
        return real(value, path, self.kind)


Fields = dict[str, tuple[str, Callable[[Any], bool]]]     # key -> (what it must be, the test)


def check_fields(data: dict[str, Any], table: Fields, at: str = "") -> None:
    """Raise ValueError naming the first key of `data` that is not as `table` describes (`at`
    prefixes the message): the meta data of model files and checkpoints, read by the npz loader,
    which names the file."""
    for key, (expected, ok) in table.items():
        if not ok(data.get(key)):
            raise ValueError(f"{at}'{key}' is {data.get(key)!r:.60}, expected {expected}")
