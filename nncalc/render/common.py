"""What every renderer shares: number formatting, symbols, and when a network is too big to
show unit by unit."""

from __future__ import annotations

from dataclasses import dataclass

from ..trace import Trace

# Past these sizes, tables and derivations switch to the layer-level matrix form.
DETAIL_MAX_PARAMS = 200
DETAIL_MAX_VALUES = 2000     # per-sample unit values (samples x units)


def too_large(trace: Trace) -> bool:
    """True when unit-by-unit tables or derivations would be too long to read."""
    net = trace.problem.network
    units = sum(len(layer.units) for layer in net.layers)
    return net.n_params > DETAIL_MAX_PARAMS or trace.problem.n_samples * units > DETAIL_MAX_VALUES


def fmt(x: float, decimals: int = 9) -> str:
    """Fixed decimals as the slides print them; scientific only where fixed would hide the value."""
    if x != 0 and (abs(x) >= 1e12 or abs(x) < 0.5 * 10.0 ** -decimals):
        return f"{x:.{max(decimals - 3, 3)}e}"
    s = f"{x:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


@dataclass(frozen=True)
class Symbols:
    """The notation: Unicode where the terminal can show it, ASCII otherwise."""

    d: str = "∂"
    eta: str = "η"
    sigma: str = "σ"
    times: str = "·"
    sum: str = "Σ"

    @classmethod
    def for_unicode(cls, unicode: bool) -> "Symbols":
        return cls() if unicode else cls("d", "eta", "sigmoid", "*", "sum")
