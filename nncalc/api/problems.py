"""Problems: loading one (a bundled name, a path, a dict), working it through, and what the
commands `problems`, `show`, `names`, `new` and `grad` ask of them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union

from ..worked import check_usable, trace_of  # noqa: F401  (the API's names)
from .results import Result

if TYPE_CHECKING:
    from rich.console import RenderableType

    from .. import problem as _problem
    from ..trace import Trace


Source = Union[str, Path, Mapping[str, Any], "Problem", None]


def load(source: Source = None) -> "Problem":
    """A problem: a bundled name (`"nnbasic"`, the default), a path to a problem file, or a dict
    in the problem-file format (validated exactly as a file is)."""
    if isinstance(source, Problem):
        return source
    if isinstance(source, Mapping):
        from ..problem import problem_from_doc
        from ..problem.file import DICT_SOURCE
        from ..yamlio import YamlDoc

        return Problem(problem_from_doc(YamlDoc(DICT_SOURCE, dict(source), None)))
    from ..bundled import open_problem

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
        from ..graph import is_graph_problem

        if is_graph_problem(self.problem):
            return {p: self.problem.values[p] for p in self.problem.parameters}
        return self.problem.network.parameter_values()

    def with_values(self, values: Mapping[str, float] | None = None, /, **kwargs: float) -> "Problem":
        """A copy with weights, biases, inputs or the learning rate replaced by name, as `--set`:
        `p.with_values(w5=0.3, eta=1)`, or a mapping for names like `i1@2`."""
        from ..problem import with_overrides

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
        from ..render.formats import Style, render

        return render("summary", "table", self.problem, Style(width=width))

    def __repr__(self) -> str:
        from ..graph import is_graph_problem
        from ..render.common import shape_text

        if is_graph_problem(self.problem):
            return f"<nncalc.Problem {self.name!r}: computational graph, output {self.problem.output}>"
        return f"<nncalc.Problem {self.name!r}: {shape_text(self.problem.network)} network, {self.problem.loss}>"

    def _repr_html_(self) -> str:
        from ..render.catalogue import summary_html

        return summary_html(self.problem)


def open_problem(name: str | None, sets: Sequence[str] | None = None) -> "_problem.Problem":
    """The validated problem a command's PROBLEM argument names (a path or a bundled name; None:
    nnbasic), with `--set NAME=VALUE` strings applied. An answers file given instead says so."""
    from ..bundled import open_problem as open_bundled

    return open_bundled(name, list(sets or []))


def problem_path(name: str | None) -> Path:
    """The file a PROBLEM argument names: an existing file, else a bundled problem's (`nncalc show`)."""
    from ..bundled import resolve

    return resolve(name)


def catalogue() -> list[dict[str, Any]]:
    """Each bundled problem: name, network sizes, title and source (`nncalc problems`)."""
    from ..bundled import catalogue as bundled_catalogue

    return bundled_catalogue()


def names_result(name: str | None, sets: Sequence[str] | None = None) -> Result:
    """Every named quantity of a problem (`nncalc names`): the backward pass where there is one
    (targets, and units with a derivative), else the forward pass."""
    from ..engine import check_backprop
    from ..errors import ComputeError
    from ..graph import is_graph_problem

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
    from ..new import problem_template

    return problem_template(shape, **options)


def new_answers_text(problem: str) -> str:
    """An answers template naming every quantity of a problem (`nncalc new answers PROBLEM`)."""
    from ..new import answers_template

    return answers_template(problem)


def grad(expression: str, values: Mapping[str, float], upstream: float | None = None,
         parameters: Sequence[str] = (), learning_rate: float = 0.1) -> Result:
    """Every value and gradient of an expression (`nncalc grad "f = x^2 + x*y" x=1 y=2`): the
    last assignment is the output; `parameters` are leaves one gradient step updates."""
    from ..graph import build_graph_trace, graph_problem_from_text

    problem = graph_problem_from_text(expression, dict(values), upstream, tuple(parameters), learning_rate)
    return Result(build_graph_trace(problem))


def is_graph(obj: Any) -> bool:
    """Whether a problem, or a trace, is a computational graph's (not a network's)."""
    from ..graph import is_graph as is_graph_trace, is_graph_problem

    return is_graph_trace(obj) or is_graph_problem(obj)


def symbolic(problem: Any, unicode: bool = True, decimals: int = 9) -> tuple[dict[str, tuple[str, float]], list[str]]:
    """A graph's gradients as SymPy formulas: {name: (formula, value)}, and the lines that show them
    (needs the `symbolic` extra)."""
    from ..graph.symbolic import symbolic_gradients, symbolic_lines

    return symbolic_gradients(problem), symbolic_lines(problem, unicode, decimals)
