"""What `nncalc evaluate` and `nncalc predict` show: a model's loss, accuracy, per-class precision
and recall and confusion matrix on a data set, and its predictions as a table, CSV or records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np
from rich.table import Table
from rich.text import Text

from ..train.metrics import per_class
from .common import fmt, titled_table
from .json import to_json
from .train import percent, results_table


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
    table = titled_table("Per class", "class", "precision", "recall", "F1", "samples")
    stats = per_class(cm)
    for name, (p, r, f1, n) in zip(classes, stats):
        table.add_row(str(name), percent(p), percent(r), percent(f1), f"{n:,}")
    table.add_section()
    mean = lambda i: float(np.mean([s[i] for s in stats if s[i] is not None])) if any(s[i] is not None for s in stats) else None  # noqa: E731
    table.add_row("macro average", percent(mean(0)), percent(mean(1)), percent(mean(2)), f"{int(cm.sum()):,}")
    return table


def confusion_table(cm: np.ndarray, classes: Sequence[str], colour: bool = True) -> Table:
    """Rows: true class; columns: predicted class; the diagonal (correct) in bold."""
    table = titled_table("Confusion matrix (rows: true class, columns: predicted)")
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

    table = titled_table("Predictions", *columns)
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
    return to_json(evaluation_json(ev.model, ev.data, ev.samples, ev.loss, ev.accuracy, ev.cm, ev.classes))


# ---------------------------------------------------------------- `nncalc predict`: registry subject 'predict'

class Shown(NamedTuple):
    """What `nncalc predict` renders: the predictions (api.Predictions: model, data, records, outputs,
    classified) and how many rows the table shows (None: all; csv and json hold every record)."""

    predictions: Any
    limit: int | None = None


def predict_table(shown: Shown, style) -> Any:
    p = shown.predictions
    return predictions_view(p.records, p.outputs, p.classified, style.decimals, shown.limit)


def predict_json(shown: Shown, style) -> str:
    p = shown.predictions
    return to_json({"model": p.model, "data": p.data, "predictions": p.records})


def predict_csv(shown: Shown, style) -> str:
    return predictions_csv(shown.predictions.records)
