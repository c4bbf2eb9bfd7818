"""The recurrent (Elman) layer: h_t = f(W x_t + W_h h_{t-1} + b), the RNN of the AI-study deck, part 4.

Shapes: n samples, T steps; u units over f inputs: W (u, f), W_h (u, u) (row = the unit it feeds,
column = the unit of the previous step it reads), b (u,), h_0 (u,). Inputs and outputs are
(n, T, f) and (n, T, u). The input part x_t W^T + b is one product over every step; only the
recurrent part W_h h_{t-1} runs step by step.

Backpropagation through time: dE/dout_t (the total derivative) = the part from the layer above at
step t (`direct`) + delta_{t+1} W_h (the path through the unit's own next step); delta_t =
dE/dout_t * f'(net_t); every parameter's gradient is summed over steps and samples, W_h's with
h_{t-1} (h_0 for the first step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Sequence

import numpy as np

from ..ops import Activation
from .base import Array, net_inputs, prod_shares, summed_grads
from .time import TimeLayer

if TYPE_CHECKING:
    from ..trace import TraceBuilder


@dataclass(frozen=True)
class RecurrentCache:
    """What the backward pass needs beyond net and out: the states H (n, T + 1, u), H[:, 0] = h_0 and
    H[:, t] = out_t, so that H[:, :-1] is h_{t-1} for every step."""

    states: Array

    @property
    def initial(self) -> Array:
        return self.states[:, 0]

    @property
    def previous(self) -> Array:
        return self.states[:, :-1]

    @property
    def final(self) -> Array:
        """h_T (n, u): the state truncated BPTT carries into the next chunk."""
        return self.states[:, -1]


@dataclass(frozen=True, eq=False)
class Recurrent(TimeLayer):
    """An Elman layer: net_t = W x_t + W_h h_{t-1} + b, h_t = out_t = f(net_t)."""

    units: tuple[str, ...]
    activation: Activation
    weights: np.ndarray                   # W (u, f)
    weight_names: tuple[tuple[str, ...], ...]
    recurrent_weights: np.ndarray         # W_h (u, u)
    recurrent_weight_names: tuple[tuple[str, ...], ...]
    bias: np.ndarray | None               # (u,); a shared bias is the same value repeated
    bias_names: tuple[str, ...]
    bias_shared: bool = False
    initial_state: np.ndarray | None = None   # h_0 (u,); None: zeros

    kind: ClassVar[str] = "recurrent"

    @property
    def h0(self) -> Array:
        return np.zeros(len(self.units)) if self.initial_state is None else self.initial_state

    def spec(self) -> dict:
        """This layer as a problem file's `layers:` entry (plain lists and numbers): what a model file
        saves, read back through the problem file's own validation."""
        act = self.activation
        entry = {"units": list(self.units), "type": self.kind,
                 "activation": act.name if act.alpha is None else {"name": act.name, "alpha": act.alpha},
                 "weights": self.weights.tolist(), "weight_names": [list(r) for r in self.weight_names],
                 "recurrent_weights": self.recurrent_weights.tolist(),
                 "recurrent_weight_names": [list(r) for r in self.recurrent_weight_names]}
        if self.bias is not None:
            entry["bias"] = float(self.bias[0]) if self.bias_shared else self.bias.tolist()
            entry["bias_names"] = self.bias_names[0] if self.bias_shared else list(self.bias_names)
        entry["initial_state"] = self.h0.tolist()
        return entry

    # ------------------------------------------------------------ the arithmetic

    def run(self, a: Array, exact_zeros: bool = False, state: Array | None = None
            ) -> tuple[Array, Array, RecurrentCache]:
        """net_t = x_t W^T + b + h_{t-1} W_h^T and h_t = f(net_t) for t = 1..T, from h_0 = state
        ((n, u) or (u,); default the layer's initial_state). exact_zeros: as Dense.forward, a net
        within its rounding-error bound of zero is 0."""
        n, T = a.shape[0], a.shape[1]
        u = len(self.units)
        net = a @ self.weights.T
        if self.bias is not None:
            net += self.bias
        if exact_zeros:
            magnitude = np.abs(a) @ np.abs(self.weights).T
            if self.bias is not None:
                magnitude += np.abs(self.bias)
        H = np.empty((n, T + 1, u), dtype=np.result_type(net, self.recurrent_weights))
        H[:, 0] = self.h0 if state is None else state
        Wh_T = self.recurrent_weights.T
        eps = np.finfo(H.dtype).eps * (a.shape[-1] + u + 1)
        for t in range(T):
            h = H[:, t]
            net[:, t] += h @ Wh_T
            if exact_zeros:
                bound = eps * (magnitude[:, t] + np.abs(h) @ np.abs(Wh_T))
                bound[~np.isfinite(bound)] = 0.0
                net[:, t][np.abs(net[:, t]) <= bound] = 0.0
            H[:, t + 1] = self.activation(net[:, t])
        return net, H[:, 1:], RecurrentCache(H)

    def backward_in_time(self, net: Array, out: Array, direct: Array, cache: RecurrentCache,
                         bptt: int | None = None) -> tuple[Array, Array, Array]:
        """(dE/dout, dout/dnet, delta), each (n, T, u), from direct: the part of dE/dout_t from the
        layer above at step t. dE/dout_t = direct_t + delta_{t+1} W_h; delta_t = dE/dout_t f'(net_t).
        bptt=k: each step's error travels at most k steps back through W_h (BPTT(k))."""
        dact = self.activation.derivative(net, out)
        dE = np.array(direct, dtype=np.result_type(direct, dact), copy=True)
        delta = np.empty_like(dE)
        T = net.shape[1]
        Wh = self.recurrent_weights
        if bptt is None:
            for t in range(T - 1, -1, -1):
                if t < T - 1:
                    dE[:, t] += delta[:, t + 1] @ Wh
                np.multiply(dE[:, t], dact[:, t], out=delta[:, t])
            return dE, dact, delta
        # by age: parts[j] is the part of delta_t that has come j steps back through W_h
        parts = np.zeros((bptt + 1,) + dE[:, 0].shape, dtype=dE.dtype)
        for t in range(T - 1, -1, -1):
            if t < T - 1 and bptt > 0:
                carried = parts[:-1] @ Wh            # (bptt, n, u): one more step back
                dE[:, t] += carried.sum(axis=0)
                parts[1:] = carried * dact[:, t]
            else:
                parts[1:] = 0.0
            parts[0] = direct[:, t] * dact[:, t]
            delta[:, t] = parts.sum(axis=0)
        return dE, dact, delta

    def grads(self, a: Array, delta: Array, into: Sequence[Array | None] | None = None,
              cache: RecurrentCache | None = None) -> tuple[Array | None, ...]:
        """grad W = sum over samples and steps of delta_t^T x_t (u, f); grad W_h = the same of
        delta_t^T h_{t-1} (u, u); grad b = the sum of delta (u,), or for a shared bias the sum
        over units too, in every slot. into: arrays to write them into (the trainer's views)."""
        u = len(self.units)
        return summed_grads(delta.reshape(-1, u), (a.reshape(-1, a.shape[-1]), cache.previous.reshape(-1, u)),
                            into, self.bias is not None, self.bias_shared)

    # ------------------------------------------------------------ its quantities in the trace

    def trace_given(self, b: "TraceBuilder", li: int, k: int) -> None:
        """out.U[0]: the initial state h_0 of sample k, a given number."""
        for j, u in enumerate(self.units):
            b.add_at(f"out.{u}[0]", k, b.fwd.caches[li].initial[k, j], "state", layer=li, index=j, unit=u, step=0)

    def trace_nets(self, b: "TraceBuilder", li: int, k: int, below: list[str], t: int | None = None) -> list[str]:
        """net.U[t] = sum of w * x[t] + sum of w_h * out[t-1] of the layer's units + b, one 'sumprod'."""
        previous = [b.at(f"out.{v}[{t - 1}]", k) for v in self.units]
        return [b.add_at(f"net.{u}[{t}]", k, b.fwd.nets[li][k, t - 1, j], "net", "sumprod",
                         net_inputs(self.weight_names[j], below, self.bias_name(j), self.recurrent_weight_names[j],
                                    previous), layer=li, index=j, unit=u, step=t)
                for j, u in enumerate(self.units)]

    def trace_shares(self, b: "TraceBuilder", below_li: int, k: int, j: int, u: str, t: int | None = None) -> list[str]:
        """dE.V[t]/dout.U[t] = delta.V[t] * w for each unit V of this layer: the parts of dE/dout.U[t]
        (unit j of the layer below) that flow up through V at the same step."""
        delta = b.bwd.delta[below_li + 1][k, t - 1]
        return prod_shares(b, below_li, k, j, u, t, t, delta, self.weights, self.weight_names, self.units)

    def trace_recurrent_shares(self, b: "TraceBuilder", li: int, k: int, j: int, u: str, t: int) -> list[str]:
        """dE.V[t+1]/dout.U[t] = delta.V[t+1] * w_h(V, U) for each unit V of this layer: the path of
        dE/dout.U[t] through the next step. Its `via` is a unit of the same layer (how the
        explanation and the checker tell it from the path through the layer above)."""
        return prod_shares(b, li, k, j, u, t, t + 1, b.bwd.delta[li][k, t], self.recurrent_weights,
                           self.recurrent_weight_names, self.units)

