"""Data sources for training: generators, CSV, NPZ and IDX files, and downloadable sets (MNIST,
Fashion-MNIST) kept in a cache. Everything returns a `Dataset`; failures raise `DataError`."""

from ..errors import DataError
from .cache import REMOTE, cache_status, data_home
from .dataset import Dataset
from .generate import GENERATORS
from .sources import load_data, load_source

__all__ = ["Dataset", "DataError", "load_source", "load_data", "data_home", "fetch", "cache_status",
           "REMOTE", "GENERATORS"]


def __getattr__(name: str):
    """`fetch` on first use: the HTTP machinery it needs costs every training run 40 ms otherwise."""
    if name == "fetch":
        from .download import fetch

        return fetch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
