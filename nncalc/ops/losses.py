"""Losses as operation objects: each owns its terms and their derivative, the closed-form delta it
has with an output activation (where there is one), its notation and the facts the mistake
catalogue needs. A new loss is one entry in LOSSES.

A loss is elementwise terms over (n samples, m outputs), added up and divided by 1, n or n m:
E_total = sum(term(out, target)) / divisor, and dE/dout = dterm(out, target) / divisor.
Formula texts use {t} target, {y} out, and the divisor is appended as the loss says.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

Array = np.ndarray


@functools.cache
def _finfo(dtype: np.dtype) -> np.finfo:
    return np.finfo(dtype)


def _clip01(y: Array) -> Array:
    eps = _finfo(np.result_type(y, np.float32)).eps
    return np.clip(y, eps, 1.0 - eps)


def _clip_pos(y: Array) -> Array:
    return np.maximum(y, _finfo(np.result_type(y, np.float32)).tiny)


def _softmax_delta(Y: Array, T: Array) -> Array:
    """Y sum_k t_k - T: softmax with cross-entropy, any targets (Y - T for one-hot ones)."""
    d = Y * np.add.reduce(T, axis=1, keepdims=True)
    d -= T
    return d


@dataclass(frozen=True)
class FusedDelta:
    """delta = dE/dnet of an output activation with a loss, in a closed form simpler and more stable
    than dE/dout * dout/dnet (0/0 where a sigmoid saturates, a Jacobian for softmax); `delta` gives
    it times the loss's divisor. Rows are samples."""

    delta: Callable[[Array, Array], Array]
    text: str                  # per unit, before the divisor: {y} out, {t} target, {tsum} the sample's targets
    why: str                   # in words: {div} ' / n', {per} ', times 1/n', {one_hot}, and symbols {d} {sum}
    one_hot_text: str | None = None   # the simpler form when the sample's targets add up to 1
    row_text: str = "{out} - target"    # per layer, before the divisor, for any targets ...
    one_hot_row_text: str | None = None   # ... and when every sample's targets add up to 1

    def unit_text(self, one_hot: bool) -> str:
        return self.one_hot_text if one_hot and self.one_hot_text else self.text

    def row(self, one_hot: bool) -> str:
        return self.one_hot_row_text if one_hot and self.one_hot_row_text else self.row_text


SIGMOID_BCE = FusedDelta(
    lambda Y, T: Y - T, "{y} - {t}",
    "sigmoid with binary cross-entropy: {d}E/{d}out * {d}out/{d}net = (out - t) / (out (1 - out)){div} * "
    "out (1 - out), and out (1 - out) cancels; this form stays exact where the sigmoid saturates")
SOFTMAX_CE = FusedDelta(
    _softmax_delta, "{y} ({tsum}) - {t}",
    "softmax with cross-entropy: softmax has no per-unit {d}out/{d}net (each out depends on every net), "
    "and summing -t_j/out_j over its Jacobian out_j (1[j = k] - out_k) leaves out_k {sum} t_j - t_k{per}; "
    "with one-hot targets that is {one_hot}",
    one_hot_text="{y} - {t}", row_text="{out} {sum}t - target", one_hot_row_text="{out} - target")

_MEAN_TEXT = {"none": "", "samples": "{n}", "all": "{nm}"}


@dataclass(frozen=True)
class LossOp:
    """One loss: its terms, their derivative, how it averages, its notation and its mistake facts."""

    name: str
    term: Callable[[Array, Array], Array]
    dterm: Callable[[Array, Array], Array]
    mean_over: str             # "none", "samples" (divide by n) or "all" (divide by n*m)
    formula: str               # E_total in words, as the slides would write it
    term_text: str             # one term E_o before the divisor
    dterm_text: str            # dE/dout_o before the divisor
    fused: Mapping[str, FusedDelta] = field(default_factory=dict)   # by output activation
    halved: bool = False       # its terms carry a 1/2 that the derivative cancels (the checker)
    squared: bool = False      # its derivative brings down a factor 2 (the power rule; the checker)
    at_kink: str = ""          # the derivative's convention where out = target, when it has a kink there
    torch: str = ""            # the PyTorch expression of E_total from tensors out and target
    term_latex: str = ""       # term_text in LaTeX ({t} target, {y} out), before the divisor
    dterm_latex: str = ""      # dterm_text in LaTeX

    def divisor(self, n: int, m: int) -> int:
        if self.mean_over == "samples":
            return n
        return n * m if self.mean_over == "all" else 1

    def terms(self, Y: Array, T: Array) -> Array:
        """(n, m) contributions E_o@k; they add up to E_total."""
        return self.term(Y, T) / self.divisor(*Y.shape[-2:])

    def dout(self, Y: Array, T: Array) -> Array:
        """(n, m) dE_total/dout."""
        return self.dterm(Y, T) / self.divisor(*Y.shape[-2:])

    def legend(self, n: int, m: int) -> str:
        """What n and m of the divisor stand for here: 'n = 2 samples, m = 3 outputs' ('' for a sum)."""
        samples = f"n = {n} sample{'s' if n > 1 else ''}"
        if self.mean_over == "all":
            return f"{samples}, m = {m} output{'s' if m > 1 else ''}"
        return samples if self.mean_over == "samples" else ""

    def note_at(self, y: float, t: float) -> str | None:
        """What the derivation says at this out and target: the kink's convention, where it applies."""
        return self.at_kink if self.at_kink and y == t else None

    def divisor_text(self) -> str:
        """' / {n}', ' / {nm}' or '': the divisor as appended to a formula."""
        by = _MEAN_TEXT[self.mean_over]
        return f" / {by}" if by else ""

    def fused_text(self, fused: FusedDelta, one_hot: bool) -> str:
        """The closed-form delta of one unit, divisor included."""
        return self._over(fused.unit_text(one_hot))

    def fused_why(self, fused: FusedDelta, m: int, d: str, sum_symbol: str) -> str:
        """Why the closed form holds, with this loss's divisor written as the derivation writes it."""
        names = dict(n="n", nm="n" if m == 1 else "(n m)", sum=sum_symbol, out="out")
        by = _MEAN_TEXT[self.mean_over].format(**names)
        one_hot = self._over(fused.row(one_hot=True)).format(**names)
        return fused.why.format(d=d, sum=sum_symbol, div=f" / {by}" if by else "",
                                per=f", times E_total's 1/{by}" if by else "", one_hot=one_hot)

    def fused_row(self, fused: FusedDelta, T: Array, sum_symbol: str, out: str = "out", divided: bool = True) -> str:
        """The closed-form delta of the output layer for targets T (n, m), written out: '(out - target) / n'
        (divided=False: before the divisor)."""
        text = fused.row(all(targets_add_to_one(row) for row in T.tolist()))
        sum_symbol += " " if sum_symbol.isascii() else ""       # "Σt", "sum t"
        return (self._over(text) if divided else text).format(n="n", nm="n" if T.shape[1] == 1 else "(n m)", sum=sum_symbol, out=out)

    def _over(self, core: str) -> str:
        return f"({core}){self.divisor_text()}" if self.divisor_text() else core


def _l1_dterm(y: Array, t: Array) -> Array:
    return np.sign(y - t)


LOSSES: dict[str, LossOp] = {op.name: op for op in (
    LossOp("half_sse", lambda y, t: 0.5 * (t - y) ** 2, lambda y, t: -(t - y), "none",
           "sum of 1/2 (target - out)^2", "1/2 ({t} - {y})^2", "-({t} - {y})", halved=True,
           torch="0.5 * ((target - out) ** 2).sum()",
           term_latex=r"\frac{1}{2} ({t} - {y})^{2}", dterm_latex="-({t} - {y})"),
    LossOp("sse", lambda y, t: (t - y) ** 2, lambda y, t: -2.0 * (t - y), "none",
           "sum of (target - out)^2", "({t} - {y})^2", "-2 ({t} - {y})", squared=True,
           torch="((target - out) ** 2).sum()",
           term_latex="({t} - {y})^{2}", dterm_latex="-2 ({t} - {y})"),
    LossOp("mse", lambda y, t: (t - y) ** 2, lambda y, t: -2.0 * (t - y), "all",
           "mean of (target - out)^2", "({t} - {y})^2", "-2 ({t} - {y})", squared=True,
           torch="((target - out) ** 2).mean()",
           term_latex="({t} - {y})^{2}", dterm_latex="-2 ({t} - {y})"),
    LossOp("l1", lambda y, t: np.abs(t - y), _l1_dterm, "none",
           "sum of |target - out|", "|{t} - {y}|", "sign({y} - {t})",
           at_kink="sign(0) = 0: where out = target nncalc takes the subgradient 0, as PyTorch's L1Loss does",
           torch="(target - out).abs().sum()",
           term_latex=r"\lvert {t} - {y} \rvert", dterm_latex=r"\operatorname{sign}({y} - {t})"),
    LossOp("binary_cross_entropy",
           lambda y, t: -(t * np.log(_clip01(y)) + (1 - t) * np.log1p(-_clip01(y))),
           lambda y, t: (_clip01(y) - t) / (_clip01(y) * (1 - _clip01(y))), "all",
           "mean of -(t log out + (1 - t) log(1 - out))",
           "-({t} ln {y} + (1 - {t}) ln(1 - {y}))", "({y} - {t}) / ({y} (1 - {y}))",
           fused={"sigmoid": SIGMOID_BCE}, torch="nn.functional.binary_cross_entropy(out, target)",
           term_latex=r"-({t} \ln {y} + (1 - {t}) \ln(1 - {y}))", dterm_latex=r"\frac{{y} - {t}}{{y} (1 - {y})}"),
    LossOp("cross_entropy", lambda y, t: -t * np.log(_clip_pos(y)), lambda y, t: -t / _clip_pos(y), "samples",
           "mean over samples of -sum_k t_k log out_k", "-{t} ln {y}", "-{t} / {y}",
           fused={"softmax": SOFTMAX_CE}, torch="-(target * torch.log(out)).sum(dim=1).mean()",
           term_latex=r"-{t} \ln {y}", dterm_latex=r"-\frac{{t}}{{y}}"),
    LossOp("summed_cross_entropy", lambda y, t: -t * np.log(_clip_pos(y)), lambda y, t: -t / _clip_pos(y),
           "none", "sum over samples of -sum_k t_k log out_k", "-{t} ln {y}", "-{t} / {y}",
           fused={"softmax": SOFTMAX_CE}, torch="-(target * torch.log(out)).sum()",
           term_latex=r"-{t} \ln {y}", dterm_latex=r"-\frac{{t}}{{y}}"),
)}


def targets_add_to_one(targets) -> bool:
    """Whether one sample's targets add up to 1 (one-hot, or a distribution), as the slides' forms assume."""
    return sum(targets) == 1.0


def fused_delta(activation: str, loss: str) -> FusedDelta | None:
    """The closed-form output delta of this activation with this loss, if it has one."""
    return LOSSES[loss].fused.get(activation)
