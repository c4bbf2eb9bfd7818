"""Recomputing through the trace's graph: the dependency graph read upward from the quantities asked
about (`Graph`, `Reach`) and one changed computation's values (`pull`).

The checker (a student's own numbers) and the known mistakes (a mistaken step) both change some
quantities and let the rest follow through the trace's own `inputs`.
"""

from __future__ import annotations

from typing import Callable

from .trace import Trace

ValueOf = Callable[[str], float]
Step = Callable[[str, ValueOf], float]


class Graph:
    """The trace's dependency graph, read upward from the quantities asked about: the topological
    position of every quantity, and how many quantities one of them is computed from. Nothing here
    walks the whole trace, so checking one answer of a 700,000-quantity trace costs that answer's
    share of it."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.position = {name: i for i, name in enumerate(trace.quantities)}

    def depends_on_at_most(self, name: str, limit: int) -> bool:
        """Whether `name` is computed from at most `limit` quantities (given numbers included);
        it stops counting past the limit."""
        trace, seen, stack = self.trace, {name}, [name]
        while stack:
            for i in trace[stack.pop()].inputs:
                if i not in seen:
                    if len(seen) > limit:
                        return False
                    seen.add(i)
                    stack.append(i)
        return len(seen) - 1 <= limit


class Reach:
    """The quantities computed from a mistake's targets, themselves included, decided upward from the
    quantity asked about (memoized): a quantity is in reach when it is a target or an input is."""

    def __init__(self, trace: Trace, is_target: Callable[[str], bool]) -> None:
        self.trace, self.is_target = trace, is_target
        self._memo: dict[str, bool] = {}

    def __contains__(self, name: object) -> bool:
        memo, trace = self._memo, self.trace
        if name in memo:
            return memo[name]
        if name not in trace:
            return False
        stack = [(name, False)]
        while stack:
            n, inputs_done = stack.pop()
            if n in memo:
                continue
            if inputs_done:
                memo[n] = any(memo[i] for i in trace[n].inputs)
            elif self.is_target(n):
                memo[n] = True
            else:
                stack.append((n, True))
                stack.extend((i, False) for i in trace[n].inputs if i not in memo)
        return memo[name]


def pull(trace: Trace, name: str, known: dict[str, float], needed: Callable[[str], bool], compute: Step,
         fallback: ValueOf) -> float:
    """The value of `name` in a changed computation: quantities for which `needed` holds are recomputed
    with `compute` (inputs first, each kept in `known`), every other one is `fallback`'s. Only the
    needed ancestors of `name` are visited, so a change near the output costs little."""

    def value_of(n: str) -> float:
        if n in known:
            return known[n]
        if needed(n):    # read by a step without being one of its inputs (e.g. w5+ for w5)
            return pull(trace, n, known, needed, compute, fallback)
        return fallback(n)

    stack = [(name, False)]
    while stack:
        n, inputs_ready = stack.pop()
        if n in known or not needed(n):
            continue
        if inputs_ready:
            known[n] = compute(n, value_of)
        else:
            stack.append((n, True))
            stack.extend((i, False) for i in trace[n].inputs if i not in known and needed(i))
    return value_of(name)
