"""What training and evaluation show: history rows, the final table, a loss curve and a decision
map drawn in the terminal, per-class precision/recall and the confusion matrix. Each function
returns text or Rich renderables; the CLI prints them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from ..errors import ComputeError
from ..train.metrics import per_class
from .common import DETAIL_MAX_PARAMS, fmt

if TYPE_CHECKING:
    from ..problem import Network, Problem
    from ..trace import Trace
    from ..train import Settings, Step, Trainer

# TensorFlow Playground's orange and blue first, then distinct colours for more classes.
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf")
REGION_COLOURS = ("#fbd3a6", "#a9d3ef", "#bfe5bf", "#d9cbe8", "#f2b5b5", "#dccbc6", "#f6cde6", "#d9d9d9",
                  "#e9e9b0", "#b3eaf0")
POINT_CHARS = "ox+*#@%&$="
REGION_CHARS = ". :-~=^'`,"
SHADES = " .:-=+*#%@"
TARGET_ROWS = 20            # without --every, long runs show about this many rows


class _TitledTable(Table):
    """A table drawn as the worked examples' are (render.common.rich_table): its title a bold line of
    its own above it, never wrapped to the table's width, and no edge."""

    def __rich_console__(self, console, options):
        title, self.title = self.title, None
        try:
            if title:
                yield Text("")
                yield Text(title, style="bold")
            yield from super().__rich_console__(console, options)
        finally:
            self.title = title


def _table(title: str | None, *columns: str, numeric_from: int = 1) -> Table:
    table = _TitledTable(title=title, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i >= numeric_from else "left", no_wrap=True)
    return table


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def _num(x: float | None, decimals: int = 6) -> str:
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
    cols.append(Column(loss_name, max(w, len(loss_name)), lambda r: _num(r.get("loss"), decimals)))
    if accuracy:
        cols.append(Column("accuracy", 8, lambda r: _pct(r.get("accuracy"))))
    if validation:
        cols.append(Column("val loss", w, lambda r: _num(r.get("val_loss"), decimals)))
        if accuracy:
            cols.append(Column("val acc", 8, lambda r: _pct(r.get("val_accuracy"))))
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
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
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
    table = _table(None, "parameters", "count", "changed", "largest |change|", "mean |change|")
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
    table = _table(title, "data", "samples", f"loss ({loss})", *(["accuracy"] if accuracy else []))
    for name, n, value, acc in rows:
        table.add_row(name, f"{n:,}", _num(value, decimals), *([_pct(acc)] if accuracy else []))
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


def json_text(data: Any) -> str:
    """Indented JSON of a command's result; a value that is not finite (JSON has no NaN or infinity)
    is a ComputeError naming where it is."""
    try:
        return json.dumps(data, indent=2, allow_nan=False)
    except ValueError:
        where, value = _not_finite(data, "")
        kind = "NaN" if math.isnan(value) else "infinite"
        raise ComputeError(f"{where or 'a value'} is {kind}, which JSON cannot hold (did a value overflow?)") from None


def _not_finite(data: Any, at: str) -> tuple[str, float]:
    """The key path and value of the first number in data that is not finite."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, (list, tuple)) else ()
    for key, value in items:
        path = f"{at}[{key}]" if isinstance(key, int) else (f"{at}.{key}" if at else str(key))
        if isinstance(value, float) and not math.isfinite(value):
            return path, value
        if isinstance(value, (dict, list, tuple)):
            found = _not_finite(value, path)
            if found[0]:
                return found
    return "", math.nan


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


# ---------------------------------------------------------------- evaluation

def evaluation_json(model: str, data: str, samples: int, loss: float, accuracy: float | None,
                    cm: np.ndarray | None, classes: Sequence[str] | None) -> dict[str, Any]:
    """`evaluate --format json`: loss; with class labels, accuracy, per-class scores and the matrix."""
    result: dict[str, Any] = {"model": model, "data": data, "samples": samples, "loss": loss}
    if cm is not None:
        result["accuracy"] = accuracy
        result["classes"] = {c: {"precision": p_, "recall": r, "f1": f1, "samples": n}
                             for c, (p_, r, f1, n) in zip(classes, per_class(cm))}
        result["confusion_matrix"] = cm.tolist()
    return result


def class_report(cm: np.ndarray, classes: Sequence[str]) -> Table:
    """Per-class precision, recall, F1 and support, with macro averages."""
    table = _table("Per class", "class", "precision", "recall", "F1", "samples")
    stats = per_class(cm)
    for name, (p, r, f1, n) in zip(classes, stats):
        table.add_row(str(name), _pct(p), _pct(r), _pct(f1), f"{n:,}")
    table.add_section()
    mean = lambda i: float(np.mean([s[i] for s in stats if s[i] is not None])) if any(s[i] is not None for s in stats) else None  # noqa: E731
    table.add_row("macro average", _pct(mean(0)), _pct(mean(1)), _pct(mean(2)), f"{int(cm.sum()):,}")
    return table


def confusion_table(cm: np.ndarray, classes: Sequence[str], colour: bool = True) -> Table:
    """Rows: true class; columns: predicted class; the diagonal (correct) in bold."""
    table = _TitledTable(title="Confusion matrix (rows: true class, columns: predicted)", box=box.SIMPLE_HEAD,
                         pad_edge=False, show_edge=False)
    table.add_column("true\\pred", justify="left", no_wrap=True)
    width = len(str(int(cm.max()))) if cm.size else 1   # counts are never cut: columns keep this width
    for name in classes:
        table.add_column(str(name), justify="right", no_wrap=True, min_width=max(width, len(str(name))))
    for i, name in enumerate(classes):
        cells = []
        for j in range(len(classes)):
            v = int(cm[i, j])
            cells.append(Text(str(v), style="bold" if i == j and colour else ("dim" if v == 0 and colour else "")))
        table.add_row(str(name), *cells)
    return table


def predictions_table(rows: Sequence[Sequence[str]], columns: Sequence[str], more: int = 0):
    """One row per sample; `more` samples not shown are counted below the table."""
    from rich.console import Group

    table = _table("Predictions", *columns)
    for row in rows:
        table.add_row(*row)
    if not more:
        return table
    return Group(table, Text(f"… and {more:,} more (all of them: --format csv or --format json)"))


# ---------------------------------------------------------------- predictions

def prediction_records(Y: np.ndarray, predicted: np.ndarray | None, labels: np.ndarray | None,
                       classes: Sequence[str] | None, outputs: Sequence[str]) -> list[dict[str, Any]]:
    """One record per sample: the predicted class and its probability (classifiers), the true class
    when known, and the output values (a classifier's only up to 12 outputs)."""
    records: list[dict[str, Any]] = []
    for k in range(Y.shape[0]):
        rec: dict[str, Any] = {"sample": k + 1}
        if predicted is not None:
            c = int(predicted[k])
            rec["class"] = classes[c] if c < len(classes) else str(c)
            rec["probability"] = float(Y[k, c] if Y.shape[1] > 1 else (Y[k, 0] if c == 1 else 1 - Y[k, 0]))
        if labels is not None:
            c = int(labels[k])
            rec["true"] = classes[c] if classes is not None and c < len(classes) else str(c)
        rec.update({o: float(v) for o, v in zip(outputs, Y[k].tolist())} if Y.shape[1] <= 12 or predicted is None else {})
        records.append(rec)
    return records


def _record_columns(records: Sequence[dict[str, Any]]) -> list[str]:
    return list(records[0]) if records else ["sample"]


def predictions_csv(records: Sequence[dict[str, Any]]) -> str:
    """Every record as a CSV row under a header line."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_record_columns(records), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def predictions_view(records: Sequence[dict[str, Any]], outputs: Sequence[str], classified: bool,
                     decimals: int, limit: int | None):
    """The predictions table of the first `limit` records (None: all); a classifier with more than 4
    outputs shows no output columns, so the table stays readable (csv and json hold them all)."""
    columns = _record_columns(records)
    if classified and len(outputs) > 4:
        columns = [c for c in columns if c not in outputs]
    shown = records if limit is None else records[:max(limit, 0)]
    cell = lambda v: fmt(v, decimals) if isinstance(v, float) else str(v)  # noqa: E731
    rows = [[cell(r.get(c, "")) for c in columns] for r in shown]
    return predictions_table(rows, columns, more=len(records) - len(shown))


# ---------------------------------------------------------------- `evaluate` (registry subject "evaluate")

@dataclass(frozen=True)
class Evaluation:
    """What `nncalc evaluate` found: the model's loss (and accuracy and confusion) on one data set."""

    model: str                   # the model file as given
    title: str                   # the model's name
    data: str
    samples: int
    loss_name: str
    loss: float
    accuracy: float | None
    cm: np.ndarray | None
    classes: Sequence[str] | None


def evaluation_table(ev: Evaluation, style) -> Any:
    """The result table, and with classes the per-class report and the confusion matrix."""
    from rich.console import Group

    parts: list[Any] = [results_table([(ev.data, ev.samples, ev.loss, ev.accuracy)], ev.loss_name,
                                      f"{ev.title} on {ev.data}", style.decimals)]
    if ev.cm is not None:
        parts += [class_report(ev.cm, ev.classes), confusion_table(ev.cm, ev.classes)]
    return Group(*parts)


def evaluation_text(ev: Evaluation, style) -> str:
    return json_text(evaluation_json(ev.model, ev.data, ev.samples, ev.loss, ev.accuracy, ev.cm, ev.classes))
