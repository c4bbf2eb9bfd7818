"""Activations and losses as plain tables: a new one is one entry, not a branch in five places.

Derivatives of activations are written in terms of the net input z and the output a = f(z), as
the slides do (sigmoid' = out (1 - out)). Loss terms are per sample and output, scaled so that
they add up to E; their derivatives are dE/dout for each sample and output.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    """1 / (1 + e^-z). Where e^-z overflows (z < -709 in float64) the result is its limit, 0: the
    formula stays exact to the last bit everywhere else, and four in-place passes keep training fast.
    Inside a caller's np.errstate(over="ignore"), as the trainer's, it sets none of its own: that
    costs as much as one of the passes (measured)."""
    if isinstance(z, np.ndarray) and z.ndim and z.dtype in _FLOATS:
        out = np.negative(z)
    else:       # 0-d, integers, scalars: a fresh float array
        out = np.negative(z, out=np.empty(np.shape(z), np.result_type(z, np.float32)))
    if np.geterr()["over"] == "ignore":
        np.exp(out, out=out)
    else:
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def sigmoid_derivative(a: Array) -> Array:
    """out (1 - out), from the sigmoid's output a."""
    d = 1.0 - a
    d *= a
    return d


def softmax(z: Array) -> Array:
    """e^z_k / sum_j e^z_j over the last axis, shifted by the max so exp never overflows."""
    e = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=-1, keepdims=True)
    return e


def _elu(z: Array, alpha: float) -> Array:
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


@dataclass(frozen=True)
class ActivationFn:
    """One activation: f(z, alpha), its derivative df(z, a, alpha), and how the slides write that."""

    f: Callable[[Array, float], Array]
    df: Callable[[Array, Array, float], Array] | None
    dformula: str         # dout/dnet in terms of out (or net), as the slides write it
    default_alpha: float | None = None
    no_derivative: str = ""   # why backprop through it is refused, when df is None


ACTIVATIONS: dict[str, ActivationFn] = {
    "sigmoid": ActivationFn(
        lambda z, _: sigmoid(z), lambda z, a, _: sigmoid_derivative(a),
        "out (1 - out)"),
    "tanh": ActivationFn(
        lambda z, _: np.tanh(z), lambda z, a, _: 1.0 - a * a,
        "1 - out^2"),
    "relu": ActivationFn(
        lambda z, _: np.maximum(z, 0.0), lambda z, a, _: (z > 0).astype(z.dtype),
        "1 if net > 0 else 0"),
    "leaky_relu": ActivationFn(
        lambda z, al: np.where(z > 0, z, al * z), lambda z, a, al: np.where(z > 0, 1.0, al).astype(z.dtype),
        "1 if net > 0 else alpha", default_alpha=0.01),
    "elu": ActivationFn(
        _elu, lambda z, a, al: np.where(z > 0, 1.0, a + al).astype(z.dtype),
        "1 if net > 0 else out + alpha", default_alpha=1.0),
    "linear": ActivationFn(
        lambda z, _: z.copy(), lambda z, a, _: np.ones_like(z),
        "1"),
    "step": ActivationFn(
        lambda z, _: (z > 0).astype(z.dtype), None,
        "",
        no_derivative="its derivative is 0 wherever it exists, so no gradient flows; "
                      "train it with the perceptron rule (optimizer: perceptron) instead"),
    "sign": ActivationFn(
        lambda z, _: np.where(z >= 0, 1.0, -1.0).astype(z.dtype), None,
        "",
        no_derivative="its derivative is 0 wherever it exists, so no gradient flows; "
                      "train it with the perceptron rule (optimizer: perceptron) instead"),
    "softmax": ActivationFn(
        lambda z, _: softmax(z), None,
        "",
        no_derivative="softmax is only supported on the output layer with cross_entropy"),
}

# Symbols used in explanations; everything else is written by name.
ACTIVATION_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU",
                      "elu": "ELU", "linear": "id", "step": "step", "sign": "sign", "softmax": "softmax"}


@dataclass(frozen=True)
class Activation:
    """An activation with its parameter bound, e.g. Activation('leaky_relu', 0.1)."""

    name: str
    alpha: float | None = None

    @property
    def fn(self) -> ActivationFn:
        return ACTIVATIONS[self.name]

    @property
    def has_derivative(self) -> bool:
        return self.fn.df is not None

    def __call__(self, z: Array) -> Array:
        return self.fn.f(z, self.alpha)

    def derivative(self, z: Array, a: Array) -> Array:
        """dout/dnet elementwise; only for activations with has_derivative."""
        return self.fn.df(z, a, self.alpha)

    def describe(self) -> str:
        return self.name if self.alpha is None else f"{self.name}(alpha={self.alpha:g})"


@functools.cache
def _finfo(dtype: np.dtype) -> np.finfo:
    return np.finfo(dtype)


def _clip01(y: Array) -> Array:
    eps = _finfo(np.result_type(y, np.float32)).eps
    return np.clip(y, eps, 1.0 - eps)


def _clip_pos(y: Array) -> Array:
    return np.maximum(y, _finfo(np.result_type(y, np.float32)).tiny)


@dataclass(frozen=True)
class LossFn:
    """A loss as elementwise terms over (n samples, m outputs), divided by 1, n or n*m.

    E_total = sum(term(out, target)) / divisor, and dE/dout = dterm(out, target) / divisor.
    """

    term: Callable[[Array, Array], Array]
    dterm: Callable[[Array, Array], Array]
    mean_over: str          # "none", "samples" (divide by n) or "all" (divide by n*m)
    formula: str            # E_total as the slides would write it

    def divisor(self, n: int, m: int) -> int:
        if self.mean_over == "samples":
            return n
        return n * m if self.mean_over == "all" else 1

    def terms(self, Y: Array, T: Array) -> Array:
        """(n, m) contributions E_o@k; they add up to E_total."""
        return self.term(Y, T) / self.divisor(*Y.shape)

    def dout(self, Y: Array, T: Array) -> Array:
        """(n, m) dE_total/dout."""
        return self.dterm(Y, T) / self.divisor(*Y.shape)


LOSSES: dict[str, LossFn] = {
    "half_sse": LossFn(
        lambda y, t: 0.5 * (t - y) ** 2, lambda y, t: -(t - y), "none",
        "sum of 1/2 (target - out)^2"),
    "sse": LossFn(
        lambda y, t: (t - y) ** 2, lambda y, t: -2.0 * (t - y), "none",
        "sum of (target - out)^2"),
    "mse": LossFn(
        lambda y, t: (t - y) ** 2, lambda y, t: -2.0 * (t - y), "all",
        "mean of (target - out)^2"),
    "binary_cross_entropy": LossFn(
        lambda y, t: -(t * np.log(_clip01(y)) + (1 - t) * np.log1p(-_clip01(y))),
        lambda y, t: (_clip01(y) - t) / (_clip01(y) * (1 - _clip01(y))), "all",
        "mean of -(t log out + (1 - t) log(1 - out))"),
    "cross_entropy": LossFn(
        lambda y, t: -t * np.log(_clip_pos(y)), lambda y, t: -t / _clip_pos(y), "samples",
        "mean over samples of -sum_k t_k log out_k"),
}


def _softmax_delta(Y: Array, T: Array) -> Array:
    """Y sum_k t_k - T: softmax with cross-entropy, any targets (Y - T for one-hot ones)."""
    d = Y * np.add.reduce(T, axis=1, keepdims=True)
    d -= T
    return d


# (activation, loss) pairs whose delta = dE/dnet (times the loss divisor) has a simpler, stable
# closed form than dE/dout * dout/dnet, which is 0/0 when a sigmoid saturates and a Jacobian for
# softmax. Rows are samples; softmax's form holds for any target, one-hot or not.
FUSED_DELTAS: dict[tuple[str, str], Callable[[Array, Array], Array]] = {
    ("sigmoid", "binary_cross_entropy"): lambda Y, T: Y - T,
    ("softmax", "cross_entropy"): _softmax_delta,
}
