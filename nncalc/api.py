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
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Union

if TYPE_CHECKING:
    from rich.console import RenderableType

    from . import problem as _problem
    from .check import FileResult, Result as Verdict
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
          seed: int | None = None, every: int | None = None) -> "Training":
    """A training run of the problem's `training:` settings (options override them), not yet
    started: iterate over it for the trainer's events, or call `.run()`."""
    from .train import Trainer, settings_from_problem, training_data, with_cli_overrides

    p = load(problem).problem
    settings = with_cli_overrides(settings_from_problem(p), epochs=epochs, steps=steps,
                                  batch_size=None if batch_size is None else str(batch_size),
                                  learning_rate=learning_rate, seed=seed)
    return Training(Trainer(p, settings, training_data(p, settings), report_every=every))


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
