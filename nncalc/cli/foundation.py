"""`forward`, `backprop`, `problems` and `summary`: the worked-example commands."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import (Decimals, Output, ProblemArg, Sets, TraceFormat, emit_as, format_option, handle_errors, load,
                     make_console)


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


ProblemsFormat = format_option("problems")
SummaryFormat = format_option("summary")


@app.command()
@handle_errors
def problems(fmt: ProblemsFormat = "table", output: Output = None) -> None:
    """List the bundled problems (the slides' worked examples), one line each."""
    from ..bundled import catalogue

    emit_as(make_console(), "problems", fmt, catalogue(), output)


@app.command()
@handle_errors
def summary(
    problem: ProblemArg = None,
    fmt: SummaryFormat = "table",
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Layer table with parameter counts (like Keras' model.summary())."""
    emit_as(make_console(), "summary", fmt, load(problem, set_), output)
