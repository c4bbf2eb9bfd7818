"""Work that grows with the input: the size rule for named traces (how many named quantities a
worked example of a problem holds, and the most nncalc builds), and building large records
without pauses of the garbage collector.

A named trace keeps one Python object per value (about a kilobyte with its name and inputs, built
at about 300,000 a second), so every command that names each value (`check`, `names`, `new
answers`, `--format json`, variants, per-point sweeps, the API's `Result`) refuses a problem past
MAX_NAMED before computing anything. The layer-level views (the tables of `forward` and `backprop`,
`gradients`) hold arrays only and have no such limit.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

from .errors import ComputeError

MAX_NAMED = 1_000_000          # in one trace: deep-10x100 with 2 samples names 693,602 (2.5 s, 0.8 GB)
MAX_NAMED_TOTAL = 10_000_000   # over the traces of one command (variants, sweep points): about 30 s


def named_size(problem, with_backward: bool = True) -> int:
    """About how many quantities the problem's named trace holds, from its shape alone: each
    parameter, and per sample its inputs, targets, errors and six values per unit (net, out, dE/dout,
    dout/dnet, delta, a share); backward, each parameter's gradient and update, and per sample a dnet/dP per
    weight and a share dE.V/dout.U per weight above the first layer (within 10% for dense layers);
    in a sequence, each sample's per-sample values once per step."""
    net = problem.network
    n = max(int(problem.lengths.sum()) if problem.lengths is not None else problem.n_samples, 1)
    weights = [sum(prm.array.size for prm in layer.parameters() if prm.kind == "weight") for layer in net.layers]
    units = sum(len(layer.units) for layer in net.layers)
    per_sample = len(net.inputs) + 2 * len(net.outputs) + (6 if with_backward else 2) * units
    size = 2 + net.n_params + n * per_sample
    if with_backward:
        size += 2 * net.n_params + n * (2 * sum(weights) - weights[0])
    return size


def require_nameable(problem, what: str, with_backward: bool = True, times: int = 1) -> None:
    """Refuse (a ComputeError naming the size and the limit) `times` named traces of the problem (one
    per variant or point of a sweep) past MAX_NAMED quantities in one or MAX_NAMED_TOTAL in all."""
    size = named_size(problem, with_backward)
    if size <= MAX_NAMED and size * times <= MAX_NAMED_TOTAL:
        return
    if size > MAX_NAMED:
        each, limit = f"about {size:,} quantities", MAX_NAMED
    else:
        each, limit = f"{times:,} worked examples of about {size:,} quantities", MAX_NAMED_TOTAL
    raise ComputeError(f"{what} needs every value of this network named: {each}, more than nncalc builds "
                       f"({limit:,}); the layer-level tables need no names (nncalc backprop PROBLEM), "
                       "or give fewer samples", file=problem.source)


@contextmanager
def without_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a large record is built: a parsed 5 MB file
    or a trace of 700,000 quantities is a million objects without cycles, and the collections their
    making triggers walk every object made so far (more than half the time of loading the file,
    a third of building the trace; benchmarks/bench_load.py, bench_check.py)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
