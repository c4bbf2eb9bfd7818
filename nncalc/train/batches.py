"""The data as the network sees it: splits of inputs and targets in the network's output form, class
indices for accuracy, the held-out validation part, and each epoch's order of samples."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import DataError, NncalcError, ProblemError
from ..problem import Network, Problem
from ..problem.file import DICT_SOURCE
from ..problem.training import Settings
from ..yamlio import format_path

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class Split:
    """Inputs X (n, d), targets T (n, m) in the network's output form, and class indices (n,) when
    the task is classification (for accuracy).

    Sequences (a recurrent network): X (n, T, d) and T (n, T, m), each sample padded with zeros after
    its own length; mask (n, T) True where a step has a target (None: every step has one); lengths
    (n,); labels (n,) only when each sample has one target (many-to-one classification)."""

    X: Array
    T: Array
    labels: Array | None = None
    mask: Array | None = None
    lengths: Array | None = None

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def is_sequence(self) -> bool:
        return self.X.ndim == 3

    def take(self, idx: Array) -> "Split":
        """The samples idx (copies)."""
        pick = lambda a: None if a is None else a[idx]  # noqa: E731
        return Split(self.X[idx], self.T[idx], pick(self.labels), pick(self.mask), pick(self.lengths))

    def part(self, start: int, stop: int) -> "Split":
        """Samples start:stop as views (no copy)."""
        cut = lambda a: None if a is None else a[start:stop]  # noqa: E731
        return Split(self.X[start:stop], self.T[start:stop], cut(self.labels), cut(self.mask), cut(self.lengths))


@dataclass(frozen=True, eq=False)
class TrainData:
    train: Split
    validation: Split | None = None
    test: Split | None = None
    classes: tuple[str, ...] | None = None


def low_target(network: Network) -> float:
    """The target of a class's 'no' output: -1 for sign or tanh output units, else 0."""
    return network.layers[-1].activation.fn.off


def class_targets(labels: Array, network: Network, dtype=np.float64) -> Array:
    """Class indices as the network's targets: one-hot rows for several outputs (-1 for the other
    classes with sign or tanh units), 0/1 (or -1/+1) for a single output."""
    low = low_target(network)
    m = len(network.outputs)
    if m == 1:
        return np.where(labels[:, None] > 0, 1.0, low).astype(dtype)
    T = np.full((labels.shape[0], m), low, dtype=dtype)
    T[np.arange(labels.shape[0]), labels] = 1.0
    return T


def listed_labels(T: Array, network: Network) -> tuple[Array | None, tuple[str, ...] | None]:
    """Class indices and names for listed samples whose targets are one-hot rows or single 0/1
    (or -1/+1) values; (None, None) for regression targets."""
    low = low_target(network)
    binary = np.all((T == 1.0) | (T == low))
    if not binary:
        return None, None
    if T.shape[1] == 1:
        return (T[:, 0] == 1.0).astype(np.int64), (str(int(low)), "1")
    if np.all((T == 1.0).sum(axis=1) == 1):
        return T.argmax(axis=1), tuple(network.outputs)
    return None, None


def training_datasets(problem: Problem) -> dict | None:
    """The data sets a problem's `data:` names (a source, not samples), loaded; None for written samples."""
    if problem.inputs is not None or problem.data_source is None:
        return None
    from ..data import load_data

    source = problem.source
    base = Path(source).parent if source and source != DICT_SOURCE else Path.cwd()
    try:
        return load_data(problem.data_source, base_dir=base, file=source)
    except NncalcError as exc:
        raise with_problem_line(exc, problem) from None


def training_data(problem: Problem, settings: Settings) -> TrainData:
    """The one way from a problem to what it trains on: its samples or its loaded data sources, in
    the settings' dtype, with their validation part held out."""
    return data_for(problem, training_datasets(problem), settings.validation_split, settings.dtype)


def data_for(problem: Problem, datasets: dict | None = None, validation_split: float = 0.0,
             dtype: str | None = None) -> TrainData:
    """The problem's listed samples, or the loaded data sources, as targets the network can learn;
    the last `validation_split` of the training samples are held out (views, no copy)."""
    net = problem.network
    if datasets is None:
        if problem.inputs is None:
            raise ProblemError("no data to train on: give `data:` samples with targets, or a source",
                               file=problem.source, where="data")
        if problem.targets is None:
            raise ProblemError("the samples have no targets: training needs a `target:` for every sample",
                               file=problem.source, where="data")
        if problem.is_sequence:
            train, classes = listed_sequences(problem)
        else:
            labels, classes = listed_labels(problem.targets, net)
            train = Split(problem.inputs, problem.targets, labels)
        test = None
    else:
        classes = datasets["train"].classes
        try:
            train = split_of(datasets["train"], net, ("data", "train"), problem.source)
            test = split_of(datasets["test"], net, ("data", "test"), problem.source) if "test" in datasets else None
        except NncalcError as exc:
            raise with_problem_line(exc, problem) from None
    want = np.dtype(dtype) if dtype else None
    if want is not None and want.itemsize < train.X.dtype.itemsize:
        # converting once halves the memory; the other way round each batch is converted instead
        train = replace(train, X=train.X.astype(want))
        if test is not None:
            test = replace(test, X=test.X.astype(want))
    validation = None
    if validation_split > 0:
        n_val = int(round(train.n * validation_split))
        if n_val < 1 or n_val >= train.n:
            raise ProblemError(f"validation_split {validation_split:g} of {train.n} samples leaves "
                               f"{train.n - n_val} to train on and {n_val} to validate; both need at least 1",
                               file=problem.source, where="training.validation_split",
                               line=_line(problem, ("training", "validation_split")))
        validation = train.part(train.n - n_val, train.n)
        train = train.part(0, train.n - n_val)
    return TrainData(train, validation, test, classes)


def _line(problem: Problem, path: tuple) -> int | None:
    return problem.doc.line_of(path) if problem.doc is not None else None


def with_problem_line(exc: NncalcError, problem: Problem) -> NncalcError:
    """The error with the problem file's YAML line filled in, when it points at a key of that file."""
    path = getattr(exc, "path", None)          # a DataError's key path in the problem file
    if exc.line is None and path and exc.file is not None and exc.file == problem.source:
        exc.located(line=_line(problem, path))
    return exc


def listed_sequences(problem: Problem) -> tuple[Split, tuple[str, ...] | None]:
    """A sequence problem's own samples as a Split, with class labels when each sample has one
    target (many-to-one) and the targets are classes."""
    X, T, mask = problem.inputs, problem.targets, problem.target_mask
    labels = classes = None
    if (mask.sum(axis=1) == 1).all():
        labels, classes = listed_labels(T[mask], problem.network)
    return Split(X, T, labels, None if mask.all() else mask, problem.lengths), classes


def _class_labels(data, m: int, fail) -> Array:
    """The data's class indices, refused when the network's m outputs cannot tell its classes apart."""
    k = len(data.classes)
    if (m == 1 and k > 2) or (m > 1 and k > m):
        raise fail(f"{data.name} has {k} classes, the network has {m} output{'s' if m > 1 else ''}: "
                   f"give it {k} outputs (softmax), or 1 for two classes")
    return np.asarray(data.y, dtype=np.int64)


def _sequence_split(data, network: Network, fail, targets_required: bool) -> Split:
    """A Dataset of sequences (n, T, d) as a recurrent network's Split: targets at every step (y of
    shape (n, T, m)) or after each sequence's last step (y (n, m) or class labels: many-to-one)."""
    d, m = len(network.inputs), len(network.outputs)
    X = data.X
    if X.ndim != 3:
        raise fail(f"{data.name} holds samples of {X.shape[1]} values; a recurrent network reads sequences "
                   f"(n, T, d): an .npz whose x has 3 axes, or a sequence generator (sine, adding, parity)")
    n, steps = X.shape[0], X.shape[1]
    if X.shape[2] != d:
        raise fail(f"{data.name} has {X.shape[2]} inputs per step, the network takes {d}")
    lengths = data.lengths if data.lengths is not None else np.full(n, steps, dtype=np.int64)
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    inside = np.arange(steps)[None, :] < lengths[:, None]
    labels = None
    if data.classes is not None:
        labels = _class_labels(data, m, fail)
        last = class_targets(labels, network, dtype)
    elif data.y.ndim == 3:
        if data.y.shape[1] != steps or data.y.shape[2] != m:
            raise fail(f"{data.name} has targets of shape {data.y.shape[1:]} per sample (steps, outputs); "
                       f"expected ({steps}, {m}): one row of {m} per step")
        mask = None if inside.all() else inside
        return Split(X, data.y.astype(dtype), None, mask, lengths)
    elif data.y.ndim == 2 and data.y.shape[1] == 0 and not targets_required:
        return Split(X, np.zeros((n, steps, 0)), None, None, lengths)
    elif data.y.ndim == 2 and data.y.shape[1] == m:
        last = data.y.astype(dtype)
    else:
        got = data.y.shape[1] if data.y.ndim == 2 else 0
        raise fail(f"{data.name} has {got} target column{'s' if got != 1 else ''}, the network has {m} outputs")
    rows = np.arange(n)
    T = np.zeros((n, steps, m), dtype=dtype)
    T[rows, lengths - 1] = last
    mask = np.zeros((n, steps), dtype=bool)
    mask[rows, lengths - 1] = True
    return Split(X, T, labels, mask, lengths)


def split_of(data, network: Network, path: tuple, file: str | None, targets_required: bool = True) -> Split:
    """A Dataset as a Split, checked against the network's inputs and outputs; a Dataset without
    targets (for prediction) gets an empty (n, 0) T unless targets are required. A recurrent network
    gets sequences; a feed-forward one reads sequences (n, T, d) flattened to (n, T d)."""
    d, m = len(network.inputs), len(network.outputs)
    fail = lambda msg: DataError(msg, file=file, where=format_path(path), path=path)  # noqa: E731
    if network.is_sequence:
        return _sequence_split(data, network, fail, targets_required)
    if data.X.ndim == 3:
        data = replace(data, X=data.X.reshape(data.n_samples, -1),
                       y=data.y.reshape(data.n_samples, -1) if data.y.ndim == 3 else data.y)
    if data.X.shape[1] != d:
        raise fail(f"{data.name} has {data.X.shape[1]} inputs per sample, the network takes {d}")
    if data.classes is not None:
        labels = _class_labels(data, m, fail)
        dtype = np.float32 if data.X.dtype == np.float32 else np.float64
        return Split(data.X, class_targets(labels, network, dtype), labels)
    if data.y.ndim == 2 and data.y.shape[1] == 0 and not targets_required:
        return Split(data.X, np.zeros((data.X.shape[0], 0)))
    if data.y.ndim != 2 or data.y.shape[1] != m:
        got = data.y.shape[1] if data.y.ndim == 2 else 0
        raise fail(f"{data.name} has {got} target column{'s' if got != 1 else ''}, the network has {m} outputs")
    return Split(data.X, data.y.astype(np.float32 if data.X.dtype == np.float32 else np.float64))




def epoch_order(rng: np.random.Generator, n: int, shuffle: bool) -> Array:
    """The order of the n samples in one epoch: a seeded permutation, or file order."""
    return rng.permutation(n) if shuffle else np.arange(n)
