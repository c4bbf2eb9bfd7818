"""`--set`: a copy of a problem with weights, biases, inputs or the learning rate replaced by name."""

from __future__ import annotations

import math
from dataclasses import replace

from ..errors import UsageError, suggest
from ..schema import count
from .file import Problem
from .network import LEARNING_RATE_NAMES
from .training import training_settings


def settable_names(problem: Problem) -> list[str]:
    """Every name `--set` accepts: parameters, inputs (i1 or i1@k) and the learning rate."""
    names = [p.name for p in problem.network.parameters()]
    names += list(problem.network.inputs)
    if problem.n_samples > 1:
        names += [f"{i}@{k}" for k in range(1, problem.n_samples + 1) for i in problem.network.inputs]
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
        elif base in problem.network.inputs and X is not None:
            col = problem.network.inputs.index(base)
            if not sample:
                X[:, col] = value
            elif sample.isdigit() and 1 <= int(sample) <= X.shape[0]:
                X[int(sample) - 1, col] = value
            else:
                raise UsageError(f"--set {name}: sample {sample} does not exist "
                                 f"(the problem has {count(X.shape[0], 'sample')}, numbered from 1)", file=problem.source)
        else:
            raise UsageError(f"--set {name}: no weight, bias, input or learning rate has that name"
                             f"{suggest(name, settable_names(problem))}", file=problem.source)
    network = replace(problem.network, layers=tuple(layers))
    settings = problem.settings
    if given:       # a learning rate set here trains too, unless the training block names its own
        settings = training_settings(problem.training, ("training",), learning_rate=learning_rate,
                                     seed=problem.seed or 0)
    return replace(problem, network=network, inputs=X, learning_rate=learning_rate,
                   learning_rate_given=given, settings=settings)


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
