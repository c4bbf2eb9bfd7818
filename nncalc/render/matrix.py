"""Layer-level views for networks too large to show unit by unit: z = W a + b as matrices."""

from __future__ import annotations

import numpy as np
from rich import box
from rich.table import Table

from ..problem import Network
from ..trace import Trace
from .common import fmt


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", title_style="bold", pad_edge=False)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    return table


def network_summary(network: Network) -> Table:
    """A Keras-style summary: one row per layer with its shapes and parameter count."""
    table = _table("Layers", "layer", "units", "activation", "weights", "biases", "parameters")
    fan_in = len(network.inputs)
    table.add_row("input", str(fan_in), "", "", "", "0")
    for li, layer in enumerate(network.layers, start=1):
        u = len(layer.units)
        biases = {True: "1 shared", False: str(len(layer.bias_names))}[layer.bias_shared] if layer.bias_names else "none"
        table.add_row(f"{li}{' (output)' if li == len(network.layers) else ''}", str(u),
                      layer.activation.describe(), f"{u} x {fan_in} = {u * fan_in:,}", biases, f"{layer.n_params:,}")
        fan_in = u
    table.add_section()
    table.add_row("total", "", "", "", "", f"{network.n_params:,}")
    return table


def layer_summary(trace: Trace, decimals: int = 6) -> Table:
    """The forward pass in matrix form: per layer, the shape of net = W a + b and the range of out."""
    net = trace.problem.network
    n = trace.problem.n_samples
    table = _table(f"Forward pass by layer (matrix form: net = W·a + b, out = f(net); {n} samples)",
                   "layer", "W", "net", "out min", "out mean", "out max")
    for li, layer in enumerate(net.layers):
        out = trace.fwd.outs[li + 1]
        table.add_row(str(li + 1), "x".join(map(str, layer.weights.shape)), "x".join(map(str, out.shape)),
                      fmt(float(out.min()), decimals), fmt(float(out.mean()), decimals), fmt(float(out.max()), decimals))
    return table


def gradient_summary(trace: Trace, decimals: int = 6) -> Table:
    """The backward pass in matrix form: delta_l = (delta_(l+1) W_(l+1)) * f'(net_l), grad W_l = delta_l^T a_(l-1)."""
    net = trace.problem.network
    bwd = trace.bwd
    table = _table("Backward pass by layer (matrix form: grad W = δᵀ·a, grad b = Σ δ)",
                   "layer", "mean |δ|", "|grad W|", "|grad b|", "|W|", "|W new|")
    eta = trace.problem.learning_rate
    for li in range(len(net.layers) - 1, -1, -1):
        W = net.layers[li].weights
        gW, gb = bwd.grad_W[li], bwd.grad_b[li]
        table.add_row(str(li + 1), fmt(float(np.abs(bwd.delta[li]).mean()), decimals),
                      fmt(float(np.linalg.norm(gW)), decimals),
                      fmt(float(np.linalg.norm(gb)), decimals) if gb is not None else "—",
                      fmt(float(np.linalg.norm(W)), decimals), fmt(float(np.linalg.norm(W - eta * gW)), decimals))
    return table
