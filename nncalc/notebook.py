"""What a training run shows in a notebook (or, from a script, on the terminal): a live progress
line while it runs, the history table when it ends. IPython is only imported when it is running."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from .train import Trainer

REFRESH = 0.1        # seconds between updates of the live display


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's terminal shell draws no HTML)."""
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return ip is not None and hasattr(ip, "kernel")


def progress_html(trainer: "Trainer", step: int, metrics: str) -> str:
    """A progress bar and the running metrics, as HTML."""
    total = max(trainer.target_steps, 1)
    return (f"<div><b>Training {escape(trainer.problem.name)}</b> "
            f'<progress value="{step}" max="{total}" style="width:40%"></progress> '
            f"{step:,}/{total:,} updates &nbsp; {escape(metrics)}</div>")


def history_html(trainer: "Trainer", decimals: int = 6) -> str:
    """The history rows (epoch or step, loss, accuracy, ...) and why the run ended, as an HTML table."""
    from .render.common import Tab
    from .render.html import html_table
    from .render.train import training_header, training_rows

    rows = training_rows(trainer, [], decimals)
    tab = Tab("History", [c.title for c in rows.columns])
    for record in trainer.history:
        tab.add(*(c.value(record).strip() for c in rows.columns))
    result = trainer.result
    ended = f"<p>ended: {escape(result.reason)}; {escape(result.message)}</p>" if result else ""
    return f"<p>{escape(training_header(trainer))}</p>\n{html_table(tab)}\n{ended}"


@contextmanager
def live_progress(trainer: "Trainer") -> Iterator[Callable[[Any], None]]:
    """A function to call with each training event, updating a live display: a notebook cell's
    progress bar (an IPython display handle), else a Rich progress bar on stderr."""
    from .render.train import progress_metrics
    from .train import Step

    last = [0.0]
    if in_notebook():
        from IPython.display import HTML, display

        handle = display(HTML(progress_html(trainer, 0, "")), display_id=True)

        def show(event: Any) -> None:
            now = time.monotonic()
            if isinstance(event, Step) and (now - last[0] >= REFRESH or event.step == trainer.target_steps):
                last[0] = now
                handle.update(HTML(progress_html(trainer, event.step, progress_metrics(event, trainer))))

        yield show
        handle.update(HTML(progress_html(trainer, trainer.step, "done")))
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn(f"training {trainer.problem.name}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[metrics]}"), console=Console(stderr=True), transient=True)
    task = bar.add_task("", total=trainer.target_steps, metrics="")

    def show(event: Any) -> None:
        now = time.monotonic()
        if isinstance(event, Step) and now - last[0] >= REFRESH:
            last[0] = now
            bar.update(task, completed=event.step, metrics=progress_metrics(event, trainer))

    with bar:
        yield show
