"""`draw`, `sweep`, `gradients` and `plot`: the pictures the decks draw."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import Decimals, Output, ProblemArg, Sets, emit_as, format_option, handle_errors, load, make_console

DrawingFormat = format_option("drawing")


class Show(str, Enum):
    out = "out"
    grad = "grad"
    new = "new"


@app.command()
@handle_errors
def draw(
    problem: ProblemArg = None,
    show: Show = typer.Option(Show.out, "--show", help="What the edges carry: the weights (out), their "
                              "gradients (grad) or the weights after one step (new)."),
    fmt: DrawingFormat = None,
    decimals: Decimals = 4,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """The network as the decks draw it (SVG, DOT or Mermaid); a computational graph as micrograd's draw_dot."""
    from ..pictures.draw import SUFFIXES, drawing_of

    name = fmt.value if fmt is not None else SUFFIXES.get(output.suffix.lower() if output else "", "svg")
    emit_as(make_console(), "drawing", name, drawing_of(load(problem, set_), show.value), output, decimals=decimals)


SweepFormat = format_option("sweep")


@app.command("sweep")
@handle_errors
def sweep_command(
    problem: str = typer.Argument(..., show_default=False, help="A problem file or bundled problem name."),
    axes: list[str] = typer.Argument(..., show_default=False, metavar="NAME=LO:HI:COUNT...",
                                     help="One parameter (the curve) or two (the loss map), e.g. w5=-3:3:61."),
    of: str = typer.Option("E.total", "--of", help="The quantity to follow (any name of `nncalc names`)."),
    path: bool = typer.Option(False, "--path", help="Two parameters: overlay gradient descent on them from the "
                              "file's point (the steps of `nncalc train`)."),
    steps: int = typer.Option(20, "--steps", min=1, max=10_000, help="Steps of the --path."),
    plot: Optional[Path] = typer.Option(None, "--plot", dir_okay=False, help="Also draw it as a PNG "
                                        "(the curve, or contours; needs matplotlib: pip install 'nncalc[plot]')."),
    fmt: SweepFormat = "plot",
    decimals: Decimals = 6,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """A quantity (E_total by default) as one or two weights or biases move: the error curve or the loss map."""
    from ..pictures.sweep import descent_path, parse_axis, sweep

    if plot is not None:
        from ..render.plot import require_matplotlib

        require_matplotlib()
    p = load(problem, set_)
    result = sweep(p, [parse_axis(a, p) for a in axes], of)
    if path:
        result = descent_path(result, steps)
    emit_as(make_console(), "sweep", fmt, result, output, decimals=decimals)
    if plot is not None:
        from ..pictures.png import sweep_png

        sweep_png(plot, result)
