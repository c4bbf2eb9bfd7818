"""The LSTM layer (nncalc/layers/lstm.py): every value against torch.nn.LSTM, gradients against
finite differences, truncated BPTT against torch runs detached k steps back."""

from __future__ import annotations

import numpy as np
import pytest

from nncalc.layers.lstm import LSTM
from nncalc.layers.lstm_cell import cell_backward, cell_forward


def random_layer(rng: np.random.Generator, d: int, u: int, bias: bool = True, state: bool = True) -> LSTM:
    """An LSTM layer with random weights, bias and initial state (numbers of order 1)."""
    names = lambda rows, cols, p: tuple(tuple(f"{p}{r}_{c}" for c in range(cols)) for r in range(rows))  # noqa: E731
    return LSTM(tuple(f"h{j + 1}" for j in range(u)),
                rng.normal(0, 0.6, (4 * u, d)), names(4 * u, d, "w"),
                rng.normal(0, 0.6, (4 * u, u)), names(4 * u, u, "v"),
                rng.normal(0, 0.4, 4 * u) if bias else None, tuple(f"b{r}" for r in range(4 * u)) if bias else (),
                rng.normal(0, 0.5, u) if state else None, rng.normal(0, 0.5, u) if state else None)


def run_layer(layer: LSTM, X: np.ndarray, direct_of, bptt: int | None = None):
    """Forward, then backward from direct = direct_of(h); returns (h, c_T, grads, dx, back)."""
    net, out, cache = layer.run(X)
    dh, _, delta = layer.backward_in_time(net, out, direct_of(out), cache, bptt)
    back = cache.back[0]
    return out, cache.final[1], layer.grads(X, delta, None, cache), layer.input_gradient(delta), back


def loss_of(h: np.ndarray, Y: np.ndarray) -> float:
    """E = 1/2 Σ (h - y)²: its dE/dh is h - y, the direct part every test feeds in."""
    return 0.5 * float(((h - Y) ** 2).sum())


CASES = [  # (n, T, d, u, bias)
    (1, 1, 1, 1, True), (2, 3, 2, 2, True), (3, 5, 3, 4, False), (4, 7, 2, 3, True), (2, 12, 1, 5, True),
]


@pytest.mark.parametrize("n, T, d, u, bias", CASES)
def test_every_value_matches_torch_lstm(n, T, d, u, bias):
    torch = pytest.importorskip("torch", reason="torch checks the LSTM against nn.LSTM")
    rng = np.random.default_rng(100 * T + u)
    layer = random_layer(rng, d, u, bias)
    X, Y = rng.normal(size=(n, T, d)), rng.normal(size=(n, T, u))
    h, c_T, grads, dx, back = run_layer(layer, X, lambda out: out - Y)

    lstm = torch.nn.LSTM(d, u, batch_first=True, bias=bias).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(layer.weights))
        lstm.weight_hh_l0.copy_(torch.tensor(layer.recurrent_weights))
        if bias:
            lstm.bias_ih_l0.copy_(torch.tensor(layer.bias))
            lstm.bias_hh_l0.zero_()
    x = torch.tensor(X, requires_grad=True)
    h0, c0 = layer.initial()
    h0 = torch.tensor(np.tile(h0, (1, n, 1)), requires_grad=True)
    c0 = torch.tensor(np.tile(c0, (1, n, 1)), requires_grad=True)
    out, (_, cn) = lstm(x, (h0, c0))
    (0.5 * ((out - torch.tensor(Y)) ** 2).sum()).backward()

    expected = [(h, out), (c_T, cn[0]), (grads[0], lstm.weight_ih_l0.grad), (grads[1], lstm.weight_hh_l0.grad),
                (dx, x.grad), (back.dh0, h0.grad[0]), (back.dc0, c0.grad[0])]
    if bias:
        expected.append((grads[2], lstm.bias_ih_l0.grad))
    for ours, theirs in expected:
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_gates_cells_and_their_gradients_match_a_torch_loop():
    """The intermediate values the trace names (gates, nets, cells, dE/dh, dE/dc, the gates' deltas)
    against PyTorch's equations written out step by step with autograd's retain_grad."""
    torch = pytest.importorskip("torch", reason="torch checks the LSTM's intermediate values")
    rng = np.random.default_rng(7)
    n, T, d, u = 3, 4, 2, 3
    layer = random_layer(rng, d, u)
    X, Y = rng.normal(size=(n, T, d)), rng.normal(size=(n, T, u))
    net, out, cache = layer.run(X, exact_zeros=True)
    layer.backward_in_time(net, out, out - Y, cache)
    back = cache.back[0]

    W, Wh, b = (torch.tensor(a, requires_grad=True) for a in (layer.weights, layer.recurrent_weights, layer.bias))
    h0, c0 = (torch.tensor(np.tile(s, (n, 1))) for s in layer.initial())
    h, c, kept = h0, c0, []
    for t in range(T):
        z = torch.tensor(X[:, t]) @ W.T + h @ Wh.T + b
        z.retain_grad()
        zi, zf, zg, zo = z.split(u, dim=1)
        i, f, g, o = torch.sigmoid(zi), torch.sigmoid(zf), torch.tanh(zg), torch.sigmoid(zo)
        c = f * c + i * g
        c.retain_grad()
        h = o * torch.tanh(c)
        h.retain_grad()
        kept.append((z, i, f, g, o, c, h))
    loss = sum(0.5 * ((k[6] - torch.tensor(Y[:, t])) ** 2).sum() for t, k in enumerate(kept))
    loss.backward()
    for t, (z, i, f, g, o, c, h) in enumerate(kept):
        close = lambda ours, theirs: np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-9,  # noqa: E731
                                                               atol=1e-12)
        close(net[:, t], z)
        for name, gate in zip("ifgo", (i, f, g, o)):
            close(cache.cell.gate(name)[t], gate)
        close(cache.cell.cells[t + 1], c)
        close(back.dh[t], h.grad)
        close(back.dc[t], c.grad)
        close(back.delta[t], z.grad)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_truncated_bptt_matches_torch_detached_k_steps_back(k):
    """bptt=k: the error arriving at step s reaches steps s-k .. s only, as in PyTorch when the loss
    of step s is computed from a state detached before step s-k (the sum over s of those runs)."""
    torch = pytest.importorskip("torch", reason="torch checks truncated BPTT")
    rng = np.random.default_rng(k)
    n, T, d, u = 2, 6, 2, 3
    layer = random_layer(rng, d, u)
    X, Y = rng.normal(size=(n, T, d)), rng.normal(size=(n, T, u))
    _, _, grads, dx, _ = run_layer(layer, X, lambda out: out - Y, bptt=k)

    cell = torch.nn.LSTMCell(d, u).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(layer.weights))
        cell.weight_hh.copy_(torch.tensor(layer.recurrent_weights))
        cell.bias_ih.copy_(torch.tensor(layer.bias))
        cell.bias_hh.zero_()
    x = torch.tensor(X, requires_grad=True)
    states = [tuple(torch.tensor(np.tile(s, (n, 1))) for s in layer.initial())]
    with torch.no_grad():
        for t in range(T):
            states.append(cell(x[:, t], states[-1]))
    for s in range(T):
        start = max(0, s - k)
        h, c = (v.detach() for v in states[start])
        for t in range(start, s + 1):
            h, c = cell(x[:, t], (h, c))
        (0.5 * ((h - torch.tensor(Y[:, s])) ** 2).sum()).backward()
    np.testing.assert_allclose(grads[0], cell.weight_ih.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads[1], cell.weight_hh.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads[2], cell.bias_ih.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_bptt_as_long_as_the_sequence_is_full_bptt():
    rng = np.random.default_rng(3)
    layer = random_layer(rng, 2, 3)
    X, Y = rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 5, 3))
    full = run_layer(layer, X, lambda out: out - Y)
    for k in (5, 9):
        cut = run_layer(layer, X, lambda out: out - Y, bptt=k)
        for ours, theirs in zip(cut[2], full[2]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    shorter = run_layer(layer, X, lambda out: out - Y, bptt=2)
    assert not np.allclose(shorter[2][1], full[2][1])


def test_every_gradient_matches_finite_differences():
    """dE/dP for every weight, recurrent weight, bias, input and initial state value against central
    differences of E = 1/2 Σ (h - y)² over the whole sequence."""
    rng = np.random.default_rng(11)
    n, T, d, u = 2, 4, 2, 2
    layer = random_layer(rng, d, u)
    X, Y = rng.normal(size=(n, T, d)), rng.normal(size=(n, T, u))
    h0, c0 = (np.tile(s, (n, 1)) for s in layer.initial())

    def energy(W, Wh, b, X, h0, c0):
        return loss_of(cell_forward(X, W, Wh, b, h0, c0).out, Y)

    args = [layer.weights, layer.recurrent_weights, layer.bias, X, h0, c0]
    cell = cell_forward(X, *args[:3], h0, c0)
    back = cell_backward(cell, layer.recurrent_weights, cell.out - Y)
    net, out, cache = layer.run(X, state=(h0, c0))
    _, _, delta = layer.backward_in_time(net, out, out - Y, cache)
    analytic = [*layer.grads(X, delta, None, cache), layer.input_gradient(delta), back.dh0, back.dc0]
    eps = 1e-6
    for which, grad in enumerate(analytic):
        base = args[which]
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            shifted = [a.copy() for a in args]
            shifted[which][index] += eps
            up = energy(*shifted)
            shifted[which][index] -= 2 * eps
            numeric[index] = (up - energy(*shifted)) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_float32_runs_in_float32():
    """Training in float32 keeps every array float32 (no silent upcast to float64)."""
    rng = np.random.default_rng(5)
    layer = random_layer(rng, 2, 3)
    layer = layer.with_arrays({p.name: p.array.astype(np.float32) for p in layer.parameters()})
    X = rng.normal(size=(4, 6, 2)).astype(np.float32)
    net, out, cache = layer.run(X, state=(np.zeros(3, np.float32), np.zeros(3, np.float32)))
    dh, _, delta = layer.backward_in_time(net, out, out.copy(), cache)
    assert {a.dtype for a in (net, out, dh, delta, *layer.grads(X, delta, None, cache))} == {np.dtype(np.float32)}


def test_final_state_carried_into_the_next_chunk_continues_the_sequence():
    rng = np.random.default_rng(9)
    layer = random_layer(rng, 2, 3)
    X = rng.normal(size=(2, 6, 2))
    _, whole, _ = layer.run(X)
    _, first, cache = layer.run(X[:, :4])
    _, second, _ = layer.run(X[:, 4:], state=cache.final)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("bptt", [None, 2])
def test_a_worked_example_keeps_more_but_computes_the_same(bptt):
    """exact_zeros (a worked example) keeps the gates, tanh(c) and dE/dc; training keeps only what
    backward reads. Every shared result is bit for bit the same."""
    rng = np.random.default_rng(13)
    layer = random_layer(rng, 3, 4)
    X, Y = rng.normal(size=(3, 6, 3)), rng.normal(size=(3, 6, 4))
    kept, lean = (layer.run(X, exact_zeros=flag) for flag in (True, False))
    assert kept[2].cell.gates is not None and lean[2].cell.gates is None
    for a, b in zip(kept[:2], lean[:2]):
        np.testing.assert_array_equal(a, b)
    backs = [layer.backward_in_time(*run[:2], run[1] - Y, run[2], bptt) for run in (kept, lean)]
    np.testing.assert_array_equal(backs[0][0], backs[1][0])
    np.testing.assert_array_equal(backs[0][2], backs[1][2])
    assert kept[2].back[0].dc is not None and lean[2].back[0].dc is None
    np.testing.assert_array_equal(kept[2].cell.forget, lean[2].cell.forget)
