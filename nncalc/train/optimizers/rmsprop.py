"""RMSProp (Hinton's lecture 6e): like Adagrad, but the squares of past gradients fade (one of the
TU Berlin deck's "solutions" to SGD's limits). PyTorch's order of operations (its `alpha` is ρ)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Array, Optimizer


class RMSProp(Optimizer):
    """v = ρ v + (1 - ρ) g²; w = w - η g / (√v + ε). Takes g itself (gradient_scale 1)."""

    name = "rmsprop"
    state_names = ("square_avg",)

    def __init__(self, learning_rate: float, options: dict[str, Any], size: int, dtype, **decay: Any) -> None:
        super().__init__(learning_rate, options, size, dtype, **decay)
        self.work = np.zeros(size, dtype)     # scratch for each step, not state

    @property
    def gradient_scale(self) -> float:
        return 1.0

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        g, v, work = gradient, self.state["square_avg"][sl], self.work[sl]
        rho = self.o["rho"]
        np.multiply(g, 1.0 - rho, out=work)
        work *= g                    # ((1 - ρ) g) g
        v *= rho
        v += work
        np.sqrt(v, out=work)
        work += self.o["eps"]
        g *= self.lr
        g /= work                    # (η g) / (√v + ε)
        variable -= g
