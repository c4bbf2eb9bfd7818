"""Reading NumPy .npz archives (data files, models, checkpoints) without trusting them.

`numpy.load` believes what a file says about itself: a .npy header announcing 10^15 values makes it
allocate before it reads, and a small zip entry can inflate to gigabytes. Here every entry's header
is checked against the size the archive records for it, every size is bounded before anything is
allocated, an entry that inflates far beyond its compressed size is refused, and no entry is ever
unpickled. Each failure is one error naming the file and the entry.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path
from typing import IO, Iterator

import numpy as np
import numpy.lib.format as npy

from .errors import NncalcError
from .fileio import require_regular

MAX_BYTES = 4 << 30            # all arrays of one archive together; MNIST as float64 is 0.4 GiB
MAX_ENTRIES = 10_000
MAX_RATIO = 200                # inflated / compressed, for an entry larger than RATIO_FROM bytes
RATIO_FROM = 64 << 20          # (zeros deflate about 1000-fold; real data a few-fold)
_KINDS = "biufSU"              # booleans, numbers, strings: never objects (pickle) or raw bytes
_CHUNK = 1 << 22


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GiB" if n >= 1 << 30 else f"{n:,} bytes"


class NpzArchive:
    """The entries of an .npz file, each read (and checked) when asked for: `archive.files`,
    `archive[name]`, `name in archive`; a context manager that closes the file."""

    def __init__(self, path: str | Path, *, display: str | None = None, error: type[NncalcError] = NncalcError,
                 kind: str = "a readable .npz archive", max_bytes: int = MAX_BYTES) -> None:
        self.display = display or str(path)
        self.error = error
        require_regular(path, display=self.display, error=error, expected="an .npz file")
        try:
            with open(path, "rb") as handle:
                if handle.read(6) == b"\x93NUMPY":
                    raise self._fail(f"not {kind}: a single .npy array, expected an .npz archive of named arrays")
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise self._fail(f"not {kind} ({exc})") from None
        try:
            self._entries = self._check_entries(max_bytes)
        except BaseException:
            self._zip.close()
            raise
        self.files = list(self._entries)

    def _fail(self, message: str, entry: str | None = None) -> NncalcError:
        return self.error(message, file=self.display, where=None if entry is None else f"array '{entry}'")

    def _check_entries(self, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise self._fail(f"{len(infos):,} entries; an .npz of nncalc holds at most {MAX_ENTRIES:,}")
        total = sum(info.file_size for info in infos)
        if total > max_bytes:
            raise self._fail(f"its arrays take {_size(total)} once unpacked, more than the limit of "
                             f"{_size(max_bytes)}")
        entries = {}
        for info in infos:
            name = info.filename.removesuffix(".npy")
            if name == info.filename or info.is_dir():
                raise self._fail(f"entry '{info.filename}' is not a .npy array")
            if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise self._fail(f"inflates from {_size(info.compress_size)} to {_size(info.file_size)}, "
                                 f"more than {MAX_RATIO}-fold (a zip bomb?); save real data uncompressed "
                                 "(numpy.savez)", name)
            entries[name] = info
        return entries

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __getitem__(self, name: str) -> np.ndarray:
        info = self._entries[name]
        try:
            with self._zip.open(info) as stream:
                return self._read(stream, info, name)
        except NncalcError:
            raise
        except MemoryError:
            raise self._fail("does not fit in memory", name) from None
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, RuntimeError,
                NotImplementedError) as exc:      # NotImplementedError: a compression zipfile does not know
            raise self._fail(f"damaged ({exc})", name) from None

    def _read(self, stream: IO[bytes], info: zipfile.ZipInfo, name: str) -> np.ndarray:
        """One .npy entry: header checked, its size checked against the archive's record of it,
        then exactly that many bytes read into a buffer allocated once."""
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = npy.read_array_header_2_0(stream)
        else:
            raise self._fail(f".npy format version {version[0]}.{version[1]} is not supported", name)
        if dtype.hasobject or dtype.kind not in _KINDS or dtype.itemsize == 0:
            why = "Python objects (they would need pickle, which nncalc never loads)" if dtype.hasobject else str(dtype)
            raise self._fail(f"holds {why}; expected numbers", name)
        nbytes = math.prod(shape) * dtype.itemsize
        header = stream.tell()
        if header + nbytes != info.file_size:
            raise self._fail(f"its header announces {' x '.join(map(str, shape)) or 'one'} {dtype} values "
                             f"({_size(nbytes)}), the entry holds {_size(info.file_size - header)}", name)
        buffer = np.empty(nbytes, dtype=np.uint8)
        view, done = memoryview(buffer), 0
        while done < nbytes:
            got = stream.readinto(view[done:done + _CHUNK])
            if not got:
                raise self._fail(f"truncated: {_size(done)} of {_size(nbytes)}", name)
            done += got
        return buffer.view(dtype).reshape(shape, order="F" if fortran else "C")

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> "NpzArchive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_npz(path: str | Path, *, display: str | None = None, error: type[NncalcError] = NncalcError,
             kind: str = "a readable .npz archive", max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """Every array of an .npz file, checked (see NpzArchive)."""
    with NpzArchive(path, display=display, error=error, kind=kind, max_bytes=max_bytes) as archive:
        return {name: archive[name] for name in archive.files}
