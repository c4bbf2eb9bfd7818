"""How to train: the Settings the load-time pass checked (nncalc.problem.training holds the table
of keys and optimizer options), command-line options over them, and the fit of the optimizer to
the network."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import ProblemError, UsageError
from ..problem import Problem, training
from ..problem.training import (DEFAULT_EPOCHS, FULL, Settings, checked_settings, key_misfit,  # noqa: F401
                               optimizer_misfit)
from ..schema import Invalid, real, whole


def settings_from_problem(problem: Problem) -> Settings:
    """The problem's training settings, checked at load (nncalc.problem.training, with the keys'
    fit to the network: key_misfit); without a `training:` block, full-batch gradient descent at the
    file's learning rate, which must fit the network here, when it is asked to train."""
    misfit = optimizer_misfit(problem.settings, problem.network, problem.loss)
    if misfit:
        line = problem.doc.line_of(("training", "optimizer")) if problem.doc is not None else None
        raise ProblemError(misfit, file=problem.source, where="training.optimizer", line=line)
    return problem.settings


def with_cli_overrides(settings: Settings, *, epochs: int | None = None, steps: int | None = None,
                       batch_size: str | None = None, learning_rate: float | None = None,
                       seed: int | None = None) -> Settings:
    """Command-line options over the file's settings; a bad value is a UsageError naming the option."""
    changes: dict[str, Any] = {}
    try:
        if epochs is not None:
            changes["epochs"] = whole(epochs, ("--epochs",))
            changes["steps"] = None
        if steps is not None:
            changes["steps"] = whole(steps, ("--steps",))
        if batch_size is not None:
            changes["batch_size"] = training.batch_size(batch_size)
        if learning_rate is not None:
            changes["learning_rate"] = real(learning_rate, ("--learning-rate",), "rate")
        if seed is not None:
            changes["seed"] = whole(seed, ("--seed",), 0)
    except Invalid as exc:
        raise UsageError(f"{exc.path[0]}: {exc.message}") from None
    return replace(settings, **changes)

