"""A problem worked through: its trace, refused (saying why) where it cannot be worked through.
The one way to a trace for the API, the pictures and `nncalc new`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import problem as _problem
    from .trace import Trace


def trace_of(problem: Any, with_backward: bool, named: bool | None = True) -> "Trace":
    """The trace of a network or graph problem, refused (saying why) where it cannot be worked
    through. named=None: named quantities unless the network is too large to show unit by unit."""
    from .graph import is_graph_problem

    if is_graph_problem(problem):
        from .graph.trace import build_graph_trace

        return build_graph_trace(problem, with_backward=with_backward)
    from .limits import require_nameable, without_gc
    from .render.common import too_large
    from .trace import build_trace

    check_usable(problem, with_backward)
    named = not too_large(problem) if named is None else named
    if named:
        require_nameable(problem, "listing every value by name", with_backward)
    with without_gc():
        return build_trace(problem, with_backward=with_backward, named=named)


def check_usable(problem: "_problem.Problem", with_backward: bool) -> None:
    """Refuse, saying why, a problem that cannot be worked through (no samples; with_backward: no
    targets, or units without a derivative)."""
    from .errors import ComputeError

    if problem.n_samples == 0:
        what = "a data source" if problem.data_source is not None else "no samples"
        raise ComputeError(f"the problem has {what}; forward and backprop need samples written out "
                           "(data: [{input: [...], target: [...]}])", file=problem.source, where="data")
    if not with_backward:
        return
    from .engine import check_backprop

    try:
        check_backprop(problem.network.layers, problem.loss)
    except ComputeError as exc:
        raise exc.located(file=problem.source) from None
    if problem.targets is None:
        raise ComputeError("no targets, so there is no error to backpropagate; give every sample a "
                           "'target:', or use `nncalc forward`", file=problem.source, where="data")
