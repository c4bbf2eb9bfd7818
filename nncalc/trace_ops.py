"""Each op of the trace recomputing one quantity from its inputs' numbers (`Trace.evaluate`): the
same activation and loss objects as the engine, applied to single numbers (a student's, or a
mistaken step's)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from .engine import descent_step
from .finite import fsum
from .ops import LOSSES, fused_delta

if TYPE_CHECKING:
    from .trace import Quantity, Trace


def evaluate_op(t: Trace, q: Quantity, x: list[float]) -> float:
    """q's op applied to its inputs' values x. A student's numbers may overflow on the way: the
    result is then inf or NaN, without a warning."""
    if q.op in _PLAIN_OPS:
        return _OPS[q.op](t, q, x)
    with np.errstate(all="ignore"):
        return _OPS[q.op](t, q, x)


def _sumprod(x: list[float]) -> float:
    total = sum(a * b for a, b in zip(x[0::2], x[1::2]))
    return total + x[-1] if len(x) % 2 else total


def _activation(t: Trace, q: Quantity):
    """The activation quantity q applies: its layer's, or for a layer with several (an LSTM's
    gates and cell) the one its layer names for it."""
    layer = t.problem.network.layers[q.layer]
    return layer.activation_of(q.kind, q.index) if hasattr(layer, "activation_of") else layer.activation


def _act(t: Trace, q: Quantity, x: list[float]) -> float:
    return float(_activation(t, q)(np.array(x[0])))


def _dact(t: Trace, q: Quantity, x: list[float]) -> float:
    return float(_activation(t, q).derivative(np.array(x[0]), np.array(x[1])))


def _loss_part(t: Trace, fn_name: str, x: list[float]) -> float:
    loss = LOSSES[t.problem.loss]
    fn = getattr(loss, fn_name)
    return float(fn(np.array(x[0]), np.array(x[1]))) / t.divisor()


def _fused(t: Trace, q: Quantity, x: list[float]) -> float:
    # inputs: this unit's out, then the sample's targets in output order
    m = len(x) - 1
    Y = np.zeros((1, m))
    Y[0, q.index] = x[0]
    T = np.array([x[1:]])
    fused = fused_delta(t.problem.network.layers[-1].activation.name, t.problem.loss)
    return float(fused.delta(Y, T)[0, q.index]) / t.divisor()


_OPS: dict[str, Callable[[Trace, Quantity, list[float]], float]] = {
    "leaf": lambda t, q, x: q.value,
    "sum": lambda t, q, x: fsum(x),
    "prod": lambda t, q, x: math.prod(x),
    "sumprod": lambda t, q, x: _sumprod(x),
    "act": _act,
    "softmax": lambda t, q, x: float(t.problem.network.layers[q.layer].activation(np.array(x))[q.index]),
    "dact": _dact,
    "loss": lambda t, q, x: _loss_part(t, "term", x),
    "dloss": lambda t, q, x: _loss_part(t, "dterm", x),
    "fused": _fused,
    "update": lambda t, q, x: descent_step(x[0], x[1], x[2]),
}
_PLAIN_OPS = frozenset({"leaf", "prod", "sumprod", "update"})  # Python floats: inf or NaN, never a warning
