"""nncalc: forward and backward passes of small neural networks, every value shown."""

__version__ = "0.1.0"
