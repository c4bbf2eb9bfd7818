"""The dense layer: net = a W^T + b and out = f(net), the only layer type of the NNBasic deck.

Shapes: n samples; u units over f inputs: W (u, f), one row per unit, and b (u,). A shared bias
(one b for the whole layer, as some slides draw it) is the same value repeated in every unit's slot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Mapping, Sequence

import numpy as np

from ..ops import Activation
from .base import Array, Parameter


@dataclass(frozen=True, eq=False)
class Dense:
    """A dense layer: net = W a + b, out = f(net). W is (units, fan_in), one row per unit."""

    units: tuple[str, ...]
    activation: Activation
    weights: np.ndarray
    weight_names: tuple[tuple[str, ...], ...]
    bias: np.ndarray | None          # (units,); a shared bias is the same value repeated
    bias_names: tuple[str, ...]      # one name if shared, one per unit otherwise, () if none
    bias_shared: bool = False

    kind: ClassVar[str] = "dense"

    @property
    def n_params(self) -> int:
        return self.weights.size + len(self.bias_names)

    def parameters(self) -> tuple[Parameter, ...]:
        """The weights, then the bias when there is one."""
        weights = Parameter("weights", "weight", self.weights, self.weight_names)
        if self.bias is None:
            return (weights,)
        return weights, Parameter("bias", "bias", self.bias, self.bias_names, self.bias_shared)

    def with_arrays(self, arrays: Mapping[str, Array]) -> "Dense":
        return replace(self, **arrays)

    def forward(self, a: Array, exact_zeros: bool = False) -> tuple[Array, Array]:
        """net = a W^T + b (n, u) and out = f(net).

        exact_zeros: a net input whose terms cancel (0.5·1 - 0.3·2 + 0.1) comes out of floating
        point as 2.8e-17 rather than 0, and relu'(net) would then be 1 where the hand computation
        (and PyTorch's convention at 0) gives 0. With exact_zeros, a finite net within its
        rounding-error bound of zero is 0. It costs a second product, so worked examples use it and
        training does not."""
        net = a @ self.weights.T
        if self.bias is not None:
            net += self.bias
        if exact_zeros:
            net[np.abs(net) <= self._rounding_bound(a)] = 0.0
        return net, self.activation(net)

    def _rounding_bound(self, a: Array) -> Array:
        """A bound on the floating-point error of a W^T + b: (terms + 1) eps sum |w a| + |b|.
        Where that sum overflows the bound is 0, so that no overflowing net is ever zeroed."""
        magnitude = np.abs(a) @ np.abs(self.weights).T
        if self.bias is not None:
            magnitude = magnitude + np.abs(self.bias)
        bound = (self.weights.shape[1] + 1) * np.finfo(magnitude.dtype).eps * magnitude
        bound[~np.isfinite(bound)] = 0.0
        return bound

    def grads(self, a: Array, delta: Array, into: Sequence[Array | None] | None = None) -> tuple[Array | None, ...]:
        """grad W = delta^T a (u, f); grad b = the sum of delta over samples (u,), or for a shared
        bias the sum over samples and units, repeated in every unit's slot so that b - eta grad b
        keeps it shared. into: arrays of those shapes to write them into (the trainer's views)."""
        grad_W = delta.T @ a if into is None else np.matmul(delta.T, a, out=into[0])
        if self.bias is None:
            return (grad_W,)
        grad_b = np.add.reduce(delta, axis=0, out=None if into is None else into[1])
        if self.bias_shared:
            grad_b[...] = grad_b.sum()
        return grad_W, grad_b

    def input_gradient(self, delta: Array) -> Array:
        """dE/da = delta W (n, f)."""
        return delta @ self.weights
