"""The size of the gradients layer by layer (the NNBasic deck's "Gradient Vanishing"): per layer,
mean |.|, max |.| and the norm of delta = dE/dnet and of the weight gradients dE/dW, read from the
worked example's backward pass."""

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
class GradientReport:
    problem: Any
    layers: tuple[LayerGradients, ...]


def _sizes(a: np.ndarray) -> tuple[float, float, float]:
    magnitude = np.abs(a)
    return float(magnitude.mean()), float(magnitude.max()), float(np.linalg.norm(a))


def gradient_report(trace: Any) -> GradientReport:
    """Every layer's gradient sizes from a trace with its backward pass."""
    network = trace.problem.network
    return GradientReport(trace.problem, tuple(
        LayerGradients(li + 1, len(layer.units), layer.activation.describe(), _sizes(trace.bwd.delta[li]),
                       _sizes(trace.bwd.grad_W[li]))
        for li, layer in enumerate(network.layers)))
