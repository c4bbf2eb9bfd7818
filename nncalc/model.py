"""Trained models on disk.

`.npz`: the weights and biases as arrays (W1, b1, W2, ...) plus one JSON string `meta` with the
network (names, activations, bias form), loss, classes and training settings; read back with
`allow_pickle=False`, so opening a model file never runs code. A checkpoint is the same file with
the optimizer's state and the position in the run added, for `nncalc train --resume`.
`.yaml`: for small networks, a problem file holding the trained weights, which `forward`, `backprop`
and `check` accept like any other. Every write is atomic.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .errors import NncalcError
from .fileio import atomic_open, write_text_atomic
from .npz import read_npz
from .ops import ACTIVATIONS, LOSSES, Activation
from .problem import Layer, Network, Problem, default_weight_names

if TYPE_CHECKING:
    from .train import Trainer

FORMAT = "nncalc-model"
VERSION = 1
YAML_MAX_PARAMS = 20_000


class ModelError(NncalcError):
    """A model file that cannot be written or read."""

    kind = "model"


@dataclass(frozen=True, eq=False)
class Model:
    """A trained network with what is needed to use it: loss, class names, settings, provenance."""

    name: str
    network: Network                  # weights in the dtype trained (float32 or float64)
    loss: str
    learning_rate: float
    classes: tuple[str, ...] | None = None
    training: dict[str, Any] = field(default_factory=dict)
    source: str | None = None         # the problem file it was trained from
    history: list[dict[str, Any]] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None   # {"arrays": {...}, "info": {...}} for --resume

    @property
    def dtype(self) -> np.dtype:
        return self.network.layers[0].weights.dtype

    @property
    def flat_values(self) -> np.ndarray:
        """Every layer's weights, then every layer's biases, in one array: the trainer's layout."""
        params = [prm for layer in self.network.layers for prm in layer.parameters()]
        return np.concatenate([prm.array.ravel() for kind in ("weight", "bias") for prm in params
                               if prm.kind == kind])

    def float64_network(self) -> Network:
        return Network(self.network.inputs, tuple(with_dtype(l, np.float64) for l in self.network.layers))


def with_dtype(layer: Any, dtype) -> Any:
    """The layer with its parameters as copies in dtype (any layer type)."""
    return layer.with_arrays({prm.name: prm.array.astype(dtype) for prm in layer.parameters()})


def layer_spec(layer: Any) -> dict[str, Any]:
    """A layer's entry in a problem file's `network.layers`, with its current values as plain lists:
    a sequence layer's own spec(), else the dense form."""
    if layer.sequence:
        return layer.spec()
    act = layer.activation
    spec: dict[str, Any] = {"units": list(layer.units),
                            "activation": act.name if act.alpha is None else {"name": act.name, "alpha": act.alpha},
                            "weights": layer.weights.astype(np.float64).tolist(),
                            "weight_names": [list(r) for r in layer.weight_names]}
    if layer.bias is not None:
        if layer.bias_shared:
            spec["bias"], spec["bias_names"] = float(layer.bias[0]), layer.bias_names[0]
        else:
            spec["bias"], spec["bias_names"] = layer.bias.astype(np.float64).tolist(), list(layer.bias_names)
    return spec


# ---------------------------------------------------------------- .npz

def _default_weight_names(shapes: list[tuple[int, int]]) -> list[tuple[tuple[str, ...], ...]]:
    """The problem format's default names for layers of these weight shapes."""
    names, before = [], 0
    for rows, cols in shapes:
        names.append(default_weight_names(rows, cols, before))
        before += rows * cols
    return names


def _network_meta(network: Network) -> dict[str, Any]:
    defaults = _default_weight_names([l.weights.shape for l in network.layers])
    layers = []
    for layer, default in zip(network.layers, defaults):
        act = layer.activation
        spec = {"units": list(layer.units),
                "activation": act.name if act.alpha is None else {"name": act.name, "alpha": act.alpha},
                "bias_names": list(layer.bias_names),
                "bias_shared": layer.bias_shared}
        if tuple(layer.weight_names) != default:      # MNIST's 78,400 default names are not worth storing
            spec["weight_names"] = [list(r) for r in layer.weight_names]
        layers.append(spec)
    return {"inputs": list(network.inputs), "layers": layers}


def save_npz(path: str | Path, model: Model) -> None:
    """Write the model (and its checkpoint state, if any) to an .npz file atomically. A network with a
    recurrent layer is stored as its problem-file form inside the meta data (exact: JSON writes every
    float64 so that it reads back the same) and read back through the problem file's validation."""
    arrays: dict[str, np.ndarray] = {}
    if model.network.is_sequence:
        network = {"inputs": list(model.network.inputs), "form": "problem", "dtype": str(model.dtype),
                   "layers": [layer_spec(layer) for layer in model.network.layers]}
    else:
        network = _network_meta(model.network)
        for i, layer in enumerate(model.network.layers, start=1):
            arrays[f"W{i}"] = layer.weights
            if layer.bias is not None:
                arrays[f"b{i}"] = layer.bias
    meta: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "name": model.name, "source": model.source,
        "network": network, "loss": model.loss, "learning_rate": model.learning_rate,
        "classes": None if model.classes is None else list(model.classes),
        "training": model.training, "history": model.history,
    }
    if model.checkpoint is not None:
        meta["checkpoint"] = model.checkpoint["info"]
        arrays.update({f"state_{k}": v for k, v in model.checkpoint["arrays"].items()})
    arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=False).encode("utf-8"), dtype=np.uint8)
    with atomic_open(path, "wb") as handle:
        np.savez(handle, **arrays)


def load_npz(path: str | Path) -> Model:
    """Read a model written by save_npz; anything else is a ModelError naming the file."""
    file = str(path)
    arrays = read_npz(path, display=file, error=ModelError, kind="an nncalc model (.npz)")
    if "meta" not in arrays:
        raise ModelError("not an nncalc model: no 'meta' entry (was it written by `nncalc train --save`?)",
                         file=file)
    try:
        raw = arrays.pop("meta")
        meta = json.loads(raw.tobytes().decode("utf-8") if raw.dtype == np.uint8 else str(raw))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ModelError(f"the model's meta data is not valid JSON: {exc}", file=file) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError("not an nncalc model (meta format is not nncalc-model)", file=file)
    try:
        _check(meta, META, "")
        if meta.get("version", VERSION) > VERSION:
            raise ModelError(f"written by a newer nncalc (model format {meta['version']}); upgrade nncalc", file=file)
        network = _network_from(meta["network"], arrays)
        state = {k[len("state_"):]: v for k, v in arrays.items() if k.startswith("state_")}
        checkpoint = {"arrays": state, "info": meta["checkpoint"]} if "checkpoint" in meta else None
        classes = meta.get("classes")
        return Model(meta.get("name") or Path(file).stem, network, meta["loss"], float(meta["learning_rate"]),
                     None if classes is None else tuple(classes), dict(meta.get("training") or {}),
                     meta.get("source"), list(meta.get("history") or []), checkpoint)
    except (KeyError, ValueError, TypeError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ModelError(f"damaged model file: {what}", file=file) from None


def _names(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, str) for x in v)


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _activation(v: Any) -> bool:
    if isinstance(v, dict):
        return set(v) <= {"name", "alpha"} and _activation(v.get("name")) and _finite(v.get("alpha", 0))
    return isinstance(v, str) and v in ACTIVATIONS


# what a model's meta data holds: key -> (what is expected, check); a key that may be absent passes None
META: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "version": ("a whole number of at least 1", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)
                                                                         and v >= 1)),
    "name": ("a text", lambda v: v is None or isinstance(v, str)),
    "source": ("a file name or null", lambda v: v is None or isinstance(v, str)),
    "network": ("a mapping with inputs and layers", lambda v: isinstance(v, dict) and isinstance(v.get("layers"), list)
                and bool(v["layers"])),
    "loss": ("a loss name", lambda v: isinstance(v, str) and v in LOSSES),
    "learning_rate": ("a finite number greater than 0", lambda v: _finite(v) and v > 0),
    "classes": ("a list of class names (texts) or null", lambda v: v is None or _names(v)),
    "training": ("a mapping", lambda v: v is None or isinstance(v, dict)),
    "history": ("a list of history entries", lambda v: v is None or (isinstance(v, list)
                                                                   and all(isinstance(r, dict) for r in v))),
}
NETWORK_META = {"inputs": ("a list of input names (texts)", _names)}
LAYER_META: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "units": ("a list of unit names (texts)", _names),
    "activation": ("an activation name, or {name, alpha} with a finite alpha", _activation),
    "bias_names": ("a list of bias names (texts)", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)),
    "bias_shared": ("true or false", lambda v: isinstance(v, bool)),
    "weight_names": ("rows of weight names (texts)", lambda v: v is None or (isinstance(v, list) and all(_names(r) for r in v))),
}


def _check(data: dict[str, Any], table: dict[str, tuple[str, Callable[[Any], bool]]], at: str) -> None:
    """Raise ValueError naming the first key of data that is not as the table describes."""
    for key, (expected, ok) in table.items():
        if not ok(data.get(key)):
            raise ValueError(f"{at}'{key}' is {data.get(key)!r:.60}, expected {expected}")


def _network_from(spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> Network:
    _check(spec, NETWORK_META, "network: ")
    if spec.get("form") == "problem":
        return _network_from_problem_form(spec)
    inputs = tuple(spec["inputs"])
    layers = []
    fan_in = len(inputs)
    for i, ls in enumerate(spec["layers"], start=1):
        if not isinstance(ls, dict):
            raise ValueError(f"layer {i} is {ls!r:.60}, expected a mapping")
        _check(ls, LAYER_META, f"layer {i}: ")
    defaults = _default_weight_names([arrays[f"W{i}"].shape for i in range(1, len(spec["layers"]) + 1)])
    for i, ls in enumerate(spec["layers"], start=1):
        act = ls["activation"]
        name, alpha = (act, None) if isinstance(act, str) else (act["name"], act.get("alpha"))
        units = tuple(ls["units"])
        W = arrays[f"W{i}"]
        if W.shape != (len(units), fan_in) or W.dtype.kind != "f":
            raise ValueError(f"W{i} has shape {W.shape}, expected {(len(units), fan_in)}")
        b = arrays.get(f"b{i}")
        if b is not None and (b.shape != (len(units),) or b.dtype.kind != "f"):
            raise ValueError(f"b{i} has shape {b.shape}, expected {(len(units),)}")
        for key, values in ((f"W{i}", W), (f"b{i}", b)):
            if values is not None and not np.isfinite(values).all():
                raise ValueError(f"{key} holds NaN or infinity")
        names = tuple(tuple(r) for r in ls["weight_names"]) if "weight_names" in ls else defaults[i - 1]
        layers.append(Layer(units, Activation(name, alpha), W, names, b, tuple(ls["bias_names"]),
                            bool(ls["bias_shared"])))
        fan_in = len(units)
    return Network(inputs, tuple(layers))


def _network_from_problem_form(spec: dict[str, Any]) -> Network:
    """A network stored in its problem-file form, checked by the problem file's own validation."""
    from .problem.network import network_from_spec
    from .schema import Invalid
    from .yamlio import format_path

    dtype = spec.get("dtype", "float64")
    if dtype not in ("float32", "float64"):
        raise ValueError(f"network: 'dtype' is {dtype!r:.60}, expected float32 or float64")
    try:
        network = network_from_spec({"inputs": spec["inputs"], "layers": spec["layers"]}, ("network",), None, 0)
    except Invalid as exc:
        raise ValueError(f"{format_path(exc.path)}: {exc.message}") from None
    return Network(network.inputs, tuple(with_dtype(l, dtype) for l in network.layers))


# ---------------------------------------------------------------- .yaml (a problem file)

def check_savable(path: str | Path, network: Network) -> None:
    """Refuse a model file name that cannot hold this network (checked before training, not after)."""
    n = network.n_params
    if model_kind(path) == "yaml" and n > YAML_MAX_PARAMS:
        raise ModelError(f"a .yaml model is for small networks (at most {YAML_MAX_PARAMS:,} parameters); "
                         f"this one has {n:,}: save it as .npz", file=str(path))


def save_yaml(path: str | Path, model: Model, problem: Problem | None = None) -> None:
    """Write a problem file with the trained weights (small networks only), atomically."""
    import yaml

    check_savable(path, model.network)
    net = model.float64_network()
    doc: dict[str, Any] = {"name": f"{model.name} (trained)",
                           "network": {"inputs": list(net.inputs), "layers": [layer_spec(l) for l in net.layers]},
                           "loss": model.loss, "learning_rate": model.learning_rate}
    if problem is not None:
        if problem.inputs is not None:
            doc["data"] = [_sample(problem, k) for k in range(problem.inputs.shape[0])]
        elif problem.data_source is not None:
            doc["data"] = problem.data_source
        if problem.training:
            doc["training"] = problem.training
    last = model.history[-1] if model.history else {}
    header = [f"# Trained by `nncalc train`{' from ' + model.source if model.source else ''}"]
    if last:
        header.append(f"# after {last.get('step', 0)} updates; training loss {last.get('loss', float('nan')):.9g}")
    header.append("# Use it like any problem file: nncalc forward / backprop / check THIS_FILE")
    text = "\n".join(header) + "\n" + yaml.safe_dump(doc, sort_keys=False, default_flow_style=None,
                                                       width=100, allow_unicode=True)
    write_text_atomic(path, text)


def _sample(problem: Problem, k: int) -> dict[str, Any]:
    """Sample k as the problem file writes it: a sequence to its own length, null for a step without
    a target."""
    if problem.lengths is None:
        sample: dict[str, Any] = {"input": problem.inputs[k].tolist()}
        if problem.targets is not None:
            sample["target"] = problem.targets[k].tolist()
        return sample
    n = int(problem.lengths[k])
    sample = {"input": problem.inputs[k, :n].tolist()}
    if problem.targets is not None:
        sample["target"] = [row if has else None for row, has in
                            zip(problem.targets[k, :n].tolist(), problem.target_mask[k, :n].tolist())]
    return sample


def model_kind(path: str | Path) -> str:
    """'npz' or 'yaml' from the file name; anything else is a ModelError."""
    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        return "npz"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ModelError("expected a model file name ending in .npz (any size) or .yaml (small networks)",
                     file=str(path))


def load_model(path: str | Path) -> Model:
    """An .npz model, or a problem file (.yaml) used as a model."""
    if model_kind(path) == "npz":
        return load_npz(path)
    from .problem import load_problem

    problem = load_problem(path)
    return model_from_problem(problem)


def model_from_problem(problem: Problem, classes: tuple[str, ...] | None = None) -> Model:
    training = problem.training or {}
    if classes is None and problem.targets is not None:
        from .train.batches import listed_labels, listed_sequences

        classes = (listed_sequences(problem)[1] if problem.is_sequence else
                   listed_labels(problem.targets, problem.network)[1])
    return Model(problem.name, problem.network, problem.loss, problem.learning_rate, classes,
                 dict(training), problem.source)


# ---------------------------------------------------------------- from a trainer, and back (--resume)

def model_from_trainer(trainer: Trainer, with_state: bool = False) -> Model:
    """The trainer's network at its current weights (copied), with its settings and history; with
    `with_state`, also the optimizer's state and the position in the run, for a checkpoint."""
    p = trainer.problem
    layers = tuple(t.with_arrays({prm.name: prm.array.copy() for prm in l.parameters()})
                   for t, l in zip(p.network.layers, trainer.params.layers))
    return Model(p.name, Network(p.network.inputs, layers), p.loss, trainer.settings.learning_rate,
                 trainer.data.classes, trainer.settings.to_dict(), p.source, list(trainer.history),
                 trainer.checkpoint() if with_state else None)


def save_model(path: str | Path, model: Model, problem: Problem | None = None) -> None:
    """Write the model as its file name says: .npz, or .yaml (a problem file, with `problem`'s data)."""
    if model_kind(path) == "npz":
        save_npz(path, model)
    else:
        save_yaml(path, model, problem)


def load_checkpoint(path: str | Path) -> Model:
    """A model saved with its training state (by Ctrl-C); a plain trained model is a ModelError, a
    damaged one too."""
    from .train.checkpoint import check_info

    model = load_npz(path)
    if model.checkpoint is None:
        raise ModelError("this is a trained model, not a checkpoint (no training state in it); "
                         "to train further from its weights, save it as .yaml and train that", file=str(path))
    try:
        check_info(model.checkpoint["info"])
    except ValueError as exc:
        raise ModelError(f"damaged checkpoint: {exc}", file=str(path)) from None
    return model


def checkpoint_settings(model: Model, path: str | Path):
    """The training settings saved in a checkpoint, checked (a damaged value is a ModelError)."""
    from .train.settings import checked_settings

    try:
        return checked_settings(model.training)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"damaged checkpoint: training settings: {exc}", file=str(path)) from None


def restore_checkpoint(trainer: Trainer, model: Model, path: str | Path) -> None:
    """Continue the trainer from a checkpoint of the same network (`path` names it in errors)."""
    shapes = [l.weights.shape for l in trainer.params.layers]
    if [l.weights.shape for l in model.network.layers] != shapes:
        raise ModelError("the checkpoint's network does not match this problem's: resume with the problem it "
                         f"was trained on ({model.source or model.name})", file=str(path))
    try:
        trainer.restore(model.flat_values.astype(trainer.dtype), model.checkpoint)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"damaged checkpoint: {exc}", file=str(path)) from None
