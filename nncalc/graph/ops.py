"""The operations of a computational graph: each one's value, local derivatives and notation together.

A new operation is one entry in OPS. `partials(args, out)` gives ∂out/∂arg for every argument slot
(the engine asks only for the slots that hold a named node); `domain(args)` says, before the value
is computed, why the arguments are outside the operation's domain. `derivative(names, out)` writes
each slot's local derivative as a slide would (`2s`, `1`, `x`), from the arguments as written.

Conventions at kinks (stated in docs/graphs.md and tested): relu'(0) = 0, abs'(0) = 0, and max/min
send the whole gradient to the first argument on a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

Args = Sequence[float]
Texts = Sequence[str]

# precedence of a written expression: a sum < a product < a unary minus < a power < a call or name
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Op:
    """One operation: its value, its local derivative per argument, and how both are written."""

    name: str
    arity: int
    value: Callable[..., float]
    partials: Callable[[Args, float], tuple[float, ...]]
    derivative: Callable[[Texts, str], tuple[str, ...]]
    write: Callable[[Texts], str]          # the expression, arguments already parenthesised as needed
    precedence: int = ATOM
    domain: Callable[[Args], str | None] | None = None
    symbol: str = ""                       # the operator or function name, for summaries


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _pow(a: float, b: float) -> float:
    return math.pow(a, b)


def _pow_domain(x: Args) -> str | None:
    a, b = x
    if a == 0 and b < 0:
        return "zero to a negative power is a division by zero"
    if a < 0 and not float(b).is_integer():
        return "a negative number to a non-integer power is not a real number"
    return None


def _pow_partials(x: Args, out: float) -> tuple[float, ...]:
    a, b = x
    da = b * math.pow(a, b - 1) if b != 0 else 0.0
    if a > 0:
        db = out * math.log(a)
    elif a == 0 and b >= 0:
        db = 0.0                      # the limit of a^b ln a as a -> 0+ (PyTorch's convention too)
    else:
        db = math.nan                 # ln a of a negative base: reported by the engine
    return da, db


def times(coefficient: str, factor: str, sym_times: str = "·") -> str:
    """'2s' for a number before a name (as the slides write it), '2·(x + y)' otherwise."""
    if factor[:1].isalpha() and not coefficient[-1:].isalpha() and "^" not in coefficient:
        return f"{coefficient}{factor}"
    return f"{coefficient}{sym_times}{factor}"


def _number_text(x: float) -> str:
    return repr(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


def _pow_derivative(t: Texts, out: str) -> tuple[str, ...]:
    a, b = t
    try:
        n = float(b)
    except ValueError:
        return f"{b}·{a}^({b} - 1)", f"{a}^{b}·ln {a}"
    lower = _number_text(n - 1)
    if n == 2:
        da = times("2", a)
    elif n == 1:
        da = "1"
    else:
        da = times(_number_text(n), f"{a}^{lower}" if not lower.startswith("-") else f"{a}^({lower})")
    return da, f"{a}^{b}·ln {a}"


def _nonzero_divisor(x: Args) -> str | None:
    return "division by zero" if x[1] == 0 else None


def _positive(what: str) -> Callable[[Args], str | None]:
    return lambda x: f"{what} of a non-positive number" if x[0] <= 0 else None


def _unary(name: str, value, partial, derivative: str, domain=None) -> Op:
    return Op(name, 1, value, lambda x, out: (partial(x[0], out),),
              lambda t, out: (derivative.format(a=t[0], out=out),), lambda t: f"{name}({t[0]})",
              domain=domain, symbol=name)


OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", 2, lambda a, b: a + b, lambda x, out: (1.0, 1.0), lambda t, out: ("1", "1"),
       lambda t: f"{t[0]} + {t[1]}", SUM, symbol="+"),
    Op("sub", 2, lambda a, b: a - b, lambda x, out: (1.0, -1.0), lambda t, out: ("1", "-1"),
       lambda t: f"{t[0]} - {t[1]}", SUM, symbol="-"),
    Op("mul", 2, lambda a, b: a * b, lambda x, out: (x[1], x[0]), lambda t, out: (t[1], t[0]),
       lambda t: f"{t[0]}·{t[1]}", PRODUCT, symbol="*"),
    Op("div", 2, lambda a, b: a / b, lambda x, out: (1.0 / x[1], -x[0] / (x[1] * x[1])),
       lambda t, out: (f"1/{t[1]}", f"-{t[0]}/{t[1]}^2"), lambda t: f"{t[0]}/{t[1]}", PRODUCT,
       _nonzero_divisor, symbol="/"),
    Op("pow", 2, _pow, _pow_partials, _pow_derivative, lambda t: f"{t[0]}^{t[1]}", POWER, _pow_domain,
       symbol="^"),
    Op("neg", 1, lambda a: -a, lambda x, out: (-1.0,), lambda t, out: ("-1",), lambda t: f"-{t[0]}", UNARY,
       symbol="-"),
    Op("id", 1, lambda a: a, lambda x, out: (1.0,), lambda t, out: ("1",), lambda t: t[0], symbol="="),
    _unary("exp", math.exp, lambda a, out: out, "exp({a})"),
    _unary("log", math.log, lambda a, out: 1.0 / a, "1/{a}", _positive("log")),
    _unary("sqrt", math.sqrt, lambda a, out: 0.5 / out if out else math.inf, "1/(2·sqrt({a}))",
           lambda x: "sqrt of a negative number" if x[0] < 0 else None),
    _unary("abs", abs, lambda a, out: 1.0 if a > 0 else -1.0 if a < 0 else 0.0, "sign({a})"),
    _unary("tanh", math.tanh, lambda a, out: 1.0 - out * out, "1 - {out}^2"),
    _unary("sigmoid", _sigmoid, lambda a, out: out * (1.0 - out), "{out}·(1 - {out})"),
    _unary("relu", lambda a: a if a > 0 else 0.0, lambda a, out: 1.0 if a > 0 else 0.0, "[{a} > 0]"),
    _unary("sin", math.sin, lambda a, out: math.cos(a), "cos({a})"),
    _unary("cos", math.cos, lambda a, out: -math.sin(a), "-sin({a})"),
    Op("max", 2, lambda a, b: a if a >= b else b, lambda x, out: (1.0, 0.0) if x[0] >= x[1] else (0.0, 1.0),
       lambda t, out: (f"[{t[0]} ≥ {t[1]}]", f"[{t[1]} > {t[0]}]"), lambda t: f"max({t[0]}, {t[1]})",
       symbol="max"),
    Op("min", 2, lambda a, b: a if a <= b else b, lambda x, out: (1.0, 0.0) if x[0] <= x[1] else (0.0, 1.0),
       lambda t, out: (f"[{t[0]} ≤ {t[1]}]", f"[{t[1]} < {t[0]}]"), lambda t: f"min({t[0]}, {t[1]})",
       symbol="min"),
)}

FUNCTIONS = tuple(name for name, op in OPS.items() if op.write(("a",) * op.arity).startswith(f"{name}("))
