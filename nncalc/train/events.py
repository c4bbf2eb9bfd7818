"""What a training run tells its consumer: a Step after each update, a Report per history entry,
the TrainResult when it ends, and the TrainingError that stops it (a value that is not finite)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import NncalcError


class TrainingError(NncalcError):
    """Training that cannot go on (a loss or a weight that became NaN or inf)."""

    kind = "training"


def diverged(what: str, value: float, epoch: int, when: str, lr: float, source: str | None,
             hint: str = "") -> TrainingError:
    """'the loss became NaN in epoch 3 (update 12) at learning rate 10: training stopped; try ...'."""
    kind = "NaN" if math.isnan(value) else "infinite"
    hint = hint or f"try a smaller learning rate, e.g. --learning-rate {lr / 10:g}"
    return TrainingError(f"{what} became {kind} in epoch {epoch} ({when}) at learning rate {lr:g}: "
                         f"training stopped; {hint}", file=source)


@dataclass(slots=True)
class Step:
    """Progress after one update. `loss` and `accuracy` (None without classes) are this epoch's
    running values, worked out when read from the outputs the trainer kept: a progress bar reads them
    a few times a second, and the loss of every batch is not computed for nothing. Read them before
    advancing the run."""

    step: int
    epoch: int            # 1-based, the epoch this update belongs to
    batch: int            # 1-based within the epoch
    batches: int
    samples: int          # samples seen this epoch
    seconds: float        # training time so far (the whole run)
    running: Callable[[], tuple[float, float | None]]

    @property
    def loss(self) -> float:
        return self.running()[0]

    @property
    def accuracy(self) -> float | None:
        return self.running()[1]


@dataclass(frozen=True)
class Report:
    """One history entry (every epoch, or every K updates)."""

    record: dict[str, Any]


@dataclass
class TrainResult:
    history: list[dict[str, Any]]
    reason: str                 # epochs, steps, early_stopping, converged, not_converged, interrupted
    epochs: int                 # completed epochs
    steps: int
    seconds: float              # time spent training (not evaluating)
    message: str = ""

    @property
    def seconds_per_epoch(self) -> float | None:
        return self.seconds / self.epochs if self.epochs else None
