"""The public Python API that notebooks, scripts and the command line share.

```python
import nncalc
p = nncalc.load("nnbasic")                 # a bundled name, a path, or a dict in the file format
r = p.backprop()                           # or p.forward(); p.with_values(w5=0.3) is --set
r["grad.w5"]                               # 0.0841550408...
r.table(); r.explain()                     # Rich renderables (and rich displays in a notebook)
r.to_json(); r.to_markdown(); r.to_html()  # the registered formats, as text
nncalc.check(p, {"grad.w5": 0.0842})       # a Verdicts object: one Verdict per answer
for event in nncalc.train(p, epochs=5): ...
```
Everything here calls the same loader, engine, trace and renderers as the command line; nothing
is computed twice. Errors are `nncalc.NncalcError`s naming the file and place, as on the CLI.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, NamedTuple, Sequence, Union

if TYPE_CHECKING:
    from rich.console import RenderableType

    from . import problem as _problem
    from .check import CheckRun, FileResult, Result as Verdict
    from .errors import NncalcError
    from .render.check import CheckReport
    from .render.evaluation import Evaluation
    from .export import Exported
    from .model import Model
    from .trace import Trace
    from .yamlio import YamlDoc
    from .train import Report, Step, TrainResult, Trainer

__all__ = ["Explanation", "Problem", "Result", "Training", "Verdicts", "check", "export", "load", "train"]

Source = Union[str, Path, Mapping[str, Any], "Problem", None]
TEXT_WIDTH = 100             # columns of text renders (`-o FILE` and `Result.render`)


def load(source: Source = None) -> "Problem":
    """A problem: a bundled name (`"nnbasic"`, the default), a path to a problem file, or a dict
    in the problem-file format (validated exactly as a file is)."""
    if isinstance(source, Problem):
        return source
    if isinstance(source, Mapping):
        from .problem import problem_from_doc
        from .problem.file import DICT_SOURCE
        from .yamlio import YamlDoc

        return Problem(problem_from_doc(YamlDoc(DICT_SOURCE, dict(source), None)))
    from .bundled import open_problem

    return Problem(open_problem(None if source is None else str(source)))


class Problem:
    """A validated problem (network, loss, learning rate, samples), ready to work through."""

    def __init__(self, problem: "_problem.Problem") -> None:
        self.problem = problem

    @property
    def name(self) -> str:
        return self.problem.name

    @property
    def source(self) -> str | None:
        """The file it came from (None for a bundled name's file is never the case; a dict: '<dict>')."""
        return self.problem.source

    def parameters(self) -> dict[str, float]:
        """Every weight and bias by name, e.g. {'w1': 0.04, ..., 'b2': 0.36} (a graph: its `parameters:`)."""
        from .graph import is_graph_problem

        if is_graph_problem(self.problem):
            return {p: self.problem.values[p] for p in self.problem.parameters}
        return self.problem.network.parameter_values()

    def with_values(self, values: Mapping[str, float] | None = None, /, **kwargs: float) -> "Problem":
        """A copy with weights, biases, inputs or the learning rate replaced by name, as `--set`:
        `p.with_values(w5=0.3, eta=1)`, or a mapping for names like `i1@2`."""
        from .problem import with_overrides

        overrides = {**(values or {}), **kwargs}
        return Problem(with_overrides(self.problem, {k: float(v) for k, v in overrides.items()}))

    def forward(self) -> "Result":
        """The forward pass: net input and output of every unit (and the errors, given targets)."""
        return Result(self._trace(with_backward=False))

    def backprop(self) -> "Result":
        """Forward pass, errors, backward pass and one gradient-descent step."""
        return Result(self._trace(with_backward=True))

    def _trace(self, with_backward: bool) -> "Trace":
        return trace_of(self.problem, with_backward)

    def summary(self, width: int | None = None) -> "RenderableType":
        """The layer table with parameter counts (`nncalc summary`); a graph's nodes and operations."""
        from .render.formats import Style, render

        return render("summary", "table", self.problem, Style(width=width))

    def __repr__(self) -> str:
        from .graph import is_graph_problem
        from .render.common import shape_text

        if is_graph_problem(self.problem):
            return f"<nncalc.Problem {self.name!r}: computational graph, output {self.problem.output}>"
        return f"<nncalc.Problem {self.name!r}: {shape_text(self.problem.network)} network, {self.problem.loss}>"

    def _repr_html_(self) -> str:
        from .render.catalogue import summary_html

        return summary_html(self.problem)


def trace_of(problem: Any, with_backward: bool, named: bool | None = True) -> "Trace":
    """The trace of a network or graph problem, refused (saying why) where it cannot be worked
    through. named=None: named quantities unless the network is too large to show unit by unit."""
    from .graph import is_graph_problem

    if is_graph_problem(problem):
        from .graph.trace import build_graph_trace

        return build_graph_trace(problem, with_backward=with_backward)
    from .render.common import too_large
    from .trace import build_trace

    check_usable(problem, with_backward)
    return build_trace(problem, with_backward=with_backward, named=not too_large(problem) if named is None else named)


def check_usable(problem: "_problem.Problem", with_backward: bool) -> None:
    """Refuse, saying why, a problem that cannot be worked through (no samples; with_backward: no
    targets, or units without a derivative)."""
    from .errors import ComputeError

    if problem.n_samples == 0:
        what = "a data source" if problem.data_source is not None else "no samples"
        raise ComputeError(f"the problem has {what}; forward and backprop need samples written out "
                           "(data: [{input: [...], target: [...]}])", file=problem.source, where="data")
    if not with_backward:
        return
    from .engine import check_backprop

    try:
        check_backprop(problem.network.layers, problem.loss)
    except ComputeError as exc:
        raise exc.located(file=problem.source) from None
    if problem.targets is None:
        raise ComputeError("no targets, so there is no error to backpropagate; give every sample a "
                           "'target:', or use `nncalc forward`", file=problem.source, where="data")


class Result:
    """Every named value of a forward or backward pass, and its renders in every format."""

    def __init__(self, trace: "Trace") -> None:
        self.trace = trace

    def __getitem__(self, name: str) -> float:
        """A named quantity's value, as in `--format json` (`grad.w5`, `out.h1`, `E.total`, `net.o1@2`)."""
        if name not in self.trace:
            from .errors import UsageError
            from .errors import suggest

            raise KeyError(str(UsageError(f"no quantity named {name!r}{suggest(name, self.trace.quantities)}")))
        return self.trace[name].value

    def __contains__(self, name: object) -> bool:
        return name in self.trace

    def __iter__(self) -> Iterator[str]:
        return iter(self.trace.quantities)

    def __len__(self) -> int:
        return len(self.trace.quantities)

    def values(self) -> dict[str, float]:
        """Every named value, in the order a derivation reads them."""
        return self.trace.values()

    def table(self, decimals: int = 9, width: int | None = None, unicode: bool = True) -> "RenderableType":
        """The tables `nncalc backprop` prints (a Rich renderable), split to fit `width` columns."""
        from .render.table import view

        return view(self.trace, decimals, unicode=unicode, width=width)

    def explain(self, decimals: int = 9, width: int | None = None, unicode: bool = True) -> "Explanation":
        """The chain-rule derivation (`--explain`): a Rich renderable, Markdown in a notebook."""
        from .render.explain import explain_lines

        return Explanation(explain_lines(self.trace, decimals, unicode=unicode, width=width), self.trace, decimals)

    def render(self, fmt: str = "table", decimals: int = 9, explain: bool = False) -> str:
        """The result as text in a registered format (`nncalc backprop --format FMT`)."""
        return _render_trace(self.trace, fmt, decimals, explain)

    def to_json(self, explain: bool = False) -> str:
        return self.render("json", explain=explain)

    def to_markdown(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("markdown", decimals, explain)

    def to_html(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("html", decimals, explain)

    def to_latex(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("latex", decimals, explain)

    def to_latex_fragment(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("latex-fragment", decimals, explain)

    def to_beamer(self, decimals: int = 9) -> str:
        return self.render("beamer", decimals)

    def to_table(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("table", decimals, explain)

    def to_matrix(self, decimals: int = 9) -> str:
        """The layer-level form with the matrices and vectors written out (nncalc.pictures.matrix_form)."""
        return self.render("matrix", decimals)

    def __repr__(self) -> str:
        kind = "backprop" if self.trace.has_backward else "forward"
        return f"<nncalc.Result {kind} of {self.trace.problem.name!r}: {len(self)} named quantities>"

    def __rich__(self) -> "RenderableType":
        return self.table()

    def _repr_html_(self) -> str:
        from .render.html import html

        return html(self.trace)       # a fragment for the notebook; to_html() is the whole page


class Explanation:
    """A derivation, one equation per line: prints as text, shows as Markdown in a notebook (and
    as LaTeX where the notebook asks for it: nbconvert's PDF, a front end preferring text/latex)."""

    def __init__(self, lines: list[str], trace: "Trace | None" = None, decimals: int = 9) -> None:
        self.lines, self.trace, self.decimals = lines, trace, decimals

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    def __rich__(self) -> "RenderableType":
        from rich.text import Text

        return Text(str(self))

    def _repr_markdown_(self) -> str:
        return "```text\n" + str(self) + "\n```\n"

    def _repr_latex_(self) -> str | None:
        """The derivation as one displayed `aligned` block in the slides' symbols (MathJax and LaTeX)."""
        if self.trace is None:
            return None
        from .render.latex import display_math
        from .render.mathtext import derivation_steps

        return display_math(derivation_steps(self.trace, self.decimals))


def _render_trace(trace: "Trace", fmt: str, decimals: int, explain: bool) -> str:
    """Text of a trace in format `fmt`, as `-o FILE` writes it (plain, TEXT_WIDTH columns)."""
    return _text_of("trace", fmt, trace, decimals, explain)


def _text_of(subject: str, fmt: str, obj: Any, decimals: int, explain: bool = False) -> str:
    """`obj` rendered by the format registry as plain text (TEXT_WIDTH columns)."""
    from .render.formats import Style, render

    content = render(subject, fmt, obj, Style(decimals, explain, unicode=True, width=TEXT_WIDTH))
    return content if isinstance(content, str) else plain_text(content, TEXT_WIDTH)


def plain_text(renderable: "RenderableType", width: int) -> str:
    """A Rich renderable as colourless text, laid out for `width` columns, no trailing spaces."""
    from .render.escape import SafeConsole

    buffer = io.StringIO()
    SafeConsole(file=buffer, width=width, no_color=True, highlight=False, color_system=None).print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


# ---------------------------------------------------------------- check

def check(problem: Source, answers: Mapping[str, float | str] | str | Path, *,
          tolerance: float | None = None, rtol: float | None = None) -> "Verdicts":
    """Check answers against a problem: a mapping of quantity names (canonical or slide spelling) to
    numbers, or an answers file. Numbers given as strings keep their written decimals ('0.0840')."""
    from .check import Checker, checking_trace as check_trace

    p = load(problem)
    checker = Checker(check_trace(p.problem), tolerance, rtol)
    if isinstance(answers, Mapping):
        from .answers import sheet_from_doc

        from .errors import AnswersError

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

    from .answers import written_decimals
    from .yamlio import YamlDoc

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
        from .render.check import CheckReport

        return CheckReport(self.trace, [self.result], False, 1.0, "one unit of the last decimal written")

    def table(self, width: int = 80) -> "RenderableType":
        from .render.check import check_view

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

        from .render.common import Tab, fmt as number
        from .render.html import html_table

        tab = Tab("Check", ["quantity", "given", "expected", "verdict", "diagnosis"], numeric_from=1)
        for r in self.result.results:
            tab.add(r.name, r.text, number(r.expected), r.verdict.replace("_", " "), r.diagnosis or "")
        return html_table(tab) + f"\n<p>{escape(self._report().totals(self.result))}</p>"


# ---------------------------------------------------------------- train

def train(problem: Source, *, epochs: int | None = None, steps: int | None = None,
          batch_size: int | str | None = None, learning_rate: float | None = None,
          seed: int | None = None, every: int | None = None, resume: str | Path | None = None) -> "Training":
    """A training run of the problem's `training:` settings (options override them), not yet
    started: iterate over it for the trainer's events, or call `.run()`. `resume`: a checkpoint
    saved by an interrupted run (`save_checkpoint`): its settings and state, continued."""
    from .model import checkpoint_settings, load_checkpoint, restore_checkpoint
    from .train import Trainer, settings_from_problem, training_data, with_cli_overrides

    p = load(problem).problem
    model = load_checkpoint(resume) if resume is not None else None
    settings = checkpoint_settings(model, resume) if model is not None else settings_from_problem(p)
    settings = with_cli_overrides(settings, epochs=epochs, steps=steps,
                                  batch_size=None if batch_size is None else str(batch_size),
                                  learning_rate=learning_rate, seed=seed)
    trainer = Trainer(p, settings, training_data(p, settings), report_every=every)
    if model is not None:
        restore_checkpoint(trainer, model, resume)
    return Training(trainer)


class Training:
    """One training run: iterate for the trainer's events (`Step` after each update, `Report` per
    history row); afterwards `result`, `history` and `problem` (the trained network)."""

    def __init__(self, trainer: "Trainer") -> None:
        self.trainer = trainer
        self._events: Iterator[Step | Report] | None = None

    def __iter__(self) -> Iterator["Step | Report"]:
        if self._events is None:
            self._events = self.trainer.run()
        return self._events

    def run(self, progress: bool = False) -> "TrainResult":
        """Train to the end; with `progress`, a live display (a notebook's cell, or a terminal bar)."""
        if progress:
            from .notebook import live_progress

            with live_progress(self.trainer) as show:
                for event in self:
                    show(event)
        else:
            for _ in self:
                pass
        return self.result

    @property
    def done(self) -> bool:
        return self.trainer.result is not None

    @property
    def result(self) -> "TrainResult":
        if self.trainer.result is None:
            from .errors import UsageError

            raise UsageError("the run has not finished: iterate over it or call .run() first")
        return self.trainer.result

    @property
    def history(self) -> list[dict[str, Any]]:
        """One record per history row: epoch, step, loss (and accuracy, validation, ...)."""
        return self.trainer.history

    @property
    def problem(self) -> Problem:
        """The problem with the weights as trained so far."""
        return Problem(replace(self.trainer.problem, network=self.trainer.network()))

    def outputs(self, X: Any) -> Any:
        """The network's outputs (n, m) for inputs X (n, inputs; any array-like) at the weights so far."""
        import numpy as np

        from .train import predictions

        return predictions(self.trainer.params.layers, np.asarray(X, dtype=self.trainer.dtype), self.trainer.dtype)

    def labels(self, Y: Any) -> Any:
        """Class indices of outputs Y: the largest output, or one output above its midpoint."""
        from .train import predicted_labels

        return predicted_labels(Y, self.trainer.problem.network)

    def worked_example(self, X: Any = None, T: Any = None) -> "Trace":
        """Every value `backprop` shows at the weights so far, on samples X, T (default: the problem's)."""
        from .train import worked_example

        return worked_example(self.trainer, X, T)

    def save(self, path: str | Path) -> None:
        """Save the trained network: .npz (any size) or .yaml (a problem file with these weights)."""
        from .model import model_from_trainer, save_model

        save_model(path, model_from_trainer(self.trainer), self.trainer.problem)

    def save_checkpoint(self, path: str | Path) -> None:
        """Save the weights and the training state, for `train(..., resume=path)` (`--resume`)."""
        from .model import model_from_trainer, save_npz

        save_npz(path, model_from_trainer(self.trainer, with_state=True))

    def __repr__(self) -> str:
        state = self.result.reason if self.done else "not finished"
        return f"<nncalc.Training of {self.trainer.problem.name!r}: {len(self.history)} history rows, {state}>"

    def _ipython_display_(self) -> None:
        """Shown in a notebook: runs (with a live progress display) if not yet run, then the history."""
        from IPython.display import HTML, display

        if not self.done:
            self.run(progress=True)
        from .notebook import history_html

        display(HTML(history_html(self.trainer)))


# ---------------------------------------------------------------- export

def export(model: "Source | Training", to: str, output: str | Path) -> "Exported":
    """Write a network for another framework: `to` is 'pytorch' (OUTPUT.py, and OUTPUT.pt where
    torch is installed) or 'onnx' (OUTPUT.onnx). `model`: a saved model (.npz), a problem (file,
    bundled name, dict or Problem) with its weights, or a finished Training."""
    from .export import export_model

    return export_model(as_model(model), to, output)


def as_model(model: "Source | Training") -> "Model":
    """A model from an .npz or .yaml model file, a problem (its weights as given) or a training run."""
    from .model import load_model, model_from_problem, model_from_trainer

    if isinstance(model, Training):
        return model_from_trainer(model.trainer)
    if isinstance(model, (str, Path)) and Path(model).suffix.lower() == ".npz":
        return load_model(model)
    return model_from_problem(load(model).problem)


# ================================================================ what the command line calls
# Each command of `nncalc` parses its options and calls one of these (or the API above); the
# results are objects the format registry renders. Scripts may call them too: they take the same
# arguments as the commands, as Python values.

# ---------------------------------------------------------------- problems

def open_problem(name: str | None, sets: Sequence[str] | None = None) -> "_problem.Problem":
    """The validated problem a command's PROBLEM argument names (a path or a bundled name; None:
    nnbasic), with `--set NAME=VALUE` strings applied. An answers file given instead says so."""
    from .bundled import open_problem as open_bundled

    return open_bundled(name, list(sets or []))


def problem_path(name: str | None) -> Path:
    """The file a PROBLEM argument names: an existing file, else a bundled problem's (`nncalc show`)."""
    from .bundled import resolve

    return resolve(name)


def problems() -> list[dict[str, Any]]:
    """Each bundled problem: name, network sizes, title and source (`nncalc problems`)."""
    from .bundled import catalogue

    return catalogue()


def names_result(name: str | None, sets: Sequence[str] | None = None) -> Result:
    """Every named quantity of a problem (`nncalc names`): the backward pass where there is one
    (targets, and units with a derivative), else the forward pass."""
    from .engine import check_backprop
    from .errors import ComputeError
    from .graph import is_graph_problem

    p = open_problem(name, sets)
    if is_graph_problem(p):
        return Result(trace_of(p, True))
    try:
        check_backprop(p.network.layers, p.loss)
        backward = p.targets is not None
    except ComputeError:
        backward = False
    return Result(trace_of(p, backward))


def new_problem_text(shape: str, **options: Any) -> str:
    """A commented problem file for layer sizes `shape` ('2-2-2'; `nncalc new SHAPE`): options
    activation, output_activation, loss, init (None: weights written in the file), samples, seed."""
    from .new import problem_template

    return problem_template(shape, **options)


def new_answers_text(problem: str) -> str:
    """An answers template naming every quantity of a problem (`nncalc new answers PROBLEM`)."""
    from .new import answers_template

    return answers_template(problem)


# ---------------------------------------------------------------- check files

def check_run(problem: str, answers: Sequence[str] = (), *, tolerance: float | None = None,
              rtol: float | None = None, sets: Sequence[str] | None = None, explain: bool = False) -> "CheckRun":
    """`nncalc check PROBLEM [ANSWERS...]`: answers files or folders of them against a problem (or
    an answers file, or folder, whose files name their problem), or against a variants folder's
    own variant each; none: the problem file's own `answers:` block."""
    from .check import run_check, run_variant_check
    from .errors import UsageError
    from .variants import is_variant_set

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
    from .check import WRONG
    from .render.check import CheckReport, derivations

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
    from .check import run_check, run_variant_check
    from .errors import NncalcError, UsageError
    from .platforms.gradescope import error_results, results
    from .render.json import to_json
    from .variants import is_variant_set

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
    from .answers import is_answers_file

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
    from .answers import ANSWERS_SUFFIXES
    from .errors import AnswersError

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


# ---------------------------------------------------------------- train, evaluate, predict

def training_problem(name: str | None, sets: Sequence[str] | None = None, seed: int | None = None) -> Problem:
    """The problem `nncalc train PROBLEM --set ... --seed N` trains: drawn weights (`init:`) are
    drawn anew with the seed given, then the `--set` values apply."""
    from .problem import load_problem, parse_assignments, problem_from_doc, with_overrides

    p = load_problem(problem_path(name))
    if seed is not None and seed >= 0 and p.init is not None and p.doc is not None:
        p = problem_from_doc(replace(p.doc, data={**p.doc.data, "seed": seed}))   # draw the weights anew
    return Problem(with_overrides(p, parse_assignments(list(sets or []))))


def check_model_path(path: str | Path, problem: Problem | None = None) -> None:
    """Refuse, before any training, a model file name `save` cannot write (.npz or .yaml; a network
    a .yaml file cannot hold)."""
    from .model import check_savable, model_kind

    model_kind(path)
    if problem is not None:
        check_savable(path, problem.problem.network)


def evaluate(model: str | Path, data: str | None = None) -> "Evaluation":
    """Loss and accuracy of a saved model (`nncalc evaluate`) on `data` (a source: mnist:test, a
    .csv/.npz file, a generator; None: a problem file's own samples), with the confusion matrix."""
    from .errors import UsageError
    from .model_data import model_and_data
    from .render.evaluation import Evaluation
    from .train import evaluate_outputs, predicted_labels, predictions
    from .train.metrics import labelled_confusion

    m, split, name = model_and_data(model, data)
    if split.T.shape[1] == 0:
        raise UsageError(f"{name} has no targets to compare with: use `nncalc predict`", where="--data")
    Y = predictions(m.network.layers, split.X, m.dtype)
    loss, acc = evaluate_outputs(Y, m.loss, split, m.network)
    cm, classes = None, m.classes
    if split.labels is not None:
        cm, classes = labelled_confusion(split.labels, predicted_labels(Y, m.network), classes, Y.shape[1])
    return Evaluation(str(model), m.name, name, split.n, m.loss, loss, acc, cm, classes)


class Predictions(NamedTuple):
    """A saved model's output for every sample (`nncalc predict`): one record per sample."""

    model: str
    data: str
    records: list[dict[str, Any]]
    outputs: tuple[str, ...]         # the output units' names
    classified: bool                 # records hold a predicted class


def predict(model: str | Path, data: str | None = None) -> Predictions:
    """The model's output for every sample of `data` (as `evaluate`): the predicted class and its
    probability for a classifier, else the output values."""
    from .model_data import model_and_data
    from .render.evaluation import prediction_records
    from .train import predicted_labels, predictions

    m, split, name = model_and_data(model, data)
    Y = predictions(m.network.layers, split.X, m.dtype)
    pred = predicted_labels(Y, m.network) if m.classes is not None else None
    outputs = tuple(m.network.outputs)
    return Predictions(str(model), name, prediction_records(Y, pred, split.labels, m.classes, outputs), outputs,
                       pred is not None)


# ---------------------------------------------------------------- graphs, pictures

def grad(expression: str, values: Mapping[str, float], upstream: float | None = None,
         parameters: Sequence[str] = (), learning_rate: float = 0.1) -> Result:
    """Every value and gradient of an expression (`nncalc grad "f = x^2 + x*y" x=1 y=2`): the
    last assignment is the output; `parameters` are leaves one gradient step updates."""
    from .graph import build_graph_trace, graph_problem_from_text

    problem = graph_problem_from_text(expression, dict(values), upstream, tuple(parameters), learning_rate)
    return Result(build_graph_trace(problem))


def is_graph(obj: Any) -> bool:
    """Whether a problem, or a trace, is a computational graph's (not a network's)."""
    from .graph import is_graph as is_graph_trace, is_graph_problem

    return is_graph_trace(obj) or is_graph_problem(obj)


def symbolic(problem: Any, unicode: bool = True, decimals: int = 9) -> tuple[dict[str, tuple[str, float]], list[str]]:
    """A graph's gradients as SymPy formulas: {name: (formula, value)}, and the lines that show them
    (needs the `symbolic` extra)."""
    from .graph.symbolic import symbolic_gradients, symbolic_lines

    return symbolic_gradients(problem), symbolic_lines(problem, unicode, decimals)


def drawing_format(output: str | Path | None) -> str:
    """The drawing format a file name asks for by its suffix (.dot, .mmd, ...); svg otherwise."""
    from .pictures.draw import SUFFIXES

    return SUFFIXES.get(Path(output).suffix.lower() if output else "", "svg")


def drawing(problem: Any, show: str = "out") -> Any:
    """The network as the decks draw it, edges carrying the weights ('out'), their gradients
    ('grad') or the weights after one step ('new'); a graph as micrograd's draw_dot (`nncalc draw`)."""
    from .pictures.draw import drawing_of

    return drawing_of(problem, show)


def sweep(problem: Any, axes: Sequence[str], of: str = "E.total", path_steps: int | None = None) -> Any:
    """A quantity as one or two parameters move (`nncalc sweep`): axes 'w5=-3:3:61'; with
    `path_steps`, gradient descent on the two from the file's point drawn over the loss map."""
    from .pictures.sweep import descent_path, parse_axis, sweep as sweep_axes

    result = sweep_axes(problem, [parse_axis(a, problem) for a in axes], of)
    return descent_path(result, path_steps) if path_steps is not None else result


def gradient_sizes(problem: Any) -> Any:
    """Per layer, the size of delta and of the weight gradients (`nncalc gradients`)."""
    from .pictures.gradients import gradient_report

    return gradient_report(trace_of(problem, True, named=False))


def activation_curves(names: Sequence[str], lo: float = -5.0, hi: float = 5.0, derivative: bool = False) -> Any:
    """The activations' curves over nets lo..hi (every activation when `names` is empty), with
    their derivatives (`nncalc plot activations`)."""
    from .pictures.activations import activation_curves as curves

    return curves(list(names), lo, hi, derivative=derivative)


PNG_WRITERS = {"sweep": "sweep_png", "gradients": "gradients_png", "activations": "activations_png"}


def save_png(subject: str, path: str | Path, obj: Any) -> None:
    """Draw a sweep, a gradient report or activation curves as a PNG (needs the `plot` extra)."""
    from .pictures import png

    getattr(png, PNG_WRITERS[subject])(path, obj)


# ---------------------------------------------------------------- data sets

def data_home() -> tuple[Path, str]:
    """The download cache's folder, and why there (NNCALC_DATA, or the default)."""
    from .data.cache import data_home as home, data_home_origin

    return home(), data_home_origin()


def data_set(name: str) -> Any:
    """A downloadable data set (mnist, fashion-mnist): its title, files and mirrors."""
    from .data.cache import remote_set

    return remote_set(name)


def fetch_data(name: str, *, mirrors: Sequence[str] | None = None, timeout: float = 30.0,
               progress: Any = None, log: Any = None) -> Path:
    """Download a data set's files into the cache, each checked by its SHA-256; the folder."""
    from .data.download import fetch

    return fetch(name, home=data_home()[0], mirrors=list(mirrors) if mirrors else None, timeout=timeout,
                 progress=progress, log=log)


def data_listing(verify: bool = False) -> dict[str, Any]:
    """The data sources nncalc knows and what the cache holds (`nncalc data list`; with `verify`,
    every cached file's SHA-256 checked)."""
    from .data.cache import REMOTE, cache_status
    from .data.generate import GENERATORS

    home, origin = data_home()
    rows: list[dict] = []
    for name, remote in REMOTE.items():
        status = cache_status(name, home=home, verify=verify)
        if status.complete:
            state = "cached" + {None: "", True: ", verified", False: ", SHA-256 MISMATCH"}[status.verified]
        elif status.present:
            state = f"{len(status.missing)} of {len(remote.files)} files missing"
        else:
            state = "not downloaded"
        usable = status.complete and status.verified is not False
        rows.append({"source": f"{name}:train|test", "name": name, "status": state, "what": remote.short,
                     "download": not usable})
    for name, info in GENERATORS.items():
        kind = "2 classes" if info.classification else "regression"
        rows.append({"source": name, "name": name, "status": "built in", "what": f"{kind}: {info.summary}",
                     "download": False})
    return {"cache": str(home), "origin": origin, "sources": rows}


# ---------------------------------------------------------------- for instructors

class VariantsWritten(NamedTuple):
    """The variants `variants()` wrote, and the name of the folder's index file."""

    variants: list[Any]
    index: str


def variants(problem: str, output: Path, *, count: int | None = None, roster: Path | None = None,
             seed: int = 0, handouts: bool = True) -> VariantsWritten:
    """A different problem for every student (`nncalc variants`): `count` numbered variants or one
    per `roster` student, each file with its key, handout and solution, and the folder's index."""
    from .errors import UsageError
    from .variants import INDEX_FILE, numbered, read_roster, write_variants

    if (count is None) == (roster is None):
        raise UsageError("give either --count N (numbered variants) or --roster roster.csv (one per student)")
    students = read_roster(roster) if roster is not None else numbered(count)   # type: ignore[arg-type]
    return VariantsWritten(write_variants(open_problem(problem), students, seed, output, handouts), INDEX_FILE)


def quiz(fmt: str, folder: str | Path, output: Path, category: str | None = None) -> str:
    """A variants folder as quiz questions (moodle, gift, prairielearn); what was written, in a line."""
    from .platforms import write_quiz

    return write_quiz(fmt, folder, output, category)


def autograder(problem: str, output: Path, carried_credit: float = 1.0) -> str:
    """A Gradescope autograder zip for a problem; what it holds, in one line."""
    from .platforms.gradescope import write_autograder

    return write_autograder(problem, output, carried_credit)
