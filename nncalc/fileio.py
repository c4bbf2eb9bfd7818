"""Every file nncalc writes goes through here, so that no output is ever partial and nothing that
is not a regular file is ever replaced; and every data or model file it reads is checked here
first, so that a FIFO never hangs it and /dev/urandom is never read until memory runs out.

A regular file (or a new name) is written to a temporary file beside it and renamed over it, so a
reader sees the old file or the whole new one, and a failure or Ctrl-C leaves the old file and no
temporary. A symbolic link to a regular file stays a link: its target is replaced the same way.
Anything else (a terminal, /dev/null, a FIFO, /dev/stdout, which links to /proc/self/fd/1) is
written in place, as a shell's `>` would: renaming over it would turn /dev/null into a file.
A write that fails (a full disk, no permission) is one NncalcError naming the file.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterator

from .errors import NncalcError

Check = Callable[[Path], None]      # called with the complete temporary file before it is renamed


def _error(path: Path, exc: OSError) -> NncalcError:
    return NncalcError(f"cannot write: {exc.strerror or exc}", file=str(path))


def _target(path: Path) -> tuple[Path, os.stat_result | None, bool]:
    """(the file to write, its current status or None when it does not exist yet, whether to write
    it in place). Links are followed hop by hop: one through /proc (/dev/stdout names
    /proc/self/fd/1) names an open file, which is written where it stands."""
    target, hops = path, 0
    while target.is_symlink() and hops < 40:
        if Path(os.path.abspath(target)).parts[1:2] == ("proc",):
            return target, None, True
        link = Path(os.readlink(target))
        target = link if link.is_absolute() else target.parent / link
        hops += 1
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target, None, False
    except OSError as exc:
        raise _error(path, exc) from None
    return target, st, not stat.S_ISREG(st.st_mode)


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", *, check: Check | None = None,
                durable: bool = True) -> Iterator[IO]:
    """A handle for writing `path` (text as UTF-8, or bytes with mode 'wb'): a temporary file
    renamed over it on success when it is a regular file or new, the file itself otherwise.

    `check`, if given, is called with the complete temporary file before the rename (a download
    verifies its hash there); whatever it raises removes the temporary and leaves `path` as it was.
    `durable=False` skips the fsync (still never partly written): for one of many files in a batch."""
    path = Path(path)
    target, st, in_place = _target(path)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise NncalcError("cannot write: is a folder", file=str(path))
    if in_place:
        with _in_place(target, mode) as handle:
            yield handle
        return
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise NncalcError(f"cannot write: folder {folder} does not exist", file=str(path))
    import tempfile     # imported on use: start-up (a command that only reads never needs it)

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        if hasattr(os, "fchmod"):      # mkstemp makes 0600: keep the replaced file's mode, else the umask's
            os.fchmod(fd, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        with os.fdopen(fd, mode, **_encoding(mode)) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if check is not None:
            check(Path(tmp))
        os.replace(tmp, target)
    except OSError as exc:             # permission, disk full, a folder in the way: one clear line
        _remove(tmp)
        raise _error(path, exc) from None
    except BaseException:              # the caller's own failure, or Ctrl-C
        _remove(tmp)
        raise


@contextmanager
def _in_place(path: Path, mode: str) -> Iterator[IO]:
    """Write a device, FIFO, terminal or open file of this process where it stands: appending,
    since truncating one could cut off what this process has already written to it. Bytes (an
    archive, which seeks back while it is written) go through an anonymous temporary file first."""
    try:
        own = _own_descriptor(path)
        if own is not None:     # /dev/stdout: share the descriptor's offset, as a shell's `>&1` does
            sys.stdout.flush()
            handle = os.fdopen(os.dup(own), mode, **_encoding(mode))
        else:
            handle = open(path, mode.replace("w", "a"), **_encoding(mode))
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        with handle:
            if "b" in mode:
                import tempfile     # imported on use: start-up

                with tempfile.TemporaryFile() as spool:
                    yield spool
                    spool.seek(0)
                    shutil.copyfileobj(spool, handle)
            else:
                yield handle
            handle.flush()
    except OSError as exc:
        raise _error(path, exc) from None


def _own_descriptor(path: Path) -> int | None:
    """N when `path` is /proc/self/fd/N (or /proc/PID/fd/N of this process), else None."""
    parts = Path(os.path.abspath(path)).parts
    if len(parts) == 5 and parts[1] == "proc" and parts[2] in ("self", str(os.getpid())) \
            and parts[3] == "fd" and parts[4].isdigit():
        return int(parts[4])
    return None


def _encoding(mode: str) -> dict[str, str]:
    return {} if "b" in mode else {"encoding": "utf-8"}


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def require_regular(path: str | Path, *, display: str | None = None, error: type[NncalcError] = NncalcError,
                    expected: str = "a file", fd: int | None = None) -> os.stat_result:
    """The status of `path` (of its descriptor `fd` once opened, which no rename can swap) if it is
    a regular file; otherwise an `error` saying what it is, before a byte is read (a FIFO would
    block, a device never end). Every input file is checked here: data, model, problem, answers."""
    shown = display or str(path)
    try:
        st = os.stat(path) if fd is None else os.fstat(fd)
    except (OSError, ValueError) as exc:
        raise unreadable(exc, shown, error, expected) from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"is a folder, expected {expected}", file=shown)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
        raise error(f"is {kind}, expected {expected}; nncalc reads regular files only", file=shown)
    return st


def unreadable(exc: OSError | ValueError, shown: str, error: type[NncalcError] = NncalcError,
               expected: str = "a file") -> NncalcError:
    """The error for an input file that cannot be opened or looked at (ValueError: a NUL byte in
    its name, which no system call can take)."""
    if isinstance(exc, ValueError):
        return error("the file name holds a NUL byte", file=shown)
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return error("no such file", file=shown)
    if isinstance(exc, IsADirectoryError):
        return error(f"is a folder, expected {expected}", file=shown)
    return error(f"cannot read: {exc.strerror or exc}", file=shown)


def write_text_atomic(path: str | Path, text: str, durable: bool = True) -> None:
    """Write text to path atomically (see atomic_open)."""
    with atomic_open(path, durable=durable) as handle:
        handle.write(text)
