"""The LSTM layer (`type: lstm`): its parameters in PyTorch's gate order i, f, g, o, its cache, and
its quantities in the trace (the gates, the cell, the two paths back, the gradients). The cell's
arithmetic, forward and backward through time, is nncalc/layers/lstm_cell.py.

Shapes: n sequences of T steps over d inputs, u units: W (4u, d), W_h (4u, u), b (4u,); row q·u + j
is gate q of unit j.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Sequence

import numpy as np

from ..ops import Activation
from .base import Array, net_inputs, summed_grads
from .lstm_cell import GATES, CellForward, cell_backward, cell_forward, time_major
from .time import TimeLayer

if TYPE_CHECKING:
    from ..trace import TraceBuilder

__all__ = ["GATES", "LSTM", "LSTMCache"]


@dataclass(frozen=True, eq=False)
class LSTMCache:
    """What run() keeps for backward_in_time() and the trace: the forward pass (cell), and once
    backward_in_time() has run, its record (back)."""

    cell: CellForward
    back: list = field(default_factory=list)

    @property
    def final(self) -> tuple[Array, Array]:
        return self.cell.final

    @property
    def previous(self) -> Array:
        """h_{t-1} for t = 1..T (n, T, u) (a view)."""
        return self.cell.hs[:-1].transpose(1, 0, 2)


@dataclass(frozen=True, eq=False)
class LSTM(TimeLayer):
    """An LSTM layer (`type: lstm`): four gates per unit, a cell state, h_t = o_t tanh(c_t).

    weights W (4u, f), recurrent_weights W_h (4u, u), bias (4u,) in PyTorch's gate order; their
    names likewise, one tuple per row; initial_state h_0 and initial_cell c_0 (u,), None for zeros."""

    units: tuple[str, ...]
    weights: np.ndarray
    weight_names: tuple[tuple[str, ...], ...]
    recurrent_weights: np.ndarray
    recurrent_weight_names: tuple[tuple[str, ...], ...]
    bias: np.ndarray | None
    bias_names: tuple[str, ...]
    initial_state: np.ndarray | None = None
    initial_cell: np.ndarray | None = None

    kind: ClassVar[str] = "lstm"
    bias_shared: ClassVar[bool] = False
    activation: ClassVar[Activation] = Activation("tanh")        # tanh(c_t) and the gate g
    gate_activation: ClassVar[Activation] = Activation("sigmoid")  # the gates i, f, o

    def initial(self) -> tuple[Array, Array]:
        """(h_0, c_0), each (u,)."""
        zeros = np.zeros(len(self.units))
        return (zeros if self.initial_state is None else self.initial_state,
                zeros if self.initial_cell is None else self.initial_cell)

    def spec(self) -> dict:
        """The layer as a problem file writes it (nncalc/problem/lstm.py reads it back): every
        parameter a mapping by gate, plain lists of floats and names."""
        u = len(self.units)

        def by_gate(rows) -> dict:
            rows = rows.tolist() if isinstance(rows, np.ndarray) else [list(r) if isinstance(r, tuple) else r
                                                                    for r in rows]
            return {q: rows[n * u:(n + 1) * u] for n, q in enumerate(GATES)}

        spec = {"units": list(self.units), "type": self.kind, "weights": by_gate(self.weights),
                "weight_names": by_gate(self.weight_names), "recurrent_weights": by_gate(self.recurrent_weights),
                "recurrent_weight_names": by_gate(self.recurrent_weight_names)}
        if self.bias is not None:
            spec.update(bias=by_gate(self.bias), bias_names=by_gate(self.bias_names))
        for key, value in (("initial_state", self.initial_state), ("initial_cell", self.initial_cell)):
            if value is not None:
                spec[key] = value.tolist()
        return spec

    # ------------------------------------------------------------ the arithmetic

    def run(self, a: Array, exact_zeros: bool = False, state: tuple[Array, Array] | None = None
            ) -> tuple[Array, Array, LSTMCache]:
        """net (n, T, 4u): the gates' net inputs in PyTorch's order; out = h_t (n, T, u); the cache.
        state: (h_0, c_0) overriding the layer's own (truncated BPTT carries a chunk's final state).
        exact_zeros (worked examples, not training) keeps every gate, tanh(c_t) and dE/dc_t for the
        trace; no net is zeroed: the gates are smooth, no derivative jumps at a net of 0."""
        h0, c0 = self.initial() if state is None else state
        cell = cell_forward(a, self.weights, self.recurrent_weights, self.bias, h0, c0, keep=exact_zeros)
        return cell.nets, cell.out, LSTMCache(cell)

    def backward_in_time(self, net: Array, out: Array, direct: Array, cache: LSTMCache,
                         bptt: int | None = None) -> tuple[Array, None, Array]:
        """(dE/dout, None, delta): dE/dh_t (n, T, u) in total and the gates' dE/dnet (n, T, 4u) in
        PyTorch's order, from direct: the part of dE/dh_t from the layer above (see cell_backward).
        dE/dc_t and the rest stay in cache.back for the trace."""
        back = cell_backward(cache.cell, self.recurrent_weights, direct, bptt)
        cache.back[:] = [back]
        return back.dh.transpose(1, 0, 2), None, back.delta.transpose(1, 0, 2)

    def grads(self, a: Array, delta: Array, into: Sequence[Array | None] | None = None,
              cache: LSTMCache | None = None) -> tuple[Array | None, ...]:
        """grad W = Σ over samples and steps of delta_t^T x_t (4u, f); grad W_h = Σ delta_t^T h_{t-1}
        (4u, u); grad b = Σ delta_t (4u,). into: arrays to write them into (the trainer's views)."""
        d2 = time_major(delta).reshape(-1, delta.shape[-1])       # time-major: no copy of our own
        inputs = (time_major(a).reshape(-1, a.shape[-1]), cache.cell.hs[:-1].reshape(-1, len(self.units)))
        return summed_grads(d2, inputs, into, self.bias is not None)

    def activation_of(self, kind: str, index: int | None) -> Activation:
        """The function a trace quantity of this layer applies (op 'act' or 'dact'): σ for the
        gates i, f, o (kind 'gate' or 'dgate', index = the gate's row q·u + j), tanh for g and the cell."""
        if kind in ("gate", "dgate") and index // len(self.units) != GATES.index("g"):
            return self.gate_activation
        return self.activation

    # ------------------------------------------------------------ its quantities in the trace

    def trace_given(self, b: "TraceBuilder", li: int, k: int) -> None:
        """out.U[0] and cell.U[0]: the initial state h_0 and cell c_0 of sample k, given numbers."""
        cell = b.fwd.caches[li].cell
        for j, u in enumerate(self.units):
            b.add_at(f"out.{u}[0]", k, cell.hs[0, k, j], "state", layer=li, index=j, unit=u, step=0)
            b.add_at(f"cell.{u}[0]", k, cell.cells[0, k, j], "state", layer=li, index=j, unit=u, step=0)

    def trace_nets(self, b: "TraceBuilder", li: int, k: int, below: list[str], t: int) -> None:
        """Step t of sample k, unit by unit: net.q.U[t] = W_q x[t] + W_hq out[t-1] + b_q ('sumprod'),
        q.U[t] = σ or tanh of it for q = i, f, g, o; cell.U[t] = f c[t-1] + i g ('sumprod');
        tanh.cell.U[t]; out.U[t] = o tanh(cell) ('prod'). Returns None: the outs are named here."""
        cell, u_n = b.fwd.caches[li].cell, len(self.units)
        s = t - 1
        previous = [b.at(f"out.{v}[{s}]", k) for v in self.units]
        for j, u in enumerate(self.units):
            at = dict(layer=li, unit=u, step=t)
            gates = {}
            for q, gate in enumerate(GATES):
                r = q * u_n + j
                inputs = net_inputs(self.weight_names[r], below, self.bias_name(r), self.recurrent_weight_names[r],
                                    previous)
                net = b.add_at(f"net.{gate}.{u}[{t}]", k, cell.z[s, k, r], "net", "sumprod", inputs, index=r, **at)
                gates[gate] = b.add_at(f"{gate}.{u}[{t}]", k, cell.gates[s, k, r], "gate", "act", (net,),
                                       index=r, **at)
            c = b.add_at(f"cell.{u}[{t}]", k, cell.cells[t, k, j], "cell", "sumprod",
                         (gates["f"], b.at(f"cell.{u}[{s}]", k), gates["i"], gates["g"]), index=j, **at)
            tanh_c = b.add_at(f"tanh.cell.{u}[{t}]", k, cell.tanh_c[s, k, j], "cell", "act", (c,), index=j, **at)
            b.add_at(f"out.{u}[{t}]", k, cell.hs[t, k, j], "out", "prod", (gates["o"], tanh_c), index=j, **at)
        return None

    def trace_backward_unit(self, b: "TraceBuilder", li: int, k: int, j: int, u: str, t: int, dE: str) -> None:
        """Unit j at step t, after dE/dout.U[t] (dE): the cell and the four gates backwards.

            dE/do = dE/dout tanh(cell)     dE/dcell = dE/dout o tanh'(cell) + dE/dcell[t+1] f[t+1]
            dE/di = dE/dcell g   dE/df = dE/dcell cell[t-1]   dE/dg = dE/dcell i
            delta.q = dE/dq dq/dnet, dq/dnet = σ' or tanh' at net.q"""
        cell, back, u_n = b.fwd.caches[li].cell, b.fwd.caches[li].back[0], len(self.units)
        s = t - 1
        at = dict(layer=li, unit=u, step=t)
        name = lambda base, step=t: b.at(f"{base}.{u}[{step}]", k)  # noqa: E731
        value = lambda quantity: b.q[quantity].value               # noqa: E731

        def gate_delta(gate: str, dE_gate: str) -> None:
            r = GATES.index(gate) * u_n + j
            a = cell.gates[s, k, r]
            act = self.activation_of("dgate", r)
            dgate = b.add_at(f"d{gate}/dnet.{u}[{t}]", k, act.derivative(np.array(cell.z[s, k, r]), np.array(a)),
                             "dgate", "dact", (name(f"net.{gate}"), name(gate)), index=r, **at)
            b.add_at(f"delta.{gate}.{u}[{t}]", k, back.delta[s, k, r], "delta", "prod", (dE_gate, dgate), index=r, **at)

        dE_o = b.add_at(f"dE/do.{u}[{t}]", k, value(dE) * cell.tanh_c[s, k, j], "dE/dgate", "prod",
                        (dE, name("tanh.cell")), index=3 * u_n + j, **at)
        gate_delta("o", dE_o)
        dtanh = b.add_at(f"dtanh.cell.{u}[{t}]", k, 1.0 - cell.tanh_c[s, k, j] ** 2, "dcell", "dact",
                         (name("cell"), name("tanh.cell")), index=j, **at)
        dcell = b.add_at(f"dout/dcell.{u}[{t}]", k, cell.through_h[s, k, j], "dcell", "prod",
                         (name("o"), dtanh), index=j, **at)
        paths = [dE, dcell]
        if t < b.problem.lengths[k]:
            paths += [name("dE/dcell", t + 1), name("f", t + 1)]
        dE_c = b.add_at(f"dE/dcell.{u}[{t}]", k, back.dc[s, k, j], "dE/dcell", "sumprod", paths, index=j, **at)
        for gate, other in (("i", name("g")), ("f", name("cell", s)), ("g", name("i"))):
            r = GATES.index(gate) * u_n + j
            dE_gate = b.add_at(f"dE/d{gate}.{u}[{t}]", k, value(dE_c) * value(other), "dE/dgate", "prod",
                               (dE_c, other), index=r, **at)
            gate_delta(gate, dE_gate)

    def trace_shares(self, b: "TraceBuilder", below_li: int, k: int, j: int, u: str, t: int) -> list[str]:
        """dE.V[t]/dout.U[t] = Σ over the gates q of delta.q.V[t] * w_q(V, U), for each unit V of this
        layer: the parts of dE/dout.U[t] (unit j of the layer below) that flow up through V."""
        return self._shares(b, below_li, below_li + 1, k, j, u, t, t, self.weights, self.weight_names)

    def trace_recurrent_shares(self, b: "TraceBuilder", li: int, k: int, j: int, u: str, t: int) -> list[str]:
        """dE.V[t+1]/dout.U[t] = Σ over the gates q of delta.q.V[t+1] * w_hq(V, U): the path of
        dE/dout.U[t] through the next step (via a unit of the same layer)."""
        return self._shares(b, li, li, k, j, u, t, t + 1, self.recurrent_weights, self.recurrent_weight_names)

    def _shares(self, b: "TraceBuilder", li: int, own: int, k: int, j: int, u: str, t: int, t_v: int,
                weights: Array, names: tuple) -> list[str]:
        back, u_n = b.fwd.caches[own].back[0], len(self.units)
        shares = []
        for v_idx, v in enumerate(self.units):
            rows = [q * u_n + v_idx for q in range(4)]
            inputs = [x for r, gate in zip(rows, GATES) for x in (b.at(f"delta.{gate}.{v}[{t_v}]", k), names[r][j])]
            value = sum(back.delta[t_v - 1, k, r] * weights[r, j] for r in rows)
            shares.append(b.add_at(f"dE.{v}[{t_v}]/dout.{u}[{t}]", k, value, "share", "sumprod", inputs,
                                   layer=li, index=j, unit=u, via=v, step=t))
        return shares

    def net_rows(self) -> list[tuple[int, str, str]]:
        """Row q·u + j of W, W_h and b computes net.q.U[t], gate q of unit j, gate by gate."""
        return [(q * len(self.units) + j, u, f"{gate}.{u}") for q, gate in enumerate(GATES)
                for j, u in enumerate(self.units)]
