"""A graph trace as tables, as the chain rule written out, as JSON, and as a summary.

Read off the trace: each node's expression comes from the OPS table's notation, every number from a
computed quantity. The only arithmetic here is a path's product of local derivatives, which the
chain rule writes out before adding the paths.
"""

from __future__ import annotations

import math
import re
import textwrap

from ..notation import symbol
from ..render.common import Symbols, Tab, fmt, fmt_short
from .engine import written
from .model import GraphProblem
from .ops import OPS
from .parse import Node
from .trace import GraphTrace, grad_name

_DOUBLED = re.compile(r"\(\((-[0-9.e+-]+)\)\)")     # exp((-1)) -> exp(-1)
MAX_ROWS = 400            # past this many nodes, tables and derivations show the leaves only
MAX_PATHS = 4             # write a gradient path by path up to this many paths ...
MAX_PATH_LENGTH = 6       # ... of at most this many factors; else one step of the backward pass


def _d(sym: Symbols, top: str, bottom: str) -> str:
    return f"{sym.d}{symbol(top, sym)}/{sym.d}{symbol(bottom, sym)}"


def _paren(s: str) -> str:
    return f"({s})" if s.startswith("-") or " " in s else s


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def header_lines(trace: GraphTrace) -> list[str]:
    """The problem's name and one line saying what graph it is."""
    p: GraphProblem = trace.problem
    g = p.graph
    about = (f"computational graph, {_count(len(g.leaves), 'leaf', 'leaves')}, {_count(len(g.nodes), 'node')}, "
             f"output {p.output}")
    if p.upstream is not None:
        about += f", upstream gradient dL/d{p.output} = {fmt_short(p.upstream)}"
    if p.parameters:
        about += f", learning rate {p.learning_rate:g}"
    return [p.name, about]


class _Notation:
    """How one trace's nodes and derivatives are written, with names or with numbers."""

    def __init__(self, trace: GraphTrace, decimals: int, sym: Symbols) -> None:
        self.t, self.p, self.g, self.decimals, self.sym = trace, trace.problem, trace.problem.graph, decimals, sym

    def arg(self, a, numeric: bool) -> str:
        if isinstance(a, str):
            return _paren(self.num(a)) if numeric else symbol(a, self.sym)
        return _paren(fmt_short(a))

    def num(self, name: str) -> str:
        return fmt_short(self.t[name].value, self.decimals)

    def expression(self, n: Node, numeric: bool = False) -> str:
        text = OPS[n.op].write([self.arg(a, numeric) for a in n.args])
        return self.shown(text)

    def derivative(self, node: str, x: str, numeric: bool = False) -> str:
        """The local derivative ∂node/∂x as a formula (2s), or with the numbers put in (2·(-1))."""
        n = self.g.node[node]
        op = OPS[n.op]
        texts = [self.arg(a, numeric) for a in n.args]
        out = _paren(self.num(node)) if numeric else symbol(node, self.sym)
        parts = [f for a, f in zip(n.args, op.derivative(texts, out)) if a == x]
        if numeric and any("[" in f or "sign(" in f for f in parts):
            return _paren(fmt_short(self.t.bwd.local[(node, x)], self.decimals))
        return self.shown(" + ".join(parts) if len(parts) > 1 else parts[0])

    def shown(self, text: str) -> str:
        """The text with the symbols this output can show (ASCII: * for ·, >= for ≥)."""
        text = _DOUBLED.sub(r"(\1)", text)
        if self.sym.unicode:
            return text
        return text.replace("·", "*").replace("≥", ">=").replace("≤", "<=")

    def d(self, top: str, bottom: str) -> str:
        return _d(self.sym, top, bottom)


# ---------------------------------------------------------------- tables

def tabs(trace: GraphTrace, decimals: int = 9, unicode: bool = True) -> list[Tab | str]:
    """Everything the tables show: the leaves, the forward table, the backward table, the step."""
    sym = Symbols.for_unicode(unicode)
    w = _Notation(trace, decimals, sym)
    p, g = trace.problem, trace.problem.graph
    parts: list[Tab | str] = [", ".join(f"{symbol(x, sym)} = {fmt_short(p.values[x])}" for x in g.leaves)
                              or "no leaves"]
    parts.append("assignments: " + "; ".join(w.shown(s) for s in g.statements) if len(g.nodes) <= MAX_ROWS
                 else f"{len(g.statements):,} assignments")
    big = len(g.nodes) > MAX_ROWS
    if big:
        parts.append(f"{len(g.nodes):,} nodes: too many to show one by one (the limit is {MAX_ROWS}); "
                     f"{symbol(p.output, sym)} = {fmt(trace[p.output].value, decimals)}. Every value: --format json")
    else:
        fwd = Tab("Forward pass, node by node", ["node", "expression", "with numbers", "value"], numeric_from=3)
        for n in g.nodes:
            fwd.add(symbol(n.name, sym), w.expression(n), w.expression(n, numeric=True),
                    fmt(trace[n.name].value, decimals))
        parts.append(fwd)
    if trace.has_backward:
        parts.append(_backward_tab(trace, w, decimals, big))
        if p.parameters:
            parts.append(_step_tab(trace, sym, decimals))
    return parts


def _backward_tab(trace: GraphTrace, w: _Notation, decimals: int, big: bool) -> Tab:
    p, g, sym = trace.problem, trace.problem.graph, w.sym
    L = p.loss_name
    title = f"Backward pass: {w.d(L, 'X')} = {sym.sum} {w.d('c', 'X')}{sym.times}{w.d(L, 'c')} over the nodes c using X"
    table = Tab(title, ["X", f"local {w.d('c', 'X')}", "formula", "value", "upstream", w.d(L, "X")],
                numeric_from=3)
    order = [] if big else [n.name for n in reversed(g.nodes)]
    for x in order + list(g.leaves):
        uses = [c for c in g.consumers[x] if c in trace.bwd.reached]
        if x == p.output:
            given = "given" if p.upstream is not None else "seed"
            table.add(symbol(x, sym), w.d(L, x) if L != x else "", given, "", "", fmt(trace[grad_name(p, x)].value, decimals))
        elif not uses:
            table.add(symbol(x, sym), "", f"not used by {symbol(p.output, sym)}", "", "", fmt(0.0, decimals))
        for i, c in enumerate(uses):
            last = i == len(uses) - 1
            table.add(symbol(x, sym) if i == 0 else "", w.d(c, x), w.derivative(c, x),
                      fmt(trace.bwd.local[(c, x)], decimals), fmt(trace[grad_name(p, c)].value, decimals),
                      fmt(trace[grad_name(p, x)].value, decimals) if last else "")
    return table


def _step_tab(trace: GraphTrace, sym: Symbols, decimals: int) -> Tab:
    p = trace.problem
    L = p.loss_name
    table = Tab(f"Gradient step: new p = p - {p.learning_rate:g}{sym.times}{sym.d}{L}/{sym.d}p",
                ["parameter", "p", f"{sym.d}{L}/{sym.d}p", "new p"], numeric_from=1)
    for prm in p.parameters:
        table.add(symbol(prm, sym), fmt_short(p.values[prm], decimals), fmt(trace[grad_name(p, prm)].value, decimals),
                  fmt(trace[f"new.{prm}"].value, decimals))
    return table


def summary_tabs(problem: GraphProblem) -> list[Tab | str]:
    """`nncalc summary` for a graph: its size, the operations it uses, and its nodes."""
    g = problem.graph
    generated = sum(n.generated for n in g.nodes)
    parts: list[Tab | str] = [
        f"{len(g.leaves)} leaves ({', '.join(g.leaves[:12])}{', …' if len(g.leaves) > 12 else ''}), "
        f"{len(g.nodes):,} nodes ({len(g.nodes) - generated:,} assigned, {generated:,} generated), "
        f"output {problem.output}"]
    ops = Tab("Operations", ["operation", "symbol", "nodes"], numeric_from=2)
    for name, count in g.operations.items():
        ops.add(name, OPS[name].symbol, f"{count:,}")
    parts.append(ops)
    if len(g.nodes) <= MAX_ROWS:
        nodes = Tab("Nodes, in the order they are computed", ["node", "operation", "computes"], numeric_from=3)
        for n in g.nodes:
            nodes.add(n.name, n.op, written(n).split(" = ", 1)[1])
        parts.append(nodes)
    return parts


# ---------------------------------------------------------------- the derivation

def explain_lines(trace: GraphTrace, decimals: int = 9, unicode: bool = True, width: int | None = None,
                  header: bool = True) -> list[str]:
    """The forward pass and every gradient written out as the decks do:
    ∂L/∂w = ∂L/∂s · ∂s/∂ŷ · ∂ŷ/∂w = 2s · 1 · x = 2·(-1)·1·1 = -2; several paths added, each written out."""
    return _Explainer(trace, decimals, Symbols.for_unicode(unicode), width).lines(header)


def explain_owned_lines(trace: GraphTrace, decimals: int = 9, unicode: bool = True,
                        width: int | None = None) -> list[tuple[str | None, str]]:
    """explain_lines without the header, each with the quantity it works out (None for headings)."""
    ex = _Explainer(trace, decimals, Symbols.for_unicode(unicode), width)
    lines = ex.lines(header=False)
    return list(zip(ex.owners, lines))


class _Explainer(_Notation):
    def __init__(self, trace: GraphTrace, decimals: int, sym: Symbols, width: int | None) -> None:
        super().__init__(trace, decimals, sym)
        self.width = width
        self.out: list[str] = []
        self.owners: list[str | None] = []      # per line of out: the quantity it works out, if any
        self.owner: str | None = None

    def prose(self, text: str, indent: int = 0) -> None:
        """A heading or sentence, wrapped at the width."""
        if self.width is None or indent + len(text) <= self.width:
            self.out.append(" " * indent + text)
        else:
            self.out += textwrap.wrap(text, self.width, initial_indent=" " * indent, subsequent_indent=" " * (indent + 2),
                                      break_on_hyphens=False)

    def _eq(self, lhs: str, parts: list[str], indent: int = 2, note: str | None = None) -> None:
        chain: list[str] = []
        for part in parts:
            if part and part != lhs and (not chain or chain[-1] != part):
                chain.append(part)
        one = " " * indent + lhs + "".join(f" = {p}" for p in chain)
        pad = " " * (indent + len(lhs))
        self.owners += [None] * (len(self.out) - len(self.owners))
        rows = [one] if self.width is None or len(one) <= self.width else \
            [" " * indent + lhs + f" = {chain[0]}"] + [f"{pad} = {p}" for p in chain[1:]]
        for row in rows:
            self.out += textwrap.wrap(row, self.width, subsequent_indent=pad + "     ", break_long_words=False,
                                      break_on_hyphens=False) if self.width else [row]
        if note:
            self.prose(f"({note})", len(pad) + 3)
        self.owners += [self.owner] * (len(self.out) - len(self.owners))

    def lines(self, header: bool) -> list[str]:
        p, g = self.p, self.g
        for text in header_lines(self.t) if header else ():
            self.prose(text)
        if len(g.nodes) > MAX_ROWS:
            self.prose(f"{len(g.nodes):,} nodes: too many to write out one by one (the limit is {MAX_ROWS}); "
                       "see the tables or --format json")
            return self.out
        self.out += ["", "Forward pass"]
        for x in g.leaves:
            self.out.append(f"  {symbol(x, self.sym)} = {fmt_short(p.values[x])}")
        for n in g.nodes:
            self.owner = n.name
            self.eq(symbol(n.name, self.sym), [self.expression(n), self.expression(n, True),
                                               self.num(n.name)])
        if self.t.has_backward:
            self.backward()
        self.owners += [None] * (len(self.out) - len(self.owners))
        return self.out

    def backward(self) -> None:
        p, g, sym = self.p, self.g, self.sym
        L = p.loss_name
        self.out.append("")
        if p.upstream is None:
            self.prose(f"Backward pass (the chain rule, from {symbol(L, sym)} down; {self.d(L, L)} = 1)")
        else:
            self.prose(f"Backward pass (the chain rule, from {symbol(p.output, sym)} down; the upstream "
                       f"gradient {self.d(L, p.output)} = {fmt_short(p.upstream)} is given)")
            self.owner = grad_name(p, p.output)
            self.eq(self.d(L, p.output), [fmt_short(p.upstream)])
        reached = self.t.bwd.reached
        for x in [n.name for n in reversed(g.nodes)] + list(g.leaves):
            if x == p.output:
                continue
            self.owner = grad_name(p, x)
            if x not in reached:
                self.eq(self.d(L, x), ["0"], note=f"{symbol(x, sym)} is not used to compute {symbol(p.output, sym)}")
                continue
            self.gradient(x)
        if p.parameters:
            self.out += ["", f"Gradient step ({sym.eta} = {p.learning_rate:g})"]
            for prm in p.parameters:
                self.owner = f"new.{prm}"
                grad = self.num(grad_name(p, prm))
                self.eq(f"{symbol(prm, sym)}+", [f"{symbol(prm, sym)} - {sym.eta}{sym.times}{self.d(L, prm)}",
                                                 f"{fmt_short(p.values[prm])} - {p.learning_rate:g}{sym.times}{_paren(grad)}",
                                                 self.num(f"new.{prm}")])

    def paths(self, x: str) -> list[list[tuple[str, str]]] | None:
        """Every path from x up to the output as (node, argument) edges, output end first; None when
        there are more than MAX_PATHS or one is longer than MAX_PATH_LENGTH."""
        reached, out = self.t.bwd.reached, self.p.output
        count: dict[str, int] = {out: 1}
        for n in reversed(self.g.nodes):
            if n.name in reached and n.name != out:
                count[n.name] = sum(count.get(c, 0) for c in self.g.consumers[n.name] if c in reached)
        total = sum(count.get(c, 0) for c in self.g.consumers[x] if c in reached) if x != out else 1
        if total > MAX_PATHS:
            return None
        found: list[list[tuple[str, str]]] = []
        stack: list[tuple[str, list[tuple[str, str]]]] = [(x, [])]
        while stack:
            at, path = stack.pop()
            if at == out:
                found.append(path[::-1])
                continue
            if len(path) >= MAX_PATH_LENGTH:
                return None
            for c in reversed(self.g.consumers[at]):
                if c in reached:
                    stack.append((c, path + [(c, at)]))
        return found

    def factor(self, c: str, a: str, numeric: bool, in_product: bool) -> str:
        text = self.derivative(c, a, numeric)
        return _paren(text) if in_product else text

    def eq(self, lhs: str, parts: list[str], indent: int = 2, note: str | None = None) -> None:
        """lhs = part = part ...: one line if it fits, else one '= part' a line; a part that only
        respaces the one before it (1 · 1, then 1·1) is left out."""
        kept: list[str] = []
        for part in parts:
            if not kept or part.replace(" ", "") != kept[-1].replace(" ", ""):
                kept.append(part)
        self._eq(lhs, kept, indent, note)

    def gradient(self, x: str) -> None:
        p, sym = self.p, self.sym
        L, lhs = p.loss_name, self.d(p.loss_name, x)
        value = self.num(grad_name(p, x))
        paths = self.paths(x)
        if paths is None:                # one step of the backward pass: the uses' gradients are known
            uses = [c for c in self.g.consumers[x] if c in self.t.bwd.reached]
            sym_terms = [f"{self.d(L, c)} {sym.times} {self.d(c, x)}" for c in uses]
            form_terms = [f"{_paren(self.num(grad_name(p, c)))} {sym.times} {self.factor(c, x, False, True)}"
                          for c in uses]
            num_terms = [f"{_paren(self.num(grad_name(p, c)))}{sym.times}{self.factor(c, x, True, True)}" for c in uses]
            note = (f"{symbol(x, sym)} is used by {len(uses)} nodes: the chain rule adds their terms"
                    if len(uses) > 1 else None)
            self.eq(lhs, [" + ".join(sym_terms), " + ".join(form_terms), " + ".join(num_terms), value], note=note)
            return
        seed = [] if p.upstream is None else [(None, p.output)]
        sym_paths, form_paths, num_paths, products = [], [], [], []
        for path in paths:
            edges = seed + path
            sym_paths.append(f" {sym.times} ".join(self.d(L, p.output) if c is None else self.d(c, a) for c, a in edges))
            many = len(edges) > 1
            form_paths.append(f" {sym.times} ".join(fmt_short(p.upstream) if c is None else self.factor(c, a, False, many)
                                                    for c, a in edges))
            num_paths.append(sym.times.join(fmt_short(p.upstream) if c is None else self.factor(c, a, True, many)
                                            for c, a in edges))
            products.append(math.prod([p.seed] + [self.t.bwd.local[e] for e in path]))
        if len(paths) == 1:
            self.eq(lhs, [sym_paths[0], form_paths[0], num_paths[0], value])
            return
        through = ", ".join(symbol(path[-1][0], sym) for path in paths)
        self.eq(lhs, [" + ".join(sym_paths)],
                note=f"{symbol(x, sym)} reaches {symbol(p.output, sym)} on {len(paths)} paths, through {through}: "
                     "the chain rule adds them")
        for k, (s, f, n, v) in enumerate(zip(sym_paths, form_paths, num_paths, products), start=1):
            self.eq(f"path {k}", [s, f, n, fmt_short(v, self.decimals)], indent=4)
        self.eq(lhs, [" + ".join(_paren(fmt_short(v, self.decimals)) if i else fmt_short(v, self.decimals)
                                 for i, v in enumerate(products)), value])


# ---------------------------------------------------------------- JSON

def trace_dict(trace: GraphTrace) -> dict:
    """{"problem", "kind": "graph", "values": {name: number}, "graph": {name: {"kind", "op", "inputs"}}, ...}."""
    p = trace.problem
    return {
        "problem": p.name,
        "source": p.source,
        "kind": "graph",
        "output": p.output,
        "loss": p.loss_name,
        "upstream": p.seed,
        "parameters": list(p.parameters),
        "learning_rate": p.learning_rate,
        "assignments": list(p.graph.statements),
        "nodes": {n.name: written(n).split(" = ", 1)[1] for n in p.graph.nodes},
        "values": trace.values(),
        "graph": {q.name: {"kind": q.kind, "op": q.op, "inputs": list(q.inputs)}
                  for q in trace.quantities.values() if q.op != "leaf"},
    }

