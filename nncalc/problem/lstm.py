"""Reading a `type: lstm` layer of `network.layers`: its parameters are mappings by gate.

    - units: [h1, h2]
      type: lstm
      weights: {i: [[...]], f: [[...]], g: [[...]], o: [[...]]}     # W_q: one row per unit, one column per input
      recurrent_weights: {i: [[...]], f: ..., g: ..., o: ...}       # W_hq: one row and one column per unit
      bias: {i: [...], f: [...], g: [...], o: [...]}                # optional (zeros when the weights are drawn)
      weight_names / recurrent_weight_names / bias_names: the same mappings of names (optional)
      initial_state: [...]                                          # h_0; default zeros
      initial_cell: [...]                                           # c_0; default zeros

The gate blocks are stacked in PyTorch's order i, f, g, o (nncalc/layers/lstm.py).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..layers.lstm import GATES, LSTM
from ..schema import Invalid, mapping, vector
from ..schema import name as check_name
from ..yamlio import Path_

KEYS = ("units", "type", "activation", "weights", "weight_names", "recurrent_weights", "recurrent_weight_names", "bias",
        "bias_names", "initial_state", "initial_cell")


def _by_gate(value: Any, path: Path_, read: Callable[[Any, Path_], Any]) -> list:
    """One value per gate, read from a mapping {i: ..., f: ..., g: ..., o: ...}, in that order."""
    if not isinstance(value, dict):
        raise Invalid(path, "expected a mapping by gate {i: ..., f: ..., g: ..., o: ...} (PyTorch's gates: "
                            "input, forget, cell candidate, output)")
    mapping(value, path, GATES, GATES, what="gate")
    return [read(value[q], path + (q,)) for q in GATES]


def lstm_layer(spec: dict, path: Path_, units: tuple[str, ...], fan_in_names: tuple[str, ...], counter: list[int],
               init: str | None, rng: np.random.Generator | None) -> LSTM:
    """A validated `type: lstm` layer; counter holds how many weights and recurrent weights the layers
    below have (default names are numbered through the network: wi1.., whi1..)."""
    from .network import MAX_PARAMETERS, _init_weights, _matrix, _matrix_names

    spec = mapping(spec, path, KEYS, ("units",))
    if "activation" in spec:
        raise Invalid(path + ("activation",), "an lstm layer has no 'activation': its gates i, f, o are "
                                              "sigmoids, g and the cell's output tanh")
    u, d = len(units), len(fan_in_names)
    size = 4 * (u * d + u * u + u)
    if counter[0] + counter[1] + size > MAX_PARAMETERS:       # checked before a weight is drawn or named
        raise Invalid(path, f"4 gates x ({u:,} x {d:,} weights + {u:,} x {u:,} recurrent ones + {u:,} biases) = "
                            f"{size:,} parameters; nncalc holds at most {MAX_PARAMETERS:,}")
    blocks = {}
    for key, cols, col_names, what in (("weights", d, fan_in_names, ""),
                                       ("recurrent_weights", u, units, " and as many columns")):
        if key in spec:
            read = lambda v, p, cols=cols, col_names=col_names, what=what: _matrix(v, u, cols, units, col_names, p, what)  # noqa: E731
            blocks[key] = np.concatenate(_by_gate(spec[key], path + (key,), read))
        elif init is not None:
            blocks[key] = np.concatenate([_init_weights(init, rng, u, cols) for _ in GATES])
        else:
            raise Invalid(path, f"missing '{key}' (a mapping by gate i, f, g, o of {u} rows for "
                                f"{', '.join(units)} and {cols} columns each); or give a top-level 'init:' "
                                f"and 'seed:' to draw them")
    names = {}
    for key, cols, col_names, default in (("weight_names", d, fan_in_names, "w"),
                                          ("recurrent_weight_names", u, units, "wh")):
        if key in spec:
            read = lambda v, p, col_names=col_names: _matrix_names(v, u, col_names, units, p)  # noqa: E731
            names[key] = tuple(row for rows in _by_gate(spec[key], path + (key,), read) for row in rows)
        else:
            before = counter[0 if default == "w" else 1]
            names[key] = tuple(tuple(f"{default}{q}{before + r * cols + c + 1}" for c in range(cols))
                               for q in GATES for r in range(u))
    counter[0] += u * d
    counter[1] += u * u
    bias, bias_names = None, ()
    if "bias" in spec:
        bias = np.array(_by_gate(spec["bias"], path + ("bias",), lambda v, p: vector(v, u, units, p)),
                        dtype=np.float64).reshape(4 * u)
    elif init is not None and "weights" not in spec:
        bias = np.zeros(4 * u)
    if "bias_names" in spec:
        if bias is None:
            raise Invalid(path + ("bias_names",), "bias_names given but the layer has no bias")
        bias_names = tuple(n for rows in _by_gate(spec["bias_names"], path + ("bias_names",), _names(u, units))
                           for n in rows)
    elif bias is not None:
        bias_names = tuple(f"b{q}_{unit}" for q in GATES for unit in units)
    states = [np.array(vector(spec[key], u, units, path + (key,)), dtype=np.float64) if key in spec else None
              for key in ("initial_state", "initial_cell")]
    return LSTM(units, blocks["weights"], names["weight_names"], blocks["recurrent_weights"],
                names["recurrent_weight_names"], bias, bias_names, *states)


def _names(u: int, units: tuple[str, ...]) -> Callable[[Any, Path_], tuple[str, ...]]:
    """A reader of one gate's bias names: one per unit."""
    def read(value: Any, path: Path_) -> tuple[str, ...]:
        if not isinstance(value, list) or len(value) != u:
            raise Invalid(path, f"expected {u} names (one per unit: {', '.join(units)})")
        return tuple(check_name(n, path + (i,)) for i, n in enumerate(value))
    return read
