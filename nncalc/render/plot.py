"""The loss curve as a PNG (`nncalc train --plot`), drawn with matplotlib, an optional extra that
is imported only here and only when a plot is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..errors import UsageError


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
