"""The LSTM cell's arithmetic (nncalc/layers/lstm.py is the layer type around it): PyTorch's cell
with gates i, f, g, o over a whole batch of sequences, forward and backward through time.

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

from dataclasses import dataclass
from functools import partial

import numpy as np

from .base import Array

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
