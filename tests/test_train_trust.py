"""Issue 9's training, model and checkpoint items: every number right or refused, one line and exit 2
for every bad file, valid JSON, and the deliberate bugs an earlier suite let through."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from nncalc.cli import app
from nncalc.problem import load_problem
from nncalc.trace import build_trace
from nncalc.train import Trainer, data_for, settings_from_problem

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def one_error_line(result, *needles):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("nncalc: error: ") and "Traceback" not in result.output
    for needle in needles:
        assert needle in err, err
    return err


# ---------------------------------------------------------------- numbers that overflow in training

# one sigmoid unit: w = 0 gives out 0.5, so the first step is -1e300 * 0.125 * 1e10 = -inf; then net is
# -inf, out 0, and the loss 1/2 (0 - 0)^2 stays finite: only the weight shows that training broke
OVERFLOWING_WEIGHT = """
network:
  inputs: [x]
  layers:
    - {units: [y], activation: sigmoid, weights: [[0.0]], weight_names: [[w]], bias: 0.0, bias_names: b}
loss: half_sse
learning_rate: 1.0e+300
data:
  - {input: [1.0e+10], target: [0.0]}
training: {epochs: 3}
"""


def test_a_weight_that_overflows_stops_training_like_a_nan_loss(tmp_path):
    problem = write(tmp_path, "inf.yaml", OVERFLOWING_WEIGHT)
    model = tmp_path / "m.npz"
    one_error_line(run("train", problem, "--save", model), "inf.yaml", "weight w became infinite in epoch 1",
                   "update 1", "training stopped", "--learning-rate 1e+299")
    assert not model.exists()


def test_a_weight_that_overflows_mid_epoch_names_the_last_update(tmp_path):
    text = OVERFLOWING_WEIGHT.replace("training: {epochs: 3}", "training: {steps: 1, batch_size: 1}").replace(
        "  - {input: [1.0e+10], target: [0.0]}", "  - {input: [1.0e+10], target: [0.0]}\n  - {input: [1], target: [0]}")
    one_error_line(run("train", write(tmp_path, "p.yaml", text), "--format", "json"), "weight w became infinite",
                   "by update 1")


def test_a_net_input_that_overflows_stops_training(tmp_path):
    # sigmoid(2 * 1e308) is exactly 1: the loss is 0 and the weights stay finite, but net.y is not
    text = OVERFLOWING_WEIGHT.replace("weights: [[0.0]]", "weights: [[2.0]]").replace("1.0e+10", "1.0e+308")
    one_error_line(run("train", write(tmp_path, "p.yaml", text), "--learning-rate", "0.1"), "p.yaml",
                   "net.y became infinite", "training stopped")


def test_an_lstm_gates_net_input_that_overflows_is_named_by_its_gate(tmp_path):
    # the fuzzer's case (seed 7, case 377): the one-step LSTM with its forget weight wf2 = 1e308 and
    # x2 = 2, so net.f.h = 0.2 + 2e308 overflows; an LSTM's nets run gate by gate (row 1 of 4 is f)
    from nncalc.bundled import resolve

    text = resolve("rnn-lstm-one-step").read_text()
    assert "f: [[0.2, 0.4]]" in text
    one_error_line(run("train", write(tmp_path, "p.yaml", text.replace("f: [[0.2, 0.4]]", "f: [[0.2, 1.0e+308]]")),
                       "--steps", "3", "-qq"), "p.yaml", "net.f.h became infinite", "training stopped")


# ---------------------------------------------------------------- refused before training

def test_save_yaml_for_a_network_too_large_for_yaml_is_refused_before_training(tmp_path):
    problem = write(tmp_path, "big.yaml", """
network:
  inputs: 2
  layers:
    - {units: 150, activation: tanh}
    - {units: 150, activation: tanh}
    - {units: 1, activation: sigmoid}
init: xavier
data: {generate: xor, samples: 20}
""")
    result = run("train", problem, "--save", tmp_path / "m.yaml", "--epochs", "1")
    one_error_line(result, "m.yaml", "at most 20,000 parameters", "this one has 23,251", "save it as .npz")
    assert "Training" not in result.stdout and not (tmp_path / "m.yaml").exists()


# ---------------------------------------------------------------- --explain

def test_explain_with_json_output_is_one_json_document_with_every_update():
    result = run("train", "mazur", "--steps", "2", "--explain", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)             # nothing but the JSON, on stdout and stderr together
    assert [u["update"] for u in data["updates"]] == [1, 2]
    first = data["updates"][0]
    assert first["values"]["E.total"] == pytest.approx(0.298371109, abs=5e-10)     # Mazur's E_total before
    assert first["weights"]["w5"] == pytest.approx(0.35891648, abs=5e-9)           # and his new w5
    assert data["updates"][1]["values"]["w5"] == first["weights"]["w5"]


def test_explain_of_a_large_network_keeps_to_the_size_rule(tmp_path):
    # 2-60-2: 302 parameters, over the unit-by-unit limit of 200: the applied update (adam differs from
    # the plain step) is one row per layer's weights and biases, like the derivation's matrix form
    problem = write(tmp_path, "wide.yaml", """
network:
  inputs: 2
  layers:
    - {units: 60, activation: tanh}
    - {units: 2, activation: softmax}
loss: cross_entropy
init: xavier
data: {generate: spiral, samples: 10}
training: {optimizer: adam}
""")
    result = run("train", problem, "--steps", "1", "--explain")
    assert result.exit_code == 0, result.output
    assert "by layer" in result.output and "layer 1 weights" in result.output
    assert len(result.output.splitlines()) < 150, len(result.output.splitlines())


# ---------------------------------------------------------------- models and checkpoints tampered with

def _trained_npz(tmp_path, checkpoint=False):
    from nncalc.bundled import resolve
    from nncalc.model import model_from_trainer, save_npz

    p = load_problem(resolve("mazur"))
    t = Trainer(p, settings_from_problem(p), data_for(p))
    for event in t.run():
        if getattr(event, "step", 0) == 3:
            t.request_stop()
    path = tmp_path / "m.npz"
    save_npz(path, model_from_trainer(t, with_state=checkpoint))
    with np.load(path) as archive:
        return {k: archive[k] for k in archive.files}


def _tampered(tmp_path, damage, checkpoint=False):
    arrays = _trained_npz(tmp_path, checkpoint)
    meta = json.loads(arrays["meta"].tobytes())
    damage(meta)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)     # json writes NaN as NaN
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


def _layer(meta, i=0):
    return meta["network"]["layers"][i]


MODEL_DAMAGE = {
    "version a string": (lambda m: m.update(version="2"), "'version'"),
    "version a float": (lambda m: m.update(version=1.5), "'version'"),
    "alpha a string": (lambda m: _layer(m).update(activation={"name": "leaky_relu", "alpha": "x"}), "alpha"),
    "alpha NaN": (lambda m: _layer(m).update(activation={"name": "leaky_relu", "alpha": float("nan")}), "alpha"),
    "unit names numbers": (lambda m: _layer(m).update(units=[1, 2]), "units"),
    "input names numbers": (lambda m: m["network"].update(inputs=[1, 2]), "inputs"),
    "bias names numbers": (lambda m: _layer(m).update(bias_names=[7]), "bias_names"),
    "learning rate NaN": (lambda m: m.update(learning_rate=float("nan")), "learning_rate"),
    "classes numbers": (lambda m: m.update(classes=[0, 1]), "classes"),
    "name a list": (lambda m: m.update(name=["x"]), "'name'"),
    "history not a list": (lambda m: m.update(history={"a": 1}), "history"),
}


@pytest.mark.parametrize("case", sorted(MODEL_DAMAGE))
@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_a_tampered_model_file_is_one_line(tmp_path, case, command):
    damage, needle = MODEL_DAMAGE[case]
    model = _tampered(tmp_path, damage)
    data = write(tmp_path, "d.csv", "x1,x2,y1,y2\n0.05,0.1,0.01,0.99\n")
    one_error_line(run(command, model, "--data", f"{{csv: {data}, target: [y1, y2]}}"), "bad.npz",
                   "damaged model file", needle)


@pytest.mark.parametrize("key,value", [("seconds", float("nan")), ("seconds", float("inf")), ("seconds", "1"),
                                       ("step", 1.5), ("best_value", float("nan"))])
def test_a_tampered_checkpoint_is_one_line(tmp_path, key, value):
    checkpoint = _tampered(tmp_path, lambda m: m["checkpoint"].update({key: value}), checkpoint=True)
    one_error_line(run("train", "mazur", "--resume", checkpoint, "-qq"), "bad.npz", "damaged checkpoint",
                   f"'{key}'")


# ---------------------------------------------------------------- evaluate and predict on the training data

CSV_PROBLEM = """
network:
  inputs: 2
  layers:
    - {units: 3, activation: softmax}
loss: cross_entropy
init: xavier
seed: 1
data: {csv: f.csv, target: label, task: classification}
training: {optimizer: adam, epochs: 3, batch_size: 10}
"""


def _csv_model(tmp_path, monkeypatch):
    rows = ["x1,x2,label"] + [f"{k % 3 + 0.1 * k / 30:.3f},{0.5 - k % 3:.3f},{k % 3}" for k in range(30)]
    write(tmp_path, "f.csv", "\n".join(rows) + "\n")
    problem = write(tmp_path, "p.yaml", CSV_PROBLEM)
    monkeypatch.chdir(tmp_path)
    result = run("train", problem, "--save", "c.npz", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["result"]["train"]


@pytest.mark.parametrize("data", ["f.csv", "{csv: f.csv, task: classification}",
                                  "{csv: f.csv, target: label, task: classification}"])
def test_evaluate_on_the_csv_a_model_was_trained_from(tmp_path, monkeypatch, data):
    trained = _csv_model(tmp_path, monkeypatch)
    result = run("evaluate", "c.npz", "--data", data, "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["samples"] == 30 and got["loss"] == pytest.approx(trained["loss"], rel=1e-12)
    assert got["accuracy"] == trained["accuracy"]
    predicted = run("predict", "c.npz", "--data", data, "--format", "json")
    assert predicted.exit_code == 0, predicted.output
    assert len(json.loads(predicted.stdout)["predictions"]) == 30


def test_evaluate_matches_classes_by_name_and_refuses_unknown_ones(tmp_path, monkeypatch):
    _csv_model(tmp_path, monkeypatch)
    write(tmp_path, "two.csv", "x1,x2,label\n2.0,-1.5,2\n0.0,0.5,0\n")      # fewer classes: 2 must stay 2
    result = run("predict", "c.npz", "--data", "two.csv", "--format", "json")
    assert [r["true"] for r in json.loads(result.stdout)["predictions"]] == ["2", "0"]
    write(tmp_path, "bad.csv", "x1,x2,label\n2.0,-1.5,7\n")
    one_error_line(run("evaluate", "c.npz", "--data", "bad.csv"), "--data", "class '7'", "0, 1, 2")


@pytest.mark.parametrize("data,needle", [("{csv: f.csv", "--data"), ("{csv: [f.csv]}", "--data")])
def test_a_bad_inline_data_mapping_is_one_line(tmp_path, monkeypatch, data, needle):
    _csv_model(tmp_path, monkeypatch)
    one_error_line(run("evaluate", "c.npz", "--data", data), needle)


# ---------------------------------------------------------------- JSON is always JSON

def test_predict_json_of_an_output_that_overflows_is_one_line(tmp_path):
    model = write(tmp_path, "m.yaml", """
network:
  inputs: [x]
  layers: [{units: [y], activation: linear, weights: [[1.0e+300]]}]
loss: half_sse
data: [{input: [1], target: [1]}]
""")
    data = write(tmp_path, "x.csv", "x\n1.0e+300\n")
    one_error_line(run("predict", model, "--data", data, "--format", "json"), "predictions[0]", "= inf: JSON has no number")


# ---------------------------------------------------------------- deliberate bugs an earlier suite missed

def test_the_running_mse_loss_is_divided_by_the_number_of_outputs(tmp_path, monkeypatch):
    # mse averages over samples x outputs: the running loss the epoch reports (counted from the
    # outputs kept, as on MNIST) equals E_total of the worked example at the weights before the update
    monkeypatch.setattr("nncalc.train.history.EXACT_LOSS_WORK", 0)
    p = load_problem(write(tmp_path, "mse.yaml", """
network:
  inputs: 2
  layers:
    - {units: 3, activation: sigmoid, weights: [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], bias: [0.1, 0.2, 0.3]}
loss: mse
data:
  - {input: [1, 2], target: [0, 1, 0]}
  - {input: [0.5, -1], target: [1, 0, 1]}
training: {steps: 1}
"""))
    expected = build_trace(p)["E.total"].value
    t = Trainer(p, settings_from_problem(p), data_for(p))
    reports = [e.record for e in t.run() if hasattr(e, "record")]
    assert reports[0]["loss"] == pytest.approx(expected, rel=1e-12)
