"""The dense layer: net = a W^T + b and out = f(net), the only layer type of the NNBasic deck.

Shapes: n samples; u units over f inputs: W (u, f), one row per unit, and b (u,). A shared bias
(one b for the whole layer, as some slides draw it) is the same value repeated in every unit's slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Sequence

import numpy as np

from ..ops import Activation
from .base import Array, ArrayLayer, Parameter, WeightPart, net_inputs, prod_shares, row_gradients, summed_grads

if TYPE_CHECKING:
    from ..trace import TraceBuilder


@dataclass(frozen=True, eq=False)
class Dense(ArrayLayer):
    """A dense layer: net = W a + b, out = f(net). W is (units, fan_in), one row per unit."""

    units: tuple[str, ...]
    activation: Activation
    weights: np.ndarray
    weight_names: tuple[tuple[str, ...], ...]
    bias: np.ndarray | None          # (units,); a shared bias is the same value repeated
    bias_names: tuple[str, ...]      # one name if shared, one per unit otherwise, () if none
    bias_shared: bool = False

    kind: ClassVar[str] = "dense"
    sequence: ClassVar[bool] = False      # runs step by step (recurrent, lstm); a dense layer applies at every step

    @property
    def n_params(self) -> int:
        return self.weights.size + len(self.bias_names)

    def parameters(self) -> tuple[Parameter, ...]:
        """The weights, then the bias when there is one."""
        weights = Parameter("weights", "weight", self.weights, self.weight_names)
        if self.bias is None:
            return (weights,)
        return weights, Parameter("bias", "bias", self.bias, self.bias_names, self.bias_shared)

    def forward(self, a: Array, exact_zeros: bool = False) -> tuple[Array, Array]:
        """net = a W^T + b (n, u) and out = f(net).

        exact_zeros: a net input whose terms cancel (0.5·1 - 0.3·2 + 0.1) comes out of floating
        point as 2.8e-17 rather than 0, and relu'(net) would then be 1 where the hand computation
        (and PyTorch's convention at 0) gives 0. With exact_zeros, a finite net within its
        rounding-error bound of zero is 0. It costs a second product, so worked examples use it and
        training does not."""
        net = a @ np.swapaxes(self.weights, -1, -2)      # W may be a stack (K, u, f): K networks at once
        if self.bias is not None:
            net += self.bias
        if exact_zeros:
            net[np.abs(net) <= self._rounding_bound(a)] = 0.0
        return net, self.activation(net)

    def _rounding_bound(self, a: Array) -> Array:
        """A bound on the floating-point error of a W^T + b: (terms + 1) eps sum |w a| + |b|.
        Where that sum overflows the bound is 0, so that no overflowing net is ever zeroed."""
        magnitude = np.abs(a) @ np.swapaxes(np.abs(self.weights), -1, -2)
        if self.bias is not None:
            magnitude = magnitude + np.abs(self.bias)
        bound = (self.weights.shape[-1] + 1) * np.finfo(magnitude.dtype).eps * magnitude
        bound[~np.isfinite(bound)] = 0.0
        return bound

    def grads(self, a: Array, delta: Array, into: Sequence[Array | None] | None = None,
              cache: None = None) -> tuple[Array | None, ...]:
        """grad W = delta^T a (u, f); grad b = the sum of delta over samples (u,) (base.summed_grads:
        a shared bias's too). into: arrays of those shapes to write them into (the trainer's views).
        In a sequence (a, delta of shape (n, T, .)) the sums run over steps too."""
        if delta.ndim == 3 and self.weights.ndim == 2:
            delta, a = delta.reshape(-1, delta.shape[-1]), a.reshape(-1, a.shape[-1])
        return summed_grads(delta, (a,), into, self.bias is not None, self.bias_shared)

    # ------------------------------------------------------------ its quantities in the trace

    def trace_nets(self, b: "TraceBuilder", li: int, k: int, below: list[str], t: int | None = None) -> list[str]:
        """net.U = sum of w * (input or out below) + b, as a 'sumprod' of (weight, value) pairs and the bias
        (in a sequence, at step t: net.U[t], the same weights at every step)."""
        values = b.fwd.nets[li][b.ix(k, t)]
        return [b.add_at(f"net.{b.st(u, t)}", k, values[j], "net", "sumprod",
                         net_inputs(self.weight_names[j], below, self.bias_name(j)), layer=li, index=j, unit=u, step=t)
                for j, u in enumerate(self.units)]

    def trace_shares(self, b: "TraceBuilder", below_li: int, k: int, j: int, u: str, t: int | None = None) -> list[str]:
        """dE.V/dout.U = delta.V * w for each unit V of this layer: the parts of dE/dout.U of unit j
        of the layer below (layer below_li) that flow through V (at the same step t in a sequence)."""
        delta = b.bwd.delta[below_li + 1][b.ix(k, t)]
        return prod_shares(b, below_li, k, j, u, t, t, delta, self.weights, self.weight_names, self.units)

    def trace_gradients(self, b: "TraceBuilder", li: int, below: dict[tuple[int, int | None], list[str]]) -> None:
        """grad.w = sum over samples (and steps) of delta.U * dnet.U/dw (dnet.U/dw = the value w
        multiplies), and grad.b = the sum of the deltas it adds to (every unit's, for a shared bias),
        with their updates. below: the names feeding the layer at each position (sample k, step t)."""
        positions = list(below)
        weights = WeightPart(self.weight_names, b.rows(b.fwd.outs[li], positions), [below[p] for p in positions],
                             b.bwd.grad_W[li].tolist())
        row_gradients(b, li, positions, [(j, u, u) for j, u in enumerate(self.units)], (weights,),
                      None if self.bias is None else self.bias_names, b.bwd.grad_b[li], self.bias_shared)
