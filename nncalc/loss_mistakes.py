"""The loss off by one factor, as mistakes: the 1/2 dropped or added, a factor 2, the mean's 1/n or
1/m left out or added where the loss sums. Which apply follows from the loss's own facts (halved,
squared, mean_over in nncalc.ops); each scales every operation that reads the loss, and the rest
follows through the trace's graph as for any mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .mistakes import Mistake
from .ops import LOSSES, LossOp, fused_delta
from .problem import Problem
from .trace import Quantity, Trace

_LOSS_OPS = ("loss", "dloss", "fused")     # the trace operations that read the problem's loss


@dataclass(frozen=True)
class _Scaling:
    """E_total (and so every derivative of it) off by one factor: a 1/2, a 2, the mean's 1/n or 1/m."""

    key: str
    title: str
    factor: Callable[[LossOp, int, int], float | None]   # (loss, n, m) -> the factor; None: not this loss's
    detail: Callable[[LossOp, int, int], str]


def _times(c: float) -> str:
    return f"{c:g} times too large" if c > 1 else f"1/{1 / c:g} of what it should be"


_SCALINGS = (
    _Scaling("half_dropped", "the 1/2 of the loss dropped", lambda l, n, m: 2.0 if l.halved else None,
             lambda l, n, m: "a factor 2 in everything after it"),
    _Scaling("doubled", "a factor 2 too many in the loss", lambda l, n, m: None if l.halved else 2.0,
             lambda l, n, m: "everything after it doubled"),
    _Scaling("half_added", "an extra 1/2 in the loss", lambda l, n, m: 0.5,
             lambda l, n, m: "everything after it halved"),
    _Scaling("mean_samples_dropped", "the 1/n of the mean over the samples left out",
             lambda l, n, m: n if l.mean_over != "none" else None,
             lambda l, n, m: f"n = {n}: everything after it {_times(n)}"),
    _Scaling("mean_samples_added", "an extra 1/n, averaging the summed samples",
             lambda l, n, m: 1 / n if l.mean_over == "none" else None,
             lambda l, n, m: f"n = {n}: everything after it {_times(1 / n)}"),
    _Scaling("mean_outputs_dropped", "the 1/m of the mean over the outputs left out",
             lambda l, n, m: m if l.mean_over == "all" else None,
             lambda l, n, m: f"m = {m}: everything after it {_times(m)}"),
    _Scaling("mean_outputs_added", "an extra 1/m, averaging the summed outputs",
             lambda l, n, m: 1 / m if l.mean_over != "all" else None,
             lambda l, n, m: f"m = {m}: everything after it {_times(1 / m)}"),
    _Scaling("mean_dropped", "the 1/(n m) of the mean left out",
             lambda l, n, m: n * m if l.mean_over == "all" and n > 1 and m > 1 else None,
             lambda l, n, m: f"n m = {n * m}: everything after it {_times(n * m)}"),
    _Scaling("mean_added", "an extra 1/(n m), averaging the summed samples and outputs",
             lambda l, n, m: 1 / (n * m) if l.mean_over == "none" and n > 1 and m > 1 else None,
             lambda l, n, m: f"n m = {n * m}: everything after it {_times(1 / (n * m))}"),
)


def _scaling_detail(scaling: _Scaling, loss: LossOp, n: int, m: int, factor: float, sequence: bool = False):
    """The specifics at one quantity: for a squared loss's derivative halved, the power rule's 2;
    for the closed-form delta, the formula as the student wrote it."""
    general = scaling.detail(loss, n, m)
    if sequence and general.startswith("n = "):        # in time the loss's samples are the targeted steps
        general = f"n = {n} targeted (sample, step) pairs{general[len(f'n = {n}'):]}"

    def detail(t: Trace, q: Quantity) -> str:
        if q.kind in ("E", "E.total"):
            return general
        if factor == 0.5 and loss.squared:
            return f"or the power rule's 2 left out of ∂E/∂out; {general}"
        fused = fused_delta(t.problem.network.layers[-1].activation.name, loss.name)
        if fused is not None and factor == loss.divisor(n, m):
            T = targeted(t.problem)
            return (f"δ = {loss.fused_row(fused, T, 'Σ', divided=False)} instead of "
                    f"{loss.fused_row(fused, T, 'Σ')}: {general}")
        return general

    return detail


def targeted(problem: Problem):
    """The targets as the loss counts them (N, m): in a sequence, every (sample, step) with a target."""
    mask = getattr(problem, "target_mask", None)
    return problem.targets if mask is None else problem.targets[mask]


def scaling_mistakes(problem: Problem) -> list[Mistake]:
    """The loss scaled by each factor a student gets wrong: one mistake per distinct factor, named by
    every slip that gives it (on 2 samples, the 1/n left out is also a factor 2 too many)."""
    if problem.targets is None:
        return []
    loss = LOSSES[problem.loss]
    n, m = targeted(problem).shape
    by_factor: dict[float, list[_Scaling]] = {}
    for s in _SCALINGS:
        c = s.factor(loss, n, m)
        if c is not None and c != 1:
            by_factor.setdefault(c, []).append(s)
    return [Mistake(same[0].key, ", or ".join(s.title for s in same), applies=lambda t, q: q.op in _LOSS_OPS,
                    redo=lambda t, q, v, c=c: c * t.evaluate(q.name, v),
                    detail=_scaling_detail(same[0], loss, n, m, c, getattr(problem, "target_mask", None) is not None))
            for c, same in by_factor.items()]
