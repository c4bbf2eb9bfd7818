"""Every trainable parameter in one flat array, so that an optimizer updates them all with a few
whole-array NumPy operations per step.

The flat buffer asks each layer for its parameters() (nncalc.layers). Layout: every layer's
parameters of kind "weight", then every layer's of kind "bias"; `grads` has the same layout. The
layers the engine runs hold views of `values` (layer.with_arrays), and the engine writes its
gradients into views of `grads`. Weight decay applies to the first `n_weights` values (weights,
never biases).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..problem import Layer, Network

Array = np.ndarray


@dataclass(eq=False)
class FlatParams:
    """All weights then all biases in one array `values` (every layer's parameters of kind "weight"
    before any of kind "bias"), gradients in `grads` of the same layout; `layers` hold views of
    `values`, `into[l]` views of `grads` in the order of layer l's parameters(), and `slices[l]`
    (slice, kind) pairs in that order."""

    values: Array
    grads: Array
    layers: list[Layer]
    into: list[tuple[Array, ...]]
    slices: list[tuple[tuple[slice, str], ...]]
    n_weights: int
    names: list[tuple[tuple, ...]]           # names[l][i]: the entries' names of layer l's parameter i

    @classmethod
    def of(cls, network: Network, dtype) -> "FlatParams":
        """The network's parameters (as its layers list them) copied into one new flat array."""
        params = [layer.parameters() for layer in network.layers]
        where: dict[tuple[int, int], slice] = {}
        pos = n_weights = 0
        for kind in ("weight", "bias"):
            for li, prms in enumerate(params):
                for pi, prm in enumerate(prms):
                    if prm.kind == kind:
                        where[li, pi] = slice(pos, pos + prm.array.size)
                        pos += prm.array.size
            if kind == "weight":
                n_weights = pos
        values, grads = np.empty(pos, dtype), np.zeros(pos, dtype)
        layers, into, slices = [], [], []
        for li, (layer, prms) in enumerate(zip(network.layers, params)):
            arrays = {}
            for pi, prm in enumerate(prms):
                view = values[where[li, pi]].reshape(prm.array.shape)
                view[...] = prm.array
                arrays[prm.name] = view
            layers.append(layer.with_arrays(arrays))
            into.append(tuple(grads[where[li, pi]].reshape(prm.array.shape) for pi, prm in enumerate(prms)))
            slices.append(tuple((where[li, pi], prm.kind) for pi, prm in enumerate(prms)))
        names = [tuple(prm.names for prm in prms) for prms in params]
        return cls(values, grads, layers, into, slices, n_weights, names)

    def layer_slices(self, l: int, with_bias: bool) -> list[slice]:
        """The parts of the flat arrays that hold layer l's weights (and its biases)."""
        return [sl for sl, kind in self.slices[l] if kind == "weight" or with_bias]

    def name_at(self, index: int) -> str:
        """The name of the parameter entry at this place of the flat array."""
        for layer_slices, layer_names in zip(self.slices, self.names):
            for (sl, _), names in zip(layer_slices, layer_names):
                if sl.start <= index < sl.stop:
                    flat = np.array(names, dtype=object).reshape(-1)      # a shared bias: one name
                    return str(flat[(index - sl.start) % len(flat)])
        raise IndexError(index)

    def first_not_finite(self) -> tuple[str, float] | None:
        """(name, value) of the first parameter that is NaN or infinite, or None."""
        finite = np.isfinite(self.values)
        if finite.all():
            return None
        first = int(np.argmin(finite))
        return self.name_at(first), float(self.values[first])

    def network(self, template: Network) -> Network:
        """The current weights as a foundation Network (float64 copies), names as in `template`."""
        layers = tuple(t.with_arrays({prm.name: prm.array.astype(np.float64) for prm in l.parameters()})
                       for t, l in zip(template.layers, self.layers))
        return replace(template, layers=layers)
