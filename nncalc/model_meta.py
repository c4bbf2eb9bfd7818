"""An .npz model's meta data: what it may hold (`META`, `NETWORK_META`, `LAYER_META`, checked by
`schema.check_fields`) and the network in it, both ways (`network_meta`, `network_from_meta`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .ops import ACTIVATIONS, LOSSES, Activation
from .problem import Layer, Network, default_weight_names
from .schema import Fields, check_fields

FORMAT = "nncalc-model"
VERSION = 1


def with_dtype(layer: Any, dtype) -> Any:
    """The layer with its parameters as copies in dtype (any layer type)."""
    return layer.with_arrays({prm.name: prm.array.astype(dtype) for prm in layer.parameters()})


def _default_weight_names(shapes: list[tuple[int, int]]) -> list[tuple[tuple[str, ...], ...]]:
    """The problem format's default names for layers of these weight shapes."""
    names, before = [], 0
    for rows, cols in shapes:
        names.append(default_weight_names(rows, cols, before))
        before += rows * cols
    return names


def network_meta(network: Network) -> dict[str, Any]:
    """A dense network's names, activations and bias forms (its arrays are stored beside them)."""
    defaults = _default_weight_names([l.weights.shape for l in network.layers])
    layers = []
    for layer, default in zip(network.layers, defaults):
        act = layer.activation
        spec = {"units": list(layer.units),
                "activation": act.name if act.alpha is None else {"name": act.name, "alpha": act.alpha},
                "bias_names": list(layer.bias_names),
                "bias_shared": layer.bias_shared}
        if tuple(layer.weight_names) != default:      # MNIST's 78,400 default names are not worth storing
            spec["weight_names"] = [list(r) for r in layer.weight_names]
        layers.append(spec)
    return {"inputs": list(network.inputs), "layers": layers}


def _names(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v)


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _activation(v: Any) -> bool:
    if isinstance(v, dict):
        return set(v) <= {"name", "alpha"} and _activation(v.get("name")) and _finite(v.get("alpha", 0))
    return isinstance(v, str) and v in ACTIVATIONS


# what a model's meta data holds: key -> (what is expected, check); a key that may be absent passes None
META: Fields = {
    "version": ("a whole number of at least 1", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)
                                                                         and v >= 1)),
    "name": ("a text", lambda v: v is None or isinstance(v, str)),
    "source": ("a file name or null", lambda v: v is None or isinstance(v, str)),
    "network": ("a mapping with inputs and layers", lambda v: isinstance(v, dict) and isinstance(v.get("layers"), list)
                and bool(v["layers"])),
    "loss": ("a loss name", lambda v: isinstance(v, str) and v in LOSSES),
    "learning_rate": ("a finite number greater than 0", lambda v: _finite(v) and v > 0),
    "classes": ("a list of class names (texts) or null", lambda v: v is None or _names(v)),
    "training": ("a mapping", lambda v: v is None or isinstance(v, dict)),
    "history": ("a list of history entries", lambda v: v is None or (isinstance(v, list)
                                                                   and all(isinstance(r, dict) for r in v))),
}
NETWORK_META = {"inputs": ("a list of input names (texts)", _names)}
LAYER_META: Fields = {
    "units": ("a list of unit names (texts)", _names),
    "activation": ("an activation name, or {name, alpha} with a finite alpha", _activation),
    "bias_names": ("a list of bias names (texts)", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "bias_shared": ("true or false", lambda v: isinstance(v, bool)),
    "weight_names": ("rows of weight names (texts)", lambda v: v is None or (isinstance(v, list) and all(_names(r) for r in v))),
}


def network_from_meta(spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> Network:
    """The network a model's meta data and arrays (W1, b1, ...) describe; a ValueError says what is wrong."""
    check_fields(spec, NETWORK_META, "network: ")
    if spec.get("form") == "problem":
        return _network_from_problem_form(spec)
    inputs = tuple(spec["inputs"])
    layers = []
    fan_in = len(inputs)
    for i, ls in enumerate(spec["layers"], start=1):
        if not isinstance(ls, dict):
            raise ValueError(f"layer {i} is {ls!r:.60}, expected a mapping")
        check_fields(ls, LAYER_META, f"layer {i}: ")
    defaults = _default_weight_names([arrays[f"W{i}"].shape for i in range(1, len(spec["layers"]) + 1)])
    for i, ls in enumerate(spec["layers"], start=1):
        act = ls["activation"]
        name, alpha = (act, None) if isinstance(act, str) else (act["name"], act.get("alpha"))
        units = tuple(ls["units"])
        W = arrays[f"W{i}"]
        if W.shape != (len(units), fan_in) or W.dtype.kind != "f":
            raise ValueError(f"W{i} has shape {W.shape}, expected {(len(units), fan_in)}")
        b = arrays.get(f"b{i}")
        if b is not None and (b.shape != (len(units),) or b.dtype.kind != "f"):
            raise ValueError(f"b{i} has shape {b.shape}, expected {(len(units),)}")
        for key, values in ((f"W{i}", W), (f"b{i}", b)):
            if values is not None and not np.isfinite(values).all():
                raise ValueError(f"{key} holds NaN or infinity")
        names = tuple(tuple(r) for r in ls["weight_names"]) if "weight_names" in ls else defaults[i - 1]
        layers.append(Layer(units, Activation(name, alpha), W, names, b, tuple(ls["bias_names"]),
                            bool(ls["bias_shared"])))
        fan_in = len(units)
    return Network(inputs, tuple(layers))


def _network_from_problem_form(spec: dict[str, Any]) -> Network:
    """A network stored in its problem-file form, checked by the problem file's own validation."""
    from .problem.network import network_from_spec
    from .schema import Invalid
    from .yamlio import format_path

    dtype = spec.get("dtype", "float64")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"network: 'dtype' is {dtype!r:.60}, expected float32 or float64")
    try:
        network = network_from_spec({"inputs": spec["inputs"], "layers": spec["layers"]}, ("network",), None, 0)
    except Invalid as exc:
        raise ValueError(f"{format_path(exc.path)}: {exc.message}") from None
    return Network(network.inputs, tuple(with_dtype(l, dtype) for l in network.layers))
