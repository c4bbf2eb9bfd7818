"""`--set`: a copy of a problem with weights, biases, inputs or the learning rate replaced by name."""

from __future__ import annotations

import math

import numpy as np
from dataclasses import replace

from ..errors import UsageError, suggest
from ..schema import count
from .file import Problem
from .network import LEARNING_RATE_NAMES


def settable_names(problem: Problem) -> list[str]:
    """Every name `--set` accepts: parameters, inputs (i1 or i1@k) and the learning rate."""
    names = [p.name for p in problem.network.parameters()]
    names += list(problem.network.inputs)
    if problem.n_samples > 1:
        names += [f"{i}@{k}" for k in range(1, problem.n_samples + 1) for i in problem.network.inputs]
    if problem.lengths is not None:      # one step of every sample, or of one
        steps = range(1, problem.n_steps + 1)
        names += [f"{i}[{t}]" for t in steps for i in problem.network.inputs]
        if problem.n_samples > 1:
            names += [f"{i}[{t}]@{k + 1}" for k, n in enumerate(problem.lengths) for t in range(1, n + 1)
                      for i in problem.network.inputs]
    return names + list(LEARNING_RATE_NAMES)


def with_overrides(problem: Problem, overrides: dict[str, float]) -> Problem:
    """A copy of the problem with weights, biases, inputs or the learning rate replaced by name."""
    if not overrides:
        return problem
    if not isinstance(problem, Problem):
        from ..graph.load import with_overrides as graph_overrides

        return graph_overrides(problem, overrides)
    params = {p.name: p for p in problem.network.parameters()}
    layers = [layer.with_arrays({prm.name: prm.array.copy() for prm in layer.parameters()})
              for layer in problem.network.layers]
    X = None if problem.inputs is None else problem.inputs.copy()
    learning_rate = problem.learning_rate
    given = problem.learning_rate_given
    for name, value in overrides.items():
        if not math.isfinite(value):
            raise UsageError(f"--set {name}: expected a finite number, got {value}", file=problem.source)
        base, _, sample = name.partition("@")
        if name in LEARNING_RATE_NAMES:
            learning_rate, given = value, True
        elif name in params:
            params[name].assign(layers, value)
        elif _input_of(problem, base) is not None and X is not None:
            col, step = _input_of(problem, base)
            if sample and not (sample.isdigit() and 1 <= int(sample) <= X.shape[0]):
                raise UsageError(f"--set {name}: sample {sample} does not exist "
                                 f"(the problem has {count(X.shape[0], 'sample')}, numbered from 1)", file=problem.source)
            rows = slice(None) if not sample else int(sample) - 1
            if problem.lengths is None:
                X[rows, col] = value
            else:
                _set_steps(problem, X, rows, step, col, value, name)
        else:
            raise UsageError(f"--set {name}: no weight, bias, input or learning rate has that name"
                             f"{suggest(name, settable_names(problem))}", file=problem.source)
    network = replace(problem.network, layers=tuple(layers))
    settings = problem.given_settings
    if given and settings is not None:   # a learning rate set here trains too, unless the block names its own
        from .training import training_settings

        settings = training_settings(problem.training, ("training",), learning_rate=learning_rate,
                                     seed=problem.seed or 0)
    return replace(problem, network=network, inputs=X, learning_rate=learning_rate,
                   learning_rate_given=given, given_settings=settings)


def _input_of(problem: Problem, base: str) -> tuple[int, int | None] | None:
    """(column, step) of an input name: x1 (every step), or x1[t] in a sequence problem."""
    unit, bracket, rest = base.partition("[")
    if unit not in problem.network.inputs or (bracket and problem.lengths is None):
        return None
    if not bracket:
        return problem.network.inputs.index(unit), None
    step = rest[:-1] if rest.endswith("]") else ""
    return (problem.network.inputs.index(unit), int(step)) if step.isdigit() else None


def _set_steps(problem: Problem, X, rows, step: int | None, col: int, value: float, name: str) -> None:
    """Write an input at one step (or every step) of a sequence, never into a sample's padding."""
    lengths = problem.lengths if rows == slice(None) else problem.lengths[rows:rows + 1]
    if step is not None and not 1 <= step <= int(lengths.max()):
        raise UsageError(f"--set {name}: step {step} does not exist (the longest sample has "
                         f"{count(int(lengths.max()), 'step')}, numbered from 1)", file=problem.source)
    own = np.arange(X.shape[1]) < np.asarray(problem.lengths)[:, None]
    chosen = np.zeros_like(own)
    chosen[rows] = True
    if step is not None:
        at = np.zeros(X.shape[1], dtype=bool)
        at[step - 1] = True
        chosen &= at
    X[chosen & own, col] = value


def parse_assignments(items: list[str]) -> dict[str, float]:
    """['w5=0.3', 'eta=1'] -> {'w5': 0.3, 'eta': 1.0}; a malformed item is a UsageError."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name:
                raise ValueError
            out[name] = float(value)
        except ValueError:
            raise UsageError(f"--set {item!r}: expected NAME=NUMBER, e.g. --set w5=0.3") from None
    return out
