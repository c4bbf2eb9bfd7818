"""The worked example at the level of layers with the numbers written out (the "Basic Ideas" deck's
σ([[1,-2],[-1,1]]·[1,-1] + [1,0]) = [0.98, 0.12]): per sample, net = W·out + b and out = f(net) as
matrices and vectors, then the backward pass as δ, dE/dW and the new W. Read from the trace's
arrays; matrices larger than EDGE x EDGE are shown by their corners, as NumPy prints them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..notation import Symbols
from ..render.common import fmt, fmt_short

EDGE = 3            # entries shown along each side of a matrix before the middle is elided
MAX_SAMPLES = 4     # samples written out one by one; the rest are summed in dE/dW only


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


def matrix_form_lines(trace: Any, decimals: int = 4, unicode: bool = True) -> list[str]:
    """The forward (and, with a backward pass, the backward) pass layer by layer with the values."""
    sym = Symbols.for_unicode(unicode)
    sup = _sup(unicode)
    dots = "…" if unicode else "..."
    vec = lambda v, given=False: vector(v, decimals, dots, given)          # noqa: E731
    mat = lambda m, given=False: matrix(m, decimals, dots, given)          # noqa: E731
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
        out += _backward_lines(trace, decimals, sym, sup, vec, mat, shown)
    return out


def _backward_lines(trace: Any, decimals: int, sym: Symbols, sup, vec, mat, shown) -> list[str]:
    from ..engine import descent_step

    p, net, bwd = trace.problem, trace.problem.network, trace.bwd
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
        layer = net.layers[li - 1]
        out.append(f"  {d}E/{d}W{sup(li)} = {over}{delta}{sup(li)}(out{sup(li - 1)}){T} = {mat(bwd.grad_W[li - 1])}")
        new_w = descent_step(layer.weights, p.learning_rate, bwd.grad_W[li - 1])
        out.append(f"  W{sup(li)}{sup('+')} = W{sup(li)} - {sym.eta}{sym.times}{d}E/{d}W{sup(li)} = {mat(new_w)}   "
                   f"({sym.eta} = {p.learning_rate:g})")
    return out


MAX_STEPS = 6       # steps written out one by one per sample; the rest are in the sums only


def sequence_form_lines(trace: Any, decimals: int = 4, unicode: bool = True) -> list[str]:
    """A sequence problem layer by layer and step by step: out[t] = f(W·out_below[t] + W_h·out[t-1] + b)
    with the vectors, then δ[t] backwards and each gradient as the sum over steps."""
    from ..engine import descent_step
    from ..errors import UsageError

    sym, sup = Symbols.for_unicode(unicode), _sup(unicode)
    dots = "…" if unicode else "..."
    vec = lambda v, given=False: vector(v, decimals, dots, given)          # noqa: E731
    mat = lambda m, given=False: matrix(m, decimals, dots, given)          # noqa: E731
    p, net, fwd = trace.problem, trace.problem.network, trace.fwd
    other = [layer.kind for layer in net.layers if layer.kind not in ("dense", "recurrent")]
    if other:
        raise UsageError(f"the matrix form of a {other[0]} layer is not written; see --explain", file=p.source)
    shown = range(min(p.n_samples, MAX_SAMPLES))
    out = ["Step by step, with the numbers:",
           "(out" + sup(0) + "[t]: the inputs x[t]; out[0]: the initial state; vectors are columns)"]
    for k in shown:
        steps = range(1, min(int(p.lengths[k]), MAX_STEPS) + 1)
        for t in steps:
            out.append(f"Step {t}" + (f", sample {k + 1}:" if p.n_samples > 1 else ":"))
            for li, layer in enumerate(net.layers, start=1):
                f = layer.activation.fn.symbol_for(unicode)
                b = "" if layer.bias is None else f" + {vec(layer.bias, True)}"
                b_name = "" if layer.bias is None else f" + b{sup(li)}"
                below = vec(fwd.outs[li - 1][k, t - 1], li == 1)
                rec_name = rec = ""
                if layer.sequence:
                    rec_name = f" + W_h{sup(li)}{sym.times}out{sup(li)}[{t - 1}]"
                    rec = f" + {mat(layer.recurrent_weights, True)}{sym.times}{vec(fwd.caches[li - 1].states[k, t - 1], t == 1)}"
                out.append(f"  out{sup(li)}[{t}] = {f}(W{sup(li)}{sym.times}out{sup(li - 1)}[{t}]{rec_name}{b_name})")
                out.append(f"       = {f}({mat(layer.weights, True)}{sym.times}{below}{rec}{b})")
                out.append(f"       = {f}({vec(fwd.nets[li - 1][k, t - 1])}) = {vec(fwd.outs[li][k, t - 1])}")
        if int(p.lengths[k]) > MAX_STEPS:
            out.append(f"(steps {MAX_STEPS + 1} to {int(p.lengths[k])}: see --format json)")
    if p.n_samples > len(shown):
        out.append(f"(samples {len(shown) + 1} to {p.n_samples}: see --format json)")
    if "E.total" in trace:
        out.append(f"E_total = {fmt(trace['E.total'].value, decimals)}   ({p.loss}, over the targeted steps)")
    if not trace.has_backward:
        return out
    bwd, d, delta, T = trace.bwd, sym.d, sym.delta, sym.transpose
    out += [f"Backward pass through time ({sym.odot} multiplies elementwise):",
            f"  a recurrent layer's {delta}[t] adds (W_h){T}{delta}[t+1] to the part from above"]
    for k in shown:
        for t in range(min(int(p.lengths[k]), MAX_STEPS), 0, -1):
            row = ", ".join(f"{delta}{sup(li)}[{t}] = {vec(bwd.delta[li - 1][k, t - 1])}"
                            for li in range(len(net.layers), 0, -1))
            out.append(f"  {'sample ' + str(k + 1) + ', ' if p.n_samples > 1 else ''}step {t}: {row}")
    over = f"{sym.sum}_t " + (f"{sym.sum}_k " if p.n_samples > 1 else "")
    for li in range(len(net.layers), 0, -1):
        layer = net.layers[li - 1]
        grads = dict(zip((prm.name for prm in layer.parameters()), bwd.grads[li - 1]))
        out.append(f"  {d}E/{d}W{sup(li)} = {over}{delta}{sup(li)}[t](out{sup(li - 1)}[t]){T} = {mat(grads['weights'])}")
        if layer.sequence:
            out.append(f"  {d}E/{d}W_h{sup(li)} = {over}{delta}{sup(li)}[t](out{sup(li)}[t-1]){T} = "
                       f"{mat(grads['recurrent_weights'])}")
            new_h = descent_step(layer.recurrent_weights, p.learning_rate, grads["recurrent_weights"])
            out.append(f"  W_h{sup(li)}{sup('+')} = {mat(new_h)}")
        new_w = descent_step(layer.weights, p.learning_rate, grads["weights"])
        out.append(f"  W{sup(li)}{sup('+')} = W{sup(li)} - {sym.eta}{sym.times}{d}E/{d}W{sup(li)} = {mat(new_w)}   "
                   f"({sym.eta} = {p.learning_rate:g})")
    return out


def matrix_form_text(trace: Any, style: Any) -> str:
    """The registry's 'matrix' format of a trace."""
    from ..errors import UsageError
    from ..graph import is_graph

    if is_graph(trace):
        raise UsageError("the matrix form is a network's (net = W·out + b); a computational graph has none",
                         file=trace.problem.source)
    width = style.width or 80
    elided = any(max(layer.weights.shape) > 2 * EDGE for layer in trace.problem.network.layers)
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
            pieces.append(line[start:i])
            start = i
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
            out.append(piece if not out else " " * indent + piece.lstrip(", "))
    return out
