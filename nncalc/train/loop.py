"""The training loop: one loop for every optimizer and the perceptron rule, yielding its progress as
events (it never prints; the command line shows them)."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import numpy as np

from ..problem import Network, Problem
from . import checkpoint as checkpoints
from .batches import Split, TrainData, epoch_order, training_data
from .events import Report, Step, TrainResult
from .history import History
from .metrics import EpochCounter, evaluate_layers
from .monitor import Monitor
from .optimizers import make_optimizer
from .parameters import FlatParams
from .settings import Settings, settings_from_problem
from .steps import GradientStep, PerceptronStep

Array = np.ndarray


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
        self.T = data.train.T if data.train.T.dtype == self.dtype else data.train.T.astype(self.dtype)
        self.counter = EpochCounter(problem.loss, self.T, data.train.labels, self.template, self.dtype,
                                    data.train.mask)
        self.update = PerceptronStep(self) if self.perceptron else GradientStep(self)
        # progress through the run, all saved in a checkpoint (nncalc.train.checkpoint)
        self.epoch = 0
        self.step = 0
        self.seconds = 0.0
        self.perm: Array | None = None
        self.batch = 0
        self.mistakes = 0                # perceptron: samples misclassified this epoch
        self.stop_requested = False
        self.result: TrainResult | None = None
        self.records = History(self)     # the history entries and early stopping's best weights
        self.monitor = Monitor(self)     # the running loss and accuracy; values that are not finite

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

    @property
    def history(self) -> list[dict[str, Any]]:
        """The history entries so far (each a dict: epoch, step, loss, ...)."""
        return self.records.entries

    def evaluate(self, split: Split) -> tuple[float, float | None]:
        """(loss, accuracy) over a whole split at the current weights, in chunks."""
        return evaluate_layers(self.params.layers, self.problem.loss, split, self.template, self.dtype)

    @property
    def target_steps(self) -> int:
        s = self.settings
        return s.steps if s.steps is not None else s.epochs * self.batches

    def checkpoint(self) -> dict[str, Any]:
        """Everything needed to continue exactly where the run stopped: arrays and JSON-able info."""
        self.monitor.count_outputs()
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
        if self._report_due() and not self.records.at_step():
            yield Report(self.records.record())     # resumed where the report of the last update was not made
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
                       self.monitor.running)
            if self._report_due():
                yield Report(self.records.record())
            if self.monitor.error is not None:
                raise self.monitor.error
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
        self.monitor.counted_running()
        self.monitor.check_weights()
        self.epoch += 1
        self.perm = None
        if not self.report_every:
            yield Report(self.records.record())
        if self.perceptron and self.mistakes == 0:
            result = self._finish("converged")
            result.message = f"converged: epoch {self.epoch} classified all {self.data.train.n} samples correctly"
            return result
        if not self.perceptron and self.settings.patience is not None \
                and self.records.early_stop(self.settings.patience):
            return self._finish("early_stopping")
        return None

    # ---- the result

    def _finish(self, reason: str) -> TrainResult:
        """The result; the history ends at the final weights (an interrupted run adds no entry, so
        that the resumed run's history is the uninterrupted one's)."""
        if reason != "interrupted":
            self.monitor.check_weights()
            if not self.records.at_step():
                self.records.record()
        best = self.records.best
        messages = {
            "epochs": f"stopped after {self.epoch:,} epoch{'s' if self.epoch != 1 else ''} (the limit)",
            "steps": f"stopped after {self.step:,} update{'s' if self.step != 1 else ''} (the limit)",
            "early_stopping": (f"early stopping: no improvement for {self.settings.patience} epochs; "
                               f"kept the best weights (loss {best[0]:.6g})" if best else ""),
            "interrupted": f"interrupted in epoch {self.epoch + 1} after update {self.step}",
        }
        return TrainResult(self.records.entries, reason, self.epoch, self.step, self.seconds, messages.get(reason, ""))


def train(problem: Problem, settings: Settings | None = None, data: TrainData | None = None,
          **kwargs: Any) -> Trainer:
    """Train to the end (no progress shown) and return the Trainer, for scripts and tests."""
    settings = settings or settings_from_problem(problem)
    trainer = Trainer(problem, settings, data or training_data(problem, settings), **kwargs)
    for _ in trainer.run():
        pass
    return trainer
