"""`forward`, `backprop`, `problems` and `summary`: the worked-example commands."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import (DECIMALS_HELP, OUTPUT_HELP, PROBLEM_HELP, SET_HELP, Format, emit, handle_errors, load,
                     make_console, unicode_ok)

ProblemArg = typer.Argument(None, help=PROBLEM_HELP, show_default=False)
SetOpt = typer.Option(None, "--set", help=SET_HELP, metavar="NAME=VALUE")
DecimalsOpt = typer.Option(9, "--decimals", "-d", min=0, max=17, help=DECIMALS_HELP)
FormatOpt = typer.Option(Format.table, "--format", "-f", help="table, json or markdown.")
OutputOpt = typer.Option(None, "--output", "-o", help=OUTPUT_HELP, dir_okay=False)


def _show(problem: Optional[str], sets: Optional[list[str]], explain: bool, fmt: Format, decimals: int,
          output: Optional[Path], with_backward: bool) -> None:
    from ..trace import build_trace

    console = make_console()
    trace = build_trace(load(problem, sets), with_backward=with_backward)
    unicode = unicode_ok(console) if output is None else True
    if fmt is Format.json:
        from ..render.json import to_json, trace_dict

        data = trace_dict(trace)
        if explain:
            from ..render.explain import explain_lines

            data["explain"] = explain_lines(trace, decimals, unicode=True)
        emit(console, to_json(data), output)
    elif fmt is Format.markdown:
        from ..render.markdown import markdown

        emit(console, markdown(trace, decimals, explain=explain), output)
    elif explain:
        from ..render.explain import explain_text

        emit(console, explain_text(trace, decimals, unicode=unicode), output)
    else:
        from ..render.table import backprop_view, forward_view

        view = backprop_view if with_backward else forward_view
        emit(console, view(trace, decimals, unicode=unicode), output)


@app.command()
@handle_errors
def backprop(
    problem: Optional[str] = ProblemArg,
    explain: bool = typer.Option(False, "--explain", "-e", help="Show the chain-rule derivation step by step."),
    fmt: Format = FormatOpt,
    decimals: int = DecimalsOpt,
    set_: Optional[list[str]] = SetOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Forward pass, errors, backward pass and one gradient-descent step: every value."""
    _show(problem, set_, explain, fmt, decimals, output, with_backward=True)


@app.command()
@handle_errors
def forward(
    problem: Optional[str] = ProblemArg,
    explain: bool = typer.Option(False, "--explain", "-e", help="Show each net input and output worked out."),
    fmt: Format = FormatOpt,
    decimals: int = DecimalsOpt,
    set_: Optional[list[str]] = SetOpt,
    output: Optional[Path] = OutputOpt,
) -> None:
    """Forward pass only: net input and output of every unit (targets optional)."""
    _show(problem, set_, explain, fmt, decimals, output, with_backward=False)


@app.command()
@handle_errors
def problems() -> None:
    """List the bundled problems (the slides' worked examples)."""
    from rich.table import Table
    from rich import box

    from ..bundled import bundled_problems
    from ..problem import load_problem

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("name", "network", "what it is"):
        table.add_column(col)
    for name, path in bundled_problems().items():
        p = load_problem(path)
        shape = "-".join(str(n) for n in [len(p.network.inputs)] + [len(l.units) for l in p.network.layers])
        table.add_row(name, shape, p.name)
    make_console().print(table)


@app.command()
@handle_errors
def summary(
    problem: Optional[str] = ProblemArg,
) -> None:
    """Layer table with parameter counts (like Keras' model.summary())."""
    from ..render.matrix import network_summary

    p = load(problem)
    console = make_console()
    console.print(f"[bold]{p.name}[/bold]")
    console.print(network_summary(p.network))
