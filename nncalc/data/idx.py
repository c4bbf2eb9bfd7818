"""IDX files (the MNIST format), gzip-compressed or raw.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
big-endian uint32 per dimension, then the values in C order. MNIST's images are 0x00000803 (unsigned
bytes, 3 dimensions: n, rows, cols) and its labels 0x00000801 (unsigned bytes, 1 dimension: n).
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from ..errors import DataError
from ..fileio import atomic_open, require_regular

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
_GZIP_MAGIC = b"\x1f\x8b"
_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_ROWS_PER_CHUNK = 4096    # images converted per step: bounds the uint8 staging buffer to ~3 MB


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open for reading bytes, decompressing when the file starts with the gzip magic (not by name)."""
    require_regular(path, error=DataError, expected="an IDX file")
    try:
        with open(path, "rb") as handle:
            compressed = handle.read(2) == _GZIP_MAGIC
        return gzip.open(path, "rb") if compressed else open(path, "rb")
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None


def _read_exactly(handle: IO[bytes], buffer: memoryview) -> int:
    """Fill `buffer` from `handle`; return how many bytes arrived (fewer only at end of file)."""
    done = 0
    while done < len(buffer):
        got = handle.readinto(buffer[done:])  # type: ignore[attr-defined]
        if not got:
            break
        done += got
    return done


def _header(handle: IO[bytes], path: Path, expected_magic: int | None) -> tuple[np.dtype, tuple[int, ...]]:
    head = handle.read(4)
    if len(head) < 4:
        raise DataError(f"not an IDX file: only {len(head)} bytes", file=str(path))
    magic = int.from_bytes(head, "big")
    zero, code, ndim = magic >> 16, head[2], head[3]
    if zero != 0 or code not in _TYPES or ndim == 0:
        raise DataError(f"not an IDX file (magic number 0x{magic:08x})", file=str(path))
    if expected_magic is not None and magic != expected_magic:
        what = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
        hint = f" (a file of {what[magic]}?)" if magic in what else ""
        raise DataError(f"expected an IDX file of {what.get(expected_magic, 'values')} (magic number "
                        f"0x{expected_magic:08x}), got 0x{magic:08x}{hint}", file=str(path))
    raw = handle.read(4 * ndim)
    if len(raw) < 4 * ndim:
        raise DataError("truncated IDX header", file=str(path))
    return _TYPES[code], struct.unpack(f">{ndim}I", raw)


def _check_size(handle: IO[bytes], path: Path, needed: int, what: str) -> None:
    """Refuse a raw file shorter than its header announces before allocating for it (a damaged header
    can announce exabytes); gzip data is only measured while it is read."""
    if isinstance(handle, gzip.GzipFile):
        return
    held = os.fstat(handle.fileno()).st_size - handle.tell()
    if needed > held:
        raise DataError(f"truncated: the header announces {what} ({needed:,} bytes of data), the file holds "
                        f"{held:,}", file=str(path))


def _check_end(handle: IO[bytes], path: Path, got: int, expected: int, what: str) -> None:
    if got < expected:
        raise DataError(f"truncated: the header announces {what} ({expected:,} bytes of data), "
                        f"the file holds {got:,}", file=str(path))
    if handle.read(1):
        raise DataError(f"data continues past the {what} the header announces (wrong header?)",
                        file=str(path))


def _guarded(path: Path, read):
    """Run a reader, turning gzip/zlib failures (a cut-off or corrupt download) into a DataError."""
    try:
        return read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"truncated or corrupt gzip data ({exc})", file=str(path)) from None
    except (ValueError, MemoryError):    # numpy cannot allocate what a damaged header announces
        raise DataError("the header announces more data than fits in memory (a damaged header?)",
                        file=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror or exc}", file=str(path)) from None


def read_idx(path: str | Path, *, magic: int | None = None) -> np.ndarray:
    """Any IDX file as an array of its own type and shape (native byte order)."""
    path = Path(path)

    def read() -> np.ndarray:
        with open_maybe_gzip(path) as handle:
            dtype, dims = _header(handle, path, magic)
            what = f"{'x'.join(map(str, dims))} values"
            _check_size(handle, path, math.prod(dims) * dtype.itemsize, what)
            out = np.empty(dims, dtype=dtype.newbyteorder("="))
            got = _read_exactly(handle, memoryview(out.reshape(-1).view(np.uint8)))
            _check_end(handle, path, got, out.nbytes, what)
        if dtype.byteorder == ">":  # the bytes were read raw: swap them into native order
            out = out.view(dtype).astype(dtype.newbyteorder("="))
        return out

    return _guarded(path, read)


def read_images(path: str | Path) -> np.ndarray:
    """An IDX image file (0x00000803) as float32 (n, rows*cols), pixels 0..255 scaled to 0..1.

    Converted in chunks, so peak memory is the float32 result plus a few megabytes.
    """
    path = Path(path)

    def read() -> np.ndarray:
        with open_maybe_gzip(path) as handle:
            _, (n, rows, cols) = _header(handle, path, IMAGES_MAGIC)
            d = rows * cols
            what = f"{n:,} images of {rows}x{cols}"
            _check_size(handle, path, n * d, what)
            X = np.empty((n, d), dtype=np.float32)
            staging = np.empty((min(n, _ROWS_PER_CHUNK), d), dtype=np.uint8)
            scale = np.float32(255)
            for start in range(0, n, _ROWS_PER_CHUNK):
                k = min(_ROWS_PER_CHUNK, n - start)
                got = _read_exactly(handle, memoryview(staging[:k].reshape(-1)))
                if got < k * d:
                    _check_end(handle, path, start * d + got, n * d, what)
                np.divide(staging[:k], scale, out=X[start:start + k])
            _check_end(handle, path, n * d, n * d, what)
        return X

    return _guarded(path, read)


def read_labels(path: str | Path) -> np.ndarray:
    """An IDX label file (0x00000801) as int64 (n,)."""
    return read_idx(path, magic=LABELS_MAGIC).astype(np.int64)


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> None:
    """Write an unsigned-byte array as IDX (gzip when the name ends in .gz); used for fixtures and tests."""
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    with atomic_open(path, "wb") as handle:
        handle.write(payload)
