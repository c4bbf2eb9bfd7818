"""A model as an ONNX graph (needs the optional `onnx` package: pip install 'nncalc[onnx]').

Each dense layer is a `Gemm` (x W^T + b) followed by its activation's ONNX operator; the weights are
the graph's initializers, in the model's dtype. The input `input` is (batch, inputs), the output
`output` (batch, outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from . import Exported, ExportError, dense_layers

if TYPE_CHECKING:
    from ..model import Model

OPSET = 17


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ExportError("--to onnx needs the onnx package: pip install 'nncalc[onnx]'") from None
    return onnx


def _activation_nodes(helper, name: str, alpha: float | None, x: str, y: str, dtype) -> list:
    """The nodes computing y = f(x) for one activation."""
    zero, one = f"{y}_zero", f"{y}_one"

    def const(out: str, value: float):
        from onnx import numpy_helper

        return helper.make_node("Constant", [], [out], value=numpy_helper.from_array(np.array(value, dtype)))

    simple: dict[str, Callable[[], list]] = {
        "sigmoid": lambda: [helper.make_node("Sigmoid", [x], [y])],
        "tanh": lambda: [helper.make_node("Tanh", [x], [y])],
        "relu": lambda: [helper.make_node("Relu", [x], [y])],
        "leaky_relu": lambda: [helper.make_node("LeakyRelu", [x], [y], alpha=float(alpha))],
        "elu": lambda: [helper.make_node("Elu", [x], [y], alpha=float(alpha))],
        "softplus": lambda: [helper.make_node("Softplus", [x], [y])],
        "linear": lambda: [helper.make_node("Identity", [x], [y])],
        "softmax": lambda: [helper.make_node("Softmax", [x], [y], axis=-1)],
        "step": lambda: [const(zero, 0.0), helper.make_node("Greater", [x, zero], [f"{y}_mask"]),
                         helper.make_node("Cast", [f"{y}_mask"], [y], to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))],
        "sign": lambda: [const(zero, 0.0), const(one, 1.0), const(f"{y}_minus", -1.0),
                         helper.make_node("GreaterOrEqual", [x, zero], [f"{y}_mask"]),
                         helper.make_node("Where", [f"{y}_mask", one, f"{y}_minus"], [y])],
    }
    if name not in simple:
        raise ExportError(f"no ONNX form of the activation {name!r}")
    return simple[name]()


def onnx_model(model: "Model"):
    """The model as an onnx.ModelProto, checked by onnx.checker."""
    onnx = _require_onnx()
    from onnx import TensorProto, helper, numpy_helper

    dtype = np.float32 if model.dtype == np.float32 else np.float64
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    nodes, inits = [], []
    x = "input"
    layers = dense_layers(model)
    for k, layer in enumerate(layers, start=1):
        W, b = f"layer{k}.weight", f"layer{k}.bias"
        inits.append(numpy_helper.from_array(layer.weights.astype(dtype), W))
        bias = layer.bias if layer.bias is not None else np.zeros(len(layer.units))
        inits.append(numpy_helper.from_array(bias.astype(dtype), b))
        net = f"net{k}"
        nodes.append(helper.make_node("Gemm", [x, W, b], [net], transB=1, name=f"layer{k}"))
        out = "output" if k == len(layers) else f"out{k}"
        nodes += _activation_nodes(helper, layer.activation.name, layer.activation.alpha, net, out, dtype)
        x = out
    graph = helper.make_graph(
        nodes, model.name[:200] or "nncalc",
        [helper.make_tensor_value_info("input", elem, ["batch", len(model.network.inputs)])],
        [helper.make_tensor_value_info("output", elem, ["batch", len(model.network.outputs)])],
        inits)
    proto = helper.make_model(graph, producer_name="nncalc", opset_imports=[helper.make_opsetid("", OPSET)])
    proto.ir_version = min(proto.ir_version, 9)     # readable by onnxruntime releases of the last years
    helper.set_model_props(proto, {"inputs": ",".join(model.network.inputs),
                                   "outputs": ",".join(model.network.outputs), "loss": model.loss})
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model: "Model", output: Path) -> Exported:
    """Write the ONNX graph to OUTPUT.onnx, atomically."""
    from ..fileio import atomic_open

    proto = onnx_model(model)
    with atomic_open(output, "wb") as handle:
        handle.write(proto.SerializeToString())
    return Exported((output,))
