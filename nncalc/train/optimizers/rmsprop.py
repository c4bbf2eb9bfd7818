"""RMSProp (Hinton's lecture 6e): like Adagrad, but the squares of past gradients fade (one of the
TU Berlin deck's "solutions" to SGD's limits). PyTorch's order of operations (its `alpha` is ρ)."""

from __future__ import annotations

import numpy as np

from .base import Array, UnscaledOptimizer


class RMSProp(UnscaledOptimizer):
    """v = ρ v + (1 - ρ) g²; w = w - η g / (√v + ε). Takes g itself (gradient_scale 1)."""

    name = "rmsprop"
    state_names = ("square_avg",)

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        v, work, rho = self.state["square_avg"][sl], self.work[sl], self.o["rho"]
        np.multiply(gradient, 1.0 - rho, out=work)
        work *= gradient             # ((1 - ρ) g) g
        v *= rho
        v += work
        self.root_step(gradient, variable, v, work)
