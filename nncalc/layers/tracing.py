"""How the layer types name their quantities in the trace: the parts every type writes the same way
(a net's inputs, the shares of dE/dout through a layer, the gradients row by row), so that Dense,
Recurrent and LSTM say only which rows, weights and values they have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .base import Array

if TYPE_CHECKING:
    from ..trace import TraceBuilder


def pairs(names: Sequence[str], values: Sequence[str]) -> list[str]:
    """(w1, x1, w2, x2, ...): a 'sumprod' quantity's inputs, weight then the value it multiplies."""
    return [x for pair in zip(names, values) for x in pair]


def net_inputs(weights: Sequence[str], below: Sequence[str], bias: str | None,
               recurrent: Sequence[str] = (), previous: Sequence[str] = ()) -> list[str]:
    """A net's 'sumprod' inputs: each weight with its input, each recurrent weight with the state of
    the step before (a sequence layer), and the bias last (None: no bias)."""
    inputs = pairs(weights, below) + pairs(recurrent, previous)
    return inputs if bias is None else inputs + [bias]


def prod_shares(b: "TraceBuilder", li: int, k: int, j: int, u: str, t: int | None, t_v: int | None,
                delta: Array, weights: Array, weight_names: tuple, units: Sequence[str]) -> list[str]:
    """dE.V/dout.U = delta.V * w(V, U) for each unit V of `units` (delta: their deltas at step t_v,
    weights (V, U) rows by V): the parts of dE/dout.U of unit j in layer li (at step t) through V."""
    return [b.add_at(f"dE.{b.st(v, t_v)}/dout.{b.st(u, t)}", k, delta[i] * weights[i, j], "share", "prod",
                     (b.at(f"delta.{b.st(v, t_v)}", k), weight_names[i][j]),
                     layer=li, index=j, unit=u, via=v, step=t)
            for i, v in enumerate(units)]


@dataclass(frozen=True)
class WeightPart:
    """One weight array of a layer, as its gradients are named: the names by row, and at each
    (sample, step) position the values each row's weights multiply (values[p][c]) and their names."""

    names: tuple[tuple[str, ...], ...]
    values: list[list[float]]
    sources: list[Sequence[str]]
    grads: Array


def row_gradients(b: "TraceBuilder", li: int, positions: list[tuple[int, int | None]],
                  rows: Sequence[tuple[int, str, str]], parts: Sequence[WeightPart], bias: tuple | None,
                  grad_b: Array | None = None, shared: bool = False) -> None:
    """grad.w = the sum over positions (samples, and steps) of delta * dnet/dw, dnet/dw being the value
    w multiplies ('sumprod' of (delta, dnet/dw) pairs), for every weight of every row (r, unit, net:
    row r of each weight array computes net.<net>); then grad.b = the sum of the deltas it adds to
    (every row's, for a shared bias); each with its update. bias: the bias names, None for none."""
    deltas = {}
    for r, u, net in rows:
        deltas[r] = [b.at(f"delta.{b.st(net, t)}", k) for k, t in positions]
        for part in parts:
            grads = part.grads[r]
            for c, w in enumerate(part.names[r]):
                factors = []
                for p, (k, t) in enumerate(positions):
                    dnet = b.add_at(f"dnet.{b.st(net, t)}/d{w}", k, part.values[p][c], "dnet/dP", "sum",
                                    (part.sources[p][c],), layer=li, unit=u, param=w, step=t)
                    factors += [deltas[r][p], dnet]
                b.gradient(w, grads[c], "sumprod", factors, li, u)
    if bias is None:
        return
    if shared:
        b.gradient(bias[0], grad_b[0], "sum", [d for r, _, _ in rows for d in deltas[r]], li, None)
        return
    for r, u, _ in rows:
        b.gradient(bias[r], grad_b[r], "sum", deltas[r], li, u)
