"""`nncalc train`'s result as the format registry's subject "train": the run's rows and closing table
(`-o FILE`), its JSON, or with --explain a LaTeX document of every update."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..train import Trainer
    from ..trace import Trace
    from .train import HistoryRows


@dataclass
class TrainingReport:
    """A finished training run as `train --format FMT` and `-o FILE` write it."""

    trainer: "Trainer"
    final: list[tuple[str, int, float, float | None]]    # (data, samples, loss, accuracy) per split
    rows: "HistoryRows"                                  # the history columns the run showed
    saved: Path | None = None
    updates: list[dict[str, Any]] | None = None          # --explain: each update's values and weights after it
    traces: list["Trace"] = field(default_factory=list)  # --explain: each update's worked example
    example: "Trace | None" = None                       # the trained weights' worked example (the slides' sizes)


def train_table(report: TrainingReport, style: Any) -> Any:
    """The header, every history row, why the run ended and the closing table."""
    from rich.console import Group
    from rich.text import Text

    from .train import final_table, training_header

    t, result = report.trainer, report.trainer.result
    lines = [training_header(t), report.rows.header()] + [report.rows.row(record) for record in t.history]
    lines += [result.message] if result.message else []
    return Group(*(Text(line) for line in lines),
                 final_table(report.final, t.problem.loss, result.seconds_per_epoch, result.epochs, result.steps,
                             style.decimals))


def train_json(report: TrainingReport, style: Any) -> str:
    """Settings, result per split and history (and the explained updates, the worked example)."""
    from .json import to_json
    from .train import train_json as train_dict

    return to_json(train_dict(report.trainer, report.final, report.saved, report.updates, report.example)) + "\n"


def _document(report: TrainingReport, style: Any) -> Any:
    """The training's settings, then each explained update's worked example, as a document."""
    from .document import Training, training_document
    from .train import training_header

    return training_document(Training(training_header(report.trainer), tuple(report.traces)), style.decimals)


def train_latex(report: TrainingReport, style: Any) -> str:
    from .latex import latex_document

    return latex_document(_document(report, style))


def train_latex_fragment(report: TrainingReport, style: Any) -> str:
    from .latex import latex_fragment

    return latex_fragment(_document(report, style))


def train_beamer(report: TrainingReport, style: Any) -> str:
    from .latex import beamer_document

    return beamer_document(_document(report, style))


def train_html(report: TrainingReport, style: Any) -> str:
    from .html import html_document

    return html_document(_document(report, style))
