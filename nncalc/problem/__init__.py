"""Problems: YAML validated once, at load, into plain frozen dataclasses.

`network` holds the network's dataclasses and checks, `training` the `training:` block's tables and
Settings, `file` the whole file (and its samples), `overrides` the command line's `--set`. The
training names are imported when first read (start-up: a file without `training:` never needs them).
"""

from __future__ import annotations

import importlib
from typing import Any

from .file import Problem, load_problem, problem_from_doc
from .network import (INITS, LEARNING_RATE_NAMES, Layer, Network, Param, backprop_blocker,
                      default_weight_names)
from .overrides import parse_assignments, settable_names, with_overrides

_FROM_TRAINING = ("OPTIMIZERS", "Settings", "checked_settings")

__all__ = ["INITS", "LEARNING_RATE_NAMES", "OPTIMIZERS", "Layer", "Network", "Param", "Problem", "Settings",
           "backprop_blocker", "checked_settings", "default_weight_names", "load_problem", "parse_assignments",
           "problem_from_doc", "settable_names", "with_overrides"]


def __getattr__(name: str) -> Any:
    if name in _FROM_TRAINING:
        return getattr(importlib.import_module(f"{__name__}.training"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
