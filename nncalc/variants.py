"""Variants: a problem with `vary:` drawn anew for each student, with its answer key for `ask:`.
(The students: `nncalc.roster`; the folder of variant files: `nncalc.variant_folder`.)

Each variant's numbers come from a generator seeded by (seed, the variant's id) alone, so the same
seed always gives a student the same numbers, whatever the roster's order or size. A draw that makes
the problem degenerate (see `degenerate`) is replaced by the generator's next draw. The numbers are
then worked out by the one engine (`build_trace`): the key is the trace's values, nothing else.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from .errors import ProblemError
from .problem import Problem, with_overrides
from .roster import Student
from .trace import Trace

MAX_DRAWS = 100                # degenerate draws in a row before giving up
SATURATION = 1e-6              # an output this close to its activation's bound is saturated


@dataclass(frozen=True)
class Variant:
    """One student's problem: the drawn numbers, their trace, and the key of the asked quantities."""

    student: Student
    problem: Problem
    trace: Trace
    asked: tuple[str, ...]              # canonical names, in `ask:` order
    draws: int = 1                      # 1: the first draw was used; more: degenerate ones were redrawn
    drawn: frozenset[str] = frozenset()  # the names `vary:` drew

    @property
    def id(self) -> str:
        return self.student.id


# ---------------------------------------------------------------- drawing

def generator(seed: int, key: str) -> np.random.Generator:
    """The generator of one variant: seeded by (seed, key) only, never by its place in a roster."""
    words = np.frombuffer(hashlib.sha256(key.encode("utf-8")).digest(), dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def drawn_values(problem: Problem, rng: np.random.Generator) -> dict[str, float]:
    """One draw of every value `vary:` covers, in a fixed order: weights and biases, the learning rate,
    then each sample's inputs and targets."""
    from .graph import is_graph_problem

    vary = problem.vary
    out: dict[str, float] = {}
    if is_graph_problem(problem):
        for leaf in problem.graph.leaves:
            rule = vary.rule(leaf, "values")
            if rule is not None:
                out[leaf] = rule.sample(rng)
        rule = vary.rule("eta", "learning_rate") or vary.rule("learning_rate", "learning_rate")
        if rule is not None:
            out["eta"] = rule.sample(rng)
        return out
    net = problem.network
    for prm in net.parameters():
        rule = vary.rule(prm.name, "biases", "weights") if prm.kind == "bias" else vary.rule(prm.name, "weights")
        if rule is not None:
            out[prm.name] = rule.sample(rng)
    rule = vary.rule("eta", "learning_rate")
    if rule is None:
        rule = vary.rule("learning_rate", "learning_rate")
    if rule is not None:
        out["eta"] = rule.sample(rng)
    n = problem.n_samples
    for k in range(n):
        at = f"@{k + 1}" if n > 1 else ""
        for i in net.inputs:
            rule = vary.rule(i + at, "inputs")
            if rule is not None:
                out[i + at] = rule.sample(rng)
        if problem.targets is not None:
            for o in net.outputs:
                rule = vary.rule(f"target.{o}{at}", "targets")
                if rule is not None:
                    out[f"target.{o}{at}"] = rule.sample(rng)
    return out


def apply(problem: Problem, values: dict[str, float], vid: str) -> Problem:
    """The problem with the drawn values in place (targets too), no `vary:`, and its variant id."""
    from .graph import is_graph_problem

    if is_graph_problem(problem):
        from .graph.load import with_overrides as graph_overrides

        return replace(graph_overrides(problem, values), vary=None, variant=vid, answers=None)
    targets = {k: v for k, v in values.items() if k.startswith("target.")}
    drawn = with_overrides(problem, {k: v for k, v in values.items() if k not in targets})
    T = drawn.targets
    if targets:
        T = T.copy()
        outputs = problem.network.outputs
        for name, value in targets.items():
            unit, _, k = name.removeprefix("target.").partition("@")
            T[int(k or 1) - 1, outputs.index(unit)] = value
    return replace(drawn, targets=T, vary=None, variant=vid, answers=None)


def degenerate(trace: Trace) -> str | None:
    """Why a drawn problem is unfit to hand out, or None. The rule: any value not finite, any
    gradient exactly 0, or any sigmoid, softmax or tanh output within 1e-6 of its bound."""
    layers = getattr(trace.problem, "network", None)
    layers = layers.layers if layers is not None else ()
    for q in trace.quantities.values():
        if not math.isfinite(q.value):
            return f"{q.name} is not finite"
        if q.kind == "grad" and q.value == 0.0:
            return f"{q.name} is exactly 0"
        if q.kind == "out" and q.layer is not None and layers:
            bounds = layers[q.layer].activation.fn.asymptotes
            if bounds and min(q.value - bounds[0], bounds[1] - q.value) < SATURATION:
                return f"{q.name} = {q.value:.9g} is saturated"
    return None


def make_variant(problem: Problem, student: Student, seed: int, asked: tuple[str, ...] | None = None) -> Variant:
    """One student's variant: draws until one is not degenerate (at most MAX_DRAWS)."""
    from .check import asked_names, checking_trace

    rng = generator(seed, student.seed_key)
    why = None
    for attempt in range(1, MAX_DRAWS + 1):
        values = drawn_values(problem, rng)
        drawn = apply(problem, values, student.id)
        trace = checking_trace(drawn)
        why = degenerate(trace)
        if why is None:
            return Variant(student, drawn, trace, asked if asked is not None else asked_names(trace), attempt,
                           frozenset(values))
    line = problem.doc.line_of(("vary",)) if problem.doc is not None else None
    raise ProblemError(f"{MAX_DRAWS} draws in a row were degenerate (the last: {why}); change the ranges "
                       "(or the fixed numbers) so that draws avoid it",
                       file=problem.source, where="vary", line=line)


def make_variants(problem: Problem, students: list[Student], seed: int) -> Iterator[Variant]:
    """Every student's variant, in the roster's order (each independent of the others)."""
    if problem.vary is None:
        raise ProblemError("the problem has no 'vary:' block saying what to draw for each variant",
                           file=problem.source)
    if problem.ask is None:
        raise ProblemError("the problem has no 'ask:' block saying what every student must give",
                           file=problem.source)
    from .graph import is_graph_problem

    if not is_graph_problem(problem) and problem.n_samples == 0:
        raise ProblemError("the problem has no samples written out (data: [{input: ..., target: ...}])",
                           file=problem.source, where="data")
    if not is_graph_problem(problem):
        from .limits import require_nameable

        require_nameable(problem, "each variant", times=len(students))
    asked = None
    for student in students:
        variant = make_variant(problem, student, seed, asked)
        asked = variant.asked
        yield variant
