"""Momentum, in the two forms the decks use, each with or without Nesterov's look-ahead."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Array, Optimizer


class Momentum(Optimizer):
    """classic: v = μ v - η g; w = w + v (Nesterov: w = w + μ v - η g), with h = -η g.
    ema (the NNBasic deck): v = λ v - (1 - λ) g; w = w + η v
    (Nesterov: w = w + η (λ v - (1 - λ) g)), with h = -(1 - λ) g.
    The classic form keeps μ v rather than v, which saves one pass over all the parameters."""

    name = "momentum"

    def __init__(self, learning_rate: float, options: dict[str, Any], size: int, dtype, **decay: Any) -> None:
        self.ema = options["form"] == "ema"
        self.state_names = ("velocity",) if self.ema else ("mu_velocity",)
        super().__init__(learning_rate, options, size, dtype, **decay)

    @property
    def gradient_scale(self) -> float:
        return -(1.0 - self.o["momentum"]) if self.ema else -self.lr

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        h, p = gradient, variable
        mu, nesterov = self.o["momentum"], self.o["nesterov"]
        if self.ema:
            v = self.state["velocity"][sl]
            v *= mu
            v += h                   # v = λ v - (1 - λ) g
            if nesterov:
                h += mu * v          # the look-ahead λ v - (1 - λ) g
                h *= self.lr
            else:
                np.multiply(v, self.lr, out=h)
            p += h
            return
        mu_v = self.state["mu_velocity"][sl]
        mu_v += h                    # v = μ v - η g
        if nesterov:
            mu_v *= mu
            p += mu_v
            p += h                   # w + μ v - η g
        else:
            p += mu_v                # w + v
            mu_v *= mu
