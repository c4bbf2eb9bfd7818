"""The pictures the decks draw: diagrams, sweeps, gradient sizes, activation curves, PNGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from .problems import trace_of


def drawing_format(output: str | Path | None) -> str:
    """The drawing format a file name asks for by its suffix (.dot, .mmd, ...); svg otherwise."""
    from ..pictures.draw import SUFFIXES

    return SUFFIXES.get(Path(output).suffix.lower() if output else "", "svg")


def drawing(problem: Any, show: str = "out") -> Any:
    """The network as the decks draw it, edges carrying the weights ('out'), their gradients
    ('grad') or the weights after one step ('new'); a graph as micrograd's draw_dot (`nncalc draw`)."""
    from ..pictures.draw import drawing_of

    return drawing_of(problem, show)


def sweep(problem: Any, axes: Sequence[str], of: str = "E.total", path_steps: int | None = None) -> Any:
    """A quantity as one or two parameters move (`nncalc sweep`): axes 'w5=-3:3:61'; with
    `path_steps`, gradient descent on the two from the file's point drawn over the loss map."""
    from ..pictures.sweep import descent_path, parse_axis, sweep as sweep_axes

    result = sweep_axes(problem, [parse_axis(a, problem) for a in axes], of)
    return descent_path(result, path_steps) if path_steps is not None else result


def gradient_sizes(problem: Any) -> Any:
    """Per layer, the size of delta and of the weight gradients (`nncalc gradients`)."""
    from ..pictures.gradients import gradient_report

    return gradient_report(trace_of(problem, True, named=False))


def activation_curves(names: Sequence[str], lo: float = -5.0, hi: float = 5.0, derivative: bool = False) -> Any:
    """The activations' curves over nets lo..hi (every activation when `names` is empty), with
    their derivatives (`nncalc plot activations`)."""
    from ..pictures.activations import activation_curves as curves

    return curves(list(names), lo, hi, derivative=derivative)


PNG_WRITERS = {"sweep": "sweep_png", "gradients": "gradients_png", "activations": "activations_png"}


def save_png(subject: str, path: str | Path, obj: Any) -> None:
    """Draw a sweep, a gradient report or activation curves as a PNG (needs the `plot` extra)."""
    from ..pictures import png

    getattr(png, PNG_WRITERS[subject])(path, obj)
