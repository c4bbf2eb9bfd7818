"""Layer types: each owns its parameters and their names, forward, backward and its trace entries."""

from .base import LayerType, Parameter, SequenceLayer
from .dense import Dense
from .recurrent import Recurrent

__all__ = ["Dense", "LayerType", "Parameter", "Recurrent", "SequenceLayer"]
