"""Recurrent (Elman) layers: the issue's two-step example, finite differences over every recurrent
quantity, PyTorch autograd on random problems, the problem file's sequence data and its errors."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nncalc.engine import backward, error_terms, forward
from nncalc.errors import ProblemError
from nncalc.layers import Dense, Recurrent
from nncalc.ops import Activation
from nncalc.problem import load_problem
from nncalc.problem.overrides import with_overrides
from nncalc.trace import build_trace, values_of

TWO_STEP = Path(__file__).parent / "fixtures" / "rnn" / "two-step.yaml"


# ---------------------------------------------------------------- the two-step example

def _by_hand():
    """The two-step RNN of issue #11 worked with math.tanh, one scalar at a time (independent of
    the engine's NumPy): W = [[0.5, -0.1], [0.2, 0.3]], W_h = [[0.1, 0], [-0.2, 0.4]], b = [0, 0.1],
    h_0 = 0, y = 2 h1 - h2, x[1] = (1, 0), x[2] = (0.5, 2), targets 1 and 2, half_sse."""
    W, Wh, b, Wy = [[0.5, -0.1], [0.2, 0.3]], [[0.1, 0.0], [-0.2, 0.4]], [0.0, 0.1], [2.0, -1.0]
    xs, ts = [[1.0, 0.0], [0.5, 2.0]], [1.0, 2.0]
    h, hs, nets, ys = [0.0, 0.0], [[0.0, 0.0]], [], []
    for x in xs:
        net = [W[j][0] * x[0] + W[j][1] * x[1] + Wh[j][0] * h[0] + Wh[j][1] * h[1] + b[j] for j in range(2)]
        h = [math.tanh(z) for z in net]
        nets.append(net)
        hs.append(h)
        ys.append(Wy[0] * h[0] + Wy[1] * h[1])
    dy = [ys[t] - ts[t] for t in range(2)]                       # half_sse: dE/dy = y - t
    dh2 = [dy[1] * Wy[j] for j in range(2)]                     # the last step: only the path through y[2]
    delta2 = [dh2[j] * (1 - hs[2][j] ** 2) for j in range(2)]
    dh1 = [dy[0] * Wy[j] + sum(delta2[i] * Wh[i][j] for i in range(2)) for j in range(2)]
    delta1 = [dh1[j] * (1 - hs[1][j] ** 2) for j in range(2)]
    grad_wh = [[delta1[i] * hs[0][j] + delta2[i] * hs[1][j] for j in range(2)] for i in range(2)]
    return dict(nets=nets, hs=hs, ys=ys, E=sum(0.5 * (ts[t] - ys[t]) ** 2 for t in range(2)),
                dh=[dh1, dh2], delta=[delta1, delta2], grad_wh=grad_wh)


def test_two_step_example_matches_the_hand_computation():
    hand = _by_hand()
    trace = build_trace(load_problem(TWO_STEP))
    # net.h1[2] = 0.5·0.5 - 0.1·2 + 0.1·tanh(0.5) + 0·tanh(0.3) + 0 = 0.0962117157...
    assert trace["net.h1[2]"].value == pytest.approx(0.05 + 0.1 * math.tanh(0.5), rel=1e-15)
    for t in (1, 2):
        for j, u in enumerate(("h1", "h2")):
            assert trace[f"net.{u}[{t}]"].value == pytest.approx(hand["nets"][t - 1][j], rel=1e-14)
            assert trace[f"out.{u}[{t}]"].value == pytest.approx(hand["hs"][t][j], rel=1e-14)
            assert trace[f"dE/dout.{u}[{t}]"].value == pytest.approx(hand["dh"][t - 1][j], rel=1e-13)
            assert trace[f"delta.{u}[{t}]"].value == pytest.approx(hand["delta"][t - 1][j], rel=1e-13)
        assert trace[f"out.y[{t}]"].value == pytest.approx(hand["ys"][t - 1], rel=1e-14)
    assert trace["E.total"].value == pytest.approx(hand["E"], rel=1e-14)
    for i in range(2):
        for j in range(2):
            assert trace[f"grad.wh{2 * i + j + 1}"].value == pytest.approx(hand["grad_wh"][i][j], rel=1e-13)
    assert trace["out.h1[0]"].kind == "state" and trace["out.h1[0]"].step == 0


def test_total_derivative_adds_the_path_through_the_next_step():
    trace = build_trace(load_problem(TWO_STEP))
    dE = trace["dE/dout.h1[1]"]
    assert dE.inputs == ("dE.y[1]/dout.h1[1]", "dE.h1[2]/dout.h1[1]", "dE.h2[2]/dout.h1[1]")
    assert [trace.through_next_step(s) for s in dE.inputs] == [False, True, True]
    assert trace["dE.h2[2]/dout.h1[1]"].inputs == ("delta.h2[2]", "wh3")
    assert sum(trace[s].value for s in dE.inputs) == pytest.approx(dE.value, rel=1e-15)
    assert trace["dE/dout.h1[2]"].inputs == ("dE.y[2]/dout.h1[2]",)      # no step 3
    grad = trace["grad.wh1"]      # summed over steps, with h[t-1]: out.h1[0] at the first step
    assert grad.inputs == ("delta.h1[1]", "dnet.h1[1]/dwh1", "delta.h1[2]", "dnet.h1[2]/dwh1")
    assert trace["dnet.h1[1]/dwh1"].inputs == ("out.h1[0]",)


def test_every_quantity_reevaluates_from_its_inputs():
    """Trace.evaluate (the checker's re-evaluation) reproduces every value through time."""
    for path in (TWO_STEP,):
        trace = build_trace(load_problem(path))
        value_of = values_of(trace, {})
        for q in trace.quantities.values():
            assert trace.evaluate(q.name, value_of) == pytest.approx(q.value, rel=1e-12, abs=1e-15), q.name


# ---------------------------------------------------------------- random sequence problems

def _random_layers(rng, d, sizes, kinds, acts, shared=False):
    layers, fan_in, n_w, n_h = [], d, 0, 0
    for li, (u, kind, act) in enumerate(zip(sizes, kinds, acts)):
        units = tuple(f"u{li}_{j}" for j in range(u))
        W = rng.normal(0, 0.7, (u, fan_in))
        wn = tuple(tuple(f"w{n_w + r * fan_in + c}" for c in range(fan_in)) for r in range(u))
        n_w += u * fan_in
        if shared and kind == "recurrent":
            b, bn = np.full(u, rng.normal()), (f"b{li}",)
        else:
            b, bn = rng.normal(0, 0.3, u), tuple(f"b{li}_{j}" for j in range(u))
        if kind == "recurrent":
            Wh = rng.normal(0, 0.6, (u, u))
            hn = tuple(tuple(f"v{n_h + r * u + c}" for c in range(u)) for r in range(u))
            n_h += u * u
            layers.append(Recurrent(units, Activation(act), W, wn, Wh, hn, b, bn, shared, rng.normal(0, 0.5, u)))
        else:
            layers.append(Dense(units, Activation(act), W, wn, b, bn))
        fan_in = u
    return layers


CASES = [  # (sizes, kinds, activations, loss)
    ((3, 2), ("recurrent", "dense"), ("tanh", "linear"), "half_sse"),
    ((2, 3, 1), ("recurrent", "recurrent", "dense"), ("tanh", "sigmoid", "sigmoid"), "binary_cross_entropy"),
    ((3, 2, 3), ("dense", "recurrent", "dense"), ("relu", "tanh", "softmax"), "cross_entropy"),
    ((2, 2), ("recurrent", "recurrent"), ("tanh", "linear"), "mse"),
]


def _problem_arrays(rng, n, T, d, m, loss):
    X = rng.normal(0, 1, (n, T, d))
    lengths = rng.integers(1, T + 1, n)
    lengths[0] = T
    mask = (rng.random((n, T)) < 0.7) & (np.arange(T) < lengths[:, None])
    mask[np.arange(n), lengths - 1] = True
    X[np.arange(T) >= lengths[:, None]] = 0.0
    if loss == "cross_entropy":
        Tg = np.eye(m)[rng.integers(0, m, (n, T))]
    elif loss == "binary_cross_entropy":
        Tg = rng.random((n, T, m))
    else:
        Tg = rng.normal(0, 1, (n, T, m))
    Tg[~mask] = 0.0
    return X, Tg, mask, lengths


def _problem(case: int, seed: int, n: int = 2, T: int = 3):
    """A random sequence Problem of CASES[case] (samples of different lengths, some steps untargeted)."""
    from nncalc.problem import Network, Problem

    rng = np.random.default_rng(seed)
    sizes, kinds, acts, loss = CASES[case]
    layers = _random_layers(rng, 2, sizes, kinds, acts, shared=case == 3)
    X, Tg, mask, lengths = _problem_arrays(rng, n, T, 2, sizes[-1], loss)
    return Problem(f"case {case}", Network(("x1", "x2"), tuple(layers)), loss, 0.5, X, Tg,
                   target_mask=mask, lengths=lengths)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_random_sequence_traces_reevaluate_and_render(case):
    """Every quantity of stacked, recurrent-output and softmax-output sequences re-evaluates from its
    inputs, and the tables, the derivation and the matrix form render within 80 columns."""
    from test_render import render

    from nncalc.pictures.matrix_form import sequence_form_lines
    from nncalc.render.explain import explain_lines
    from nncalc.render.table import view

    trace = build_trace(_problem(case, 300 + case))
    value_of = values_of(trace, {})
    for q in trace.quantities.values():
        assert trace.evaluate(q.name, value_of) == pytest.approx(q.value, rel=1e-10, abs=1e-13), q.name
    assert max(map(len, render(view(trace, width=80), 80).splitlines())) <= 80
    assert max(map(len, explain_lines(trace, width=80))) <= 80
    assert any("δ" in line for line in sequence_form_lines(trace))


def _E(layers, loss, X, Tg, mask):
    return math.fsum(error_terms(loss, forward(layers, X).output, Tg, mask).ravel().tolist())


@pytest.mark.parametrize("case", range(len(CASES)))
def test_gradients_agree_with_finite_differences(case):
    """Every parameter's gradient (W, W_h, b of each layer) and every delta[t] of every layer and
    sample against central differences of E_total. A delta is probed by an extra input that is 1
    at one (sample, step) only, with a weight into one unit: its gradient is that unit's delta."""
    rng = np.random.default_rng(100 + case)
    sizes, kinds, acts, loss = CASES[case]
    n, T, d = 3, 4, 2
    layers = _random_layers(rng, d, sizes, kinds, acts, shared=case == 3)
    X, Tg, mask, lengths = _problem_arrays(rng, n, T, d, sizes[-1], loss)
    fwd = forward(layers, X)
    bwd = backward(layers, loss, fwd, Tg, mask=mask)
    h = 1e-6
    for li, layer in enumerate(layers):
        for prm, grad in zip(layer.parameters(), bwd.grads[li]):
            for idx in ([0] if prm.shared else np.ndindex(prm.array.shape)):
                def E_at(step):
                    arr = prm.array.copy()
                    if prm.shared:
                        arr += step
                    else:
                        arr[idx] += step
                    changed = [*layers[:li], layer.with_arrays({prm.name: arr}), *layers[li + 1:]]
                    return _E(changed, loss, X, Tg, mask)
                numeric = (E_at(h) - E_at(-h)) / (2 * h)
                exact = grad[0] if prm.shared else grad[idx]
                assert exact == pytest.approx(numeric, rel=1e-5, abs=1e-8), (li, prm.name, idx)
    for li, layer in enumerate(layers):
        fan_in = X.shape[-1] if li == 0 else sizes[li - 1]
        for k in range(n):
            for t in range(lengths[k]):
                for j in range(sizes[li]):
                    probe = np.zeros(X.shape[:2] + (1,))
                    probe[k, t] = 1.0

                    def E_at(step):
                        W = np.zeros((sizes[li], fan_in + 1))
                        W[:, :fan_in] = layer.weights
                        W[j, fan_in] = step
                        changed = [*layers[:li], layer.with_arrays({"weights": W}), *layers[li + 1:]]
                        below = forward(changed[:li], X).output if li else X
                        a = np.concatenate([below, probe], axis=-1)
                        Y = forward(changed[li:], a).output
                        return math.fsum(error_terms(loss, Y, Tg, mask).ravel().tolist())
                    numeric = (E_at(h) - E_at(-h)) / (2 * h)
                    assert bwd.delta[li][k, t, j] == pytest.approx(numeric, rel=1e-5, abs=1e-8), (li, k, t, j)


def test_padding_never_reaches_a_samples_own_steps():
    """A sample run alone gives the same values as inside a padded batch with longer ones."""
    rng = np.random.default_rng(7)
    layers = _random_layers(rng, 2, (3, 2), ("recurrent", "dense"), ("tanh", "linear"))
    X, Tg, mask, lengths = _problem_arrays(rng, 4, 5, 2, 2, "half_sse")
    k = int(np.argmin(lengths))
    L = int(lengths[k])
    both = backward(layers, "half_sse", fwd := forward(layers, X), Tg, mask=mask)
    alone_fwd = forward(layers, X[k:k + 1, :L])
    alone = backward(layers, "half_sse", alone_fwd, Tg[k:k + 1, :L], mask=mask[k:k + 1, :L])
    np.testing.assert_allclose(fwd.output[k, :L], alone_fwd.output[0], rtol=1e-14)
    np.testing.assert_allclose(both.delta[0][k, :L], alone.delta[0][0], rtol=1e-12, atol=1e-15)
    assert not both.delta[0][k, L:].any()


def _bptt_by_source(layer, net, out, direct, k):
    """BPTT(k) the slow way: each step's own error carried back at most k steps, one source at a time."""
    dact = layer.activation.derivative(net, out)
    T = net.shape[1]
    delta = np.zeros_like(net)
    for s in range(T):
        part = direct[:, s] * dact[:, s]
        delta[:, s] += part
        for back in range(1, k + 1):
            if s - back < 0:
                break
            part = (part @ layer.recurrent_weights) * dact[:, s - back]
            delta[:, s - back] += part
    return delta


@pytest.mark.parametrize("k", [0, 1, 2, 6])
def test_truncated_bptt_follows_the_recurrent_path_k_steps_back(k):
    rng = np.random.default_rng(3)
    layer = _random_layers(rng, 2, (3,), ("recurrent",), ("tanh",))[0]
    X = rng.normal(0, 1, (2, 6, 2))
    net, out, cache = layer.run(X)
    direct = rng.normal(0, 1, out.shape)
    dE, dact, delta = layer.backward_in_time(net, out, direct, cache, bptt=k)
    np.testing.assert_allclose(delta, _bptt_by_source(layer, net, out, direct, k), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(delta, dE * dact, rtol=1e-14)
    if k >= 5:
        full = layer.backward_in_time(net, out, direct, cache)[2]
        np.testing.assert_allclose(delta, full, rtol=1e-13)


def test_initial_state_override_and_final_state_chain_two_chunks():
    """Running T steps at once equals two chunks where the second starts from the first's final state."""
    rng = np.random.default_rng(5)
    layers = _random_layers(rng, 2, (3, 1), ("recurrent", "dense"), ("tanh", "linear"))
    X = rng.normal(0, 1, (2, 6, 2))
    whole = forward(layers, X)
    first = forward(layers, X[:, :4])
    second = forward(layers, X[:, 4:], states=first.final_states)
    np.testing.assert_allclose(np.concatenate([first.output, second.output], axis=1), whole.output, rtol=1e-14)
    assert first.final_states[1] is None


# ---------------------------------------------------------------- PyTorch autograd

@pytest.mark.parametrize("case", range(len(CASES)))
def test_every_value_matches_pytorch_autograd(case):
    torch = pytest.importorskip("torch", reason="PyTorch cross-check (CI installs torch)")
    rng = np.random.default_rng(200 + case)
    sizes, kinds, acts, loss = CASES[case]
    n, T, d = 4, 5, 3
    layers = _random_layers(rng, d, sizes, kinds, acts)
    X, Tg, mask, lengths = _problem_arrays(rng, n, T, d, sizes[-1], loss)
    fwd = forward(layers, X)
    bwd = backward(layers, loss, fwd, Tg, mask=mask)

    tt = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    fns = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "linear": lambda z: z,
           "softmax": lambda z: torch.softmax(z, dim=-1)}
    params, nets = [], []
    a = tt(X)
    for layer in layers:
        W, b = tt(layer.weights).requires_grad_(), tt(layer.bias).requires_grad_()
        f = fns[layer.activation.name]
        if layer.sequence:
            Wh = tt(layer.recurrent_weights).requires_grad_()
            h = tt(layer.h0).expand(n, -1)
            outs, step_nets = [], []
            for t in range(T):
                z = a[:, t] @ W.T + b + h @ Wh.T
                z.retain_grad()
                step_nets.append(z)
                h = f(z)
                outs.append(h)
            params.append((W, Wh, b))
            nets.append(step_nets)
            a = torch.stack(outs, dim=1)
        else:
            z = a @ W.T + b
            z.retain_grad()
            params.append((W, b))
            nets.append(z)
            a = f(z)
    m = torch.tensor(mask)
    Y, Tt = a[m], tt(Tg)[m]
    if loss == "half_sse":
        E = 0.5 * ((Tt - Y) ** 2).sum()
    elif loss == "mse":
        E = ((Tt - Y) ** 2).mean()
    elif loss == "binary_cross_entropy":
        E = torch.nn.functional.binary_cross_entropy(Y, Tt)
    else:
        E = -(Tt * torch.log(Y)).sum(dim=1).mean()
    E.backward()

    np.testing.assert_allclose(fwd.output, a.detach().numpy(), rtol=1e-12)
    assert math.fsum(error_terms(loss, fwd.output, Tg, mask).ravel().tolist()) == pytest.approx(E.item(), rel=1e-12)
    for li, layer in enumerate(layers):
        for ours, theirs in zip(bwd.grads[li], params[li]):
            np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-13)
        grad_net = (torch.stack([z.grad for z in nets[li]], dim=1) if layer.sequence else nets[li].grad).numpy()
        np.testing.assert_allclose(bwd.delta[li], grad_net, rtol=1e-9, atol=1e-13)


def test_engine_matches_torch_nn_rnn():
    """The same numbers as torch.nn.RNN (tanh, one layer, batch_first) with a linear read-out."""
    torch = pytest.importorskip("torch", reason="PyTorch cross-check (CI installs torch)")
    rng = np.random.default_rng(11)
    layers = _random_layers(rng, 3, (4, 2), ("recurrent", "dense"), ("tanh", "linear"))
    rec = layers[0]
    X = rng.normal(0, 1, (5, 7, 3))
    Tg = rng.normal(0, 1, (5, 7, 2))
    rnn = torch.nn.RNN(3, 4, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(rec.weights))
        rnn.weight_hh_l0.copy_(torch.tensor(rec.recurrent_weights))
        rnn.bias_ih_l0.copy_(torch.tensor(rec.bias))
        rnn.bias_hh_l0.zero_()
    head = torch.nn.Linear(4, 2, dtype=torch.float64)
    with torch.no_grad():
        head.weight.copy_(torch.tensor(layers[1].weights))
        head.bias.copy_(torch.tensor(layers[1].bias))
    H, _ = rnn(torch.tensor(X), torch.tensor(rec.h0)[None, None].expand(1, 5, 4).contiguous())
    Y = head(H)
    (0.5 * ((torch.tensor(Tg) - Y) ** 2).sum()).backward()
    fwd = forward(layers, X)
    bwd = backward(layers, "half_sse", fwd, Tg)
    np.testing.assert_allclose(fwd.output, Y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(bwd.grads[0][0], rnn.weight_ih_l0.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(bwd.grads[0][1], rnn.weight_hh_l0.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(bwd.grads[0][2], rnn.bias_ih_l0.grad.numpy(), rtol=1e-9)


# ---------------------------------------------------------------- the problem file

def _write(tmp_path, text):
    path = tmp_path / "rnn.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


BASE = """\
network:
  inputs: [x]
  layers:
    - units: [h]
      type: recurrent
      weights: [[0.5]]
      recurrent_weights: [[0.8]]
      bias: [0.1]
    - units: [y]
      activation: linear
      weights: [[1.5]]
loss: half_sse
data:
  - input: [1, 0.5, -1]
    target: [null, null, 0.4]
  - input: [2]
    target: [1]
"""


def test_sequence_data_pads_samples_of_different_lengths(tmp_path):
    p = load_problem(_write(tmp_path, BASE))
    assert p.inputs.shape == (2, 3, 1) and p.targets.shape == (2, 3, 1)
    assert p.lengths.tolist() == [3, 1]
    assert p.target_mask.tolist() == [[False, False, True], [True, False, False]]
    assert p.inputs[1, 1:].tolist() == [[0.0], [0.0]]
    assert p.network.layers[0].activation.name == "tanh"           # the recurrent default
    assert p.network.layers[0].recurrent_weight_names == (("wh1",),)
    trace = build_trace(p)
    assert "out.h[2]@2" not in trace and "E.y[1]@1" not in trace and "delta.y[1]@1" not in trace
    assert trace["E.total"].inputs == ("E.y[3]@1", "E.y[1]@2")
    # many-to-one: dE/dout.h[1]@1 has only the path through h[2]
    assert trace["dE/dout.h[1]@1"].inputs == ("dE.h[2]/dout.h[1]@1",)


def test_set_an_input_at_one_step_or_every_step_of_a_sequence(tmp_path):
    p = load_problem(_write(tmp_path, BASE))
    assert with_overrides(p, {"x[2]@1": 7}).inputs[:, :, 0].tolist() == [[1, 7, -1], [2, 0, 0]]
    assert with_overrides(p, {"x": 3}).inputs[:, :, 0].tolist() == [[3, 3, 3], [3, 0, 0]]   # never the padding
    with pytest.raises(Exception, match="step 4 does not exist"):
        with_overrides(p, {"x[4]": 1})


def test_set_changes_a_recurrent_weight_without_touching_the_problem(tmp_path):
    p = load_problem(_write(tmp_path, BASE))
    q = with_overrides(p, {"wh1": 0.3})
    assert q.network.layers[0].recurrent_weights[0, 0] == 0.3
    assert p.network.layers[0].recurrent_weights[0, 0] == 0.8
    assert build_trace(q)["net.h[2]@1"].value == pytest.approx(0.5 * 0.5 + 0.3 * math.tanh(0.6) + 0.1)


BAD = [
    ("recurrent_weights: [[0.8]]", "recurrent_weights: [[0.8], [1]]", "layers[0].recurrent_weights",
     "expected 1 row and as many columns (units h), got 2", 7),
    ("recurrent_weights: [[0.8]]", "recurrent_weights: [[0.8, 1]]", "layers[0].recurrent_weights[0]",
     "expected 1 number (h), got 2", 7),
    ("      recurrent_weights: [[0.8]]\n", "", "layers[0]", "missing 'recurrent_weights'", 4),
    ("type: recurrent", "type: recurent", "layers[0].type", "unknown layer type 'recurent'", 5),
    ("      activation: linear\n", "      activation: linear\n      recurrent_weights: [[1]]\n", "layers[1].recurrent_weights",
     "unknown key 'recurrent_weights'", 11),
    ("bias: [0.1]", "bias: [0.1]\n      initial_state: [0, 1]", "layers[0].initial_state", "expected 1 number (h), got 2", 9),
    ("type: recurrent", "type: recurrent\n      activation: softmax", "layers[0].activation",
     "softmax is only supported on a dense output layer", 6),
    ("input: [1, 0.5, -1]", "input: 3", "data[0].input", "expected a list of rows of 1 input, one per time step", 14),
    ("input: [1, 0.5, -1]", "input: []", "data[0].input", "an empty list", 14),
    ("input: [1, 0.5, -1]", "input: [1, [0.5, 2], -1]", "data[0].input[1]", "expected 1 number (x), got 2", 14),
    ("target: [null, null, 0.4]", "target: [null, 0.4]", "data[0].target",
     "expected 3 rows, one per time step of the input", 15),
    ("target: [null, null, 0.4]", "target: [null, null, 'a']", "data[0].target[2]", "expected a number, got 'a'", 15),
    ("    target: [1]\n", "", "data[1]", "missing 'target'", 16),
    ("target: [null, null, 0.4]\n  - input: [2]\n    target: [1]",
     "target: [null, null, null]\n  - input: [2]\n    target: [null]", "data", "every target is null", 14),
]


@pytest.mark.parametrize("old,new,where,message,line", BAD, ids=[b[2] + ":" + b[3][:20] for b in BAD])
def test_bad_sequence_input_is_one_clear_line(tmp_path, old, new, where, message, line):
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    text = str(err.value)
    assert message in text and "\n" not in text
    assert err.value.where == f"network.{where}" if where.startswith("layers") else err.value.where == where
    assert err.value.line == line, text


def test_bad_input_exits_2_with_one_line(cli, tmp_path):
    path = _write(tmp_path, BASE.replace("recurrent_weights: [[0.8]]", "recurrent_weights: [[0.8, 1]]"))
    result = cli("backprop", path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "rnn.yaml:7:" in lines[0]
    assert "network.layers[0].recurrent_weights[0]" in lines[0]


# ---------------------------------------------------------------- what a user sees

def test_golden_renders_of_the_two_step_example():
    from test_render import check_golden, render

    from nncalc.render.explain import explain_text
    from nncalc.render.markdown import markdown
    from nncalc.render.table import view

    trace = build_trace(load_problem(TWO_STEP))
    check_golden("rnn-two-step-backprop-80.txt", render(view(trace, width=80), 80))
    check_golden("rnn-two-step-explain-80.txt", explain_text(trace, width=80) + "\n")
    check_golden("rnn-two-step-explain-ascii-80.txt", explain_text(trace, unicode=False, width=80) + "\n")
    check_golden("rnn-two-step-explain.md", markdown(trace, explain=True))


def test_tables_write_the_recurrence_out_with_numbers():
    from nncalc.render.steps import recurrence_lines

    lines = recurrence_lines(build_trace(load_problem(TWO_STEP)))
    assert lines[2] == ("h1[2] = tanh(0.5·0.5 - 0.1·2 + 0.1·h1[1] + 0·h2[1] + 0)\n"
                        "      = tanh(0.096211716) = 0.095915943")       # past 80 characters: two lines
    assert lines[0] == "h1[1] = tanh(0.5·1 - 0.1·0 + 0.1·0 + 0·0 + 0) = tanh(0.500000000) = 0.462117157"


def test_explain_shows_both_paths_and_sums_the_gradient_over_steps():
    from nncalc.render.explain import explain_owned_lines

    owned = explain_owned_lines(build_trace(load_problem(TWO_STEP)), width=None)
    text = "\n".join(line for _, line in owned)
    assert "∂E_total/∂out_h1[1] = ∂E_y[1]/∂out_h1[1] + ∂E_total/∂out_h1[1] via h1[2] + " \
           "∂E_total/∂out_h1[1] via h2[2]" in text
    assert "from y[1] at this step and through h1[2], h2[2] at the next" in text
    grad = [line for owner, line in owned if owner == "grad.wh1"]
    assert grad and "δ_h1[1] * out_h1[0] + δ_h1[2] * out_h1[1]" in grad[0]
    assert text.index("Step 2") < text.index("Step 1")


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html", "latex", "latex-fragment", "beamer"])
def test_every_trace_format_renders_a_sequence_problem(cli, fmt):
    result = cli("backprop", TWO_STEP, "--explain", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "wh1" in result.stdout
    if fmt == "json":
        assert json.loads(result.stdout)["steps"] == [2]


def test_summary_counts_shared_weights_once(cli):
    result = cli("summary", TWO_STEP)
    assert result.exit_code == 0
    assert "2 x 2 + 2 x 2 = 8" in result.stdout and "12" in result.stdout.splitlines()[-1]


def test_spec_reads_back_as_the_same_layer(tmp_path):
    import yaml

    layer = load_problem(TWO_STEP).network.layers[0]
    doc = {"network": {"inputs": ["x1", "x2"], "layers": [layer.spec(), {"units": ["y"], "weights": [[1, 1]]}]}}
    path = tmp_path / "again.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    again = load_problem(path).network.layers[0]
    assert again.spec() == layer.spec()
    for prm, other in zip(layer.parameters(), again.parameters()):
        assert prm.names == other.names and np.array_equal(prm.array, other.array)


def test_an_overflowing_state_is_refused_by_name(tmp_path):
    from nncalc.errors import ComputeError

    path = _write(tmp_path, BASE.replace("type: recurrent", "type: recurrent\n      activation: relu")
                  .replace("recurrent_weights: [[0.8]]", "recurrent_weights: [[1e300]]")
                  .replace("weights: [[0.5]]", "weights: [[1e300]]"))
    with pytest.raises(ComputeError) as err:
        build_trace(load_problem(path))
    assert "net.h[2]@1" in str(err.value) and "overflows" in str(err.value)


def test_long_sequences_explain_in_the_per_step_matrix_form(tmp_path):
    from nncalc.render.explain import explain_lines

    steps = ", ".join(["0.1"] * 150)
    path = _write(tmp_path, BASE.replace("input: [1, 0.5, -1]", f"input: [{steps}]")
                  .replace("target: [null, null, 0.4]", f"target: [{', '.join(['null'] * 149)}, 0.4]"))
    lines = explain_lines(build_trace(load_problem(path)), width=80)
    text = "\n".join(lines)
    assert "per-step matrix form" in text and "|δ1[150]|" in text and "h[t-1]" in text
    assert max(map(len, lines)) <= 80


@pytest.mark.parametrize("args", [("backprop", "--matrix"), ("draw",), ("draw", "--show", "grad", "--format", "dot"),
                                  ("names",), ("forward", "--set", "wh1=0.3", "--set", "x1[2]=1")])
def test_the_other_commands_take_a_sequence_problem(cli, args):
    result = cli(args[0], TWO_STEP, *args[1:])
    assert result.exit_code == 0, result.output
    assert max(map(len, result.stdout.splitlines())) <= 80 or args[0] == "draw"
