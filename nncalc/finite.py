"""Non-finite numbers in a worked example: found, named as the trace names them, and explained.

A worked example is right to the last digit or refused: a net input, output, error, factor,
gradient or new weight that overflows float64 (or is undefined, NaN) is an error naming the
quantity and the numbers it came from (`net.y = 2·1e308 overflows float64`), never a value shown.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Protocol

import numpy as np


class _Quantity(Protocol):
    name: str
    value: float
    op: str
    inputs: tuple[str, ...]


def fsum(values: Iterable[float]) -> float:
    """math.fsum, except that a sum which overflows (or meets inf - inf) is inf (or NaN), not an exception."""
    values = list(values)
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return float(np.sum(values))


def all_finite(arrays: Iterable[np.ndarray | None]) -> bool:
    """Whether every value of every array (None: skipped) is finite."""
    return all(a is None or bool(np.isfinite(a).all()) for a in arrays)


def first_nonfinite(quantities: Mapping[str, _Quantity]) -> _Quantity | None:
    """The first quantity, in the trace's order (every input before its users), that is not finite:
    its inputs are finite, so it is where the overflow happened."""
    return next((q for q in quantities.values() if not math.isfinite(q.value)), None)


def explain_nonfinite(q: _Quantity, quantities: Mapping[str, _Quantity], loss: str) -> str:
    """'net.y = 2·1e308 overflows float64': the quantity, how it was computed, and what went wrong."""
    why = "overflows float64" if math.isinf(q.value) else "is not a number (NaN) in float64"
    return f"{q.name} = {_expression(q, quantities, loss)} {why}"


def _num(x: float) -> str:
    """A number in the fewest digits that identify it: 2, 0.5, 1e308, -3.5e-12."""
    return f"{x:.6g}".replace("e+", "e")


def _expression(q: _Quantity, quantities: Mapping[str, _Quantity], loss: str) -> str:
    v = [_num(quantities[n].value) for n in q.inputs]
    if q.op == "sumprod":
        terms = [f"{a}·{b}" for a, b in zip(v[0::2], v[1::2])] + ([v[-1]] if len(v) % 2 else [])
        return _joined(terms, " + ")
    if q.op == "sum":
        return _joined(v, " + ")
    if q.op == "prod":
        return "·".join(v)
    if q.op == "update":
        return f"{v[0]} - {v[1]}·{v[2]}"
    args = ", ".join(f"{n} {x}" for n, x in zip(q.inputs, v))
    fn = {"loss": loss, "dloss": f"d{loss}/dout"}.get(q.op, q.op)
    return f"{fn}({_shortened(args)})"


def _joined(items: list[str], sep: str, most: int = 6) -> str:
    if len(items) > most:
        items = items[:most - 1] + [f"… ({len(items)} terms)"]
    return sep.join(items)


def _shortened(text: str, most: int = 120) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"
