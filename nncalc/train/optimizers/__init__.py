"""The optimizers, one module each, found by name: every module in this package that defines an
Optimizer subclass with a `name` registers it (its options are a row of nncalc.problem.training)."""

from __future__ import annotations

import importlib
import pkgutil

from .base import Optimizer

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

OPTIMIZERS: dict[str, type[Optimizer]] = Optimizer.registry


def make_optimizer(settings, size: int, n_weights: int, dtype) -> Optimizer | None:
    """The settings' optimizer for a flat array of `size` parameters whose first `n_weights` are
    weights (weight decay `settings.l2` applies to those); None for the perceptron rule."""
    cls = OPTIMIZERS.get(settings.optimizer)
    if cls is None:
        return None
    return cls(settings.learning_rate, settings.options, size, dtype, weight_decay=settings.l2, n_decayed=n_weights)
