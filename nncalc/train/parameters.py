"""Every trainable parameter in one flat array, so that an optimizer updates them all with a few
whole-array NumPy operations per step.

Layout: all layers' weights, then all layers' biases; `grads` has the same layout. The layers the
engine runs hold views of `values`, and the engine writes its gradients into views of `grads`.
Weight decay applies to the first `n_weights` values (weights, never biases).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..problem import Layer, Network

Array = np.ndarray


def layer_parameters(layer: Layer) -> tuple[Array, Array | None]:
    """A layer's trainable arrays: (weights, bias or None)."""
    return layer.weights, layer.bias


def with_parameters(layer: Layer, weights: Array, bias: Array | None) -> Layer:
    """The layer holding these arrays as its parameters."""
    return replace(layer, weights=weights, bias=bias)


@dataclass(eq=False)
class FlatParams:
    """All weights then all biases in one array `values`, gradients in `grads` of the same layout;
    `layers` are the network's layers holding views of `values`."""

    values: Array
    grads: Array
    layers: list[Layer]
    grad_W: list[Array]
    grad_b: list[Array | None]
    weight_slices: list[slice]
    bias_slices: list[slice | None]

    @property
    def n_weights(self) -> int:
        return self.weight_slices[-1].stop if self.weight_slices else 0

    @classmethod
    def of(cls, network: Network, dtype) -> "FlatParams":
        """The network's parameters copied into one new flat array of this dtype."""
        params = [layer_parameters(layer) for layer in network.layers]
        total = sum(W.size + (0 if b is None else b.size) for W, b in params)
        values, grads = np.empty(total, dtype), np.zeros(total, dtype)
        ws, bs, pos = [], [], 0
        for W, _ in params:
            ws.append(slice(pos, pos + W.size))
            pos += W.size
        for _, b in params:
            bs.append(None if b is None else slice(pos, pos + b.size))
            pos += 0 if b is None else b.size
        layers, gW, gb = [], [], []
        for layer, (W0, b0), w, b in zip(network.layers, params, ws, bs):
            W = values[w].reshape(W0.shape)
            W[...] = W0
            gW.append(grads[w].reshape(W0.shape))
            bias = None if b is None else values[b]
            if bias is not None:
                bias[...] = b0
            gb.append(None if b is None else grads[b])
            layers.append(with_parameters(layer, W, bias))
        return cls(values, grads, layers, gW, gb, ws, bs)

    def layer_slices(self, l: int, with_bias: bool) -> list[slice]:
        """The parts of the flat arrays that hold layer l's weights (and its bias)."""
        bias = self.bias_slices[l]
        return [self.weight_slices[l]] + ([bias] if with_bias and bias is not None else [])

    def name_at(self, index: int, template: Network) -> str:
        """The name (as in `template`) of the parameter at this place of the flat array."""
        for layer, w, b in zip(template.layers, self.weight_slices, self.bias_slices):
            if w.start <= index < w.stop:
                r, c = divmod(index - w.start, layer.weights.shape[1])
                return layer.weight_names[r][c]
            if b is not None and b.start <= index < b.stop:
                return layer.bias_names[index - b.start]
        raise IndexError(index)

    def network(self, template: Network) -> Network:
        """The current weights as a foundation Network (float64 copies), names as in `template`."""
        layers = tuple(with_parameters(t, l.weights.astype(np.float64),
                                       None if l.bias is None else l.bias.astype(np.float64))
                       for t, l in zip(template.layers, self.layers))
        return replace(template, layers=layers)
