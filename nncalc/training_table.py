"""What a problem file's `training:` block may say, as one declarative table, and the checks that
read it.

This is the problem layer's part of training: the load-time validation pass and the trainer's
settings (nncalc.train.settings) both read these tables, so the loader never imports the trainer.
Adding an optimizer is one row in OPTIMIZERS here and one module in nncalc/train/optimizers/.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

Path_ = tuple


@dataclass(frozen=True)
class Option:
    """One optimizer option: its default and the kind of value it takes."""

    default: Any
    kind: str            # "rate" (> 0), "fraction" (0 <= x < 1), "bool", "nonneg" (>= 0) or "choice"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptimizerSpec:
    """A row of the optimizer table: its options, default learning rate and update rule (slide symbols)."""

    options: dict[str, Option] = field(default_factory=dict)
    default_learning_rate: float = 0.1
    rule: str = ""


OPTIMIZERS: dict[str, OptimizerSpec] = {
    "sgd": OptimizerSpec({}, 0.1, "w = w - η g"),
    "momentum": OptimizerSpec({
        "momentum": Option(0.9, "fraction"),
        "nesterov": Option(False, "bool"),
        "form": Option("classic", "choice", ("classic", "ema")),
    }, 0.1, "classic: v = μ v - η g, w = w + v; ema: v = λ v - (1 - λ) g, w = w + η v"),
    "adam": OptimizerSpec({
        "beta1": Option(0.9, "fraction"),
        "beta2": Option(0.999, "fraction"),
        "eps": Option(1e-8, "rate"),
    }, 0.001, "m, v running averages of g and g²; w = w - η m̂ / (√v̂ + ε)"),
    "adagrad": OptimizerSpec({
        "eps": Option(1e-10, "rate"),
    }, 0.01, "G = G + g²; w = w - η g / (√G + ε)"),
    "rmsprop": OptimizerSpec({
        "rho": Option(0.99, "fraction"),
        "eps": Option(1e-8, "rate"),
    }, 0.01, "v = ρ v + (1 - ρ) g²; w = w - η g / (√v + ε)"),
    "perceptron": OptimizerSpec({}, 1.0, "w = w + η (t - y) x, one sample at a time"),
}

TRAINING_KEYS = ("optimizer", "batch_size", "epochs", "steps", "l2", "validation_split", "early_stopping",
                 "update_biases", "update_order", "dtype", "shuffle")
UPDATE_ORDERS = ("simultaneous", "sequential")
DTYPES = ("float32", "float64")
FULL = "full"
DEFAULT_EPOCHS = 100
DEFAULT_PATIENCE = 5


class Bad(Exception):
    """A value the table refuses: the key path and what was expected."""

    def __init__(self, path: Path_, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


def _suggest(word: Any, choices: Sequence[str]) -> str:
    from .problem import suggest      # the string helper; imported late, problem imports this module

    return suggest(word, choices, n=2)


def whole(value: Any, path: Path_, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise Bad(path, f"expected a whole number of at least {minimum}, got {value!r}")
    return value


def real(value: Any, path: Path_, kind: str) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if kind == "fraction":
        if not (ok and 0 <= value < 1):
            raise Bad(path, f"expected a number from 0 up to (not including) 1, got {value!r}")
    elif kind == "nonneg":
        if not (ok and value >= 0):
            raise Bad(path, f"expected a number of at least 0, got {value!r}")
    elif not (ok and value > 0):
        raise Bad(path, f"expected a number greater than 0, got {value!r}")
    return float(value)


def flag(value: Any, path: Path_) -> bool:
    if not isinstance(value, bool):
        raise Bad(path, f"expected true or false, got {value!r}")
    return value


def choice(value: Any, path: Path_, choices: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise Bad(path, f"unknown {what} {value!r}{_suggest(value, choices)}; expected one of {', '.join(choices)}")
    return value


def option(opt: Option, value: Any, path: Path_, key: str) -> Any:
    """An optimizer option's value, checked by its kind."""
    if opt.kind == "bool":
        return flag(value, path)
    if opt.kind == "choice":
        return choice(value, path, opt.choices, key)
    return real(value, path, opt.kind)


def batch_size(value: Any, path: Path_ = ("--batch-size",)) -> int | None:
    """A batch size: a whole number >= 1 or 'full' (None)."""
    if value == FULL:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Bad(path, f"expected a whole number of at least 1 or 'full', got {value!r}")
    return value


def optimizer(spec: Any, path: Path_ = ("training", "optimizer")) -> tuple[str, float | None, dict[str, Any]]:
    """(name, learning rate or None when not given, every option with its default filled in)."""
    if isinstance(spec, str):
        spec, at_name = {"name": spec}, path
    elif isinstance(spec, dict):
        if "name" not in spec:
            raise Bad(path, f"missing 'name' (one of {', '.join(OPTIMIZERS)})")
        at_name = path + ("name",)
    else:
        raise Bad(path, f"expected an optimizer name or a mapping like {{name: sgd, learning_rate: 0.1}}, "
                        f"got {spec!r}")
    name = choice(spec["name"], at_name, tuple(OPTIMIZERS), "optimizer")
    row = OPTIMIZERS[name]
    allowed = ("name", "learning_rate", *row.options)
    options: dict[str, Any] = {}
    for key, value in spec.items():
        if key not in allowed:
            raise Bad(path + (key,), f"unknown option '{key}' for {name}{_suggest(key, allowed)}; "
                                     f"expected {', '.join(allowed)}")
        if key not in ("name", "learning_rate"):
            options[key] = option(row.options[key], value, path + (key,), key)
    for key, opt in row.options.items():
        options.setdefault(key, opt.default)
    lr = real(spec["learning_rate"], path + ("learning_rate",), "rate") if "learning_rate" in spec else None
    return name, lr, options


def early_stopping(spec: Any, path: Path_) -> int | None:
    """{patience: N} -> N; false -> None."""
    if spec is False:
        return None
    if not isinstance(spec, dict):
        raise Bad(path, f"expected {{patience: N}} or false, got {spec!r}")
    for key in spec:
        if key != "patience":
            raise Bad(path + (key,), f"unknown key '{key}'; expected patience")
    return whole(spec.get("patience", DEFAULT_PATIENCE), path + ("patience",))


def training_block(block: Any, path: Path_ = ("training",)) -> dict[str, Any]:
    """The `training:` block checked against the table: the values it gives, by Settings field name
    (optimizer, learning_rate (None when not given), options, batch_size, epochs, ...)."""
    if block is None:
        block = {}
    if not isinstance(block, dict):
        raise Bad(path, f"expected a mapping of training settings, got {block!r}")
    for key in block:
        if key not in TRAINING_KEYS:
            raise Bad(path + (key,), f"unknown key '{key}'{_suggest(key, TRAINING_KEYS)}; "
                                     f"expected one of {', '.join(TRAINING_KEYS)}")
    at = lambda key: path + (key,)  # noqa: E731
    name, lr, options = optimizer(block.get("optimizer", "sgd"), at("optimizer"))
    values: dict[str, Any] = {"optimizer": name, "learning_rate": lr, "options": options}
    checks = {"batch_size": batch_size, "epochs": whole, "steps": whole,
              "l2": lambda v, p: real(v, p, "nonneg"), "validation_split": lambda v, p: real(v, p, "fraction"),
              "early_stopping": early_stopping, "update_biases": flag, "shuffle": flag,
              "update_order": lambda v, p: choice(v, p, UPDATE_ORDERS, "update order"),
              "dtype": lambda v, p: choice(v, p, DTYPES, "dtype")}
    for key, check in checks.items():
        if key in block:
            values["patience" if key == "early_stopping" else key] = check(block[key], at(key))
    return values
