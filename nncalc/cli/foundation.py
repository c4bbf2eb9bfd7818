"""`forward`, `backprop`, `problems` and `summary`: the worked-example commands."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import Decimals, Output, ProblemArg, Sets, TraceFormat, emit, emit_as, handle_errors, load, make_console


def _usable(problem, with_backward: bool) -> None:
    """Refuse, saying why, a problem the command cannot work through."""
    from ..errors import ComputeError

    if problem.n_samples == 0:
        what = "a data source" if problem.data_source is not None else "no samples"
        raise ComputeError(f"the problem has {what}; forward and backprop need samples written out "
                           "(data: [{input: [...], target: [...]}])", file=problem.source, where="data")
    if not with_backward:
        return
    from ..engine import check_backprop

    try:
        check_backprop(problem.network.layers, problem.loss)
    except ComputeError as exc:
        raise exc.located(file=problem.source) from None
    if problem.targets is None:
        raise ComputeError("no targets, so there is no error to backpropagate; give every sample a "
                           "'target:', or use `nncalc forward`", file=problem.source, where="data")


def _show(problem: Optional[str], sets: Optional[list[str]], explain: bool, fmt, decimals: int,
          output: Optional[Path], with_backward: bool) -> None:
    from ..render.common import too_large
    from ..trace import build_trace

    console = make_console()
    loaded = load(problem, sets)
    from ..graph import build_graph_trace, is_graph_problem

    if is_graph_problem(loaded):
        trace = build_graph_trace(loaded, with_backward=with_backward)
    else:
        _usable(loaded, with_backward)
        # JSON carries every named value; the other views of a large network show layers only.
        trace = build_trace(loaded, with_backward=with_backward, named=fmt.value == "json" or not too_large(loaded))
    emit_as(console, "trace", fmt, trace, output, decimals=decimals, explain=explain)


@app.command()
@handle_errors
def backprop(
    problem: ProblemArg = None,
    explain: bool = typer.Option(False, "--explain", "-e", help="Show the chain-rule derivation step by step."),
    fmt: TraceFormat = "table",
    decimals: Decimals = 9,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Forward pass, errors, backward pass and one gradient-descent step: every value."""
    _show(problem, set_, explain, fmt, decimals, output, with_backward=True)


@app.command()
@handle_errors
def forward(
    problem: ProblemArg = None,
    explain: bool = typer.Option(False, "--explain", "-e", help="Show each net input and output worked out."),
    fmt: TraceFormat = "table",
    decimals: Decimals = 9,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Forward pass only: net input and output of every unit (targets optional)."""
    _show(problem, set_, explain, fmt, decimals, output, with_backward=False)


@app.command()
@handle_errors
def problems() -> None:
    """List the bundled problems (the slides' worked examples), one line each."""
    from ..bundled import bundled_problems
    from ..errors import NncalcError
    from ..problem import load_problem
    from ..graph import is_graph_problem
    from ..render.common import shape_text

    rows = [("name", "network", "what it is")]
    for name, path in bundled_problems().items():
        try:
            p = load_problem(path)
            rows.append((name, "graph" if is_graph_problem(p) else shape_text(p.network), p.name))
        except NncalcError as exc:      # one broken file must not hide the others
            rows.append((name, "?", f"cannot be loaded: {exc.message}"))
    w0, w1 = (max(len(r[i]) for r in rows) for i in (0, 1))
    lines = [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
    emit(make_console(), "\n".join(lines))


@app.command()
@handle_errors
def summary(
    problem: ProblemArg = None,
    set_: Sets = None,
) -> None:
    """Layer table with parameter counts (like Keras' model.summary()); for a graph, its nodes and operations."""
    from ..graph import is_graph_problem
    from ..render.common import rich_table
    from ..render.matrix import network_summary_tab

    from rich.text import Text

    p = load(problem, set_)
    console = make_console()
    console.print(Text(p.name, style="bold"))
    if is_graph_problem(p):
        from ..graph.render import summary_tabs

        for part in summary_tabs(p):
            if isinstance(part, str):
                console.print(Text(part))
                continue
            for t in part.split(console.width):
                console.print()
                console.print(Text(t.title, style="bold"))
                console.print(rich_table(t))
        return
    for part in network_summary_tab(p.network).split(console.width):
        console.print(rich_table(part))
