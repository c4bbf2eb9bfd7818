"""The worked example at the level of layers with the numbers written out (the "Basic Ideas" deck's
σ([[1,-2],[-1,1]]·[1,-1] + [1,0]) = [0.98, 0.12]): per sample, net = W·out + b and out = f(net) as
matrices and vectors, then the backward pass as δ, each dE/dW and dE/db and the new W and b. Read
from the trace's arrays; matrices larger than EDGE x EDGE are shown by their corners, as NumPy
prints them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..notation import Symbols
from ..render.common import fmt, fmt_short

EDGE = 3            # entries shown along each side of a matrix before the middle is elided
MAX_SAMPLES = 4     # samples written out one by one; the rest are summed in dE/dW only
MAX_STEPS = 6       # steps written out one by one per sample; the rest are in the sums only


def _numbers(values: np.ndarray, decimals: int, ellipsis: str, given: bool = False) -> list[str]:
    """A row's entries, the middle elided past 2 EDGE of them; given numbers without trailing zeros."""
    cut = len(values) > 2 * EDGE
    shown = np.concatenate([values[:EDGE], values[-EDGE:]]) if cut else values
    text = [(fmt_short if given else fmt)(float(v), decimals) for v in shown]
    return text[:EDGE] + [ellipsis] + text[EDGE:] if cut else text


def vector(values: np.ndarray, decimals: int, ellipsis: str = "…", given: bool = False) -> str:
    return "[" + ", ".join(_numbers(values, decimals, ellipsis, given)) + "]"


def matrix(values: np.ndarray, decimals: int, ellipsis: str = "…", given: bool = False) -> str:
    rows = [vector(r, decimals, ellipsis, given) for r in values]
    if len(rows) > 2 * EDGE:
        rows = rows[:EDGE] + [ellipsis] + rows[-EDGE:]
    return "[" + ", ".join(rows) + "]"


def _sup(unicode: bool):
    table = str.maketrans("0123456789+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺")
    return (lambda s: str(s).translate(table)) if unicode else (lambda s: f"^{s}")


@dataclass(frozen=True)
class _Writer:
    """How the matrix form writes a vector, a matrix, a layer's superscript."""

    sym: Symbols
    sup: Callable[[Any], str]
    decimals: int

    def vec(self, v: np.ndarray, given: bool = False) -> str:
        return vector(v, self.decimals, "…" if self.sym.unicode else "...", given)

    def mat(self, m: np.ndarray, given: bool = False) -> str:
        return matrix(m, self.decimals, "…" if self.sym.unicode else "...", given)


def matrix_form_lines(trace: Any, decimals: int = 4, unicode: bool = True) -> list[str]:
    """The forward (and, with a backward pass, the backward) pass layer by layer with the values."""
    w = _Writer(Symbols.for_unicode(unicode), _sup(unicode), decimals)
    sym, sup, vec, mat = w.sym, w.sup, w.vec, w.mat
    p, net = trace.problem, trace.problem.network
    n = p.n_samples
    shown = range(min(n, MAX_SAMPLES))
    out = ["Layer by layer, with the numbers (out" + sup(0) + " = the inputs; vectors are columns):"]
    for k in shown:
        if n > 1:
            out.append(f"Sample {k + 1}:")
        for li, layer in enumerate(net.layers, start=1):
            f = layer.activation.fn.symbol_for(unicode)
            b = "" if layer.bias is None else f" + {vec(layer.bias, True)}"
            b_name = "" if layer.bias is None else f" + b{sup(li)}"
            out.append(f"  out{sup(li)} = {f}(W{sup(li)}{sym.times}out{sup(li - 1)}{b_name})")
            out.append(f"       = {f}({mat(layer.weights, True)}{sym.times}{vec(trace.fwd.outs[li - 1][k], li == 1)}{b})")
            out.append(f"       = {f}({vec(trace.fwd.nets[li - 1][k])}) = {vec(trace.fwd.outs[li][k])}")
    if n > len(shown):
        out.append(f"(samples {len(shown) + 1} to {n}: see --format json)")
    if "E.total" in trace:
        out.append(f"E_total = {fmt(trace['E.total'].value, decimals)}   ({p.loss})")
    if trace.has_backward:
        out += _backward_lines(trace, w, shown)
    return out


def _backward_lines(trace: Any, w: _Writer, shown: range) -> list[str]:
    """δ layer by layer backwards per sample, then each layer's gradients and updates."""
    p, net, bwd = trace.problem, trace.problem.network, trace.bwd
    sym, sup, vec, mat = w.sym, w.sup, w.vec, w.mat
    L = len(net.layers)
    d, delta, T = sym.d, sym.delta, sym.transpose
    out = [f"Backward pass ({sym.odot} multiplies elementwise):"]
    for k in shown:
        if p.n_samples > 1:
            out.append(f"Sample {k + 1}:")
        for li in range(L, 0, -1):
            layer = net.layers[li - 1]
            f = layer.activation.fn.symbol_for(unicode=sym.unicode)
            dd = bwd.dout_dnet[li - 1]
            value = vec(bwd.delta[li - 1][k])
            if li == L and dd is None:           # a closed form of the loss (softmax with cross-entropy)
                out.append(f"  {delta}{sup(li)} = {value}   (the closed form of {layer.activation.name} with {p.loss})")
                continue
            if li == L:
                source = f"{d}E/{d}out{sup(li)} {sym.odot} {f}'(net{sup(li)})"
                numbers = f"{vec(bwd.dE_dout[li - 1][k])} {sym.odot} {vec(dd[k])}"
            else:
                source = f"(W{sup(li + 1)}){T}{delta}{sup(li + 1)} {sym.odot} {f}'(net{sup(li)})"
                numbers = (f"{mat(net.layers[li].weights.T, True)}{sym.times}{vec(bwd.delta[li][k])} {sym.odot} "
                           f"{vec(dd[k])}")
            out += [f"  {delta}{sup(li)} = {source}", f"     = {numbers}", f"     = {value}"]
    over = f"{sym.sum}_k " if p.n_samples > 1 else ""
    for li in range(L, 0, -1):
        out += _parameter_steps(trace, w, li, net.layers[li - 1], over, "")
    return out


def sequence_form_lines(trace: Any, decimals: int = 4, unicode: bool = True) -> list[str]:
    """A sequence problem layer by layer and step by step: out[t] = f(W·out_below[t] + W_h·out[t-1] + b)
    with the vectors (an LSTM layer gate by gate, then its cell and out), then δ[t] backwards and
    each gradient as the sum over steps."""
    w = _Writer(Symbols.for_unicode(unicode), _sup(unicode), decimals)
    p, net = trace.problem, trace.problem.network
    shown = range(min(p.n_samples, MAX_SAMPLES))
    out = ["Step by step, with the numbers:",
           "(out" + w.sup(0) + "[t]: the inputs x[t]; out[0]: the initial state; vectors are columns)"]
    for li, layer in enumerate(net.layers, start=1):
        if layer.kind == "lstm":
            out += _lstm_rule(w, li)
    for k in shown:
        steps = range(1, min(int(p.lengths[k]), MAX_STEPS) + 1)
        for t in steps:
            out.append(f"Step {t}" + (f", sample {k + 1}:" if p.n_samples > 1 else ":"))
            for li, layer in enumerate(net.layers, start=1):
                write = _lstm_step if layer.kind == "lstm" else _layer_step
                out += write(trace, w, li, layer, k, t)
        if int(p.lengths[k]) > MAX_STEPS:
            out.append(f"(steps {MAX_STEPS + 1} to {int(p.lengths[k])}: see --format json)")
    if p.n_samples > len(shown):
        out.append(f"(samples {len(shown) + 1} to {p.n_samples}: see --format json)")
    if "E.total" in trace:
        out.append(f"E_total = {fmt(trace['E.total'].value, decimals)}   ({p.loss}, over the targeted steps)")
    if trace.has_backward:
        out += _sequence_backward(trace, w, shown)
    return out


def _layer_step(trace: Any, w: _Writer, li: int, layer: Any, k: int, t: int) -> list[str]:
    """A dense or recurrent layer at step t: out[t] = f(W·out_below[t] (+ W_h·out[t-1]) + b)."""
    sym, sup, fwd = w.sym, w.sup, trace.fwd
    f = layer.activation.fn.symbol_for(sym.unicode)
    b = "" if layer.bias is None else f" + {w.vec(layer.bias, True)}"
    b_name = "" if layer.bias is None else f" + b{sup(li)}"
    below = w.vec(fwd.outs[li - 1][k, t - 1], li == 1)
    rec_name = rec = ""
    if layer.sequence:
        rec_name = f" + W_h{sup(li)}{sym.times}out{sup(li)}[{t - 1}]"
        rec = f" + {w.mat(layer.recurrent_weights, True)}{sym.times}{w.vec(fwd.caches[li - 1].states[k, t - 1], t == 1)}"
    return [f"  out{sup(li)}[{t}] = {f}(W{sup(li)}{sym.times}out{sup(li - 1)}[{t}]{rec_name}{b_name})",
            f"       = {f}({w.mat(layer.weights, True)}{sym.times}{below}{rec}{b})",
            f"       = {f}({w.vec(fwd.nets[li - 1][k, t - 1])}) = {w.vec(fwd.outs[li][k, t - 1])}"]


def _gate_rows(layer: Any, gate: str) -> slice:
    """Gate `gate`'s block of rows in an LSTM's stacked W, W_h, b and nets (PyTorch's order i, f, g, o)."""
    from ..layers.lstm import GATES

    u = len(layer.units)
    q = GATES.index(gate)
    return slice(q * u, (q + 1) * u)


def _lstm_rule(w: _Writer, li: int) -> list[str]:
    """An LSTM layer's equations, once, in docs/recurrent.md's notation."""
    sym, l, below = w.sym, w.sup(li), w.sup(li - 1)
    o = sym.odot
    return [f"Layer {li} is an LSTM with gates i, f, g, o ({_sigma(sym.unicode)} for i, f, o; tanh for g):",
            f"  q{l}[t] = act_q(W_q{l}{sym.times}out{below}[t] + W_hq{l}{sym.times}out{l}[t-1] + b_q{l}) for each gate q",
            f"  c{l}[t] = f {o} c{l}[t-1] + i {o} g;  out{l}[t] = h{l}[t] = o {o} tanh(c{l}[t])"]


def _sigma(unicode: bool) -> str:
    from ..ops import ACTIVATIONS

    return ACTIVATIONS["sigmoid"].symbol_for(unicode)


def _lstm_step(trace: Any, w: _Writer, li: int, layer: Any, k: int, t: int) -> list[str]:
    """An LSTM layer at step t: each gate from its block of W, W_h and b, then the cell and out."""
    from ..layers.lstm import GATES

    sym, sup, fwd = w.sym, w.sup, trace.fwd
    cell, o = fwd.caches[li - 1].cell, sym.odot
    below = w.vec(fwd.outs[li - 1][k, t - 1], li == 1)
    previous = w.vec(cell.hs[t - 1, k], t == 1)
    lines = []
    for gate in GATES:
        rows = _gate_rows(layer, gate)
        act = layer.activation_of("gate", rows.start).fn.symbol_for(sym.unicode)
        b = "" if layer.bias is None else f" + {w.vec(layer.bias[rows], True)}"
        b_name = "" if layer.bias is None else f" + b_{gate}{sup(li)}"
        lines += [f"  {gate}{sup(li)}[{t}] = {act}(W_{gate}{sup(li)}{sym.times}out{sup(li - 1)}[{t}] + "
                  f"W_h{gate}{sup(li)}{sym.times}out{sup(li)}[{t - 1}]{b_name})",
                  f"       = {act}({w.mat(layer.weights[rows], True)}{sym.times}{below} + "
                  f"{w.mat(layer.recurrent_weights[rows], True)}{sym.times}{previous}{b})",
                  f"       = {act}({w.vec(fwd.nets[li - 1][k, t - 1, rows])}) = {w.vec(cell.gate(gate)[t - 1, k])}"]
    gate = lambda q: w.vec(cell.gate(q)[t - 1, k])          # noqa: E731
    c_name, c_before = f"c{sup(li)}[{t}]", f"c{sup(li)}[{t - 1}]"
    lines += [f"  {c_name} = f{sup(li)}[{t}] {o} {c_before} + i{sup(li)}[{t}] {o} g{sup(li)}[{t}]",
              f"       = {gate('f')} {o} {w.vec(cell.cells[t - 1, k], t == 1)} + {gate('i')} {o} {gate('g')}",
              f"       = {w.vec(cell.cells[t, k])}",
              f"  out{sup(li)}[{t}] = o{sup(li)}[{t}] {o} tanh({c_name})",
              f"       = {gate('o')} {o} tanh({w.vec(cell.cells[t, k])}) = {gate('o')} {o} {w.vec(cell.tanh_c[t - 1, k])}",
              f"       = {w.vec(fwd.outs[li][k, t - 1])}"]
    return lines


def _sequence_backward(trace: Any, w: _Writer, shown: range) -> list[str]:
    """δ[t] backwards step by step (an LSTM's ∂E/∂out, ∂E/∂c and the gates' δ), then each gradient
    as the sum over the steps, and the new weights."""
    from ..layers.lstm import GATES

    p, net, bwd = trace.problem, trace.problem.network, trace.bwd
    sym, sup = w.sym, w.sup
    d, delta, T, o = sym.d, sym.delta, sym.transpose, sym.odot
    lstm = [li for li, layer in enumerate(net.layers, start=1) if layer.kind == "lstm"]
    out = [f"Backward pass through time ({o} multiplies elementwise):"]
    if len(lstm) < len(net.layers) and any(layer.kind == "recurrent" for layer in net.layers):
        out.append(f"  a recurrent layer's {delta}[t] adds (W_h){T}{delta}[t+1] to the part from above")
    for li in lstm:
        s = sup(li)
        out += [f"  layer {li} (LSTM), the gates' deltas stacked (and the rows of W_h{s} likewise):",
                f"    {delta}{s}[t] = [{delta}_i; {delta}_f; {delta}_g; {delta}_o]",
                f"    {d}E/{d}out{s}[t] = the part from above + (W_h{s}){T}{delta}{s}[t+1]",
                f"    {d}E/{d}c{s}[t] = {d}E/{d}out{s}[t] {o} o {o} (1 - tanh(c{s}[t])^2) + {d}E/{d}c{s}[t+1] {o} f[t+1]",
                f"    {delta}_i = {d}E/{d}c {o} g {o} i(1 - i),  {delta}_f = {d}E/{d}c {o} c[t-1] {o} f(1 - f)",
                f"    {delta}_g = {d}E/{d}c {o} i {o} (1 - g^2),  {delta}_o = {d}E/{d}out {o} tanh(c) {o} o(1 - o)"]
    for k in shown:
        for t in range(min(int(p.lengths[k]), MAX_STEPS), 0, -1):
            row, cells = [], []                  # the other layers' δ in one row; an LSTM's below it
            for li in range(len(net.layers), 0, -1):
                s, at = sup(li), (k, t - 1)
                if li not in lstm:
                    row.append(f"{delta}{s}[{t}] = {w.vec(bwd.delta[li - 1][at])}")
                    continue
                layer, back = net.layers[li - 1], trace.fwd.caches[li - 1].back[0]
                cells += [f"    {d}E/{d}out{s}[{t}] = {w.vec(bwd.dE_dout[li - 1][at])}",
                          f"    {d}E/{d}c{s}[{t}] = {w.vec(back.dc[t - 1, k])}"]
                cells += [f"    {delta}_{gate}{s}[{t}] = {w.vec(bwd.delta[li - 1][at][_gate_rows(layer, gate)])}"
                          for gate in GATES]
            head = f"  {'sample ' + str(k + 1) + ', ' if p.n_samples > 1 else ''}step {t}:"
            out += [" ".join([head, ", ".join(row)]).rstrip(), *cells]
    over = f"{sym.sum}_t " + (f"{sym.sum}_k " if p.n_samples > 1 else "")
    for li in range(len(net.layers), 0, -1):
        out += _parameter_steps(trace, w, li, net.layers[li - 1], over, "[t]")
    return out


def _parameter_steps(trace: Any, w: _Writer, li: int, layer: Any, over: str, t: str) -> list[str]:
    """Each parameter's ∂E/∂P (summed over `over`: samples, steps) and its update P⁺ = P - η·∂E/∂P,
    for W, W_h and b; an LSTM's gate by gate. t: "[t]" in a sequence, "" in a feed-forward pass."""
    from ..layers.lstm import GATES

    delta, T, s = w.sym.delta, w.sym.transpose, w.sup(li)
    below, previous = f"(out{w.sup(li - 1)}{t}){T}", f"(out{s}[t-1]){T}"
    if layer.kind != "lstm":
        d = f"{delta}{s}{t}"
        return (_step(trace, w, li, layer, "weights", f"W{s}", f"{over}{d}{below}")
                + _step(trace, w, li, layer, "recurrent_weights", f"W_h{s}", f"{over}{d}{previous}")
                + _step(trace, w, li, layer, "bias", f"b{s}", over + d))
    out = []
    for gate in GATES:
        rows, d = _gate_rows(layer, gate), f"{delta}_{gate}{s}{t}"
        out += (_step(trace, w, li, layer, "weights", f"W_{gate}{s}", f"{over}{d}{below}", rows)
                + _step(trace, w, li, layer, "recurrent_weights", f"W_h{gate}{s}", f"{over}{d}{previous}", rows)
                + _step(trace, w, li, layer, "bias", f"b_{gate}{s}", over + d, rows))
    return out


def _step(trace: Any, w: _Writer, li: int, layer: Any, name: str, symbol: str, source: str,
          rows: slice = slice(None)) -> list[str]:
    """Parameter `name`'s two lines, ∂E/∂P = source = values and P⁺ = P - η·∂E/∂P = values (rows: an
    LSTM gate's block), read off the trace; a shared bias as its one value; none where the layer
    has no such parameter."""
    from .diagram import shown_parameter

    found = [prm for prm in layer.parameters() if prm.name == name and prm.array is not None]
    if not found:
        return []
    grad, new = (shown_parameter(layer, name, trace, show, li - 1)[0][rows] for show in ("grad", "new"))
    sym, eta = w.sym, w.sym.eta
    if found[0].shared:
        source = f"{sym.sum}_j {source}_j"
        grad_text, new_text = fmt(float(grad[0]), w.decimals), fmt(float(new[0]), w.decimals)
    else:
        write = w.vec if name == "bias" else w.mat
        grad_text, new_text = write(grad), write(new)
    dE = f"{sym.d}E/{sym.d}{symbol}"
    return [f"  {dE} = {source} = {grad_text}",
            f"  {symbol}{w.sup('+')} = {symbol} - {eta}{sym.times}{dE} = {new_text}   "
            f"({eta} = {trace.problem.learning_rate:g})"]


def matrix_form_text(trace: Any, style: Any) -> str:
    """The registry's 'matrix' format of a trace."""
    from ..errors import UsageError
    from ..graph import is_graph

    if is_graph(trace):
        raise UsageError("the matrix form is a network's (net = W·out + b); a computational graph has none",
                         file=trace.problem.source)
    width = style.width or 80
    elided = any(max(len(layer.units), layer.weights.shape[1]) > 2 * EDGE for layer in trace.problem.network.layers)
    write = sequence_form_lines if trace.problem.is_sequence else matrix_form_lines
    lines = write(trace, min(style.decimals, 4) if elided else style.decimals, style.unicode)
    return "\n".join(wrapped for line in lines for wrapped in fit(line, width)) + "\n"


def _pieces(line: str, breaks: tuple[str, ...]) -> list[str]:
    """The line cut before each of `breaks` that stands outside brackets."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(line):
        ch = line[i]
        depth += (ch in "([") - (ch in ")]")
        hit = next((b for b in breaks if (depth <= 1 or b == ", [") and line[start:i].strip()
                    and line.startswith(b, i)), None)
        if hit:
            cut = i + 2 if hit == ", [" else i       # a matrix's row keeps its comma
            pieces.append(line[start:cut])
            start = cut
            i += len(hit)
            continue
        i += 1
    return pieces + [line[start:]]


def fit(line: str, width: int, indent: int = 7) -> list[str]:
    """A line too wide for `width` broken before '=', '·', '⊙', '+' and between a matrix's rows,
    continuation lines indented."""
    if len(line) <= width:
        return [line]
    out: list[str] = []
    for piece in _pieces(line, (" = ", "·", "*[", " ⊙ ", " + ", ", [")):
        if out and len(out[-1]) + len(piece) <= width:
            out[-1] += piece
        else:
            out.append(piece if not out else " " * indent + piece.lstrip())
    return [line.rstrip() for line in out]
