"""The run's history: an entry of loss, accuracy and validation values at the weights of chosen
updates (every epoch, or every K updates), and early stopping's best weights so far."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .metrics import NetNotFinite, evaluate_layers

if TYPE_CHECKING:
    from .loop import Trainer

EXACT_LOSS_WORK = 5_000_000  # up to this many samples x parameters, entries recompute the training loss


class History:
    """A Trainer's history entries, and the best (loss, weights) early stopping keeps."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.entries: list[dict[str, Any]] = []
        self.best: tuple[float, Any] | None = None
        self.waited = 0
        train = trainer.data.train
        steps = train.X.shape[1] if train.is_sequence else 1
        self.exact_loss = train.n * steps * trainer.template.n_params <= EXACT_LOSS_WORK

    def at_step(self) -> bool:
        """Whether the last entry is at the current update."""
        return bool(self.entries) and self.entries[-1]["step"] == self.trainer.step

    def record(self) -> dict[str, Any]:
        """A history entry at the current weights."""
        t = self.trainer
        epoch = t.epoch + (t.batch / t.batches if t.perm is not None else 0)
        rec: dict[str, Any] = {"epoch": int(epoch) if epoch == int(epoch) else round(epoch, 4), "step": t.step}
        loss, acc = self._evaluate_train() if self.exact_loss else t.monitor.counted_running()
        if not math.isfinite(loss):          # the loss at these weights, after the last update
            t.monitor.counted_running()
            raise t.monitor.diverged("the loss", loss, t.step)
        rec["loss"] = loss
        if acc is not None:
            rec["accuracy"] = acc
        if t.data.validation is not None:
            vloss, vacc = t.evaluate(t.data.validation)
            rec["val_loss"] = vloss
            if vacc is not None:
                rec["val_accuracy"] = vacc
        rec["seconds"] = t.seconds
        self.entries.append(rec)
        return rec

    def _evaluate_train(self) -> tuple[float, float | None]:
        """The training split's loss and accuracy, where a net input that is not finite ends the run."""
        t = self.trainer
        try:
            return evaluate_layers(t.params.layers, t.problem.loss, t.data.train, t.template, t.dtype,
                                   check_nets=True)
        except NetNotFinite as exc:
            net = t.params.layers[exc.layer].net_rows()[exc.unit][2]
            raise t.monitor.diverged(f"net.{net}", exc.value, t.step, by=True,
                                     hint="the inputs or the weights are too large for float64") from None

    def early_stop(self, patience: int) -> bool:
        """Keep the best weights seen; stop when `patience` epochs in a row did not improve on them."""
        t = self.trainer
        if self.at_step():
            rec = self.entries[-1]
            value = rec.get("val_loss", rec["loss"])
        else:
            value = t.evaluate(t.data.validation or t.data.train)[0]
        if self.best is None or value < self.best[0]:
            self.best = (value, t.params.values.copy())
            self.waited = 0
            return False
        self.waited += 1
        if self.waited >= patience:
            t.params.values[...] = self.best[1]
            return True
        return False
