"""Out of nncalc: a trained model (or a problem file's network) as a PyTorch module or an ONNX graph.

Each target is one entry of TARGETS: a function writing the files for a Model and saying what it
wrote. The math is not reimplemented: a dense layer is `nn.Linear` (ONNX `Gemm`) and the activation
the framework's own, so the exported network computes nncalc's outputs to float rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import NncalcError

if TYPE_CHECKING:
    from ..model import Model


class ExportError(NncalcError):
    """A model that cannot be exported to the target asked for."""

    kind = "export"


@dataclass(frozen=True)
class Exported:
    """What an export wrote, and what it could not (with how to get it)."""

    written: tuple[Path, ...]
    notes: tuple[str, ...] = ()


def _pytorch(model: "Model", output: Path) -> Exported:
    from .pytorch import export_pytorch

    return export_pytorch(model, output)


def _onnx(model: "Model", output: Path) -> Exported:
    from .onnx_graph import export_onnx

    return export_onnx(model, output)


TARGETS: dict[str, tuple[str, Callable[["Model", Path], Exported]]] = {
    "pytorch": (".py", _pytorch),
    "onnx": (".onnx", _onnx),
}


def dense_layers(model: "Model") -> list:
    """The model's layers, refused unless every one is dense (the layer type both targets have)."""
    layers = list(model.network.layers)
    for i, layer in enumerate(layers, start=1):
        if getattr(layer, "kind", "dense") != "dense":
            raise ExportError(f"layer {i} is a {layer.kind} layer; only dense layers can be exported",
                              file=model.source)
    return layers


def export_model(model: "Model", to: str, output: str | Path) -> Exported:
    """Write `model` for target `to` (a TARGETS key) to `output`, whose suffix must be the target's."""
    from ..errors import suggest

    if to not in TARGETS:
        raise ExportError(f"unknown target {to!r}{suggest(to, TARGETS)}; expected one of {', '.join(TARGETS)}")
    suffix, write = TARGETS[to]
    output = Path(output)
    if output.suffix != suffix:
        raise ExportError(f"an export to {to} is a {suffix} file; give -o NAME{suffix}", file=str(output))
    dense_layers(model)
    return write(model, output)
