"""Adagrad (Duchi, Hazan and Singer): each weight's step shrinks with the squares of all its past
gradients (one of the TU Berlin deck's "solutions" to SGD's limits). PyTorch's order of operations."""

from __future__ import annotations

import numpy as np

from .base import Array, UnscaledOptimizer


class Adagrad(UnscaledOptimizer):
    """G = G + g²; w = w - η g / (√G + ε). Takes g itself (gradient_scale 1): ε makes the step
    depend on the gradient's scale."""

    name = "adagrad"
    state_names = ("sum_squares",)

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        G, work = self.state["sum_squares"][sl], self.work[sl]
        np.multiply(gradient, gradient, out=work)
        G += work
        self.root_step(gradient, variable, G, work)
