"""What a training run shows: its header line, the history rows printed as they come, the progress
bar's metrics, the update an optimizer applied, the final table and `train --format json`. Each
function returns text or Rich renderables; the CLI prints them. Its pictures are in render/plot.py,
`evaluate` and `predict` in render/evaluation.py."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
from rich.table import Table
from rich.text import Text

from .common import DETAIL_MAX_PARAMS, fmt, head_rule, titled_table

if TYPE_CHECKING:
    from ..problem import Network, Problem
    from ..trace import Trace
    from ..train import Settings, Step, Trainer

TARGET_ROWS = 20            # without --every, long runs show about this many rows


def percent(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def loss_number(x: float | None, decimals: int = 6) -> str:
    if x is None:
        return "—"
    if x != 0 and (abs(x) < 10.0 ** -(decimals - 2) or abs(x) >= 1e7):
        return f"{x:.{max(decimals - 3, 3)}e}"
    return f"{x:.{decimals}f}"


# ---------------------------------------------------------------- history rows

@dataclass
class Column:
    title: str
    width: int
    value: Callable[[dict[str, Any]], str]


class HistoryRows:
    """Fixed-width text rows, one per history entry, printable as they come (also when piped)."""

    def __init__(self, columns: list[Column]) -> None:
        self.columns = columns

    def header(self) -> str:
        return "  ".join(c.title.rjust(c.width) for c in self.columns).rstrip()

    def row(self, record: dict[str, Any]) -> str:
        return "  ".join(c.value(record).rjust(c.width) for c in self.columns).rstrip()


def history_rows(*, by_step: bool, total: int, loss_name: str, accuracy: bool, validation: bool,
                 extra: Sequence[str] = (), decimals: int = 6, seconds: bool = True) -> HistoryRows:
    """Columns: step (or epoch), loss, accuracy, validation loss/accuracy, extra named values, time.

    `extra` names keys of the record (outputs and watched weights) shown with `decimals`."""
    width = max(len(f"{total:,}") * 2 + 1, 5)
    key = "step" if by_step else "epoch"
    cols = [Column(key, width, lambda r: f"{r[key]:,}/{total:,}" if isinstance(r[key], int) else f"{r[key]:g}")]
    w = decimals + 4           # a sign, a digit and the point: 1.234e-05 fits as well
    cols.append(Column(loss_name, max(w, len(loss_name)), lambda r: loss_number(r.get("loss"), decimals)))
    if accuracy:
        cols.append(Column("accuracy", 8, lambda r: percent(r.get("accuracy"))))
    if validation:
        cols.append(Column("val loss", w, lambda r: loss_number(r.get("val_loss"), decimals)))
        if accuracy:
            cols.append(Column("val acc", 8, lambda r: percent(r.get("val_accuracy"))))
    for name in extra:
        cols.append(Column(name, max(w, len(name)), lambda r, n=name: fmt(r[n], decimals) if n in r else "—"))
    if seconds:
        cols.append(Column("time", 8, lambda r: f"{r.get('seconds', 0.0):.2f} s"))
    return HistoryRows(cols)


# ---------------------------------------------------------------- while training

def default_report_every(target_steps: int, batches: int) -> int | None:
    """Updates between rows: None (one row per epoch), or for long runs about TARGET_ROWS rows, every
    few epochs with mini-batches, every few (round numbers of) updates with full batches."""
    epochs = math.ceil(target_steps / batches)
    if epochs <= 2 * TARGET_ROWS:
        return None
    unit = batches if batches > 1 else 1
    raw = epochs / TARGET_ROWS
    nice = 10 ** math.floor(math.log10(raw))
    m = next(m for m in (1, 2, 5, 10) if m * nice >= raw)
    return int(m * nice) * unit


def output_names(outputs: Sequence[str], n: int) -> list[str]:
    """Row keys for every output of every one of n samples: out.o1@1, out.o2@1, ... (no @k for one)."""
    return [f"out.{o}" + (f"@{k}" if n > 1 else "") for k in range(1, n + 1) for o in outputs]


def training_rows(trainer: Trainer, extra: Sequence[str], decimals: int) -> HistoryRows:
    """The rows of this run: by update when a row falls inside an epoch, else by epoch."""
    p, s, t = trainer.problem, trainer.settings, trainer
    by_step = t.report_every is not None and (t.batches == 1 or t.report_every % t.batches != 0)
    total = t.target_steps if by_step else (s.epochs if s.steps is None else math.ceil(s.steps / t.batches))
    loss_name = "E_total" if p.loss == "half_sse" else "loss"
    return history_rows(by_step=by_step, total=total, loss_name=loss_name,
                        accuracy=t.data.train.labels is not None,
                        validation=t.data.validation is not None, extra=extra,
                        decimals=decimals,
                        seconds=t.batches > 1 and s.optimizer != "perceptron")


def training_header(trainer: Trainer) -> str:
    """The line above the rows: network, loss, optimizer, samples, batches, length and what is unusual."""
    p, s, t = trainer.problem, trainer.settings, trainer
    shape = "-".join(str(n) for n in [len(p.network.inputs)] + [len(l.units) for l in p.network.layers])
    n = t.data.train.n
    batch = "full batch" if t.batch_size == n else f"batches of {t.batch_size}"
    if s.optimizer == "perceptron":
        batch = "one sample at a time"
    limit = plural(s.steps, "update") if s.steps is not None else plural(s.epochs, "epoch")
    extras = []
    if s.l2:
        extras.append(f"L2 {s.l2:g}")
    if not s.update_biases:
        extras.append("biases fixed")
    if s.update_order != "simultaneous":
        extras.append(f"{s.update_order} updates")
    if t.dtype.name != "float64":
        extras.append(t.dtype.name)
    more = f", {', '.join(extras)}" if extras else ""
    return (f"Training {p.name}: {shape} network, {p.loss}, {s.describe_optimizer()}; {plural(n, 'sample')}, "
            f"{batch}, {limit}{more}")


def progress_metrics(event: Step, trainer: Trainer) -> str:
    """The progress bar's running loss and accuracy, and with mini-batches the speed."""
    metrics = f"loss {event.loss:.4g}"
    if event.accuracy is not None:
        metrics += f"  acc {100 * event.accuracy:.2f}%"
    if event.seconds > 0:
        metrics += f"  {event.step * trainer.batch_size / event.seconds:,.0f} samples/s" \
            if trainer.batches > 1 else ""
    return metrics


def applied_update(settings: Settings, before: dict[str, float], after: dict[str, float],
                   decimals: int, network: Network) -> tuple[str, Table] | None:
    """After an explained update: what the optimizer actually did (a line and a table), when it differs
    from the trace's plain gradient-descent step (other optimizers, fixed biases, L2, sequential order).
    A network too large for the unit-by-unit tables gets one row per layer's weights and biases."""
    s = settings
    if (s.optimizer == "sgd" and s.update_order == "simultaneous" and s.update_biases and not s.l2
            and s.clip_norm is None and s.bptt is None):
        return None
    why = []
    if s.optimizer == "perceptron":
        why.append(f"the perceptron rule: w = w + {s.learning_rate:g} (t - y) x, b = b + {s.learning_rate:g} (t - y)")
    elif s.optimizer != "sgd":
        why.append(s.describe_optimizer())
    if not s.update_biases:
        why.append("biases held fixed (update_biases: false)")
    if s.l2:
        why.append(f"L2 {s.l2:g}")
    if s.update_order == "sequential":
        why.append("sequential order: hidden deltas from the already-updated weights above")
    if s.clip_norm is not None:
        why.append(f"gradient clipped to norm {s.clip_norm:g} when longer")
    if s.bptt is not None:
        why.append(f"truncated BPTT: one update per {s.bptt} steps")
    differs = ", which differs from the plain gradient step above" if s.optimizer != "perceptron" else ""
    table = Table(box=head_rule(), pad_edge=False)
    if network.n_params > DETAIL_MAX_PARAMS:
        return f"Applied update ({'; '.join(why)}){differs}, by layer:", _applied_by_layer(before, after, decimals, network)
    for col in ("parameter", "before", "after", "change"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for name, v in before.items():
        table.add_row(name, fmt(v, decimals), fmt(after[name], decimals), fmt(after[name] - v, decimals))
    return f"Applied update ({'; '.join(why)}){differs}:", table


def _applied_by_layer(before: dict[str, float], after: dict[str, float], decimals: int, network: Network) -> Table:
    """The applied update of a large network: per layer's weights and biases, how many changed and by
    how much at most and on average."""
    table = titled_table(None, "parameters", "count", "changed", "largest |change|", "mean |change|")
    for l, layer in enumerate(network.layers, start=1):
        for prm in layer.parameters():
            names = sorted(set(np.array(prm.names, dtype=object).reshape(-1).tolist()))
            change = np.abs(np.array([after[n] - before[n] for n in names]))
            table.add_row(f"layer {l} {prm.name}", f"{len(names):,}", f"{int(np.count_nonzero(change)):,}",
                          fmt(float(change.max()), decimals), fmt(float(change.mean()), decimals))
    return table


# ---------------------------------------------------------------- the final table

def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def duration(seconds: float) -> str:
    """0.41 s, 3.2 ms, 85 µs."""
    if seconds >= 0.1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-4:
        return f"{seconds * 1e3:.2g} ms" if seconds < 1e-3 else f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def results_table(rows: Sequence[tuple[str, int, float, float | None]], loss: str, title: str = "Result",
                  decimals: int = 6) -> Table:
    """rows: (data, samples, loss, accuracy)."""
    accuracy = any(r[3] is not None for r in rows)
    table = titled_table(title, "data", "samples", f"loss ({loss})", *(["accuracy"] if accuracy else []))
    for name, n, value, acc in rows:
        table.add_row(name, f"{n:,}", loss_number(value, decimals), *([percent(acc)] if accuracy else []))
    return table


def final_table(rows: Sequence[tuple[str, int, float, float | None]], loss: str, seconds_per_epoch: float | None,
                epochs: int, steps: int, decimals: int = 6):
    """The result of training: loss and accuracy per split, then the run's length and speed."""
    from rich.console import Group

    per = f"{duration(seconds_per_epoch)} per epoch" if seconds_per_epoch is not None else "less than one epoch"
    line = Text(f"{plural(epochs, 'epoch')}, {plural(steps, 'update')}; {per}")
    return Group(results_table(rows, loss, decimals=decimals), line)


def final_rows(trainer: Trainer) -> list[tuple[str, int, float, float | None]]:
    """(data, samples, loss, accuracy) of each split at the trained weights: final_table's rows."""
    rows = []
    data = trainer.data
    for name, split in (("train", data.train), ("validation", data.validation), ("test", data.test)):
        if split is not None:
            loss, acc = trainer.evaluate(split)
            rows.append((name, split.n, loss, acc))
    return rows


def problem_sized(p: Problem) -> bool:
    """Networks whose every value the foundation's tables show (the slides' examples)."""
    return p.inputs is not None and p.targets is not None and p.network.n_params <= DETAIL_MAX_PARAMS


def train_json(trainer: Trainer, final: Sequence[tuple[str, int, float, float | None]],
               saved: Path | None, updates: list[dict[str, Any]] | None = None,
               example: Trace | None = None) -> dict[str, Any]:
    """`train --format json`: settings, result per split, history; for the slides' examples every value
    of the trained network's worked example; with --explain, every explained update's values and the
    weights after it."""
    p, result = trainer.problem, trainer.result
    data: dict[str, Any] = {
        "problem": p.name, "source": p.source, "settings": trainer.settings.to_dict(),
        "result": {"reason": result.reason, "message": result.message, "epochs": result.epochs,
                   "steps": result.steps, "seconds": result.seconds, "seconds_per_epoch": result.seconds_per_epoch,
                   **{name: {"samples": n, "loss": loss, **({"accuracy": acc} if acc is not None else {})}
                      for name, n, loss, acc in final}},
        "history": trainer.history,
    }
    if saved is not None:
        data["saved"] = str(saved)
    if updates is not None:
        data["updates"] = updates
    if example is not None:
        data["values"] = example.values()
        data["weights"] = trainer.network().parameter_values()
    return data
