"""The pictures as PNG files for slides, drawn with matplotlib (the optional extra 'plot'),
imported only here and only when a PNG is asked for; each file is written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> None:
    from ..fileio import atomic_open

    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    fig.clf()
    _pyplot().close(fig)


def sweep_png(path: str | Path, s: Any) -> None:
    """The error curve with the file's point, or the loss map's contours with it (and the path)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    if len(s.axes) == 1:
        a = s.axes[0]
        ax.plot(a.values, s.values)
        ax.plot([a.at], [s.at], "o", label=f"the file's {a.name}")
        ax.set_xlabel(a.name)
        ax.set_ylabel(s.of)
    else:
        x, y = s.axes
        filled = ax.contourf(x.values, y.values, s.values.T, levels=20)
        ax.contour(x.values, y.values, s.values.T, levels=20, colors="k", linewidths=0.3)
        fig.colorbar(filled, ax=ax, label=s.of)
        if s.path is not None:
            ax.plot(s.path[:, 0], s.path[:, 1], "w.-", label="gradient descent")
        ax.plot([x.at], [y.at], "ro", label="the file's point")
        ax.set_xlabel(x.name)
        ax.set_ylabel(y.name)
    ax.set_title(f"{s.of}: {s.problem.name}", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, path)


def gradients_png(path: str | Path, report: Any) -> None:
    """Mean |delta| and the norm of dE/dW by layer, on a log scale; a sequence problem's recurrent
    layers |delta_h[t]| against t instead."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    if report.steps:
        for g in report.steps:
            ax.semilogy(range(1, len(g.delta) + 1), g.delta, "o-", markersize=3, label=f"|delta| of layer {g.layer}")
        ax.set_xlabel("time step t")
        ax.set_title(f"|delta_h[t]| through time: {report.problem.name}", fontsize=9)
        ax.legend(fontsize=8)
        _save(fig, path)
        return
    layers = [g.layer for g in report.layers]
    ax.semilogy(layers, [g.delta[0] for g in report.layers], "o-", label="mean |delta|")
    ax.semilogy(layers, [g.grad_w[2] for g in report.layers], "s-", label="|dE/dW|")
    ax.set_xlabel("layer (1 = first hidden, last = output)")
    ax.set_xticks(layers)
    ax.set_title(f"gradient sizes: {report.problem.name}", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, path)


def activations_png(path: str | Path, c: Any) -> None:
    """The activation functions, and beside them their derivatives where asked."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2 if c.derivatives else 1, figsize=(10 if c.derivatives else 5.5, 4),
                             squeeze=False)
    for ax, curves, title in zip(axes[0], (c.functions, c.derivatives), ("out = f(net)", "dout/dnet")):
        for name, ys in curves:
            ax.plot(c.xs, ys, label=name)
        ax.axhline(0, color="k", linewidth=0.5)
        ax.axvline(0, color="k", linewidth=0.5)
        ax.set_xlabel("net")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8)
    _save(fig, path)
