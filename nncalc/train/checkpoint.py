"""A run's state, to continue it exactly (`nncalc train --resume`): the one description of what a
checkpoint holds, how it is taken from a Trainer, checked when read back, and restored.

A checkpoint is {"arrays": {...}, "info": {...}}: the arrays are the optimizer's state (`opt_NAME`),
the epoch's sample order (`perm`, while an epoch is under way) and the best weights so far (`best`,
with early stopping); `info` is JSON-able data, each field as INFO describes it. The weights
themselves are the model's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..schema import Fields, check_fields

if TYPE_CHECKING:
    from .loop import Trainer

Array = np.ndarray


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _sums(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 3 and _finite(value[0]) and _count(value[1]) and _count(value[2])


def _history(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) and _count(r.get("step")) for r in value)


INFO: Fields = {
    "epoch": ("a count of epochs", _count),
    "step": ("a count of updates", _count),
    "batch": ("a count of batches", _count),
    "seconds": ("a finite number of seconds of at least 0", lambda v: _finite(v) and v >= 0),
    "sums": ("[loss sum, correct, samples counted] of the epoch", _sums),
    "mistakes": ("a count of mistakes", _count),
    "history": ("a list of history entries, each with its step", _history),
    "opt_t": ("a count of optimizer steps", _count),
    "best_value": ("the best loss so far (a finite number) or null", lambda v: v is None or _finite(v)),
    "waited": ("a count of epochs", _count),
    "rng": ("the random generator's state (a mapping)", lambda v: isinstance(v, dict)),
}


def check_info(info: Any) -> None:
    """Raise ValueError naming the first field of a checkpoint's info that is not as INFO says."""
    if not isinstance(info, dict):
        raise ValueError(f"expected the training state as a mapping, got {info!r:.60}")
    check_fields(info, INFO)


def check_arrays(arrays: dict[str, Array], size: int, n: int) -> None:
    """Raise ValueError unless perm orders the n training samples and every other array holds size values."""
    perm = arrays.get("perm")
    if perm is not None and (perm.shape != (n,) or perm.dtype.kind not in "iu"
                             or not np.array_equal(np.sort(perm), np.arange(n))):
        raise ValueError(f"'perm' is not an order of the {n} training samples")
    for key, values in arrays.items():
        if key != "perm" and (values.shape != (size,) or values.dtype.kind != "f"):
            raise ValueError(f"'{key}' holds {values.size} values, expected {size} numbers")
        if key != "perm" and not np.isfinite(values).all():
            raise ValueError(f"'{key}' holds NaN or infinity")


def state_of(trainer: Trainer) -> dict[str, Any]:
    """The trainer's state as a checkpoint (its kept outputs counted first)."""
    arrays: dict[str, Array] = {}
    if trainer.optimizer is not None:
        arrays.update({f"opt_{k}": v for k, v in trainer.optimizer.state.items()})
    if trainer.perm is not None:
        arrays["perm"] = trainer.perm
    records = trainer.records
    if records.best is not None:
        arrays["best"] = records.best[1]
    info = {"epoch": trainer.epoch, "step": trainer.step, "batch": trainer.batch, "seconds": trainer.seconds,
            "sums": list(trainer.counter.sums), "mistakes": trainer.mistakes, "history": records.entries,
            "opt_t": trainer.optimizer.t if trainer.optimizer is not None else 0,
            "best_value": None if records.best is None else records.best[0], "waited": records.waited,
            "rng": trainer.rng.bit_generator.state}
    return {"arrays": arrays, "info": info}


def restore(trainer: Trainer, values: Array, state: dict[str, Any]) -> None:
    """Put the trainer where the checkpoint was taken: its info as checked when the file was read
    (model.load_checkpoint, check_info); its arrays, which must fit this trainer, a ValueError if not."""
    arrays, info = state["arrays"], state["info"]
    check_arrays(arrays, trainer.params.values.size, trainer.data.train.n)
    if values.size != trainer.params.values.size:
        raise ValueError(f"it holds {values.size} parameters, this network has {trainer.params.values.size}")
    trainer.params.values[...] = values
    if trainer.optimizer is not None:
        for k, v in trainer.optimizer.state.items():
            if f"opt_{k}" in arrays:
                v[...] = arrays[f"opt_{k}"]
        trainer.optimizer.t = info["opt_t"]
    trainer.epoch, trainer.step, trainer.batch = info["epoch"], info["step"], info["batch"]
    trainer.seconds = float(info["seconds"])
    trainer.perm = arrays.get("perm")
    trainer.counter.restore(trainer.perm, info["sums"])
    trainer.mistakes = info["mistakes"]
    records = trainer.records
    records.entries = list(info["history"])
    if "best" in arrays:
        if info["best_value"] is None:
            raise ValueError("'best' weights without 'best_value'")
        records.best = (float(info["best_value"]), np.array(arrays["best"], dtype=trainer.dtype))
    records.waited = info["waited"]
    trainer.rng.bit_generator.state = info["rng"]
