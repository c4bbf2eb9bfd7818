"""Graph problem files (`graph:` instead of `network:`), the one-line form, and `--set` for graphs.

```yaml
name: squared error as a computational graph
graph:                          # assignments in order; each name is a node
  - yhat = x * w
  - s = yhat - y
  - L = s^2
values: {x: 1, w: 1, y: 2}      # every leaf
output: L                       # default: the last assignment
parameters: [w]                 # optional: what a gradient step updates
learning_rate: 0.1
upstream: 1                     # optional: dL/d(output) when the graph is part of a larger one
answers: {dL/dw: -2}            # optional, as for networks
```
Every check names the key path and the YAML line (and the column inside an assignment).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import ProblemError, UsageError, suggest
from ..schema import Invalid, located, number
from ..yamlio import Path_, YamlDoc, format_path
from .model import DEFAULT_UPSTREAM_LOSS, Graph, GraphProblem
from .parse import RESERVED, Node, ParseError, parse_expression, split_assignment

TOP_KEYS = ("name", "description", "source", "graph", "values", "output", "parameters", "learning_rate",
            "eta", "upstream", "answers", "vary", "ask", "variant")
MAX_NODES = 1_000_000


def graph_problem_from_doc(doc: YamlDoc) -> GraphProblem:
    """Validate a parsed graph problem file; every failure names the key path and line."""
    try:
        return _problem(doc)
    except Invalid as exc:
        raise located(exc, doc, ProblemError) from None


def _statements(spec: Any) -> list[str]:
    if isinstance(spec, str):
        return [s.strip() for part in spec.splitlines() for s in part.split(";") if s.strip()]
    if not isinstance(spec, list) or not spec:
        raise Invalid(("graph",), "expected a list of assignments such as '- s = yhat - y'")
    for i, s in enumerate(spec):
        if not isinstance(s, str):
            raise Invalid(("graph", i), f"expected an assignment such as 's = yhat - y', got {s!r}")
    return list(spec)


def _place(path: Path_, i: int) -> str:
    """Where assignment i is: graph[i] in a file, 'assignment i+1' in the one-line form."""
    return format_path(path + (i,)) if path else f"assignment {i + 1}"


def build_graph(statements: list[str], path: Path_ = ("graph",)) -> Graph:
    """Parse assignments in order into a graph; a name used before its assignment is a leaf only if
    it is never assigned (else an error), and no name is assigned twice."""
    targets: dict[str, int] = {}
    for i, text in enumerate(statements):
        try:
            target = split_assignment(text)[0]
        except ParseError as exc:
            raise Invalid(path + (i,), str(exc)) from None
        if target in targets:
            raise Invalid(path + (i,), f"'{target}' is already assigned in {_place(path, targets[target])}")
        if target in RESERVED:
            raise Invalid(path + (i,), f"'{target}' is reserved for the learning rate; choose another name")
        targets[target] = i
    nodes: list[Node] = []
    leaves: dict[str, None] = {}
    taken = set(targets)
    for i, text in enumerate(statements):
        target, expr, offset = split_assignment(text)
        try:
            made = parse_expression(target, expr, offset, i, taken)
        except ParseError as exc:
            raise Invalid(path + (i,), f"{exc} in '{text.strip()}'") from None
        for n in made:
            for a in n.args:
                if not isinstance(a, str):
                    continue
                if a in targets and targets[a] >= i:
                    when = "in its own assignment" if targets[a] == i else f"before {_place(path, targets[a])} assigns it"
                    raise Invalid(path + (i,), f"'{a}' is used {when}; assignments are computed in order")
                if a not in taken:
                    if a in RESERVED:
                        raise Invalid(path + (i,), f"'{a}' is reserved for the learning rate; choose another name")
                    leaves[a] = None
                    taken.add(a)
            taken.add(n.name)
        nodes += made
        if len(nodes) > MAX_NODES:
            raise Invalid(path, f"more than {MAX_NODES:,} nodes")
    return Graph(tuple(leaves), tuple(nodes), tuple(s.strip() for s in statements))


def _values(spec: Any, graph: Graph) -> dict[str, float]:
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise Invalid(("values",), "expected a mapping of every leaf to its value, e.g. {x: 1, w: 1, y: 2}")
    for key, v in spec.items():
        if key in graph.node:
            raise Invalid(("values", key), f"'{key}' is assigned in the graph; values are for its leaves "
                                            f"({', '.join(graph.leaves) or 'none'})")
        if key not in graph.leaves:
            raise Invalid(("values", key), f"'{key}' is not used by the graph{suggest(key, graph.leaves)}; "
                                            f"its leaves are {', '.join(graph.leaves) or 'none'}")
    missing = [leaf for leaf in graph.leaves if leaf not in spec]
    if missing:
        raise Invalid(("values",), f"missing the value of {', '.join(missing)} (every leaf needs one)")
    return {leaf: number(spec[leaf], ("values", leaf)) for leaf in graph.leaves}


def _problem(doc: YamlDoc) -> GraphProblem:
    spec = doc.data
    for key in spec:
        if key not in TOP_KEYS:
            raise Invalid((key,), f"unknown key '{key}'{suggest(key, TOP_KEYS)}; a graph problem has "
                                   f"{', '.join(TOP_KEYS)}")
    graph = build_graph(_statements(spec["graph"]))
    name = spec.get("name") or (Path(doc.file).stem if doc.file else "graph")
    lines = tuple(doc.line_of(("graph", i)) for i in range(len(graph.statements))) \
        if isinstance(spec["graph"], list) else ()
    return _finish(graph, spec, str(name), doc, lines)


def _finish(graph: Graph, spec: dict, name: str, doc: YamlDoc | None, lines: tuple) -> GraphProblem:
    values = _values(spec.get("values"), graph)
    output = spec.get("output", graph.nodes[-1].name)
    if output not in graph.node or graph.node[output].generated:
        hint = " (a leaf; the output must be computed)" if output in graph.leaves else ""
        raise Invalid(("output",), f"'{output}' is not an assigned node{hint}; expected one of "
                                    f"{', '.join(n.name for n in graph.nodes if not n.generated)}")
    params = spec.get("parameters", [])
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise Invalid(("parameters",), "expected a list of leaf names, e.g. [w]")
    for i, p in enumerate(params):
        if p not in graph.leaves:
            raise Invalid(("parameters", i), f"'{p}' is not a leaf of the graph ({', '.join(graph.leaves)})")
    if "learning_rate" in spec and "eta" in spec:
        raise Invalid(("eta",), "give the learning rate once, as learning_rate or eta")
    rate_key = "eta" if "eta" in spec else "learning_rate"
    learning_rate = number(spec.get(rate_key, 0.1), (rate_key,))
    upstream = None
    if spec.get("upstream") is not None:
        upstream = number(spec["upstream"], ("upstream",))
        taken = DEFAULT_UPSTREAM_LOSS in graph.node or DEFAULT_UPSTREAM_LOSS in graph.leaves
        if taken:
            raise Invalid(("upstream",), f"with an upstream gradient the gradients are of a loss "
                                          f"{DEFAULT_UPSTREAM_LOSS} beyond the graph (dL/d{output} = {upstream:g}); "
                                          f"rename the graph's own '{DEFAULT_UPSTREAM_LOSS}'")
    answers = spec.get("answers")
    if answers is not None and not isinstance(answers, dict):
        raise Invalid(("answers",), "expected a mapping of quantity names to numbers")
    from ..vary import parse_ask, parse_graph_vary

    variant = spec.get("variant")
    if variant is not None and (isinstance(variant, (bool, list, dict)) or not str(variant).strip()):
        raise Invalid(("variant",), "expected a variant id")
    return GraphProblem(name, graph, MappingProxyType(values), output, tuple(dict.fromkeys(params)),
                        learning_rate, upstream, None if doc is None else doc.file, answers, doc, lines,
                        rate_key in spec, vary=parse_graph_vary(spec.get("vary"), graph.leaves),
                        ask=parse_ask(spec.get("ask"), doc), variant=None if variant is None else str(variant))


def graph_problem_from_text(text: str, values: dict[str, float], upstream: float | None = None,
                            parameters: tuple[str, ...] = (), learning_rate: float = 0.1) -> GraphProblem:
    """The one-line form: 'yhat = x*w; s = yhat - y; L = s^2' and the leaves' values."""
    spec: dict[str, Any] = {"values": values, "parameters": list(parameters), "learning_rate": learning_rate}
    if upstream is not None:
        spec["upstream"] = upstream
    try:
        graph = build_graph(_statements(text), ())
        return _finish(graph, spec, text.strip(), None, ())
    except Invalid as exc:
        where = format_path(exc.path)
        if exc.path and isinstance(exc.path[0], int):
            where = f"assignment {exc.path[0] + 1}"
        raise UsageError(f"{where}: {exc.message}" if where else exc.message) from None


def settable_names(problem: GraphProblem) -> list[str]:
    """Every name `--set` accepts for a graph: its leaves and the learning rate."""
    return [*problem.graph.leaves, "eta", "learning_rate"]


def with_overrides(problem: GraphProblem, overrides: dict[str, float]) -> GraphProblem:
    """A copy with leaf values or the learning rate replaced by name (`--set x=3`)."""
    if not overrides:
        return problem
    values = dict(problem.values)
    rate, given = problem.learning_rate, problem.learning_rate_given
    for name, value in overrides.items():
        if not math.isfinite(value):
            raise UsageError(f"--set {name}: expected a finite number, got {value}", file=problem.source)
        if name in ("eta", "learning_rate"):
            rate, given = value, True
        elif name in values:
            values[name] = value
        else:
            what = " (a computed node; set the leaves it comes from)" if name in problem.graph.node else ""
            raise UsageError(f"--set {name}: not a leaf of the graph{what}"
                             f"{suggest(name, settable_names(problem)) if not what else ''}; leaves: "
                             f"{', '.join(problem.graph.leaves)}", file=problem.source)
    return replace(problem, values=MappingProxyType(values), learning_rate=rate, learning_rate_given=given)
