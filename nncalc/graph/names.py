"""A graph trace's names as students write them: `∂L/∂w`, `dL_dw`, `dLdw`, `dloss/dŷ`, `w+`, `grad_w`.

The same interface as the network's `nncalc.names.NameResolver` (resolve, require, why_unknown,
suggest), so the checker and `check --explain` read a graph's answers as they read a network's.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import suggest
from ..names import NameResolver, _fold_map
from .trace import GraphTrace, grad_name

_FOLD = str.maketrans({"∂": "d", "⁺": "+", "{": None, "}": None, "\\": None})
LOSS_WORDS = ("loss", "l", "e", "cost", "etotal", "e_total", "j")
_NEW = (re.compile(r"^(?P<p>.+?)(?:\+|_new|new|_plus|_updated|')$"), re.compile(r"^new[_.]?(?P<p>.+)$"))
_GRAD = re.compile(r"^(?:grad|g|∇)[_.]?(?P<p>.+)$")


def _fold(written: str) -> str:
    """Without spaces, ∂ as d, ŷ as yhat, η as eta; a trailing @1 dropped (a graph has one sample)."""
    s = unicodedata.normalize("NFD", "".join(written.split()).translate(_FOLD))
    s = re.sub(r"(\w)\u0302", r"\1hat", s)
    s = unicodedata.normalize("NFC", s).replace("η", "eta").replace("^+", "+")
    return s[:-2] if s.endswith("@1") else s


class GraphNames(NameResolver):
    """Canonical quantity names of one graph trace, and the spellings that name them (resolve and
    require as a network's resolver; what a name can mean is the graph's own)."""

    def __init__(self, trace: GraphTrace) -> None:     # a network's __init__ reads layers: not called
        self.trace = trace
        p = trace.problem
        self.names = set(trace.quantities)
        self.loss = p.loss_name
        self.params = set(p.parameters)
        self._nodes = _fold_map([*p.graph.leaves, *p.graph.node])
        self._cache: dict[str, str | None] = {}

    def why_unknown(self, written: str) -> str:
        return f"unknown quantity '{written}'{self.suggest(written)}"

    def suggest(self, written: str) -> str:
        hint = suggest(_fold(written), self.spellings(), cutoff=0.6)
        return hint or "; see `nncalc backprop PROBLEM --format json` for every name"

    def spellings(self) -> dict[str, str]:
        """The names suggestions offer: a graph's canonical names (each its own spelling)."""
        return {name: name for name in sorted(self.names)}

    # -- resolution

    def node(self, s: str) -> str | None:
        return self._nodes.get(s) or self._nodes.get(s.lower()) or self._nodes.get(s.lower().replace("_", ""))

    def _resolve(self, written: str) -> str | None:
        if written in self.names:
            return written
        s = _fold(written)
        if s in self.names:
            return s
        if s.lower() in ("eta", "learning_rate", "lr", "alpha") and "eta" in self.names:
            return "eta"
        if self.node(s):
            return self.node(s)
        for pattern in _NEW:
            m = pattern.match(s)
            if m and self.node(m.group("p")) in self.params:
                return f"new.{self.node(m.group('p'))}"
        m = _GRAD.match(s)
        if m and self.node(m.group("p")):
            return self._known(f"d{self.loss}/d{self.node(m.group('p'))}")
        if s.startswith("local."):
            return self._known(s)
        if "/" in s:
            top, _, bottom = s.partition("/")
            return self._fraction(top, bottom)
        return self._run_together(s)

    def _known(self, name: str) -> str | None:
        return name if name in self.names else None

    def _fraction(self, top: str, bottom: str) -> str | None:
        """dA/dB: a gradient when A is the loss, else the local derivative of node A by its argument B."""
        if not (top[:1] in "dD" and bottom[:1] in "dD"):
            return None
        a, b = top[1:], self.node(bottom[1:])
        if b is None:
            return None
        node = self.node(a)
        is_loss = node == self.loss or (node is None and a.lower() in LOSS_WORDS)
        if is_loss:
            return self._known(grad_name(self.trace.problem, b))
        if node is not None:
            return self._known(f"d{node}/d{b}")
        return None

    def _run_together(self, s: str) -> str | None:
        """dL_dw or dLdw: every way to split it into d<A>[_]d<B> that names one quantity."""
        if not s[:1] in "dD":
            return None
        found = set()
        for i in range(2, len(s) - 1):
            if s[i] in "dD":
                top = s[1:i].rstrip("_")
                if top and s[i + 1:]:
                    name = self._fraction("d" + top, s[i:])
                    if name:
                        found.add(name)
        return found.pop() if len(found) == 1 else None
