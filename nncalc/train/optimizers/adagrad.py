"""Adagrad (Duchi, Hazan and Singer): each weight's step shrinks with the squares of all its past
gradients (one of the TU Berlin deck's "solutions" to SGD's limits). PyTorch's order of operations."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Array, Optimizer


class Adagrad(Optimizer):
    """G = G + g²; w = w - η g / (√G + ε). Takes g itself (gradient_scale 1): ε makes the step
    depend on the gradient's scale."""

    name = "adagrad"
    state_names = ("sum_squares",)

    def __init__(self, learning_rate: float, options: dict[str, Any], size: int, dtype, **decay: Any) -> None:
        super().__init__(learning_rate, options, size, dtype, **decay)
        self.work = np.zeros(size, dtype)     # scratch for each step, not state

    @property
    def gradient_scale(self) -> float:
        return 1.0

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        g, G, work = gradient, self.state["sum_squares"][sl], self.work[sl]
        np.multiply(g, g, out=work)
        G += work
        np.sqrt(G, out=work)
        work += self.o["eps"]
        g *= self.lr
        g /= work                    # (η g) / (√G + ε)
        variable -= g
