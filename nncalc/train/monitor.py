"""The epoch's running loss and accuracy, counted from the outputs the loop kept when something
reads them, and divergence: the first loss or weight that is not finite ends the run."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .events import TrainingError, diverged

if TYPE_CHECKING:
    from .loop import Trainer


class Monitor:
    """Watches a Trainer's run: `running()` for progress, `check_weights()` at each epoch's end;
    `error` is the first loss that was not finite, raised by the loop after the update it came from."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.error: TrainingError | None = None

    def running(self) -> tuple[float, float | None]:
        """This epoch's loss and accuracy so far."""
        self.count_outputs()
        return self.trainer.counter.running()

    def counted_running(self) -> tuple[float, float | None]:
        """running() inside the loop, where a loss that was not finite ends the run."""
        values = self.running()
        if self.error is not None:
            raise self.error
        return values

    def count_outputs(self) -> None:
        """Count the kept outputs not counted yet (training time includes counting what it reports);
        note the first update whose loss was not finite."""
        t = self.trainer
        c = t.counter
        if c.seen <= c.counted or c.perm is None:
            return
        t0 = time.perf_counter()
        c.count()
        t.seconds += time.perf_counter() - t0
        if c.not_finite is not None and self.error is None:
            place, value = c.not_finite
            update = t.step - t.batch + place // (1 if t.perceptron else t.batch_size) + 1
            self.error = self.diverged("the loss", value, update)

    def check_weights(self) -> None:
        """A weight that overflowed ends the run like a loss that did (the loss may stay finite)."""
        if (bad := self.trainer.params.first_not_finite()) is not None:
            raise self.diverged(f"weight {bad[0]}", bad[1], self.trainer.step, by=True)

    def diverged(self, what: str, value: float, update: int, by: bool = False, hint: str = "") -> TrainingError:
        """The error for `what` that became `value` in (or by) update `update` of the current epoch."""
        t = self.trainer
        return diverged(what, value, t.epoch + 1, f"by update {update:,}" if by else f"update {update}",
                        t.settings.learning_rate, t.problem.source, hint)
