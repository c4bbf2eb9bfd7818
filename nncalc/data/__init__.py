"""Data sources for training: generators, CSV, NPZ and IDX files, and downloadable sets (MNIST,
Fashion-MNIST) kept in a cache. Everything returns a `Dataset`; failures raise `DataError`."""

from ..errors import DataError
from .cache import REMOTE, cache_status, data_home
from .dataset import Dataset
from .generate import GENERATORS
from .download import fetch
from .sources import load_data, load_source

__all__ = ["Dataset", "DataError", "load_source", "load_data", "data_home", "fetch", "cache_status",
           "REMOTE", "GENERATORS"]
