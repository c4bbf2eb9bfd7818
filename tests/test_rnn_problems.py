"""The bundled recurrent problems pin the engine over time: every value nncalc computes for them is
the one an independent computation gives.

Two independent computations, neither using nncalc:
- plain Python (`math.tanh`, written out step by step below) for the one-unit two-step RNN, so its
  numbers are checked even where PyTorch is not installed;
- a hand-written PyTorch float64 loop over the steps (`_torch_values`, autograd for every
  derivative) for all four problems, read straight from their YAML with PyYAML.
The numbers pinned for the other problems (`PINNED`) were printed by that loop.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from nncalc.bundled import bundled_problems
from nncalc.problem import load_problem
from nncalc.trace import build_trace

RNN_PROBLEMS = ("rnn-scalar", "rnn-ai-study", "rnn-many-to-one", "rnn-lstm-one-step")
FIXTURES = Path(__file__).parent / "fixtures" / "rnn"


def problem_path(name: str) -> Path:
    """A recurrent problem: bundled, or (until every command takes sequences) in tests/fixtures/rnn."""
    return bundled_problems().get(name) or FIXTURES / f"{name}.yaml"


def _trace(name: str):
    return build_trace(load_problem(problem_path(name)))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------- the scalar RNN by hand

def scalar_by_hand() -> dict[str, float]:
    """rnn-scalar worked in plain Python: x = (1, 2), h_0 = 0, W_x = 0.5, W_h = 0.4, b_h = 0,
    W_y = 1.5, b_y = 0, targets (0.5, 1.0), half_sse, eta 0.1."""
    wx, wh, wy, x, target = 0.5, 0.4, 1.5, (1.0, 2.0), (0.5, 1.0)
    h0 = 0.0
    net1 = wx * x[0] + wh * h0                  # 0.5
    h1 = math.tanh(net1)                        # 0.462117157
    y1 = wy * h1                                # 0.693175736
    net2 = wx * x[1] + wh * h1                  # 1.184846863
    h2 = math.tanh(net2)                        # 0.828973826
    y2 = wy * h2                                # 1.243460738
    E = 0.5 * (target[0] - y1) ** 2 + 0.5 * (target[1] - y2) ** 2
    dy1, dy2 = y1 - target[0], y2 - target[1]   # dE/dy_t = -(target - y)
    dh2 = wy * dy2                              # only through y_2: there is no h_3
    d2 = dh2 * (1 - h2 ** 2)                    # delta_h[2]
    dh1 = wy * dy1 + wh * d2                    # through y_1 and through h_2
    d1 = dh1 * (1 - h1 ** 2)                    # delta_h[1]
    return {
        "net.h[1]": net1, "out.h[1]": h1, "out.y[1]": y1, "net.h[2]": net2, "out.h[2]": h2, "out.y[2]": y2,
        "E.total": E, "dE/dout.y[1]": dy1, "dE/dout.y[2]": dy2, "dE/dout.h[2]": dh2, "delta.h[2]": d2,
        "dE/dout.h[1]": dh1, "delta.h[1]": d1,
        "grad.wx": d1 * x[0] + d2 * x[1], "grad.wh": d1 * h0 + d2 * h1, "grad.bh": d1 + d2,
        "grad.wy": dy1 * h1 + dy2 * h2, "grad.by": dy1 + dy2,
        "new.wh": wh - 0.1 * (d1 * h0 + d2 * h1),
        # the classic BPTT mistakes, made by hand (tests/test_rnn_check.py diagnoses them)
        "next_step_left_out:dE/dout.h[1]": wy * dy1,
        "last_step_only:grad.wx": d2 * x[1],
        "state_not_previous:grad.wh": d1 * h1 + d2 * h2,
    }


def test_the_scalar_rnn_matches_the_plain_python_computation():
    trace = _trace("rnn-scalar")
    for name, value in scalar_by_hand().items():
        if ":" not in name:
            assert _close(trace[name].value, value), name


def test_the_scalar_rnn_has_the_homework_numbers():
    trace = _trace("rnn-scalar")       # "compute h_1, h_2, y_2 and dL/dW_h", to nine digits by hand
    assert round(trace["out.h[1]"].value, 9) == 0.462117157
    assert round(trace["out.h[2]"].value, 9) == 0.828973826
    assert round(trace["out.y[2]"].value, 9) == 1.243460738
    assert round(trace["grad.wh"].value, 9) == 0.052788869


# ---------------------------------------------------------------- numbers printed by the torch loop

PINNED = {
    "rnn-ai-study": {"E.total": 0.8290407889514436, "out.h1[1]": 0.5370495669980353,
                     "out.h2[3]": 0.4246119522651768, "out.y2[3]": 0.5924360837161077,
                     "dE/dout.h1[1]": -0.09523061821632457, "delta.h4[3]": -0.03822719670361248,
                     "grad.wx12": -0.12474815149153348, "grad.wx14": 0.0},
    "rnn-many-to-one": {"E.total": 1.29193062430945, "out.y[3]@1": -1.0962202354982387,
                        "out.y[2]@2": 0.8104156957845735, "delta.h2[1]@1": 0.03847303727908341,
                        "grad.wh11": -0.7869458632082561, "grad.wh21": 0.6148370496459159,
                        "grad.by": -1.785804539713665},
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_values_from_the_torch_loop(name):
    trace = _trace(name)
    for quantity, value in PINNED[name].items():
        assert _close(trace[quantity].value, value), quantity


def test_many_to_one_has_no_steps_beyond_a_sequences_length():
    trace = _trace("rnn-many-to-one")          # sample 2 has 2 steps, sample 1 has 3
    assert "out.h1[2]@2" in trace and "out.h1[3]@2" not in trace
    assert "out.h1[3]@1" in trace


# ---------------------------------------------------------------- every value against the torch loop

NAMES = {"weights": "weight_names", "recurrent_weights": "recurrent_weight_names", "bias": "bias_names"}


def _torch_values(path) -> dict[str, float]:
    """Every net, out, dE/dout, delta (and an LSTM's gates and cell) at every step, E_total and
    every gradient, by a hand-written loop over the steps; derivatives by autograd."""
    torch = pytest.importorskip("torch", reason="the independent reference is a PyTorch loop")
    f64 = torch.float64
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda z: z}
    layers, grads = [], []           # grads: (tensor, names) pairs, names shaped as the tensor
    for spec in doc["network"]["layers"]:
        kind = spec.get("type", "dense")
        units = spec["units"]

        def tensor(value, names):
            t = torch.tensor(value, dtype=f64, requires_grad=True)
            grads.append((t, names))
            return t

        layer = {"kind": kind, "units": units, "act": spec.get("activation", "tanh")}
        if kind == "lstm":
            for key, names in NAMES.items():
                layer[key] = {g: tensor(spec[key][g], spec[names][g]) for g in "ifgo"}
            layer["c0"] = torch.tensor(spec.get("initial_cell", [0.0] * len(units)), dtype=f64)
        else:
            for key, names in NAMES.items():
                if key in spec:
                    layer[key] = tensor(spec[key], spec[names])
        layer["h0"] = torch.tensor(spec.get("initial_state", [0.0] * len(units)), dtype=f64)
        layers.append(layer)
    data = doc["data"]
    at = (lambda k: f"@{k + 1}") if len(data) > 1 else (lambda k: "")
    values, kept, outputs, targets = {}, [], [], []
    for k, sample in enumerate(data):
        xs = torch.tensor(sample["input"], dtype=f64)
        state = [None] * len(layers)
        for t in range(len(xs)):
            a = xs[t]
            for li, layer in enumerate(layers):
                net = None
                if layer["kind"] == "dense":
                    net = layer["weights"] @ a + layer["bias"]
                    out = acts[layer["act"]](net)
                elif layer["kind"] == "recurrent":
                    h = layer["h0"] if state[li] is None else state[li]
                    net = layer["weights"] @ a + layer["recurrent_weights"] @ h + layer["bias"]
                    out = state[li] = acts[layer["act"]](net)
                else:
                    h, c = (layer["h0"], layer["c0"]) if state[li] is None else state[li]
                    z = {g: layer["weights"][g] @ a + layer["recurrent_weights"][g] @ h + layer["bias"][g]
                         for g in "ifgo"}
                    i, f, g, o = (torch.sigmoid(z["i"]), torch.sigmoid(z["f"]), torch.tanh(z["g"]),
                                  torch.sigmoid(z["o"]))
                    c = f * c + i * g
                    out = o * torch.tanh(c)
                    state[li] = (out, c)
                    for gate, v in (("i", i), ("f", f), ("g", g), ("o", o), ("cell", c)):
                        for j, u in enumerate(layer["units"]):
                            values[f"{gate}.{u}[{t + 1}]{at(k)}"] = v[j].item()
                for what, v in (("net", net), ("out", out)):
                    if v is not None:
                        v.retain_grad()
                        kept.append((what, layer["units"], f"[{t + 1}]{at(k)}", v))
                a = out
            if sample["target"][t] is not None:
                outputs.append(a)
                targets.append(torch.tensor(sample["target"][t], dtype=f64))
    Y, T = torch.stack(outputs), torch.stack(targets)       # (N, m): the (sample, step) pairs with a target
    N, m = Y.shape
    E = {"half_sse": lambda: 0.5 * ((T - Y) ** 2).sum(), "mse": lambda: ((T - Y) ** 2).sum() / (N * m)}[doc["loss"]]()
    E.backward()
    values["E.total"] = E.item()
    for what, units, where, v in kept:
        for j, u in enumerate(units):
            values[f"{what}.{u}{where}"] = v[j].item()
            if v.grad is not None:      # None: an output at a step without a target (no error there)
                values[f"{'delta' if what == 'net' else 'dE/dout'}.{u}{where}"] = v.grad[j].item()
    for t, names in grads:
        for index, name in _named_entries(names):
            values[f"grad.{name}"] = t.grad[index].item()
    return values


def _named_entries(names, index=()):
    if isinstance(names, str):
        yield index, names
        return
    for i, sub in enumerate(names):
        yield from _named_entries(sub, index + (i,))


def loads(name: str) -> bool:
    """Whether the problem loads here (the LSTM one needs the lstm layer type)."""
    try:
        load_problem(problem_path(name))
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.skipif(
    n == "rnn-lstm-one-step" and not loads(n), reason="the lstm layer type is not on this branch yet"))
    for n in RNN_PROBLEMS])
def test_every_value_matches_the_torch_loop(name):
    path = problem_path(name)
    expected = _torch_values(path)
    trace = build_trace(load_problem(path))
    missing = sorted(set(expected) - set(trace.quantities))
    assert not missing, f"the trace lacks {missing[:5]}"
    wrong = {n: (trace[n].value, v) for n, v in expected.items() if not _close(trace[n].value, v)}
    assert not wrong, wrong
