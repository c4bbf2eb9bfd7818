"""The trace: every value of a forward and backward pass as a named quantity.

Each quantity records how it follows from other named quantities (`op` and `inputs`), as
micrograd's Value remembers `_op` and `_prev`. Renderers walk this record; the checker re-evaluates
a quantity from a student's own upstream values with `Trace.evaluate`. Values come from the
engine's arrays; `evaluate` applies the same activation and loss tables to single numbers.

Names (the contract): inputs `i1`, parameters `w5` `b1`, `eta`, `target.o1`; `net.U`, `out.U`,
`E.O`, `E.total`, `dE/dout.U`, `dout/dnet.U`, `delta.U`, `dE.V/dout.U` (the part of dE/dout.U that
flows through downstream unit V), `dnet.U/dP` (the factor multiplying delta.U in grad.P), `grad.P`,
`new.P`. With more than one sample, per-sample names end in `@k` (k from 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np

from .engine import Backward, Forward, backward, descent_step, error_terms, forward
from .errors import ComputeError
from .finite import all_finite, explain_nonfinite, first_nonfinite, fsum
from .ops import LOSSES, fused_delta
from .problem import Problem


@dataclass(slots=True)
class Quantity:
    """One named value and how it was computed from `inputs` by `op`.

    Treat it as read-only. It is not a frozen dataclass because a frozen one's __init__ is three
    times slower, and a 20,000-weight network has about 100,000 quantities."""

    name: str
    value: float
    kind: str
    op: str = "leaf"
    inputs: tuple[str, ...] = ()
    layer: int | None = None      # the layer index the op needs (activation, softmax)
    index: int | None = None      # the unit's position in its layer (softmax, fused deltas)
    unit: str | None = None
    sample: int | None = None     # 1-based
    param: str | None = None
    step: int | None = None       # the time step of a recurrent layer; None in a feed-forward pass
    via: str | None = None        # a share of dE/dout.U: the unit V of the layer above it flows through
    base: str = ""                # the name without its sample suffix (net.h1 for net.h1@2)


@dataclass
class Trace:
    """All named quantities of one problem, in the order a derivation reads them."""

    problem: Problem
    quantities: dict[str, Quantity]
    fwd: Forward
    bwd: Backward | None = None
    E: np.ndarray | None = None     # (n, m) error terms

    def __getitem__(self, name: str) -> Quantity:
        return self.quantities[name]

    def __contains__(self, name: str) -> bool:
        return name in self.quantities

    def values(self) -> dict[str, float]:
        return {name: q.value for name, q in self.quantities.items()}

    @property
    def has_backward(self) -> bool:
        return self.bwd is not None

    def new_weights(self, li: int) -> np.ndarray:
        """Layer li's W - eta grad W as an array (a layer-level view has no per-weight quantities)."""
        return descent_step(self.problem.network.layers[li].weights, self.problem.learning_rate, self.bwd.grad_W[li])

    def evaluate(self, name: str, value_of: Callable[[str], float]) -> float:
        """Recompute quantity `name` from its inputs' values as given by value_of (e.g. a student's).
        A student's numbers may overflow on the way: the result is then inf or NaN, without a warning."""
        q = self.quantities[name]
        x = [value_of(n) for n in q.inputs]
        if q.op in _PLAIN_OPS:
            return _OPS[q.op](self, q, x)
        with np.errstate(all="ignore"):
            return _OPS[q.op](self, q, x)


# ---------------------------------------------------------------- evaluating one quantity

def _sumprod(x: list[float]) -> float:
    total = sum(a * b for a, b in zip(x[0::2], x[1::2]))
    return total + x[-1] if len(x) % 2 else total


def _act(t: Trace, q: Quantity, x: list[float]) -> float:
    return float(t.problem.network.layers[q.layer].activation(np.array(x[0])))


def _dact(t: Trace, q: Quantity, x: list[float]) -> float:
    return float(t.problem.network.layers[q.layer].activation.derivative(np.array(x[0]), np.array(x[1])))


def _loss_part(t: Trace, fn_name: str, x: list[float]) -> float:
    loss = LOSSES[t.problem.loss]
    fn = getattr(loss, fn_name)
    return float(fn(np.array(x[0]), np.array(x[1]))) / loss.divisor(*t.problem.targets.shape)


def _fused(t: Trace, q: Quantity, x: list[float]) -> float:
    # inputs: this unit's out, then the sample's targets in output order
    m = len(x) - 1
    Y = np.zeros((1, m))
    Y[0, q.index] = x[0]
    T = np.array([x[1:]])
    fused = fused_delta(t.problem.network.layers[-1].activation.name, t.problem.loss)
    return float(fused.delta(Y, T)[0, q.index]) / LOSSES[t.problem.loss].divisor(*t.problem.targets.shape)


_OPS: dict[str, Callable[[Trace, Quantity, list[float]], float]] = {
    "leaf": lambda t, q, x: q.value,
    "sum": lambda t, q, x: fsum(x),
    "prod": lambda t, q, x: math.prod(x),
    "sumprod": lambda t, q, x: _sumprod(x),
    "act": _act,
    "softmax": lambda t, q, x: float(t.problem.network.layers[q.layer].activation(np.array(x))[q.index]),
    "dact": _dact,
    "loss": lambda t, q, x: _loss_part(t, "term", x),
    "dloss": lambda t, q, x: _loss_part(t, "dterm", x),
    "fused": _fused,
    "update": lambda t, q, x: descent_step(x[0], x[1], x[2]),
}
_PLAIN_OPS = frozenset({"leaf", "prod", "sumprod", "update"})  # Python floats: inf or NaN, never a warning


# ---------------------------------------------------------------- building the trace

def build_trace(problem: Problem, with_backward: bool = True, named: bool = True) -> Trace:
    """Run the engine on the problem's samples and name every value it computed.

    Backward (and errors) only when the problem has targets and with_backward is set. named=False
    keeps only the arrays and E.total: for networks shown layer by layer, where a quantity per
    weight and sample would cost seconds and hundreds of megabytes to no purpose.
    """
    X, T = problem.inputs, problem.targets
    layers = problem.network.layers
    bwd = E = None
    with np.errstate(all="ignore"):         # a value that is not finite is refused below, by name
        fwd = forward(layers, X, exact_zeros=True)
        if T is not None:
            E = error_terms(problem.loss, fwd.output, T)
            if with_backward:
                try:
                    bwd = backward(layers, problem.loss, fwd, T)
                except ComputeError as exc:
                    raise exc.located(file=problem.source) from None
        if not _all_finite(problem, fwd, bwd, E):
            quantities = TraceBuilder(problem, fwd, bwd, E).build()
            q = first_nonfinite(quantities)
            raise ComputeError(explain_nonfinite(q, quantities, problem.loss), file=problem.source)
    if not named:
        total = {} if E is None else {"E.total": Quantity("E.total", fsum(E.ravel().tolist()), "E.total")}
        return Trace(problem, total, fwd, bwd, E)
    return Trace(problem, TraceBuilder(problem, fwd, bwd, E).build(), fwd, bwd, E)


def _all_finite(problem: Problem, fwd: Forward, bwd: Backward | None, E: np.ndarray | None) -> bool:
    """Whether every value the trace would show is finite: nets, outs, errors and their total, and
    with a backward pass every factor, delta, gradient and updated parameter."""
    arrays = [*fwd.nets, *fwd.outs]
    if E is not None:
        arrays += [E, np.array(fsum(E.ravel().tolist()))]
    if bwd is not None:
        arrays += [*bwd.dE_dout, *bwd.dout_dnet, *bwd.delta]
        for layer, grads in zip(problem.network.layers, bwd.grads):
            for prm, grad in zip(layer.parameters(), grads):
                arrays += [grad, descent_step(prm.array, problem.learning_rate, grad)]
    return all_finite(arrays)


class TraceBuilder:
    """Names every value of one pass, in the order a derivation reads them. The generic parts live
    here (given values, outs, errors, deltas, updates); each layer type names its own quantities
    (nets, the shares of dE/dout flowing down through it, its parameters' gradients) through
    `add`, `at`, `sample` and `gradient`."""

    def __init__(self, problem: Problem, fwd: Forward, bwd: Backward | None, E: np.ndarray | None) -> None:
        self.problem, self.fwd, self.bwd, self.E = problem, fwd, bwd, E
        self.q: dict[str, Quantity] = {}
        self.many = problem.n_samples > 1
        self.eta = problem.learning_rate

    def at(self, name: str, k: int) -> str:
        """The name of sample k's (0-based) value: name@k+1 when there are several samples."""
        return f"{name}@{k + 1}" if self.many else name

    def sample(self, k: int) -> int | None:
        return k + 1 if self.many else None

    def add(self, name: str, value, kind: str, op: str = "leaf", inputs: Iterable[str] = (), *,
            base: str | None = None, **kw) -> str:
        """Record one quantity; base is its name without the sample suffix (default: name)."""
        self.q[name] = Quantity(name, float(value), kind, op, tuple(inputs), base=base or name, **kw)
        return name

    def add_at(self, base: str, k: int, value, kind: str, op: str = "leaf", inputs: Iterable[str] = (), **kw) -> str:
        """add() for sample k's value of `base`, with its sample number."""
        return self.add(self.at(base, k), value, kind, op, inputs, base=base, sample=self.sample(k), **kw)

    def build(self) -> dict[str, Quantity]:
        p, net = self.problem, self.problem.network
        self._given()
        for k in range(p.n_samples):
            for li, layer in enumerate(net.layers):
                self._outs(li, k, layer.trace_nets(self, li, k, self.below(li, k)))
        if self.E is not None:
            self._errors()
        if self.bwd is not None:
            for li in range(len(net.layers) - 1, -1, -1):
                for k in range(p.n_samples):
                    self._backward_units(li, k)
                net.layers[li].trace_gradients(self, li, [self.below(li, k) for k in range(p.n_samples)])
        return self.q

    def _given(self) -> None:
        p, net = self.problem, self.problem.network
        self.add("eta", p.learning_rate, "rate")
        for prm in net.parameters():
            self.add(prm.name, prm.value(net), "param", param=prm.name, layer=prm.layer)
        for k in range(p.n_samples):
            for i, name in enumerate(net.inputs):
                self.add_at(name, k, p.inputs[k, i], "input", unit=name)
            if p.targets is not None:
                for j, o in enumerate(net.outputs):
                    self.add_at(f"target.{o}", k, p.targets[k, j], "target", unit=o)

    def below(self, li: int, k: int) -> list[str]:
        """Names of the values feeding layer li in sample k: inputs, or out.U of the layer below."""
        net = self.problem.network
        if li == 0:
            return [self.at(i, k) for i in net.inputs]
        return [self.at(f"out.{u}", k) for u in net.layers[li - 1].units]

    def _outs(self, li: int, k: int, nets: list[str]) -> None:
        """out.U = f(net.U), or softmax over every net of the layer."""
        layer = self.problem.network.layers[li]
        for j, u in enumerate(layer.units):
            op, inputs = ("softmax", nets) if layer.activation.fn.joint else ("act", [nets[j]])
            self.add_at(f"out.{u}", k, self.fwd.outs[li + 1][k, j], "out", op, inputs, layer=li, index=j, unit=u)

    def _errors(self) -> None:
        p, net = self.problem, self.problem.network
        for k in range(p.n_samples):
            for j, o in enumerate(net.outputs):
                self.add_at(f"E.{o}", k, self.E[k, j], "E", "loss", (self.at(f"out.{o}", k), self.at(f"target.{o}", k)),
                            unit=o)
        terms = [self.at(f"E.{o}", k) for k in range(p.n_samples) for o in net.outputs]
        self.add("E.total", fsum(self.E.ravel().tolist()), "E.total", "sum", terms)

    def _backward_units(self, li: int, k: int) -> None:
        """dE/dout.U (from the loss, or the sum of its shares through the layer above), dout/dnet.U
        and delta.U for every unit of layer li in sample k."""
        p, net, bwd = self.problem, self.problem.network, self.bwd
        layer = net.layers[li]
        is_output = li == len(net.layers) - 1
        fused = is_output and fused_delta(layer.activation.name, p.loss) is not None
        for j, u in enumerate(layer.units):
            out, tgt = self.at(f"out.{u}", k), self.at(f"target.{u}", k)
            where = dict(layer=li, index=j, unit=u)
            if is_output:
                dE = self.add_at(f"dE/dout.{u}", k, bwd.dE_dout[li][k, j], "dE/dout", "dloss", (out, tgt), **where)
            else:
                shares = net.layers[li + 1].trace_shares(self, li, k, j, u)
                dE = self.add_at(f"dE/dout.{u}", k, bwd.dE_dout[li][k, j], "dE/dout", "sum", shares, **where)
            dact = None
            if bwd.dout_dnet[li] is not None:
                dact = self.add_at(f"dout/dnet.{u}", k, bwd.dout_dnet[li][k, j], "dout/dnet", "dact",
                                   (self.at(f"net.{u}", k), out), **where)
            if fused:
                targets = [self.at(f"target.{o}", k) for o in net.outputs]
                self.add_at(f"delta.{u}", k, bwd.delta[li][k, j], "delta", "fused", [out] + targets, **where)
            else:
                self.add_at(f"delta.{u}", k, bwd.delta[li][k, j], "delta", "prod", (dE, dact), **where)

    def gradient(self, name: str, grad: float, op: str, inputs: list[str], li: int, unit: str | None) -> None:
        """grad.P and the gradient-descent step new.P = P - eta grad.P."""
        g = self.add(f"grad.{name}", grad, "grad", op, inputs, layer=li, unit=unit, param=name)
        value = descent_step(self.q[name].value, self.eta, float(grad))
        self.add(f"new.{name}", value, "new", "update", (name, "eta", g), layer=li, unit=unit, param=name)


def values_of(trace: Trace, overrides: Mapping[str, float]) -> Callable[[str], float]:
    """A value_of for Trace.evaluate: the override where given, else the trace's own value."""
    return lambda name: overrides[name] if name in overrides else trace.quantities[name].value
