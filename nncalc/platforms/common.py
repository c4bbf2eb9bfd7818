"""What every quiz export shares: each variant's asked quantities with the key, the checker's
tolerance for `ask.decimals`, and the wrong values the mistake catalogue predicts for that variant."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ProblemError
from ..variants import Variant


@dataclass(frozen=True)
class Blank:
    """One asked quantity of one variant: its key, tolerance, and the predicted wrong values."""

    name: str
    slide: str
    key: float
    tolerance: float
    wrong: tuple[tuple[float, str], ...]     # (value, the mistake that gives it)

    @property
    def field(self) -> str:
        """A name safe as an HTML form field and a Mustache key: grad.w5 -> grad_w5."""
        return field_name(self.name)


@dataclass(frozen=True)
class QuizQuestion:
    """One variant as a quiz question."""

    variant: Variant
    blanks: tuple[Blank, ...]


def field_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def predicted_wrong(checker, name: str, tolerance: float) -> tuple[tuple[float, str], ...]:
    """The values the known mistakes give for `name` in this variant, each told apart from the key and
    from one another by more than twice the tolerance (so every answer matches one entry at most);
    mistakes that give the same value share its entry ('...; or ...')."""
    exact = checker.exact[name]
    found: list[tuple[float, list[str]]] = []
    for alt in checker.alternatives:
        if name not in alt.reach:
            continue
        value = alt.value(name)
        if not math.isfinite(value) or abs(value - exact) <= 2 * tolerance:
            continue
        same = next((why for v, why in found if abs(value - v) <= 2 * tolerance), None)
        if same is None:
            found.append((value, [alt.describe(name)]))
        elif alt.describe(name) not in same:
            same.append(alt.describe(name))
    return tuple((value, "; or ".join(why)) for value, why in found)


def quiz_questions(folder: str | Path) -> list[QuizQuestion]:
    """Every variant of a variants folder, with its blanks."""
    from ..check import Checker
    from ..render.common import Symbols, slide_name
    from ..variant_folder import load_variant, open_variant_set

    vs = open_variant_set(folder)
    sym = Symbols.for_unicode(True)
    out = []
    for student in vs.students:
        variant = load_variant(vs, student)
        ask = variant.problem.ask
        if ask is None or ask.decimals is None:
            raise ProblemError("a quiz needs 'ask: {decimals: N}' (its tolerance is one unit of the N-th decimal)",
                               file=variant.problem.source, where="ask")
        checker = Checker(variant.trace)
        tol = ask.tolerance
        blanks = tuple(Blank(n, slide_name(n, sym), variant.trace[n].value, tol, predicted_wrong(checker, n, tol))
                       for n in variant.asked)
        out.append(QuizQuestion(variant, blanks))
    return out


def plain(x: float) -> str:
    """A number in positional notation (quiz platforms read no exponents), to 12 significant digits."""
    import numpy as np

    return np.format_float_positional(x, precision=12, unique=True, fractional=False, trim="-")
