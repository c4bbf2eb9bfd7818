"""`forward`, `backprop`, `problems` and `summary`: the worked-example commands."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import Decimals, Output, ProblemArg, Sets, TraceFormat, emit_as, format_option, handle_errors, load, make_console


def _show(problem: Optional[str], sets: Optional[list[str]], explain: bool, fmt, decimals: int,
          output: Optional[Path], with_backward: bool, symbolic: bool = False, matrix: bool = False) -> None:
    from ..api import trace_of

    if matrix:                      # the layer-level form with the numbers (nncalc/pictures/matrix_form.py)
        fmt = "matrix"

    # JSON carries every named value; the other views of a large network show layers only.
    trace = trace_of(load(problem, sets), with_backward, named=None if getattr(fmt, "value", fmt) != "json" else True)
    if symbolic:                    # a graph's gradients as formulas too (nncalc/cli/graph.py)
        from .graph import emit_trace

        return emit_trace(trace, fmt, decimals, explain, symbolic, output)
    emit_as(make_console(), "trace", fmt, trace, output, decimals=decimals, explain=explain)


@app.command()
@handle_errors
def backprop(
    problem: ProblemArg = None,
    explain: bool = typer.Option(False, "--explain", "-e", help="Show the chain-rule derivation step by step."),
    fmt: TraceFormat = "table",
    decimals: Decimals = 9,
    set_: Sets = None,
    output: Output = None,
    symbolic: bool = typer.Option(False, "--symbolic", "-s", help="A computational graph's gradients as "
                                  "formulas too (needs SymPy: pip install 'nncalc\\[symbolic]')."),
    matrix: bool = typer.Option(False, "--matrix", "-M", help="The layer-level form with the matrices and "
                                "vectors written out (same as --format matrix)."),
) -> None:
    """Forward pass, errors, backward pass and one gradient-descent step: every value."""
    _show(problem, set_, explain, fmt, decimals, output, with_backward=True, symbolic=symbolic, matrix=matrix)


@app.command()
@handle_errors
def forward(
    problem: ProblemArg = None,
    explain: bool = typer.Option(False, "--explain", "-e", help="Show each net input and output worked out."),
    fmt: TraceFormat = "table",
    decimals: Decimals = 9,
    set_: Sets = None,
    output: Output = None,
    matrix: bool = typer.Option(False, "--matrix", "-M", help="The layer-level form with the matrices and "
                                "vectors written out (same as --format matrix)."),
) -> None:
    """Forward pass only: net input and output of every unit (targets optional)."""
    _show(problem, set_, explain, fmt, decimals, output, with_backward=False, matrix=matrix)


ProblemsFormat = format_option("problems")
SummaryFormat = format_option("summary")


@app.command()
@handle_errors
def problems(fmt: ProblemsFormat = "table", output: Output = None) -> None:
    """List the bundled problems (the slides' worked examples), one line each."""
    from ..api import catalogue

    emit_as(make_console(), "problems", fmt, catalogue(), output)


@app.command()
@handle_errors
def summary(
    problem: ProblemArg = None,
    fmt: SummaryFormat = "table",
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Layer table with parameter counts (like Keras' model.summary()); for a graph, its nodes and operations."""
    emit_as(make_console(), "summary", fmt, load(problem, set_), output)
