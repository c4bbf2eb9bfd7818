"""The network of a problem file: its frozen dataclasses (Network, Layer, Param) and the
validation of `network:` (plus `init:` drawing the weights a file leaves out)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..layers import TYPES, Dense, layer_class
from ..ops import ACTIVATIONS, Activation, fused_delta
from ..schema import Invalid, choice, count, mapping, number, show, vector
from ..schema import name as check_name, names as name_list
from ..yamlio import Path_, format_path

if TYPE_CHECKING:
    from ..layers.recurrent import Recurrent

Layer = Dense      # the name other modules import today; new code uses nncalc.layers.Dense

MAX_UNITS = 100_000              # units in a layer, or inputs: a worked example or MNIST needs far fewer
MAX_PARAMETERS = 4_000_000       # weights and biases in a network (each named, so held as Python objects)

INITS = ("xavier", "he", "normal", "uniform", "zeros")
LEARNING_RATE_NAMES = ("learning_rate", "eta")


@dataclass(frozen=True, eq=False)
class Network:
    """Input names and the layers from first hidden to output."""

    inputs: tuple[str, ...]
    layers: tuple[Layer, ...]

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.layers[-1].units

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    @property
    def is_sequence(self) -> bool:
        """Whether some layer runs over time steps (then inputs are (n, T, d))."""
        return any(layer.sequence for layer in self.layers)

    def parameters(self) -> Iterator["Param"]:
        """Every named weight and bias, layer by layer, in the order of each layer's parameters()
        (a dense layer's weights row by row before its biases)."""
        for li, layer in enumerate(self.layers):
            for prm in layer.parameters():
                if prm.shared:
                    yield Param(prm.names[0], li, prm.kind, None, array=prm.name)
                    continue
                for index in np.ndindex(prm.array.shape):
                    name = prm.names
                    for i in index:
                        name = name[i]
                    yield Param(name, li, prm.kind, index[0], index[1] if len(index) > 1 else None, prm.name)

    def parameter_values(self) -> dict[str, float]:
        """Every weight and bias by name."""
        return {p.name: p.value(self) for p in self.parameters()}


@dataclass(frozen=True)
class Param:
    """Where a named parameter lives: entry [row, col] (or [row]) of a layer's parameter array
    `array` (a Parameter.name: "weights", "bias"); row None: a shared bias, one value for every unit."""

    name: str
    layer: int
    kind: str                 # "weight" or "bias"
    row: int | None
    col: int | None = None
    array: str = "weights"

    @property
    def index(self) -> tuple[int, ...] | int:
        return self.row if self.col is None else (self.row, self.col)

    def value(self, network: Network) -> float:
        values = getattr(network.layers[self.layer], self.array)
        return float(values[0 if self.row is None else self.index])

    def assign(self, layers: list[Layer], value: float) -> None:
        """Write value into (copied) layer arrays; a shared bias is written to every unit."""
        values = getattr(layers[self.layer], self.array)
        values[slice(None) if self.row is None else self.index] = value


# ---------------------------------------------------------------- the network

def _activation(value: Any, path: Path_, is_output: bool) -> Activation:
    if isinstance(value, str):
        name, alpha = value, None
    elif isinstance(value, dict):
        spec = mapping(value, path, ("name", "alpha"), ("name",))
        name = spec["name"]
        alpha = number(spec["alpha"], path + ("alpha",)) if "alpha" in spec else None
        path = path + ("name",)
    else:
        raise Invalid(path, f"expected an activation name or {{name: ..., alpha: ...}}, got {show(value)}")
    name = choice(name, path, tuple(ACTIVATIONS), "activation", close=3)
    fn = ACTIVATIONS[name]
    if alpha is not None and fn.default_alpha is None:
        raise Invalid(path, f"activation '{name}' takes no alpha")
    if fn.joint and not is_output:
        raise Invalid(path, f"{name} is only supported on the output layer")
    return Activation(name, alpha if alpha is not None else fn.default_alpha)


def _within(count: Any, limit: int, path: Path_, what: str) -> None:
    """Refuse a count over `limit` before anything of that size is made."""
    if isinstance(count, int) and not isinstance(count, bool) and count > limit:
        raise Invalid(path, f"{show(count) if count.bit_length() > 1024 else f'{count:,}'} {what}; "
                            f"nncalc holds at most {limit:,}")


def _default_units(li: int, n_layers: int, count: int) -> tuple[str, ...]:
    if li == n_layers - 1:
        prefix = "o"
    elif n_layers == 2:
        prefix = "h"
    else:
        prefix = f"h{li + 1}_"
    return tuple(f"{prefix}{k}" for k in range(1, count + 1))


def _init_weights(init: str, rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """Reproducible starting weights (units, fan_in); see docs/problem-format.md for each rule."""
    if init == "xavier":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, (fan_out, fan_in))
    if init == "he":
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), (fan_out, fan_in))
    if init == "normal":
        return rng.normal(0.0, math.sqrt(1.0 / fan_in), (fan_out, fan_in))
    if init == "uniform":
        limit = 1.0 / math.sqrt(fan_in)
        return rng.uniform(-limit, limit, (fan_out, fan_in))
    return np.zeros((fan_out, fan_in))


def default_weight_names(rows: int, cols: int, before: int = 0) -> tuple[tuple[str, ...], ...]:
    """w1, w2, ... numbered through the network layer by layer, row by row, column by column;
    `before` is how many weights the layers below hold."""
    return tuple(tuple(f"w{before + r * cols + c + 1}" for c in range(cols)) for r in range(rows))


LAYER_TYPES = tuple(TYPES)        # a layer's `type:` (nncalc/layers/__init__.TYPES)
_DENSE_KEYS = ("units", "type", "activation", "weights", "weight_names", "bias", "bias_names")
_RECURRENT_KEYS = _DENSE_KEYS + ("recurrent_weights", "recurrent_weight_names", "initial_state")
_DEFAULT_ACTIVATION = {"dense": "sigmoid", "recurrent": "tanh"}


def default_recurrent_names(units: int, before: int = 0) -> tuple[tuple[str, ...], ...]:
    """wh1, wh2, ... (the slides' W_h) numbered through the network's recurrent layers, row by row."""
    return tuple(tuple(f"wh{before + r * units + c + 1}" for c in range(units)) for r in range(units))


def _matrix(value: Any, rows: int, cols: int, units: tuple[str, ...], col_names: tuple[str, ...],
            path: Path_, what: str = "") -> np.ndarray:
    """A (rows, cols) matrix given as one row per unit."""
    if not isinstance(value, list) or len(value) != rows:
        got = f"{len(value)}" if isinstance(value, list) else f"{show(value)}, not a list of rows"
        raise Invalid(path, f"expected {count(rows, 'row')}{what} (units {', '.join(units)}), got {got}")
    return np.array([vector(row, cols, col_names, path + (r,)) for r, row in enumerate(value)],
                    dtype=np.float64).reshape(rows, cols)


def _matrix_names(value: Any, rows: int, col_names: tuple[str, ...], units: tuple[str, ...],
                  path: Path_) -> tuple[tuple[str, ...], ...]:
    """One row of names per unit, one name per column."""
    if not isinstance(value, list) or len(value) != rows:
        raise Invalid(path, f"expected {count(rows, 'row')} of names (units {', '.join(units)})")
    names = []
    for r, row in enumerate(value):
        if not isinstance(row, list) or len(row) != len(col_names):
            raise Invalid(path + (r,), f"expected {len(col_names)} names ({', '.join(col_names)})")
        names.append(tuple(check_name(n, path + (r, c)) for c, n in enumerate(row)))
    return tuple(names)


def _layer(spec: Any, path: Path_, li: int, n_layers: int, fan_in_names: tuple[str, ...],
           counter: list[int], init: str | None, rng: np.random.Generator | None) -> Layer:
    kind = "dense"
    if isinstance(spec, dict) and "type" in spec:
        kind = choice(spec["type"], path + ("type",), LAYER_TYPES, "layer type", close=3)
    recurrent = kind == "recurrent"
    if kind == "lstm":      # its keys and reader: nncalc/problem/lstm.py, imported for the files using it (start-up)
        from . import lstm
    spec = mapping(spec, path, lstm.KEYS if kind == "lstm" else _RECURRENT_KEYS if recurrent else _DENSE_KEYS,
                   ("units",))
    units_value = spec["units"]
    _within(units_value, MAX_UNITS, path + ("units",), "units in a layer")
    if isinstance(units_value, int) and not isinstance(units_value, bool) and units_value >= 1:
        units = _default_units(li, n_layers, units_value)
    else:
        units = name_list(units_value, "", path + ("units",), "unit")
    if kind == "lstm":
        return lstm.lstm_layer(spec, path, units, fan_in_names, counter, init, rng)
    activation = _activation(spec.get("activation", _DEFAULT_ACTIVATION[kind]), path + ("activation",),
                             li == n_layers - 1 or recurrent)      # a recurrent layer says its own rule
    rows, cols = len(units), len(fan_in_names)
    below = "inputs" if li == 0 else f"units of layer {li}"
    size = rows * cols + rows + (rows * rows if recurrent else 0)
    if counter[0] + counter[1] + size > MAX_PARAMETERS:     # checked before a weight is drawn or named
        total = counter[0] + counter[1] + size
        so_far = f", {total:,} parameters with the layers below" if counter[0] + counter[1] else ""
        raise Invalid(path, f"{rows:,} x {cols:,} = {rows * cols:,} weights{' and ' + format(rows * rows, ',') + ' recurrent ones' if recurrent else ''}"
                            f"{so_far}; nncalc holds at most {MAX_PARAMETERS:,} parameters")

    weights = _weight_block(spec, "weights", path, units, fan_in_names, init, rng,
                            f"missing 'weights' ({rows} rows for {', '.join(units)}, {cols} columns for the {below})")
    drawn = "weights" not in spec
    weight_names = _names_block(spec, "weight_names", path, units, fan_in_names,
                                lambda: default_weight_names(rows, cols, counter[0]))
    counter[0] += rows * cols

    bias, bias_names, shared = _bias(spec, path, li, units, drawn)
    if recurrent:
        return _recurrent(spec, path, units, activation, weights, weight_names, bias, bias_names, shared,
                          counter, init, rng)
    return Layer(units, activation, weights, weight_names, bias, bias_names, shared)


def _bias(spec: dict, path: Path_, li: int, units: tuple[str, ...],
          drawn: bool) -> tuple[np.ndarray | None, tuple[str, ...], bool]:
    """A layer's bias, its names and whether it is shared: a list (one per unit, b_U), a number (one
    shared by the layer, b{li + 1}), or none; a layer with drawn weights gets a zero bias per unit."""
    rows = len(units)
    bias, bias_names, shared = None, (), False
    bpath = path + ("bias",)
    bias_value = spec.get("bias", "per_unit" if drawn else None)
    if bias_value == "per_unit":
        bias_value = [0.0] * rows
    if bias_value is None:
        pass
    elif isinstance(bias_value, list):
        bias = np.array(vector(bias_value, rows, units, bpath), dtype=np.float64)
        bias_names = tuple(f"b_{u}" for u in units)
    elif isinstance(bias_value, (int, float)) and not isinstance(bias_value, bool):
        bias = np.full(rows, number(bias_value, bpath))
        bias_names, shared = (f"b{li + 1}",), True
    else:
        raise Invalid(bpath, f"expected a number (one bias shared by the layer), a list of {rows} "
                              f"(one per unit), or nothing; got {show(bias_value)}")
    if "bias_names" in spec:
        npath = path + ("bias_names",)
        value = spec["bias_names"]
        if bias is None:
            raise Invalid(npath, "bias_names given but the layer has no bias")
        if shared:
            if not isinstance(value, str):
                raise Invalid(npath, f"expected one name for the shared bias, got {show(value)}")
            bias_names = (check_name(value, npath),)
        else:
            if not isinstance(value, list) or len(value) != rows:
                raise Invalid(npath, f"expected {rows} names (one per unit: {', '.join(units)})")
            bias_names = tuple(check_name(n, npath + (i,)) for i, n in enumerate(value))
    return bias, bias_names, shared


def _weight_block(spec: dict, key: str, path: Path_, units: tuple[str, ...], col_names: tuple[str, ...],
                  init: str | None, rng: np.random.Generator | None, missing: str, what: str = "") -> np.ndarray:
    """The weight matrix under `key` (one row per unit, one column per col_names), else drawn by
    `init`; neither is `missing` (what is missing, in words)."""
    if key in spec:
        return _matrix(spec[key], len(units), len(col_names), units, col_names, path + (key,), what)
    if init is not None:
        return _init_weights(init, rng, len(units), len(col_names))
    raise Invalid(path, f"{missing}; or give a top-level 'init:' and 'seed:' to draw them")


def _names_block(spec: dict, key: str, path: Path_, units: tuple[str, ...], col_names: tuple[str, ...],
                 default) -> tuple[tuple[str, ...], ...]:
    """The weights' names under `key` (one row per unit), else default() (numbered w1, w2, ...)."""
    if key in spec:
        return _matrix_names(spec[key], len(units), col_names, units, path + (key,))
    return default()


def _recurrent(spec: dict, path: Path_, units: tuple[str, ...], activation: Activation, weights: np.ndarray,
               weight_names: tuple, bias: np.ndarray | None, bias_names: tuple, shared: bool,
               counter: list[int], init: str | None, rng: np.random.Generator | None) -> Recurrent:
    """A `type: recurrent` layer's own keys: recurrent_weights (W_h, one row and one column per
    unit), recurrent_weight_names, initial_state (h_0, default zeros)."""
    rows = len(units)
    if activation.fn.joint:
        raise Invalid(path + ("activation",), f"{activation.name} is only supported on a dense output layer")
    recurrent = _weight_block(spec, "recurrent_weights", path, units, units, init, rng,
                              f"missing 'recurrent_weights' (W_h: {rows} rows and {rows} columns, for "
                              f"{', '.join(units)})", " and as many columns")
    names = _names_block(spec, "recurrent_weight_names", path, units, units,
                         lambda: default_recurrent_names(rows, counter[1]))
    counter[1] += rows * rows
    h0 = None
    if "initial_state" in spec:
        h0 = np.array(vector(spec["initial_state"], rows, units, path + ("initial_state",)), dtype=np.float64)
    return layer_class("recurrent")(units, activation, weights, weight_names, recurrent, names, bias, bias_names,
                                    shared, h0)


def network_from_spec(spec: Any, path: Path_, init: str | None, seed: int) -> Network:
    """Validate `network:` into a Network; `init` and `seed` draw the weights a layer leaves out."""
    spec = mapping(spec, path, ("inputs", "layers"), ("inputs", "layers"))
    _within(spec["inputs"], MAX_UNITS, path + ("inputs",), "inputs")
    inputs = name_list(spec["inputs"], "i", path + ("inputs",), "input")
    layer_specs = spec["layers"]
    if not isinstance(layer_specs, list) or not layer_specs:
        raise Invalid(path + ("layers",), f"expected a list of at least one layer, got {show(layer_specs)}")
    rng = np.random.default_rng(seed) if init is not None else None
    layers: list[Layer] = []
    counter = [0, 0]      # weights and recurrent weights so far (their default names are numbered)
    below = inputs
    for li, layer_spec in enumerate(layer_specs):
        layer = _layer(layer_spec, path + ("layers", li), li, len(layer_specs), below, counter, init, rng)
        layers.append(layer)
        below = layer.units
    _check_unique(inputs, layers, path)
    return Network(inputs, tuple(layers))


def _check_unique(inputs: tuple[str, ...], layers: list[Layer], path: Path_) -> None:
    names = list(inputs)
    for layer in layers:
        names += layer.units
        for row in layer.weight_names:
            names += row
        for row in getattr(layer, "recurrent_weight_names", ()):
            names += row
        names += layer.bias_names
    distinct = set(names)
    if len(distinct) == len(names) and distinct.isdisjoint(LEARNING_RATE_NAMES):
        return      # the usual case, checked in C; the walk below only runs to say where a clash is
    seen: dict[str, Path_] = {}

    def claim(name: str, where: Path_) -> None:
        if name in LEARNING_RATE_NAMES:
            raise Invalid(where, f"'{name}' is reserved for the learning rate; choose another name")
        if name in seen:
            raise Invalid(where, f"duplicate name '{name}' (also used at {format_path(seen[name])})")
        seen[name] = where

    for i, name in enumerate(inputs):
        claim(name, path + ("inputs", i))
    for li, layer in enumerate(layers):
        lpath = path + ("layers", li)
        for u, name in enumerate(layer.units):
            claim(name, lpath + ("units", u))
        for r, row in enumerate(layer.weight_names):
            for c, name in enumerate(row):
                claim(name, lpath + ("weight_names", r, c))
        for r, row in enumerate(getattr(layer, "recurrent_weight_names", ())):
            for c, name in enumerate(row):
                claim(name, lpath + ("recurrent_weight_names", r, c))
        for b, name in enumerate(layer.bias_names):
            claim(name, lpath + ("bias_names",) + ((b,) if not layer.bias_shared else ()))



def backprop_blocker(layers: tuple[Layer, ...] | list[Layer], loss: str) -> str | None:
    """Why gradients cannot flow through these layers (an activation without a usable derivative
    that no fused output delta covers), or None."""
    for l, layer in enumerate(layers):
        act = layer.activation
        fused = fused_delta(act.name, loss) is not None and l == len(layers) - 1
        if not act.has_derivative and not fused:
            return (f"cannot backpropagate through layer {l + 1} ({', '.join(layer.units)}): "
                    f"activation {act.name}: {act.fn.no_derivative}")
    return None
