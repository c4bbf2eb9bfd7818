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
    """nets[l]: (n, u_l) net inputs of layer l; outs[0] is the input X, outs[l + 1] = f(nets[l])."""

    nets: list[Array]
    outs: list[Array]

    @property
    def output(self) -> Array:
        return self.outs[-1]


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


def forward(layers: Sequence[LayerType], X: Array, exact_zeros: bool = False) -> Forward:
    """net and out layer by layer, for all samples at once (exact_zeros: see Dense.forward)."""
    nets, outs = [], [X]
    for layer in layers:
        net, out = layer.forward(outs[-1], exact_zeros)
        nets.append(net)
        outs.append(out)
    return Forward(nets, outs)


def error_terms(loss: str, Y: Array, T: Array) -> Array:
    """(n, m) terms E_o@k of the loss, which add up to E_total."""
    return LOSSES[loss].terms(Y, T)


def check_backprop(layers: Sequence[LayerType], loss: str) -> None:
    """Raise ComputeError, saying why, when some layer's activation has no usable derivative."""
    blocker = backprop_blocker(layers, loss)
    if blocker:
        raise ComputeError(blocker)


def backward(layers: Sequence[LayerType], loss: str, fwd: Forward, T: Array,
             into: Sequence[Sequence[Array | None]] | None = None,
             scale: float = 1.0, check: bool = True) -> Backward:
    """Backpropagate dE/dout through every layer: delta_l = dE/dout_l * f'(net_l),
    dE/dout_{l-1} = the layer's input gradient of delta_l, and each layer's parameter gradients.

    into: per layer, arrays of its gradients' shapes to write them into (the trainer's views of
    one flat buffer, updated in place); then dE/dout of a fused output layer, which only the trace
    shows, is not computed (None). The input's dE/dout is never computed.
    scale: multiplies every delta and gradient. The trainer passes -eta here, which costs one
    product per output value instead of one per weight. check: False skips check_backprop (the
    trainer checks once, before its first step)."""
    if check:
        check_backprop(layers, loss)
    L = len(layers)
    dE_dout: list[Array] = [None] * L
    dout_dnet: list[Array | None] = [None] * L
    delta: list[Array] = [None] * L
    grads: list[tuple[Array | None, ...]] = [()] * L
    Y = fwd.output
    if into is None or fused_delta(layers[-1].activation.name, loss) is None:
        dE_dout[-1] = LOSSES[loss].dout(Y, T)
    for l in range(L - 1, -1, -1):
        act = layers[l].activation
        if l < L - 1:
            dE_dout[l] = layers[l + 1].input_gradient(delta[l + 1])
        if act.has_derivative:
            dout_dnet[l] = act.derivative(fwd.nets[l], fwd.outs[l + 1])
        fused = fused_delta(act.name, loss) if l == L - 1 else None
        if fused is not None:
            delta[l] = _fused_delta(fused, LOSSES[loss].divisor(*Y.shape), Y, T, scale)
        else:
            delta[l] = dE_dout[l] * dout_dnet[l]
            if l == L - 1 and scale != 1.0:
                delta[l] *= scale
        grads[l] = layers[l].grads(fwd.outs[l], delta[l], None if into is None else into[l])
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
