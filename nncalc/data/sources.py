"""A problem file's `data:` naming a source: parsed, checked and loaded into Datasets.

Spec forms (relative paths resolve against the problem file's folder):
    mnist:train | mnist:test | fashion-mnist:train | fashion-mnist:test    (the download cache)
    spiral | circle | xor | gauss | moons | plane                            (a generator, defaults)
    file.csv | file.npz | file.npz:test                                      (a file, defaults)
    {csv: file.csv, target: label, task: classification, features: [...], delimiter: ","}
    {npz: file.npz, split: train|test, task: ...}
    {idx: [images, labels], classes: [...]}
    {generate: spiral, samples: 500, noise: 0.1, seed: 1}
    {generate: sine, samples: 200, length: 50, noise: 0.0, seed: 1}    (sequences: sine, adding, parity)
    {mnist: train}, {fashion-mnist: test}
Every mapping also takes `limit: N` (keep the first N samples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import DataError
from ..errors import suggest
from ..yamlio import format_path
from .cache import REMOTE, SPLITS, data_home, find_file, remote_set
from .dataset import Dataset
from .generate import GENERATORS, MAX_SEQUENCE_VALUES, generate

FILE_KINDS = ("csv", "npz", "idx", "generate")
_OPTIONS = {
    "csv": ("target", "task", "features", "delimiter"),
    "npz": ("split", "task", "classes"),
    "idx": ("classes",),
    "generate": ("samples", "noise", "seed"),       # the point generators'; each generator lists its own
    "remote": (),
}
_COMMON = ("limit",)
TASKS = ("classification", "regression")


@dataclass(frozen=True)
class _Spec:
    kind: str                 # 'remote', 'csv', 'npz', 'idx' or 'generate'
    value: Any                # the remote set's name, the path(s), or the generator's name
    options: Mapping[str, Any]
    where: tuple              # its key path in the problem file, e.g. ('data', 'train', 'csv')


def _suggest(word: Any, choices) -> str:
    return suggest(word, choices, n=2, cutoff=0.6)


def _forms() -> str:
    return ("expected mnist:train, mnist:test, fashion-mnist:train or fashion-mnist:test, a generator "
            f"({', '.join(GENERATORS)}), a .csv or .npz file, or a mapping with one of "
            f"{', '.join(FILE_KINDS)}")


def _error(message: str, file: str | None, path: tuple) -> DataError:
    """A DataError at key path `path` of the problem file: `where` writes it out ('data.idx[0]'),
    `path` keeps it as the tuple the YAML line is found by."""
    return DataError(message, file=file, where=format_path(path), path=path)


def _parse(spec: Any, where: tuple, file: str | None) -> _Spec:
    """Check a spec's form (not its files) and name what is wrong with its key path."""
    def fail(message: str, at: tuple = where) -> DataError:
        return _error(message, file, at)

    if isinstance(spec, str):
        _check_file_name(spec, where, file)
        text = spec.strip()
        name, _, split = text.partition(":")
        if name in REMOTE:
            if split and split not in SPLITS:
                raise fail(f"unknown split '{split}' of {name}; expected {name}:train or {name}:test")
            return _Spec("remote", name, {"split": split or None}, where)
        if text in GENERATORS:
            return _Spec("generate", text, {}, where)
        path, _, split = text.rpartition(":") if text.endswith((":train", ":test")) else (text, "", "")
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            return _Spec("csv", path, {}, where)
        if suffix == ".npz":
            return _Spec("npz", path, {"split": split or None}, where)
        raise fail(f"unknown data source '{spec}'{_suggest(name, list(REMOTE) + list(GENERATORS))}; {_forms()}")
    if not isinstance(spec, Mapping):
        raise fail(f"expected a source name or a mapping, got {type(spec).__name__} {spec!r}; {_forms()}")

    kinds = [k for k in spec if k in FILE_KINDS or k in REMOTE]
    if len(kinds) != 1:
        found = f"{len(kinds)} ({', '.join(kinds)})" if kinds else "none"
        raise fail(f"expected exactly one of {', '.join(FILE_KINDS + tuple(REMOTE))} in the mapping, found {found}")
    key = kinds[0]
    kind = "remote" if key in REMOTE else key
    own = GENERATORS[spec[key]].options if kind == "generate" and _hashable(spec[key]) in GENERATORS else None
    allowed = (key,) + (own or _OPTIONS[kind]) + _COMMON
    for other in spec:
        if other not in allowed:
            raise fail(f"unknown key '{other}'{_suggest(other, allowed)} for a {key} source; "
                       f"expected {', '.join(allowed)}", where + (other,))
    options = {k: v for k, v in spec.items() if k != key}
    value = spec[key]
    at = where + (key,)

    if kind == "remote":
        if value not in SPLITS:
            raise fail(f"expected train or test, got {value!r}", at)
        value, options = key, {**options, "split": value}
    elif kind in ("csv", "npz"):
        if not isinstance(value, str) or not value.strip():
            raise fail(f"expected a file name, got {value!r}", at)
        _check_file_name(value, at, file)
    elif kind == "idx":
        if (not isinstance(value, (list, tuple)) or len(value) != 2
                or not all(isinstance(v, str) and v.strip() for v in value)):
            raise fail(f"expected [images file, labels file], got {value!r}", at)
        for k, name in enumerate(value):
            _check_file_name(name, at + (k,), file)
    elif kind == "generate":
        if not isinstance(value, str) or value not in GENERATORS:
            raise fail(f"unknown generator {value!r}{_suggest(value, GENERATORS)}; expected one of "
                       f"{', '.join(GENERATORS)}", at)
        _check_sequence_size(GENERATORS[value], value, options, where, file)
    _check_options(kind, options, where, file)
    return _Spec(kind, value, options, where)


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _check_sequence_size(info, name: str, options: Mapping[str, Any], where: tuple, file: str | None) -> None:
    """A sequence generator's length: at least its minimum, and samples x length within bounds."""
    if not info.sequence:
        return
    length = options.get("length", info.length)
    at = where + ("length",)
    if isinstance(length, bool) or not isinstance(length, int) or length < info.min_length:
        raise _error(f"expected a whole number of at least {info.min_length} (steps per sequence), got "
                     f"{length!r}", file, at)
    samples = options.get("samples", info.samples)
    if isinstance(samples, int) and samples * length * len(info.features) > MAX_SEQUENCE_VALUES:
        raise _error(f"{samples:,} sequences of {length:,} steps are {samples * length * len(info.features):,} "
                     f"values; {name} makes at most {MAX_SEQUENCE_VALUES:,}", file,
                     at if "length" in options else where + ("samples",))


def _check_file_name(name: str, where: tuple, file: str | None) -> None:
    """A file name no system call can open: refused with its place in the problem file."""
    if "\0" in name:
        raise _error(f"the file name {name!r} holds a NUL byte", file, where)


def _check_options(kind: str, options: Mapping[str, Any], where: tuple, file: str | None) -> None:
    def fail(key: str, message: str) -> DataError:
        return _error(f"{message}, got {options[key]!r}", file, where + (key,))

    def whole(key: str, minimum: int) -> None:
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise fail(key, f"expected a whole number of at least {minimum}")

    for key in options:
        value = options[key]
        if key in ("limit", "samples", "length"):
            whole(key, 1)
        elif key == "seed":
            whole(key, 0)
        elif key == "noise":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise fail(key, "expected a number of at least 0")
        elif key == "task":
            if value not in TASKS:
                raise fail(key, f"expected {' or '.join(TASKS)}")
        elif key == "split":
            if value is not None and value not in SPLITS:
                raise fail(key, "expected train or test")
        elif key == "target":
            if not (isinstance(value, str) or (isinstance(value, list) and value
                                               and all(isinstance(v, str) for v in value))):
                raise fail(key, "expected a column name or a list of column names")
        elif key == "features":
            if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                raise fail(key, "expected a list of column names")
        elif key == "delimiter":
            if not (isinstance(value, str) and len(value) == 1):
                raise fail(key, "expected one character")
        elif key == "classes":
            if not (isinstance(value, list) and value and all(isinstance(v, (str, int)) for v in value)):
                raise fail(key, "expected a list of class names")


# ---------------------------------------------------------------- loading

def _resolve(path: str, base_dir: Path) -> Path:
    p = Path(path.strip()).expanduser()
    return p if p.is_absolute() else base_dir / p


def _load(spec: _Spec, base_dir: Path, file: str | None) -> Dataset:
    loader = _LOADERS[spec.kind]
    data = loader(spec, base_dir, file)
    limit = spec.options.get("limit")
    if limit is not None and limit < data.n_samples:
        data = Dataset(data.X[:limit].copy(), data.y[:limit].copy(), data.classes, data.name, data.feature_names,
                       None if data.lengths is None else data.lengths[:limit].copy())
    return data


def _load_remote(spec: _Spec, base_dir: Path, file: str | None) -> Dataset:
    from .idx import read_images, read_labels

    name, split = spec.value, spec.options.get("split")
    if split is None:
        raise _error(f"say which split: {name}:train or {name}:test", file, spec.where)
    remote = remote_set(name)
    folder = data_home() / name
    wanted = remote.split_files(split)
    found = [find_file(folder, f.name) for f in wanted]
    if not all(found):
        missing = ", ".join(f.name for f, p in zip(wanted, found) if p is None)
        raise _error(
            f"{name} is not in the data cache ({folder} lacks {missing}); download it once with "
            f"`nncalc data fetch {name}`, or set NNCALC_DATA to a folder whose {name}/ subfolder holds "
            f"the four files ({', '.join(f.name for f in remote.files)})", file, spec.where)
    X, y = read_images(found[0]), read_labels(found[1])
    _check_pair(X, y, str(found[0]), str(found[1]), len(remote.classes))
    return Dataset(X, y, remote.classes, f"{name}:{split}")


def _check_pair(X: np.ndarray, y: np.ndarray, images: str, labels: str, n_classes: int | None) -> None:
    if X.shape[0] != y.shape[0]:
        raise DataError(f"{y.shape[0]:,} labels for {X.shape[0]:,} images in {images}", file=labels)
    if n_classes is not None and y.size and (y.max() >= n_classes):
        raise DataError(f"label {int(y.max())} out of range for {n_classes} classes", file=labels)


def _class_names(spec: _Spec, y: np.ndarray, display: str, file: str | None) -> tuple[str, ...]:
    """The `classes:` option, or '0'..'k-1' for labels 0..k-1."""
    given = spec.options.get("classes")
    k = int(y.max()) + 1 if y.size else 0
    if given is None:
        return tuple(str(c) for c in range(k))
    if len(given) < k:
        raise _error(f"{len(given)} class names for labels up to {k - 1} in {display}", file,
                     spec.where + ("classes",))
    return tuple(str(c) for c in given)


def _load_idx(spec: _Spec, base_dir: Path, file: str | None) -> Dataset:
    from .idx import read_images, read_labels

    images, labels = (_resolve(p, base_dir) for p in spec.value)
    X, y = read_images(images), read_labels(labels)
    _check_pair(X, y, str(images), str(labels), None)
    return Dataset(X, y, _class_names(spec, y, str(labels), file), images.name)


def _load_csv(spec: _Spec, base_dir: Path, file: str | None) -> Dataset:
    from .files import read_csv

    path = _resolve(spec.value, base_dir)
    o = spec.options
    X, y, classes, features = read_csv(path, target=o.get("target"), task=o.get("task"),
                                       features=o.get("features"), delimiter=o.get("delimiter", ","),
                                       display=str(path))
    return Dataset(X, y, classes, path.name, features)


def _load_npz(spec: _Spec, base_dir: Path, file: str | None) -> Dataset:
    from .files import npz_arrays, npz_inputs, npz_lengths, npz_splits, npz_targets, open_npz

    path = _resolve(spec.value, base_dir)
    split = spec.options.get("split")
    with open_npz(path, str(path)) as archive:
        if split is None:
            found = npz_splits(archive.files)
            split = found[0] if found else None
        x, y = npz_arrays(archive, split, str(path))
        lk = "lengths" if split is None else f"lengths_{split}"
        lengths = archive[lk] if lk in archive.files else None
    xk, yk = ("x", "y") if split is None else (f"x_{split}", f"y_{split}")
    X = npz_inputs(x, str(path), xk)
    y, classes = npz_targets(y, spec.options.get("task"), str(path), yk, X.shape[0], X.ndim == 3)
    if classes is not None and "classes" in spec.options:
        classes = _class_names(spec, y, str(path), file)
    if lengths is not None:
        X, y, lengths = npz_lengths(lengths, X, y, str(path), lk, xk)
    name = path.name if split is None else f"{path.name}:{split}"
    return Dataset(X, y, classes, name, lengths=lengths)


def _load_generated(spec: _Spec, base_dir: Path, file: str | None) -> Dataset:
    o = spec.options
    X, y, classes = generate(spec.value, o.get("samples"), o.get("noise", 0.0), o.get("seed", 0), o.get("length"))
    return Dataset(X, y, classes, spec.value, GENERATORS[spec.value].features)


_LOADERS = {"remote": _load_remote, "idx": _load_idx, "csv": _load_csv, "npz": _load_npz,
            "generate": _load_generated}


# ---------------------------------------------------------------- the API

def load_source(spec: Any, *, base_dir: Path, file: str | None = None, path: tuple = ("data",)) -> Dataset:
    """One data source (any spec form above) as a Dataset.

    Errors are DataErrors naming the problem file and key path (`path`, e.g. ('data', 'train'), or
    ('--data',) for a command-line option) for a bad spec, or the data file and line for bad data.
    """
    return _load(_parse(spec, path, file), Path(base_dir), file)


def check_data(data_spec: Any, file: str | None = None) -> None:
    """The form of a problem's `data:` source (its keys, names and options; not its files, which are
    read when training), checked when the problem is loaded; a mistake is a DataError with its place."""
    if isinstance(data_spec, Mapping) and any(k in data_spec for k in SPLITS):
        _split_specs(data_spec, file)
    elif not (isinstance(data_spec, str) and data_spec.strip() in REMOTE):
        _parse(data_spec, ("data",), file)


def _split_specs(data_spec: Mapping, file: str | None) -> dict[str, _Spec]:
    extra = [k for k in data_spec if k not in SPLITS]
    if extra:
        raise _error(f"unknown key '{extra[0]}' next to train/test{_suggest(extra[0], SPLITS)}; "
                     "give `train:` and optionally `test:`, each a source", file, ("data", extra[0]))
    if "train" not in data_spec:
        raise _error("missing 'train:' (the training data)", file, ("data",))
    return {split: _parse(data_spec[split], ("data", split), file) for split in SPLITS if split in data_spec}


def load_data(data_spec: Any, *, base_dir: Path, file: str | None = None) -> dict[str, Dataset]:
    """A problem's `data:` as {'train': ..., 'test': ...}.

    Either a mapping {train: SPEC, test: SPEC} (test optional), or a single SPEC meaning train only;
    except that a single source holding both splits gives both: `mnist` (or `{mnist: ...}` is one
    split), and an .npz with x_train/y_train/x_test/y_test when no split is named.
    """
    base_dir = Path(base_dir)
    if isinstance(data_spec, Mapping) and any(k in data_spec for k in SPLITS):
        specs = _split_specs(data_spec, file)
        return {split: _load(spec, base_dir, file) for split, spec in specs.items()}
    if data_spec is None:
        raise _error("no data: give `data:` samples or a source", file, ("data",))
    if isinstance(data_spec, str) and data_spec.strip() in REMOTE:
        name = data_spec.strip()
        return {split: _load(_Spec("remote", name, {"split": split}, ("data",)), base_dir, file) for split in SPLITS}
    spec = _parse(data_spec, ("data",), file)
    if spec.kind == "npz" and spec.options.get("split") is None:
        from .files import npz_splits, open_npz

        path = _resolve(spec.value, base_dir)
        with open_npz(path, str(path)) as archive:
            splits = npz_splits(archive.files)
        if splits == ["train", "test"]:
            return {split: _load(_Spec("npz", spec.value, {**spec.options, "split": split}, spec.where),
                                 base_dir, file) for split in SPLITS}
    return {"train": _load(spec, base_dir, file)}
