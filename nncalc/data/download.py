"""Downloading a data set into the cache: mirrors in turn, SHA-256 checked, atomic.

Each file is streamed into a temporary file beside its destination (fileio.atomic_open); only a
complete file with the right hash is renamed to its cached name, so an interrupted or corrupt
download never looks like a cached file. Nothing is resumed: a failed file starts over.
"""

from __future__ import annotations

import http.client
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .. import __version__
from ..errors import DataError, NncalcError
from ..fileio import atomic_open
from .cache import RemoteFile, data_home, remote_set, verify_file

Progress = Callable[[str, int, "int | None"], None]   # (file name, bytes done, bytes total or None)
Log = Callable[[str], None]

DEFAULT_TIMEOUT = 30.0        # seconds a connection or a single read may stall before the mirror is given up
_CHUNK = 1 << 16


class _MirrorFailed(Exception):
    """This mirror could not deliver this file (the next one is tried)."""


def fetch(name: str, *, home: Path | None = None, mirrors: Sequence[str] | None = None,
          progress: Progress | None = None, checksums: Mapping[str, str] | None = None,
          timeout: float = DEFAULT_TIMEOUT, log: Log | None = None) -> Path:
    """Download the four IDX files of `name` ('mnist', 'fashion-mnist') into `home/name/`.

    Files already there and verified are skipped. `mirrors` replaces the built-in list of base URLs;
    `checksums` (file name -> SHA-256) replaces the built-in hashes (for tests and private mirrors).
    `progress` is called as bytes arrive; `log` gets one line per event (skipped, mirror failed).
    Returns the folder. Raises DataError naming every mirror's failure when a file cannot be had.
    """
    remote = remote_set(name)
    folder = (home if home is not None else data_home()) / name
    mirrors = list(remote.mirrors if mirrors is None else mirrors)
    if not mirrors:
        raise DataError(f"no mirrors to download {name} from")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the cache folder: {exc.strerror or exc} "
                        "(set NNCALC_DATA to a writable folder)", file=str(folder)) from None
    say = log or (lambda line: None)
    for spec in remote.files:
        expected = (checksums or {}).get(spec.name, spec.sha256)
        # a content hash only vouches for the built-in checksum, never for an override
        content = spec.content_sha256 if expected == spec.sha256 else None
        dest = folder / spec.name
        if dest.is_file():
            how = verify_file(dest, expected, content)
            if how:
                say(f"{spec.name}: already cached, {how} verified")
                continue
            say(f"{spec.name}: cached copy does not match its SHA-256; downloading it again")
        used = _fetch_file(spec, dest, mirrors, expected, content, progress, timeout, say)
        mirrors.insert(0, mirrors.pop(mirrors.index(used)))  # the next files: that mirror first
    return folder


def _fetch_file(spec: RemoteFile, dest: Path, mirrors: list[str], expected: str, content: str | None,
                progress: Progress | None, timeout: float, say: Log) -> str:
    """Download one file from the first mirror that delivers it intact; return that mirror."""
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + spec.name
        try:
            how = _download(url, dest, spec, expected, content, progress, timeout)
            say(f"{spec.name}: downloaded from {url}, {how} verified")
            return mirror
        except _MirrorFailed as exc:
            failures.append(f"{url}: {exc}")
            say(f"{spec.name}: {url} failed: {exc}")
    raise DataError(f"could not download {spec.name}; tried " + "; ".join(failures))


def _download(url: str, dest: Path, spec: RemoteFile, expected: str, content: str | None,
              progress: Progress | None, timeout: float) -> str:
    verified: list[str] = []

    def check(tmp: Path) -> None:
        how = verify_file(tmp, expected, content)
        if not how:
            raise _MirrorFailed(f"SHA-256 mismatch ({tmp.stat().st_size:,} bytes received; "
                                f"expected {expected[:16]}...)")
        verified.append(how)

    try:
        with atomic_open(dest, "wb", check=check) as out:
            _stream(url, out, spec, progress, timeout, expected)
    except _NetworkError as exc:
        raise _MirrorFailed(str(exc)) from None
    except NncalcError as exc:
        raise DataError(f"cannot write the download: {exc.message.removeprefix('cannot write: ')}",
                        file=str(dest)) from None
    return verified[0]


class _NetworkError(Exception):
    """A failure on the network side of a download (kept apart from failures writing the file)."""


def _stream(url: str, out, spec: RemoteFile, progress: Progress | None, timeout: float,
            expected: str) -> int:
    """Copy the body at `url` into `out`; return its size. Network trouble raises _NetworkError."""
    request = urllib.request.Request(url, headers={"User-Agent": f"nncalc/{__version__}"})
    done = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else (spec.size if expected == spec.sha256 else None)
            if progress:
                progress(spec.name, 0, total)
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(spec.name, done, total)
        if length and length.isdigit() and done != int(length):
            raise _NetworkError(f"connection closed after {done:,} of {int(length):,} bytes")
        return done
    except urllib.error.HTTPError as exc:
        raise _NetworkError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason.strerror if isinstance(exc.reason, OSError) and exc.reason.strerror else exc.reason
        raise _NetworkError(f"cannot connect ({reason})") from None
    except http.client.IncompleteRead as exc:
        got = done + len(exc.partial)
        raise _NetworkError(f"connection closed after {got:,} of {got + (exc.expected or 0):,} bytes") from None
    except (TimeoutError, socket.timeout):
        raise _NetworkError(f"timed out after {timeout:g} s without data") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _NetworkError(f"connection failed ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:  # a malformed URL
        raise _NetworkError(f"bad URL ({exc})") from None
