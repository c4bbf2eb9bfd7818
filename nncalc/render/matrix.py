"""Layer-level views for networks too large to show unit by unit: net = W·out + b as matrices
(the "Basic Ideas" deck's z^l = W^l a^(l-1) + b^l), and the Keras-style layer summary."""

from __future__ import annotations

import numpy as np

from ..ops import LOSSES, fused_delta
from ..problem import Network
from ..trace import Trace
from .common import Symbols, Tab, fmt

_SUPERSCRIPT = str.maketrans("0123456789-()+l", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾⁺ˡ")


def value_range(values: np.ndarray, decimals: int) -> str:
    """'from -0.5 to 0.9': the smallest and the largest of an array, as the matrix forms show a layer's outs."""
    return f"from {fmt(float(values.min()), decimals)} to {fmt(float(values.max()), decimals)}"


def total_lines(trace: Trace, decimals: int) -> list[str]:
    """['E_total = 0.298371109   (half_sse)'], or [] for a forward pass without targets."""
    return [f"E_total = {fmt(trace['E.total'].value, decimals)}   ({trace.problem.loss})"] if "E.total" in trace else []


def network_summary_tab(network: Network) -> Tab:
    """One row per layer with its shapes and parameter count, and the total."""
    table = Tab("Layers", ["layer", "activation", "units", "weights", "biases", "parameters"], numeric_from=2)
    fan_in = len(network.inputs)
    table.add("input", "", f"{fan_in:,}", "", "", "0")
    for li, layer in enumerate(network.layers, start=1):
        u = len(layer.units)
        biases = ("1 shared" if layer.bias_shared else f"{len(layer.bias_names):,}") if layer.bias_names else "none"
        shapes = [prm.array.shape for prm in layer.parameters() if prm.kind == "weight"]   # W (and W_h: once)
        weights = " + ".join(f"{r:,} x {c:,}" for r, c in shapes) + f" = {sum(r * c for r, c in shapes):,}"
        activation = layer.activation.describe()
        if layer.kind == "lstm":          # sigmoid gates, tanh for g and the cell
            activation = "lstm"
        elif layer.sequence:
            activation = f"{layer.kind} {activation}"
        table.add(f"{li}{' (output)' if li == len(network.layers) else ''}", activation, f"{u:,}",
                  weights, biases, f"{layer.n_params:,}")
        fan_in = u
    table.section()
    table.add("total", "", "", "", "", f"{network.n_params:,}")
    return table


def layer_tab(trace: Trace, decimals: int = 6) -> Tab:
    """The forward pass in matrix form: per layer, the shapes of net = W·out + b and the range of out."""
    net = trace.problem.network
    n = trace.problem.n_samples
    table = Tab(f"Forward pass by layer (matrix form: net = W·out + b, out = f(net); "
                f"{n} sample{'s' if n != 1 else ''})",
                ["layer", "W", "out", "out min", "out mean", "out max"], numeric_from=1)
    for li, layer in enumerate(net.layers):
        out = trace.fwd.outs[li + 1]
        table.add(str(li + 1), "x".join(map(str, layer.weights.shape)), "x".join(map(str, out.shape)),
                  fmt(float(out.min()), decimals), fmt(float(out.mean()), decimals), fmt(float(out.max()), decimals))
    return table


def gradient_tab(trace: Trace, decimals: int = 6, unicode: bool = True) -> Tab:
    """The backward pass in matrix form: norms of delta, the gradients, and the weights before and after."""
    sym = Symbols.for_unicode(unicode)
    net, bwd = trace.problem.network, trace.bwd
    table = Tab(f"Backward pass by layer (matrix form: grad W = {sym.delta}{sym.transpose}{sym.times}out, "
                f"grad b = {sym.sum} {sym.delta}; |x| is the Euclidean norm)",
                ["layer", f"mean |{sym.delta}|", "|grad W|", "|grad b|", "|W|", "|W new|"])
    for li in range(len(net.layers) - 1, -1, -1):
        gb = bwd.grad_b[li]
        table.add(str(li + 1), fmt(float(np.abs(bwd.delta[li]).mean()), decimals),
                  fmt(float(np.linalg.norm(bwd.grad_W[li])), decimals),
                  fmt(float(np.linalg.norm(gb)), decimals) if gb is not None else "—",
                  fmt(float(np.linalg.norm(net.layers[li].weights)), decimals),
                  fmt(float(np.linalg.norm(trace.new_weights(li))), decimals))
    return table


def matrix_lines(trace: Trace, decimals: int = 6, unicode: bool = True) -> list[str]:
    """The derivation at the level of layers: one equation per layer instead of one per unit."""
    sym = Symbols.for_unicode(unicode)
    d = sym.d
    sup = (lambda s: str(s).translate(_SUPERSCRIPT)) if unicode else (lambda s: f"^{s}" if len(str(s)) == 1
                                                                          else f"^({s})")
    net, p = trace.problem.network, trace.problem
    L = len(net.layers)
    lines = ["Layer-level (matrix) form: one column of out per sample, out" + sup(0) + " = the inputs.",
             f"Forward pass ({p.n_samples} sample{'s' if p.n_samples != 1 else ''}):"]
    fan_in = len(net.inputs)
    for li, layer in enumerate(net.layers, start=1):
        u = len(layer.units)
        f = layer.activation.fn.symbol_for(unicode)
        b = f" + b{sup(li)}" if layer.bias is not None else ""
        out = trace.fwd.outs[li]
        lines.append(f"  net{sup(li)} = W{sup(li)} out{sup(f'{li - 1}')}{b}   (W{sup(li)}: {u}x{fan_in})   "
                     f"out{sup(li)} = {f}(net{sup(li)})   out{sup(li)} {value_range(out, decimals)}")
        fan_in = u
    lines += total_lines(trace, decimals)
    if not trace.has_backward:
        return lines
    bwd = trace.bwd
    lines.append("Backward pass (" + sym.odot + " multiplies elementwise; a sum over samples is implied):")
    last = net.layers[-1]
    fused = fused_delta(last.activation.name, p.loss)
    if fused is not None:       # the closed form the engine uses
        loss = LOSSES[p.loss]
        legend = loss.legend(*p.targets.shape)
        lines.append(f"  {sym.delta}{sup(L)} = {loss.fused_row(fused, p.targets, sym.sum, f'out{sup(L)}')}   "
                     f"({last.activation.name} with {p.loss}{'; ' + legend if legend else ''})")
    else:
        f_last = last.activation.fn.symbol_for(unicode)
        lines.append(f"  {sym.delta}{sup(L)} = {d}E_total/{d}out{sup(L)} {sym.odot} {f_last}'(net{sup(L)})")
    if L > 1:
        lines.append(f"  {sym.delta}{sup('l')} = (W{sup('l+1')}){sym.transpose} {sym.delta}{sup('l+1')} "
                     f"{sym.odot} f'(net{sup('l')})   for l = {L - 1} down to 1")
    lines.append(f"  {d}E_total/{d}W{sup('l')} = {sym.delta}{sup('l')} (out{sup('l-1')}){sym.transpose},   "
                 f"{d}E_total/{d}b{sup('l')} = {sym.sum} {sym.delta}{sup('l')}")
    lines.append(f"  W{sup('l')}+ = W{sup('l')} - {sym.eta} {d}E_total/{d}W{sup('l')}   ({sym.eta} = {p.learning_rate:g})")
    for li in range(L - 1, -1, -1):
        gb = bwd.grad_b[li]
        gbt = f", |{d}E_total/{d}b{sup(li + 1)}| = {fmt(float(np.linalg.norm(gb)), decimals)}" if gb is not None else ""
        lines.append(f"  layer {li + 1}: mean |{sym.delta}{sup(li + 1)}| = "
                     f"{fmt(float(np.abs(bwd.delta[li]).mean()), decimals)}, |{d}E_total/{d}W{sup(li + 1)}| = "
                     f"{fmt(float(np.linalg.norm(bwd.grad_W[li])), decimals)}{gbt}")
    return lines
