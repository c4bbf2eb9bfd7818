"""`type: lstm` in problem files: loading, every named value of the worked example against a PyTorch
loop with autograd, Trace.evaluate through the cell, the tables and the derivation."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from nncalc.cli import app
from nncalc.errors import ProblemError
from nncalc.problem.file import problem_from_doc
from nncalc.trace import build_trace, values_of
from nncalc.yamlio import parse_yaml

GATES = "ifgo"


def lstm_spec(rng: np.random.Generator, units: list[str], fan_in: int, prefix: str) -> dict:
    """A `type: lstm` layer entry with random weights, bias and initial state (names prefixed)."""
    u = len(units)
    by_gate = lambda rows, cols: {q: rng.normal(0, 0.6, (rows, cols)).round(3).tolist() for q in GATES}  # noqa: E731
    return {"units": units, "type": "lstm", "weights": by_gate(u, fan_in), "recurrent_weights": by_gate(u, u),
            "bias": {q: rng.normal(0, 0.4, u).round(3).tolist() for q in GATES},
            "weight_names": {q: [[f"{prefix}w{q}{j}_{c}" for c in range(fan_in)] for j in range(u)] for q in GATES},
            "recurrent_weight_names": {q: [[f"{prefix}v{q}{j}_{c}" for c in range(u)] for j in range(u)]
                                       for q in GATES},
            "initial_state": rng.normal(0, 0.5, u).round(3).tolist(),
            "initial_cell": rng.normal(0, 0.5, u).round(3).tolist()}


def random_problem(seed: int, stacked: bool = False, lengths=(3,), many_to_one: bool = False) -> dict:
    """An LSTM (optionally two stacked) then a dense output layer, on random sequences."""
    rng = np.random.default_rng(seed)
    d, m = 2, 2
    layers = [lstm_spec(rng, ["h1", "h2"], d, "a")]
    if stacked:
        layers.append(lstm_spec(rng, ["k1", "k2", "k3"], 2, "b"))
    below = len(layers[-1]["units"])
    layers.append({"units": ["y1", "y2"], "activation": "sigmoid",
                   "weights": rng.normal(0, 0.8, (m, below)).round(3).tolist(), "bias": [0.1, -0.2]})
    data = []
    for T in lengths:
        target = rng.uniform(0, 1, (T, m)).round(3).tolist()
        if many_to_one:
            target = [None] * (T - 1) + [target[-1]]
        data.append({"input": rng.normal(0, 1, (T, d)).round(3).tolist(), "target": target})
    return {"name": f"lstm {seed}", "network": {"inputs": ["x1", "x2"], "layers": layers}, "loss": "mse",
            "learning_rate": 0.5, "data": data}


def load(spec: dict):
    return problem_from_doc(parse_yaml(yaml.safe_dump(spec, sort_keys=False), "lstm.yaml"))


def torch_values(spec: dict) -> dict[str, float]:
    """Every value the trace names, from PyTorch's equations step by step with autograd."""
    torch = pytest.importorskip("torch", reason="torch checks the LSTM worked example")

    def tensor(value, grad: bool = False):
        return torch.tensor(np.asarray(value, dtype=np.float64), requires_grad=grad)

    net = spec["network"]
    params, names = {}, {}
    values: dict[str, float] = {}
    several = len(spec["data"]) > 1

    def at(name: str, k: int) -> str:
        return f"{name}@{k + 1}" if several else name

    layers = []
    for layer in net["layers"]:
        if layer.get("type") == "lstm":
            W = tensor(np.concatenate([layer["weights"][q] for q in GATES]), True)
            Wh = tensor(np.concatenate([layer["recurrent_weights"][q] for q in GATES]), True)
            b = tensor(np.concatenate([layer["bias"][q] for q in GATES]), True)
            wn = [n for q in GATES for row in layer["weight_names"][q] for n in row]
            vn = [n for q in GATES for row in layer["recurrent_weight_names"][q] for n in row]
            bn = [f"b{q}_{unit}" for q in GATES for unit in layer["units"]]
            layers.append(("lstm", layer["units"], W, Wh, b, layer["initial_state"], layer["initial_cell"]))
            names.update({id(W): wn, id(Wh): vn, id(b): bn})
        else:
            W = tensor(layer["weights"], True)
            b = tensor(layer["bias"], True)
            layers.append(("dense", layer["units"], W, b))
            names.update({id(W): None, id(b): None})
    kept = []
    terms = []
    for k, sample in enumerate(spec["data"]):
        xs = tensor(sample["input"])
        states = {li: (tensor(l[5]), tensor(l[6])) for li, l in enumerate(layers) if l[0] == "lstm"}
        for t in range(xs.shape[0]):
            a = xs[t]
            for li, layer in enumerate(layers):
                if layer[0] == "dense":
                    a = torch.sigmoid(layer[2] @ a + layer[3])
                    a.retain_grad()
                    kept.append((at(f"out.{{}}[{t + 1}]", k), layer[1], a))
                    continue
                _, units, W, Wh, b, _, _ = layer
                h, c = states[li]
                u = len(units)
                z = W @ a + Wh @ h + b
                z.retain_grad()
                gates = [torch.sigmoid(z[:u]), torch.sigmoid(z[u:2 * u]), torch.tanh(z[2 * u:3 * u]),
                         torch.sigmoid(z[3 * u:])]
                c = gates[1] * c + gates[0] * gates[2]
                c.retain_grad()
                h = gates[3] * torch.tanh(c)
                h.retain_grad()
                states[li] = (h, c)
                for q, gate in zip(GATES, gates):
                    for j, unit in enumerate(units):
                        values[at(f"{q}.{unit}[{t + 1}]", k)] = float(gate[j].detach())
                kept.append((at(f"net.{{}}[{t + 1}]", k), [f"{q}.{unit}" for q in GATES for unit in units], z))
                kept.append((at(f"cell.{{}}[{t + 1}]", k), units, c))
                kept.append((at(f"out.{{}}[{t + 1}]", k), units, h))
                a = h
            target = sample["target"][t]
            if target is not None:
                terms.append((a - tensor(target)) ** 2)
    E = torch.cat(terms).mean()
    E.backward()
    values["E.total"] = float(E.detach())
    for pattern, units, value in kept:
        for j, unit in enumerate(units):
            values[pattern.format(unit)] = float(value[j].detach())
            kind = pattern.split(".", 1)[0]
            grad_name = {"net": "delta", "cell": "dE/dcell", "out": "dE/dout"}[kind]
            if value.grad is not None and not (kind == "out" and unit.startswith("y")):
                values[pattern.replace(f"{kind}.", f"{grad_name}.", 1).format(unit)] = float(value.grad[j])
    for layer in layers:
        for array in layer[2:4] if layer[0] == "dense" else layer[2:5]:
            for name, g in zip(names[id(array)] or [], array.grad.reshape(-1).tolist()):
                values[f"grad.{name}"] = g
    return values


@pytest.mark.parametrize("seed, stacked, lengths, many_to_one", [
    (1, False, (1,), False), (2, False, (3,), False), (3, True, (2,), False), (4, False, (3, 2), False),
    (5, True, (4, 2, 3), True),
])
def test_every_named_value_matches_a_torch_loop(seed, stacked, lengths, many_to_one):
    spec = random_problem(seed, stacked, lengths, many_to_one)
    expected = torch_values(spec)
    trace = build_trace(load(spec))
    compared = 0
    for name, value in expected.items():
        assert name in trace, name
        assert trace[name].value == pytest.approx(value, rel=1e-9, abs=1e-12), name
        compared += 1
    assert compared > 40


def test_every_quantity_recomputes_from_its_inputs():
    """Trace.evaluate (the checker's re-evaluation) gives each quantity's own value back, gates and
    cell included: the trace's ops and inputs describe the LSTM completely."""
    trace = build_trace(load(random_problem(7, True, (3, 2), True)))
    same = values_of(trace, {})
    for name, q in trace.quantities.items():
        if q.op != "leaf":
            assert trace.evaluate(name, same) == pytest.approx(q.value, rel=1e-12, abs=1e-15), name


def test_a_student_number_carries_through_the_cell():
    """With a wrong forget gate, the cell recomputed from it follows the student's number."""
    trace = build_trace(load(random_problem(2)))
    f, c0, i, g = (trace[n].value for n in ("f.h1[1]", "cell.h1[0]", "i.h1[1]", "g.h1[1]"))
    assert trace.evaluate("cell.h1[1]", values_of(trace, {"f.h1[1]": 0.5})) == pytest.approx(0.5 * c0 + i * g)
    assert trace.evaluate("f.h1[1]", values_of(trace, {"net.f.h1[1]": 0.0})) == pytest.approx(0.5)
    assert trace.evaluate("g.h1[1]", values_of(trace, {"net.g.h1[1]": 0.0})) == pytest.approx(0.0)
    assert f != 0.5


def test_default_names_and_zero_state():
    spec = random_problem(3)
    layer = spec["network"]["layers"][0]
    for key in ("weight_names", "recurrent_weight_names", "initial_state", "initial_cell"):
        del layer[key]
    problem = load(spec)
    lstm = problem.network.layers[0]
    assert lstm.weight_names[0] == ("wi1", "wi2") and lstm.weight_names[2] == ("wf1", "wf2")
    assert lstm.recurrent_weight_names[7] == ("who3", "who4")
    assert lstm.bias_names[:3] == ("bi_h1", "bi_h2", "bf_h1")
    trace = build_trace(problem)
    assert trace["out.h2[0]"].value == 0.0 and trace["cell.h1[0]"].value == 0.0


@pytest.mark.parametrize("change, message", [
    (lambda l: l["weights"].pop("g"), "missing required key 'g'"),
    (lambda l: l["weights"].update(z=[[1, 2]]), "unknown gate 'z'"),
    (lambda l: l.__setitem__("weights", [[1, 2]]), "expected a mapping by gate"),
    (lambda l: l["recurrent_weights"]["o"].pop(), "expected 2 rows and as many columns"),
    (lambda l: l.__setitem__("activation", "relu"), "an lstm layer has no 'activation'"),
    (lambda l: l["bias"].__setitem__("f", [1.0]), "expected 2 numbers"),
    (lambda l: l.__setitem__("initial_cell", [0.0, 0.0, 1.0]), "expected 2 numbers"),
])
def test_bad_lstm_layers_are_refused_with_the_place(change, message):
    spec = random_problem(1)
    change(spec["network"]["layers"][0])
    with pytest.raises(ProblemError) as info:
        load(spec)
    assert message in str(info.value) and "layers[0]" in str(info.value).replace(".layers.0", "layers[0]")


def test_backprop_shows_the_cell_and_explains_both_paths(tmp_path):
    path = tmp_path / "lstm.yaml"
    path.write_text(yaml.safe_dump(random_problem(2), sort_keys=False))
    result = CliRunner().invoke(app, ["backprop", str(path), "--explain"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for text in ("i.h1[1] = σ(net_i.h1[1])", "cell.h1[2] = f.h1[2] * cell.h1[1] + i.h1[2] * g.h1[2]",
                 "∂E_total/∂cell.h1[2] = ∂E_total/∂out_h1[2] * ∂out_h1[2]/∂cell.h1[2] + "
                 "∂E_total/∂cell.h1[3] * f.h1[3]", "via h2[3] = δ_i.h2[3] * avi1_0",
                 "δ_f.h1[1] = ∂E_total/∂f.h1[1] * ∂f.h1[1]/∂net_f.h1[1]"):
        assert text in result.output.replace("\n", " ") or text in result.output, text
    tables = CliRunner().invoke(app, ["backprop", str(path)], env={"COLUMNS": "80"})
    assert tables.exit_code == 0, tables.output
    assert "LSTM cell, unit by unit" in tables.output and "Backward pass through the LSTM cell" in tables.output
    assert max(len(line) for line in tables.output.splitlines()) <= 80


def test_spec_reads_back_as_the_same_layer():
    """LSTM.spec() is the layer's problem-file entry (model files save it): loading it gives the
    same arrays, names and states."""
    problem = load(random_problem(4))
    layer = problem.network.layers[0]
    spec = random_problem(4)
    spec["network"]["layers"][0] = yaml.safe_load(yaml.safe_dump(layer.spec()))
    again = load(spec).network.layers[0]
    for key in ("weights", "recurrent_weights", "bias", "initial_state", "initial_cell"):
        np.testing.assert_array_equal(getattr(again, key), getattr(layer, key))
    for key in ("weight_names", "recurrent_weight_names", "bias_names", "units"):
        assert getattr(again, key) == getattr(layer, key)


def test_check_carries_a_wrong_forget_gate_into_the_cell(tmp_path):
    """nncalc check: a wrong f.h[1] is wrong, the cell worked from it is carried forward."""
    problem = "problems/rnn-lstm-one-step.yaml"
    trace = build_trace(problem_from_doc(parse_yaml(open(problem).read(), problem)))
    i, g, c0 = (trace[n].value for n in ("i.h[1]", "g.h[1]", "cell.h[0]"))
    answers = tmp_path / "a.yaml"
    answers.write_text(f'answers:\n  "f.h[1]": 0.800000\n  "cell.h[1]": {0.8 * c0 + i * g:.6f}\n'
                       f'  "i.h[1]": {i:.6f}\n')
    result = CliRunner().invoke(app, ["check", problem, str(answers)], env={"COLUMNS": "80"})
    lines: dict[str, str] = {}
    for line in result.output.splitlines():
        if line.split():
            lines.setdefault(line.split()[0], line)          # the verdict table's row, not the 'Why'
    assert "wrong" in lines["f.h[1]"] and "carried forward" in lines["cell.h[1]"] and "correct" in lines["i.h[1]"]
