"""`draw`, `sweep`, `gradients` and `plot`: the pictures the decks draw."""

from __future__ import annotations

from enum import Enum

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
