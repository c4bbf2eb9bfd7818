"""A quantity (E_total by default) as one or two parameters move: the error curve E(w) of the
decks and the loss map. One batched engine call: the swept layer holds a stack of K weight
matrices (K, u, f), one per point, and the engine runs all K networks over all samples at once."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from ..errors import UsageError, suggest

MAX_POINTS = 1_000_000            # points of one sweep (a 1,000 x 1,000 loss map)
FORWARD_KINDS = ("net", "out", "E", "E.total")   # computed by the batched forward pass; others per point


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its name and the values it takes (lo to hi in `count` points)."""

    name: str
    values: np.ndarray
    at: float                       # its value in the problem file


@dataclass
class Sweep:
    """`of` at every point of the axes' grid: values (K1,) for one axis, (K1, K2) for two
    (axis 0 along the first). path: (updates + 1, 2) points of `nncalc train` from the file's
    point, projected onto the two axes, if asked."""

    problem: Any
    of: str
    axes: tuple[Axis, ...]
    values: np.ndarray
    at: float                      # `of` at the file's own parameters
    path: np.ndarray | None = field(default=None)
    descent: "Descent | None" = field(default=None)      # how the path was trained


def parse_axis(spec: str, problem: Any) -> Axis:
    """'w5=-3:3:61' -> w5 from -3 to 3 in 61 points (both ends included)."""
    params = {p.name: p for p in problem.network.parameters()}
    name, sep, rng = spec.partition("=")
    name = name.strip()
    if not sep:
        raise UsageError(f"{spec!r}: expected NAME=LO:HI:COUNT, e.g. w5=-3:3:61")
    if name not in params:
        raise UsageError(f"{name!r}: no weight or bias has that name{suggest(name, params)}", file=problem.source)
    parts = rng.split(":")
    try:
        lo, hi = float(parts[0]), float(parts[1])
        count = int(parts[2]) if len(parts) == 3 else 61
    except (ValueError, IndexError):
        raise UsageError(f"{spec!r}: expected NAME=LO:HI:COUNT with numbers, e.g. w5=-3:3:61") from None
    if len(parts) > 3 or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi or not 2 <= count <= MAX_POINTS:
        raise UsageError(f"{spec!r}: expected finite LO < HI and 2 to {MAX_POINTS:,} points")
    return Axis(name, np.linspace(lo, hi, count), params[name].value(problem.network))


def sweep(problem: Any, axes: Sequence[Axis], of: str = "E.total") -> Sweep:
    """`of` over the grid of the axes (one or two), from the problem's trace names."""
    from ..worked import trace_of

    if len({a.name for a in axes}) != len(axes):
        raise UsageError("sweep two different parameters")
    if math.prod(len(a.values) for a in axes) > MAX_POINTS:
        raise UsageError(f"a sweep has at most {MAX_POINTS:,} points")
    needs_backward = of != "E.total" and of.split(".")[0] not in ("net", "out", "E")
    trace = trace_of(problem, needs_backward)
    if of not in trace and problem.targets is None:
        raise UsageError(f"--of {of}: the problem's samples have no targets, so no error and no gradient; "
                         "follow a net or out (see `nncalc names`)", file=problem.source)
    if of not in trace:
        raise UsageError(f"--of {of}: no quantity has that name{suggest(of, trace.quantities)} "
                         "(see `nncalc names`)", file=problem.source)
    q = trace[of]
    if q.kind not in FORWARD_KINDS and problem.targets is None:
        raise UsageError(f"--of {of}: the problem has no targets", file=problem.source)
    grid = np.meshgrid(*[a.values for a in axes], indexing="ij")
    points = [g.ravel() for g in grid]
    if q.kind in FORWARD_KINDS:
        flat = _batched(problem, axes, points, q)
    else:
        flat = _per_point(problem, axes, points, of)
    return Sweep(problem, of, tuple(axes), flat.reshape(grid[0].shape), q.value)


def stacked_layers(problem: Any, names: Sequence[str], points: Sequence[np.ndarray]) -> list[Any]:
    """The network's layers with each swept parameter's layer holding K copies of its arrays
    (weights (K, u, f), bias (K, 1, u)), copy k set to point k."""
    params = {p.name: p for p in problem.network.parameters()}
    layers = list(problem.network.layers)
    K = len(points[0])
    for name, values in zip(names, points):
        p = params[name]
        layer = layers[p.layer]
        W, b = layer.weights, layer.bias
        if W.ndim == 2:                              # not yet stacked by the other axis
            W = np.repeat(W[None], K, axis=0)
            b = None if b is None else np.repeat(b[None, None, :], K, axis=0)
        if p.array == "weights":
            W[:, p.row, p.col] = values
        elif p.row is None:                          # a shared bias: every unit's slot
            b[:, 0, :] = values[:, None]
        else:
            b[:, 0, p.row] = values
        layers[p.layer] = layer.with_arrays({"weights": W, "bias": b})
    return layers


def _batched(problem: Any, axes: Sequence[Axis], points: Sequence[np.ndarray], q: Any) -> np.ndarray:
    """A forward quantity at every point: one engine.forward over K stacked networks."""
    from ..engine import error_terms, forward

    layers = stacked_layers(problem, [a.name for a in axes], points)
    K = len(points[0])
    with np.errstate(all="ignore"):
        fwd = forward(layers, problem.inputs, exact_zeros=True)
        Y = np.broadcast_to(fwd.output, (K, *fwd.output.shape[-2:]))
        s = 0 if q.sample is None else q.sample - 1
        if q.kind == "E.total":
            values = error_terms(problem.loss, Y, problem.targets).sum(axis=(1, 2))
        elif q.kind == "E":
            values = error_terms(problem.loss, Y, problem.targets)[:, s, problem.network.outputs.index(q.unit)]
        else:
            arrays = fwd.nets if q.kind == "net" else fwd.outs[1:]
            values = np.broadcast_to(arrays[q.layer], (K, *arrays[q.layer].shape[-2:]))[:, s, q.index]
    return _finite(values, q.name, problem)


def _per_point(problem: Any, axes: Sequence[Axis], points: Sequence[np.ndarray], of: str) -> np.ndarray:
    """A backward quantity (delta, grad, new, ...) at every point, one trace each (slower)."""
    from ..limits import require_nameable
    from ..problem.overrides import with_overrides
    from ..trace import build_trace

    names = [a.name for a in axes]
    require_nameable(problem, f"a sweep of {of}", times=len(points[0]))
    values = [build_trace(with_overrides(problem, dict(zip(names, map(float, point)))))[of].value
              for point in zip(*points)]
    return _finite(np.array(values), of, problem)


def _finite(values: np.ndarray, name: str, problem: Any) -> np.ndarray:
    from ..errors import ComputeError

    if not np.all(np.isfinite(values)):
        raise ComputeError(f"{name} overflows float64 somewhere on this sweep; narrow the range", file=problem.source)
    return np.asarray(values, dtype=float)


@dataclass(frozen=True)
class Descent:
    """How the --path was trained: `nncalc train`'s optimizer line, and its updates."""

    optimizer: str
    updates: int


def descent_path(s: Sweep, steps: int) -> Sweep:
    """The path of `nncalc train` from the file's point: the real trainer (nncalc.train), every
    parameter moving, with the file's training settings (optimizer, learning rate, batch size) for
    `steps` updates; after each update the two swept parameters are read off, so the path is the
    training's projection onto the map's axes (its first full-batch SGD step is the worked
    example's new.P = P - eta grad.P)."""
    from ..train import Step, Trainer, settings_from_problem, training_data, with_cli_overrides

    if len(s.axes) != 2 or s.of != "E.total":
        raise UsageError("--path draws gradient descent on a loss map: sweep two parameters of E.total")
    problem = s.problem
    params = {p.name: p for p in problem.network.parameters()}
    chosen = [params[a.name] for a in s.axes]
    settings = with_cli_overrides(settings_from_problem(problem), steps=steps)
    data = training_data(problem, settings)
    trainer = Trainer(problem, settings, data)
    path = [tuple(a.at for a in s.axes)]
    for event in trainer.run():
        if isinstance(event, Step):
            network = trainer.network()
            point = tuple(p.value(network) for p in chosen)
            if not all(map(math.isfinite, point)):
                break
            path.append(point)
    return replace(s, path=np.array(path), descent=Descent(settings.describe_optimizer(), len(path) - 1))
