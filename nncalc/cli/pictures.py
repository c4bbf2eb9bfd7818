"""`draw`, `sweep`, `gradients` and `plot`: the pictures the decks draw."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..errors import UsageError
from . import app
from .common import PNG_TO_TERMINAL, Decimals, Output, ProblemArg, Sets, emit_as, format_option, handle_errors, load, make_console

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
    from ..api import drawing, drawing_format

    name = fmt.value if fmt is not None else drawing_format(output)
    if name == "png" and output is None:
        raise UsageError(PNG_TO_TERMINAL)       # before the drawing: no extra needed to say so
    emit_as(make_console(), "drawing", name, drawing(load(problem, set_), show.value), output, decimals=decimals)


SweepFormat = format_option("sweep")


@app.command("sweep")
@handle_errors
def sweep_command(
    problem: str = typer.Argument(..., show_default=False, help="A problem file or bundled problem name."),
    axes: list[str] = typer.Argument(..., show_default=False, metavar="NAME=LO:HI:COUNT...",
                                     help="One parameter (the curve) or two (the loss map), e.g. w5=-3:3:61."),
    of: str = typer.Option("E.total", "--of", help="The quantity to follow (any name of `nncalc names`)."),
    path: bool = typer.Option(False, "--path", help="Two parameters: overlay the path of `nncalc train` from the "
                              "file's point (every parameter trained with the file's settings, drawn at the two)."),
    steps: int = typer.Option(20, "--steps", min=1, max=10_000, help="Updates of the --path."),
    plot: Optional[Path] = typer.Option(None, "--plot", dir_okay=False, help="Also draw it as a PNG "
                                        "(the curve, or contours; needs matplotlib: pip install 'nncalc\\[plot]')."),
    fmt: SweepFormat = "plot",
    decimals: Decimals = 6,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """A quantity (E_total by default) as one or two weights or biases move: the error curve or the loss map."""
    from ..api import save_png, sweep

    if plot is not None:
        from ..render.plot import require_matplotlib

        require_matplotlib()
    result = sweep(load(problem, set_), axes, of, path_steps=steps if path else None)
    emit_as(make_console(), "sweep", fmt, result, output, decimals=decimals)
    if plot is not None:
        save_png("sweep", plot, result)


GradientsFormat = format_option("gradients")


@app.command()
@handle_errors
def gradients(
    problem: ProblemArg = None,
    plot: Optional[Path] = typer.Option(None, "--plot", dir_okay=False, help="Also draw the sizes across layers "
                                        "as a PNG (needs matplotlib: pip install 'nncalc\\[plot]')."),
    fmt: GradientsFormat = "table",
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Per layer, the size of delta and of the weight gradients: where gradients vanish (or explode)."""
    from ..api import gradient_sizes, save_png

    if plot is not None:
        from ..render.plot import require_matplotlib

        require_matplotlib()
    report = gradient_sizes(load(problem, set_))
    emit_as(make_console(), "gradients", fmt, report, output)
    if plot is not None:
        save_png("gradients", plot, report)


plot_app = typer.Typer(help="Plots of what nncalc knows: the activation functions and their derivatives.",
                       no_args_is_help=True)
app.add_typer(plot_app, name="plot")
ActivationsFormat = format_option("activations")


@plot_app.command()
@handle_errors
def activations(
    names: Optional[list[str]] = typer.Argument(None, show_default=False, metavar="ACTIVATION...",
                                                help="Activation names (default: every one of one net)."),
    derivative: bool = typer.Option(False, "--derivative", "-D", help="Plot dout/dnet too."),
    range_: str = typer.Option("-5:5", "--range", metavar="LO:HI", help="The nets plotted."),
    plot: Optional[Path] = typer.Option(None, "--plot", dir_okay=False, help="Also draw them as a PNG "
                                        "(needs matplotlib: pip install 'nncalc\\[plot]')."),
    fmt: ActivationsFormat = "plot",
    output: Output = None,
) -> None:
    """Activation functions (any nncalc knows) and, with --derivative, their derivatives."""
    from ..api import activation_curves, save_png
    from ..errors import UsageError

    try:
        lo, hi = (float(v) for v in range_.split(":"))
    except ValueError:
        raise UsageError(f"--range {range_!r}: expected LO:HI, e.g. -5:5") from None
    if not (lo < hi and abs(lo) < 1e6 and abs(hi) < 1e6):
        raise UsageError(f"--range {range_!r}: expected LO < HI, both within ±1e6")
    if plot is not None:
        from ..render.plot import require_matplotlib

        require_matplotlib()
    curves = activation_curves(names or [], lo, hi, derivative=derivative)
    emit_as(make_console(), "activations", fmt, curves, output)
    if plot is not None:
        save_png("activations", plot, curves)
