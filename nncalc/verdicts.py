"""What the checker says: the verdict on one answer (`Result`), on one answers file (`FileResult`,
its score) and, over many files, on each quantity (`QuantitySummary`). Records only: `nncalc.check`
works them out, renderers and course platforms read them."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

CORRECT, CARRIED, WRONG = "correct", "carried_forward", "wrong"
MISSING = "missing"            # an asked quantity not answered (or not readable): no marks
NO_SUBMISSION = "no submission"
NO_MISTAKE = "no known mistake reproduces it"
TOO_FEW_DIGITS = "too few digits written to tell which mistake, if any, gives it"
NOT_DIAGNOSED = "not compared with the known mistakes"


@dataclass(frozen=True)
class Result:
    """The verdict on one answered quantity."""

    name: str
    written: str
    given: float | None            # None: missing
    text: str                      # the number as written
    expected: float
    verdict: str
    diagnosis: str | None = None
    tolerance: float = 0.0
    carried: float | None = None   # what the student's own earlier numbers give, where that is not `expected`
    sources: tuple[str, ...] = ()  # their earlier answers a carried-forward number follows from
    roots: tuple[str, ...] = ()    # the wrong answers at the start of that chain
    mistakes: tuple[str, ...] = ()  # keys of the mistakes that reproduce a wrong number
    reason: str | None = None      # a wrong number's diagnosis without its specifics (for counting)
    line: int | None = None


@dataclass(frozen=True)
class FileResult:
    """One answers file checked (or the reason it could not be)."""

    file: str
    student: str | None = None
    results: tuple[Result, ...] = ()
    error: str | None = None
    asked: tuple[str, ...] = ()        # the problem's `ask:`: the score is over these
    student_id: str | None = None      # the roster id it was graded as (grading by variant)
    email: str = ""
    variant: str | None = None         # the variant file it was graded against
    submitted: bool = True             # False: a roster student with no answers file
    notes: tuple[str, ...] = ()        # keys of the file that could not be used (each marks one answer)

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    def credit(self, r: Result, carried_credit: float = 1.0) -> float:
        """The marks one answer earns: 1 correct, carried_credit carried forward, 0 otherwise."""
        return 1.0 if r.verdict == CORRECT else carried_credit if r.verdict == CARRIED else 0.0

    @property
    def max_score(self) -> int:
        """One mark per asked quantity (without `ask:`, per answered one)."""
        return len(self.asked) if self.asked else len(self.results)

    def points(self, carried_credit: float = 1.0) -> float:
        """Marks earned (of max_score)."""
        asked = set(self.asked)
        return math.fsum(self.credit(r, carried_credit) for r in self.results if not asked or r.name in asked)

    def score(self, carried_credit: float = 1.0) -> float | None:
        """Fraction of the marks earned: over `ask:` when the problem has one (a missing answer earns
        nothing), else over the answered quantities; a carried-forward one earns carried_credit."""
        if not self.submitted:
            return 0.0 if self.asked else None
        if not self.max_score:
            return None
        return self.points(carried_credit) / self.max_score

    @property
    def all_correct(self) -> bool:
        return self.error is None and self.submitted and all(r.verdict == CORRECT for r in self.results)


@dataclass(frozen=True)
class QuantitySummary:
    """How a class did on one quantity."""

    name: str
    answered: int
    correct: int
    carried: int
    wrong: int
    common: str | None = None      # the most common diagnosis of the wrong answers
    common_count: int = 0
    missing: int = 0               # asked but not answered


def summarize(files: Iterable[FileResult], order: dict[str, int]) -> list[QuantitySummary]:
    """Per quantity (in the computation's order): how many answered it, got it right or wrong, and why."""
    by_name: dict[str, list[Result]] = {}
    for f in files:
        for r in f.results:
            by_name.setdefault(r.name, []).append(r)
    out = []
    for name in sorted(by_name, key=order.__getitem__):
        rs = by_name[name]
        wrong = [r for r in rs if r.verdict == WRONG]
        reasons = Counter(r.reason or NO_MISTAKE for r in wrong)
        common, count = reasons.most_common(1)[0] if reasons else (None, 0)
        missing = sum(r.verdict == MISSING for r in rs)
        out.append(QuantitySummary(name, len(rs) - missing, sum(r.verdict == CORRECT for r in rs),
                                   sum(r.verdict == CARRIED for r in rs), len(wrong), common, count, missing))
    return out
