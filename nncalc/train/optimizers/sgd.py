"""Plain gradient descent: w = w - η g (the slides' Δw = -η ∂E/∂w)."""

from __future__ import annotations

from .base import Array, Optimizer


class SGD(Optimizer):
    """w = w - η g, with h = -η g."""

    name = "sgd"

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        variable += gradient
