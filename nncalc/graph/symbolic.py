"""`--symbolic`: each gradient as a formula (∂f/∂x = 2·x + y) and its value, by SymPy.

An optional extra (`pip install 'nncalc[symbolic]'`): the formulas come from SymPy's own
differentiation of the whole expression, an independent check of the node-by-node backward pass.
The kinks follow nncalc's conventions (relu and max/min as Piecewise, abs' = sign).
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .model import GraphProblem
from .trace import grad_name

MAX_NODES = 200          # past this the formulas are too long to read (and slow to build)


def _sympy():
    try:
        import sympy
    except ImportError:
        raise UsageError("--symbolic needs SymPy, an optional extra: pip install 'nncalc[symbolic]'") from None
    return sympy


def _ops(sp) -> dict[str, Any]:
    pw = sp.Piecewise
    return {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "neg": lambda a: -a, "id": lambda a: a,
        "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "tanh": sp.tanh,
        "sigmoid": lambda a: 1 / (1 + sp.exp(-a)), "sin": sp.sin, "cos": sp.cos,
        "relu": lambda a: pw((a, a > 0), (0, True)),
        "max": lambda a, b: pw((a, a >= b), (b, True)), "min": lambda a, b: pw((a, a <= b), (b, True)),
    }


def symbolic_gradients(problem: GraphProblem) -> dict[str, tuple[str, float]]:
    """For each leaf x: (the formula of dL/dx in the leaves, its value at the problem's values)."""
    sp = _sympy()
    g = problem.graph
    if len(g.nodes) > MAX_NODES:
        raise UsageError(f"--symbolic: the graph has {len(g.nodes):,} nodes; formulas are written for at most "
                         f"{MAX_NODES}")
    ops = _ops(sp)
    expr: dict[str, Any] = {x: sp.Symbol(x, real=True) for x in g.leaves}
    for n in g.nodes:
        args = [expr[a] if isinstance(a, str) else (sp.Integer(int(a)) if a.is_integer() else sp.Float(a))
                for a in n.args]
        expr[n.name] = ops[n.op](*args)
    out = expr[problem.output]
    subs = {expr[x]: sp.nsimplify(v) if float(v).is_integer() else sp.Float(v, 17) for x, v in problem.values.items()}
    found = {}
    for x in g.leaves:
        d = problem.seed * sp.diff(out, expr[x]) if problem.upstream is not None else sp.diff(out, expr[x])
        d = sp.simplify(d) if sp.count_ops(d) < 60 else d
        found[grad_name(problem, x)] = (sp.sstr(d), float(d.evalf(20, subs=subs)))
    return found


def symbolic_lines(problem: GraphProblem, unicode: bool = True, decimals: int = 9) -> list[str]:
    """'∂f/∂x = 2·x + y = 4', one line per leaf."""
    from ..render.common import Symbols
    from ..notation import symbol
    from ..render.common import fmt_short

    sym = Symbols.for_unicode(unicode)
    lines = ["Symbolic derivatives (SymPy)"]
    for name, (formula, value) in symbolic_gradients(problem).items():
        top, bottom = name[1:].split("/d", 1)
        text = formula.replace("**", "^")
        if unicode:
            text = text.replace("*", "·")
        lines.append(f"  {sym.d}{top}/{sym.d}{symbol(bottom, sym)} = {text} = {fmt_short(value, decimals)}")
    return lines
