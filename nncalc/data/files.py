"""Data files: CSV with a header row, and NumPy .npz archives.

CSV: every feature column must be numeric and finite. The target column (or columns) is chosen by
name; it is a classification target when its values are not all numbers or when the spec says
`task: classification`, and then its distinct values, sorted (numerically when they are numbers),
become the class names. A numeric target is a regression target unless told otherwise.
"""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import DataError
from ..fileio import require_regular
from ..npz import NpzArchive

TASKS = ("classification", "regression")
TARGET_GUESSES = ("label", "target", "class", "y")
MAX_CLASSES = 100_000     # a larger label is a damaged file, not a class: refused before naming them all


# ---------------------------------------------------------------- targets

def _class_name(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def encode_labels(values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices (n,) int64 and the sorted class names of a column of strings or numbers."""
    if values.dtype.kind in "fiub":
        names, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64).reshape(-1), tuple(_class_name(v) for v in names)
    names, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.int64).reshape(-1), tuple(str(v) for v in names)


def _parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- CSV

def read_csv(path: Path, *, target: str | Sequence[str] | None, task: str | None = None,
             features: Sequence[str] | None = None, delimiter: str = ",", display: str | None = None):
    """(X (n, d) float64, y, classes, feature names) of a CSV file with a header row.

    `target` None: a column named label/target/class/y if there is one, else no target (y (n, 0)).
    """
    display = display or str(path)
    require_regular(path, display=display, error=DataError, expected="a CSV file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            _, header = next(_checked(reader, display), (1, None))
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=display) from None
    if not header or not any(h.strip() for h in header):
        raise DataError("empty file; expected a header row naming the columns", file=display)
    header = [h.strip() for h in header]
    index = _column_index(header, display)

    if target is None:
        guessed = next((c for c in TARGET_GUESSES for h in header if h.lower() == c), None)
        targets = [next(h for h in header if h.lower() == guessed)] if guessed else []
    else:
        targets = [target] if isinstance(target, str) else list(target)
    for name in targets:
        _require_column(name, index, header, display, "target")
    feature_cols = list(features) if features is not None else [h for h in header if h not in targets]
    for name in feature_cols:
        _require_column(name, index, header, display, "feature")
    if not feature_cols:
        raise DataError("no feature columns left besides the target", file=display)
    overlap = [c for c in feature_cols if c in targets]
    if overlap:
        raise DataError(f"column '{overlap[0]}' is both a feature and the target", file=display)
    if task == "classification" and len(targets) != 1:
        raise DataError(f"classification needs exactly one target column, got {len(targets)}", file=display)

    _check_widths(path, len(header), delimiter, display)
    feature_idx = [index[c] for c in feature_cols]
    target_idx = [index[c] for c in targets]
    both = _fast_numeric(path, feature_idx + target_idx, delimiter)
    if both is not None and np.isfinite(both).all():
        X, T = np.ascontiguousarray(both[:, :len(feature_idx)]), both[:, len(feature_idx):]
    else:
        X = _numeric(path, header, feature_idx, delimiter, display)
        T = _target_values(path, header, target_idx, task, delimiter, display) if targets else None
    n = X.shape[0]
    if n == 0:
        raise DataError("no data rows after the header", file=display)
    names = tuple(feature_cols)
    if not targets:
        return X, np.zeros((n, 0)), None, names
    if T.dtype.kind != "f" or task == "classification":  # labels as written, or numbers told to be classes
        y, classes = encode_labels(T.reshape(-1))
        return X, y, classes, names
    return X, np.ascontiguousarray(T), None, names


def _column_index(header: list[str], display: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for k, name in enumerate(header):
        if not name:
            raise DataError(f"column {k + 1} has no name in the header row", file=display, line=1)
        if name in index:
            raise DataError(f"column '{name}' appears twice in the header row", file=display, line=1)
        index[name] = k
    return index


def _require_column(name: str, index: dict[str, int], header: list[str], display: str, role: str) -> None:
    if not isinstance(name, str) or name not in index:
        from ..errors import suggest

        hint = suggest(name, header, n=2, cutoff=0.6)
        raise DataError(f"no {role} column '{name}'{hint}; the columns are {', '.join(header)}", file=display)


def _fast_numeric(path: Path, columns: list[int], delimiter: str) -> np.ndarray | None:
    """The columns as float64 (n, len(columns)) via NumPy's C parser, or None if it cannot parse them
    (the csv-module path then reads them, or finds the bad value)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "input contained no data": reported by the caller
            return np.loadtxt(path, delimiter=delimiter, skiprows=1, usecols=columns, dtype=np.float64,
                              ndmin=2, comments=None, encoding="utf-8-sig")
    except (ValueError, IndexError, OverflowError):
        return None


def _checked(reader, display: str):
    """The reader's rows; a field past the csv module's limit or bytes that are not UTF-8 raise a
    DataError with the line where that record starts."""
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            why = (f"a value longer than {limit:,} characters (a quote left open?)" if "field limit" in str(exc)
                   else f"not valid CSV ({exc})")
            raise DataError(why, file=display, line=start) from None
        except UnicodeDecodeError as exc:
            raise DataError(f"not UTF-8 text ({exc.reason} at byte {exc.start:,} of a block)", file=display,
                            line=start) from None
        yield start, values
        start = reader.line_num + 1


def _check_widths(path: Path, width: int, delimiter: str, display: str) -> None:
    """Refuse a data row with more or fewer values than the header names (before the fast parser,
    which would read the columns it is asked for and ignore the rest)."""
    data = path.read_bytes()
    if b'"' in data:                      # quoted values may hold delimiters or line breaks
        for _ in _rows(path, [""] * width, delimiter, display):
            pass
        return
    sep = delimiter.encode("utf-8")
    row_number = 0
    for number, line in enumerate(data.split(b"\n")[1:], start=2):
        if not line.strip():
            continue
        row_number += 1
        values = line.count(sep) + 1
        if values != width:
            raise DataError(f"{values} values, but the header names {width} columns", file=display,
                            line=number, where=f"row {row_number}")


def _rows(path: Path, header: list[str], delimiter: str, display: str):
    """(row number, line number, values) of each data row, checking the row's width."""
    width = len(header)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = _checked(csv.reader(handle, delimiter=delimiter), display)
        next(rows, None)
        row_number = 0
        for line, values in rows:
            if not values or (len(values) == 1 and not values[0].strip()):
                continue  # blank line
            row_number += 1
            if len(values) != width:
                raise DataError(f"{len(values)} values, but the header names {width} columns", file=display,
                                line=line, where=f"row {row_number}")
            yield row_number, line, values


def _bad_number(text: str) -> str | None:
    """Why `text` is not a finite number, or None if it is one."""
    if not text:
        return "empty value"
    value = _parse_number(text)
    if value is None:
        return f"'{text}' is not a number"
    if not math.isfinite(value):
        return f"{text} is not a finite number"
    return None


def _numeric(path: Path, header: list[str], columns: list[int], delimiter: str, display: str) -> np.ndarray:
    """The columns as finite float64 (n, len(columns)); the first bad value raises with its row, line
    and column."""
    fast = _fast_numeric(path, columns, delimiter)
    if fast is not None and np.isfinite(fast).all():
        return fast
    out = []
    for row_number, line, values in _rows(path, header, delimiter, display):
        parsed = []
        for k in columns:
            text = values[k].strip()
            problem = _bad_number(text)
            if problem:
                raise DataError(problem, file=display, line=line, where=f"row {row_number}, column '{header[k]}'")
            parsed.append(float(text))
        out.append(parsed)
    return np.array(out, dtype=np.float64).reshape(len(out), len(columns))


def _target_values(path: Path, header: list[str], columns: list[int], task: str | None, delimiter: str,
                   display: str) -> np.ndarray:
    """Numeric targets (n, m) float64, or, for one non-numeric column, its labels as strings (n,)."""
    if len(columns) != 1 or task == "regression":
        return _numeric(path, header, columns, delimiter, display)
    k = columns[0]
    labels = []
    for row_number, line, values in _rows(path, header, delimiter, display):
        text = values[k].strip()
        if not text:
            raise DataError("empty target value", file=display, line=line,
                            where=f"row {row_number}, column '{header[k]}'")
        labels.append(text)
    if all(_parse_number(t) is not None for t in labels):  # numbers after all (quoted, say)
        return _numeric(path, header, columns, delimiter, display)
    return np.array(labels, dtype=str)


# ---------------------------------------------------------------- NPZ

NPZ_KEYS = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test"), None: ("x", "y")}


def open_npz(path: Path, display: str) -> NpzArchive:
    """The archive, its arrays read and checked one by one (never unpickled; sizes bounded)."""
    return NpzArchive(path, display=display, error=DataError)


def npz_splits(keys: Sequence[str]) -> list[str | None]:
    """Which splits an archive holds: ['train', 'test'], ['train'], or [None] for plain x/y."""
    found = [s for s in ("train", "test") if all(k in keys for k in NPZ_KEYS[s])]
    if found:
        return found
    return [None] if all(k in keys for k in NPZ_KEYS[None]) else []


def npz_arrays(archive, split: str | None, display: str) -> tuple[np.ndarray, np.ndarray]:
    xk, yk = NPZ_KEYS[split]
    missing = [k for k in (xk, yk) if k not in archive.files]
    if missing:
        raise DataError(f"no array {' or '.join(repr(m) for m in missing)} in the archive (it holds "
                        f"{', '.join(archive.files) or 'nothing'}; expected x_train/y_train/x_test/y_test "
                        "or x/y)", file=display)
    return archive[xk], archive[yk]


def npz_inputs(x: np.ndarray, display: str, key: str) -> np.ndarray:
    """(n, d) inputs, or sequences (n, T, d) as they are (a feed-forward network reads them flattened);
    unsigned bytes are pixels (float32 / 255), images flattened to (n, d) at any shape; other numbers
    float64, with more than 3 axes flattened to (n, d)."""
    if x.ndim == 0 or x.dtype.kind not in "fiub":
        raise DataError(f"'{key}' must be a numeric array with one row per sample, got {x.dtype} {x.shape}",
                        file=display)
    if x.size == 0:
        what = "no samples" if x.shape[0] == 0 else "no values per sample"
        raise DataError(f"'{key}' has {what} (shape {x.shape})", file=display)
    if x.ndim != 3 or x.dtype == np.uint8:
        x = x.reshape(x.shape[0], -1)
    if x.dtype == np.uint8:
        return np.divide(x, np.float32(255), dtype=np.float32)
    X = x.astype(np.float64)
    if not np.isfinite(X).all():
        row = int(np.argwhere(~np.isfinite(X))[0, 0])
        raise DataError(f"'{key}' row {row} holds NaN or infinity", file=display)
    return X


def npz_targets(y: np.ndarray, task: str | None, display: str, key: str, n: int, sequences: bool = False):
    """(y, classes): integer 1-D labels are classes 0..k-1, anything else float targets (n, m); with
    sequences, a 3-D y is float targets (n, T, m), one row per step."""
    if y.dtype.kind not in "fiub" or y.ndim == 0 or y.shape[0] != n:
        raise DataError(f"'{key}' must be numeric with {n} rows (as many as the inputs), got {y.dtype} {y.shape}",
                        file=display)
    if sequences and y.ndim == 3:
        T = y.astype(np.float64)
        if not np.isfinite(T).all():
            row = int(np.argwhere(~np.isfinite(T))[0, 0])
            raise DataError(f"'{key}' row {row} holds NaN or infinity", file=display)
        return T, None
    if task == "classification" and y.ndim == 2 and y.shape[1] > 1:
        if not (np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all()):
            raise DataError(f"'{key}' is 2-D but not one-hot; classification needs one label per row", file=display)
        y = y.argmax(axis=1)
    y = y.reshape(n, -1) if y.ndim > 1 else y
    is_labels = task == "classification" or (task is None and y.dtype.kind in "iub" and y.ndim == 1)
    if is_labels:
        y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1:
            raise DataError(f"'{key}' has {y.shape[1]} columns; classification needs one label per row",
                            file=display)
        if y.dtype.kind == "f" and not (np.isfinite(y).all() and (y == np.round(y)).all()):
            raise DataError(f"'{key}' holds values that are not whole numbers; they cannot be class labels",
                            file=display)
        labels = y.astype(np.int64)
        if labels.min(initial=0) < 0:
            raise DataError(f"'{key}' holds negative class labels", file=display)
        k = int(labels.max(initial=0)) + 1
        if k > MAX_CLASSES:
            row = int(labels.argmax())
            raise DataError(f"'{key}' row {row} holds the label {labels[row]:,}; class labels must be 0 to "
                            f"{MAX_CLASSES - 1:,}", file=display)
        return labels, tuple(str(c) for c in range(k))
    T = y.astype(np.float64).reshape(n, -1)
    if not np.isfinite(T).all():
        row = int(np.argwhere(~np.isfinite(T))[0, 0])
        raise DataError(f"'{key}' row {row} holds NaN or infinity", file=display)
    return T, None



def npz_lengths(lengths: np.ndarray, X: np.ndarray, y: np.ndarray, display: str, key: str,
                xkey: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each sequence's own length (n,), 1..T; inputs (and per-step targets) beyond it set to 0, the
    padding every sequence problem has."""
    n = X.shape[0]
    if X.ndim != 3:
        raise DataError(f"'{key}' gives sequence lengths, but '{xkey}' is not sequences (n, T, d): shape "
                        f"{X.shape}", file=display)
    steps = X.shape[1]
    if lengths.dtype.kind not in "iu" or lengths.shape != (n,):
        raise DataError(f"'{key}' must be {n} whole numbers (one length per sequence), got {lengths.dtype} "
                        f"{lengths.shape}", file=display)
    bad = np.flatnonzero((lengths < 1) | (lengths > steps))
    if bad.size:
        raise DataError(f"'{key}' row {int(bad[0])} is {int(lengths[bad[0]])}; lengths must be 1 to {steps} "
                        f"(the steps of '{xkey}')", file=display)
    lengths = lengths.astype(np.int64)
    pad = np.arange(steps)[None, :] >= lengths[:, None]
    if pad.any():
        X = np.where(pad[:, :, None], 0, X).astype(X.dtype)
        if y.ndim == 3:
            y = np.where(pad[:, :, None], 0.0, y)
    return X, y, lengths
