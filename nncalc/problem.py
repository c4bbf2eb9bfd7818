"""Problem files: the one place YAML is validated and turned into plain frozen dataclasses.

Every check names the key path and the YAML line; nothing past `load_problem` re-checks input.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import ProblemError, UsageError
from .layers import Dense
from .ops import ACTIVATIONS, LOSSES, Activation
from .yamlio import Path_, YamlDoc, format_path, read_yaml

Layer = Dense      # the name other modules import today; new code uses nncalc.layers.Dense

INITS = ("xavier", "he", "normal", "uniform", "zeros")
LEARNING_RATE_NAMES = ("learning_rate", "eta")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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

    def parameters(self) -> Iterator["Param"]:
        """Every weight and bias, layer by layer, weights row by row before the layer's biases."""
        for li, layer in enumerate(self.layers):
            for r, row in enumerate(layer.weight_names):
                for c, name in enumerate(row):
                    yield Param(name, li, "weight", r, c)
            for u, name in enumerate(layer.bias_names):
                yield Param(name, li, "bias", None if layer.bias_shared else u)

    def parameter_values(self) -> dict[str, float]:
        """Every weight and bias by name."""
        return {p.name: p.value(self) for p in self.parameters()}


@dataclass(frozen=True)
class Param:
    """Where a named weight or bias lives: W[row, col] of a layer, or its bias (row None: shared)."""

    name: str
    layer: int
    kind: str                 # "weight" or "bias"
    row: int | None
    col: int | None = None

    def value(self, network: Network) -> float:
        layer = network.layers[self.layer]
        if self.kind == "weight":
            return float(layer.weights[self.row, self.col])
        return float(layer.bias[0 if self.row is None else self.row])

    def assign(self, layers: list[Layer], value: float) -> None:
        """Write value into (copied) layer arrays; a shared bias is written to every unit."""
        layer = layers[self.layer]
        if self.kind == "weight":
            layer.weights[self.row, self.col] = value
        elif self.row is None:
            layer.bias[:] = value
        else:
            layer.bias[self.row] = value


@dataclass(frozen=True, eq=False)
class Problem:
    """A validated problem: network, loss, learning rate and the samples (X: (n, d), T: (n, m))."""

    name: str
    network: Network
    loss: str
    learning_rate: float
    inputs: np.ndarray | None            # None when the file lists no samples
    targets: np.ndarray | None           # None when any sample leaves its target out
    source: str | None = None            # the file it came from
    init: str | None = None
    seed: int | None = None
    data_source: Any = None              # `data:` naming a source instead of samples (for train)
    training: dict | None = None         # the raw `training:` block (validated by the trainer)
    answers: dict | None = None          # the raw `answers:` block (validated by the checker)
    doc: YamlDoc | None = field(default=None, repr=False)
    learning_rate_given: bool = False    # set in the file or by --set (else trainers use their default)

    @property
    def n_samples(self) -> int:
        return 0 if self.inputs is None else self.inputs.shape[0]


# ---------------------------------------------------------------- validation helpers

class _Invalid(Exception):
    """A validation failure at a key path; load_problem adds the file and line."""

    def __init__(self, path: Path_, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def suggest(word: Any, choices, *, n: int = 3, cutoff: float = 0.5) -> str:
    """' (did you mean 'x'?)' naming the choices closest to a mistyped word (the same letters in
    another case first), or '' when none is close; every module's messages use it."""
    choices = [str(c) for c in choices]
    close = [c for c in choices if c.lower() == str(word).lower()]
    close = close or difflib.get_close_matches(str(word), choices, n=n, cutoff=cutoff)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""



def _number(value: Any, path: Path_) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Invalid(path, f"expected a number, got {_show(value)}")
    try:
        x = float(value)
    except OverflowError:       # an integer with hundreds of digits
        x = math.inf
    if not math.isfinite(x):
        raise _Invalid(path, f"expected a finite number, got {value if isinstance(value, float) else 'a huge integer'}")
    return x


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    if isinstance(value, (list, dict)):
        return f"a {'list' if isinstance(value, list) else 'mapping'}"
    return repr(value)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _vector(value: Any, length: int, names: tuple[str, ...], path: Path_) -> list[float]:
    if not isinstance(value, list):
        if length == 1 and not isinstance(value, dict):
            return [_number(value, path)]
        raise _Invalid(path, f"expected a list of {_count(length, 'number')} ({', '.join(names)}), got {_show(value)}")
    if len(value) != length:
        raise _Invalid(path, f"expected {_count(length, 'number')} ({', '.join(names)}), got {len(value)}")
    return [_number(v, path + (i,)) for i, v in enumerate(value)]


def _mapping(value: Any, path: Path_, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise _Invalid(path, f"expected a mapping with keys {', '.join(allowed)}, got {_show(value)}")
    for key in value:
        if key not in allowed:
            raise _Invalid(path + (key,), f"unknown key '{key}'{suggest(key, allowed)}; "
                                          f"expected one of {', '.join(allowed)}")
    for key in required:
        if key not in value:
            raise _Invalid(path, f"missing required key '{key}'")
    return value


def _names(value: Any, default_prefix: str, path: Path_, what: str) -> tuple[str, ...]:
    """Unit or input names from a list of names or a count."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise _Invalid(path, f"expected at least 1 {what}, got {value}")
        return tuple(f"{default_prefix}{k}" for k in range(1, value + 1))
    if isinstance(value, list) and value:
        for i, name in enumerate(value):
            _check_name(name, path + (i,))
        return tuple(value)
    raise _Invalid(path, f"expected a list of {what} names or a count, got {_show(value)}")


def _check_name(name: Any, path: Path_) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise _Invalid(path, f"expected a name of letters, digits and _ (like h1), got {_show(name)}")
    return name


# ---------------------------------------------------------------- the network

def _activation(value: Any, path: Path_, is_output: bool) -> Activation:
    if isinstance(value, str):
        name, alpha = value, None
    elif isinstance(value, dict):
        spec = _mapping(value, path, ("name", "alpha"), ("name",))
        name = spec["name"]
        alpha = _number(spec["alpha"], path + ("alpha",)) if "alpha" in spec else None
        path = path + ("name",)
    else:
        raise _Invalid(path, f"expected an activation name or {{name: ..., alpha: ...}}, got {_show(value)}")
    if name not in ACTIVATIONS:
        raise _Invalid(path, f"unknown activation '{name}'{suggest(name, ACTIVATIONS)}; "
                             f"expected one of {', '.join(ACTIVATIONS)}")
    fn = ACTIVATIONS[name]
    if alpha is not None and fn.default_alpha is None:
        raise _Invalid(path, f"activation '{name}' takes no alpha")
    if fn.joint and not is_output:
        raise _Invalid(path, f"{name} is only supported on the output layer")
    return Activation(name, alpha if alpha is not None else fn.default_alpha)


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


def _layer(spec: Any, path: Path_, li: int, n_layers: int, fan_in_names: tuple[str, ...],
           counter: list[int], init: str | None, rng: np.random.Generator | None) -> Layer:
    spec = _mapping(spec, path, ("units", "activation", "weights", "weight_names", "bias", "bias_names"),
                    ("units",))
    units_value = spec["units"]
    if isinstance(units_value, int) and not isinstance(units_value, bool) and units_value >= 1:
        units = _default_units(li, n_layers, units_value)
    else:
        units = _names(units_value, "", path + ("units",), "unit")
    activation = _activation(spec.get("activation", "sigmoid"), path + ("activation",), li == n_layers - 1)
    rows, cols = len(units), len(fan_in_names)
    below = "inputs" if li == 0 else f"units of layer {li}"

    if "weights" in spec:
        wpath = path + ("weights",)
        value = spec["weights"]
        if not isinstance(value, list) or len(value) != rows:
            got = f"{len(value)}" if isinstance(value, list) else f"{_show(value)}, not a list of rows"
            raise _Invalid(wpath, f"expected {_count(rows, 'row')} (units {', '.join(units)}), got {got}")
        weights = np.array([_vector(row, cols, fan_in_names, wpath + (r,)) for r, row in enumerate(value)],
                           dtype=np.float64).reshape(rows, cols)
        drawn = False
    elif init is not None:
        weights = _init_weights(init, rng, rows, cols)
        drawn = True
    else:
        raise _Invalid(path, f"missing 'weights' ({rows} rows for {', '.join(units)}, {cols} columns for "
                             f"the {below}); or give a top-level 'init:' and 'seed:' to draw them")

    if "weight_names" in spec:
        npath = path + ("weight_names",)
        value = spec["weight_names"]
        if not isinstance(value, list) or len(value) != rows:
            raise _Invalid(npath, f"expected {_count(rows, 'row')} of names (units {', '.join(units)})")
        names = []
        for r, row in enumerate(value):
            if not isinstance(row, list) or len(row) != cols:
                raise _Invalid(npath + (r,), f"expected {cols} names ({', '.join(fan_in_names)})")
            names.append(tuple(_check_name(n, npath + (r, c)) for c, n in enumerate(row)))
        weight_names = tuple(names)
    else:
        weight_names = default_weight_names(rows, cols, counter[0])
    counter[0] += rows * cols

    bias, bias_names, shared = None, (), False
    bpath = path + ("bias",)
    bias_value = spec.get("bias", "per_unit" if drawn else None)
    if bias_value == "per_unit":
        bias_value = [0.0] * rows
    if bias_value is None:
        pass
    elif isinstance(bias_value, list):
        bias = np.array(_vector(bias_value, rows, units, bpath), dtype=np.float64)
        bias_names = tuple(f"b_{u}" for u in units)
    elif isinstance(bias_value, (int, float)) and not isinstance(bias_value, bool):
        bias = np.full(rows, _number(bias_value, bpath))
        bias_names, shared = (f"b{li + 1}",), True
    else:
        raise _Invalid(bpath, f"expected a number (one bias shared by the layer), a list of {rows} "
                              f"(one per unit), or nothing; got {_show(bias_value)}")
    if "bias_names" in spec:
        npath = path + ("bias_names",)
        value = spec["bias_names"]
        if bias is None:
            raise _Invalid(npath, "bias_names given but the layer has no bias")
        if shared:
            if not isinstance(value, str):
                raise _Invalid(npath, f"expected one name for the shared bias, got {_show(value)}")
            bias_names = (_check_name(value, npath),)
        else:
            if not isinstance(value, list) or len(value) != rows:
                raise _Invalid(npath, f"expected {rows} names (one per unit: {', '.join(units)})")
            bias_names = tuple(_check_name(n, npath + (i,)) for i, n in enumerate(value))
    return Layer(units, activation, weights, weight_names, bias, bias_names, shared)


def _network(spec: Any, path: Path_, init: str | None, seed: int) -> Network:
    spec = _mapping(spec, path, ("inputs", "layers"), ("inputs", "layers"))
    inputs = _names(spec["inputs"], "i", path + ("inputs",), "input")
    layer_specs = spec["layers"]
    if not isinstance(layer_specs, list) or not layer_specs:
        raise _Invalid(path + ("layers",), f"expected a list of at least one layer, got {_show(layer_specs)}")
    rng = np.random.default_rng(seed) if init is not None else None
    layers: list[Layer] = []
    counter = [0]
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
        names += layer.bias_names
    distinct = set(names)
    if len(distinct) == len(names) and distinct.isdisjoint(LEARNING_RATE_NAMES):
        return      # the usual case, checked in C; the walk below only runs to say where a clash is
    seen: dict[str, Path_] = {}

    def claim(name: str, where: Path_) -> None:
        if name in LEARNING_RATE_NAMES:
            raise _Invalid(where, f"'{name}' is reserved for the learning rate; choose another name")
        if name in seen:
            raise _Invalid(where, f"duplicate name '{name}' (also used at {format_path(seen[name])})")
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
        for b, name in enumerate(layer.bias_names):
            claim(name, lpath + ("bias_names",) + ((b,) if not layer.bias_shared else ()))


# ---------------------------------------------------------------- data

def _target(value: Any, network: Network, path: Path_) -> list[float]:
    outputs = network.outputs
    last = network.layers[-1]
    is_label = (isinstance(value, (int, str)) and not isinstance(value, bool)
                and last.activation.name == "softmax" and len(outputs) > 1)
    if is_label:
        if isinstance(value, str):
            if value not in outputs:
                raise _Invalid(path, f"unknown class '{value}'; expected one of {', '.join(outputs)}")
            k = outputs.index(value)
        elif 0 <= value < len(outputs):
            k = value
        else:
            raise _Invalid(path, f"class index {value} out of range 0..{len(outputs) - 1}")
        return [1.0 if j == k else 0.0 for j in range(len(outputs))]
    return _vector(value, len(outputs), outputs, path)


def _samples(spec: Any, network: Network, path: Path_) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(spec, list) or not spec:
        raise _Invalid(path, "expected at least one sample ({input: [...], target: [...]})")
    xs, ts = [], []
    for k, sample in enumerate(spec):
        spath = path + (k,)
        sample = _mapping(sample, spath, ("input", "target"), ("input",))
        xs.append(_vector(sample["input"], len(network.inputs), network.inputs, spath + ("input",)))
        if "target" in sample:
            ts.append(_target(sample["target"], network, spath + ("target",)))
    X = np.array(xs, dtype=np.float64)
    if not ts:
        return X, None
    if len(ts) != len(xs):
        missing = next(k for k, s in enumerate(spec) if "target" not in s)
        raise _Invalid(path + (missing,), "missing 'target' (other samples have one; give all or none)")
    return X, np.array(ts, dtype=np.float64)


# ---------------------------------------------------------------- the file

_TOP_KEYS = ("name", "description", "source", "network", "loss", "learning_rate", "init", "seed",
             "data", "training", "answers")


def problem_from_doc(doc: YamlDoc) -> Problem:
    """Validate a parsed problem file into a Problem; every failure names the key path and line."""
    try:
        return _problem(doc)
    except _Invalid as exc:
        raise ProblemError(exc.message, file=doc.file, where=format_path(exc.path) or None,
                           line=doc.line_of(exc.path)) from None


def load_problem(path: str | Path) -> Problem:
    """Read, parse and validate a problem file."""
    return problem_from_doc(read_yaml(path, ProblemError))


def _problem(doc: YamlDoc) -> Problem:
    spec = doc.data
    if spec is None:
        raise _Invalid((), "the file is empty; expected a problem with 'network:' and 'data:'")
    spec = _mapping(spec, (), _TOP_KEYS, ("network",))
    init = spec.get("init")
    if init is not None and init not in INITS:
        raise _Invalid(("init",), f"unknown init '{init}'{suggest(init, INITS)}; expected one of {', '.join(INITS)}")
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _Invalid(("seed",), f"expected a non-negative whole number, got {_show(seed)}")
    network = _network(spec["network"], ("network",), init, seed)

    loss = spec.get("loss", "half_sse")
    if loss not in LOSSES:
        raise _Invalid(("loss",), f"unknown loss '{loss}'{suggest(loss, LOSSES)}; expected one of {', '.join(LOSSES)}")
    last = network.layers[-1]
    if last.activation.fn.joint and last.activation.name not in LOSSES[loss].fused:
        needs = " or ".join(name for name, op in LOSSES.items() if last.activation.name in op.fused)
        raise _Invalid(("loss",), f"a {last.activation.name} output needs loss: {needs}, got '{loss}'")
    learning_rate = _number(spec.get("learning_rate", 0.1), ("learning_rate",))

    X = T = data_source = None
    data = spec.get("data")
    if isinstance(data, dict) and "input" in data:
        raise _Invalid(("data",), "expected a list of samples; write one sample as a list item: "
                                  "'- input: [...]' under 'data:'")
    if isinstance(data, (dict, str)):
        data_source = data
    elif data is not None:
        X, T = _samples(data, network, ("data",))
    name = spec.get("name") or (Path(doc.file).stem if doc.file else "problem")
    for key in ("training", "answers"):
        if key in spec and not isinstance(spec[key], dict):
            raise _Invalid((key,), f"expected a mapping, got {_show(spec[key])}")
    return Problem(str(name), network, loss, learning_rate, X, T, source=doc.file, init=init, seed=seed,
                   data_source=data_source, training=spec.get("training"), answers=spec.get("answers"),
                   doc=doc, learning_rate_given="learning_rate" in spec)


# ---------------------------------------------------------------- --set

def settable_names(problem: Problem) -> list[str]:
    """Every name `--set` accepts: parameters, inputs (i1 or i1@k) and the learning rate."""
    names = [p.name for p in problem.network.parameters()]
    names += list(problem.network.inputs)
    if problem.n_samples > 1:
        names += [f"{i}@{k}" for k in range(1, problem.n_samples + 1) for i in problem.network.inputs]
    return names + list(LEARNING_RATE_NAMES)


def with_overrides(problem: Problem, overrides: dict[str, float]) -> Problem:
    """A copy of the problem with weights, biases, inputs or the learning rate replaced by name."""
    if not overrides:
        return problem
    params = {p.name: p for p in problem.network.parameters()}
    layers = [replace(layer, weights=layer.weights.copy(),
                      bias=None if layer.bias is None else layer.bias.copy())
              for layer in problem.network.layers]
    X = None if problem.inputs is None else problem.inputs.copy()
    learning_rate = problem.learning_rate
    given = problem.learning_rate_given
    for name, value in overrides.items():
        if not math.isfinite(value):
            raise UsageError(f"--set {name}: expected a finite number, got {value}", file=problem.source)
        base, _, sample = name.partition("@")
        if name in LEARNING_RATE_NAMES:
            learning_rate, given = value, True
        elif name in params:
            params[name].assign(layers, value)
        elif base in problem.network.inputs and X is not None:
            col = problem.network.inputs.index(base)
            if not sample:
                X[:, col] = value
            elif sample.isdigit() and 1 <= int(sample) <= X.shape[0]:
                X[int(sample) - 1, col] = value
            else:
                raise UsageError(f"--set {name}: sample {sample} does not exist "
                                 f"(the problem has {_count(X.shape[0], 'sample')}, numbered from 1)", file=problem.source)
        else:
            raise UsageError(f"--set {name}: no weight, bias, input or learning rate has that name"
                             f"{suggest(name, settable_names(problem))}", file=problem.source)
    network = replace(problem.network, layers=tuple(layers))
    return replace(problem, network=network, inputs=X, learning_rate=learning_rate,
                   learning_rate_given=given)


def parse_assignments(items: list[str]) -> dict[str, float]:
    """['w5=0.3', 'eta=1'] -> {'w5': 0.3, 'eta': 1.0}; a malformed item is a UsageError."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name:
                raise ValueError
            out[name] = float(value)
        except ValueError:
            raise UsageError(f"--set {item!r}: expected NAME=NUMBER, e.g. --set w5=0.3") from None
    return out
