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
