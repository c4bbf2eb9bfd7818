"""The LSTM layer: PyTorch's cell with gates i, f, g, o over a whole batch of sequences.

    i_t = σ(W_i x_t + W_hi h_{t-1} + b_i)      f_t = σ(W_f x_t + W_hf h_{t-1} + b_f)
    g_t = tanh(W_g x_t + W_hg h_{t-1} + b_g)    o_t = σ(W_o x_t + W_ho h_{t-1} + b_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t             h_t = o_t ⊙ tanh(c_t)

Shapes: n sequences of T steps over d inputs, u units. The parameters are stored as PyTorch stores
them, gate blocks in the order i, f, g, o: W (4u, d), W_h (4u, u), b (4u,); row q·u + j is gate q
of unit j. The loops run over t only: every step's input part X W^T is one product before the
loop, and each step one (n, u) x (u, 4u) product forward and one (n, 4u) x (4u, u) backward.

Every array keeps PyTorch's gate order. σ(z) = 1 / (1 + e^-z) is worked out over all four blocks
at once (one pass each instead of two; the g block is then overwritten by tanh), and each step also
works out the factors the backward pass multiplies by, while its values are at hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Mapping, Sequence

import numpy as np

from ..ops import Activation
from .base import Parameter

if TYPE_CHECKING:
    from ..trace import TraceBuilder

Array = np.ndarray

GATES = ("i", "f", "g", "o")


@dataclass(frozen=True, eq=False)
class CellForward:
    """One layer's forward pass, time-major (T, n, ·), PyTorch's gate order: z (T, n, 4u) the
    gates' net inputs; cells (T+1, n, u) with c_0 first; hs (T+1, n, u) with h_0 first; forget
    (T, n, u) the gate f; what the backward pass multiplies by: factors (T, n, 4, u) =
    [g i(1-i), c_{t-1} f(1-f), i (1-g²), tanh(c_t) o(1-o)] and through_h (T, n, u) = o (1 - tanh² c_t);
    kept for worked examples only (None in training): gates (T, n, 4u) and tanh_c (T, n, u).

    Time-major because each step's rows are then one block (sample-major rows T·4u apart fall
    into the same cache sets); training keeps no more than the backward pass reads, which makes
    the forward pass a third faster (measured: the gates in a per-step buffer, not a (T, n, 4u) array)."""

    z: Array
    cells: Array
    hs: Array
    forget: Array
    factors: Array
    through_h: Array
    gates: Array | None = None
    tanh_c: Array | None = None

    def gate(self, name: str) -> Array:
        """Gate i, f, g or o (T, n, u) (a worked example's)."""
        u = self.hs.shape[-1]
        q = GATES.index(name)
        return self.gates[..., q * u:(q + 1) * u]

    @property
    def nets(self) -> Array:
        """The gates' net inputs (n, T, 4u) (a view)."""
        return self.z.transpose(1, 0, 2)

    @property
    def out(self) -> Array:
        """h_t for t = 1..T (n, T, u) (a view)."""
        return self.hs[1:].transpose(1, 0, 2)

    @property
    def final(self) -> tuple[Array, Array]:
        """(h_T, c_T), each (n, u): the state a next chunk starts from."""
        return self.hs[-1], self.cells[-1]


def time_major(a: Array) -> Array:
    """(n, T, ·) as a contiguous (T, n, ·) array (no copy when it is a view of one)."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


def cell_forward(X: Array, W: Array, Wh: Array, b: Array | None, h0: Array, c0: Array,
                 keep: bool = False) -> CellForward:
    """Run the cell over X (n, T, d) from h0, c0 ((n, u) or (u,)); keep: also keep every gate and
    tanh(c_t) (a worked example names them)."""
    n, T, _ = X.shape
    u = Wh.shape[1]
    dtype = np.result_type(X, W, Wh)
    z = time_major(X) @ W.T                      # (T, n, 4u): every step's input part in one product
    if b is not None:
        z += b
    Wh_T = np.ascontiguousarray(Wh.T)
    hs = np.empty((T + 1, n, u), dtype=dtype)
    cells = np.empty((T + 1, n, u), dtype=dtype)
    hs[0], cells[0] = h0, c0
    factors = np.empty((T, n, 4, u), dtype=dtype)
    through_h = np.empty((T, n, u), dtype=dtype)
    gates = np.empty_like(z) if keep else None
    tanh_c = np.empty((T, n, u), dtype=dtype) if keep else None
    forget = gates[..., u:2 * u] if keep else np.empty((T, n, u), dtype=dtype)
    step, ig = np.empty((n, 4 * u), dtype=dtype), np.empty((n, u), dtype=dtype)
    a, tc = np.empty((n, 4 * u), dtype=dtype), np.empty((n, u), dtype=dtype)     # this step's, in training
    dsig = np.empty((n, 4, u), dtype=dtype)
    i, f, g, o = (slice(q * u, (q + 1) * u) for q in range(4))
    for t in range(T):
        zt, F, th, c, h = z[t], factors[t], through_h[t], cells[t + 1], hs[t + 1]
        if keep:
            a, tc = gates[t], tanh_c[t]
        np.matmul(hs[t], Wh_T, out=step)
        zt += step
        np.negative(zt, out=a)
        np.exp(a, out=a)
        a += 1.0
        np.reciprocal(a, out=a)
        np.tanh(zt[:, g], out=a[:, g])
        np.multiply(a[:, f], cells[t], out=c)
        np.multiply(a[:, i], a[:, g], out=ig)
        c += ig
        np.tanh(c, out=tc)
        np.multiply(a[:, o], tc, out=h)
        if not keep:
            forget[t] = a[:, f]
        s = a.reshape(n, 4, u)                              # σ' = s (1 - s) (the g block unused)
        np.multiply(s, s, out=dsig)
        np.subtract(s, dsig, out=dsig)
        np.multiply(a[:, g], dsig[:, 0], out=F[:, 0])
        np.multiply(cells[t], dsig[:, 1], out=F[:, 1])
        np.multiply(ig, a[:, g], out=F[:, 2])               # i (1 - g²) = i - (i g) g
        np.subtract(a[:, i], F[:, 2], out=F[:, 2])
        np.multiply(tc, dsig[:, 3], out=F[:, 3])
        np.multiply(h, tc, out=th)                          # o (1 - tanh² c) = o - h tanh c
        np.subtract(a[:, o], th, out=th)
    return CellForward(z, cells, hs, forget, factors, through_h, gates, tanh_c)


@dataclass(frozen=True, eq=False)
class CellBackward:
    """One layer's backward pass, time-major (T, n, ·): dh total dE/dh_t (from the layer above and
    through step t+1), delta (T, n, 4u) dE/dnet of each gate in PyTorch's order; dh0, dc0 (n, u):
    dE/dh_0, dE/dc_0 (what flows into a given initial state); dc total dE/dc_t (T, n, u), kept for
    worked examples only (None in training)."""

    dh: Array
    delta: Array
    dh0: Array
    dc0: Array
    dc: Array | None = None


def cell_backward(fwd: CellForward, Wh: Array, direct: Array, bptt: int | None = None) -> CellBackward:
    """Backpropagate through time from direct (n, T, u): the part of dE/dh_t from the layer above.

        dE/dh_t = direct_t + W_h^T delta_{t+1}        dE/dc_t = dE/dh_t o_t (1 - tanh² c_t) + dE/dc_{t+1} f_{t+1}
        delta_o = dE/dh_t tanh(c_t) o (1 - o)         delta_i = dE/dc_t g i (1 - i)
        delta_f = dE/dc_t c_{t-1} f (1 - f)           delta_g = dE/dc_t i (1 - g²)

    bptt=k: the error arriving at step t travels at most k steps back (through W_h and through the
    cell alike): BPTT(k). dE/dc_t is kept when the forward pass kept its gates (a worked example)."""
    T, n, u = fwd.through_h.shape
    dtype = np.result_type(fwd.factors, direct)
    direct = time_major(direct)
    dh = np.empty((T, n, u), dtype=dtype)
    dc = np.empty((T, n, u), dtype=dtype) if fwd.gates is not None else None
    delta = np.empty((T, n, 4, u), dtype=dtype)
    way = _full if bptt is None else partial(_truncated, k=bptt)
    dh0, dc0 = way(Wh, direct, fwd.factors, fwd.through_h, fwd.forget, dh, dc, delta)
    return CellBackward(dh, delta.reshape(T, n, 4 * u), dh0, dc0, dc)


def _full(Wh: Array, direct: Array, factors: Array, through_h: Array, forget: Array,
          dh: Array, dc: Array | None, delta: Array) -> tuple[Array, Array]:
    """Every path back to the first step (dc: where to keep dE/dc_t, or None); returns dE/dh_0, dE/dc_0."""
    T, n, u = dh.shape
    from_next = np.zeros((n, u), dtype=dh.dtype)          # W_h^T delta_{t+1}
    carry = np.zeros((n, u), dtype=dh.dtype)              # dE/dc_{t+1} f_{t+1}
    tmp, c_t = np.empty((n, u), dtype=dh.dtype), np.empty((n, u), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        h_t, d_t, F = dh[t], delta[t], factors[t]
        if dc is not None:
            c_t = dc[t]
        np.add(direct[t], from_next, out=h_t)
        np.multiply(h_t, through_h[t], out=tmp)
        np.add(carry, tmp, out=c_t)
        np.multiply(h_t, F[:, 3], out=d_t[:, 3])
        np.multiply(c_t[:, None], F[:, :3], out=d_t[:, :3])
        np.matmul(d_t.reshape(n, 4 * u), Wh, out=from_next)
        np.multiply(c_t, forget[t], out=carry)
    return from_next, carry


def _truncated(Wh: Array, direct: Array, factors: Array, through_h: Array, forget: Array,
               dh: Array, dc: Array | None, delta: Array, k: int) -> tuple[Array, Array]:
    """BPTT(k): the parts of dE/dh_t, dE/dc_t and delta_t kept by age, ages[j] having come j steps
    back; an age-k part goes no further. Returns dE/dh_0, dE/dc_0 (the parts younger than k)."""
    T, n, u = dh.shape
    parts_h = np.zeros((k + 1, n, u), dtype=dh.dtype)
    parts_c = np.zeros((k + 1, n, u), dtype=dh.dtype)
    parts_d = np.zeros((k + 1, n, 4, u), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            parts_h[1:] = parts_d[:-1].reshape(k, n, 4 * u) @ Wh
            parts_c[1:] = parts_c[:-1] * forget[t + 1]
        parts_h[0] = direct[t]
        parts_c[0] = 0.0
        parts_c += parts_h * through_h[t]
        parts_d[:, :, 3] = parts_h * factors[t, :, 3]
        parts_d[:, :, :3] = parts_c[:, :, None] * factors[t, :, :3]
        dh[t], delta[t] = parts_h.sum(0), parts_d.sum(0)
        if dc is not None:
            dc[t] = parts_c.sum(0)
    dh0 = (parts_d[:-1].reshape(k, n, 4 * u) @ Wh).sum(0)
    return dh0, (parts_c[:-1] * forget[0]).sum(0)


# ---------------------------------------------------------------- the layer type

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
class LSTM:
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
    sequence: ClassVar[bool] = True
    bias_shared: ClassVar[bool] = False
    activation: ClassVar[Activation] = Activation("tanh")        # tanh(c_t) and the gate g
    gate_activation: ClassVar[Activation] = Activation("sigmoid")  # the gates i, f, o

    @property
    def n_params(self) -> int:
        return self.weights.size + self.recurrent_weights.size + len(self.bias_names)

    def parameters(self) -> tuple[Parameter, ...]:
        """W, then W_h, then the bias when there is one (each in PyTorch's gate order)."""
        found = (Parameter("weights", "weight", self.weights, self.weight_names),
                 Parameter("recurrent_weights", "weight", self.recurrent_weights, self.recurrent_weight_names))
        if self.bias is None:
            return found
        return found + (Parameter("bias", "bias", self.bias, self.bias_names),)

    def with_arrays(self, arrays: Mapping[str, Array]) -> "LSTM":
        return replace(self, **arrays)

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

    def forward(self, a: Array, exact_zeros: bool = False, state: tuple[Array, Array] | None = None
                ) -> tuple[Array, Array]:
        """(net, out) from a (n, T, f); see run()."""
        net, out, _ = self.run(a, exact_zeros, state)
        return net, out

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
        a2 = time_major(a).reshape(-1, a.shape[-1])
        prev = cache.cell.hs[:-1].reshape(-1, len(self.units))
        grad_W = d2.T @ a2 if into is None else np.matmul(d2.T, a2, out=into[0])
        grad_Wh = d2.T @ prev if into is None else np.matmul(d2.T, prev, out=into[1])
        if self.bias is None:
            return grad_W, grad_Wh
        return grad_W, grad_Wh, np.add.reduce(d2, axis=0, out=None if into is None else into[2])

    def input_gradient(self, delta: Array) -> Array:
        """dE/da = delta W (n, T, f): every gate's share."""
        return delta @ self.weights

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
                inputs = [x for pair in zip(self.weight_names[r], below) for x in pair]
                inputs += [x for pair in zip(self.recurrent_weight_names[r], previous) for x in pair]
                if self.bias is not None:
                    inputs.append(self.bias_names[r])
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

    def trace_gradients(self, b: "TraceBuilder", li: int, below: dict[tuple[int, int], list[str]]) -> None:
        """grad.P = Σ over samples and steps of delta.q.U[t] * dnet.q.U[t]/dP (x[t] for W_q, out.V[t-1]
        for W_hq), grad.b_q = Σ delta.q.U[t]; each with its update."""
        positions = list(below)
        cell, grads, u_n = b.fwd.caches[li].cell, b.bwd.grads[li], len(self.units)
        inputs = b.fwd.outs[li]
        for q, gate in enumerate(GATES):
            for j, u in enumerate(self.units):
                r = q * u_n + j
                deltas = [b.at(f"delta.{gate}.{u}[{t}]", k) for k, t in positions]
                for c, w in enumerate(self.weight_names[r]):
                    factors = []
                    for (k, t), d in zip(positions, deltas):
                        dnet = b.add_at(f"dnet.{gate}.{u}[{t}]/d{w}", k, inputs[k, t - 1, c], "dnet/dP", "sum",
                                        (below[k, t][c],), layer=li, unit=u, param=w, step=t)
                        factors += [d, dnet]
                    b.gradient(w, grads[0][r, c], "sumprod", factors, li, u)
                for c, (v, w) in enumerate(zip(self.units, self.recurrent_weight_names[r])):
                    factors = []
                    for (k, t), d in zip(positions, deltas):
                        dnet = b.add_at(f"dnet.{gate}.{u}[{t}]/d{w}", k, cell.hs[t - 1, k, c], "dnet/dP", "sum",
                                        (b.at(f"out.{v}[{t - 1}]", k),), layer=li, unit=u, param=w, step=t)
                        factors += [d, dnet]
                    b.gradient(w, grads[1][r, c], "sumprod", factors, li, u)
        if self.bias is None:
            return
        for q, gate in enumerate(GATES):
            for j, u in enumerate(self.units):
                r = q * u_n + j
                b.gradient(self.bias_names[r], grads[2][r], "sum",
                           [b.at(f"delta.{gate}.{u}[{t}]", k) for k, t in positions], li, u)
