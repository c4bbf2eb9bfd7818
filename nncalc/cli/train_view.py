"""What the user sees while `nncalc train` runs: the header and rows, the progress bar, --explain's
tables, and the closing table and pictures. The text and tables come from nncalc.render.train (pictures: nncalc.render.plot); this
module decides when they are printed and owns the console and the bar."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

from .common import unicode_ok

SMALL_OUTPUTS = 8           # rows show every output value up to this many (samples x outputs)
BAR_REFRESH = 0.05          # seconds between progress bar updates


class _View:
    """Rows, the progress bar, --explain's tables and the closing pictures, on one console."""

    def __init__(self, console, run, *, quiet: int, decimals: int, watched: list[str], collect: bool = False) -> None:
        self.console, self.run, self.trainer = console, run, run.trainer
        self.p, self.settings, self.data = run.trainer.problem, run.trainer.settings, run.trainer.data
        self.updates: list | None = [] if collect else None   # --explain to a document: each update's values, not on screen
        self.traces: list = []           # and each update's trace (--format latex writes them)
        self.quiet, self.decimals, self.watched = quiet, decimals, watched
        self.unicode = unicode_ok(console)
        self.bar = None
        self.task = None
        self.rows = None
        self.last_bar = 0.0
        self.explaining = False
        self.before_values = None
        n_out = self.data.train.n * len(self.p.network.outputs)
        self.show_outputs = self.p.inputs is not None and n_out <= SMALL_OUTPUTS and not self.data.train.is_sequence

    def say(self, line: str) -> None:
        """A line as it is (the rows: never wrapped, so that piped rows stay one per line)."""
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def tell(self, text: str) -> None:
        """A sentence, wrapped to the console's width."""
        from rich.text import Text

        self.show(Text(text))

    def show(self, renderable) -> None:
        """A table or picture: padded to its width on a terminal, without trailing spaces when piped."""
        from .common import emit

        emit(self.console, renderable)

    def start(self, explain: bool) -> None:
        from ..render.train import training_header, training_rows

        trainer, self.explaining = self.trainer, explain
        self.rows = training_rows(trainer, self._output_names() + self.watched, self.decimals)
        if self.show_outputs and len(self.rows.header()) > self.console.width:
            self.show_outputs = False        # the outputs do not fit: --format json and --log hold them
            self.rows = training_rows(trainer, self.watched, self.decimals)
        if self.quiet >= 2:
            return
        self.tell(training_header(trainer))
        if not explain:
            self.say(self.rows.header())
        if self.quiet == 0 and self.console.is_terminal and not explain:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn)

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[metrics]}"), TimeRemainingColumn(),
                                console=self.console, transient=True)
            per_epoch = trainer.batches > 1
            self.task = self.bar.add_task("epoch 1" if per_epoch else "updates",
                                          total=trainer.batches if per_epoch else trainer.target_steps, metrics="")
            self.bar.start()

    def _output_names(self) -> list[str]:
        from ..render.train import output_names

        return output_names(self.p.network.outputs, self.data.train.n) if self.show_outputs else []

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    # ---- events

    def before_step(self, trainer, idx) -> None:
        """--explain: the foundation's tables and derivation for this update, from the current weights."""
        from ..render.common import too_large
        from ..render.explain import explain_text
        from ..render.table import view

        gradients = not trainer.perceptron          # step and sign units have none
        batch = self.data.train.take(idx)
        if self.updates is not None:      # --format json/latex: every value of every explained update
            trace = self.run.worked_example(batch=batch, times=trainer.target_steps)
        else:                             # on screen: a network shown layer by layer needs no names
            shown = replace(trainer.problem, network=trainer.network(), inputs=batch.X, targets=batch.T)
            trace = self.run.worked_example(batch=batch, named=not too_large(shown))
        self.before_values = trainer.network().parameter_values()
        self.traces.append(trace)
        if self.updates is not None:
            self.updates.append({"update": trainer.step + 1, "values": trace.values()})
            return
        self.console.rule(f"update {trainer.step + 1} of {trainer.target_steps}", characters="─" if self.unicode else "-")
        self.show(view(trace, self.decimals, unicode=self.unicode, width=self.console.width))
        if gradients:
            self.say("")
            self.say(explain_text(trace, self.decimals, unicode=self.unicode, width=self.console.width))

    def step(self, event) -> None:
        if self.explaining and self.before_values is not None:
            self._applied()
        if self.bar is None:
            return
        now = time.monotonic()
        end_of_epoch = event.batch == event.batches
        if now - self.last_bar < BAR_REFRESH and not end_of_epoch:
            return
        self.last_bar = now
        from ..render.train import progress_metrics

        metrics = progress_metrics(event, self.trainer)
        if self.trainer.batches > 1:
            self.bar.update(self.task, completed=event.batch, description=f"epoch {event.epoch}", metrics=metrics)
            if end_of_epoch:
                self.bar.reset(self.task, total=event.batches, description=f"epoch {event.epoch + 1}", metrics="")
        else:
            self.bar.update(self.task, completed=event.step, metrics=metrics)

    def _applied(self) -> None:
        """After an explained update: what the optimizer actually did, when that is not the plain step."""
        from ..render.train import applied_update

        after = self.trainer.network().parameter_values()
        before, self.before_values = self.before_values, None
        if self.updates is not None:
            self.updates[-1]["weights"] = after
            return
        applied = applied_update(self.settings, before, after, self.decimals, self.p.network)
        if applied is None:
            return
        line, table = applied
        self.tell(line)
        self.show(table)

    def report(self, record: dict[str, Any]) -> None:
        if self.show_outputs or self.watched:
            record.update(self._extras())
        if self.quiet >= 2 or self.explaining:
            return
        line = self.rows.row(record)
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            self.say(line)

    def _extras(self) -> dict[str, float]:
        values: dict[str, float] = {}
        if self.show_outputs:
            Y = self.run.outputs(self.data.train.X)
            values.update({name: float(v) for name, v in zip(self._output_names(), Y.ravel().tolist())})
        if self.watched:
            params = self.trainer.network().parameter_values()
            values.update({name: params[name] for name in self.watched})
        return values

    # ---- the end

    def finish(self, result, final, save: Optional[Path], plot: Optional[Path]) -> None:
        from ..render.plot import loss_curve
        from ..render.train import final_table

        if result.message:
            self.tell(result.message)
        self.show(final_table(final, self.p.loss, result.seconds_per_epoch, result.epochs,
                                       result.steps, self.decimals))
        if self.quiet == 0 and not self.explaining:
            curve = loss_curve(self.trainer.history, width=min(64, max(self.console.width - 14, 20)),
                               unicode=self.unicode)
            if curve:
                self.say("\n".join(line.rstrip() for line in curve.splitlines()))
            if len(self.p.network.inputs) == 2 and self.data.train.n > 1 and not self.data.train.is_sequence:
                self.say("")
                self.say("Decision map (what the network predicts over the plane of its two inputs):")
                self.show(self._map())
        if save is not None:
            self.tell(f"saved the trained model to {save}")
        if plot is not None:
            self.tell(f"saved the loss curve to {plot}")

    def _map(self):
        from ..render.plot import decision_map

        d = self.data
        classes = d.classes or (("0", "1") if d.train.labels is not None else None)

        def predict(points):
            Y = self.run.outputs(points)
            return self.run.labels(Y) if classes is not None else Y[:, 0]

        width = max(min(self.console.width - 4, 64), 20)
        colour = self.console.is_terminal and not self.console.no_color
        return decision_map(predict, d.train.X, d.train.labels, classes, width=width, height=width * 3 // 8,
                            colour=colour, names=tuple(self.p.network.inputs[:2]))
