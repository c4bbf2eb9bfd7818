"""The checker: each answered number is correct, follows from the student's own earlier numbers
(error carried forward), or wrong, with the known mistake that reproduces it where one does.

Everything is recomputed through the trace's graph (`Trace.evaluate`); the mistakes of
`nncalc.mistakes` are built once per problem, so checking many files costs little per file.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .answers import Answer, AnswerSheet, name_resolver, problem_ref, read_answers, sheet_from_doc
from .bundled import open_problem, resolve
from .errors import AnswersError, NncalcError
from .limits import without_gc
from .mistakes import (Alternative, Graph, build_alternatives, digit_slip, impossible_factor, pull, short,
                       significant_digits)
from .trace import Trace

CORRECT, CARRIED, WRONG = "correct", "carried_forward", "wrong"
MISSING = "missing"            # an asked quantity not answered (or not readable): no marks
NO_SUBMISSION = "no submission"
NO_MISTAKE = "no known mistake reproduces it"
TOO_FEW_DIGITS = "too few digits written to tell which mistake, if any, gives it"
MIN_DIGITS_TO_DIAGNOSE = 2     # with one significant digit, too many mistakes would "match"
# A wrong answer computed from more quantities than this (given numbers included) is not compared
# with the mistake catalogue, nor excused by the rounding of the student's earlier numbers: each
# costs work in proportion to those quantities for every mistake (a deep layer of deep-10x100 depends
# on 300,000). Every worked example of the decks depends on fewer than 200.
MAX_DIAGNOSED = 20_000
NOT_DIAGNOSED = "not compared with the known mistakes"

# float64 cannot tell numbers apart more finely than this (relative), however many digits are written
_FLOAT_SLACK = 1e-12


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
        from .variants import asked_names

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


# ---------------------------------------------------------------- many files

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


# ---------------------------------------------------------------- what the command line asks for



@dataclass
class CheckRun:
    """A whole `nncalc check`: the problem's checker and every file's result."""

    checker: Checker
    files: list[FileResult]
    batch: bool          # a folder or several files were given
    variants: int = 0    # graded by variant: how many variants (each file against its own)

    @property
    def unreadable(self) -> bool:
        """Some file of a batch could not be checked."""
        return any(f.error is not None for f in self.files)

    @property
    def all_correct(self) -> bool:
        return all(f.all_correct for f in self.files)


def run_check(problem: str | None, paths: Sequence[Path] = (), *, batch: bool = False,
              tolerance: float | None = None, rtol: float | None = None, sets: list[str] | None = None) -> CheckRun:
    """Check answers files against a problem (None: each file names its own with `problem:`; no
    files: the problem's own `answers:` block). Not a batch: an unusable file raises; a batch: its
    row says why."""
    checkers: dict[str, Checker] = {}

    def key(ref: str) -> str:
        """One name per problem file, however a file reaches it (a/../hw.yaml and b/../hw.yaml)."""
        try:
            return str(resolve(ref).resolve())
        except NncalcError:
            return ref

    def checker_for(ref: str) -> Checker:
        if key(ref) not in checkers:
            with without_gc():
                checkers[key(ref)] = Checker(checking_trace(load_checked(ref, sets)), tolerance, rtol)
        return checkers[key(ref)]

    if not paths:                         # the problem file's own answers: block
        checker = checker_for(problem)
        sheet = checker.own_answers()
        if sheet is None:
            raise AnswersError("the problem has no 'answers:' block; give an answers file: "
                               "nncalc check PROBLEM ANSWERS.yaml", file=checker.trace.problem.source)
        return CheckRun(checker, [checker.check(sheet)], batch=False)

    files: list[FileResult] = []
    main: str | None = problem
    if problem is not None:
        checker_for(problem)              # a broken problem is one error, not one per file
    for path in paths:
        student = None
        try:
            doc = read_answers(path)
            student = doc.data.get("student")
            ref = problem or problem_ref(doc)
            if ref is None:
                raise AnswersError("no problem to check against: give PROBLEM on the command line or a "
                                   "'problem:' key in the file", file=str(path))
            if main is not None and key(ref) != key(main):
                raise AnswersError(f"names problem '{ref}', unlike the files before it ('{main}'); give PROBLEM "
                                   "on the command line to check them all against one", file=str(path))
            checker = checker_for(ref)
            main = ref
            files.append(checker.check(*checker.sheet(doc)))
        except Exception as exc:     # in a batch, anything wrong with one file goes in its row
            if not batch:
                raise
            files.append(FileResult(str(path), None if student is None else str(student), error=file_error(exc, path)))
    if main is None:      # not one file could be read far enough to say which problem
        raise AnswersError(f"none of the {len(files)} answers files could be checked, so none says which problem "
                           f"to check against; the first: {files[0].error}")
    return CheckRun(checker_for(main), files, batch)


def file_error(exc: Exception, path: str | Path) -> str:
    """One line for a gradebook row: nncalc's own message, or what else went wrong with the file."""
    if isinstance(exc, NncalcError):
        return str(exc.located(file=str(path)))
    text = " ".join(str(exc).split())[:300]
    return f"{path}: could not be checked ({type(exc).__name__}: {text})"


def run_variant_check(folder: str | Path, paths: Sequence[Path], *, tolerance: float | None = None,
                      rtol: float | None = None) -> CheckRun:
    """`nncalc check VARIANTS/ SUBMISSIONS...`: each answers file graded against its own student's
    variant (its `student:` id, else its file stem); one row per roster student, in the roster's
    order ("no submission" included), then any file that matches no student."""
    from .problem import load_problem
    from .variants import open_variant_set

    vs = open_variant_set(folder)
    if not paths:
        raise AnswersError("give the answers files (or a folder of them) to grade: nncalc check VARIANTS/ "
                           "SUBMISSIONS/", file=str(folder))
    checkers: dict[str, Checker] = {}

    def checker_for(student) -> Checker:
        if student.id not in checkers:
            with without_gc():
                trace = checking_trace(load_problem(vs.path(student)), times=min(len(paths), len(vs.students)))
                checkers[student.id] = Checker(trace, tolerance, rtol)
        return checkers[student.id]

    graded: dict[str, FileResult] = {}
    strays: list[FileResult] = []
    for path in paths:
        label = None
        try:
            doc = read_answers(path)
            label = doc.data.get("student")
            sid = str(label) if label is not None else None
            student = (vs.find(sid) if sid else None) or vs.find(Path(path).stem)
            if student is None:
                raise AnswersError(f"no variant for student {sid!r} nor for the file name {Path(path).stem!r} "
                                   f"in {vs.folder}", file=str(path))
            if student.id in graded:
                raise AnswersError(f"a second answers file for {student.id} (the first: {graded[student.id].file})",
                                   file=str(path))
            checker = checker_for(student)
            result = checker.check(*checker.sheet(doc))
            graded[student.id] = replace(result, student=student.name or student.id, student_id=student.id,
                                         email=student.email, variant=student.file)
        except Exception as exc:
            strays.append(FileResult(str(path), None if label is None else str(label), error=file_error(exc, path)))
    rows: list[FileResult] = []
    first = vs.students[0]
    for student in vs.students:
        if student.id in graded:
            rows.append(graded[student.id])
        else:
            rows.append(FileResult("", student.name or student.id, asked=checker_for(first).asked,
                                   student_id=student.id, email=student.email, variant=student.file,
                                   submitted=False))
    shown = next((checkers[s.id] for s in vs.students if s.id in checkers), None) or checker_for(first)
    return CheckRun(shown, rows + strays, batch=True, variants=len(vs.students))


def load_checked(ref: str, sets: list[str] | None = None):
    """A problem by path or bundled name, with --set applied; refused if it has no samples to check."""
    from .errors import ComputeError

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
    from .errors import ComputeError
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
