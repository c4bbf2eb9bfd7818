"""The optimizer contract, shared by every optimizer module in this package.

The loop calls `begin()` once per update, then `apply(variable, gradient, sl)` for each part of the
flat parameter array it updates in that update: everything at once, or layer by layer in the
sequential order (`sl` is the part's place in the flat array, for the optimizer's state). `apply`
adds weight decay to the gradient (weights only, never biases) in this base class, then calls the
subclass's `update_step(gradient, variable, sl)`, which changes `variable` in place (Keras'
`update_step(gradient, variable)`).

The one fast path: `gradient` is dE/dw times the optimizer's `gradient_scale`, which the engine
folds into its output deltas (one product per output value instead of one per weight). The default
scale is -η, so plain SGD's step is the single pass w += h; an optimizer whose step depends on the
gradient's own scale (Adam, Adagrad, RMSProp: their ε) declares a scale of 1. Measured on MNIST,
the extra pass of w -= η g costs 3 to 5% of an update. `gradient` may be overwritten.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

Array = np.ndarray


class Optimizer:
    """Updates a flat parameter array in place; subclasses set `name` and implement update_step."""

    name: ClassVar[str] = ""
    state_names: ClassVar[tuple[str, ...]] = ()
    registry: ClassVar[dict[str, type["Optimizer"]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            Optimizer.registry[cls.name] = cls

    def __init__(self, learning_rate: float, options: dict[str, Any], size: int, dtype, *,
                 weight_decay: float = 0.0, n_decayed: int = 0) -> None:
        self.lr = learning_rate
        self.o = options
        self.state = {name: np.zeros(size, dtype) for name in self.state_names}
        self.t = 0
        self.weight_decay, self.n_decayed = weight_decay, n_decayed
        self.decay_work = np.empty(n_decayed, dtype) if weight_decay else None    # scratch, not state

    @property
    def gradient_scale(self) -> float:
        """The factor the engine multiplies dE/dw by before update_step sees it."""
        return -self.lr

    def begin(self) -> None:
        """Start an update (Adam's t counts them)."""
        self.t += 1

    def apply(self, variable: Array, gradient: Array, sl: slice) -> None:
        """Weight decay, w's gradient + λ w (the part of sl that holds weights), then update_step."""
        if self.weight_decay and sl.start < self.n_decayed:
            k = min(sl.stop, self.n_decayed) - sl.start
            work = self.decay_work[:k]
            np.multiply(variable[:k], self.gradient_scale * self.weight_decay, out=work)
            gradient[:k] += work
        self.update_step(gradient, variable, sl)

    def update_step(self, gradient: Array, variable: Array, sl: slice) -> None:
        """Change variable in place from gradient (dE/dw times gradient_scale); sl: its state's part."""
        raise NotImplementedError

    def flush(self) -> None:
        """Zero state values within 10^8 of the denormal range: they no longer change any update, and
        arithmetic on denormals is slow on many CPUs (state of rarely lit pixels decays towards them)."""
        for s in self.state.values():
            tiny = np.finfo(s.dtype).tiny * 1e8
            s[np.abs(s) < tiny] = 0


class UnscaledOptimizer(Optimizer):
    """An optimizer whose step depends on the gradient's own scale (through its ε): it takes g itself
    (gradient_scale 1), and has a scratch array for each step (not state)."""

    def __init__(self, learning_rate: float, options: dict[str, Any], size: int, dtype, **decay: Any) -> None:
        super().__init__(learning_rate, options, size, dtype, **decay)
        self.work = np.zeros(size, dtype)

    @property
    def gradient_scale(self) -> float:
        return 1.0

    def root_step(self, gradient: Array, variable: Array, squares: Array, work: Array) -> None:
        """w = w - η g / (√squares + ε), in PyTorch's order: (η g) / (√squares + ε)."""
        np.sqrt(squares, out=work)
        work += self.o["eps"]
        gradient *= self.lr
        gradient /= work
        variable -= gradient
