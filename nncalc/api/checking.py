"""Checking answers: `nncalc.check` and its `Verdicts`, and what `nncalc check` runs (files,
folders, variants, Gradescope)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, NamedTuple, Sequence

from .problems import Source, load
from .results import TEXT_WIDTH, _text_of

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..errors import NncalcError
    from ..grading import CheckRun
    from ..render.check import CheckReport
    from ..trace import Trace
    from ..verdicts import FileResult, Result as Verdict
    from ..yamlio import YamlDoc


def check(problem: Source, answers: Mapping[str, float | str] | str | Path, *,
          tolerance: float | None = None, rtol: float | None = None) -> "Verdicts":
    """Check answers against a problem: a mapping of quantity names (canonical or slide spelling) to
    numbers, or an answers file. Numbers given as strings keep their written decimals ('0.0840')."""
    from ..check import Checker, checking_trace as check_trace

    p = load(problem)
    checker = Checker(check_trace(p.problem), tolerance, rtol)
    if isinstance(answers, Mapping):
        from ..answers import sheet_from_doc

        from ..errors import AnswersError

        try:
            sheet = sheet_from_doc(_answers_doc(answers), checker.resolver)
        except AnswersError as exc:
            exc.line = None           # a line of the YAML made from the mapping means nothing to its caller
            raise
    else:
        sheet = checker.read(answers)
    return Verdicts(checker.check(sheet), checker.trace)


def _answers_doc(answers: Mapping[str, Any]) -> "YamlDoc":
    """Answers given as a mapping, as the YAML file that would hold them: a number given as a string
    is written as is, so that its written decimals set the tolerance as in a file."""
    import json

    import yaml

    from ..answers import written_decimals
    from ..yamlio import YamlDoc

    def scalar(value: Any) -> str:
        if isinstance(value, str) and value.strip() and (written_decimals(value) or value.strip().isdigit()):
            try:
                float(value)
                return value.strip()
            except ValueError:
                pass
        return repr(value) if isinstance(value, float) else json.dumps(value, default=str)

    text = "answers:\n" + "".join(f"  {json.dumps(str(k))}: {scalar(v)}\n" for k, v in answers.items())
    return YamlDoc("<answers>", yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader))


class Verdicts:
    """The verdicts on one set of answers: iterate for `Verdict`s (name, given, expected, verdict,
    diagnosis), index by quantity name, or display as the `nncalc check` table."""

    def __init__(self, result: "FileResult", trace: "Trace") -> None:
        self.result, self.trace = result, trace

    def __iter__(self) -> Iterator["Verdict"]:
        return iter(self.result.results)

    def __len__(self) -> int:
        return len(self.result.results)

    def __getitem__(self, name: str) -> "Verdict":
        for r in self.result.results:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def all_correct(self) -> bool:
        return self.result.all_correct

    def score(self, carried_credit: float = 1.0) -> float | None:
        """Fraction of the answers earned (a carried-forward one earns carried_credit)."""
        return self.result.score(carried_credit)

    def _report(self):
        from ..render.check import CheckReport

        return CheckReport(self.trace, [self.result], False, 1.0, "one unit of the last decimal written")

    def table(self, width: int = 80) -> "RenderableType":
        from ..render.check import check_view

        return check_view(self._report(), width=width)

    def render(self, fmt: str = "table", decimals: int = 9) -> str:
        """The verdicts as `nncalc check --format FMT` prints them."""
        return _text_of("check", fmt, self._report(), decimals)

    def to_json(self) -> str:
        return self.render("json")

    def __repr__(self) -> str:
        return f"<nncalc.Verdicts {self._report().totals(self.result)}>"

    def __rich__(self) -> "RenderableType":
        return self.table()

    def _repr_html_(self) -> str:
        from html import escape

        from ..render.common import Tab, fmt as number
        from ..render.html import html_table

        tab = Tab("Check", ["quantity", "given", "expected", "verdict", "diagnosis"], numeric_from=1)
        for r in self.result.results:
            tab.add(r.name, r.text, number(r.expected), r.verdict.replace("_", " "), r.diagnosis or "")
        return html_table(tab) + f"\n<p>{escape(self._report().totals(self.result))}</p>"


def check_run(problem: str, answers: Sequence[str] = (), *, tolerance: float | None = None,
              rtol: float | None = None, sets: Sequence[str] | None = None, explain: bool = False) -> "CheckRun":
    """`nncalc check PROBLEM [ANSWERS...]`: answers files or folders of them against a problem (or
    an answers file, or folder, whose files name their problem), or against a variants folder's
    own variant each; none: the problem file's own `answers:` block."""
    from ..errors import UsageError
    from ..grading import run_check, run_variant_check
    from ..variant_folder import is_variant_set

    if not is_variant_set(problem):
        ref, paths, batch = check_arguments(problem, list(answers))
        return run_check(ref, paths, batch=batch, tolerance=tolerance, rtol=rtol, sets=list(sets or []) or None)
    if sets:
        raise UsageError("--set does not apply to a variants folder (each variant has its own numbers)")
    if explain:
        raise UsageError("--explain with a variants folder: each variant has its own derivation; see "
                         "solutions/ID.md there, or check one file against its variant: "
                         "nncalc check VARIANTS/ID.yaml ANSWERS --explain")
    paths, _ = answers_files(list(answers))
    return run_variant_check(problem, paths, tolerance=tolerance, rtol=rtol)


def check_report(run: "CheckRun", *, tolerance: float | None = None, rtol: float | None = None,
                 carried_credit: float = 1.0, explain: bool = False, decimals: int = 9, unicode: bool = True,
                 width: int = TEXT_WIDTH) -> "CheckReport":
    """What `nncalc check` shows of a run (the registry's `check` subject); with `explain`, each
    wrong answer's derivation laid out for `width` columns."""
    from ..verdicts import WRONG
    from ..render.check import CheckReport, derivations

    report = CheckReport(run.checker.trace, run.files, run.batch, carried_credit, tolerance_words(tolerance, rtol),
                         variants=run.variants)
    if explain:
        wrong = [r.name for f in run.files for r in f.results if r.verdict == WRONG]
        report.derivations = derivations(run.checker.trace, wrong, decimals, unicode, width=width - 2)
    return report


def tolerance_words(tolerance: float | None, rtol: float | None) -> str:
    """How correctness is judged, in words (the check report's footer)."""
    if tolerance is None and rtol is None:
        return "one unit of the last decimal written"
    parts = [f"{tolerance:g}" if tolerance else "", f"{rtol:g} x |expected|" if rtol else ""]
    return " + ".join(p for p in parts if p) or "0 (exact)"


class Graded(NamedTuple):
    """Gradescope's results.json for one submission, and how it went."""

    text: str
    all_correct: bool
    error: "NncalcError | None" = None     # the submission could not be checked (raise it after writing text)
    unusable: bool = False                  # a variant's file could not be checked (exit 2, no error line)


def gradescope(problem: str, answers: Sequence[str] = (), *, tolerance: float | None = None,
               rtol: float | None = None, sets: Sequence[str] | None = None, carried_credit: float = 1.0) -> Graded:
    """`nncalc check --format gradescope`: results.json for one answers file, even one that cannot be
    checked (score 0, and why); against a variants folder, graded by the submitter's own variant."""
    from ..errors import NncalcError, UsageError
    from ..grading import run_check, run_variant_check
    from ..platforms.gradescope import error_results, results
    from ..render.json import to_json
    from ..variant_folder import is_variant_set

    one_file = UsageError("--format gradescope checks one answers file (Gradescope runs one per submission)")
    if is_variant_set(problem):
        if sets:
            raise UsageError("--set does not apply to a variants folder (each variant has its own numbers)")
        if len(answers) != 1 or Path(answers[0]).is_dir():
            raise one_file
        paths, _ = answers_files(list(answers))
        run = run_variant_check(problem, paths, tolerance=tolerance, rtol=rtol)
        row = next(f for f in run.files if f.file == answers[0])
        if row.error is not None:
            return Graded(to_json(error_results(row.error)), False, unusable=True)
        return Graded(to_json(results(row, carried_credit)), row.all_correct)
    try:
        ref, paths, batch = check_arguments(problem, list(answers))
        run = run_check(ref, paths, batch=batch, tolerance=tolerance, rtol=rtol, sets=list(sets or []) or None)
    except NncalcError as exc:
        return Graded(to_json(error_results(str(exc))), False, error=exc)
    if run.batch:
        raise one_file
    return Graded(to_json(results(run.files[0], carried_credit)), run.all_correct)


def check_arguments(problem: str, answers: list[str]) -> tuple[str | None, list[Path], bool]:
    """PROBLEM [ANSWERS...] as (the problem, the answers files, a batch or not). PROBLEM may itself be
    an answers file or a folder of them, whose files then name the problem (`problem:`)."""
    from ..answers import is_answers_file

    try:
        folder = Path(problem).is_dir()
    except (OSError, ValueError):         # a name too long for the system: the loader says so
        folder = False
    if folder or is_answers_file(problem):
        return (None, *answers_files([problem] + answers))
    return (problem, *answers_files(answers))


def answers_files(args: list[str]) -> tuple[list[Path], bool]:
    """Answers files from arguments that are files or folders (a folder: its *.yaml and *.yml, sorted),
    and whether they make a batch (several files, or any folder)."""
    from ..answers import ANSWERS_SUFFIXES
    from ..errors import AnswersError

    paths: list[Path] = []
    batch = len(args) > 1
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            batch = True
            found = sorted(p for p in path.iterdir() if p.suffix in ANSWERS_SUFFIXES and p.is_file())
            if not found:
                raise AnswersError("no answers files (*.yaml, *.yml) in this folder", file=arg)
            paths += found
        else:
            paths.append(path)
    return paths, batch
