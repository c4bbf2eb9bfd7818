"""The data a trained model runs on (`evaluate`, `predict`): `--data` as a source, its class labels
matched to the model's by name, as a split the network reads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .data.dataset import Dataset
from .errors import DataError, UsageError
from .model import Model, load_model, model_kind
from .train.batches import Split, listed_labels, listed_sequences, split_of


def model_and_data(path: str | Path, data: str | None) -> tuple[Model, Split, str]:
    """A model, the data (`--data`) to run it on and that data's name; without data, a problem
    file's own samples."""
    model = load_model(path)
    if data is None:
        if model_kind(path) == "yaml":
            from .problem import load_problem

            p = load_problem(path)
            if p.inputs is not None and p.targets is not None:
                if p.is_sequence:
                    return model, listed_sequences(p)[0], p.name
                labels, _ = listed_labels(p.targets, p.network)
                return model, Split(p.inputs, p.targets, labels), p.name
        raise UsageError("--data is required: e.g. --data mnist:test, --data digits.csv, --data spiral")
    from .data import load_source

    ds = load_source(data_spec(data), base_dir=Path.cwd(), path=("--data",))
    ds = with_model_classes(ds, model)
    split = split_of(ds, model.network, ("--data",), None, targets_required=False)
    if split.labels is None and model.classes is not None and split.T.shape[1] and not split.is_sequence:
        # a classifier's targets read as numbers (a CSV column of 0 and 1): class indices again
        split = Split(split.X, split.T, listed_labels(split.T, model.network)[0])
    return model, split, ds.name


def data_spec(text: str) -> Any:
    """`--data` as a data source: a name or file, or a mapping written inline as in a problem file
    (`{csv: f.csv, task: classification}`)."""
    if not text.lstrip().startswith("{"):
        return text
    import yaml

    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise UsageError(f"--data: {problem} in the mapping {text!r:.80}") from None
    if not isinstance(spec, dict):
        raise UsageError(f"--data: expected a mapping like {{csv: f.csv, task: classification}}, got {text!r:.80}")
    return spec


def with_model_classes(ds: Dataset, model: Model) -> Dataset:
    """The data's class labels as the model's class indices, matched by name: a test file may hold
    fewer classes, in another order, or write them as numbers (a CSV column of 0, 1, 2)."""
    if model.classes is None:
        return ds
    labels, names = ds.y, ds.classes
    if names is None:
        if ds.y.ndim != 2 or ds.y.shape[1] != 1 or len(model.network.outputs) == 1:
            return ds            # no targets, one-hot rows, or one output unit: read as numbers
        from .data.files import encode_labels

        labels, names = encode_labels(ds.y[:, 0])
    index = {name: i for i, name in enumerate(model.classes)}
    unknown = [name for name in names if name not in index]
    if unknown:
        raise DataError(f"{ds.name} has class {unknown[0]!r}, which the model does not know; its classes are "
                        f"{', '.join(model.classes[:12])}{', ...' if len(model.classes) > 12 else ''}",
                        where="--data")
    mapping = np.array([index[name] for name in names], dtype=np.int64)
    return replace(ds, y=mapping[labels], classes=model.classes)
