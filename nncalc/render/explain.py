"""The chain-rule derivation, written as the NNBasic deck writes it:

    ∂E_total/∂w5 = ∂E_total/∂out_o1 * ∂out_o1/∂net_o1 * ∂net_o1/∂w5
                 = 0.618832137 * 0.221495710 * 0.613962657 = 0.084155041

Every line is read off the trace: a quantity's op and inputs give the symbolic form, the inputs'
values the numbers, and the quantity's own value the result. Nothing is recomputed here; how each
activation, loss and fused delta is written on a slide is the operation's own notation (nncalc.ops).
"""

from __future__ import annotations

from ..ops import LOSSES, Branch, fused_delta, targets_add_to_one
from ..trace import Quantity, Trace
from .common import (DETAIL_MAX_PARAMS, DETAIL_MAX_VALUES, EXPLAIN_MAX_LINES, Symbols, fmt_given, header_lines,
                     too_large_to_explain, unit_values)
from .derivation import DerivationWriter


def explain_lines(trace: Trace, decimals: int = 9, unicode: bool = True, width: int | None = None,
                  header: bool = True) -> list[str]:
    """The derivation, one equation per line (or wrapped at `width`, aligned on '=' as the slides do);
    header=False leaves out the problem's name and description (a report has its own heading)."""
    from ..graph import is_graph

    if is_graph(trace):
        from ..graph.render import explain_lines as graph_lines

        return graph_lines(trace, decimals, unicode, width, header)
    return _explainer(trace, decimals, unicode, width).lines(header)


def _explainer(trace: Trace, decimals: int, unicode: bool, width: int | None) -> "_Explainer":
    """The derivation's writer: unit by unit, or through time for a sequence problem."""
    if trace.problem.is_sequence:
        from .explain_time import TimeExplainer

        return TimeExplainer(trace, decimals, Symbols.for_unicode(unicode), width)
    return _Explainer(trace, decimals, Symbols.for_unicode(unicode), width)


def explain_owned_lines(trace: Trace, decimals: int = 9, unicode: bool = True,
                        width: int | None = None) -> list[tuple[str | None, str]]:
    """explain_lines (without the header), each with the name of the quantity it works out (None
    for headings and prose): the checker shows a wrong answer's own lines from this."""
    from ..graph import is_graph

    if is_graph(trace):
        from ..graph.render import explain_owned_lines as graph_owned

        return graph_owned(trace, decimals, unicode, width)
    ex = _explainer(trace, decimals, unicode, width)
    lines = ex.lines(header=False)
    return list(zip(ex.owners, lines))


def explain_text(trace: Trace, decimals: int = 9, unicode: bool = True, width: int | None = None) -> str:
    """explain_lines joined into one text."""
    return "\n".join(explain_lines(trace, decimals, unicode, width))


class _Explainer(DerivationWriter):
    """The derivation of a feed-forward network, unit by unit (render/explain_time.TimeExplainer: through time)."""

    # ------------------------------------------------------------ the derivation

    def lines(self, header: bool = True) -> list[str]:
        """The whole derivation: the header, then the forward pass, the errors and the backward pass
        (the hooks a sequence problem's TimeExplainer writes its own way), or past the size rule the
        matrix form."""
        self.out, self.owners = [], []
        for text in header_lines(self.t) if header else ():
            self.line(text)
        if too_large_to_explain(self.t):
            self.line(self.too_large_text())
            for text in self.matrix_form():
                indent = len(text) - len(text.lstrip())
                self.line(text.lstrip(), indent)
            return self.out
        self.forward()
        if "E.total" in self.t:
            self.errors()
        if self.t.has_backward:
            self.backward()
        return self.out

    def too_large_text(self) -> str:
        return (f"Too large to explain unit by unit ({self.net.n_params:,} parameters, {unit_values(self.t):,} unit "
                f"values; the limit is {DETAIL_MAX_PARAMS} parameters, {DETAIL_MAX_VALUES} unit values and "
                f"about {EXPLAIN_MAX_LINES} lines), so here is the layer-level matrix form.")

    def matrix_form(self) -> list[str]:
        from .matrix import matrix_lines

        return matrix_lines(self.t, min(self.decimals, 6), self.sym.unicode)

    def forward(self) -> None:
        for k in range(1, self.p.n_samples + 1):
            self.line()
            if self.p.n_samples > 1:
                given = ", ".join(f"{self.name(self.at(i, k))} = {self.num(self.at(i, k), False)}"
                                  for i in self.net.inputs)
                self.line(f"Forward pass, sample {k} of {self.p.n_samples} ({given})")
            else:
                self.line("Forward pass")
            for layer in self.net.layers:
                self.layer_eqs(layer, lambda name: self.at(name, k))

    def layer_eqs(self, layer, at) -> None:
        """A layer's nets and outs (at(base) names a unit's value): each unit's net then its out, or
        every net first where each out needs every net of the layer (softmax)."""
        nets = [at(f"net.{u}") for u in layer.units]
        outs = [self.t[at(f"out.{u}")] for u in layer.units]
        if layer.activation.fn.joint:
            for name in nets:
                self.net_eq(name)
            for out in outs:
                self.out_eq(out)
            return
        for name, out in zip(nets, outs):
            self.net_eq(name)
            self.out_eq(out)

    def net_eq(self, name: str) -> None:
        q = self.t[name]
        factors = [list(pair) for pair in zip(q.inputs[0::2], q.inputs[1::2])]
        if len(q.inputs) % 2:
            factors.append([q.inputs[-1]])
        sym = self.products(factors, numeric=False)
        num = self.products(factors, numeric=True)
        if len(q.inputs) % 2:      # the bias, written b1 * 1 as on the slide
            sym, num = sym + " * 1", num + " * 1"
        self.eq(self.name(name), [sym, num, self.value(q)], of=name)

    @staticmethod
    def branch(branches: tuple[Branch, ...], q_net: Quantity) -> tuple[str, str | None]:
        """The formula and condition text of the branch that applies at this net value."""
        for cond, cond_text, formula in branches:
            if cond is None or cond(q_net.value):
                return formula, cond_text
        raise AssertionError("the last branch has no condition")

    def out_eq(self, q: Quantity) -> None:
        layer = self.net.layers[q.layer]
        act = layer.activation
        lhs = self.name(q.name)
        if q.op == "softmax":
            exps = [f"e^{self.name(n)}" for n in q.inputs]
            nums = [f"e^{self.num(n)}" for n in q.inputs]
            own = q.inputs[q.index]
            self.eq(lhs, [f"e^{self.name(own)} / ({self.joined(exps, '+')})",
                          f"e^{self.num(own)} / ({self.joined(nums, '+')})", self.value(q)], of=q.name)
            return
        q_net = self.t[q.inputs[0]]
        head = [] if act.fn.is_identity else [f"{act.fn.symbol_for(self.sym.unicode)}({self.name(q_net.name)})"]
        if not act.fn.out_text:        # an activation without a slide formula: its name only
            self.eq(lhs, head + [self.value(q)], of=q.name)
            return
        formula, cond = self.branch(act.fn.out_text, q_net)
        alpha = fmt_given(act.alpha, self.decimals) if act.alpha is not None else ""
        sym = self.template(formula, net=self.name(q_net.name), out=lhs, alpha=alpha)
        num = self.template(formula, net=self.num(q_net.name), out="", alpha=alpha)
        note = self.template(cond, net=self.name(q_net.name)) if cond else None
        self.eq(lhs, head + [sym, num, self.value(q)], note, of=q.name)

    def errors(self) -> None:
        loss = LOSSES[self.p.loss]
        legend = loss.legend(*self.sizes())
        self.line()
        self.line(f"Errors ({self.p.loss}: E_total = {loss.formula}{'; ' + legend if legend else ''})")
        for k in range(1, self.p.n_samples + 1):
            for o in self.net.outputs:
                self.error_eq(self.t[self.at(f"E.{o}", k)])
        self.total_eq()

    def error_eq(self, q: Quantity) -> None:
        """One error term: the loss's term with symbols, with numbers, its value."""
        self.eq(self.name(q.name), self.loss_parts(LOSSES[self.p.loss].term_text, q) + [self.value(q)], of=q.name)

    def total_eq(self) -> None:
        """E_total = the sum of the error terms."""
        total = self.t["E.total"]
        self.eq("E_total", self.summed(total.inputs) + [self.value(total)], of=total.name)

    def loss_parts(self, text: str, q: Quantity) -> list[str]:
        """A loss formula (before the loss's divisor) written with symbols, then with numbers; inputs
        are (out, target)."""
        n, m = self.sizes()
        out, tgt = q.inputs[0], q.inputs[1]
        text += LOSSES[self.p.loss].divisor_text()
        sym = text.format(t=self.name(tgt), y=self.name(out), n="n", nm="n" if m == 1 else "(n m)")
        num = text.format(t=self.num(tgt), y=self.num(out), n=str(n), nm=str(n * m))
        return [sym, num]

    # ------------------------------------------------------------ backward

    def backward(self) -> None:
        n = self.p.n_samples
        self.line()
        self.line("Backward pass (the chain rule, from the output layer down)")
        if n > 1:
            self.line(f"E_total adds up the errors of the {n} samples, so each gradient is the sum over the "
                      f"samples (k = 1..{n}) of that sample's gradient.", 2)
        L = len(self.net.layers)
        for li in range(L - 1, -1, -1):
            layer = self.net.layers[li]
            kind = "Output layer" if li == L - 1 else f"Hidden layer {li + 1}"
            self.line()
            self.line(f"{kind} ({', '.join(layer.units)})")
            self.indent = 4 if n > 1 else 2
            for k in range(1, n + 1):
                if n > 1:
                    self.line(f"sample {k}:", 2)
                for u in layer.units:
                    self.unit(li, u, k)
            if n > 1:
                self.line(f"gradients, summed over the {n} samples, and updates:", 2)
            for prm in (p for p in self.net.parameters() if p.layer == li):
                self.parameter(prm)
        self.indent = 2

    def unit(self, li: int, u: str, k: int) -> None:
        """One unit of one sample: ∂E_total/∂out, ∂out/∂net, and δ = ∂E_total/∂net."""
        self.unit_eqs(li, self.at(f"dE/dout.{u}", k), self.at(f"dout/dnet.{u}", k), self.at(f"delta.{u}", k))

    def unit_eqs(self, li: int, dE_name: str, dact_name: str, delta_name: str) -> None:
        """dE/dout (from the loss, or the sum of its paths: dE_paths), dout/dnet where there is one, and
        delta = dE_total/dnet (a product, or the loss's closed form)."""
        dE = self.t[dE_name]
        if dE.op == "dloss":
            loss = LOSSES[self.p.loss]
            note = loss.note_at(*(self.t[x].value for x in dE.inputs))
            self.eq(self.name(dE.name), self.loss_parts(loss.dterm_text, dE) + [self.value(dE)], note, of=dE.name)
        else:
            self.dE_paths(li, dE)
        dact = self.t.quantities.get(dact_name)
        if dact is not None:
            self.dout_dnet(li, dact)
        delta = self.t[delta_name]
        dnet = f"{self.sym.d}E_total/{self.sym.d}net_{delta.base.removeprefix('delta.')}{self.suffix(delta)}"
        if delta.op == "prod":
            a, b = delta.inputs
            self.eq(f"{self.name(delta.name)} = {dnet}",
                    [f"{self.name(a)} * {self.name(b)}", f"{self.num(a, False)} * {self.num(b)}", self.value(delta)],
                    of=delta.name)
        else:
            self.fused(delta, dnet)

    def dE_paths(self, li: int, dE: Quantity) -> None:
        """A hidden unit's dE/dout: the sum over the paths through the layer above."""
        shares = [self.t[s] for s in dE.inputs]
        if len(shares) == 1:
            self.eq(self.name(dE.name), self.share_parts(shares[0]) + [self.value(dE)], of=dE.name)
            return
        out_u = self.name(dE.name.replace("dE/dout.", "out.", 1))
        down = ", ".join(self.net.layers[li + 1].units)
        self.paths_sum(dE, shares, [self.share_label(s) for s in shares], self.share_parts,
                       f"{out_u} reaches E_total through {down}: the chain rule adds the paths")

    def paths_sum(self, dE: Quantity, shares: list[Quantity], labels: list[str], parts, note: str) -> None:
        """dE/dout = the sum of its paths: their labels added (with the note), each path worked out
        (parts(share): its symbols and numbers), then their numbers added."""
        self.eq(self.name(dE.name), [" + ".join(labels)], note, of=dE.name)
        for s, label in zip(shares, labels):
            # a path written as its own quantity belongs to it; one written 'via V' continues dE/dout
            self.eq(label, parts(s) + [self.value(s)], deeper=2,
                    of=s.name if label == self.name(s.name) else dE.name)
        nums = self.joined([self.num(s.name, i > 0) for i, s in enumerate(shares)], "+")
        self.eq(self.name(dE.name), [nums, self.value(dE)], of=dE.name)

    def dout_dnet(self, li: int, dact: Quantity) -> None:
        """The activation's derivative, by the branch that applies at this net."""
        q_net = self.t[dact.inputs[0]]
        act = self.net.layers[li].activation
        formula, cond = self.branch(act.fn.dout_text, q_net)
        alpha = fmt_given(act.alpha, self.decimals) if act.alpha is not None else ""
        sym = self.template(formula, net=self.name(q_net.name), out=self.name(dact.inputs[1]), alpha=alpha)
        num = self.template(formula, net=self.num(q_net.name), out=self.num(dact.inputs[1]), alpha=alpha)
        note = self.template(cond, net=self.name(q_net.name)) if cond else None
        self.eq(self.name(dact.name), [sym, num, self.value(dact)], note, of=dact.name)

    def fused(self, delta: Quantity, dnet: str) -> None:
        loss = LOSSES[self.p.loss]
        fused = fused_delta(self.net.layers[-1].activation.name, self.p.loss)
        n, m = self.sizes()
        out, targets = delta.inputs[0], list(delta.inputs[1:])
        own = targets[delta.index]
        formula = loss.fused_text(fused, targets_add_to_one(self.t[x].value for x in targets))
        sym = formula.format(y=self.name(out), t=self.name(own), tsum=" + ".join(self.name(t) for t in targets),
                             n="n", nm="n" if m == 1 else "(n m)")
        num = formula.format(y=self.num(out), t=self.num(own), tsum=" + ".join(self.num(t) for t in targets),
                             n=str(n), nm=str(n * m))
        self.eq(f"{self.name(delta.name)} = {dnet}", [sym, num, self.value(delta)], of=delta.name)
        if delta.sample in (None, 1) and delta.index == 0:
            self.line(f"({loss.fused_why(fused, m, self.sym.d, self.sym.sum)})", self.indent + 2, of=delta.name)

    def share_label(self, s: Quantity) -> str:
        """dE.V/dout.U: '∂E_o1/∂out_h1' when V is an output unit whose error depends on it alone, else
        '∂E_total/∂out_U via V'."""
        if self.own_error(s):
            return self.name(s.name)
        d = self.sym.d
        return f"{d}E_total/{d}out_{self.unit_of(s)}{self.suffix(s)} via {self.via_name(s)}"

    def own_error(self, s: Quantity) -> bool:
        """Whether share s flows through an output unit whose error term depends on it alone."""
        out_layer = self.net.layers[-1]
        return s.via in out_layer.units and not out_layer.activation.fn.joint

    def via_name(self, s: Quantity) -> str:
        """The unit a share flows through."""
        return s.via

    def unit_of(self, q: Quantity) -> str:
        """The unit a quantity belongs to, as its derivatives name it."""
        return q.unit

    def share_parts(self, s: Quantity) -> list[str]:
        """The path through V: ∂E_V/∂net_V * ∂net_V/∂out_U = δ_V * w = numbers."""
        d, suf = self.sym.d, self.suffix(s)
        delta, w = s.inputs
        v = self.via_name(s)
        e = f"E_{v}{suf}" if self.own_error(s) else "E_total"
        chain = f"{d}{e}/{d}net_{v}{suf} * {d}net_{v}{suf}/{d}out_{self.unit_of(s)}{suf}"
        return [chain, f"{self.name(delta)} * {self.name(w)}", f"{self.num(delta, False)} * {self.num(w)}"]

    # ------------------------------------------------------------ parameters

    def parameter(self, prm) -> None:
        d = self.sym.d
        g = self.t[f"grad.{prm.name}"]
        lhs = self.name(g.name)
        layer = self.net.layers[prm.layer]
        n = self.p.n_samples
        if prm.kind == "weight":
            pairs = list(zip(g.inputs[0::2], g.inputs[1::2]))        # (delta.U@k, dnet.U@k/dP)
            if n == 1:
                delta, dnet = (self.t[x] for x in pairs[0])
                factors = list(delta.inputs) if delta.op == "prod" else [delta.name]
                sym = " * ".join(self.name(f) for f in factors + [dnet.name])
                num = " * ".join(self.num(f, i > 0) for i, f in enumerate(factors + [dnet.name]))
                note = f"{self.name(dnet.name)} = {self.name(dnet.inputs[0])}"
            else:
                terms = [[dl, self.t[dn].inputs[0]] for dl, dn in pairs]
                sym = self.products(terms, numeric=False)
                num = self.products([[dl, dn] for dl, dn in pairs], numeric=True)
                u = layer.units[prm.row]
                note = f"{d}net_{u}/{d}{prm.name} = {self.name(self.t[self.t[pairs[0][1]].inputs[0]].base)}"
            self.eq(lhs, [sym, num, self.value(g)], note, of=g.name)
        elif prm.row is None:          # a shared bias: every unit's delta, every sample
            sym, num = self.summed(g.inputs)
            units = ", ".join(layer.units)
            self.eq(lhs, [sym, num, self.value(g)],
                    f"{prm.name} is shared by {units}: {d}net/{d}{prm.name} = 1 for each, so their "
                    f"{self.sym.delta} = {d}E_total/{d}net add up", of=g.name)
        else:
            u = layer.units[prm.row]
            if n == 1:
                delta = self.t[g.inputs[0]]
                factors = list(delta.inputs) if delta.op == "prod" else [delta.name]
                sym = " * ".join([self.name(f) for f in factors] + [f"{d}net_{u}/{d}{prm.name}"])
                num = " * ".join([self.num(f, i > 0) for i, f in enumerate(factors)] + ["1"])
            else:
                sym, num = self.summed(g.inputs)
            self.eq(lhs, [sym, num, self.value(g)], f"{d}net_{u}/{d}{prm.name} = 1", of=g.name)
        self.update_eq(prm.name)

    def update_eq(self, param: str) -> None:
        """The gradient-descent step: new.P = P - eta * grad.P, with symbols, with numbers, its value."""
        new = self.t[f"new.{param}"]
        p, eta, grad = new.inputs
        self.eq(self.name(new.name), [f"{self.name(p)} - {self.name(eta)} * {self.name(grad)}",
                                      f"{self.num(p, False)} - {self.num(eta)} * {self.num(grad)}",
                                      self.value(new)], of=new.name)
