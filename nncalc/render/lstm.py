"""An LSTM layer's part of a worked example: the cell's equations written out with numbers, the
gates and the cell per step, the backward pass through the cell and the gates, and the same as
derivation lines for `--explain`. render/steps.py and render/explain_time.py hand LSTM layers here;
everything is read off the trace (names: nncalc/layers/lstm.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..layers.lstm import GATES
from ..trace import Quantity, Trace
from .common import Symbols, Tab, fmt
from .steps import _at, _samples, path_parts, unit_steps, written_sum

if TYPE_CHECKING:
    from .explain_time import TimeExplainer

MAX_WRITTEN_LINES = 48      # the cell's equations written out up to this many lines (6 per unit and step)
LINE_WIDTH = 80             # and broken before an '=' past this width
_GATE_WORDS = {"i": "input gate", "f": "forget gate", "g": "cell candidate", "o": "output gate"}


def _layers(trace: Trace) -> list[tuple[int, object]]:
    return [(li, layer) for li, layer in enumerate(trace.problem.network.layers) if layer.kind == "lstm"]


def display(name: str, sym: Symbols) -> str:
    """An LSTM quantity's name as the derivation writes it: ∂E_total/∂cell.h1[1], ∂i.h1[1]/∂net_i.h1[1],
    tanh'(cell.h1[1]), δ_i.h1[1]; other names are the slides' (notation.slide_name)."""
    from ..notation import slide_name

    base, at, k = name.partition("@")
    suffix = f"@{k}" if at else ""
    d = sym.d
    if base.startswith("dE/d") and not base.startswith("dE/dout."):
        return f"{d}E_total/{d}{base[4:]}{suffix}"
    if base.startswith("dtanh.cell."):
        return f"tanh'(cell.{base[11:]}{suffix})"
    if base.startswith("dout/dcell."):
        return f"{d}out_{base[11:]}{suffix}/{d}cell.{base[11:]}{suffix}"
    for gate in GATES:
        if base.startswith(f"d{gate}/dnet."):
            unit = base[len(gate) + 7:]
            return f"{d}{gate}.{unit}{suffix}/{d}net_{gate}.{unit}{suffix}"
    return slide_name(name, sym)


# ---------------------------------------------------------------- tables

def cell_lines(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[str]:
    """h1[1]: i = σ(0.5·1 - 0.1·0 + 0.1·h1[0] + 0.1) = σ(0.51) = 0.62, ... c = f·c[0] + i·g = ...,
    h1[1] = o·tanh(c) = ...: every LSTM unit's step written out with its numbers (small problems)."""
    sym = Symbols.for_unicode(unicode)
    lines = []
    for k, t, layer, u in unit_steps(trace, _layers(trace), MAX_WRITTEN_LINES, per_unit=6):
        s = f"[{t}]{_at(trace, k)}"
        head = f"{u}{s}: "
        for gate in GATES:
            net = trace[f"net.{gate}.{u}{s}"]
            act = layer.activation_of("gate", net.index).fn.symbol_for(unicode)
            written = written_sum(trace, net, decimals, sym)
            lines.append(f"{head}{gate} = {act}({written}) = {act}({fmt(net.value, decimals)}) = "
                         f"{fmt(trace[f'{gate}.{u}{s}'].value, decimals)}")
            head = " " * len(head)
        c = trace[f"cell.{u}{s}"]
        f_, c0, i, g = (_factor(trace, x, decimals) for x in c.inputs)
        lines.append(f"{head}cell = f{sym.times}cell[{t - 1}] + i{sym.times}g = {f_}{sym.times}{c0} + "
                     f"{i}{sym.times}{g} = {fmt(c.value, decimals)}")
        o = fmt(trace[f"o.{u}{s}"].value, decimals)
        lines.append(f"{head}{u}{s} = o{sym.times}tanh(cell) = {o}{sym.times}tanh({fmt(c.value, decimals)}) = "
                     f"{fmt(trace[f'out.{u}{s}'].value, decimals)}")
    return [row for line in lines for row in _wrapped(line)]


def _wrapped(line: str) -> list[str]:
    """A long equation broken before an ' = ', continued under its first '='."""
    if len(line) <= LINE_WIDTH:
        return [line]
    indent = " " * (line.index("= ") if "= " in line else 0)
    parts = line.split(" = ")
    rows, row = [], parts[0]
    for part in parts[1:]:
        if len(row) + 3 + len(part) > LINE_WIDTH:
            rows.append(row)
            row = f"{indent}= {part}"
        else:
            row += f" = {part}"
    return rows + [row]


def _factor(trace: Trace, name: str, decimals: int) -> str:
    """A value in a product (given ones as written), negative ones in parentheses."""
    from .common import GIVEN_KINDS, fmt_given

    q = trace[name]
    text = fmt_given(q.value, decimals) if q.kind in GIVEN_KINDS else fmt(q.value, decimals)
    return f"({text})" if text.startswith("-") else text


def _sigma(unicode: bool) -> str:
    from ..ops import ACTIVATIONS

    return ACTIVATIONS["sigmoid"].symbol_for(unicode)


def gates_tab(trace: Trace, decimals: int = 9, unicode: bool = True) -> Tab:
    """Per LSTM unit and step: the four gates and the cell (the outputs are in the per-step table)."""
    many = trace.problem.n_samples > 1
    keys = 3 if many else 2
    table = Tab(f"LSTM cell, unit by unit and step by step (i, f, o = {_sigma(unicode)}(net); g = tanh(net); "
                "cell = f cell[t-1] + i g)",
                ["unit", *(["k"] if many else []), "t", *GATES, "cell"], numeric_from=keys, keys=keys)
    for _, layer in _layers(trace):
        for u in layer.units:
            for k, steps in _samples(trace):
                for t in steps:
                    s = f"[{t}]{_at(trace, k)}"
                    table.add(u, *([str(k)] if many else []), str(t),
                              *(fmt(trace[f"{q}.{u}{s}"].value, decimals) for q in (*GATES, "cell")))
            table.section()
    return table


def backward_tab(trace: Trace, decimals: int = 9, unicode: bool = True) -> Tab:
    """Per LSTM unit and step, backwards: dE/dout (from the layer above plus through step t+1),
    dE/dcell (through out plus through cell[t+1]) and the four gates' deltas."""
    sym = Symbols.for_unicode(unicode)
    d = sym.d
    table = Tab(f"Backward pass through the LSTM cell: {d}E/{d}cell[t] = {d}E/{d}out[t] o tanh'(cell[t]) + "
                f"{d}E/{d}cell[t+1] f[t+1]; {sym.delta}_q = {d}E/{d}q {d}q/{d}net_q for the gates q",
                ["unit", "above", "t+1", f"{d}E/{d}out", f"{d}E/{d}cell", *(f"{sym.delta}_{q}" for q in GATES)])
    for _, layer in reversed(_layers(trace)):
        for u in layer.units:
            for k, steps in _samples(trace):
                for t in reversed(steps):
                    s = f"[{t}]{_at(trace, k)}"
                    dE = trace[f"dE/dout.{u}{s}"]
                    above, later = path_parts(trace, dE.name)
                    table.add(f"{u}{s}", fmt(above, decimals), fmt(later, decimals),
                              fmt(dE.value, decimals), fmt(trace[f"dE/dcell.{u}{s}"].value, decimals),
                              *(fmt(trace[f"delta.{q}.{u}{s}"].value, decimals) for q in GATES))
            table.section()
    return table


# ---------------------------------------------------------------- the derivation

def matrix_line(li: int, u: int, fan_in: int, sym: Symbols) -> str:
    """An LSTM layer in the per-step matrix form (long sequences)."""
    o = sym.odot
    return (f"layer {li} (LSTM): net_q{li}[t] = W_q{li} a{li - 1}[t] + W_hq{li} h{li}[t-1] + b_q{li} for the gates "
            f"q = i, f, g, o (W_q{li}: {u}x{fan_in}, W_hq{li}: {u}x{u}); i, f, o = {_sigma(sym.unicode)}(net_q), "
            f"g = tanh(net_g); "
            f"cell{li}[t] = f {o} cell{li}[t-1] + i {o} g; out{li}[t] = o {o} tanh(cell{li}[t])")


def explain_forward(ex: "TimeExplainer", layer, k: int, t: int) -> None:
    """One LSTM layer at step t of sample k: per unit the four gates, the cell, the output."""
    if t == 1 and k == 1:
        ex.line(f"{', '.join(layer.units)} (LSTM): each gate q = i, f, g, o has net_q[t] = W_q x[t] + W_hq h[t-1] "
                f"+ b_q; i, f, o = {_sigma(ex.sym.unicode)}(net), g = tanh(net); cell[t] = f cell[t-1] + i g; "
                f"out[t] = o tanh(cell[t])", 2)
    for u in layer.units:
        for gate in GATES:
            ex.net_eq(ex.at(f"net.{gate}.{u}", k, t))
            _act_eq(ex, layer, ex.t[ex.at(f"{gate}.{u}", k, t)])
        _product_eq(ex, ex.t[ex.at(f"cell.{u}", k, t)], "the forget gate keeps part of the old cell, "
                                                       "the input gate adds part of the candidate")
        _act_eq(ex, layer, ex.t[ex.at(f"tanh.cell.{u}", k, t)])
        _product_eq(ex, ex.t[ex.at(f"out.{u}", k, t)])


def _act_eq(ex: "TimeExplainer", layer, q: Quantity) -> None:
    """gate = σ(net) = 1/(1 + e^-net) = numbers = value (or tanh)."""
    act = layer.activation_of(q.kind, q.index)
    q_net = ex.t[q.inputs[0]]
    net_name = _name(ex, q_net.name)
    formula, _ = ex.branch(act.fn.out_text, q_net)
    sym = ex.template(formula, net=net_name, out="", alpha="")
    num = ex.template(formula, net=ex.num(q_net.name, "({net})" not in formula), out="", alpha="")
    ex.eq(_name(ex, q.name), [f"{act.fn.symbol_for(ex.sym.unicode)}({net_name})", sym, num, ex.value(q)], of=q.name)


def _product_eq(ex: "TimeExplainer", q: Quantity, note: str | None = None, deeper: int = 0) -> None:
    """A 'prod' or 'sumprod' quantity: its names, its numbers, its value."""
    factors = [list(q.inputs)] if q.op == "prod" else [list(pair) for pair in zip(q.inputs[0::2], q.inputs[1::2])]
    names = " + ".join(" * ".join(_name(ex, f) for f in fs) for fs in factors)
    nums = ex.products(factors, numeric=True)
    ex.eq(_name(ex, q.name), [names, nums, ex.value(q)], note, deeper=deeper, of=q.name)


def _name(ex: "TimeExplainer", name: str) -> str:
    return display(name, ex.sym)


def explain_backward(ex: "TimeExplainer", li: int, u: str, k: int, t: int) -> None:
    """One LSTM unit at step t: dE/dout with its paths, then back through the cell and the gates."""
    t_ = ex.t
    dE = t_[ex.at(f"dE/dout.{u}", k, t)]
    _dE_dout(ex, dE)
    layer = ex.net.layers[li]
    at = lambda base, step=t: ex.at(f"{base}.{u}", k, step)  # noqa: E731
    _product_eq(ex, t_[at("dE/do")], "out = o tanh(cell)")
    _gate_delta(ex, layer, "o", at)
    ex.eq(_name(ex, at("dtanh.cell")), [f"1 - {_name(ex, at('tanh.cell'))}^2",
                                         f"1 - {ex.num(at('tanh.cell'))}^2", ex.value(t_[at("dtanh.cell")])],
          of=at("dtanh.cell"))
    _product_eq(ex, t_[at("dout/dcell")])
    dc = t_[at("dE/dcell")]
    paths = "through out at this step" + (" and through cell[t+1] (its forget gate)" if len(dc.inputs) > 2 else "")
    _product_eq(ex, dc, f"cell reaches E_total {paths}")
    for gate, why in (("i", "i g"), ("f", "f cell[t-1]"), ("g", "i g")):
        _product_eq(ex, t_[at(f"dE/d{gate}")], f"cell = f cell[t-1] + i g: the term {why}")
        _gate_delta(ex, layer, gate, at)


def _gate_delta(ex: "TimeExplainer", layer, gate: str, at) -> None:
    """dq/dnet (σ' or tanh' from the gate's value) and δ_q = dE/dq dq/dnet."""
    dq = ex.t[at(f"d{gate}/dnet")]
    act = layer.activation_of("dgate", dq.index)
    formula = act.fn.dout_text[0][2]
    out = at(gate)
    ex.eq(_name(ex, dq.name), [ex.template(formula, net="", out=_name(ex, out), alpha=""),
                               ex.template(formula, net="", out=ex.num(out), alpha=""), ex.value(dq)], of=dq.name)
    delta = ex.t[at(f"delta.{gate}")]
    _product_eq(ex, delta)


def _dE_dout(ex: "TimeExplainer", dE: Quantity) -> None:
    """dE/dout.U[t]: the sum of its paths, through the layer above at t and through every unit's four
    gates at t+1 (each a sum over the gates)."""
    shares = [ex.t[s] for s in dE.inputs]
    if not all(s.op == "sumprod" for s in shares if ex.t.through_next_step(s.name)) or not shares:
        ex.time_dE_dout(dE)
        return
    later = [s for s in shares if ex.t.through_next_step(s.name)]
    above = [s for s in shares if not ex.t.through_next_step(s.name)]
    if not later:
        ex.time_dE_dout(dE)
        return
    labels = [ex.share_label(s) for s in shares]
    paths = []
    if above:
        paths.append(f"from {', '.join(ex.via_name(s) for s in above)} at this step")
    paths.append(f"through the gates of {', '.join(ex.via_name(s) for s in later)} at the next")
    note = f"{ex.name(dE.name.replace('dE/dout.', 'out.', 1))} reaches E_total {' and '.join(paths)}"

    def parts(s: Quantity) -> list[str]:
        if s not in later:
            return ex.share_parts(s)
        pairs = [list(p) for p in zip(s.inputs[0::2], s.inputs[1::2])]
        return [ex.products(pairs, numeric=False), ex.products(pairs, numeric=True)]

    ex.paths_sum(dE, shares, labels, parts, note + ": the chain rule adds the paths")


def explain_parameter(ex: "TimeExplainer", prm) -> None:
    """grad.P of an LSTM parameter: the sum over steps (and samples) of δ_q[t] * dnet_q[t]/dP, then the update."""
    d = ex.sym.d
    g = ex.t[f"grad.{prm.name}"]
    layer = ex.net.layers[prm.layer]
    u_n = len(layer.units)
    gate, unit = GATES[prm.row // u_n], layer.units[prm.row % u_n]
    if prm.kind == "weight":
        pairs = list(zip(g.inputs[0::2], g.inputs[1::2]))
        sym = " + ".join(f"{_name(ex, dl)} * {_name(ex, ex.t[dn].inputs[0])}" for dl, dn in pairs)
        num = ex.products([[dl, dn] for dl, dn in pairs], numeric=True)
        note = f"{d}net_{gate}.{unit}[t]/{d}{prm.name} = {ex.reads(pairs[0][1])}"
    else:
        sym = ex.joined([_name(ex, x) for x in g.inputs], "+")
        num = ex.joined([ex.num(x, i > 0) for i, x in enumerate(g.inputs)], "+")
        note = f"{d}net_{gate}.{unit}[t]/{d}{prm.name} = 1 at every step"
    ex.eq(ex.name(g.name), [sym, num, ex.value(g)], note, of=g.name)
    ex.update_eq(prm.name)
