"""What every layer type provides: its parameters (named), forward, backward and its trace entries;
and the parts every type writes the same way (the summed gradients; in the trace a net's inputs, the
shares of dE/dout through a layer, the gradients row by row), so that Dense, Recurrent and LSTM say
only which rows, weights and values they have.

A layer type is one module in this package. The engine runs a list of layers over whole batches;
the trainer's flat parameter buffer asks each layer for its `parameters()` and gets a layer back
from `with_arrays` holding views of the buffer; the trace asks each layer to name its quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, NamedTuple, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:
    from ..ops import Activation
    from ..trace import TraceBuilder

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Parameter:
    """One parameter array of a layer: the attribute it lives in, its values and its entries' names.

    kind: "weight" (weight decay applies; the trainer puts every layer's weights before any bias)
    or "bias". names: one name per entry in the array's shape, except a shared bias (`shared`):
    one name for every entry, which always hold the same value."""

    name: str
    kind: str
    array: Array
    names: tuple
    shared: bool = False

    @property
    def size(self) -> int:
        """How many free numbers it holds (a shared bias is one)."""
        return 1 if self.shared else self.array.size


class LayerType(Protocol):
    """The contract the engine, the trainer and the trace rely on (see nncalc/layers/dense.py)."""

    units: tuple[str, ...]
    activation: "Activation"
    sequence: bool        # True: runs step by step over (n, T, f) and provides run() and backward_in_time()

    @property
    def n_params(self) -> int: ...

    def parameters(self) -> tuple[Parameter, ...]:
        """Every parameter array, in a fixed order: grads() and with_arrays() use the same one."""

    def with_arrays(self, arrays: Mapping[str, Array]) -> "LayerType":
        """A copy holding these arrays (by Parameter.name) instead of its own."""

    def forward(self, a: Array, exact_zeros: bool = False) -> tuple[Array, Array]:
        """(net, out), both (n, units), from a: (n, fan_in)."""

    def grads(self, a: Array, delta: Array, into: Sequence[Array | None] | None = None,
              cache: object = None) -> tuple[Array | None, ...]:
        """dE/dP for each of parameters(), from the input a and delta = dE/dnet (n, units), or in a
        sequence (n, T, units) summed over steps; cache: what run() kept (sequence layers)."""

    def input_gradient(self, delta: Array) -> Array:
        """dE/da (n, fan_in): what flows down to the layer below."""


class SequenceLayer(LayerType, Protocol):
    """A layer that runs step by step (nncalc/layers/recurrent.py, lstm.py): the engine calls these
    instead of forward() and the per-unit delta = dE/dout f'(net)."""

    def run(self, a: Array, exact_zeros: bool = False, state: object = None) -> tuple[Array, Array, object]:
        """(net, out, cache) over (n, T, f) from the initial state `state` (None: the layer's own);
        cache.final is the state after the last step."""

    def backward_in_time(self, net: Array, out: Array, direct: Array, cache: object,
                         bptt: int | None = None) -> tuple[Array, Array | None, Array]:
        """(dE/dout, dout/dnet, delta) from direct = the part of dE/dout from the layer above."""


class ArrayLayer:
    """What every layer type's class shares (Dense, Recurrent, LSTM): a copy with other arrays, and
    the gradient flowing down, both read off its `weights` W and its parameters' attribute names."""

    def with_arrays(self, arrays: Mapping[str, Array]):
        """A copy holding these arrays (by Parameter.name) instead of its own."""
        return replace(self, **arrays)

    def input_gradient(self, delta: Array) -> Array:
        """dE/da = delta W ((n, f), or (n, T, f) in a sequence): what flows down to the layer below."""
        return delta @ self.weights

    def net_rows(self) -> list[tuple[int, str, str]]:
        """(row, unit, net) for each row of the weight arrays: row j computes net.U of unit j (an
        LSTM's rows run gate by gate, net.q.U)."""
        return [(j, u, u) for j, u in enumerate(self.units)]

    def bias_name(self, r: int) -> str | None:
        """The name of row r's bias (the one name of a shared bias; None without a bias)."""
        return None if self.bias is None else self.bias_names[0 if self.bias_shared else r]


def summed_grads(delta: Array, inputs: Sequence[Array], into: Sequence[Array | None] | None,
                 bias: bool, shared: bool = False) -> tuple[Array, ...]:
    """grad W = delta^T a for each weight array's input a (delta (N, rows), a (N, cols): N samples, or
    samples times steps), then grad b = the sum of delta over N when the layer has a bias; a shared
    bias's is the sum over its rows too, repeated in every slot so that b - eta grad b keeps it shared.
    into: arrays of those shapes to write them into (the trainer's views), in the same order."""
    grads = [delta.T @ a if into is None else np.matmul(delta.T, a, out=into[i]) for i, a in enumerate(inputs)]
    if bias:
        grad_b = np.add.reduce(delta, axis=0, out=None if into is None else into[len(inputs)])
        if shared:
            grad_b[...] = grad_b.sum()
        grads.append(grad_b)
    return tuple(grads)


# ---------------------------------------------------------------- a layer's quantities in the trace

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


class WeightPart(NamedTuple):      # a NamedTuple: quicker to define at start-up than a dataclass
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
