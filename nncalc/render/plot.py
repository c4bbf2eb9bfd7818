"""Pictures of a training run: the loss curve and the decision map drawn as text in the terminal,
and the loss curve as a PNG (`nncalc train --plot`), drawn with matplotlib, an optional extra that
is imported only here and only when a plot is asked for."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from rich.text import Text

from ..errors import UsageError
from .common import fmt

# TensorFlow Playground's orange and blue first, then distinct colours for more classes.
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf")
REGION_COLOURS = ("#fbd3a6", "#a9d3ef", "#bfe5bf", "#d9cbe8", "#f2b5b5", "#dccbc6", "#f6cde6", "#d9d9d9",
                  "#e9e9b0", "#b3eaf0")
POINT_CHARS = "ox+*#@%&$="
REGION_CHARS = ". :-~=^'`,"
SHADES = " .:-=+*#%@"


# ---------------------------------------------------------------- a curve in the terminal

def loss_curve(history: Sequence[dict[str, Any]], *, width: int = 64, height: int = 12,
               unicode: bool = True) -> str:
    """The training (and validation) loss over the run as a text plot; log scale when it falls by
    more than a factor of 100. '' with fewer than 3 points."""
    if len(history) < 3:
        return ""
    x_key = "step" if len({r["epoch"] for r in history}) < len(history) else "epoch"
    series = [("loss", "•" if unicode else "*", [r.get("loss") for r in history])]
    if any("val_loss" in r for r in history):
        series.append(("validation", "○" if unicode else "o", [r.get("val_loss") for r in history]))
    values = [v for _, _, ys in series for v in ys if v is not None and math.isfinite(v)]
    if not values:
        return ""
    lo, hi = min(values), max(values)
    log = lo > 0 and hi / lo > 100
    f = (lambda v: math.log10(v)) if log else (lambda v: v)
    flo, fhi = f(lo), f(hi)
    span = (fhi - flo) or 1.0
    n = len(history)
    cols = width
    grid = [[" "] * cols for _ in range(height)]
    usable = lambda v: v is not None and math.isfinite(v) and (not log or v > 0)  # noqa: E731
    for _, mark, ys in reversed(series):
        for c in range(cols):
            # between two history points, interpolate (on the plotted scale) so few points still draw a line
            x = c * (n - 1) / max(cols - 1, 1)
            i = min(int(x), n - 2)
            a, b = ys[i], ys[i + 1]
            if not (usable(a) and usable(b)):
                continue
            fv = f(a) + (f(b) - f(a)) * (x - i)
            r = height - 1 - round((fv - flo) / span * (height - 1))
            grid[r][c] = mark
    label = lambda v: f"{v:.2e}" if log or abs(v) < 1e-2 or abs(v) >= 1e4 else f"{v:.4f}"  # noqa: E731
    top, bottom = label(hi), label(lo)
    pad = max(len(top), len(bottom))
    vbar, tick, corner, hbar = ("│", "┤", "└", "─") if unicode else ("|", "+", "+", "-")
    lines = [f"loss{' (log scale)' if log else ''}: " + ",  ".join(f"{m} {name}" for name, m, _ in series)]
    for r in range(height):
        left = top if r == 0 else bottom if r == height - 1 else ""
        lines.append(f"{left.rjust(pad)} {tick if left else vbar}{''.join(grid[r])}")
    first, last = history[0][x_key], history[-1][x_key]
    lines.append(" " * (pad + 1) + corner + hbar * cols)
    axis = f"{first:,}" if isinstance(first, int) else f"{first:g}"
    end = f"{last:,}" if isinstance(last, int) else f"{last:g}"
    middle = x_key
    gap = max(cols - len(axis) - len(end) - len(middle), 2)
    lines.append(" " * (pad + 2) + axis + " " * (gap // 2) + middle + " " * (gap - gap // 2) + end)
    return "\n".join(lines)


# ---------------------------------------------------------------- a decision map in the terminal

def decision_map(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, labels: np.ndarray | None,
                 classes: Sequence[str] | None, *, width: int = 60, height: int = 24, colour: bool = True,
                 names: tuple[str, str] = ("x1", "x2")) -> Text:
    """The plane of the two inputs, each cell coloured (or lettered) by the class the network predicts
    there, with the samples on top, as TensorFlow Playground draws it.

    predict: (k, 2) points -> (k,) class indices (with classes) or (k,) values (regression)."""
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * 0.05 + 1e-9
    lo, hi = lo - pad, hi + pad
    xs = lo[0] + (np.arange(width) + 0.5) * (hi[0] - lo[0]) / width
    ys = hi[1] - (np.arange(height) + 0.5) * (hi[1] - lo[1]) / height
    gx, gy = np.meshgrid(xs, ys)
    grid = predict(np.column_stack([gx.ravel(), gy.ravel()])).reshape(height, width)
    is_class = classes is not None
    if is_class:
        cell = grid.astype(np.int64) % len(REGION_CHARS)
    else:
        vmin, vmax = float(grid.min()), float(grid.max())
        cell = np.clip(((grid - vmin) / ((vmax - vmin) or 1.0) * (len(SHADES) - 1)).round(), 0, len(SHADES) - 1).astype(int)
    points: dict[tuple[int, int], int] = {}
    if labels is not None and is_class:
        cx = np.clip(((X[:, 0] - lo[0]) / (hi[0] - lo[0]) * width).astype(int), 0, width - 1)
        cy = np.clip(((hi[1] - X[:, 1]) / (hi[1] - lo[1]) * height).astype(int), 0, height - 1)
        for r, c, k in zip(cy.tolist(), cx.tolist(), labels.tolist()):
            points[(r, c)] = int(k)
    text = Text()
    text.append(f"{names[1]} ↑  {hi[1]:.3g}\n" if colour else f"{names[1]} ^  {hi[1]:.3g}\n")
    for r in range(height):
        for c in range(width):
            k = int(cell[r, c])
            if (r, c) in points:
                p = points[(r, c)]
                ch = POINT_CHARS[p % len(POINT_CHARS)]
                style = f"bold {CLASS_COLOURS[p % len(CLASS_COLOURS)]} on {REGION_COLOURS[k % len(REGION_COLOURS)]}" \
                    if colour and is_class else ""
                text.append(ch, style=style)
            elif is_class:
                text.append(" " if colour else REGION_CHARS[k], style=f"on {REGION_COLOURS[k]}" if colour else "")
            else:
                text.append(SHADES[k])
        text.append("\n")
    text.append(f"{lo[1]:.3g}  {lo[0]:.3g}{' ' * max(width - 16, 1)}{hi[0]:.3g} → {names[0]}\n"
                if colour else f"{lo[1]:.3g}  {lo[0]:.3g}{' ' * max(width - 16, 1)}{hi[0]:.3g} -> {names[0]}\n")
    if is_class:
        text.append("samples: ")
        for k, name in enumerate(classes):
            point = POINT_CHARS[k % len(POINT_CHARS)]
            if colour:           # a swatch of the region's colour, and the sample's mark in its own
                text.append(f"{',  ' if k else ''}")
                text.append(point, style=f"bold {CLASS_COLOURS[k % len(CLASS_COLOURS)]}")
                text.append(f" class {name} (region ")
                text.append("  ", style=f"on {REGION_COLOURS[k % len(REGION_COLOURS)]}")
                text.append(")")
            else:
                text.append(f"{',  ' if k else ''}{point} class {name} (region '{REGION_CHARS[k % len(REGION_CHARS)]}')")
    else:
        text.append(f"output from {fmt(vmin, 3)} ('{SHADES[0]}') to {fmt(vmax, 3)} ('{SHADES[-1]}')")
    return text


# ---------------------------------------------------------------- a PNG


def require_matplotlib(what: str = "--plot") -> None:
    """Refuse before training a plot that could not be drawn after it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(f"{what} needs matplotlib, an optional extra: pip install 'nncalc[plot]' "
                         "(or pip install matplotlib)") from None


def write_loss_plot(path: str | Path, history: Sequence[dict[str, Any]]) -> None:
    """Training (and validation) loss, beside accuracy when there is any, written to `path` atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..fileio import atomic_open

    x_key = "step" if len({r["epoch"] for r in history}) < len(history) else "epoch"
    xs = [r[x_key] for r in history]
    has_acc = any("accuracy" in r for r in history)
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 6, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(xs, [r["loss"] for r in history], label="training")
    if any("val_loss" in r for r in history):
        ax.plot(xs, [r.get("val_loss") for r in history], label="validation")
    losses = [r["loss"] for r in history if r["loss"] > 0]
    if losses and max(losses) / min(losses) > 100:
        ax.set_yscale("log")
    ax.set_xlabel(x_key)
    ax.set_ylabel("loss")
    ax.legend()
    if has_acc:
        ax = axes[0][1]
        ax.plot(xs, [r.get("accuracy") for r in history], label="training")
        if any("val_accuracy" in r for r in history):
            ax.plot(xs, [r.get("val_accuracy") for r in history], label="validation")
        ax.set_xlabel(x_key)
        ax.set_ylabel("accuracy")
        ax.legend()
    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    plt.close(fig)
