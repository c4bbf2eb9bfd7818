"""The training loop: one loop for every optimizer and the perceptron rule, yielding its progress as
events (it never prints; the command line shows them)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import NncalcError
from ..problem import Network, Problem
from . import checkpoint as checkpoints
from .batches import Split, TrainData, data_for, epoch_order
from .metrics import EpochCounter, NetNotFinite, evaluate_layers
from .optimizers import make_optimizer
from .parameters import FlatParams
from .settings import Settings, settings_from_problem
from .steps import GradientStep, PerceptronStep

Array = np.ndarray

EXACT_LOSS_WORK = 5_000_000  # up to this many samples x parameters, reports recompute the training loss


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


class Trainer:
    """Trains a copy of the problem's network on `data` with `settings`.

    `run()` is a generator of Step (after every update) and Report (each history entry) events; when
    it ends, `result` says why. `request_stop()` (e.g. from a SIGINT handler) ends the run after the
    current batch (and, after an epoch's last batch, that epoch's report); the state is then
    consistent and `checkpoint()` can save it for `restore()`.
    """

    def __init__(self, problem: Problem, settings: Settings, data: TrainData, *,
                 report_every: int | None = None,
                 before_step: Callable[["Trainer", Array], None] | None = None) -> None:
        self.problem, self.settings, self.data = problem, settings, data
        self.template = problem.network
        self.dtype = np.dtype(settings.dtype) if settings.dtype else (
            np.dtype(np.float32) if data.train.X.dtype == np.float32 else np.dtype(np.float64))
        self.params = FlatParams.of(problem.network, self.dtype)
        self.optimizer = make_optimizer(settings, self.params.values.size, self.params.n_weights, self.dtype)
        self.report_every, self.before_step = report_every, before_step
        self.rng = np.random.default_rng(settings.seed)
        n = data.train.n
        self.perceptron = self.optimizer is None
        self.batch_size = n if settings.batch_size is None else min(settings.batch_size, n)
        self.batches = n if self.perceptron else -(-n // self.batch_size)
        steps = data.train.X.shape[1] if data.train.is_sequence else 1
        self.exact_loss = n * steps * problem.network.n_params <= EXACT_LOSS_WORK
        self.T = data.train.T if data.train.T.dtype == self.dtype else data.train.T.astype(self.dtype)
        self.counter = EpochCounter(problem.loss, self.T, data.train.labels, self.template, self.dtype,
                                    data.train.mask)
        self.update = PerceptronStep(self) if self.perceptron else GradientStep(self)
        # progress through the run, all saved in a checkpoint (nncalc.train.checkpoint)
        self.epoch = 0
        self.step = 0
        self.seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.perm: Array | None = None
        self.batch = 0
        self.mistakes = 0                # perceptron: samples misclassified this epoch
        self.best: tuple[float, Array] | None = None
        self.waited = 0
        self.diverged: TrainingError | None = None
        self.stop_requested = False
        self.result: TrainResult | None = None

    # ---- public helpers

    def request_stop(self) -> None:
        self.stop_requested = True

    def stop_here(self) -> None:
        """End a run paused between two updates (its consumer was interrupted): result 'interrupted'."""
        self.stop_requested = True
        self.result = self._finish("interrupted")

    def network(self) -> Network:
        """The network with the current weights (float64), as the foundation's commands take it."""
        return self.params.network(self.template)

    def evaluate(self, split: Split) -> tuple[float, float | None]:
        """(loss, accuracy) over a whole split at the current weights, in chunks."""
        return evaluate_layers(self.params.layers, self.problem.loss, split, self.template, self.dtype)

    @property
    def target_steps(self) -> int:
        s = self.settings
        return s.steps if s.steps is not None else s.epochs * self.batches

    def checkpoint(self) -> dict[str, Any]:
        """Everything needed to continue exactly where the run stopped: arrays and JSON-able info."""
        self._count_outputs()
        return checkpoints.state_of(self)

    def restore(self, values: Array, state: dict[str, Any]) -> None:
        """Continue from a checkpoint: weights, optimizer state and the position in the epoch."""
        checkpoints.restore(self, values, state)

    # ---- the loop

    def run(self) -> Iterator[Step | Report]:
        # overflow on the way to a NaN loss is reported as a TrainingError, not as NumPy warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            yield from self._run()

    def _run(self) -> Iterator[Step | Report]:
        """Update by update; an epoch ends (its report, early stopping, the perceptron's convergence)
        before anything else happens, also when the run was stopped or resumed right after its last batch."""
        if self._report_due() and (not self.history or self.history[-1]["step"] != self.step):
            yield Report(self._record())     # resumed where the report of the last update was not made
        while True:
            if self.perm is not None and self.batch >= self.batches:
                if (ended := (yield from self._end_epoch())) is not None:
                    self.result = ended
                    return
            if (reason := self._done_reason()) is not None:
                self.result = self._out_of_time(reason)
                return
            if self.stop_requested:
                self.result = self._finish("interrupted")
                return
            if self.perm is None:
                self._start_epoch()
            lo = self.batch * self.batch_size if not self.perceptron else self.batch
            idx = self.perm[lo:lo + (1 if self.perceptron else self.batch_size)]
            if self.before_step is not None:
                self.before_step(self, idx)
            t0 = time.perf_counter()
            self.counter.seen = lo + self.update(lo, idx, self.step + 1)
            self.step += 1
            self.batch += 1
            self.seconds += time.perf_counter() - t0
            yield Step(self.step, self.epoch + 1, self.batch, self.batches, self.counter.seen, self.seconds,
                       self._running)
            if self._report_due():
                yield Report(self._record())
            if self.diverged is not None:
                raise self.diverged
            if self.stop_requested and self.batch < self.batches:
                self.result = self._finish("interrupted")
                return

    def _report_due(self) -> bool:
        return bool(self.report_every) and self.step > 0 and self.step % self.report_every == 0

    def _done_reason(self) -> str | None:
        s = self.settings
        if s.steps is not None:
            return "steps" if self.step >= s.steps else None
        return "epochs" if self.epoch >= s.epochs else None

    def _out_of_time(self, reason: str) -> TrainResult:
        """The result at the step or epoch limit; the perceptron rule then did not converge."""
        if not self.perceptron or reason == "steps":        # the caller's limit, not given up
            return self._finish(reason)
        result = self._finish("not_converged")
        result.message = self.update.not_separable(self.epoch)
        return result

    def _start_epoch(self) -> None:
        shuffle = self.settings.shuffle and self.batches > 1
        self.perm = epoch_order(self.rng, self.data.train.n, shuffle)
        self.batch = 0
        self.counter.reset(self.perm)
        self.mistakes = 0

    def _end_epoch(self) -> Iterator[Report]:
        """Count the finished epoch, report it; the result if training ends here, else None."""
        self._counted_running()
        self._check_weights()
        self.epoch += 1
        self.perm = None
        if not self.report_every:
            yield Report(self._record())
        if self.perceptron and self.mistakes == 0:
            result = self._finish("converged")
            result.message = f"converged: epoch {self.epoch} classified all {self.data.train.n} samples correctly"
            return result
        if not self.perceptron and self.settings.patience is not None and self._early_stop():
            return self._finish("early_stopping")
        return None

    # ---- the epoch's running loss and accuracy, and divergence

    def _running(self) -> tuple[float, float | None]:
        """This epoch's loss and accuracy so far."""
        self._count_outputs()
        return self.counter.running()

    def _counted_running(self) -> tuple[float, float | None]:
        """_running() inside the loop, where a loss that was not finite ends the run."""
        values = self._running()
        if self.diverged is not None:
            raise self.diverged
        return values

    def _count_outputs(self) -> None:
        """Count the kept outputs not counted yet (training time includes counting what it reports);
        note the first update whose loss was not finite."""
        c = self.counter
        if c.seen <= c.counted or c.perm is None:
            return
        t0 = time.perf_counter()
        c.count()
        self.seconds += time.perf_counter() - t0
        if c.not_finite is not None and self.diverged is None:
            place, value = c.not_finite
            update = self.step - self.batch + place // (1 if self.perceptron else self.batch_size) + 1
            self.diverged = self._diverged("the loss", value, update)

    def _check_weights(self) -> None:
        """A weight that overflowed ends the run like a loss that did (the loss may stay finite)."""
        if (bad := self.params.first_not_finite()) is not None:
            raise self._diverged(f"weight {bad[0]}", bad[1], self.step, by=True)

    def _diverged(self, what: str, value: float, update: int, by: bool = False, hint: str = "") -> TrainingError:
        return diverged(what, value, self.epoch + 1, f"by update {update:,}" if by else f"update {update}",
                        self.settings.learning_rate, self.problem.source, hint)

    # ---- history, early stopping and the result

    def _record(self) -> dict[str, Any]:
        """A history entry at the current weights."""
        epoch = self.epoch + (self.batch / self.batches if self.perm is not None else 0)
        rec: dict[str, Any] = {"epoch": int(epoch) if epoch == int(epoch) else round(epoch, 4),
                               "step": self.step}
        loss, acc = self._evaluate_train() if self.exact_loss else self._counted_running()
        if not math.isfinite(loss):          # the loss at these weights, after the last update
            self._counted_running()
            raise self._diverged("the loss", loss, self.step)
        rec["loss"] = loss
        if acc is not None:
            rec["accuracy"] = acc
        if self.data.validation is not None:
            vloss, vacc = self.evaluate(self.data.validation)
            rec["val_loss"] = vloss
            if vacc is not None:
                rec["val_accuracy"] = vacc
        rec["seconds"] = self.seconds
        self.history.append(rec)
        return rec

    def _evaluate_train(self) -> tuple[float, float | None]:
        """evaluate() on the training split, where a net input that is not finite ends the run."""
        try:
            return evaluate_layers(self.params.layers, self.problem.loss, self.data.train, self.template,
                                   self.dtype, check_nets=True)
        except NetNotFinite as exc:
            unit = self.template.layers[exc.layer].units[exc.unit]
            raise self._diverged(f"net.{unit}", exc.value, self.step, by=True,
                                 hint="the inputs or the weights are too large for float64") from None

    def _early_stop(self) -> bool:
        """Keep the best weights seen; stop when `patience` epochs in a row did not improve on them."""
        rec = self.history[-1] if self.history and self.history[-1]["step"] == self.step else None
        if rec is not None:
            value = rec.get("val_loss", rec["loss"])
        else:
            value = self.evaluate(self.data.validation or self.data.train)[0]
        if self.best is None or value < self.best[0]:
            self.best = (value, self.params.values.copy())
            self.waited = 0
            return False
        self.waited += 1
        if self.waited >= self.settings.patience:
            self.params.values[...] = self.best[1]
            return True
        return False

    def _finish(self, reason: str) -> TrainResult:
        """The result; the history ends at the final weights (an interrupted run adds no entry, so
        that the resumed run's history is the uninterrupted one's)."""
        if reason != "interrupted":
            self._check_weights()
            if not self.history or self.history[-1]["step"] != self.step:
                self._record()
        messages = {
            "epochs": f"stopped after {self.epoch:,} epoch{'s' if self.epoch != 1 else ''} (the limit)",
            "steps": f"stopped after {self.step:,} update{'s' if self.step != 1 else ''} (the limit)",
            "early_stopping": (f"early stopping: no improvement for {self.settings.patience} epochs; "
                               f"kept the best weights (loss {self.best[0]:.6g})" if self.best else ""),
            "interrupted": f"interrupted in epoch {self.epoch + 1} after update {self.step}",
        }
        return TrainResult(self.history, reason, self.epoch, self.step, self.seconds, messages.get(reason, ""))


def train(problem: Problem, settings: Settings | None = None, data: TrainData | None = None,
          **kwargs: Any) -> Trainer:
    """Train to the end (no progress shown) and return the Trainer, for scripts and tests."""
    settings = settings or settings_from_problem(problem)
    data = data or data_for(problem, None, settings.validation_split, settings.dtype)
    trainer = Trainer(problem, settings, data, **kwargs)
    for _ in trainer.run():
        pass
    return trainer
