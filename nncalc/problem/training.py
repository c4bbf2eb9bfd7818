"""The `training:` block: its table of keys, the optimizers' table of options, and `Settings`.

Checked at load like the rest of the file, so a file that loads trains; the trainer
(`nncalc.train`) only adds how each optimizer updates. Settings saved in a checkpoint are checked
by the same tables (`checked_settings`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from ..errors import suggest
from ..schema import Invalid, Option, choice, flag, mapping, real, show, whole
from ..yamlio import Path_, format_path
from .network import Network, backprop_blocker

DEFAULT_EPOCHS = 100
FULL = "full"
UPDATE_ORDERS = ("simultaneous", "sequential")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class OptimizerSpec:
    """A row of the optimizer table: its options, its default learning rate and its rule (for help)."""

    options: dict[str, Option]
    default_learning_rate: float
    rule: str


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
    clip_norm: float | None = None       # scale the gradient down to this global (L2) norm when longer
    bptt: int | None = None              # sequences: truncated BPTT over chunks of this many steps

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-able data (stored inside saved models)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def describe_optimizer(self) -> str:
        """e.g. 'momentum (classic, mu 0.9, Nesterov), learning rate 0.1'."""
        o = self.options
        if self.optimizer == "momentum":
            extra = [o["form"], f"{'lambda' if o['form'] == 'ema' else 'mu'} {o['momentum']:g}"]
            extra += ["Nesterov"] if o["nesterov"] else []
            name = f"momentum ({', '.join(extra)})"
        elif o:
            name = f"{self.optimizer} ({', '.join(f'{k} {v:g}' for k, v in o.items())})"
        else:
            name = self.optimizer
        return f"{name}, learning rate {self.learning_rate:g}"


def batch_size(value: Any, path: Path_ = ("--batch-size",)) -> int | None:
    """A batch size: a whole number >= 1 or 'full' (None)."""
    if value == FULL:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid(path, f"expected a whole number of at least 1 or 'full', got {show(value)}")
    return value


def _early_stopping(spec: Any, path: Path_) -> int | None:
    if isinstance(spec, dict):
        for key in spec:
            if key != "patience":
                raise Invalid(path + (key,), f"unknown key {show(key)}; expected patience")
        return whole(spec.get("patience", 5), path + ("patience",))
    if spec is not False:
        raise Invalid(path, f"expected {{patience: N}} or false, got {show(spec)}")
    return None


# the training block's keys: the Settings field each sets and how its value is checked
TRAINING_KEYS: dict[str, tuple[str, Callable[[Any, Path_], Any]]] = {
    "optimizer": ("optimizer", lambda v, p: v),          # checked by _optimizer, with its options
    "batch_size": ("batch_size", batch_size),
    "epochs": ("epochs", whole),
    "steps": ("steps", whole),
    "l2": ("l2", lambda v, p: real(v, p, "nonneg")),
    "validation_split": ("validation_split", lambda v, p: real(v, p, "fraction")),
    "early_stopping": ("patience", _early_stopping),
    "update_biases": ("update_biases", flag),
    "update_order": ("update_order", lambda v, p: choice(v, p, UPDATE_ORDERS, "update order")),
    "dtype": ("dtype", lambda v, p: choice(v, p, DTYPES, "dtype")),
    "shuffle": ("shuffle", flag),
    "clip_norm": ("clip_norm", lambda v, p: real(v, p, "rate")),
    "bptt": ("bptt", whole),
}


def _optimizer(spec: Any, path: Path_, file_learning_rate: float | None) -> dict[str, Any]:
    """optimizer, learning_rate and options from `optimizer:` (a name or {name: ..., options}); the
    learning rate: the block's, else the file's (when given), else the optimizer's default."""
    if isinstance(spec, str):
        spec, at_name = {"name": spec}, path
    elif isinstance(spec, dict):
        if "name" not in spec:
            raise Invalid(path, f"missing 'name' (one of {', '.join(OPTIMIZERS)})")
        at_name = path + ("name",)
    else:
        raise Invalid(path, f"expected an optimizer name or a mapping like {{name: sgd, learning_rate: 0.1}}, "
                            f"got {show(spec)}")
    name = choice(spec["name"], at_name, tuple(OPTIMIZERS), "optimizer")
    kind = OPTIMIZERS[name]
    allowed = ("name", "learning_rate", *kind.options)
    options: dict[str, Any] = {}
    for key, value in spec.items():
        if key not in allowed:
            raise Invalid(path + (key,), f"unknown option {show(key)} for {name}{suggest(key, allowed, n=2)}; "
                                         f"expected {', '.join(allowed)}")
        if key not in ("name", "learning_rate"):
            options[key] = kind.options[key].check(value, path + (key,), key)
    for key, opt in kind.options.items():
        options.setdefault(key, opt.default)
    if "learning_rate" in spec:
        lr = real(spec["learning_rate"], path + ("learning_rate",), "rate")
    elif file_learning_rate is not None:
        lr = file_learning_rate
    else:
        lr = kind.default_learning_rate
    return {"optimizer": name, "learning_rate": lr, "options": options}


def training_settings(block: Any, path: Path_, *, learning_rate: float | None, seed: int) -> Settings:
    """Validate a `training:` block (None: none given) into Settings. learning_rate: the file's, when
    it gives one. Without a block: full-batch gradient descent at the file's learning rate."""
    block = mapping({} if block is None else block, path, tuple(TRAINING_KEYS), close=2)
    values = _optimizer(block.get("optimizer", "sgd"), path + ("optimizer",), learning_rate)
    values.update(seed=seed, shuffle=values["optimizer"] != "perceptron")
    for key, value in block.items():
        target, check = TRAINING_KEYS[key]
        if key != "optimizer":
            values[target] = check(value, path + (key,))
    return Settings(**values)


def checked_settings(data: dict[str, Any]) -> Settings:
    """Settings saved with a model (e.g. in a checkpoint), checked by the training block's rules;
    a bad value is a ValueError naming the field."""
    s = Settings.from_dict(data)
    try:
        kind = OPTIMIZERS[choice(s.optimizer, ("optimizer",), tuple(OPTIMIZERS), "optimizer")]
        real(s.learning_rate, ("learning_rate",), "rate")
        if not isinstance(s.options, dict) or set(s.options) != set(kind.options):
            raise Invalid(("options",), f"expected {', '.join(kind.options) or 'no options'}, got {s.options!r}")
        for key, opt in kind.options.items():
            opt.check(s.options[key], ("options", key), key)
        for key in ("batch_size", "steps", "patience", "bptt"):
            if getattr(s, key) is not None:
                whole(getattr(s, key), (key,))
        whole(s.epochs, ("epochs",))
        whole(s.seed, ("seed",), 0)
        real(s.l2, ("l2",), "nonneg")
        if s.clip_norm is not None:
            real(s.clip_norm, ("clip_norm",), "rate")
        real(s.validation_split, ("validation_split",), "fraction")
        flag(s.update_biases, ("update_biases",))
        flag(s.shuffle, ("shuffle",))
        choice(s.update_order, ("update_order",), UPDATE_ORDERS, "update order")
        if s.dtype is not None:
            choice(s.dtype, ("dtype",), DTYPES, "dtype")
    except Invalid as exc:
        raise ValueError(f"{format_path(exc.path)}: {exc.message}") from None
    return s


def key_misfit(settings: Settings, network: Network) -> tuple[str, str] | None:
    """(key, why) when a training key does not apply to this network or optimizer, else None."""
    if settings.bptt is not None and not network.is_sequence:
        return "bptt", "bptt truncates backpropagation through time; this network has no recurrent layer: drop bptt"
    if settings.optimizer == "perceptron" and settings.clip_norm is not None:
        return "clip_norm", "clip_norm clips a gradient; the perceptron rule has none: drop clip_norm or use sgd"
    return None


def optimizer_misfit(settings: Settings, network: Network, loss: str) -> str | None:
    """Why the optimizer cannot train this network, or None: the perceptron rule trains one layer of
    step or sign units, gradient methods need units the engine can backpropagate through."""
    acts = [layer.activation.name for layer in network.layers]
    if settings.optimizer == "perceptron":
        if len(acts) != 1 or acts[0] not in ("step", "sign"):
            shape = f"{len(acts)} layers" if len(acts) != 1 else f"a layer of {acts[0]} units"
            return (f"the perceptron rule trains one layer of step or sign units; this network has "
                    f"{shape}: use sgd, momentum or adam")
        return None
    blocker = backprop_blocker(network.layers, loss)
    return f"{settings.optimizer} needs gradients: {blocker}" if blocker else None
