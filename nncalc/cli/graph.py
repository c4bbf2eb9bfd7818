"""`nncalc grad`: a computational graph from the command line, e.g. `nncalc grad "f = x^2 + x*y + y^2" x=1 y=2`."""

from __future__ import annotations

from typing import Optional

import typer

from . import app
from .common import Decimals, Output, TraceFormat, emit, handle_errors, make_console, unicode_ok
from .common import FILE_WIDTH


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
    """Print a trace in a format, with --symbolic SymPy's formulas after it (graphs only)."""
    from ..api import is_graph
    from ..errors import UsageError
    from ..render.formats import Style, render

    if symbolic and not is_graph(trace):
        raise UsageError("--symbolic writes a computational graph's gradients as formulas; this problem is a "
                         "network (see docs/graphs.md)", file=trace.problem.source)
    console = make_console()
    unicode = unicode_ok(console) if output is None else True
    width = console.width if output is None else FILE_WIDTH
    name = fmt.value if hasattr(fmt, "value") else str(fmt)
    content = render("trace", name, trace, Style(decimals, explain, unicode, width))
    if symbolic:
        content = _with_symbolic(content, name, trace.problem, unicode, decimals)
    emit(console, content, output)


def _with_symbolic(content, fmt: str, problem, unicode: bool, decimals: int):
    """The rendered trace followed by SymPy's formulas (in JSON: a "symbolic" object)."""
    from ..api import symbolic as symbolic_of

    gradients, lines = symbolic_of(problem, unicode, decimals)
    if fmt == "json":
        import json

        from ..render.json import to_json

        data = json.loads(content)
        data["symbolic"] = {name: {"formula": f, "value": v} for name, (f, v) in gradients.items()}
        return to_json(data)
    if fmt == "markdown":
        return content + "\n**" + lines[0] + "**\n\n```text\n" + "\n".join(lines[1:]) + "\n```\n"
    if isinstance(content, str):
        return content + "\n\n" + "\n".join(lines)
    from rich.console import Group
    from rich.text import Text

    return Group(content, Text(""), Text(lines[0], style="bold"), Text("\n".join(lines[1:])))
