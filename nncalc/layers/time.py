"""What the two sequence layer types (recurrent.py, lstm.py) share: W over the input, W_h over the
state of the step before and the bias, each a block of rows that compute one net; the forward pass
as run() without its cache; and their gradients in the trace, summed over samples and steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from .base import Array, ArrayLayer, Parameter, WeightPart, row_gradients

if TYPE_CHECKING:
    from ..trace import TraceBuilder


class TimeLayer(ArrayLayer):
    """A layer that runs step by step: weights W (rows, f), recurrent_weights W_h (rows, u), bias
    (rows,) or None, with their names by row; run() is the type's own, and net_rows() where its rows
    are not one per unit (LSTM)."""

    sequence: ClassVar[bool] = True

    @property
    def n_params(self) -> int:
        return self.weights.size + self.recurrent_weights.size + len(self.bias_names)

    def parameters(self) -> tuple[Parameter, ...]:
        """W, then W_h, then the bias when there is one."""
        found = (Parameter("weights", "weight", self.weights, self.weight_names),
                 Parameter("recurrent_weights", "weight", self.recurrent_weights, self.recurrent_weight_names))
        if self.bias is None:
            return found
        return found + (Parameter("bias", "bias", self.bias, self.bias_names, self.bias_shared),)

    def forward(self, a: Array, exact_zeros: bool = False, state: object = None) -> tuple[Array, Array]:
        """(net, out) from a (n, T, f); see run()."""
        net, out, _ = self.run(a, exact_zeros, state)
        return net, out

    def trace_gradients(self, b: "TraceBuilder", li: int, below: dict[tuple[int, int], list[str]]) -> None:
        """grad.w = sum over samples and steps of delta[t] * dnet[t]/dw (x[t] for W, out.V[t-1] for
        W_h), grad.b = the sum of the deltas, row by row (base.row_gradients), with their updates."""
        positions = list(below)
        grads = b.bwd.grads[li]
        previous = [[b.at(f"out.{v}[{t - 1}]", k) for v in self.units] for k, t in positions]
        parts = (WeightPart(self.weight_names, b.rows(b.fwd.outs[li], positions), [below[p] for p in positions],
                            grads[0]),
                 WeightPart(self.recurrent_weight_names, b.rows(b.fwd.caches[li].previous, positions), previous,
                            grads[1]))
        bias = None if self.bias is None else self.bias_names
        row_gradients(b, li, positions, self.net_rows(), parts, bias, None if bias is None else grads[2],
                      self.bias_shared)
