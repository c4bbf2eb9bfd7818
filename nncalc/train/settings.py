"""How to train: Settings from a problem's `training:` block (checked by nncalc.training_table, the
table the load-time validation reads too), from a checkpoint, or from command-line options."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .. import training_table as table
from ..engine import check_backprop
from ..errors import ComputeError, ProblemError, UsageError
from ..problem import Problem
from ..training_table import Bad
from ..yamlio import format_path

DEFAULT_EPOCHS = table.DEFAULT_EPOCHS
FULL = table.FULL


@dataclass(frozen=True)
class Settings:
    """How to train; every field has a documented default (see README, "Training")."""

    optimizer: str = "sgd"
    learning_rate: float = 0.1
    options: dict[str, Any] = field(default_factory=dict)   # the optimizer's own (momentum, beta1, ...)
    batch_size: int | None = None        # None: the whole training set (full-batch gradient descent)
    epochs: int = DEFAULT_EPOCHS
    steps: int | None = None             # stop after this many updates (overrides epochs)
    l2: float = 0.0
    validation_split: float = 0.0
    patience: int | None = None          # early stopping
    update_biases: bool = True
    update_order: str = "simultaneous"
    dtype: str | None = None             # None: the data's own (float32 for images, else float64)
    shuffle: bool = True
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-able data (stored inside saved models)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def describe_optimizer(self) -> str:
        """e.g. 'momentum (classic, mu 0.9, Nesterov), learning rate 0.1'."""
        from .optimizers import OPTIMIZERS

        cls = OPTIMIZERS.get(self.optimizer)
        name = cls.describe(self.options) if cls is not None else self.optimizer
        return f"{name}, learning rate {self.learning_rate:g}"


def checked_settings(data: dict[str, Any]) -> Settings:
    """Settings saved with a model (e.g. in a checkpoint), checked by the training block's rules;
    a bad value is a ValueError naming the field."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping, got {data!r:.60}")
    s = Settings.from_dict(data)
    try:
        row = table.OPTIMIZERS[table.choice(s.optimizer, ("optimizer",), tuple(table.OPTIMIZERS), "optimizer")]
        table.real(s.learning_rate, ("learning_rate",), "rate")
        if not isinstance(s.options, dict) or set(s.options) != set(row.options):
            raise Bad(("options",), f"expected {', '.join(row.options) or 'no options'}, got {s.options!r:.60}")
        for key, opt in row.options.items():
            table.option(opt, s.options[key], ("options", key), key)
        for key in ("batch_size", "steps", "patience"):
            if getattr(s, key) is not None:
                table.whole(getattr(s, key), (key,))
        table.whole(s.epochs, ("epochs",))
        table.whole(s.seed, ("seed",), 0)
        table.real(s.l2, ("l2",), "nonneg")
        table.real(s.validation_split, ("validation_split",), "fraction")
        table.flag(s.update_biases, ("update_biases",))
        table.flag(s.shuffle, ("shuffle",))
        table.choice(s.update_order, ("update_order",), table.UPDATE_ORDERS, "update order")
        if s.dtype is not None:
            table.choice(s.dtype, ("dtype",), table.DTYPES, "dtype")
    except Bad as exc:
        raise ValueError(f"{format_path(exc.path)}: {exc.message}") from None
    return s


def settings_from_problem(problem: Problem) -> Settings:
    """Validate the problem's `training:` block into Settings; a mistake is a ProblemError with the
    key path and YAML line. Without a block: full-batch gradient descent at the file's learning rate."""
    try:
        values = table.training_block(problem.training)
        settings = _settings(problem, values)
        _check_network(problem, settings)
    except Bad as exc:
        line = problem.doc.line_of(exc.path) if problem.doc is not None else None
        raise ProblemError(exc.message, file=problem.source, where=format_path(exc.path), line=line) from None
    return settings


def _settings(problem: Problem, values: dict[str, Any]) -> Settings:
    """The block's values over the defaults: the learning rate is the block's, else the file's, else
    the optimizer's own; the perceptron goes through its samples in order unless told to shuffle."""
    name = values["optimizer"]
    if values["learning_rate"] is None:
        values["learning_rate"] = (problem.learning_rate if problem.learning_rate_given
                                   else table.OPTIMIZERS[name].default_learning_rate)
    return Settings(**{"seed": problem.seed or 0, "shuffle": name != "perceptron", **values})


def _check_network(problem: Problem, settings: Settings) -> None:
    """The optimizer must fit the network: the perceptron rule for one layer of step or sign units,
    gradient methods for units the engine can backpropagate through."""
    at = ("training", "optimizer")
    acts = [layer.activation.name for layer in problem.network.layers]
    if settings.optimizer == "perceptron":
        if len(acts) != 1 or acts[0] not in ("step", "sign"):
            shape = f"{len(acts)} layers" if len(acts) != 1 else f"a layer of {acts[0]} units"
            raise Bad(at, f"the perceptron rule trains one layer of step or sign units; this network has "
                          f"{shape}: use sgd, momentum or adam")
        return
    try:
        check_backprop(problem.network.layers, problem.loss)
    except ComputeError as exc:
        raise Bad(at, f"{settings.optimizer} needs gradients: {exc.message}") from None


def parse_batch_size(value: Any, path: tuple = ("--batch-size",)) -> int | None:
    """A batch size: a whole number >= 1 or 'full' (None)."""
    return table.batch_size(value, path)


def with_cli_overrides(settings: Settings, *, epochs: int | None = None, steps: int | None = None,
                       batch_size: str | None = None, learning_rate: float | None = None,
                       seed: int | None = None) -> Settings:
    """Command-line options over the file's settings; a bad value is a UsageError naming the option."""
    changes: dict[str, Any] = {}
    try:
        if epochs is not None:
            changes["epochs"] = table.whole(epochs, ("--epochs",))
            changes["steps"] = None
        if steps is not None:
            changes["steps"] = table.whole(steps, ("--steps",))
        if batch_size is not None:
            changes["batch_size"] = table.batch_size(batch_size)
        if learning_rate is not None:
            changes["learning_rate"] = table.real(learning_rate, ("--learning-rate",), "rate")
        if seed is not None:
            changes["seed"] = table.whole(seed, ("--seed",), 0)
    except Bad as exc:
        raise UsageError(f"{exc.path[0]}: {exc.message}") from None
    return replace(settings, **changes)
