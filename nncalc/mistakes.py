"""Known mistakes, as data: each recomputes the problem the way a student who made it would.

A mistake is either the problem misread (`problem`: a changed copy, run through the same engine with
`build_trace`) or one kind of step done the wrong way (`applies` picks the steps, `redo` recomputes
one of them from its inputs, mostly by calling `Trace.evaluate` with an input swapped). Either way the
rest of the computation follows through the trace's own graph (`nncalc.recompute.pull`): there is no
second implementation of the math here. `nncalc.alternatives` applies them to one problem; the end
of this module says what can be said of a wrong number no mistake reproduces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

from .problem import Problem
from .recompute import ValueOf
from .trace import Quantity, Trace


# ---------------------------------------------------------------- the table of mistakes

@dataclass(frozen=True)
class Mistake:
    """One known mistake: how it changes the problem, or which steps it changes and how."""

    key: str
    title: str                                                   # short; per-quantity summaries use it
    problem: Callable[[Problem], Problem | None] | None = None   # the problem as misread (None: n/a)
    ops: tuple[str, ...] = ()      # ... and the operations that then work differently (loss: its terms)
    applies: Callable[[Trace, Quantity], bool] | None = None     # the steps done the wrong way ...
    redo: Callable[[Trace, Quantity, ValueOf], float] | None = None   # ... and how (from their inputs)
    detail: str | Callable[[Trace, Quantity], str | None] | None = None   # specifics, for one quantity

    def describe(self, trace: Trace, q: Quantity) -> str:
        extra = self.detail(trace, q) if callable(self.detail) else self.detail
        return f"{self.title} ({extra})" if extra else self.title


def _evaluate_with(trace: Trace, q: Quantity, v: ValueOf, old: str, value: Callable[[ValueOf], float]) -> float:
    """q recomputed from its inputs as `v` gives them, except input `old`, which is value(v)."""
    replaced = value(v)
    return trace.evaluate(q.name, lambda name: replaced if name == old else v(name))


def _is_last(trace: Trace, q: Quantity) -> bool:
    return q.layer == len(trace.problem.network.layers) - 1


def _swapped_targets(p: Problem) -> Problem | None:
    if p.targets is None or p.targets.shape[-1] < 2:
        return None
    return replace(p, targets=p.targets[..., ::-1].copy())


def _bias_layer(trace: Trace, q: Quantity, shared: bool):
    """The layer whose (shared, or per-unit) bias q is the gradient or update of, else None."""
    if q.param is None or q.kind not in ("grad", "new"):
        return None
    return next((layer for layer in trace.problem.network.layers
                 if layer.bias_shared == shared and q.param in layer.bias_names), None)


def _shared_bias_layer(trace: Trace, q: Quantity):
    return _bias_layer(trace, q, shared=True)


def _per_unit_bias_layer(trace: Trace, q: Quantity):
    return _bias_layer(trace, q, shared=False)


def _bias_one_unit(j: int) -> Mistake:
    """A shared bias given only unit j's delta (as if each unit had its own bias)."""

    def applies(t: Trace, q: Quantity) -> bool:
        layer = _shared_bias_layer(t, q)
        return q.kind == "grad" and layer is not None and j < len(layer.units)

    def redo(t: Trace, q: Quantity, v: ValueOf) -> float:
        unit = _shared_bias_layer(t, q).units[j]
        return t.evaluate(q.name, lambda n: v(n) if t[n].unit == unit else 0.0)

    def detail(t: Trace, q: Quantity) -> str | None:
        layer = _shared_bias_layer(t, q)
        if layer is None or j >= len(layer.units):
            return None
        return f"only δ of {layer.units[j]} counted for {q.param}, not the sum over {', '.join(layer.units)}"

    return Mistake(f"bias_per_unit_{j + 1}", "a shared bias treated as per-unit",
                   applies=applies, redo=redo, detail=detail)


def _bias_as_shared(t: Trace, q: Quantity, v: ValueOf) -> float:
    layer = _per_unit_bias_layer(t, q)
    deltas = [d for b in layer.bias_names for d in t[f"grad.{b}"].inputs]
    return math.fsum(v(d) for d in deltas)


def _one_path(j: int) -> Mistake:
    """dE/dout of a hidden unit taken from the path through unit j of the layer above only."""

    def above(t: Trace, q: Quantity):
        layers = t.problem.network.layers
        return layers[q.layer + 1] if q.layer is not None and q.layer + 1 < len(layers) else None

    def applies(t: Trace, q: Quantity) -> bool:
        layer = above(t, q)
        return q.kind == "dE/dout" and q.op == "sum" and layer is not None and len(layer.units) > max(j, 1)

    def redo(t: Trace, q: Quantity, v: ValueOf) -> float:
        unit = above(t, q).units[j]
        return t.evaluate(q.name, lambda n: v(n) if t[n].via == unit or t.through_next_step(n) else 0.0)

    def detail(t: Trace, q: Quantity) -> str | None:
        layer = above(t, q)
        return f"only the path through {layer.units[j]}" if layer is not None and j < len(layer.units) else None

    return Mistake(f"one_path_{j + 1}", "only one path counted back into a hidden unit",
                   applies=applies, redo=redo, detail=detail)


def _dact_detail(t: Trace, q: Quantity) -> str | None:
    if q.layer is None:
        return None
    fn = t.problem.network.layers[q.layer].activation.fn
    if "out" not in fn.dformula:
        return None
    return f"{fn.dformula.replace('out', 'net')} instead of {fn.dformula}"


def _param_of_share(q: Quantity) -> str:
    return q.inputs[1]


def _share_detail(t: Trace, q: Quantity) -> str | None:
    return f"{_param_of_share(q)}+ instead of {_param_of_share(q)}" if q.kind == "share" else None


def _net_of(t: Trace, out: Quantity) -> str:
    """The name of the net input an out quantity was computed from."""
    return out.inputs[out.index if out.op == "softmax" else 0]


def _net_for_out_detail(t: Trace, q: Quantity) -> str:
    if q.kind != "dnet/dP":
        return "∂net/∂w taken as the net input below, not its output"
    unit = t[q.inputs[0]].unit
    return f"net_{unit} instead of out_{unit}"


# ---------------------------------------------------------------- backpropagation through time

def _next_step_detail(t: Trace, q: Quantity) -> str | None:
    if q.kind != "dE/dout" or q.step is None:
        return None
    layers = t.problem.network.layers
    above = _at_step(layers[q.layer + 1].units, q.step) if q.layer + 1 < len(layers) else "the loss"
    return (f"∂E/∂out_{q.unit}[{q.step}] from {above} only, not also through "
            f"{_at_step(layers[q.layer].units, q.step + 1)}")


def _at_step(units, step: int) -> str:
    return ", ".join(f"{u}[{step}]" for u in units)


def _last_steps(t: Trace, q: Quantity) -> dict[int | None, int]:
    """Each sample's last step among the deltas a gradient sums."""
    last: dict[int | None, int] = {}
    for n in q.inputs:
        d = t[n]
        if d.kind == "delta" and d.step is not None:
            last[d.sample] = max(last.get(d.sample, 0), d.step)
    return last


def _sums_over_steps(t: Trace, q: Quantity) -> bool:
    return q.kind == "grad" and len({t[n].step for n in q.inputs if t[n].kind == "delta"} - {None}) > 1


def _last_step_only(t: Trace, q: Quantity, v: ValueOf) -> float:
    last = _last_steps(t, q)
    return t.evaluate(q.name, lambda n: 0.0 if t[n].kind == "delta" and t[n].step not in (None, last[t[n].sample])
                      else v(n))


def _last_step_detail(t: Trace, q: Quantity) -> str | None:
    steps = set(_last_steps(t, q).values())
    if not steps:
        return None
    when = f"t = {steps.pop()}" if len(steps) == 1 else "each sequence's last step"
    return f"only the term of {when}, not the sum over every step"


def _previous_state(t: Trace, q: Quantity) -> Quantity | None:
    """For ∂net_U[t]/∂w_h: the state out_V[t-1] it is (the layer's own output one step back), else None."""
    if q.kind != "dnet/dP" or q.step is None or len(q.inputs) != 1:
        return None
    prev = t[q.inputs[0]]
    return prev if prev.step is not None and prev.layer == q.layer and prev.kind in ("out", "state") else None


def _state_now(t: Trace, q: Quantity) -> str:
    prev = _previous_state(t, q)
    return f"out.{prev.unit}[{prev.step + 1}]" + (f"@{prev.sample}" if prev.sample else "")


MISTAKES: tuple[Mistake, ...] = (
    Mistake("updated_weights", "the updated weights used while backpropagating",
            applies=lambda t, q: (q.kind == "share" and f"new.{_param_of_share(q)}" in t
                                  and not t.through_next_step(q.name)),   # W_h+ needs this very path
            redo=lambda t, q, v: _evaluate_with(t, q, v, _param_of_share(q),
                                                lambda v: v(f"new.{_param_of_share(q)}")),
            detail=_share_detail),
    Mistake("sign_flipped", "the error's sign flipped",
            applies=lambda t, q: (q.kind == "dE/dout" and _is_last(t, q)) or q.op == "fused",
            redo=lambda t, q, v: -t.evaluate(q.name, v),
            detail="(target - out) instead of -(target - out)"),
    Mistake("update_added", "the update added, not subtracted",
            applies=lambda t, q: q.kind == "new",
            redo=lambda t, q, v: _evaluate_with(t, q, v, "eta", lambda v: -v("eta")),
            detail="p + η·grad"),
    Mistake("no_activation_derivative", "the activation derivative left out",
            applies=lambda t, q: q.kind == "dout/dnet",
            redo=lambda t, q, v: 1.0,
            detail="∂out/∂net taken as 1"),
    Mistake("derivative_of_net", "the activation derivative taken from net",
            applies=lambda t, q: q.kind == "dout/dnet",
            redo=lambda t, q, v: _evaluate_with(t, q, v, q.inputs[1], lambda v: v(q.inputs[0])),
            detail=_dact_detail),
    Mistake("net_for_out", "net used where out belongs",
            applies=lambda t, q: q.kind == "dnet/dP" and t[q.inputs[0]].kind == "out",
            redo=lambda t, q, v: v(_net_of(t, t[q.inputs[0]])),
            detail=_net_for_out_detail),
    Mistake("no_activation", "the activation skipped in the forward pass",
            applies=lambda t, q: q.kind == "out" and q.op == "act" and not _is_last(t, q),
            redo=lambda t, q, v: v(q.inputs[0]),
            detail="out taken as net"),
    Mistake("rate_not_applied", "the learning rate not applied",
            applies=lambda t, q: q.kind == "new",
            redo=lambda t, q, v: _evaluate_with(t, q, v, "eta", lambda v: 1.0),
            detail="p - grad"),
    Mistake("rate_twice", "the learning rate applied twice",
            applies=lambda t, q: q.kind == "new",
            redo=lambda t, q, v: _evaluate_with(t, q, v, "eta", lambda v: v("eta") ** 2),
            detail="p - η²·grad"),
    Mistake("step_twice", "the step taken twice",
            applies=lambda t, q: q.kind == "new",
            redo=lambda t, q, v: _evaluate_with(t, q, v, "eta", lambda v: 2 * v("eta")),
            detail="p - 2η·grad"),
    Mistake("bias_shared", "a per-unit bias treated as shared",
            applies=lambda t, q: q.kind == "grad" and _per_unit_bias_layer(t, q) is not None,
            redo=_bias_as_shared,
            detail=lambda t, q: (f"δ summed over {', '.join(_per_unit_bias_layer(t, q).units)} for {q.param}"
                                 if _per_unit_bias_layer(t, q) is not None else None)),
    Mistake("targets_swapped", "the two targets swapped", problem=_swapped_targets),
    Mistake("next_step_left_out", "the path through h_{t+1} left out",
            applies=lambda t, q: q.kind == "dE/dout" and q.op == "sum" and any(t.through_next_step(n)
                                                                             for n in q.inputs),
            redo=lambda t, q, v: t.evaluate(q.name, lambda n: 0.0 if t.through_next_step(n) else v(n)),
            detail=_next_step_detail),
    Mistake("last_step_only", "the gradient of the last step only, not summed over the steps",
            applies=_sums_over_steps, redo=_last_step_only, detail=_last_step_detail),
    Mistake("state_not_previous", "W_h's gradient taken with h_t instead of h_{t-1}",
            applies=lambda t, q: _previous_state(t, q) is not None and _state_now(t, q) in t,
            redo=lambda t, q, v: v(_state_now(t, q)),
            detail=lambda t, q: f"{_state_now(t, q)} instead of {q.inputs[0]}" if _previous_state(t, q) else None),
)

# Families with one member per unit of a layer; beyond this width a guess would be meaningless.
_PER_UNIT_FAMILIES = (_bias_one_unit, _one_path)
_MAX_FAMILY = 4


def mistakes_for(problem: Problem) -> list[Mistake]:
    """The table, with the loss's scaling mistakes and the per-unit families expanded for this problem
    (a graph's own table for a graph problem)."""
    if not isinstance(problem, Problem):
        from .graph.mistakes import graph_mistakes

        return graph_mistakes(problem)
    from .loss_mistakes import scaling_mistakes

    width = min(max(len(layer.units) for layer in problem.network.layers), _MAX_FAMILY)
    return (scaling_mistakes(problem) + list(MISTAKES)
            + [family(j) for family in _PER_UNIT_FAMILIES for j in range(width)])


# ---------------------------------------------------------------- when no mistake explains a number

def impossible_factor(trace: Trace, name: str, given: float, value_of: ValueOf) -> str | None:
    """For a product with an activation derivative among its factors: the derivative the given number
    implies (from the other factors as the student had them), when no such derivative exists."""
    q = trace[name]
    dacts = [n for n in q.inputs if trace[n].kind == "dout/dnet"]
    if q.op != "prod" or len(dacts) != 1:
        return None
    others = [n for n in q.inputs if n != dacts[0]]
    rest = math.prod(value_of(n) for n in others)
    if rest == 0:
        return None
    implied = given / rest
    act = trace.problem.network.layers[trace[dacts[0]].layer].activation.fn
    low, high = act.derivative_range or (-math.inf, math.inf)
    if low - 1e-12 <= implied <= high + 1e-12:
        return None
    factors = " × ".join(f"{short(value_of(n))} ({n})" for n in others)
    bound = f"at most {high:g}" if implied > high else f"at least {low:g}"
    return (f"it is {factors} × {short(implied)}, and {short(implied)} cannot be a {act.name} derivative "
            f"({bound}; {dacts[0]} = {short(value_of(dacts[0]))})")


def significant_digits(text: str) -> int:
    """Digits written after the leading zeros: '0.027128970' -> 8, '0.3' -> 1, '120' -> 3."""
    mantissa = text.strip().lower().split("e")[0]
    return len(mantissa.replace("_", "").lstrip("+-").replace(".", "").lstrip("0"))


def digit_slip(text: str, reference: float) -> str | None:
    """'differs from 0.119635010 in one digit only' when the written number is that close to reference
    (and long enough, at four significant digits or more, for that to mean something)."""
    digits = text.strip().lstrip("+")
    if "e" in digits.lower() or "." not in digits or significant_digits(digits) < 4:
        return None
    decimals = len(digits.split(".")[1])
    ref = f"{reference:.{decimals}f}"
    if len(ref) != len(digits) or ref == digits:
        return None
    differ = sum(a != b for a, b in zip(ref, digits))
    if differ > 2:
        return None
    return f"it differs from {ref} in {'one digit' if differ == 1 else 'two digits'} only"


def short(x: float) -> str:
    """A number for a sentence: nine significant digits, no trailing noise."""
    return f"{x:.9g}"
