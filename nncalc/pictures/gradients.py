"""The size of the gradients layer by layer (the NNBasic deck's "Gradient Vanishing"): per layer,
mean |.|, max |.| and the norm of delta = dE/dnet and of the weight gradients dE/dW, read from the
worked example's backward pass; for a recurrent layer also through time: |delta_h[t]| at every
step t (vanishing or exploding gradients in backpropagation through time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

STATS = ("mean", "max", "norm")


@dataclass(frozen=True)
class LayerGradients:
    """One layer's sizes: delta over all samples and units, grad W over all weights."""

    layer: int                   # 1-based, 1 = the first hidden layer
    units: int
    activation: str
    delta: tuple[float, float, float]      # mean |delta|, max |delta|, ||delta||
    grad_w: tuple[float, float, float]     # mean |dE/dW|, max |dE/dW|, ||dE/dW||


@dataclass(frozen=True)
class StepGradients:
    """A recurrent layer through time: at each step t = 1..T, the norm over samples and units of
    delta_h[t] = dE/dnet_h[t] and of dE/dout_h[t] (the total derivative, both paths)."""

    layer: int                   # 1-based
    units: int
    activation: str
    delta: tuple[float, ...]     # |delta_h[t]|, t = 1..T
    dE_dout: tuple[float, ...]   # |dE/dout_h[t]|


@dataclass(frozen=True)
class GradientReport:
    problem: Any
    layers: tuple[LayerGradients, ...]
    steps: tuple[StepGradients, ...] = ()       # one per recurrent layer of a sequence problem


def _sizes(a: np.ndarray) -> tuple[float, float, float]:
    magnitude = np.abs(a)
    return float(magnitude.mean()), float(magnitude.max()), float(np.linalg.norm(a))


def gradient_report(trace: Any) -> GradientReport:
    """Every layer's gradient sizes from a trace with its backward pass."""
    network = trace.problem.network
    steps = tuple(
        StepGradients(li + 1, len(layer.units), layer.activation.describe(), _per_step(trace.bwd.delta[li]),
                      _per_step(trace.bwd.dE_dout[li]))
        for li, layer in enumerate(network.layers) if getattr(layer, "sequence", False))
    return GradientReport(trace.problem, tuple(
        LayerGradients(li + 1, len(layer.units), layer.activation.describe(), _sizes(trace.bwd.delta[li]),
                       _sizes(trace.bwd.grad_W[li]))
        for li, layer in enumerate(network.layers)), steps)


def _per_step(a: np.ndarray) -> tuple[float, ...]:
    """The Euclidean norm of a (n, T, u) array at each step: over its samples and units."""
    return tuple(float(v) for v in np.sqrt(np.einsum("ntu,ntu->t", a, a)))
