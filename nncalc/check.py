"""The checker: each answered number is correct, follows from the student's own earlier numbers
(error carried forward), or wrong, with the known mistake that reproduces it where one does.

Everything is recomputed through the trace's graph (`Trace.evaluate`, `nncalc.recompute`); the
mistakes of `nncalc.mistakes` are applied once per problem (`nncalc.alternatives`), so checking many
files costs little per file. The verdicts are `nncalc.verdicts`' records; `nncalc.grading` checks
a whole command line's files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .alternatives import Alternative, build_alternatives
from .answers import Answer, AnswerSheet, read_answers, sheet_from_doc
from .bundled import open_problem
from .errors import AnswersError, ComputeError, ProblemError
from .mistakes import digit_slip, impossible_factor, short, significant_digits
from .names import name_resolver
from .recompute import Graph, pull
from .trace import Trace
from .verdicts import CARRIED, CORRECT, MISSING, NO_MISTAKE, NOT_DIAGNOSED, TOO_FEW_DIGITS, WRONG, FileResult, Result

MIN_DIGITS_TO_DIAGNOSE = 2     # with one significant digit, too many mistakes would "match"
# A wrong answer computed from more quantities than this (given numbers included) is not compared
# with the mistake catalogue, nor excused by the rounding of the student's earlier numbers: each
# costs work in proportion to those quantities for every mistake (a deep layer of deep-10x100 depends
# on 300,000). Every worked example of the decks depends on fewer than 200.
MAX_DIAGNOSED = 20_000

# float64 cannot tell numbers apart more finely than this (relative), however many digits are written
_FLOAT_SLACK = 1e-12


class Checker:
    """Checks answer sheets against one problem; build once, check any number of files."""

    def __init__(self, trace: Trace, tolerance: float | None = None, rtol: float | None = None) -> None:
        self.trace = trace
        self.graph = Graph(trace)
        self.exact = trace.values()
        self.resolver = name_resolver(trace)
        self.atol, self.rtol = tolerance, rtol
        self._alternatives: list[Alternative] | None = None
        self._diagnosable: dict[str, bool] = {}
        self.asked = asked_names(trace, self.resolver)

    # -- reading

    def read(self, path: str | Path) -> AnswerSheet:
        """Read and resolve an answers file (an AnswersError says what is wrong, and where)."""
        return sheet_from_doc(read_answers(path), self.resolver)

    def sheet(self, doc) -> tuple[AnswerSheet, dict[Any, AnswersError]]:
        """An answers file's sheet; with `ask:`, a bad key is set aside with its error (it marks that
        answer only) rather than refusing the file."""
        if not self.asked:
            return sheet_from_doc(doc, self.resolver), {}
        rejected: dict[Any, AnswersError] = {}
        return sheet_from_doc(doc, self.resolver, rejected=rejected), rejected

    def own_answers(self) -> AnswerSheet | None:
        """The problem file's own `answers:` block, or None."""
        p = self.trace.problem
        if p.answers is None or p.doc is None:
            return None
        return sheet_from_doc(p.doc, self.resolver, top_level=False)

    # -- checking

    def tolerance(self, answer: Answer, reference: float) -> float:
        """How far from `reference` the answer may be: one unit of its last written decimal, unless
        --tolerance/--rtol say otherwise."""
        if self.atol is None and self.rtol is None:
            return 10.0 ** -answer.decimals
        return (self.atol or 0.0) + (self.rtol or 0.0) * abs(reference)

    @staticmethod
    def within(given: float, reference: float, tol: float) -> bool:
        """|given - reference| <= tol, give or take float64 rounding (so 0.7 - 0.6 is within 0.1)."""
        slack = _FLOAT_SLACK * max(abs(given), abs(reference))
        return abs(given - reference) <= tol * (1 + 1e-9) + slack

    def check(self, sheet: AnswerSheet, rejected: Mapping[Any, AnswersError] | None = None) -> FileResult:
        """Verdicts for every answer of a sheet, in the sheet's order; then, with `ask:`, each asked
        quantity not answered (or whose key, in `rejected` with its error, was set aside) as missing."""
        result = _SheetCheck(self, sheet).run()
        if not self.asked:
            return result
        rejected = rejected or {}
        why = {self.resolver.resolve(key): e.message for key, e in rejected.items() if isinstance(key, str)}
        answered = {r.name for r in result.results}
        missing = []
        for name in self.asked:
            if name in answered:
                continue
            reason = f"not readable: {why[name]}" if name in why else "not answered"
            missing.append(Result(name=name, written="", given=None, text="", expected=self.exact[name],
                                  verdict=MISSING, diagnosis=reason, reason=reason))
        return FileResult(result.file, result.student, result.results + tuple(missing), asked=self.asked,
                          notes=tuple(str(e) for e in rejected.values()))

    # -- mistakes, built on first need and kept for every later file

    @property
    def alternatives(self) -> list[Alternative]:
        """Every known mistake applied to this problem (set up on first need, kept for every file)."""
        if self._alternatives is None:
            self._alternatives = build_alternatives(self.trace)
        return self._alternatives

    def diagnosable(self, name: str) -> bool:
        """Whether a wrong `name` is small enough to look for the mistakes behind it (MAX_DIAGNOSED)."""
        if name not in self._diagnosable:
            self._diagnosable[name] = self.graph.depends_on_at_most(name, MAX_DIAGNOSED)
        return self._diagnosable[name]

    def reproduced_by(self, name: str, given: float, tol: float) -> list[Alternative]:
        """The mistakes that, made on the problem's own numbers, give `given` for `name`."""
        exact = self.exact[name]
        found = []
        for alt in self.alternatives:
            if name in alt.reach:
                value = alt.value(name)
                if self.within(given, value, tol) and not self.within(value, exact, tol):
                    found.append(alt)
        return found


@dataclass
class _SheetCheck:
    """Checking one sheet: the student's world (their numbers, and what follows from them)."""

    checker: Checker
    sheet: AnswerSheet
    given: dict[str, float] = field(init=False)
    answers: dict[str, Answer] = field(init=False)
    world: dict[str, float] = field(default_factory=dict)   # worked out from their numbers so far
    results: dict[str, Result] = field(default_factory=dict)
    _frontier: dict[str, frozenset[str]] = field(default_factory=dict)
    _mistaken: dict[int, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.given = self.sheet.given()
        self.answers = {a.name: a for a in self.sheet.answers}

    def value_of(self, name: str) -> float:
        """A quantity as it follows from the student's own numbers (theirs where they gave one)."""
        if name in self.world:
            return self.world[name]
        if not self._follows_from_theirs(name):
            return self._given_or_exact(name)
        return pull(self.checker.trace, name, self.world, self._follows_from_theirs, self.checker.trace.evaluate,
                    self._given_or_exact)

    def _follows_from_theirs(self, name: str) -> bool:
        return name not in self.given and bool(self._upstream(name))

    def _given_or_exact(self, name: str) -> float:
        return self.given[name] if name in self.given else self.checker.exact[name]

    def run(self) -> FileResult:
        c = self.checker
        for answer in sorted(self.sheet.answers, key=lambda a: c.graph.position[a.name]):
            self.results[answer.name] = self._verdict(answer)
        in_file_order = tuple(self.results[a.name] for a in self.sheet.answers)
        return FileResult(self.sheet.file, self.sheet.student, in_file_order)

    def _verdict(self, a: Answer) -> Result:
        c = self.checker
        expected = c.exact[a.name]
        tol = c.tolerance(a, expected)
        base = dict(name=a.name, written=a.written, given=a.value, text=a.text, expected=expected,
                    tolerance=tol, line=a.line)
        if c.within(a.value, expected, tol):
            return Result(verdict=CORRECT, **base)
        theirs = c.trace.evaluate(a.name, self.value_of)    # this step, from their own earlier numbers
        if not math.isfinite(theirs):       # their numbers overflow here: nothing follows from them
            return self._wrong(a, tol, None, {**base, "carried": None})
        base["carried"] = theirs if not c.within(theirs, expected, tol) else None
        tol_theirs = c.tolerance(a, theirs)
        if (c.within(a.value, theirs, tol_theirs)
                or (c.diagnosable(a.name) and c.within(a.value, theirs, tol_theirs + self._slack(a.name, theirs)))):
            culprits = tuple(n for n in self.frontier(a.name) if self.results[n].verdict != CORRECT)
            if not culprits:   # their earlier numbers are right as written; this one is them rounded on
                return Result(verdict=CORRECT, diagnosis="agrees with your own (rounded) earlier numbers", **base)
            roots = self._roots(culprits)
            return Result(verdict=CARRIED, diagnosis=_carried_text(culprits, roots, self.answers),
                          sources=culprits, roots=roots, **base)
        return self._wrong(a, tol, theirs, base)

    def _wrong(self, a: Answer, tol: float, theirs: float | None, base: dict) -> Result:
        """A wrong number: the mistakes that reproduce it, or what can be said without guessing.
        theirs: what their own earlier numbers give, None where that is not a finite number."""
        c = self.checker
        if significant_digits(a.text) < MIN_DIGITS_TO_DIAGNOSE:
            return Result(verdict=WRONG, diagnosis=TOO_FEW_DIGITS, reason=TOO_FEW_DIGITS, **base)
        if not c.diagnosable(a.name):
            text = (f"{NOT_DIAGNOSED}: {a.name} is computed from more than {MAX_DIAGNOSED:,} quantities; "
                    f"the right value is {short(base['expected'])}")
            if base["carried"] is not None:
                text += f", your own earlier numbers give {short(base['carried'])}"
            return Result(verdict=WRONG, diagnosis=text, reason=NOT_DIAGNOSED, **base)
        alts, own = ([], True) if theirs is None else (self._mistakes_on_own_numbers(a, tol, theirs), True)
        if not alts:
            alts, own = c.reproduced_by(a.name, a.value, tol), False
        carried = base["carried"]
        if alts:
            text = "; or ".join(dict.fromkeys(alt.describe(a.name) for alt in alts))
            if own and carried is not None:
                text += " (made on your own earlier numbers)"
            keys = tuple(dict.fromkeys(alt.mistake.key for alt in alts))
            reason = " or ".join(dict.fromkeys(alt.mistake.title for alt in alts))
            return Result(verdict=WRONG, diagnosis=text, mistakes=keys, reason=reason, **base)
        notes = [impossible_factor(c.trace, a.name, a.value, self.value_of), digit_slip(a.text, base["expected"]),
                 digit_slip(a.text, theirs) if carried is not None else None]
        extra = next((n for n in notes if n), None)
        text = NO_MISTAKE
        if extra:
            text += f": {extra}"
        elif theirs is None:
            text += "; your own earlier numbers give no finite value here (they overflow float64)"
        elif carried is None:
            text += "; a slip in the arithmetic or in copying?"
        else:
            text += f"; your own earlier numbers give {short(carried)}"
        return Result(verdict=WRONG, diagnosis=text, reason=NO_MISTAKE, **base)

    def _mistakes_on_own_numbers(self, a: Answer, tol: float, theirs: float) -> list[Alternative]:
        """The mistakes that reproduce a wrong number when made on the student's own earlier numbers."""
        c = self.checker
        if not self.frontier(a.name):      # none upstream: their world is the problem's, see reproduced_by
            return []
        given = self.given
        found = []
        for i, alt in enumerate(c.alternatives):
            if a.name not in alt.reach:
                continue
            known = self._mistaken.setdefault(i, {})

            def mistaken(n: str, alt=alt, known=known) -> float:
                return pull(c.trace, n, known, lambda m: m in alt.reach and m not in given, alt.step,
                            self.value_of)

            value = alt.step(a.name, mistaken)
            if c.within(a.value, value, tol) and not c.within(value, theirs, tol):
                found.append(alt)
        return found

    def _slack(self, name: str, theirs: float) -> float:
        """How far `theirs` moves when each of the student's nearest earlier numbers moves by the
        precision it was written with (they may have carried more digits than they wrote)."""
        c, given, total = self.checker, self.given, 0.0
        for f in self.frontier(name):
            known = {f: given[f] + c.tolerance(self.answers[f], given[f])}

            def moved(n: str, f=f, known=known) -> float:
                return pull(c.trace, n, known, lambda m: m not in given and f in self._upstream(m),
                            c.trace.evaluate, self.value_of)

            total += abs(c.trace.evaluate(name, moved) - theirs)
        return total if math.isfinite(total) else 0.0      # moved numbers that overflow excuse nothing

    def frontier(self, name: str) -> tuple[str, ...]:
        """The student's answers nearest upstream of `name` (its inputs, looking past unanswered steps)."""
        found: set[str] = set()
        for n in self.checker.trace[name].inputs:
            found |= self._upstream(n)
        return tuple(sorted(found, key=self.checker.graph.position.__getitem__))

    def _upstream(self, name: str) -> frozenset[str]:
        """The answered quantities nearest upstream of `name`, itself included (memoized, iterative)."""
        given, memo, trace = self.given, self._frontier, self.checker.trace
        if name in given:
            return frozenset((name,))
        stack = [(name, False)]
        while stack:
            n, inputs_done = stack.pop()
            if n in memo:
                continue
            inputs = trace[n].inputs
            if inputs_done:
                memo[n] = frozenset().union(*(frozenset((i,)) if i in given else memo[i] for i in inputs))
            else:
                stack.append((n, True))
                stack.extend((i, False) for i in inputs if i not in given and i not in memo)
        return memo[name]

    def _roots(self, culprits: Iterable[str]) -> tuple[str, ...]:
        roots: dict[str, None] = {}
        for n in culprits:
            r = self.results[n]
            for root in (r.roots if r.verdict == CARRIED else (n,)):
                roots[root] = None
        return tuple(sorted(roots, key=self.checker.graph.position.__getitem__))


def _carried_text(culprits: tuple[str, ...], roots: tuple[str, ...], answers: dict[str, Answer]) -> str:
    yours = " and ".join(f"{n} = {answers[n].text}" for n in culprits)
    text = f"follows from your {yours}"
    if set(roots) != set(culprits):
        text += f" (carrying forward your {' and '.join(roots)})"
    return text


def asked_names(trace: Trace, resolver=None) -> tuple[str, ...]:
    """`ask:`'s names resolved to the trace's canonical names (a name it does not know is an error
    naming the file and line); `resolver`: the trace's, if already built."""
    p = trace.problem
    if p.ask is None:
        return ()
    resolver = resolver or name_resolver(trace)
    names = []
    for i, written in enumerate(p.ask.quantities):
        name = resolver.resolve(written)
        if name is None:
            raise ProblemError(resolver.why_unknown(written), file=p.source, where=f"ask.quantities[{i}]",
                               line=p.ask.lines[i] if p.ask.lines else None)
        names.append(name)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ProblemError(f"{dup} is asked twice (under two spellings)", file=p.source, where="ask.quantities")
    return tuple(names)


def load_checked(ref: str, sets: list[str] | None = None):
    """A problem by path or bundled name, with --set applied; refused if it has no samples to check."""
    from .graph import is_graph_problem

    problem = open_problem(ref, sets)
    if not is_graph_problem(problem) and problem.n_samples == 0:
        raise ComputeError("the problem has no samples written out (data: [{input: ..., target: ...}]); "
                           "check needs them", file=problem.source, where="data")
    return problem


def checking_trace(problem, times: int = 1) -> Trace:
    """The problem's trace; forward only where backpropagation is not defined (step or sign units).
    Refused past the size rule of `nncalc.limits` (times: how many such traces the command builds)."""
    from .engine import check_backprop
    from .graph import is_graph_problem
    from .limits import require_nameable
    from .trace import build_trace

    if is_graph_problem(problem):
        from .graph.trace import build_graph_trace

        return build_graph_trace(problem)
    try:
        check_backprop(problem.network.layers, problem.loss)
    except ComputeError:
        require_nameable(problem, "checking", with_backward=False, times=times)
        return build_trace(problem, with_backward=False)
    require_nameable(problem, "checking", times=times)
    return build_trace(problem)
