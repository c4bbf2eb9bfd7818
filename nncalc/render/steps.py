"""The worked example of a sequence problem (a recurrent layer) as tables, step by step: the
recurrence written out with numbers, the forward pass one row per step, the errors of the targeted
steps, the backward pass through time per unit and step, and per parameter the gradient summed
over steps (and samples). render/table.py hands sequence traces here; it reads the trace only."""

from __future__ import annotations

import numpy as np

from ..ops import LOSSES
from ..trace import Trace
from .common import GIVEN_KINDS, Symbols, Tab, fmt, fmt_given, fmt_short, too_large

MAX_WRITTEN = 8            # write a recurrent net out term by term up to this many products
MAX_WRITTEN_LINES = 40     # and up to this many units x steps
MAX_ROW_UNITS = 6          # one column per unit in the per-step table up to this many units
LINE = 80                  # a written recurrence longer than this puts its result on a line of its own


def _at(trace: Trace, k: int) -> str:
    return f"@{k}" if trace.problem.n_samples > 1 else ""


def _samples(trace: Trace) -> list[tuple[int, range]]:
    """Each sample's number (1-based) with its own steps 1..T_k."""
    return [(k + 1, range(1, int(n) + 1)) for k, n in enumerate(trace.problem.lengths)]


def _value(trace: Trace, name: str, decimals: int) -> str:
    q = trace[name]
    return (fmt_given if q.kind in GIVEN_KINDS else fmt_short)(q.value, decimals)


def recurrence_lines(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[str]:
    """h1[2] = tanh(0.5·0.5 - 0.1·2 + 0.1·h1[1] + 0.0·h2[1] + 0) = tanh(0.096211716) = 0.095915938:
    every net of a recurrent layer with its given numbers, and the states it reads by name (past
    LINE characters, the result on a second line)."""
    p, sym = trace.problem, Symbols.for_unicode(unicode)
    layers = [(li, layer) for li, layer in enumerate(p.network.layers) if layer.sequence and layer.kind != "lstm"]
    width = max((len(layer.units) for _, layer in layers), default=0)
    lines = []
    for k, t, layer, u in unit_steps(trace, layers, MAX_WRITTEN_LINES):
        net = trace[f"net.{u}[{t}]{_at(trace, k)}"]
        pairs = list(zip(net.inputs[0::2], net.inputs[1::2]))
        if len(pairs) > MAX_WRITTEN or width > MAX_WRITTEN:
            return []
        written = written_sum(trace, net, decimals, sym)
        out = trace[f"out.{u}[{t}]{_at(trace, k)}"]
        act = layer.activation.name
        head = f"{u}[{t}]{_at(trace, k)} = {act}({written})"
        tail = f"{act}({fmt(net.value, decimals)}) = {fmt(out.value, decimals)}"
        if len(head) + len(tail) + 3 <= LINE:
            lines.append(f"{head} = {tail}")
        else:       # the result under the sum, aligned on its '=' (one entry: Markdown keeps one paragraph)
            lines.append(f"{head}\n{' ' * head.index('=')}= {tail}")
    return lines


def unit_steps(trace: Trace, layers: list, most: int, per_unit: int = 1):
    """(sample, step, layer, unit) in the order a worked example writes them out, for these
    (index, layer) pairs; nothing when that would take more than `most` lines (per_unit each)."""
    steps = sum(len(s) for _, s in _samples(trace))
    if not layers or per_unit * sum(len(layer.units) for _, layer in layers) * steps > most:
        return
    for k, steps_k in _samples(trace):
        for t in steps_k:
            for _, layer in layers:
                for u in layer.units:
                    yield k, t, layer, u


def written_sum(trace: Trace, net, decimals: int, sym: Symbols) -> str:
    """A net input's sum of products with its given numbers: 0.5·1 - 0.1·0 + 0.1·h1[0] + 0."""
    terms = [f"{_value(trace, w, decimals)}{sym.times}{_operand(trace, a, decimals)}"
             for w, a in zip(net.inputs[0::2], net.inputs[1::2])]
    if len(net.inputs) % 2:
        terms.append(_value(trace, net.inputs[-1], decimals))
    return " + ".join(terms).replace("+ -", "- ")


def _operand(trace: Trace, name: str, decimals: int) -> str:
    """A given input as its number, a state h[t-1] by its name (its value is in the line above)."""
    q = trace[name]
    if q.kind == "out" or (q.kind == "state" and q.value != 0):
        return name.removeprefix("out.")
    return _value(trace, name, decimals)


def forward_tabs(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[Tab | str]:
    """The recurrence written out, then one row per step (inputs, the units' outs, targets), then
    every unit's net and out per step."""
    p, net = trace.problem, trace.problem.network
    many = p.n_samples > 1
    if too_large(trace):
        return [_output_rows(trace, decimals, net.outputs)]
    parts: list[Tab | str] = []
    h0 = [f"{q.name} = {fmt_given(q.value, decimals)}" for q in trace.quantities.values()
          if q.kind == "state" and (q.sample or 1) == 1]
    if h0:
        parts.append("initial state: " + ", ".join(h0) + (" (every sample)" if many else ""))
    from . import lstm

    parts += recurrence_lines(trace, decimals, unicode) + lstm.cell_lines(trace, decimals, unicode)
    shown = [u for layer in net.layers for u in layer.units]
    parts.append(_output_rows(trace, decimals, shown if len(shown) <= MAX_ROW_UNITS else net.outputs))
    units = Tab("Forward pass, unit by unit and step by step", ["unit", *(["k"] if many else []), "t", "net", "out"],
                numeric_from=3 if many else 2, keys=3 if many else 2)
    for layer in (layer for layer in net.layers if layer.kind != "lstm"):
        for u in layer.units:
            for k, steps in _samples(trace):
                for t in steps:
                    s = f"[{t}]{_at(trace, k)}"
                    units.add(u, *([str(k)] if many else []), str(t), fmt(trace[f"net.{u}{s}"].value, decimals),
                              fmt(trace[f"out.{u}{s}"].value, decimals))
        units.section()
    if any(layer.kind == "lstm" for layer in net.layers):
        parts.append(lstm.gates_tab(trace, decimals, unicode))
    return parts + [units]


def _output_rows(trace: Trace, decimals: int, units) -> Tab:
    """One row per (sample,) step: the inputs, these units' outs, the targets ('—' where none)."""
    p, net = trace.problem, trace.problem.network
    many, has_t = p.n_samples > 1, p.targets is not None
    cols = [*(["k"] if many else []), "t", *net.inputs, *(f"out.{u}" for u in units),
            *(f"target.{o}" for o in net.outputs if has_t)]
    table = Tab("Forward pass, one row per step", cols, numeric_from=0, keys=2 if many else 1)
    for k, steps in _samples(trace):
        for t in steps:
            s = f"[{t}]{_at(trace, k)}"
            row = [*([str(k)] if many else []), str(t)]
            row += [fmt_given(trace[f"{i}{s}"].value, decimals) for i in net.inputs]
            row += [fmt(trace[f"out.{u}{s}"].value, decimals) for u in units]
            if has_t:
                row += [fmt_given(trace[f"target.{o}{s}"].value, decimals) if f"target.{o}{s}" in trace else "—"
                        for o in net.outputs]
            table.add(*row)
        table.section()
    return table


def error_tab(trace: Trace, decimals: int = 9) -> Tab:
    """E per output and targeted step (and sample), and E_total."""
    p = trace.problem
    many = p.n_samples > 1
    keys = 3 if many else 2
    pairs = int(p.target_mask.sum())
    table = Tab(f"Errors ({p.loss}: E_total = {LOSSES[p.loss].formula}, over the {pairs} targeted step"
                f"{'s' if pairs != 1 else ''})", ["output", *(["k"] if many else []), "t", "target", "out", "E"],
                numeric_from=keys, keys=keys)
    for o in p.network.outputs:
        for k, steps in _samples(trace):
            for t in steps:
                s = f"[{t}]{_at(trace, k)}"
                if f"E.{o}{s}" in trace:
                    table.add(o, *([str(k)] if many else []), str(t), fmt_given(trace[f"target.{o}{s}"].value, decimals),
                              fmt(trace[f"out.{o}{s}"].value, decimals), fmt(trace[f"E.{o}{s}"].value, decimals))
    table.section()
    table.add("E_total", *([""] if many else []), "", "", "", fmt(trace["E.total"].value, decimals))
    return table


def unit_tab(trace: Trace, decimals: int = 9, unicode: bool = True) -> Tab:
    """Per unit and step, backwards: dE/dout (a recurrent unit's: from the layer above plus through
    its next step), dout/dnet and delta."""
    p, net, sym = trace.problem, trace.problem.network, Symbols.for_unicode(unicode)
    d = sym.d
    table = Tab(f"Backward pass through time, per unit: {sym.delta}[t] = {d}E/{d}out[t] {sym.times} {d}out/{d}net[t]; "
                f"a recurrent unit's {d}E/{d}out[t] = (from the layer above at t) + (through step t+1)",
                ["unit", "above", "t+1", f"{d}E/{d}out", f"{d}out/{d}net", f"{sym.delta} = {d}E/{d}net"])
    for layer in reversed(net.layers):
        for u in layer.units:
            for k, steps in _samples(trace):
                for t in reversed(steps):
                    s = f"[{t}]{_at(trace, k)}"
                    if f"delta.{u}{s}" not in trace:
                        continue
                    dE = trace[f"dE/dout.{u}{s}"]
                    above, later = path_parts(trace, dE.name)
                    dact = trace.quantities.get(f"dout/dnet.{u}{s}")
                    table.add(f"{u}{s}",
                              fmt(above, decimals) if layer.sequence else "",
                              fmt(later, decimals) if layer.sequence else "",
                              fmt(dE.value, decimals), fmt(dact.value, decimals) if dact else "—",
                              fmt(trace[f"delta.{u}{s}"].value, decimals))
        table.section()
    return table


def path_parts(trace: Trace, name: str) -> tuple[float, float]:
    """dE/dout.U[t] split into its two paths: (through the layer above at t, through step t+1)."""
    above = later = 0.0
    for share in trace[name].inputs:
        if trace.through_next_step(share):
            later += trace[share].value
        else:
            above += trace[share].value
    return above, later


def backward_tabs(trace: Trace, decimals: int = 9, unicode: bool = True) -> list[Tab]:
    """The backward pass through time per unit, then per parameter (summed over steps)."""
    from .table import param_tab

    if too_large(trace):
        return [gradient_norms_tab(trace, decimals)]
    from . import lstm

    cells = [lstm.backward_tab(trace, decimals, unicode)] if any(l.kind == "lstm" for l in trace.problem.network.layers) else []
    return [*cells, unit_tab(trace, decimals, unicode), param_tab(trace, decimals, unicode)]


def gradient_norms_tab(trace: Trace, decimals: int = 6) -> Tab:
    """For a sequence too long for per-unit tables: per layer and parameter array, the gradient's
    norm and the array's norm before and after the step."""
    p = trace.problem
    table = Tab("Gradients by layer and parameter array (|x| is the Euclidean norm)",
                ["layer", "parameter", "|grad|", "|p|", "|p new|"], numeric_from=2, keys=2)
    for li in range(len(p.network.layers) - 1, -1, -1):
        layer = p.network.layers[li]
        for prm, grad in zip(layer.parameters(), trace.bwd.grads[li]):
            new = prm.array - p.learning_rate * grad
            table.add(str(li + 1), prm.name, fmt(float(np.linalg.norm(grad)), decimals),
                      fmt(float(np.linalg.norm(prm.array)), decimals), fmt(float(np.linalg.norm(new)), decimals))
    return table
