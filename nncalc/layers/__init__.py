"""Layer types: each owns its parameters and their names, forward, backward and its trace entries.

TYPES names each type's class by its `kind` (a problem file's `type:`); a class is imported when
first used (`layer_class(kind)`, or `nncalc.layers.Recurrent`), so a dense network never imports
the sequence layers (start-up; tests/test_startup.py).
"""

from __future__ import annotations

import importlib

from .base import LayerType, Parameter, SequenceLayer
from .dense import Dense

TYPES = {"dense": "dense:Dense", "recurrent": "recurrent:Recurrent", "lstm": "lstm:LSTM"}

__all__ = ["Dense", "LSTM", "LayerType", "Parameter", "Recurrent", "SequenceLayer", "TYPES", "layer_class"]


def layer_class(kind: str) -> type:
    """The class of layer type `kind` (a key of TYPES), its module imported on first use."""
    module, _, name = TYPES[kind].partition(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __getattr__(name: str) -> type:
    kind = next((k for k, where in TYPES.items() if where.endswith(f":{name}")), None)
    if kind is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return layer_class(kind)
