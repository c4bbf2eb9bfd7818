"""The one numeric engine: forward and backward passes over whole batches, in pure NumPy.

Shapes: n samples; a layer with u units over f inputs has W (u, f) and b (u,). Every intermediate
is kept (nets are never overwritten) because the trace and the explanation need them. Nothing here
prints or reads files; the worked examples, the checker and the trainer all call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import ComputeError
from .ops import LOSSES, fused_delta
from .problem import Layer

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
    grad_W[l] (u_l, f_l) and grad_b[l] (u_l,) or None. A shared bias's gradient is the sum over its
    units, repeated in every unit's slot so that b - eta * grad_b keeps it shared."""

    dE_dout: list[Array]
    dout_dnet: list[Array | None]
    delta: list[Array]
    grad_W: list[Array]
    grad_b: list[Array | None]


def forward(layers: Sequence[Layer], X: Array, exact_zeros: bool = False) -> Forward:
    """net = a W^T + b and out = f(net), layer by layer, for all samples at once.

    exact_zeros: a net input whose terms cancel (0.5·1 - 0.3·2 + 0.1) comes out of floating point as
    2.8e-17 rather than 0, and relu'(net) would then be 1 where the hand computation (and PyTorch's
    convention at 0) gives 0. With exact_zeros, a net within its rounding-error bound of zero is 0.
    It costs a second product, so worked examples use it and training does not."""
    nets, outs = [], [X]
    for layer in layers:
        net = outs[-1] @ layer.weights.T
        if layer.bias is not None:
            net += layer.bias
        if exact_zeros:
            net[np.abs(net) <= _rounding_bound(outs[-1], layer)] = 0.0
        nets.append(net)
        outs.append(layer.activation(net))
    return Forward(nets, outs)


def _rounding_bound(a: Array, layer: Layer) -> Array:
    """A bound on the floating-point error of a W^T + b: (terms + 1) eps sum |w a| + |b|."""
    magnitude = np.abs(a) @ np.abs(layer.weights).T
    if layer.bias is not None:
        magnitude = magnitude + np.abs(layer.bias)
    return (layer.weights.shape[1] + 1) * np.finfo(magnitude.dtype).eps * magnitude


def error_terms(loss: str, Y: Array, T: Array) -> Array:
    """(n, m) terms E_o@k of the loss, which add up to E_total."""
    return LOSSES[loss].terms(Y, T)


def check_backprop(layers: Sequence[Layer], loss: str) -> None:
    """Raise ComputeError, saying why, when some layer's activation has no usable derivative."""
    for l, layer in enumerate(layers):
        act = layer.activation
        fused = fused_delta(act.name, loss) is not None and l == len(layers) - 1
        if not act.has_derivative and not fused:
            raise ComputeError(f"cannot backpropagate through layer {l + 1} ({', '.join(layer.units)}): "
                               f"activation {act.name}: {act.fn.no_derivative}")


def backward(layers: Sequence[Layer], loss: str, fwd: Forward, T: Array,
             into: tuple[Sequence[Array], Sequence[Array | None]] | None = None,
             scale: float = 1.0, check: bool = True) -> Backward:
    """Backpropagate dE/dout through every layer: delta_l = dE/dout_l * f'(net_l),
    dE/dout_{l-1} = delta_l W_l, grad W_l = delta_l^T out_{l-1}, grad b_l = sum over samples of delta_l.

    into: (grad_W, grad_b) arrays of the gradients' shapes to write them into (the trainer's views of
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
    grad_W: list[Array] = [None] * L
    grad_b: list[Array | None] = [None] * L
    Y = fwd.output
    if into is None or fused_delta(layers[-1].activation.name, loss) is None:
        dE_dout[-1] = LOSSES[loss].dout(Y, T)
    for l in range(L - 1, -1, -1):
        layer = layers[l]
        act = layer.activation
        if l < L - 1:
            dE_dout[l] = delta[l + 1] @ layers[l + 1].weights
        fused = fused_delta(act.name, loss) if l == L - 1 else None
        if act.has_derivative:
            dout_dnet[l] = act.derivative(fwd.nets[l], fwd.outs[l + 1])
        if fused is not None:
            delta[l] = fused.delta(Y, T)
            divisor = LOSSES[loss].divisor(*Y.shape)
            if scale == 1.0:
                delta[l] /= divisor
            else:
                delta[l] *= scale / divisor
        else:
            delta[l] = dE_dout[l] * dout_dnet[l]
            if l == L - 1 and scale != 1.0:
                delta[l] *= scale
        if into is None:
            grad_W[l] = delta[l].T @ fwd.outs[l]
        else:
            grad_W[l] = np.matmul(delta[l].T, fwd.outs[l], out=into[0][l])
        if layer.bias is not None:
            grad_b[l] = np.add.reduce(delta[l], axis=0, out=None if into is None else into[1][l])
            if layer.bias_shared:
                grad_b[l][...] = grad_b[l].sum()
    return Backward(dE_dout, dout_dnet, delta, grad_W, grad_b)
