"""Adam (Kingma and Ba), in PyTorch's order of operations."""

from __future__ import annotations

import math

import numpy as np

from .base import Array, UnscaledOptimizer


class Adam(UnscaledOptimizer):
    """m = β1 m + (1 - β1) g; v = β2 v + (1 - β2) g²;
    w = w - η (m / (1 - β1^t)) / (√(v / (1 - β2^t)) + ε). Takes g itself (gradient_scale 1)."""

    name = "adam"
    state_names = ("m", "v")

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        g, p = gradient, variable
        b1, b2, eps = self.o["beta1"], self.o["beta2"], self.o["eps"]
        m, v, work = self.state["m"][sl], self.state["v"][sl], self.work[sl]
        m *= b1
        np.multiply(g, 1.0 - b1, out=work)
        m += work
        v *= b2
        g *= g
        g *= 1.0 - b2
        v += g
        bc1 = 1.0 - b1 ** self.t
        bc2_sqrt = math.sqrt(1.0 - b2 ** self.t)
        np.sqrt(v, out=work)
        work /= bc2_sqrt
        work += eps
        np.divide(m, work, out=work)
        work *= self.lr / bc1
        p -= work
