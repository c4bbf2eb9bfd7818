"""The worked example as tables: forward pass, errors, backward pass per unit, and per parameter
the gradient and its gradient-descent step.

Tables are built once as plain `Tab`s (render/common.py); Rich draws them for the terminal and
render/markdown.py as pipe tables. A table too wide for the terminal is split into several with
the row names repeated, so a number is never cut.
"""

from __future__ import annotations

from ..ops import LOSSES, fused_delta
from ..trace import Trace
from .common import (GIVEN_KINDS, Symbols, Tab, fmt, fmt_given, fmt_short, header_lines, rich_table,
                     source_line, too_large)

MAX_WRITTEN_TERMS = 3      # write a net's sum out term by term up to this many inputs


def _suffix(trace: Trace, k: int) -> str:
    return f"@{k}" if trace.problem.n_samples > 1 else ""


def _written_sum(trace: Trace, name: str, decimals: int, sym: Symbols) -> str:
    """'0.04·0.1 + 0.12·0.5 + 0.4' for a net with few inputs; '' when too long to be useful."""
    q = trace[name]
    pairs = list(zip(q.inputs[0::2], q.inputs[1::2]))
    if len(pairs) > MAX_WRITTEN_TERMS:
        return ""
    def v(n: str) -> str:
        q = trace[n]
        return (fmt_given if q.kind in GIVEN_KINDS else fmt_short)(q.value, decimals)

    terms = [f"{v(w)}{sym.times}{v(a)}" for w, a in pairs]
    if len(q.inputs) % 2:
        terms.append(v(q.inputs[-1]))
    return " + ".join(terms).replace("+ -", "- ")


def forward_tabs(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[Tab | str]:
    """The forward pass: unit by unit for one sample; for several, one row per sample (inputs,
    outputs, targets) and then every unit's net and out per sample."""
    if too_large(trace):
        from .matrix import layer_tab
        return [layer_tab(trace, decimals)]
    p, net, sym = trace.problem, trace.problem.network, Symbols.for_unicode(unicode)
    if p.n_samples == 1:
        table = Tab("Forward pass", ["unit", f"net = {sym.sum} w{sym.times}in + b", "net", "out"],
                    numeric_from=2)
        for layer in net.layers:
            for u in layer.units:
                table.add(u, _written_sum(trace, f"net.{u}", decimals, sym),
                          fmt(trace[f"net.{u}"].value, decimals), fmt(trace[f"out.{u}"].value, decimals))
            table.section()
        inputs = ", ".join(f"{i} = {fmt_given(trace[i].value, decimals)}" for i in net.inputs)
        return [f"inputs: {inputs}", table]
    has_t = p.targets is not None
    cols = ["k", *net.inputs, *(f"out.{o}" for o in net.outputs), *(f"target.{o}" for o in net.outputs if has_t)]
    samples = Tab("Forward pass, one row per sample", cols)
    for k in range(1, p.n_samples + 1):
        row = [str(k)] + [fmt_given(trace[f"{i}@{k}"].value, decimals) for i in net.inputs]
        row += [fmt(trace[f"out.{o}@{k}"].value, decimals) for o in net.outputs]
        if has_t:
            row += [fmt_given(trace[f"target.{o}@{k}"].value, decimals) for o in net.outputs]
        samples.add(*row)
    units = Tab("Forward pass, unit by unit", ["unit", "k", "net", "out"], numeric_from=2, keys=2)
    for layer in net.layers:
        for u in layer.units:
            for k in range(1, p.n_samples + 1):
                units.add(u, str(k), fmt(trace[f"net.{u}@{k}"].value, decimals),
                          fmt(trace[f"out.{u}@{k}"].value, decimals))
        units.section()
    return [samples, units]


def error_tab(trace: Trace, decimals: int = 9) -> Tab:
    """E_o per output (and sample) and E_total."""
    p = trace.problem
    many = p.n_samples > 1
    table = Tab(f"Errors ({p.loss}: E_total = {LOSSES[p.loss].formula})",
                ["output", *(["k"] if many else []), "target", "out", "E"],
                numeric_from=2 if many else 1, keys=2 if many else 1)
    for o in p.network.outputs:
        for k in range(1, p.n_samples + 1):
            s = _suffix(trace, k)
            table.add(o, *([str(k)] if many else []), fmt_given(trace[f"target.{o}{s}"].value, decimals),
                      fmt(trace[f"out.{o}{s}"].value, decimals), fmt(trace[f"E.{o}{s}"].value, decimals))
    table.section()
    table.add("E_total", *([""] if many else []), "", "", fmt(trace["E.total"].value, decimals))
    return table


def unit_tab(trace: Trace, decimals: int = 9, unicode: bool = True) -> Tab:
    """Per unit (and sample): dE/dout, dout/dnet and delta = dE/dnet, from the output layer down."""
    p, net, sym = trace.problem, trace.problem.network, Symbols.for_unicode(unicode)
    d, many = sym.d, p.n_samples > 1
    title = f"Backward pass, per unit: {sym.delta} = {d}E/{d}net = {d}E/{d}out {sym.times} {d}out/{d}net"
    last = net.layers[-1]
    fused = fused_delta(last.activation.name, p.loss)
    if fused is not None:       # the closed form the engine computes, as it computes it
        loss = LOSSES[p.loss]
        legend = loss.legend(*p.targets.shape)
        title += (f" ({', '.join(last.units)}: {sym.delta} = {loss.fused_row(fused, p.targets, sym.sum)}"
                  f"{', ' + legend if legend else ''}; see --explain)")
    table = Tab(title, ["unit", *(["k"] if many else []), f"{d}E/{d}out", f"{d}out/{d}net",
                        f"{sym.delta} = {d}E/{d}net"], numeric_from=2 if many else 1, keys=2 if many else 1)
    for layer in reversed(net.layers):
        for u in layer.units:
            for k in range(1, p.n_samples + 1):
                s = _suffix(trace, k)
                dact = trace.quantities.get(f"dout/dnet.{u}{s}")
                table.add(u, *([str(k)] if many else []), fmt(trace[f"dE/dout.{u}{s}"].value, decimals),
                          fmt(dact.value, decimals) if dact else "—", fmt(trace[f"delta.{u}{s}"].value, decimals))
        table.section()
    return table


def _dnet_text(trace: Trace, dnet, decimals: int) -> str:
    """dnet/dw is the value the weight multiplies: an input is shown as given, an out as computed."""
    below = trace[dnet.inputs[0]]
    return fmt_given(below.value, decimals) if below.kind == "input" else fmt(dnet.value, decimals)


def param_tab(trace: Trace, decimals: int = 9, unicode: bool = True) -> Tab:
    """Per parameter: where it sits, its value, dnet/dp (one sample), the gradient, the new value."""
    p, net, sym = trace.problem, trace.problem.network, Symbols.for_unicode(unicode)
    sequence = p.lengths is not None
    d, many = sym.d, p.n_samples > 1 or sequence
    step = f"new p = p - {p.learning_rate:g}{sym.times}{d}E/{d}p"
    if sequence:
        over = "steps" + (f" and the {p.n_samples} samples" if p.n_samples > 1 else "")
        table = Tab(f"Gradients summed over the {over} (the same weights at every step); {step}",
                    ["parameter", "from", "p", f"{d}E/{d}p", "new p"], numeric_from=2)
    elif many:
        table = Tab(f"Gradients summed over the {p.n_samples} samples; {step}",
                    ["parameter", "from", "p", f"{d}E/{d}p", "new p"], numeric_from=2)
    else:
        grad = f"{d}E/{d}p = {sym.delta}{sym.times}{d}net/{d}p (shared bias: {sym.sum} {sym.delta})"
        table = Tab(f"Gradients {grad}; {step}",
                    ["parameter", "from", "p", f"{d}net/{d}p", f"{d}E/{d}p", "new p"], numeric_from=2)
    params = list(net.parameters())
    for li in range(len(net.layers) - 1, -1, -1):
        for prm in (q for q in params if q.layer == li):
            grad = trace[f"grad.{prm.name}"]
            if prm.kind == "weight":        # grad.w = sum of delta.U * dnet.U/dw; dnet.U/dw is the value w multiplies
                dnet = trace[grad.inputs[1]]
                source = trace[dnet.inputs[0]]
                recurrent = source.layer == dnet.layer and source.kind in ("out", "state")
                origin = f"{source.unit}{'(t-1)' if recurrent else ''}{sym.to}{dnet.unit}"
            else:                           # grad.b = the sum of the deltas of the units it feeds
                origin = "bias " + ", ".join(dict.fromkeys(trace[x].unit for x in grad.inputs))
                dnet = None
            row = [prm.name, origin, fmt_given(trace[prm.name].value, decimals)]
            if not many:
                row.append(_dnet_text(trace, dnet, decimals) if dnet else "1")
            row += [fmt(trace[f"grad.{prm.name}"].value, decimals), fmt(trace[f"new.{prm.name}"].value, decimals)]
            table.add(*row)
        table.section()
    return table


def backward_tabs(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[Tab]:
    """The backward pass: per unit, then per parameter; the matrix form when too large."""
    if too_large(trace):
        from .matrix import gradient_tab
        return [gradient_tab(trace, decimals, unicode)]
    return [unit_tab(trace, decimals, unicode), param_tab(trace, decimals, unicode)]


def tabs(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[Tab | str]:
    """Everything the tables show, in reading order: text lines and tables."""
    from ..graph import is_graph

    if is_graph(trace):
        from ..graph.render import tabs as graph_tabs

        return graph_tabs(trace, decimals, unicode)
    if trace.problem.is_sequence:
        from . import steps

        forward, errors, backward = steps.forward_tabs, steps.error_tab, steps.backward_tabs
    else:
        forward, errors, backward = forward_tabs, error_tab, backward_tabs
    parts: list[Tab | str] = list(forward(trace, decimals, unicode))
    if trace.problem.targets is not None and not too_large(trace):
        parts.append(errors(trace, decimals))
    elif trace.problem.targets is not None:
        parts.append(f"E_total = {fmt(trace['E.total'].value, decimals)}")
    if trace.has_backward:
        parts += backward(trace, decimals, unicode)
    return parts


def view(trace: Trace, decimals: int = 9, unicode: bool = True, width: int | None = 80):
    """Everything `forward` and `backprop` show as tables (a Rich Group), each fitting in `width`;
    the backward tables appear when the trace has a backward pass."""
    from rich.console import Group
    from rich.text import Text

    name, about = header_lines(trace)
    cited = source_line(trace.problem)
    out = [Text(name, style="bold")] + ([Text(cited, style="dim")] if cited else []) + [Text(about, style="dim")]
    for part in tabs(trace, decimals, unicode):
        if isinstance(part, str):
            out.append(Text(part))
        else:
            for t in part.split(width):
                out += [Text(""), Text(t.title, style="bold"), rich_table(t)]
    return Group(*out)
