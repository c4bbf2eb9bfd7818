"""What every layer type provides: its parameters (named), forward, backward and its trace entries.

A layer type is one module in this package. The engine runs a list of layers over whole batches;
the trainer's flat parameter buffer asks each layer for its `parameters()` and gets a layer back
from `with_arrays` holding views of the buffer; the trace asks each layer to name its quantities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Mapping, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:
    from ..ops import Activation

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
