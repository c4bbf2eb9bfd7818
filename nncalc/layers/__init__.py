"""Layer types: each owns its parameters and their names, forward, backward and its trace entries."""

from .base import LayerType, Parameter
from .dense import Dense

__all__ = ["Dense", "LayerType", "Parameter"]
