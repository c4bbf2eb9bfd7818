"""Backpropagation through time, written out as the AI-study deck (part 4) and the NNBasic deck's
chain rule would: the forward pass step by step (h_t = f(W x_t + W_h h_{t-1} + b)), the errors of the
targeted steps, then from the last step back to the first every δ[t] with its two paths (from the
layer above at step t, and through the unit's own next step t+1), and each shared weight's
gradient as the sum over steps. Past the size rule, the per-step matrix form.

Every line is read off the trace, as in render/explain.py, whose writing tools this reuses."""

from __future__ import annotations

import numpy as np

from ..ops import LOSSES
from ..trace import Quantity
from .common import DETAIL_MAX_PARAMS, DETAIL_MAX_VALUES, EXPLAIN_MAX_LINES, fmt, unit_values
from . import lstm
from .explain import _Explainer
from .matrix import total_lines, value_range


class TimeExplainer(_Explainer):
    """The derivation of a sequence problem (some layer recurrent)."""

    def sizes(self) -> tuple[int, int]:
        """(n, m) of the loss's divisor: each targeted (sample, step) counts as a sample."""
        return int(self.p.target_mask.sum()), len(self.net.outputs)

    def at(self, name: str, k: int, t: int | None = None) -> str:
        """name[t]@k: the unit's value at step t of sample k."""
        stepped = name if t is None else f"{name}[{t}]"
        return f"{stepped}@{k}" if self.p.n_samples > 1 else stepped

    def samples(self) -> list[tuple[int, range]]:
        return [(k + 1, range(1, int(n) + 1)) for k, n in enumerate(self.p.lengths)]

    # ------------------------------------------------------------ the derivation

    def too_large_text(self) -> str:
        return (f"Too long to explain unit by unit and step by step ({self.net.n_params:,} parameters, "
                f"{unit_values(self.t):,} unit values over the steps; the limit is {DETAIL_MAX_PARAMS} "
                f"parameters, {DETAIL_MAX_VALUES} unit values and about {EXPLAIN_MAX_LINES} lines), so "
                f"here is the per-step matrix form.")

    def matrix_form(self) -> list[str]:
        return step_matrix_lines(self, min(self.decimals, 6))

    def forward(self) -> None:
        states = [q for q in self.t.quantities.values() if q.kind == "state" and (q.sample or 1) == 1]
        for k, steps in self.samples():
            for t in steps:
                self.line()
                given = ", ".join(f"{self.name(self.at(i, k, t))} = {self.num(self.at(i, k, t), False)}"
                                  for i in self.net.inputs)
                of = f", sample {k} of {self.p.n_samples}" if self.p.n_samples > 1 else ""
                self.line(f"Forward pass, step {t}{of} ({given})")
                if t == 1 and states:
                    initial = ", ".join(f"{self.name(q.base)} = {self.num(q.name, False)}" for q in states)
                    self.line(f"h[0], the initial state: {initial}", 2)
                if t == 1 and k == 1:
                    for text in self.deck_lines():
                        self.line(text, 2)
                for layer in self.net.layers:
                    if layer.kind == "lstm":
                        lstm.explain_forward(self, layer, k, t)
                    else:
                        self.layer_eqs(layer, lambda name: self.at(name, k, t))

    def deck_lines(self) -> list[str]:
        """Each layer in the AI-study deck's notation (part 4), with its matrices' names:
        h_t = tanh(W_x x_t + W_h h_{t-1} + b), y_t = f(W_y h_t + b); the same weights at every step."""
        lines, below = [], "x"
        for li, layer in enumerate(self.net.layers):
            if layer.kind == "lstm":        # its gates and cell: render/lstm.explain_forward says them
                below = "h"
                continue
            f = layer.activation.fn.symbol_for(self.sym.unicode)
            v = "h" if layer.sequence else "y" if li == len(self.net.layers) - 1 else f"a{li + 1}"
            W = "W_x" if layer.sequence else "W_y" if v == "y" else f"W{li + 1}"
            rec = " + W_h h[t-1]" if layer.sequence else ""
            b = " + b" if layer.bias is not None else ""
            inside = f"{W} {below}[t]{rec}{b}"
            value = inside if layer.activation.fn.is_identity else f"{f}({inside})"
            units = "" if layer.units == (v,) else f"({', '.join(layer.units)})[t] = "
            text = f"{v}[t] = {units}{value}"
            names = [f"{W} = {_names(layer.weight_names)}"]
            if layer.sequence:
                names.append(f"W_h = {_names(layer.recurrent_weight_names)}")
            lines.append(f"{text}, with {' and '.join(names)} at every step")
            below = v
        return lines

    def errors(self) -> None:
        loss = LOSSES[self.p.loss]
        n, m = self.sizes()
        legend = loss.legend(n, m).replace("sample", "targeted step")
        self.line()
        self.line(f"Errors ({self.p.loss}: E_total = {loss.formula}, each targeted step counting as a sample"
                  f"{'; ' + legend if legend else ''})")
        for name in self.t["E.total"].inputs:
            self.error_eq(self.t[name])
        self.total_eq()

    # ------------------------------------------------------------ backward

    def backward(self) -> None:
        d = self.sym.d
        self.line()
        self.line("Backward pass through time (BPTT: the chain rule from the last step back to the first)")
        self.line(f"Each recurrent unit's out[t] reaches E_total along two paths: through the layer above at "
                  f"step t, and through its own layer's net[t+1] (W_h h[t]); {d}E_total/{d}out[t] adds "
                  f"them, so step t+1 is worked out before step t. In the deck's notation: "
                  f"{self.sym.delta}_h[t] = (W_above{self.sym.transpose} {self.sym.delta}_above[t] + "
                  f"W_h{self.sym.transpose} {self.sym.delta}_h[t+1]) {self.sym.odot} f'(net_h[t]), and "
                  f"{d}E_total/{d}W_h = {self.sym.sum}_t {self.sym.delta}_h[t] h[t-1]{self.sym.transpose}.", 2)
        self.indent = 4
        for k, steps in self.samples():
            for t in reversed(steps):
                self.line()
                of = f", sample {k} of {self.p.n_samples}" if self.p.n_samples > 1 else ""
                self.line(f"Step {t}{of}", 2)
                for li in range(len(self.net.layers) - 1, -1, -1):
                    for u in self.net.layers[li].units:
                        if self.at(f"delta.{u}", k, t) in self.t:
                            self.time_unit(li, u, k, t)
                        elif self.net.layers[li].kind == "lstm":
                            lstm.explain_backward(self, li, u, k, t)
        self.indent = 2
        self.line()
        self.line("Gradients: every weight is used at every step, so its gradient is the sum over the steps"
                  + (" and samples" if self.p.n_samples > 1 else "") + " of each step's part, and updates")
        for li in range(len(self.net.layers) - 1, -1, -1):
            for prm in (p for p in self.net.parameters() if p.layer == li):
                if self.net.layers[li].kind == "lstm":
                    lstm.explain_parameter(self, prm)
                else:
                    self.summed_parameter(prm)

    def time_unit(self, li: int, u: str, k: int, t: int) -> None:
        """One unit at one step: dE/dout (its paths), dout/dnet and delta."""
        self.unit_eqs(li, self.at(f"dE/dout.{u}", k, t), self.at(f"dout/dnet.{u}", k, t), self.at(f"delta.{u}", k, t))

    def dE_paths(self, li: int, dE: Quantity) -> None:
        self.time_dE_dout(dE)

    def time_dE_dout(self, dE: Quantity) -> None:
        """The sum of the paths: through the layer above at step t and through step t+1."""
        shares = [self.t[s] for s in dE.inputs]
        if not shares:
            self.eq(self.name(dE.name), ["0"], "nothing above it at this step and no later step: no path to E_total",
                    of=dE.name)
            return
        labels = [self.share_label(s) for s in shares]
        later = [s for s in shares if self.t.through_next_step(s.name)]
        above = [s for s in shares if not self.t.through_next_step(s.name)]
        paths = []
        if above:
            paths.append(f"from {', '.join(self.via_name(s) for s in above)} at this step")
        if later:
            paths.append(f"through {', '.join(self.via_name(s) for s in later)} at the next")
        out_u = self.name(dE.name.replace("dE/dout.", "out.", 1))
        note = f"{out_u} reaches E_total {' and '.join(paths)}"
        if len(shares) == 1:
            self.eq(self.name(dE.name), self.share_parts(shares[0]) + [self.value(dE)], note, of=dE.name)
            return
        self.paths_sum(dE, shares, labels, self.share_parts, note + ": the chain rule adds the paths")

    def via_name(self, s: Quantity) -> str:
        """The unit and step a share flows through: y[2], h1[3]; the error term for a loss share."""
        if s.op == "dloss":
            return f"E_{s.unit}[{s.step}]"
        return f"{s.via}[{s.step + 1 if self.t.through_next_step(s.name) else s.step}]"

    def share_label(self, s: Quantity) -> str:
        """'∂E_y[1]/∂out_y[1]' for the loss's own share of a recurrent output unit, '∂E_y[1]/∂out_h1[1]'
        for the path through an output unit's own error, else '∂E_total/∂out_h1[1] via h1[2]'."""
        if s.op == "dloss":
            d, suf = self.sym.d, self.suffix(s)
            return f"{d}E_{s.unit}[{s.step}]{suf}/{d}out_{s.unit}[{s.step}]{suf}"
        return super().share_label(s)

    def own_error(self, s: Quantity) -> bool:
        """As for a feed-forward pass, unless the output layer is itself recurrent (its error then
        also flows on through the next step)."""
        return super().own_error(s) and not self.net.layers[-1].sequence

    def unit_of(self, q: Quantity) -> str:
        return f"{q.unit}[{q.step}]"

    def share_parts(self, s: Quantity) -> list[str]:
        """A path: ∂E/∂net_V[t'] * ∂net_V[t']/∂out_U[t] = δ_V[t'] * w = numbers (t' = t or t+1); the
        loss's own share as the loss's derivative."""
        if s.op == "dloss":
            return self.loss_parts(LOSSES[self.p.loss].dterm_text, s)
        return super().share_parts(s)

    def reads(self, dnet: str) -> str:
        """What a weight multiplies, dnet[t]/dw, at any step: out_V[t-1] (the layer's own state one step
        before: W_h) or x[t], out_V[t] (the inputs or the layer below at the same step: W)."""
        q = self.t[dnet]
        source = self.t[q.inputs[0]]
        if source.layer == q.layer and source.kind in ("out", "state"):
            return f"out_{source.unit}[t-1]"
        return self.name(source.base).rsplit("[", 1)[0] + "[t]"

    def summed_parameter(self, prm) -> None:
        """grad.P = the sum over steps (and samples) of delta[t] * dnet[t]/dP, then the update."""
        d = self.sym.d
        g = self.t[f"grad.{prm.name}"]
        lhs = self.name(g.name)
        layer = self.net.layers[prm.layer]
        if prm.kind == "weight":
            pairs = list(zip(g.inputs[0::2], g.inputs[1::2]))       # (delta.U[t]@k, dnet.U[t]@k/dP)
            sym = self.products([[dl, self.t[dn].inputs[0]] for dl, dn in pairs], numeric=False)
            num = self.products([[dl, dn] for dl, dn in pairs], numeric=True)
            note = f"{d}net_{layer.units[prm.row]}[t]/{d}{prm.name} = {self.reads(pairs[0][1])}"
        else:
            sym, num = self.summed(g.inputs)
            if prm.row is None:
                note = (f"{prm.name} is shared by {', '.join(layer.units)}: {d}net/{d}{prm.name} = 1 for each, at "
                        f"every step")
            else:
                note = f"{d}net_{layer.units[prm.row]}[t]/{d}{prm.name} = 1 at every step"
        self.eq(lhs, [sym, num, self.value(g)], note, of=g.name)
        self.update_eq(prm.name)


def _names(rows: tuple[tuple[str, ...], ...]) -> str:
    """[[wx1, wx2], [wx3, wx4]], or its shape past 3 x 3."""
    if len(rows) > 3 or len(rows[0]) > 3:
        return f"({len(rows)} x {len(rows[0])}: {rows[0][0]} ... {rows[-1][-1]})"
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"


def step_matrix_lines(ex: TimeExplainer, decimals: int) -> list[str]:
    """The per-step matrix form: per layer and step the shapes of net[t] = W x[t] + W_h h[t-1] + b
    and the range of out[t]; backwards, |δ[t]| per step; each gradient as a sum over steps."""
    t, p, sym = ex.t, ex.p, ex.sym
    net, fwd = p.network, t.fwd
    T = p.n_steps
    lines = [f"Matrix form, one column per sample ({p.n_samples}); T = {T} steps; sums over samples are implied."]
    fan_in = len(net.inputs)
    for li, layer in enumerate(net.layers, start=1):
        u = len(layer.units)
        f = layer.activation.fn.symbol_for(sym.unicode)
        rec = f" + W_h{li} h{li}[t-1]   (W_h{li}: {u}x{u})" if layer.sequence else ""
        if layer.kind == "lstm":
            lines.append(lstm.matrix_line(li, u, fan_in, sym))
        else:
            lines.append(f"layer {li}: net{li}[t] = W{li} a{li - 1}[t]{rec} + b{li}   (W{li}: {u}x{fan_in});   "
                         f"out{li}[t] = {f}(net{li}[t])")
        out = fwd.outs[li]
        for step in range(T):
            lines.append(f"  t = {step + 1}: out{li}[{step + 1}] {value_range(out[:, step], decimals)}")
        fan_in = u
    lines += total_lines(t, decimals)
    if not t.has_backward:
        return lines
    bwd = t.bwd
    lines.append(f"Backward through time ({sym.odot} multiplies elementwise): a recurrent layer's "
                 f"{sym.delta}[t] = ({sym.delta}_above[t] W_above + {sym.delta}[t+1] W_h) {sym.odot} f'(net[t])")
    for li in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[li]
        for step in range(T - 1, -1, -1):
            lines.append(f"  layer {li + 1}, t = {step + 1}: |{sym.delta}{li + 1}[{step + 1}]| = "
                         f"{fmt(float(np.linalg.norm(bwd.delta[li][:, step])), decimals)}")
        for prm, grad in zip(layer.parameters(), bwd.grads[li]):
            over = {"weights": f"{sym.sum}_t {sym.delta}[t]{sym.transpose} a[t]",
                    "recurrent_weights": f"{sym.sum}_t {sym.delta}[t]{sym.transpose} h[t-1]",
                    "bias": f"{sym.sum}_t {sym.delta}[t]"}.get(prm.name, f"{sym.sum}_t ...")
            lines.append(f"  layer {li + 1}: grad {prm.name} = {over}: |grad| = "
                         f"{fmt(float(np.linalg.norm(grad)), decimals)}")
    return lines
