"""The download cache: where it lives, what can be downloaded into it, and what it holds.

Each downloadable set is four IDX files under `data_home()/<name>/`, with the official file names.
A file counts as verified when its SHA-256 is the official .gz file's, or, where the decompressed
file's SHA-256 is known (MNIST), when its decompressed content has that hash: the same data
recompressed (as in some shared copies) is still MNIST.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

ENV_VAR = "NNCALC_DATA"
SPLITS = ("train", "test")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    name: str                   # the official file name, e.g. train-images-idx3-ubyte.gz
    sha256: str                 # of the .gz as the mirrors serve it
    size: int                   # bytes of the .gz (for the progress bar when a server sends no length)
    content_sha256: str | None  # of the decompressed file, where known


@dataclass(frozen=True)
class RemoteSet:
    name: str
    title: str
    files: tuple[RemoteFile, ...]   # train images, train labels, test images, test labels
    mirrors: tuple[str, ...]
    classes: tuple[str, ...]
    short: str = ""

    def split_files(self, split: str) -> tuple[RemoteFile, RemoteFile]:
        """(images, labels) of 'train' or 'test'."""
        k = SPLITS.index(split) * 2
        return self.files[k], self.files[k + 1]


# Checksums of the .gz files: torchvision and several independent projects publish the same values.
# MNIST's decompressed hashes were checked against ../shared/datasets/mnist (whose .gz bytes differ).
REMOTE: dict[str, RemoteSet] = {
    "mnist": RemoteSet(
        "mnist", "MNIST handwritten digits (LeCun, Cortes, Burges)",
        (RemoteFile("train-images-idx3-ubyte.gz",
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422,
                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
         RemoteFile("train-labels-idx1-ubyte.gz",
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881,
                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
         RemoteFile("t10k-images-idx3-ubyte.gz",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877,
                    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
         RemoteFile("t10k-labels-idx1-ubyte.gz",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542,
                    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")),
        ("https://ossci-datasets.s3.amazonaws.com/mnist/",
         "https://storage.googleapis.com/cvdf-datasets/mnist/",
         "http://yann.lecun.com/exdb/mnist/"),
        tuple(str(k) for k in range(10)),
        "handwritten digits, 10 classes",
    ),
    "fashion-mnist": RemoteSet(
        "fashion-mnist", "Fashion-MNIST clothing images (Zalando Research)",
        (RemoteFile("train-images-idx3-ubyte.gz",
                    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880, None),
         RemoteFile("train-labels-idx1-ubyte.gz",
                    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515, None),
         RemoteFile("t10k-images-idx3-ubyte.gz",
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102, None),
         RemoteFile("t10k-labels-idx1-ubyte.gz",
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148, None)),
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
         "Ankle boot"),
        "clothing images, 10 classes",
    ),
}


def data_home() -> Path:
    """The cache folder: $NNCALC_DATA, else the platform's cache folder for nncalc."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "nncalc" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "nncalc"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "nncalc"


def data_home_origin() -> str:
    """Where data_home() came from, for messages."""
    return f"from {ENV_VAR}" if os.environ.get(ENV_VAR, "").strip() else "the platform cache folder"


def remote_set(name: str) -> RemoteSet:
    try:
        return REMOTE[name]
    except KeyError:
        raise DataError(f"unknown data set '{name}'; downloadable: {', '.join(REMOTE)}") from None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_decompressed(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, ValueError):
        return None
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str, content_sha256: str | None = None) -> str | None:
    """How the file at `path` is known to be the expected one (see the module docstring): 'SHA-256'
    (the file's own hash), 'SHA-256 of the decompressed data', or None when it is not."""
    if sha256_file(path) == expected_sha256:
        return "SHA-256"
    if content_sha256 is not None and _sha256_decompressed(path) == content_sha256:
        return "SHA-256 of the decompressed data"
    return None


def find_file(folder: Path, gz_name: str) -> Path | None:
    """The cached file: the .gz name, or the same name decompressed (a user may have gunzipped it)."""
    for candidate in (folder / gz_name, folder / gz_name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class CacheStatus:
    name: str
    folder: Path
    present: tuple[str, ...]   # official names found (as .gz or decompressed)
    missing: tuple[str, ...]
    verified: bool | None      # None: not checked

    @property
    def complete(self) -> bool:
        return not self.missing


def cache_status(name: str, *, home: Path | None = None, verify: bool = False) -> CacheStatus:
    """Which of a set's files are in the cache; with verify, whether they all hash right."""
    remote = remote_set(name)
    folder = (home if home is not None else data_home()) / name
    present, missing, ok = [], [], True
    for spec in remote.files:
        found = find_file(folder, spec.name)
        (present if found else missing).append(spec.name)
        if found and verify:
            if found.suffix == ".gz":
                ok = ok and verify_file(found, spec.sha256, spec.content_sha256) is not None
            else:
                ok = ok and spec.content_sha256 is not None and sha256_file(found) == spec.content_sha256
    return CacheStatus(name, folder, tuple(present), tuple(missing), (ok and not missing) if verify else None)
