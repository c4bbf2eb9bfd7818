"""Trained models on disk.

`.npz`: the weights and biases as arrays (W1, b1, W2, ...) plus one JSON string `meta` with the
network (names, activations, bias form), loss, classes and training settings (its schema:
`nncalc.model_meta`); read back with `allow_pickle=False`, so opening a model file never runs code. A checkpoint is the same file with
the optimizer's state and the position in the run added, for `nncalc train --resume`.
`.yaml`: for small networks, a problem file holding the trained weights, which `forward`, `backprop`
and `check` accept like any other. Every write is atomic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import NncalcError
from .fileio import atomic_open, write_text_atomic
from .model_meta import FORMAT, META, VERSION, network_from_meta, network_meta, with_dtype
from .npz import read_npz
from .problem import Network, Problem
from .schema import check_fields

if TYPE_CHECKING:
    from .train import Trainer

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

def save_npz(path: str | Path, model: Model) -> None:
    """Write the model (and its checkpoint state, if any) to an .npz file atomically. A network with a
    recurrent layer is stored as its problem-file form inside the meta data (exact: JSON writes every
    float64 so that it reads back the same) and read back through the problem file's validation."""
    arrays: dict[str, np.ndarray] = {}
    if model.network.is_sequence:
        network = {"inputs": list(model.network.inputs), "form": "problem", "dtype": str(model.dtype),
                   "layers": [layer_spec(layer) for layer in model.network.layers]}
    else:
        network = network_meta(model.network)
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
        check_fields(meta, META)
        if meta.get("version", VERSION) > VERSION:
            raise ModelError(f"written by a newer nncalc (model format {meta['version']}); upgrade nncalc", file=file)
        network = network_from_meta(meta["network"], arrays)
        state = {k[len("state_"):]: v for k, v in arrays.items() if k.startswith("state_")}
        checkpoint = {"arrays": state, "info": meta["checkpoint"]} if "checkpoint" in meta else None
        classes = meta.get("classes")
        return Model(meta.get("name") or Path(file).stem, network, meta["loss"], float(meta["learning_rate"]),
                     None if classes is None else tuple(classes), dict(meta.get("training") or {}),
                     meta.get("source"), list(meta.get("history") or []), checkpoint)
    except (KeyError, ValueError, TypeError) as exc:
        what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ModelError(f"damaged model file: {what}", file=file) from None


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
