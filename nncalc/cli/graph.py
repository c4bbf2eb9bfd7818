"""`nncalc grad`: a computational graph from the command line, e.g. `nncalc grad "f = x^2 + x*y + y^2" x=1 y=2`."""

from __future__ import annotations

from typing import Optional

import typer

from . import app
from .common import Decimals, Output, TraceFormat, emit_as, handle_errors, make_console, unicode_ok


def _values(items: list[str]) -> dict[str, float]:
    """['x=1', 'y=2'] -> {'x': 1.0, 'y': 2.0}."""
    from ..errors import UsageError

    out: dict[str, float] = {}
    for item in items:
        name, _, number = item.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise UsageError(f"{item!r}: expected NAME=NUMBER for a leaf's value, e.g. x=1") from None
    return out


@app.command()
@handle_errors
def grad(
    expression: str = typer.Argument(..., show_default=False, metavar="EXPRESSION",
                                     help='Assignments, e.g. "f = x^2 + x*y + y^2"; several separated by ";" '
                                          '("yhat = x*w; s = yhat - y; L = s^2"). The last is the output.'),
    values: Optional[list[str]] = typer.Argument(None, show_default=False, metavar="NAME=VALUE...",
                                                 help="The value of every leaf, e.g. x=1 y=2."),
    explain: bool = typer.Option(False, "--explain", "-e", help="Write every gradient out by the chain rule."),
    symbolic: bool = typer.Option(False, "--symbolic", "-s",
                                  help="Each gradient as a formula too (needs SymPy: pip install 'nncalc\\[symbolic]')."),
    upstream: Optional[float] = typer.Option(None, "--upstream", show_default=False,
                                             help="dL/d(output) given from a larger graph (default: 1)."),
    params: Optional[list[str]] = typer.Option(None, "--param", "-p", metavar="LEAF",
                                               help="A leaf one gradient step updates (repeatable)."),
    eta: float = typer.Option(0.1, "--eta", help="The learning rate of that step."),
    fmt: TraceFormat = "table",
    decimals: Decimals = 9,
    output: Output = None,
) -> None:
    """Every value and gradient of an expression, the chain rule written out with --explain."""
    from ..api import grad as graph_result

    result = graph_result(expression, _values(values or []), upstream, tuple(params or ()), eta)
    emit_trace(result.trace, fmt, decimals, explain, symbolic, output)


def emit_trace(trace, fmt, decimals: int, explain: bool, symbolic: bool, output) -> None:
    """Print a trace in a format; with --symbolic (graphs only) SymPy's formulas with it."""
    from ..api import is_graph, symbolic as symbolic_of
    from ..errors import UsageError
    from ..render.formats import WithFormulas

    console = make_console()
    if not symbolic:
        return emit_as(console, "trace", fmt, trace, output, decimals=decimals, explain=explain)
    if not is_graph(trace):
        raise UsageError("--symbolic writes a computational graph's gradients as formulas; this problem is a "
                         "network (see docs/graphs.md)", file=trace.problem.source)
    unicode = unicode_ok(console) if output is None else True
    gradients, lines = symbolic_of(trace.problem, unicode, decimals)
    emit_as(console, "symbolic", fmt, WithFormulas(trace, gradients, lines), output, decimals=decimals, explain=explain)
