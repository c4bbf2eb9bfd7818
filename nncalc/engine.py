"""The one numeric engine: forward and backward passes of a list of layers over whole batches.

Pure NumPy. Every intermediate is kept (nets are never overwritten) because the trace and the
explanation need them. Each layer type (nncalc/layers/) does its own arithmetic; the engine chains
the layers and the loss. Nothing here prints or reads files; the worked examples, the checker and
the trainer all call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import ComputeError
from .layers import LayerType
from .ops import LOSSES, FusedDelta, fused_delta
from .problem.network import backprop_blocker

Array = np.ndarray


@dataclass(frozen=True)
class Forward:
    """nets[l]: (n, u_l) net inputs of layer l; outs[0] is the input X, outs[l + 1] = f(nets[l]).
    In a sequence problem every array is (n, T, .), and caches[l] holds what a sequence layer's
    backward needs (its states; an LSTM's gates and cells), None for a dense layer."""

    nets: list[Array]
    outs: list[Array]
    caches: list | None = None

    @property
    def output(self) -> Array:
        return self.outs[-1]

    @property
    def final_states(self) -> list:
        """Per layer the state after the last step (what truncated BPTT carries on), None for dense."""
        return [None if c is None else c.final for c in (self.caches or [None] * len(self.nets))]


@dataclass(frozen=True)
class Backward:
    """Per layer l, all (n, u_l): dE/dout, dout/dnet (None where a fused delta skips it), delta = dE/dnet;
    grads[l]: dE/dP for each of layer l's parameters(), in that order."""

    dE_dout: list[Array]
    dout_dnet: list[Array | None]
    delta: list[Array]
    grads: list[tuple[Array | None, ...]]

    @property
    def grad_W(self) -> list[Array]:
        """Each dense layer's weight gradient (u_l, f_l)."""
        return [g[0] for g in self.grads]

    @property
    def grad_b(self) -> list[Array | None]:
        """Each dense layer's bias gradient (u_l,), or None where it has no bias."""
        return [g[1] if len(g) > 1 else None for g in self.grads]


def forward(layers: Sequence[LayerType], X: Array, exact_zeros: bool = False,
            states: Sequence | None = None) -> Forward:
    """net and out layer by layer, for all samples at once (exact_zeros: see Dense.forward).
    X (n, d), or (n, T, d) for a sequence problem; states: per layer an initial state overriding a
    sequence layer's own (None: keep it), e.g. the last state of the chunk before."""
    nets, outs, caches = [], [X], []
    for l, layer in enumerate(layers):
        if layer.sequence:
            net, out, cache = layer.run(outs[-1], exact_zeros, None if states is None else states[l])
        else:
            (net, out), cache = layer.forward(outs[-1], exact_zeros), None
        nets.append(net)
        outs.append(out)
        caches.append(cache)
    return Forward(nets, outs, caches)


def error_terms(loss: str, Y: Array, T: Array, mask: Array | None = None) -> Array:
    """(n, m) terms E_o@k of the loss, which add up to E_total. In a sequence (Y, T: (n, T, m),
    mask (n, T): the steps with a target) every targeted (sample, step) is one sample of the loss,
    and the terms are (n, T, m), 0 where a step has no target."""
    if mask is None:
        return LOSSES[loss].terms(Y, T)
    return _scatter(LOSSES[loss].terms(Y[mask], T[mask]), mask)


def _scatter(values: Array, mask: Array | None) -> Array:
    """(N, m) values of the targeted steps back to (n, T, m), zeros elsewhere (unchanged without a mask)."""
    if mask is None:
        return values
    out = np.zeros(mask.shape + values.shape[-1:], dtype=values.dtype)
    out[mask] = values
    return out


def output_fused(layers: Sequence[LayerType], loss: str) -> FusedDelta | None:
    """The output layer's closed-form delta, if it has one (a dense output layer only: a sequence
    layer's delta also carries the path through its next step)."""
    return None if layers[-1].sequence else fused_delta(layers[-1].activation.name, loss)


def check_backprop(layers: Sequence[LayerType], loss: str) -> None:
    """Raise ComputeError, saying why, when some layer's activation has no usable derivative."""
    blocker = backprop_blocker(layers, loss)
    if blocker:
        raise ComputeError(blocker)


def backward(layers: Sequence[LayerType], loss: str, fwd: Forward, T: Array,
             into: Sequence[Sequence[Array | None]] | None = None,
             scale: float = 1.0, check: bool = True, mask: Array | None = None,
             bptt: int | None = None) -> Backward:
    """Backpropagate dE/dout through every layer: delta_l = dE/dout_l * f'(net_l),
    dE/dout_{l-1} = the layer's input gradient of delta_l, and each layer's parameter gradients.

    into: per layer, arrays of its gradients' shapes to write them into (the trainer's views of
    one flat buffer, updated in place); then dE/dout of a fused output layer, which only the trace
    shows, is not computed (None). The input's dE/dout is never computed.
    scale: multiplies every delta and gradient. The trainer passes -eta here, which costs one
    product per output value instead of one per weight. check: False skips check_backprop (the
    trainer checks once, before its first step).

    Sequences (fwd's arrays (n, T, .), T (n, T, m)): mask (n, T) marks the steps with a target
    (None: every step); each targeted (sample, step) is one sample of the loss. A sequence layer's
    dE/dout is the total derivative (from the layer above and through its own next step), its
    gradients are summed over steps; bptt=k follows the recurrent path at most k steps back."""
    if check:
        check_backprop(layers, loss)
    L = len(layers)
    dE_dout: list[Array] = [None] * L
    dout_dnet: list[Array | None] = [None] * L
    delta: list[Array] = [None] * L
    grads: list[tuple[Array | None, ...]] = [()] * L
    Y = fwd.output
    if Y.ndim == 3 and mask is None:
        mask = np.ones(Y.shape[:2], dtype=bool)
    Ym, Tm = (Y, T) if mask is None else (Y[mask], T[mask])
    fused = output_fused(layers, loss)
    if into is None or fused is None:
        dE_dout[-1] = _scatter(LOSSES[loss].dout(Ym, Tm), mask)
    caches = fwd.caches or [None] * L
    for l in range(L - 1, -1, -1):
        layer = layers[l]
        act = layer.activation
        if l < L - 1:
            dE_dout[l] = layers[l + 1].input_gradient(delta[l + 1])
        if layer.sequence:
            direct = dE_dout[l] * scale if l == L - 1 and scale != 1.0 else dE_dout[l]
            dE_dout[l], dout_dnet[l], delta[l] = layer.backward_in_time(fwd.nets[l], fwd.outs[l + 1], direct,
                                                                        caches[l], bptt)
        else:
            if act.has_derivative:
                dout_dnet[l] = act.derivative(fwd.nets[l], fwd.outs[l + 1])
            if l == L - 1 and fused is not None:
                delta[l] = _scatter(_fused_delta(fused, LOSSES[loss].divisor(*Ym.shape), Ym, Tm, scale), mask)
            else:
                delta[l] = dE_dout[l] * dout_dnet[l]
                if l == L - 1 and scale != 1.0:
                    delta[l] *= scale
        grads[l] = layer.grads(fwd.outs[l], delta[l], None if into is None else into[l], caches[l])
    return Backward(dE_dout, dout_dnet, delta, grads)


def _fused_delta(fused: FusedDelta, divisor: int, Y: Array, T: Array, scale: float) -> Array:
    """delta = dE/dnet of the output layer in its closed form, times scale."""
    delta = fused.delta(Y, T)
    if scale == 1.0:
        delta /= divisor
    else:
        delta *= scale / divisor
    return delta


def descent_step(value, eta, grad):
    """One gradient-descent step, P - eta dE/dP, for numbers or arrays alike: the worked example's
    new.P, the checker's re-evaluation of a student's and the matrix view's W new."""
    return value - eta * grad
