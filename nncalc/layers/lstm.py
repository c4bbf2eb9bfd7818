"""The LSTM layer: PyTorch's cell with gates i, f, g, o over a whole batch of sequences.

    i_t = σ(W_i x_t + W_hi h_{t-1} + b_i)      f_t = σ(W_f x_t + W_hf h_{t-1} + b_f)
    g_t = tanh(W_g x_t + W_hg h_{t-1} + b_g)    o_t = σ(W_o x_t + W_ho h_{t-1} + b_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t             h_t = o_t ⊙ tanh(c_t)

Shapes: n sequences of T steps over d inputs, u units. The parameters are stored as PyTorch stores
them, gate blocks in the order i, f, g, o: W (4u, d), W_h (4u, u), b (4u,); row q·u + j is gate q
of unit j. The loops run over t only: every step's input part X W^T is one product before the
loop, and each step one (n, u) x (u, 4u) product forward and one (n, 4u) x (4u, u) backward.

The forward loop takes the gate blocks in the order o, i, f, g (`_INNER`), so that the three
sigmoid gates are one contiguous block: σ(z) = 1 / (1 + e^-z) with -z from negated weight rows (a
negation is exact, so the gates are the sigmoid's to the last bit). The backward loop keeps
PyTorch's order, where the three gates driven by dE/dc (i, f, g) are the contiguous block.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar, Mapping, Sequence

import numpy as np

from ..ops import Activation
from .base import Parameter

Array = np.ndarray

GATES = ("i", "f", "g", "o")
_INNER = (3, 0, 1, 2)           # forward loop position -> PyTorch gate index: o, i, f, g


def gate_rows(u: int, order: tuple[int, ...] = _INNER) -> Array:
    """Row indices taking a (4u, ...) array in PyTorch's gate order to `order` (default o, i, f, g)."""
    return np.concatenate([np.arange(q * u, (q + 1) * u) for q in order])


@dataclass(frozen=True, eq=False)
class CellForward:
    """One layer's forward pass over (n, T): z (n, T, 4u) the gates' net inputs in the inner order
    o, i, f, g, with the sigmoid gates' negated (-z); gates (n, T, 4u) σ/tanh of them, same order;
    cells (n, T+1, u) with c_0 first; tanh_c (n, T, u); hs (n, T+1, u) with h_0 first."""

    z: Array
    gates: Array
    cells: Array
    tanh_c: Array
    hs: Array

    def gate(self, name: str) -> Array:
        """Gate i, f, g or o (n, T, u)."""
        u = self.hs.shape[-1]
        q = _INNER.index(GATES.index(name))
        return self.gates[..., q * u:(q + 1) * u]

    @property
    def nets(self) -> Array:
        """The gates' net inputs (n, T, 4u) in PyTorch's order i, f, g, o."""
        u = self.hs.shape[-1]
        z = self.z[..., gate_rows(u, (1, 2, 3, 0))]
        z[..., :2 * u] *= -1.0
        z[..., 3 * u:] *= -1.0
        return z

    @property
    def out(self) -> Array:
        """h_t for t = 1..T (n, T, u)."""
        return self.hs[:, 1:]

    @property
    def final(self) -> tuple[Array, Array]:
        """(h_T, c_T), each (n, u): the state a next chunk starts from."""
        return self.hs[:, -1], self.cells[:, -1]


def cell_forward(X: Array, W: Array, Wh: Array, b: Array | None, h0: Array, c0: Array) -> CellForward:
    """Run the cell over X (n, T, d) from h0, c0 ((n, u) or (u,))."""
    n, T, _ = X.shape
    u = Wh.shape[1]
    dtype = np.result_type(X, W, Wh)
    rows = gate_rows(u)
    sign = np.ones((4 * u, 1), dtype=dtype)
    sign[:3 * u] = -1.0
    z = X @ (W[rows] * sign).T                   # (n, T, 4u): every step's input part in one product
    if b is not None:
        z += b[rows] * sign[:, 0]
    Wh_T = np.ascontiguousarray((Wh[rows] * sign).T)
    hs = np.empty((n, T + 1, u), dtype=dtype)
    cells = np.empty((n, T + 1, u), dtype=dtype)
    hs[:, 0], cells[:, 0] = h0, c0
    tanh_c = np.empty((n, T, u), dtype=dtype)
    gates = np.empty_like(z)
    sig, ig = slice(0, 3 * u), np.empty((n, u), dtype=dtype)
    o, i, f, g = (slice(q * u, (q + 1) * u) for q in range(4))
    for t in range(T):
        zt, a = z[:, t], gates[:, t]
        zt += hs[:, t] @ Wh_T
        np.exp(zt[:, sig], out=a[:, sig])
        a[:, sig] += 1.0
        np.reciprocal(a[:, sig], out=a[:, sig])
        np.tanh(zt[:, g], out=a[:, g])
        c = cells[:, t + 1]
        np.multiply(a[:, f], cells[:, t], out=c)
        np.multiply(a[:, i], a[:, g], out=ig)
        c += ig
        np.tanh(c, out=tanh_c[:, t])
        np.multiply(a[:, o], tanh_c[:, t], out=hs[:, t + 1])
    return CellForward(z, gates, cells, tanh_c, hs)


@dataclass(frozen=True, eq=False)
class CellBackward:
    """One layer's backward pass over (n, T): dh total dE/dh_t (from the layer above and through step
    t+1), dc total dE/dc_t, delta (n, T, 4u) dE/dnet of each gate in PyTorch's order i, f, g, o;
    dh0, dc0 (n, u): dE/dh_0, dE/dc_0 (what flows into a given initial state)."""

    dh: Array
    dc: Array
    delta: Array
    dh0: Array
    dc0: Array


def cell_backward(fwd: CellForward, Wh: Array, direct: Array, bptt: int | None = None) -> CellBackward:
    """Backpropagate through time from direct (n, T, u): the part of dE/dh_t from the layer above.

        dE/dh_t = direct_t + W_h^T delta_{t+1}        dE/dc_t = dE/dh_t o_t (1 - tanh² c_t) + dE/dc_{t+1} f_{t+1}
        delta_o = dE/dh_t tanh(c_t) o (1 - o)         delta_i = dE/dc_t g i (1 - i)
        delta_f = dE/dc_t c_{t-1} f (1 - f)           delta_g = dE/dc_t i (1 - g²)

    bptt=k: the error arriving at step t travels at most k steps back (through W_h and through the
    cell alike): BPTT(k)."""
    n, T, u = fwd.tanh_c.shape
    dtype = np.result_type(fwd.gates, direct)
    factors = _factors(fwd)
    through_h = fwd.gate("o") * (1.0 - fwd.tanh_c * fwd.tanh_c)      # dc_t/dh_t on the cell's own path
    forget = fwd.gate("f")
    dh, dc = np.empty((n, T, u), dtype=dtype), np.empty((n, T, u), dtype=dtype)
    delta = np.empty((n, T, 4, u), dtype=dtype)
    if bptt is None:
        dh0, dc0 = _full(Wh, direct, factors, through_h, forget, dh, dc, delta)
    else:
        dh0, dc0 = _truncated(Wh, direct, factors, through_h, forget, dh, dc, delta, bptt)
    return CellBackward(dh, dc, delta.reshape(n, T, 4 * u), dh0, dc0)


def _factors(fwd: CellForward) -> Array:
    """(n, T, 4, u), PyTorch's gate order: delta_i, delta_f, delta_g = dE/dc_t times the first three,
    delta_o = dE/dh_t times the last."""
    i, f, g, o = (fwd.gate(q) for q in GATES)
    factors = np.empty(fwd.tanh_c.shape[:2] + (4, fwd.tanh_c.shape[2]), dtype=fwd.gates.dtype)
    for q, (gate, factor) in enumerate(((i, g), (f, fwd.cells[:, :-1]), (o, fwd.tanh_c))):
        slot = factors[:, :, 3 if q == 2 else q]
        np.subtract(1.0, gate, out=slot)
        slot *= gate
        slot *= factor
    slot = factors[:, :, 2]
    np.multiply(g, g, out=slot)
    np.subtract(1.0, slot, out=slot)
    slot *= i
    return factors


def _full(Wh: Array, direct: Array, factors: Array, through_h: Array, forget: Array,
          dh: Array, dc: Array, delta: Array) -> tuple[Array, Array]:
    """Every path back to the first step; returns dE/dh_0, dE/dc_0."""
    n, T, u = dh.shape
    from_next = np.zeros((n, u), dtype=dh.dtype)          # W_h^T delta_{t+1}
    carry = np.zeros((n, u), dtype=dh.dtype)              # dE/dc_{t+1} f_{t+1}
    tmp = np.empty((n, u), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        h_t, c_t = dh[:, t], dc[:, t]
        np.add(direct[:, t], from_next, out=h_t)
        np.multiply(h_t, through_h[:, t], out=tmp)
        np.add(carry, tmp, out=c_t)
        np.multiply(h_t, factors[:, t, 3], out=delta[:, t, 3])
        np.multiply(c_t[:, None], factors[:, t, :3], out=delta[:, t, :3])
        np.matmul(delta[:, t].reshape(n, 4 * u), Wh, out=from_next)
        np.multiply(c_t, forget[:, t], out=carry)
    return from_next, carry


def _truncated(Wh: Array, direct: Array, factors: Array, through_h: Array, forget: Array,
               dh: Array, dc: Array, delta: Array, k: int) -> tuple[Array, Array]:
    """BPTT(k): the parts of dE/dh_t, dE/dc_t and delta_t kept by age, ages[j] having come j steps
    back; an age-k part goes no further. Returns dE/dh_0, dE/dc_0 (the parts younger than k)."""
    n, T, u = dh.shape
    parts_h = np.zeros((k + 1, n, u), dtype=dh.dtype)
    parts_c = np.zeros((k + 1, n, u), dtype=dh.dtype)
    parts_d = np.zeros((k + 1, n, 4, u), dtype=dh.dtype)
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            parts_h[1:] = parts_d[:-1].reshape(k, n, 4 * u) @ Wh
            parts_c[1:] = parts_c[:-1] * forget[:, t + 1]
        parts_h[0] = direct[:, t]
        parts_c[0] = 0.0
        parts_c += parts_h * through_h[:, t]
        parts_d[:, :, 3] = parts_h * factors[:, t, 3]
        parts_d[:, :, :3] = parts_c[:, :, None] * factors[:, t, :3]
        dh[:, t], dc[:, t], delta[:, t] = parts_h.sum(0), parts_c.sum(0), parts_d.sum(0)
    dh0 = (parts_d[:-1].reshape(k, n, 4 * u) @ Wh).sum(0)
    return dh0, (parts_c[:-1] * forget[:, 0]).sum(0)


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
        """h_{t-1} for t = 1..T (n, T, u)."""
        return self.cell.hs[:, :-1]


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
        exact_zeros changes nothing here: the gates are smooth, no derivative jumps at a net of 0."""
        h0, c0 = self.initial() if state is None else state
        cell = cell_forward(a, self.weights, self.recurrent_weights, self.bias, h0, c0)
        return cell.nets, cell.out, LSTMCache(cell)

    def backward_in_time(self, net: Array, out: Array, direct: Array, cache: LSTMCache,
                         bptt: int | None = None) -> tuple[Array, None, Array]:
        """(dE/dout, None, delta): dE/dh_t (n, T, u) in total and the gates' dE/dnet (n, T, 4u) in
        PyTorch's order, from direct: the part of dE/dh_t from the layer above (see cell_backward).
        dE/dc_t and the rest stay in cache.back for the trace."""
        back = cell_backward(cache.cell, self.recurrent_weights, direct, bptt)
        cache.back[:] = [back]
        return back.dh, None, back.delta

    def grads(self, a: Array, delta: Array, into: Sequence[Array | None] | None = None,
              cache: LSTMCache | None = None) -> tuple[Array | None, ...]:
        """grad W = Σ over samples and steps of delta_t^T x_t (4u, f); grad W_h = Σ delta_t^T h_{t-1}
        (4u, u); grad b = Σ delta_t (4u,). into: arrays to write them into (the trainer's views)."""
        d2 = delta.reshape(-1, delta.shape[-1])
        a2 = a.reshape(-1, a.shape[-1])
        prev = cache.previous.reshape(-1, cache.previous.shape[-1])
        grad_W = d2.T @ a2 if into is None else np.matmul(d2.T, a2, out=into[0])
        grad_Wh = d2.T @ prev if into is None else np.matmul(d2.T, prev, out=into[1])
        if self.bias is None:
            return grad_W, grad_Wh
        return grad_W, grad_Wh, np.add.reduce(d2, axis=0, out=None if into is None else into[2])

    def input_gradient(self, delta: Array) -> Array:
        """dE/da = delta W (n, T, f): every gate's share."""
        return delta @ self.weights
