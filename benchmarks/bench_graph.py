"""Computational graphs of 10,000 nodes: evaluation and backpropagation time, and the whole trace.

    .venv/bin/python benchmarks/bench_graph.py [--nodes 10000] [--runs 7]

Builds a seeded random graph of that many nodes (every operation of the table; each assignment uses
the one before it and one of the last few nodes or a leaf, so the output depends on every node and
the graph is about as deep as it is long), then times, each as the median
of --runs runs in this process:
  parse       the assignments parsed and validated into a Graph (nncalc.graph.load.build_graph)
  engine      forward + backward (nncalc.graph.engine): every value and every gradient
  trace       build_graph_trace: the engine plus every named quantity (values, local derivatives,
              gradients), what `nncalc backprop --format json` renders
The issue asks for evaluation and backpropagation of 10,000 nodes in under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from nncalc.graph.engine import backward, forward
from nncalc.graph.load import build_graph, graph_problem_from_text
from nncalc.graph.parse import parse_expression
from nncalc.graph.trace import build_graph_trace

# bounded operations only, so that 10,000 of them in a row stay finite
_FORMS = ("{a} + {b}", "{a} - {b}", "{a} * 0.5", "tanh({a})", "sigmoid({a}) * {b}", "sin({a})", "cos({a}) + {b}",
          "max({a}, {b})", "min({a}, {b})", "relu({a}) - {b}", "abs({a}) * 0.5", "-{a}", "{a} / (1 + {b}^2)",
          "exp(-abs({a}))", "log(1 + {a}^2)", "sqrt(1 + {a}^2)")


def _size(form: str) -> int:
    return len(parse_expression("t", form.format(a="p", b="q"), 0, 0, set()))


def statements(nodes: int, seed: int = 0) -> list[str]:
    """Assignments n1 = a * b, n2 = ..., making `nodes` nodes or one or two more."""
    rng = np.random.default_rng(seed)
    sizes = {form: _size(form) for form in _FORMS}
    names, out, count = ["a", "b", "n1"], ["n1 = a * b"], 1
    while count < nodes:
        form = _FORMS[rng.integers(len(_FORMS))]
        a = names[-1]             # a chain: the output depends on every node
        b = names[-1 - int(rng.integers(3))] if rng.random() > 0.05 else "ab"[int(rng.integers(2))]
        name = f"n{len(out) + 1}"
        out.append(f"{name} = " + form.format(a=a, b=b))
        names.append(name)
        count += sizes[form]
    return out


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    lines = statements(args.nodes)
    problem = graph_problem_from_text("; ".join(lines), {"a": 0.3, "b": -0.7})
    g = problem.graph
    values = forward(g, problem.values)
    parse = median_time(lambda: build_graph(lines), args.runs)
    engine = median_time(lambda: backward(g, forward(g, problem.values), problem.output), args.runs)
    trace = median_time(lambda: build_graph_trace(problem), args.runs)
    n_q = len(build_graph_trace(problem).quantities)
    print(f"graph: {len(g.nodes):,} nodes, {len(g.leaves)} leaves, {len(lines):,} assignments; "
          f"output {problem.output} = {values[problem.output] + 0.0:.6g}")
    print(f"median of {args.runs} runs (Python {sys.version.split()[0]}):")
    print(f"  parse   {parse * 1000:8.1f} ms   assignments -> validated graph")
    print(f"  engine  {engine * 1000:8.1f} ms   forward + backward: every value and gradient")
    print(f"  trace   {trace * 1000:8.1f} ms   engine + {n_q:,} named quantities")
    print(f"evaluate + backpropagate under 1 s: {'yes' if engine < 1.0 else 'NO'}")


if __name__ == "__main__":
    main()
