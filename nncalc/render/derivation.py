"""How a derivation is written (render/explain.py's and explain_time.py's explainers): quantities by
their slide names, numbers as given or at the chosen decimals, sums with their middle elided past
MAX_TERMS, equations 'lhs = part = part' on one line or aligned on '=' at a width, each line tagged
with the quantity it works out (the checker shows a wrong answer's own lines from the tags)."""

from __future__ import annotations

import textwrap

from ..trace import Quantity, Trace
from .common import Symbols, fmt, fmt_given, slide_name

_GIVEN = ("input", "target", "param", "rate", "state")
MAX_TERMS = 12             # write a sum out term by term up to this many terms, then elide the middle


def _same(shown: str, part: str) -> bool:
    """Whether `part` says nothing `shown` did not: the same text, or the same number (1 = 1.000)."""
    if shown == part:
        return True
    try:
        return float(shown) == float(part)
    except ValueError:
        return False


class DerivationWriter:
    """The lines of one trace's derivation (out) and the quantity each works out (owners)."""

    def __init__(self, trace: Trace, decimals: int, sym: Symbols, width: int | None) -> None:
        self.t, self.decimals, self.sym, self.width = trace, decimals, sym, width
        self.p = trace.problem
        self.net = trace.problem.network
        self.out: list[str] = []
        self.owners: list[str | None] = []      # per line of out: the quantity it works out, if any
        self.indent = 2         # of equations; deeper under a sample's heading

    def at(self, name: str, k: int) -> str:
        return f"{name}@{k}" if self.p.n_samples > 1 else name

    def sizes(self) -> tuple[int, int]:
        """(n, m) as the loss's divisor counts them."""
        return self.t.problem.targets.shape

    def name(self, n: str) -> str:
        return slide_name(n, self.sym)

    def num(self, n: str, paren: bool = True) -> str:
        """A quantity's value: given numbers as written, computed ones at the chosen decimals;
        a negative one in parentheses where it follows an operator."""
        q = self.t[n]
        if q.kind == "dnet/dP":        # the value the weight multiplies, shown as that value is
            q = self.t[q.inputs[0]]
        s = fmt_given(q.value, self.decimals) if q.kind in _GIVEN else fmt(q.value, self.decimals)
        return f"({s})" if paren and s.startswith("-") else s

    def value(self, q: Quantity) -> str:
        return fmt(q.value, self.decimals)

    def joined(self, items: list[str], op: str) -> str:
        """Items joined by ' op ', the middle elided past MAX_TERMS."""
        if len(items) > MAX_TERMS:
            items = items[:3] + ["…" if self.sym.unicode else "..."] + items[-2:]
        return f" {op} ".join(items)

    def products(self, factors: list[list[str]], numeric: bool) -> str:
        """A sum of products: [[a, b], [c]] -> 'a * b + c' (numbers: the first value as is, any later
        negative one in parentheses)."""
        terms = []
        for i, fs in enumerate(factors):
            if numeric:
                fs = [self.num(f, paren=(i, j) != (0, 0)) for j, f in enumerate(fs)]
            else:
                fs = [self.name(f) for f in fs]
            terms.append(" * ".join(fs))
        return self.joined(terms, "+")

    def emit(self, rows: list[str], of: str | None) -> None:
        """Append rows, each owned by quantity `of` (None: a heading or prose of no quantity)."""
        self.out += rows
        self.owners += [of] * len(rows)

    def line(self, text: str = "", indent: int = 0, of: str | None = None) -> None:
        """A line of prose, wrapped at the width."""
        if not text:
            self.emit([""], of)
        elif self.width is None or indent + len(text) <= self.width:
            self.emit([" " * indent + text], of)
        else:
            self.emit(textwrap.wrap(text, self.width, initial_indent=" " * indent,
                                    subsequent_indent=" " * indent, break_on_hyphens=False), of)

    def eq(self, lhs: str, parts: list[str], note: str | None = None, deeper: int = 0, of: str | None = None) -> None:
        """lhs = part = part = ...   (note): one line if it fits, else one '= part' a line, aligned;
        of: the quantity the equation works out."""
        indent = self.indent + deeper
        chain: list[str] = []
        for part in parts:
            if part and part != lhs and (not chain or not _same(chain[-1], part)):
                chain.append(part)
        tail = f"   ({note})" if note else ""
        one = " " * indent + lhs + "".join(f" = {p}" for p in chain) + tail
        if self.width is None or len(one) <= self.width:
            self.emit([one], of)
            return
        pad = " " * (indent + len(lhs))
        rows = [" " * indent + lhs + f" = {chain[0]}"] + [f"{pad} = {p}" for p in chain[1:]]
        if note:
            rows.append(f"{pad}   ({note})")
        for row in rows:
            self.emit(textwrap.wrap(row, self.width, subsequent_indent=pad + "     ",
                                    break_long_words=False, break_on_hyphens=False) or [row], of)

    def template(self, text: str, **values: str) -> str:
        return text.format(le=self.sym.le, ge=self.sym.ge, d=self.sym.d, sum=self.sym.sum, **values)

    def suffix(self, q: Quantity) -> str:
        return f"@{q.sample}" if q.sample else ""

    def summed(self, names: tuple[str, ...]) -> list[str]:
        """A sum of quantities with symbols and with numbers: [a + b + c, 1 + (-2) + 3]."""
        return [self.joined([self.name(x) for x in names], "+"),
                self.joined([self.num(x, i > 0) for i, x in enumerate(names)], "+")]
