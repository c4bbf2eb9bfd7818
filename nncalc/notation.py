"""The slides' notation for names: the symbols (Unicode, or ASCII where a terminal cannot show it)
and the slide spelling of each trace name (net.o1 -> net_o1, grad.w5 -> ∂E_total/∂w5).

Below the renderers and the checker alike: answers files are read in this notation, tables print it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Symbols:
    """The notation: Unicode where the terminal can show it, ASCII otherwise."""

    d: str = "∂"
    eta: str = "η"
    times: str = "·"
    sum: str = "Σ"
    delta: str = "δ"
    le: str = "≤"
    ge: str = "≥"
    to: str = "→"
    odot: str = "⊙"
    transpose: str = "ᵀ"
    unicode: bool = True

    @classmethod
    def for_unicode(cls, unicode: bool) -> "Symbols":
        if unicode:
            return cls()
        return cls("d", "eta", "*", "sum", "delta", "<=", ">=", "->", "*", "^T", False)


def symbol(name: str, sym: Symbols) -> str:
    """A variable's name as the slides write it: yhat -> ŷ (Unicode only)."""
    if sym.unicode and name.endswith("hat") and len(name) == 4 and name[0].isalpha():
        import unicodedata

        return unicodedata.normalize("NFC", name[0] + "\u0302")
    return name


def slide_name(name: str, sym: Symbols) -> str:
    """A trace name in the NNBasic deck's notation: net.o1 -> net_o1, dE/dout.o1 -> ∂E_total/∂out_o1,
    dE.o1/dout.h1 -> ∂E_o1/∂out_h1, dnet.o1/dw5 -> ∂net_o1/∂w5, delta.o1 -> δ_o1, grad.w5 ->
    ∂E_total/∂w5, new.w5 -> w5+, eta -> η. A sample suffix @k is kept: out_o1@2."""
    base, at, k = name.partition("@")
    suffix = f"@{k}" if at else ""
    d = sym.d
    if base == "eta":
        return sym.eta
    if base == "E.total":
        return "E_total"
    fraction = base.removeprefix("local.")
    if "/" in fraction and "." not in fraction:    # a computational graph's dL/dw, ds/dyhat: ∂L/∂w, ∂s/∂ŷ
        top, _, bottom = fraction[1:].partition("/d")
        return f"{base[:len(base) - len(fraction)]}{d}{symbol(top, sym)}/{d}{symbol(bottom, sym)}"
    head, dot, rest = base.partition(".")
    if not dot:
        return base + suffix                      # an input or a parameter
    if head in ("net", "out", "E", "target"):
        return f"{head}_{rest}{suffix}"
    if head == "delta":
        return f"{sym.delta}_{rest}{suffix}"
    if head == "grad":
        return f"{d}E_total/{d}{rest}"
    if head == "new":
        return f"{rest}+"
    if base.startswith("dE/dout."):
        return f"{d}E_total/{d}out_{base[8:]}{suffix}"
    if base.startswith("dout/dnet."):
        u = base[10:]
        return f"{d}out_{u}{suffix}/{d}net_{u}{suffix}"
    if base.startswith("dE."):                    # dE.V/dout.U: the part of dE/dout.U through V
        v, _, u = base[3:].partition("/dout.")
        return f"{d}E_{v}{suffix}/{d}out_{u}{suffix}"
    if base.startswith("dnet."):                  # dnet.U/dP
        u, _, p = base[5:].partition("/d")
        return f"{d}net_{u}{suffix}/{d}{p}"
    return name
