"""A model as a readable PyTorch script: a `torch.nn.Module` class, the loss, the weights, and a
`build()` that loads them; plus the state dict `NAME.pt` beside it, written by that very script
when torch is installed here.

Small networks carry their weights in the script; larger ones in `NAME.weights.npz` beside it
(plain arrays named as in the state dict), so the script needs no nncalc, and torch only to run.
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..ops import LOSSES
from . import Exported, ExportError, dense_layers

if TYPE_CHECKING:
    from ..model import Model

INLINE_MAX_PARAMS = 2_000       # past this many numbers, the weights go to NAME.weights.npz
NAMED_MAX = 64                  # weight matrices up to this size are shown with nncalc's names

def _names(names) -> str:
    return ", ".join(names) if len(names) <= 6 else f"{names[0]}, ..., {names[-1]} ({len(names)})"


def state_dict(model: "Model") -> dict[str, np.ndarray]:
    """The weights under the state dict's names: layerK.weight (units, fan_in), layerK.bias."""
    state: dict[str, np.ndarray] = {}
    for k, layer in enumerate(dense_layers(model), start=1):
        state[f"layer{k}.weight"] = layer.weights
        if layer.bias is not None:
            state[f"layer{k}.bias"] = layer.bias
    return state


def pytorch_script(model: "Model", stem: str, inline: bool) -> str:
    """The script's text; `inline`: with the weights written in it, else read from STEM.weights.npz."""
    from .. import __version__

    layers = dense_layers(model)
    dtype = "float32" if model.dtype == np.float32 else "float64"
    inputs = model.network.inputs
    chain = [_names(inputs)] + [f"{_names(l.units)} ({l.activation.describe()})" for l in layers]
    loss_op = LOSSES[model.loss]
    if not loss_op.torch:
        raise ExportError(f"no PyTorch form of the loss {model.loss!r}", file=model.source)
    loss_body = loss_op.torch
    loss_words = loss_op.formula + (" (out is already softmax)" if "softmax" in loss_op.fused else "")
    example = ", ".join("0.0" for _ in inputs) if len(inputs) <= 8 else f"... {len(inputs)} numbers ..."
    lines = [
        f'"""{model.name}: exported from nncalc {__version__} as a PyTorch module.',
        "",
        f"Network: {' -> '.join(chain)}.",
        f"Loss: {model.loss}, E_total = {loss_words}." + (f" From {Path(model.source).name}." if model.source else ""),
        "",
        f"    from {stem} import build",
        "    model = build()                  # or build('PATH.pt'): a saved state dict",
        f"    model(torch.tensor([[{example}]], dtype=torch.{dtype}))",
        "",
        f"`python {stem}.py` writes the state dict {stem}.pt beside this file.",
        '"""',
        "",
        "import sys",
        "from pathlib import Path",
        "",
    ]
    if not inline:
        lines += ["import numpy as np"]
    lines += [
        "import torch",
        "from torch import nn",
        "",
        f"DTYPE = torch.{dtype}",
        f"INPUTS = {list(inputs)!r}" if len(inputs) <= 32 else f"INPUTS = {len(inputs)}  # inputs",
        f"OUTPUTS = {list(model.network.outputs)!r}",
    ]
    if model.classes is not None:
        lines.append(f"CLASSES = {list(model.classes)!r}")
    lines += _net_lines(model, layers, chain)
    lines += ["        return x", "", "",
              "def loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:",
              f'    """{model.loss}: {loss_words} (nncalc\'s E_total)."""',
              f"    return {loss_body}", "", ""]
    if inline:
        lines += _inline_state(model, layers)
    lines += _build(stem, inline)
    return "\n".join(lines) + "\n"


def _net_lines(model: "Model", layers, chain: list[str]) -> list[str]:
    """The script's `Net`: one nn.Linear per layer, and `forward` applying each layer's activation
    in its PyTorch form (an activation without one is an ExportError)."""
    inputs = model.network.inputs
    lines = ["", "", "class Net(nn.Module):", f'    """{" -> ".join(chain)}."""', "",
             "    def __init__(self) -> None:", "        super().__init__()"]
    fan_in = inputs
    for k, layer in enumerate(layers, start=1):
        bias = "" if layer.bias is not None else ", bias=False"
        shared = f" (bias {layer.bias_names[0]} shared in nncalc)" if layer.bias_shared else ""
        lines.append(f"        self.layer{k} = nn.Linear({len(fan_in)}, {len(layer.units)}{bias})"
                     f"  # {_names(layer.units)} from {_names(fan_in)}{shared}")
        fan_in = layer.units
    lines += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    for k, layer in enumerate(layers, start=1):
        act = layer.activation
        if not act.fn.torch:
            raise ExportError(f"layer {k}: no PyTorch form of the activation {act.name!r}", file=model.source)
        expr = act.fn.torch.format(x=f"self.layer{k}(x)", alpha=act.alpha)
        if act.fn.torch.count("{x}") > 1:          # computed once, then read twice
            lines.append(f"        x = self.layer{k}(x)")
            expr = act.fn.torch.format(x="x", alpha=act.alpha)
        lines.append(f"        x = {expr}")
    return lines


def _inline_state(model: "Model", layers) -> list[str]:
    lines = []
    for k, layer in enumerate(layers, start=1):
        if layer.weights.size <= NAMED_MAX:
            rows = "; ".join(", ".join(r) for r in layer.weight_names)
            lines.append(f"# layer{k}.weight: rows {_names(layer.units)}, nncalc's names [{rows}]")
            if layer.bias is not None:
                lines.append(f"# layer{k}.bias: {', '.join(layer.bias_names)}" +
                             (" (shared)" if layer.bias_shared else ""))
    lines.append("STATE = {")
    for name, values in state_dict(model).items():
        text = pprint.pformat(values.astype(np.float64).tolist(), width=92, compact=True)
        lines.append(f"    {name!r}: " + text.replace("\n", "\n" + " " * (len(name) + 8)) + ",")
    return lines + ["}", "", ""]


def _build(stem: str, inline: bool) -> list[str]:
    load = ("        state = {k: torch.tensor(v, dtype=DTYPE) for k, v in STATE.items()}" if inline else
            f"        with np.load(Path(__file__).with_name({stem + '.weights.npz'!r})) as arrays:\n"
            "            state = {k: torch.from_numpy(arrays[k]).to(DTYPE) for k in arrays.files}")
    return [
        "def build(state_dict_path: str | None = None) -> Net:",
        '    """The network with the exported weights, or with those of a saved state dict."""',
        "    model = Net().to(DTYPE)",
        "    if state_dict_path is None:",
        load,
        "    else:",
        "        state = torch.load(state_dict_path, weights_only=True)",
        "    model.load_state_dict(state)",
        "    return model",
        "",
        "",
        'if __name__ == "__main__":',
        '    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_suffix(".pt")',
        "    torch.save(build().state_dict(), target)",
        '    print(f"wrote {target}")',
    ]


def export_pytorch(model: "Model", output: Path) -> Exported:
    """Write OUTPUT.py (and OUTPUT.weights.npz for a large network); with torch here, OUTPUT.pt too."""
    from ..fileio import atomic_open, write_text_atomic

    stem = output.stem
    if not stem.isidentifier():
        raise ExportError(f"'{stem}' cannot be imported as a Python module; give -o a name such as model.py",
                          file=str(output))
    inline = model.network.n_params <= INLINE_MAX_PARAMS
    written = []
    if not inline:
        weights = output.with_name(f"{stem}.weights.npz")
        with atomic_open(weights, "wb") as handle:
            np.savez(handle, **state_dict(model))
        written.append(weights)
    write_text_atomic(output, pytorch_script(model, stem, inline))
    written.insert(0, output)
    pt = output.with_suffix(".pt")
    try:
        import torch  # noqa: F401
    except ImportError:
        return Exported(tuple(written), (f"torch is not installed here, so {pt.name} was not written; where it is, "
                                         f"`python {output}` writes it",))
    _write_state_dict(output, pt)
    return Exported(tuple(written + [pt]))


def _write_state_dict(script: Path, pt: Path) -> None:
    """NAME.pt from the script's own build(), so the state dict is exactly what the script makes."""
    import importlib.util

    import torch

    from ..fileio import atomic_open

    spec = importlib.util.spec_from_file_location(f"_nncalc_export_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with atomic_open(pt, "wb") as handle:
        torch.save(module.build().state_dict(), handle)
