"""Operations: activations and losses, each one object that owns its math, its notation and the
facts the checker and the trainer need (see activations.py and losses.py)."""

from .activations import ACTIVATIONS, Activation, ActivationOp, Branch, sigmoid, sigmoid_derivative, softmax
from .losses import LOSSES, FusedDelta, LossOp, fused_delta, targets_add_to_one

__all__ = ["ACTIVATIONS", "Activation", "ActivationOp", "Branch", "sigmoid", "sigmoid_derivative", "softmax",
           "LOSSES", "FusedDelta", "LossOp", "fused_delta", "targets_add_to_one"]
