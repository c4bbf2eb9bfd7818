"""Activations as operation objects: each owns its function, its derivative and how the slides write
both, with the facts the checker and the trainer need. A new activation is one entry in ACTIVATIONS.

Derivatives are written in terms of the net input z and the output a = f(z), as the slides do
(sigmoid' = out (1 - out)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray

# One branch of a piecewise formula: (condition on net, the condition as text, the formula); the
# first branch whose condition holds (None: always) applies. Placeholders: {net} {out} {alpha}, and
# {le} {ge} for ≤ ≥.
Branch = tuple[Callable[[float], bool] | None, str | None, str]
_pos: Callable[[float], bool] = lambda z: z > 0  # noqa: E731
_nonneg: Callable[[float], bool] = lambda z: z >= 0  # noqa: E731

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


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


_PERCEPTRON_ONLY = ("its derivative is 0 wherever it exists, so no gradient flows; "
                    "train it with the perceptron rule (optimizer: perceptron) instead")


@dataclass(frozen=True)
class ActivationOp:
    """One activation: f(z, alpha), its derivative df(z, a, alpha), and its notation and facts."""

    name: str
    f: Callable[[Array, float | None], Array]
    df: Callable[[Array, Array, float | None], Array] | None
    symbol: str                          # f in out = f(net), as the slides write it
    out_text: tuple[Branch, ...] = ()    # out as a formula of net, branch by branch
    dout_text: tuple[Branch, ...] = ()   # dout/dnet, branch by branch
    default_alpha: float | None = None
    no_derivative: str = ""              # why backprop through it is refused, when df is None
    derivative_range: tuple[float, float] | None = None   # where dout/dnet can lie (the checker)
    off: float = 0.0                     # the output that means "not this class" (-1 for ±1 units)
    joint: bool = False                  # each out depends on every net of its layer (softmax)
    ascii_symbol: str | None = None      # the symbol without Unicode, where it differs
    torch: str = ""                      # the PyTorch expression applying it to {x} ({alpha}: its parameter)
    asymptotes: tuple[float, float] | None = None   # the limits out approaches and never reaches (saturation)
    out_latex: tuple[str, ...] = ()      # out_text's formulas in LaTeX, branch by branch ({net} {out} {alpha})
    dout_latex: tuple[str, ...] = ()     # dout_text's, the same way

    def symbol_for(self, unicode: bool) -> str:
        return self.symbol if unicode or self.ascii_symbol is None else self.ascii_symbol

    @property
    def is_identity(self) -> bool:
        """out = net: written without f(...)."""
        return self.out_text == ((None, None, "{net}"),)

    @property
    def threshold(self) -> float:
        """The output above which one unit says 'this class': midway between off and 1."""
        return (self.off + 1.0) / 2

    @property
    def dformula(self) -> str:
        """dout/dnet in one line of words: 'out (1 - out)', '1 if net > 0 else 0'."""
        parts = [formula.format(net="net", out="out", alpha="alpha") for _, _, formula in self.dout_text]
        if len(parts) == 1:
            return parts[0]
        conds = [c.format(net="net", le="<=", ge=">=") for _, c, _ in self.dout_text]
        return " else ".join(f"{p} if {c}" for p, c in zip(parts[:-1], conds)) + f" else {parts[-1]}"


ACTIVATIONS: dict[str, ActivationOp] = {op.name: op for op in (
    ActivationOp(
        "sigmoid", lambda z, _: sigmoid(z), lambda z, a, _: sigmoid_derivative(a), "σ",
        ((None, None, "1/(1 + e^-{net})"),), ((None, None, "{out} (1 - {out})"),),
        derivative_range=(0.0, 0.25), ascii_symbol="sigmoid", torch="torch.sigmoid({x})", asymptotes=(0.0, 1.0),
        out_latex=(r"\frac{1}{1 + e^{-{net}}}",), dout_latex=(r"{out} (1 - {out})",)),
    ActivationOp(
        "tanh", lambda z, _: np.tanh(z), lambda z, a, _: 1.0 - a * a, "tanh",
        ((None, None, "tanh({net})"),), ((None, None, "1 - {out}^2"),),
        derivative_range=(0.0, 1.0), off=-1.0, torch="torch.tanh({x})", asymptotes=(-1.0, 1.0),
        out_latex=(r"\tanh({net})",), dout_latex=(r"1 - {out}^{2}",)),
    ActivationOp(
        "relu", lambda z, _: np.maximum(z, 0.0), lambda z, a, _: (z > 0).astype(z.dtype), "ReLU",
        ((_pos, "{net} > 0", "{net}"), (None, "{net} {le} 0", "0")),
        ((_pos, "{net} > 0", "1"), (None, "{net} {le} 0", "0")),
        derivative_range=(0.0, 1.0), torch="torch.relu({x})", out_latex=("{net}", "0"), dout_latex=("1", "0")),
    ActivationOp(
        "leaky_relu", lambda z, al: np.where(z > 0, z, al * z),
        lambda z, a, al: np.where(z > 0, 1.0, al).astype(z.dtype), "LeakyReLU",
        ((_pos, "{net} > 0", "{net}"), (None, "{net} {le} 0", "{alpha} * {net}")),
        ((_pos, "{net} > 0", "1"), (None, "{net} {le} 0", "{alpha}")),
        default_alpha=0.01, torch="nn.functional.leaky_relu({x}, {alpha!r})",
        out_latex=("{net}", r"{alpha} \cdot {net}"), dout_latex=("1", "{alpha}")),
    ActivationOp(
        "elu", _elu, lambda z, a, al: np.where(z > 0, 1.0, a + al).astype(z.dtype), "ELU",
        ((_pos, "{net} > 0", "{net}"), (None, "{net} {le} 0", "{alpha} (e^{net} - 1)")),
        ((_pos, "{net} > 0", "1"), (None, "{net} {le} 0", "{out} + {alpha}")),
        default_alpha=1.0, torch="nn.functional.elu({x}, {alpha!r})",
        out_latex=("{net}", "{alpha} (e^{{net}} - 1)"), dout_latex=("1", "{out} + {alpha}")),
    ActivationOp(
        "softplus", lambda z, _: np.logaddexp(0.0, z), lambda z, a, _: sigmoid(z), "softplus",
        ((None, None, "ln(1 + e^{net})"),), ((None, None, "1/(1 + e^-{net})"),),
        derivative_range=(0.0, 1.0), torch="nn.functional.softplus({x})",
        out_latex=(r"\ln(1 + e^{{net}})",), dout_latex=(r"\frac{1}{1 + e^{-{net}}}",)),
    ActivationOp(
        "linear", lambda z, _: z.copy(), lambda z, a, _: np.ones_like(z), "id",
        ((None, None, "{net}"),), ((None, None, "1"),),
        derivative_range=(1.0, 1.0), torch="{x}", out_latex=("{net}",), dout_latex=("1",)),
    ActivationOp(
        "step", lambda z, _: (z > 0).astype(z.dtype), None, "step",
        ((_pos, "{net} > 0", "1"), (None, "{net} {le} 0", "0")),
        no_derivative=_PERCEPTRON_ONLY, torch="({x} > 0).to({x}.dtype)", out_latex=("1", "0")),
    ActivationOp(
        "sign", lambda z, _: np.where(z >= 0, 1.0, -1.0).astype(z.dtype), None, "sign",
        ((_nonneg, "{net} {ge} 0", "+1"), (None, "{net} < 0", "-1")),
        no_derivative=_PERCEPTRON_ONLY, off=-1.0, torch="torch.where({x} >= 0, 1.0, -1.0).to({x}.dtype)",
        out_latex=("+1", "-1")),
    ActivationOp(
        "softmax", lambda z, _: softmax(z), None, "softmax",
        no_derivative="softmax is only supported on the output layer with a loss that has its closed-form "
                      "delta (cross_entropy)", joint=True, torch="torch.softmax({x}, dim=-1)",
        asymptotes=(0.0, 1.0)),
)}


@dataclass(frozen=True)
class Activation:
    """An activation with its parameter bound, e.g. Activation('leaky_relu', 0.1)."""

    name: str
    alpha: float | None = None

    @property
    def fn(self) -> ActivationOp:
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
