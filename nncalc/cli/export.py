"""`nncalc export`: a trained model or a problem's network out to PyTorch or ONNX."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from . import app
from .common import handle_errors, make_console


class Target(str, Enum):
    """The frameworks `export` writes for (nncalc.export.TARGETS)."""

    pytorch = "pytorch"
    onnx = "onnx"


@app.command()
@handle_errors
def export(
    model: str = typer.Argument(..., show_default=False, metavar="MODEL",
                                help="A model saved by `nncalc train --save` (.npz or .yaml), a problem file with "
                                     "weights, or a bundled problem's name."),
    to: Target = typer.Option(..., "--to", "-t", help="pytorch: a torch.nn.Module script (and its .pt state dict); "
                                                      "onnx: an ONNX graph."),
    output: Path = typer.Option(..., "--output", "-o", dir_okay=False,
                                help="The file to write: NAME.py for pytorch, NAME.onnx for onnx."),
) -> None:
    """Export a network with its weights to PyTorch or ONNX, computing the same outputs as nncalc."""
    from ..api import export as export_network

    done = export_network(model, to.value, output)
    console = make_console()
    for path in done.written:
        console.print(f"wrote {path}", markup=False, highlight=False)
    for note in done.notes:
        console.print(note, markup=False, highlight=False)
