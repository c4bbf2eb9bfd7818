"""Atomic file writes: a temporary file beside the target, then a rename, so no reader ever
sees a partly written output."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .errors import NncalcError


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Open a temporary file next to `path`; on success rename it over `path`, else remove it."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise NncalcError(f"cannot write: folder {folder} does not exist", file=str(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise NncalcError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    try:
        if hasattr(os, "fchmod"):          # mkstemp makes 0600; an output should follow the umask
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:                  # permission, disk full, a folder in the way: one clear line
        _remove(tmp)
        raise NncalcError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write text to path atomically."""
    with atomic_open(path) as handle:
        handle.write(text)
