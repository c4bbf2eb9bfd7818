"""Activation functions and their derivatives as curves over a range of net, straight from the
operations registry (nncalc.ops): every activation nncalc knows, none written out here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError, suggest


@dataclass(frozen=True)
class Curves:
    """out = f(net) (and dout/dnet where asked and defined) for each activation at the nets `xs`."""

    xs: np.ndarray
    functions: tuple[tuple[str, np.ndarray], ...]
    derivatives: tuple[tuple[str, np.ndarray], ...] = ()
    notes: tuple[str, ...] = ()           # why a derivative is missing


def activation_curves(names: list[str], lo: float = -5.0, hi: float = 5.0, points: int = 201,
                      derivative: bool = False) -> Curves:
    """The curves of the named activations (any case), each with its default alpha."""
    from ..ops import ACTIVATIONS, Activation

    if not names:
        names = [n for n, op in ACTIVATIONS.items() if not op.joint]
    xs = np.linspace(lo, hi, points)
    functions, derivatives, notes = [], [], []
    for raw in names:
        name = raw.lower()
        if name not in ACTIVATIONS:
            raise UsageError(f"unknown activation {raw!r}{suggest(raw, ACTIVATIONS)}; expected one of "
                             f"{', '.join(ACTIVATIONS)}")
        op = ACTIVATIONS[name]
        if op.joint:
            raise UsageError(f"{name} maps a layer's nets together (each out needs every net), so it has no "
                             "curve of one net")
        act = Activation(name, op.default_alpha)
        out = act(xs)
        functions.append((act.describe(), out))
        if derivative:
            if act.has_derivative:
                derivatives.append((f"{act.describe()}'", act.derivative(xs, out)))
            else:
                notes.append(f"{name}: no derivative ({op.no_derivative.split(';')[0]})")
    return Curves(xs, tuple(functions), tuple(derivatives), tuple(notes))
