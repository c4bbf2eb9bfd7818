"""Rich tables of a trace: forward pass, errors, backward pass (chain-rule factors, gradients,
updated weights). Each function returns renderables; the CLI prints them."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..trace import Trace
from .common import Symbols, fmt, too_large

MAX_WRITTEN_TERMS = 3      # write a net's sum out term by term up to this many inputs
MAX_ROW_UNITS = 6          # per-sample rows show every unit's out up to this many units


def _table(title: str, *columns: str, numeric_from: int = 1) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold",
                  pad_edge=False)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i >= numeric_from else "left", no_wrap=i >= numeric_from)
    return table


def _suffix(trace: Trace, k: int) -> str:
    return f"@{k}" if trace.problem.n_samples > 1 else ""


def _written_sum(trace: Trace, name: str, decimals: int, sym: Symbols) -> str:
    """'0.04·0.1 + 0.12·0.5 + 0.4' for a net with few inputs; '' when too long to be useful."""
    q = trace[name]
    v = lambda n: fmt(trace[n].value, min(decimals, 9)).rstrip("0").rstrip(".") or "0"
    pairs = list(zip(q.inputs[0::2], q.inputs[1::2]))
    if len(pairs) > MAX_WRITTEN_TERMS:
        return ""
    terms = [f"{v(w)}{sym.times}{v(a)}" for w, a in pairs]
    if len(q.inputs) % 2:
        terms.append(v(q.inputs[-1]))
    return " + ".join(terms).replace("+ -", "- ")


def forward_tables(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[RenderableType]:
    """The forward pass: unit by unit for one sample, one row per sample for several."""
    if too_large(trace):
        from .matrix import layer_summary
        return [layer_summary(trace, decimals)]
    p, net, sym = trace.problem, trace.problem.network, Symbols.for_unicode(unicode)
    if p.n_samples == 1:
        table = _table("Forward pass", "unit", f"net = {sym.sum} w{sym.times}in + b", "net", "out", numeric_from=2)
        for li, layer in enumerate(net.layers):
            for u in layer.units:
                table.add_row(u, _written_sum(trace, f"net.{u}", decimals, sym),
                              fmt(trace[f"net.{u}"].value, decimals), fmt(trace[f"out.{u}"].value, decimals),
                              end_section=u == layer.units[-1] and li < len(net.layers) - 1)
        inputs = ", ".join(f"{i} = {fmt(trace[i].value, decimals)}" for i in net.inputs)
        return [Text(f"inputs: {inputs}"), table]
    units = [u for layer in net.layers for u in layer.units]
    shown = units if len(units) <= MAX_ROW_UNITS else list(net.outputs)
    has_t = p.targets is not None
    cols = ["k", *net.inputs, *(f"out.{u}" for u in shown), *(f"target.{o}" for o in net.outputs if has_t)]
    table = _table("Forward pass, one row per sample", *cols)
    for k in range(1, p.n_samples + 1):
        row = [str(k)] + [fmt(trace[f"{i}@{k}"].value, decimals) for i in net.inputs]
        row += [fmt(trace[f"out.{u}@{k}"].value, decimals) for u in shown]
        if has_t:
            row += [fmt(trace[f"target.{o}@{k}"].value, decimals) for o in net.outputs]
        table.add_row(*row)
    return [table]


def error_table(trace: Trace, decimals: int = 9) -> Table:
    """E_o per output (and sample) and E_total."""
    p = trace.problem
    many = p.n_samples > 1
    from ..functions import LOSSES
    table = _table(f"Errors ({p.loss}: E = {LOSSES[p.loss].formula})",
                   "output", *(["k"] if many else []), "target", "out", "E", numeric_from=1)
    for k in range(1, p.n_samples + 1):
        s = _suffix(trace, k)
        for o in p.network.outputs:
            table.add_row(o, *([str(k)] if many else []), fmt(trace[f"target.{o}{s}"].value, decimals),
                          fmt(trace[f"out.{o}{s}"].value, decimals), fmt(trace[f"E.{o}{s}"].value, decimals))
    table.add_section()
    table.add_row("E_total", *([""] if many else []), "", "", fmt(trace["E.total"].value, decimals))
    return table


def backward_tables(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[RenderableType]:
    """Per unit: dE/dout, dout/dnet, delta; per parameter: the chain-rule factors, gradient, new value."""
    if too_large(trace):
        from .matrix import gradient_summary
        return [gradient_summary(trace, decimals)]
    p, net, sym = trace.problem, trace.problem.network, Symbols.for_unicode(unicode)
    d = sym.d
    many = p.n_samples > 1
    units = _table("Backward pass, per unit", "unit", *(["k"] if many else []),
                   f"{d}E/{d}out", f"{d}out/{d}net", f"δ = {d}E/{d}net" if unicode else "delta = dE/dnet")
    for li in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[li]
        for u in layer.units:
            for k in range(1, p.n_samples + 1):
                s = _suffix(trace, k)
                dact = trace.quantities.get(f"dout/dnet.{u}{s}")
                units.add_row(u, *([str(k)] if many else []), fmt(trace[f"dE/dout.{u}{s}"].value, decimals),
                              fmt(dact.value, decimals) if dact else "—",
                              fmt(trace[f"delta.{u}{s}"].value, decimals))
        if li:
            units.add_section()

    eta = fmt(p.learning_rate, decimals).rstrip("0").rstrip(".")
    new_col = f"new = p - {eta}{sym.times}grad"
    if many:
        params = _table(f"Gradients over {p.n_samples} samples, and one gradient-descent step",
                        "parameter", "from", "value", f"{d}E/{d}p", new_col)
    else:
        params = _table("Gradients (chain rule) and one gradient-descent step",
                        "parameter", "from", f"{d}E/{d}out", f"{d}out/{d}net", f"{d}net/{d}p", f"{d}E/{d}p", new_col)
    for li in range(len(net.layers) - 1, -1, -1):
        for prm in (q for q in trace.of_kind("param") if q.layer == li):
            params.add_row(*_param_row(trace, prm.name, many, decimals))
        if li:
            params.add_section()
    return [units, params]


def _param_row(trace: Trace, name: str, many: bool, decimals: int) -> list[str]:
    grad = trace[f"grad.{name}"]
    net = trace.problem.network
    prm = next(p for p in net.parameters() if p.name == name)
    layer = net.layers[prm.layer]
    below = net.inputs if prm.layer == 0 else net.layers[prm.layer - 1].units
    if prm.kind == "weight":
        origin = f"{below[prm.col]}→{layer.units[prm.row]}"
    else:
        origin = "bias " + (", ".join(layer.units) if prm.row is None else layer.units[prm.row])
    row = [name, origin]
    if many:
        row.append(fmt(trace[name].value, decimals))
    elif prm.kind == "weight":
        u = layer.units[prm.row]
        dact = trace.quantities.get(f"dout/dnet.{u}")
        row += [fmt(trace[f"dE/dout.{u}"].value, decimals), fmt(dact.value, decimals) if dact else "—",
                fmt(trace[f"dnet.{u}/d{name}"].value, decimals)]
    elif prm.row is None:
        row += ["Σ δ", "", "1"]
    else:
        u = layer.units[prm.row]
        dact = trace.quantities.get(f"dout/dnet.{u}")
        row += [fmt(trace[f"dE/dout.{u}"].value, decimals), fmt(dact.value, decimals) if dact else "—", "1"]
    row += [fmt(grad.value, decimals), fmt(trace[f"new.{name}"].value, decimals)]
    return row


def backprop_view(trace: Trace, decimals: int = 9, unicode: bool = True) -> Group:
    """Everything `nncalc backprop` shows as tables."""
    parts: list[RenderableType] = [_header(trace)]
    parts += forward_tables(trace, decimals, unicode)
    if trace.problem.targets is not None:
        parts.append(error_table(trace, decimals))
    if trace.has_backward:
        parts += backward_tables(trace, decimals, unicode)
    return Group(*parts)


def forward_view(trace: Trace, decimals: int = 9, unicode: bool = True) -> Group:
    """Everything `nncalc forward` shows."""
    parts: list[RenderableType] = [_header(trace)]
    parts += forward_tables(trace, decimals, unicode)
    if trace.problem.targets is not None and not too_large(trace):
        parts.append(error_table(trace, decimals))
    return Group(*parts)


def _header(trace: Trace) -> Text:
    p = trace.problem
    shape = "-".join(str(n) for n in [len(p.network.inputs)] + [len(l.units) for l in p.network.layers])
    acts = ", ".join(dict.fromkeys(l.activation.describe() for l in p.network.layers))
    text = Text(p.name, style="bold")
    text.append(f"\n{shape} network ({acts}), loss {p.loss}, learning rate {p.learning_rate:g}, "
                f"{p.n_samples} sample{'s' if p.n_samples != 1 else ''}", style="dim")
    return text
