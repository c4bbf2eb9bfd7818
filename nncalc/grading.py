"""A whole `nncalc check`: answers files (or a folder of them) against one problem, each against
the problem it names, or each against its own student's variant; one `FileResult` per file, a
file that cannot be checked a row saying why (`file_error`) in a batch."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .answers import problem_ref, read_answers
from .bundled import resolve
from .check import Checker, checking_trace, load_checked
from .errors import AnswersError, NncalcError
from .limits import without_gc
from .verdicts import FileResult


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
    from .variant_folder import open_variant_set

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
