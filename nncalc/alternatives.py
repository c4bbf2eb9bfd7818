"""One known mistake applied to one problem (`Alternative`): the quantities it computes differently,
those computed from them, and the values it gives, worked out through the trace's graph (`pull`)
when first asked for. Built once per problem (`build_alternatives`), reused for every answers file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import NncalcError
from .mistakes import Mistake, mistakes_for
from .problem import Problem
from .recompute import Reach, ValueOf, pull
from .trace import Trace, build_trace

_UNBUILT = object()


@dataclass
class Alternative:
    """One mistake applied to one problem: the quantities it computes differently (its targets),
    those computed from them (its reach) and the values it gives from the problem's inputs, each
    worked out for the quantities asked about when first asked (never over the whole trace)."""

    mistake: Mistake
    own: Trace                        # the problem's trace
    misread: Problem | None = None    # the problem as the mistake misreads it (its trace built on first need)
    known: dict[str, float] = field(default_factory=dict)   # values in reach worked out so far

    def __post_init__(self) -> None:
        self.reach = Reach(self.own, self.is_target)
        self._other = _UNBUILT
        self._unchanged = () if self.misread is None else _unchanged_kinds(self.own.problem, self.misread)

    @property
    def trace(self) -> Trace:
        """Where its steps are evaluated: the misread problem's trace, or the problem's own."""
        return self.own if self.misread is None else self._misread_trace() or self.own

    def _misread_trace(self) -> Trace | None:
        """The misread problem through the engine; None where it fails or names other quantities."""
        if self._other is _UNBUILT:
            try:
                other = build_trace(self.misread, with_backward=self.own.has_backward)
            except NncalcError:
                other = None
            self._other = other if other is not None and other.quantities.keys() == self.own.quantities.keys() else None
        return self._other

    def is_target(self, name: str) -> bool:
        """Whether the mistake computes `name` differently from the same inputs: a step it redoes, or
        for a misread problem a given number it changes or an operation it names."""
        q = self.own[name]
        if self.misread is None:
            return self.mistake.applies(self.own, q)
        if q.op != "leaf" or q.kind in self._unchanged:      # known without running the misread problem
            return q.op in self.mistake.ops and self._misread_trace() is not None
        other = self._misread_trace()
        return other is not None and other[name].value != q.value

    def step(self, name: str, value_of: ValueOf) -> float:
        """Recompute one quantity from its inputs the way the mistaken student would."""
        if self.mistake.redo is not None and self.is_target(name):
            return self.mistake.redo(self.trace, self.trace[name], value_of)
        return self.trace.evaluate(name, value_of)

    def value(self, name: str) -> float:
        """`name` as the mistake gives it from the problem's own inputs."""
        if self.misread is not None:
            return (self._misread_trace() if name in self.reach else self.own)[name].value
        return pull(self.own, name, self.known, self.reach.__contains__, self.step, lambda n: self.own[n].value)

    def describe(self, name: str) -> str:
        return self.mistake.describe(self.trace, self.trace[name])


def _given_numbers(p: Problem) -> dict[str, list]:
    """A problem's given numbers as arrays, by the trace kind of their quantities."""
    return {"rate": [p.learning_rate], "input": [p.inputs], "target": [p.targets],
            "param": [prm.array for layer in p.network.layers for prm in layer.parameters()]}


def _unchanged_kinds(p: Problem, misread: Problem) -> tuple[str, ...]:
    """The kinds of given numbers a misreading leaves as they are (compared array by array)."""
    own, other = _given_numbers(p), _given_numbers(misread)

    def same(a, b) -> bool:
        return (a is None) == (b is None) and (a is None or np.array_equal(a, b))

    return tuple(kind for kind in own if len(own[kind]) == len(other[kind])
                 and all(same(a, b) for a, b in zip(own[kind], other[kind])))


def build_alternatives(trace: Trace) -> list[Alternative]:
    """Every mistake in the table that can apply to this problem (what each changes, and its values,
    are worked out on demand)."""
    alternatives = []
    for mistake in mistakes_for(trace.problem):
        if mistake.problem is None:
            alternatives.append(Alternative(mistake, trace))
        elif (misread := mistake.problem(trace.problem)) is not None:
            alternatives.append(Alternative(mistake, trace, misread))
    return alternatives
