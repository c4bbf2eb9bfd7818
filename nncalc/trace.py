"""The trace: every value of a forward and backward pass as a named quantity.

Each quantity records how it follows from other named quantities (`op` and `inputs`), as
micrograd's Value remembers `_op` and `_prev`. Renderers walk this record; the checker re-evaluates
a quantity from a student's own upstream values with `Trace.evaluate`. Values come from the
engine's arrays; `evaluate` applies the same activation and loss tables to single numbers
(`nncalc.trace_ops`).

Names (the contract): inputs `i1`, parameters `w5` `b1`, `eta`, `target.o1`; `net.U`, `out.U`,
`E.O`, `E.total`, `dE/dout.U`, `dout/dnet.U`, `delta.U`, `dE.V/dout.U` (the part of dE/dout.U that
flows through downstream unit V), `dnet.U/dP` (the factor multiplying delta.U in grad.P), `grad.P`,
`new.P`. With more than one sample, per-sample names end in `@k` (k from 1).

Sequence problems (a recurrent layer): every per-step value carries its step t = 1..T in brackets
after the unit, before the sample suffix: `x1[2]`, `net.h1[2]@3`, `out.y[1]`, `E.y[2]`,
`dE/dout.h1[1]` (the total: the shares through the layer above at step t and through the layer's
own units at step t+1, `dE.h1[2]/dout.h1[1]`), `delta.h1[1]`, `dnet.h1[2]/dwh1`; `out.h1[0]` is
the initial state (kind "state", a given number); `grad.P` is summed over steps and samples.
Only a sample's own steps are named (never its padding), and only targeted steps have `E.y[t]`,
`target.y[t]` and the output layer's backward quantities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import numpy as np

from .engine import Backward, Forward, backward, descent_step, error_terms, forward, output_fused
from .errors import ComputeError
from .finite import all_finite, explain_nonfinite, first_nonfinite, fsum
from .ops import LOSSES
from .problem import Problem
from .trace_ops import evaluate_op


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

    def divisor(self) -> int:
        return loss_divisor(self.problem)

    def through_next_step(self, name: str) -> bool:
        """Whether share `name` is a recurrent path: dE.V[t+1]/dout.U[t], the part of dE/dout.U[t]
        that flows through unit V of U's own layer at the next step (its delta input is at t+1)."""
        q = self.quantities[name]
        return (q.kind == "share" and q.step is not None and q.op in ("prod", "sumprod")
                and self.quantities[q.inputs[0]].step == q.step + 1)

    def new_weights(self, li: int) -> np.ndarray:
        """Layer li's W - eta grad W as an array (a layer-level view has no per-weight quantities)."""
        return descent_step(self.problem.network.layers[li].weights, self.problem.learning_rate, self.bwd.grad_W[li])

    def evaluate(self, name: str, value_of: Callable[[str], float]) -> float:
        """Recompute quantity `name` from its inputs' values as given by value_of (e.g. a student's).
        A student's numbers may overflow on the way: the result is then inf or NaN, without a warning."""
        q = self.quantities[name]
        return evaluate_op(self, q, [value_of(n) for n in q.inputs])


def loss_divisor(problem: Problem) -> int:
    """What the loss divides its terms by: 1, the samples or every value; in a sequence each
    targeted (sample, step) pair counts as a sample."""
    T, mask = problem.targets, problem.target_mask
    n = T.shape[0] if mask is None else int(mask.sum())
    return LOSSES[problem.loss].divisor(n, T.shape[-1])


# ---------------------------------------------------------------- building the trace

def build_trace(problem: Problem, with_backward: bool = True, named: bool = True) -> Trace:
    """Run the engine on the problem's samples and name every value it computed.

    Backward (and errors) only when the problem has targets and with_backward is set. named=False
    keeps only the arrays and E.total: for networks shown layer by layer, where a quantity per
    weight and sample would cost seconds and hundreds of megabytes to no purpose.
    """
    X, T, mask = problem.inputs, problem.targets, problem.target_mask
    layers = problem.network.layers
    bwd = E = None
    with np.errstate(all="ignore"):         # a value that is not finite is refused below, by name
        fwd = forward(layers, X, exact_zeros=True)
        if T is not None:
            E = error_terms(problem.loss, fwd.output, T, mask)
            if with_backward:
                try:
                    bwd = backward(layers, problem.loss, fwd, T, mask=mask)
                except ComputeError as exc:
                    raise exc.located(file=problem.source) from None
        E_total = None if E is None else fsum(E.ravel().tolist())
        if not _all_finite(problem, fwd, bwd, E, E_total):
            quantities = TraceBuilder(problem, fwd, bwd, E, E_total).build()
            q = first_nonfinite(quantities)
            raise ComputeError(explain_nonfinite(q, quantities, problem.loss), file=problem.source)
    if not named:
        total = {} if E is None else {"E.total": Quantity("E.total", E_total, "E.total")}
        return Trace(problem, total, fwd, bwd, E)
    return Trace(problem, TraceBuilder(problem, fwd, bwd, E, E_total).build(), fwd, bwd, E)


def _all_finite(problem: Problem, fwd: Forward, bwd: Backward | None, E: np.ndarray | None,
                E_total: float | None) -> bool:
    """Whether every value the trace would show is finite: nets, outs, errors and their total, and
    with a backward pass every factor, delta, gradient and updated parameter (in a sequence, at
    each sample's own steps: its padding is never shown)."""
    steps = [*fwd.nets, *fwd.outs]
    if bwd is not None:
        steps += [*bwd.dE_dout, *bwd.dout_dnet, *bwd.delta]
    if problem.lengths is not None:
        valid = np.arange(problem.n_steps) < problem.lengths[:, None]
        steps = [a[valid] for a in steps if a is not None]
    arrays = steps
    if E is not None:
        arrays += [E, np.array(E_total)]
    if bwd is not None:
        for layer, grads in zip(problem.network.layers, bwd.grads):
            for prm, grad in zip(layer.parameters(), grads):
                arrays += [grad, descent_step(prm.array, problem.learning_rate, grad)]
    return all_finite(arrays)


class TraceBuilder:
    """Names every value of one pass, in the order a derivation reads them. The generic parts live
    here (given values, outs, errors, deltas, updates); each layer type names its own quantities
    (nets, the shares of dE/dout flowing down through it, its parameters' gradients) through
    `add`, `at`, `sample` and `gradient`."""

    def __init__(self, problem: Problem, fwd: Forward, bwd: Backward | None, E: np.ndarray | None,
                 E_total: float | None) -> None:
        self.problem, self.fwd, self.bwd, self.E = problem, fwd, bwd, E
        self.E_total = E_total      # the sum of E, computed once by build_trace
        self.q: dict[str, Quantity] = {}
        self.many = problem.n_samples > 1
        self.eta = problem.learning_rate
        self.sequence = problem.lengths is not None

    def at(self, name: str, k: int) -> str:
        """The name of sample k's (0-based) value: name@k+1 when there are several samples."""
        return f"{name}@{k + 1}" if self.many else name

    def sample(self, k: int) -> int | None:
        return k + 1 if self.many else None

    @staticmethod
    def st(unit: str, t: int | None) -> str:
        """unit[t] at step t of a sequence; the unit alone in a feed-forward pass (t None)."""
        return unit if t is None else f"{unit}[{t}]"

    @staticmethod
    def ix(k: int, t: int | None) -> tuple[int, ...]:
        """The index of sample k (0-based) at step t (1-based) in an engine array."""
        return (k,) if t is None else (k, t - 1)

    @staticmethod
    def rows(array: np.ndarray, positions: list[tuple[int, int | None]]) -> list[list[float]]:
        """The array's rows at these (sample, step) positions, as lists (fast per element)."""
        if positions and positions[0][1] is None:
            return array.tolist() if len(positions) == len(array) else array[[k for k, _ in positions]].tolist()
        return array[[k for k, _ in positions], [t - 1 for _, t in positions]].tolist()

    def steps(self, k: int) -> range:
        """Sample k's own steps 1..T_k (range(1) meaning no step, feed-forward: see positions)."""
        return range(1, int(self.problem.lengths[k]) + 1)

    def targeted(self, k: int, t: int | None) -> bool:
        """Whether sample k has a target at step t (always, feed-forward)."""
        return t is None or bool(self.problem.target_mask[k, t - 1])

    def positions(self, li: int) -> list[tuple[int, int | None]]:
        """The (sample, step) pairs at which layer li has backward quantities: every sample (feed-
        forward), every sample's own steps, and for the output layer only its targeted steps."""
        n = self.problem.n_samples
        if not self.sequence:
            return [(k, None) for k in range(n)]
        only_targeted = self.only_targeted(li)
        return [(k, t) for k in range(n) for t in self.steps(k) if not only_targeted or self.targeted(k, t)]

    def only_targeted(self, li: int) -> bool:
        """Whether layer li has backward values only at targeted steps: a dense output layer in a sequence."""
        layers = self.problem.network.layers
        return self.sequence and li == len(layers) - 1 and not layers[li].sequence

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
            for t in self.steps(k) if self.sequence else (None,):
                for li, layer in enumerate(net.layers):
                    nets = layer.trace_nets(self, li, k, self.below(li, k, t), t)
                    if nets is not None:        # None: the layer named its outs itself (lstm)
                        self._outs(li, k, nets, t)
        if self.E is not None:
            self._errors()
        if self.bwd is not None:
            for li in range(len(net.layers) - 1, -1, -1):
                positions = self.positions(li)
                for k, t in sorted(positions, key=lambda pos: (pos[0], -(pos[1] or 0))):
                    self._backward_units(li, k, t)
                net.layers[li].trace_gradients(self, li, {(k, t): self.below(li, k, t) for k, t in positions})
        return self.q

    def _given(self) -> None:
        p, net = self.problem, self.problem.network
        self.add("eta", p.learning_rate, "rate")
        for prm in net.parameters():
            self.add(prm.name, prm.value(net), "param", param=prm.name, layer=prm.layer)
        for k in range(p.n_samples):
            for li, layer in enumerate(net.layers):
                if layer.sequence:
                    layer.trace_given(self, li, k)
            for t in self.steps(k) if self.sequence else (None,):
                for i, name in enumerate(net.inputs):
                    self.add_at(self.st(name, t), k, p.inputs[self.ix(k, t) + (i,)], "input", unit=name, step=t)
                if p.targets is not None and self.targeted(k, t):
                    for j, o in enumerate(net.outputs):
                        self.add_at(f"target.{self.st(o, t)}", k, p.targets[self.ix(k, t) + (j,)], "target",
                                    unit=o, step=t)

    def below(self, li: int, k: int, t: int | None = None) -> list[str]:
        """Names of the values feeding layer li in sample k (at step t): inputs, or out.U of the layer below."""
        net = self.problem.network
        if li == 0:
            return [self.at(self.st(i, t), k) for i in net.inputs]
        return [self.at(f"out.{self.st(u, t)}", k) for u in net.layers[li - 1].units]

    def _outs(self, li: int, k: int, nets: list[str], t: int | None = None) -> None:
        """out.U = f(net.U), or softmax over every net of the layer."""
        layer = self.problem.network.layers[li]
        outs = self.fwd.outs[li + 1][self.ix(k, t)]
        for j, u in enumerate(layer.units):
            op, inputs = ("softmax", nets) if layer.activation.fn.joint else ("act", [nets[j]])
            self.add_at(f"out.{self.st(u, t)}", k, outs[j], "out", op, inputs, layer=li, index=j, unit=u, step=t)

    def _errors(self) -> None:
        net = self.problem.network
        terms = []
        for k, t in self.positions(len(net.layers) - 1):
            if not self.targeted(k, t):
                continue
            E = self.E[self.ix(k, t)]
            for j, o in enumerate(net.outputs):
                o_t = self.st(o, t)
                terms.append(self.add_at(f"E.{o_t}", k, E[j], "E", "loss",
                                         (self.at(f"out.{o_t}", k), self.at(f"target.{o_t}", k)), unit=o, step=t))
        self.add("E.total", self.E_total, "E.total", "sum", terms)

    def _backward_units(self, li: int, k: int, t: int | None = None) -> None:
        """dE/dout.U (from the loss, or the sum of its shares through the layer above and, in a
        recurrent layer, through its own next step), dout/dnet.U and delta.U for every unit of
        layer li in sample k (at step t)."""
        p, net, bwd = self.problem, self.problem.network, self.bwd
        layer = net.layers[li]
        is_output = li == len(net.layers) - 1
        fused = is_output and output_fused(net.layers, p.loss) is not None
        at = self.ix(k, t)
        for j, u in enumerate(layer.units):
            u_t = self.st(u, t)
            out, tgt = self.at(f"out.{u_t}", k), self.at(f"target.{u_t}", k)
            where = dict(layer=li, index=j, unit=u, step=t)
            dE_value = bwd.dE_dout[li][at + (j,)]
            if is_output and not layer.sequence:
                dE = self.add_at(f"dE/dout.{u_t}", k, dE_value, "dE/dout", "dloss", (out, tgt), **where)
            else:
                shares = self._shares(li, k, j, u, t)
                dE = self.add_at(f"dE/dout.{u_t}", k, dE_value, "dE/dout", "sum", shares, **where)
            if hasattr(layer, "trace_backward_unit"):       # a cell of its own past dE/dout (lstm)
                layer.trace_backward_unit(self, li, k, j, u, t, dE)
                continue
            dact = None
            if bwd.dout_dnet[li] is not None:
                dact = self.add_at(f"dout/dnet.{u_t}", k, bwd.dout_dnet[li][at + (j,)], "dout/dnet", "dact",
                                   (self.at(f"net.{u_t}", k), out), **where)
            if fused:
                targets = [self.at(f"target.{self.st(o, t)}", k) for o in net.outputs]
                self.add_at(f"delta.{u_t}", k, bwd.delta[li][at + (j,)], "delta", "fused", [out] + targets, **where)
            else:
                self.add_at(f"delta.{u_t}", k, bwd.delta[li][at + (j,)], "delta", "prod", (dE, dact), **where)

    def _shares(self, li: int, k: int, j: int, u: str, t: int | None) -> list[str]:
        """The parts of dE/dout.U (unit j of layer li): through the layer above (at step t; for
        a recurrent output layer, the loss's own share) and through the unit's own next step."""
        net = self.problem.network
        layer = net.layers[li]
        shares: list[str] = []
        if li == len(net.layers) - 1:
            if self.targeted(k, t):
                u_t = self.st(u, t)
                out, target = self.fwd.outs[li + 1][k, t - 1, j], self.problem.targets[k, t - 1, j]
                value = LOSSES[self.problem.loss].dterm(np.array(out), np.array(target)) / loss_divisor(self.problem)
                shares.append(self.add_at(f"dE.E.{u_t}/dout.{u_t}", k, value, "share", "dloss",
                                          (self.at(f"out.{u_t}", k), self.at(f"target.{u_t}", k)),
                                          layer=li, index=j, unit=u, step=t))
        elif not self.only_targeted(li + 1) or self.targeted(k, t):
            shares += net.layers[li + 1].trace_shares(self, li, k, j, u, t)
        if layer.sequence and t < self.problem.lengths[k]:
            shares += layer.trace_recurrent_shares(self, li, k, j, u, t)
        return shares

    def gradient(self, name: str, grad: float, op: str, inputs: list[str], li: int, unit: str | None) -> None:
        """grad.P and the gradient-descent step new.P = P - eta grad.P."""
        g = self.add(f"grad.{name}", grad, "grad", op, inputs, layer=li, unit=unit, param=name)
        value = descent_step(self.q[name].value, self.eta, float(grad))
        self.add(f"new.{name}", value, "new", "update", (name, "eta", g), layer=li, unit=unit, param=name)


def values_of(trace: Trace, overrides: Mapping[str, float]) -> Callable[[str], float]:
    """A value_of for Trace.evaluate: the override where given, else the trace's own value."""
    return lambda name: overrides[name] if name in overrides else trace.quantities[name].value
