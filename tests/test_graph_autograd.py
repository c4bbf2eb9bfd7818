"""Values and gradients of random graphs against PyTorch's autograd (float64, 1e-12 relative) and
against central finite differences; every operation of the table appears."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from nncalc.errors import ComputeError
from nncalc.graph import build_graph_trace, graph_problem_from_text
from nncalc.graph.ops import OPS

LEAVES = ("a", "b", "c")
N_GRAPHS = 150
REL = 1e-12


def random_graph(rng: np.random.Generator, size: int) -> tuple[str, dict[str, float]]:
    """Assignments n1..nk, each one operation of OPS on earlier names or a number; leaves a, b, c."""
    names = list(LEAVES)
    lines = []
    ops = sorted(OPS)
    for k in range(1, size + 1):
        op = ops[rng.integers(len(ops))]
        arity = OPS[op].arity
        args = []
        for slot in range(arity):
            if rng.random() < 0.2 and not (op == "pow" and slot == 0):
                args.append(repr(round(float(rng.uniform(0.5, 2.5)), 3)))
            else:
                # recent names mostly, so the graph is deep; a repeated name makes several paths
                args.append(names[max(0, len(names) - 1 - int(rng.integers(min(len(names), 4))))])
        if all(a[0].isdigit() for a in args):
            args[0] = names[-1]                           # every node depends on a leaf
        if op in ("max", "min") and args[0] == args[1]:
            args[1] = "a" if args[0] != "a" else "b"      # a tie would send torch's gradient half each way
        text = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "div": "{} / {}", "pow": "{} ^ {}",
                "neg": "-{}", "id": "{}"}.get(op, op + "(" + ", ".join(["{}"] * arity) + ")")
        lines.append(f"n{k} = " + text.format(*args))
        names.append(f"n{k}")
    lines.append("out = " + " + ".join(f"n{k}" for k in range(max(1, size - 2), size + 1)))
    values = {x: float(rng.uniform(0.3, 1.7)) * (1 if rng.random() < 0.7 else -1) for x in LEAVES}
    return "; ".join(lines), values


@functools.lru_cache(maxsize=None)
def graphs(seed: int = 12):
    """N_GRAPHS random graphs whose values stay in every operation's domain (others redrawn)."""
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < N_GRAPHS:
        text, values = random_graph(rng, int(rng.integers(3, 14)))
        try:
            p = graph_problem_from_text(text, values)
            t = build_graph_trace(p)
        except (ComputeError, Exception) as exc:   # a leaf unused, a domain error: draw again
            if "Usage" in type(exc).__name__ or isinstance(exc, ComputeError):
                continue
            raise
        if all(abs(q.value) < 1e8 for q in t.quantities.values()) and not _ties(p, t):
            found.append((p, t))
    return found


def _ties(p, t) -> bool:
    """A max or min of two equal values: nncalc sends the gradient to the first argument (its stated
    convention), PyTorch half to each; such a graph tests the convention, not the arithmetic."""
    value = lambda a: t[a].value if isinstance(a, str) else a  # noqa: E731
    return any(n.op in ("max", "min") and value(n.args[0]) == value(n.args[1]) for n in p.graph.nodes)


def _torch_values(p, torch):
    import torch.nn.functional as F

    fn = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
          "neg": torch.neg, "id": lambda a: a * 1, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
          "abs": torch.abs, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": F.relu,
          "max": torch.maximum, "min": torch.minimum, "sin": torch.sin, "cos": torch.cos}
    t = {x: torch.tensor(v, dtype=torch.float64, requires_grad=True) for x, v in p.values.items()}
    for n in p.graph.nodes:
        args = [t[a] if isinstance(a, str) else torch.tensor(a, dtype=torch.float64) for a in n.args]
        t[n.name] = fn[n.op](*args)
        if t[n.name].requires_grad:          # a node of numbers only has no gradient to keep
            t[n.name].retain_grad()
    t[p.output].backward()
    return t


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=REL)


def test_random_graphs_use_every_operation():
    used = {n.op for p, _ in graphs() for n in p.graph.nodes}
    assert used == set(OPS)


def test_values_and_gradients_equal_pytorch_autograd():
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (CI installs torch==2.13.0)")
    worst = 0.0
    for p, t in graphs():
        ref = _torch_values(p, torch)
        for name in (*p.graph.leaves, *p.graph.node):
            value, grad = ref[name].item(), (0.0 if ref[name].grad is None else ref[name].grad.item())
            ours_v, ours_g = t[name].value, t[f"d{p.output}/d{name}"].value
            assert _close(ours_v, value), (p.name, name, ours_v, value)
            assert _close(ours_g, grad), (p.name, f"d{p.output}/d{name}", ours_g, grad)
            for a, b in ((ours_v, value), (ours_g, grad)):
                if abs(b) > 1e-300:
                    worst = max(worst, abs(a - b) / abs(b))
    assert worst <= REL
    print(f"worst relative difference from autograd: {worst:.2e}")


def test_gradients_equal_central_finite_differences():
    for p, t in graphs(seed=7)[:80]:
        for x in p.graph.leaves:
            h = 1e-6 * max(1.0, abs(p.values[x]))
            up = build_graph_trace(_moved(p, x, h), with_backward=False)[p.output].value
            down = build_graph_trace(_moved(p, x, -h), with_backward=False)[p.output].value
            numeric = (up - down) / (2 * h)
            grad = t[f"d{p.output}/d{x}"].value
            assert math.isclose(grad, numeric, rel_tol=1e-5, abs_tol=1e-6 * (1 + abs(t[p.output].value))), \
                (p.name, x, grad, numeric)


def _moved(p, x: str, h: float):
    from nncalc.graph.load import with_overrides

    return with_overrides(p, {x: p.values[x] + h})


def test_the_checker_recomputes_every_quantity_as_the_engine_did():
    # Trace.evaluate (the checker's view) from the trace's own values gives every value back exactly
    for p, t in graphs(seed=3)[:60]:
        for name, q in t.quantities.items():
            assert t.evaluate(name, lambda n: t[n].value) == pytest.approx(q.value, rel=1e-15, abs=1e-300)
