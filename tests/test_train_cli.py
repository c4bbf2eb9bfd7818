"""`nncalc train`, `evaluate` and `predict` through Typer's CliRunner: output, exit codes, every
error path (exit 2, one line naming the file and place), Ctrl-C and resume."""

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from nncalc.cli import app

runner = CliRunner()


def run(*args, **kw):
    return runner.invoke(app, list(args), **kw)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def one_error_line(result, *needles):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("nncalc: error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in err, err
    return err


# ---------------------------------------------------------------- what the user sees

def test_mazur_every_1000_json_has_the_held_out_numbers():
    result = run("train", "mazur", "--steps", "10000", "--every", "1000", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [h["step"] for h in data["history"]] == list(range(1000, 10001, 1000))
    last = data["history"][-1]
    assert last["loss"] == pytest.approx(0.0000351019, rel=2e-6)
    assert last["out.o1"] == pytest.approx(0.015913620, abs=5e-10)
    assert data["values"]["E.total"] == pytest.approx(0.0000351019, rel=2e-6)
    assert data["values"]["out.o2"] == pytest.approx(0.984064274, abs=5e-10)
    assert set(data["weights"]) == {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"}
    assert data["weights"]["b1"] == 0.35
    assert data["result"]["reason"] == "steps"


def test_every_prints_a_row_per_k_updates_with_outputs_and_watched_weights():
    result = run("train", "mazur", "--steps", "10000", "--every", "1000", "--watch", "w5", "-q")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(l for l in lines if "E_total" in l)
    assert "out.o1" in header and "out.o2" in header and "w5" in header
    rows = [l for l in lines if re.match(r"\s*[\d,]+/10,000", l)]
    assert len(rows) == 10
    assert "0.015914" in rows[-1] and "0.984064" in rows[-1]


def test_explain_prints_every_value_of_each_update():
    result = run("train", "nnbasic", "--steps", "1", "--explain")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "update 1 of 1" in out
    assert "0.084155041" in out          # dE/dw5 of the NNBasic slide
    assert "0.197922480" in out          # w5+
    assert "Applied update" not in out   # plain sgd: the trace's step is the update


def test_explain_shows_the_applied_update_when_biases_are_fixed():
    result = run("train", "mazur", "--steps", "1", "--explain")
    assert result.exit_code == 0, result.output
    assert "Applied update" in result.stdout
    assert "biases held fixed" in result.stdout


def test_perceptron_output_and_xor_failure():
    ok = run("train", "perceptron-or", "-q")
    assert ok.exit_code == 0 and "converged" in ok.stdout
    xor = run("train", "perceptron-xor")
    assert xor.exit_code == 0
    assert "did not converge" in xor.stdout and "not to be linearly separable" in xor.stdout


def test_decision_map_and_loss_curve_for_two_inputs():
    result = run("train", "perceptron-and")
    assert result.exit_code == 0, result.output
    assert "Decision map" in result.stdout
    assert "class 0" in result.stdout and "class 1" in result.stdout
    assert "loss:" in result.stdout and "epoch" in result.stdout


def test_spiral_trains_with_validation(tmp_path):
    result = run("train", "spiral", "--epochs", "30", "-q", "--log", str(tmp_path / "m.jsonl"))
    assert result.exit_code == 0, result.output
    assert "validation" in result.stdout and "accuracy" in result.stdout
    lines = (tmp_path / "m.jsonl").read_text().splitlines()
    assert len(lines) == 30
    assert {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"} <= set(json.loads(lines[-1]))


def test_cli_overrides(tmp_path):
    result = run("train", "spiral", "--epochs", "2", "--batch-size", "full", "--learning-rate", "0.05",
                 "--seed", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    s = data["settings"]
    assert (s["epochs"], s["batch_size"], s["learning_rate"], s["seed"]) == (2, None, 0.05, 3)
    assert data["result"]["steps"] == 2


# ---------------------------------------------------------------- models

PREDICTED_AND = {   # perceptron-and converges to the AND gate: classes 0, 1, 0 for (0,0), (1,1), (0,1)
    "csv": "sample,class,probability,y\n1,0,1.0,0.0\n2,1,1.0,1.0\n3,0,1.0,0.0\n",
    "table": ("\nPredictions\nsample   class   probability          y\n" + "\u2500" * 39 + "\n"
              "1            0      1.000000   0.000000\n2            1      1.000000   1.000000\n"),
}


def test_predict_writes_each_format_of_the_registry_subject_predict(tmp_path):
    """csv, json and the table (its first --limit rows on the terminal, every row in a file) come from
    render/formats.py's subject 'predict' with the bytes the command always wrote."""
    model = str(tmp_path / "and.npz")
    assert run("train", "perceptron-and", "-qq", "--save", model).exit_code == 0
    data = write(tmp_path, "in.csv", "x1,x2\n0,0\n1,1\n0,1\n")
    assert run("predict", model, "--data", data, "--format", "csv").stdout == PREDICTED_AND["csv"]
    table = run("predict", model, "--data", data, "--limit", "2")
    assert table.stdout == PREDICTED_AND["table"] + "\u2026 and 1 more (all of them: --format csv or --format json)\n"
    out = tmp_path / "p.txt"
    assert run("predict", model, "--data", data, "-o", str(out), "--limit", "2").exit_code == 0
    assert out.read_text() == PREDICTED_AND["table"] + "3            0      1.000000   0.000000\n"
    records = json.loads(run("predict", model, "--data", data, "--format", "json").stdout)
    assert records["data"] == "in.csv" and [r["class"] for r in records["predictions"]] == ["0", "1", "0"]
    assert run("predict", model, "--data", data, "--format", "yaml").exit_code == 2


def test_save_npz_then_evaluate_and_predict(tmp_path):
    model = str(tmp_path / "and.npz")
    assert run("train", "perceptron-and", "-qq", "--save", model).exit_code == 0
    csv = write(tmp_path, "in.csv", "x1,x2\n0,0\n1,1\n")
    result = run("predict", model, "--data", csv, "--format", "json")
    assert result.exit_code == 0, result.output
    preds = json.loads(result.stdout)["predictions"]
    assert [p["class"] for p in preds] == ["0", "1"]
    labelled = write(tmp_path, "and.csv", "x1,x2,y\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n")
    result = run("evaluate", model, "--data", labelled, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["accuracy"] == 1.0 and data["confusion_matrix"] == [[3, 0], [0, 1]]


def test_save_yaml_is_a_problem_file_forward_and_backprop_accept(tmp_path):
    path = str(tmp_path / "trained.yaml")
    assert run("train", "mazur", "--steps", "100", "-qq", "--save", path).exit_code == 0
    fwd = run("forward", path, "--format", "json")
    assert fwd.exit_code == 0, fwd.output
    trained = run("train", "mazur", "--steps", "100", "--format", "json")
    assert json.loads(fwd.stdout)["values"]["out.o1"] == json.loads(trained.stdout)["values"]["out.o1"]
    assert run("backprop", path).exit_code == 0


def test_evaluate_spiral_model_prints_per_class_and_confusion(tmp_path):
    model = str(tmp_path / "spiral.npz")
    assert run("train", "spiral", "--epochs", "20", "-qq", "--save", model).exit_code == 0
    result = run("evaluate", model, "--data", "spiral")
    assert result.exit_code == 0, result.output
    assert "precision" in result.stdout and "recall" in result.stdout
    assert "Confusion matrix" in result.stdout
    data = json.loads(run("evaluate", model, "--data", "spiral", "--format", "json").stdout)
    cm = np.array(data["confusion_matrix"])
    assert cm.sum() == 500 and data["accuracy"] == pytest.approx(np.trace(cm) / 500)


# ---------------------------------------------------------------- Ctrl-C and resume

def test_ctrl_c_saves_a_checkpoint_exits_130_and_resumes_exactly(tmp_path, monkeypatch):
    from nncalc.cli import train_view as cli_train

    reference = run("train", "spiral", "--epochs", "3", "-qq", "--save", str(tmp_path / "ref.npz"))
    assert reference.exit_code == 0
    original = cli_train._View.step

    def interrupt(self, event):
        if event.step == 20:
            raise KeyboardInterrupt
        return original(self, event)

    monkeypatch.setattr(cli_train._View, "step", interrupt)
    ckpt = tmp_path / "spiral.checkpoint.npz"
    result = run("train", "spiral", "--epochs", "3", "-q", "--checkpoint", str(ckpt),
                 "--log", str(tmp_path / "i.jsonl"))
    assert result.exit_code == 130, result.output
    assert ckpt.exists()
    assert len((tmp_path / "i.jsonl").read_text().splitlines()) == 1     # the log up to Ctrl-C (epoch 1 of 3)
    assert "--resume" in result.stderr and str(ckpt) in result.stderr
    monkeypatch.setattr(cli_train._View, "step", original)
    resumed = run("train", "spiral", "--resume", str(ckpt), "-qq", "--save", str(tmp_path / "res.npz"))
    assert resumed.exit_code == 0, resumed.output
    from nncalc.model import load_npz
    a, b = load_npz(tmp_path / "ref.npz"), load_npz(tmp_path / "res.npz")
    assert np.array_equal(a.flat_values, b.flat_values)


# ---------------------------------------------------------------- errors: exit 2, one line, the place

BAD_TRAINING = """network:
  inputs: 2
  layers:
    - {units: 1, activation: sigmoid}
init: xavier
data:
  - {input: [0, 1], target: [1]}
training:
%s
"""


@pytest.mark.parametrize("block,needles", [
    ("  optimiser: sgd", ["p.yaml:9", "training.optimiser", "unknown key", "did you mean 'optimizer'"]),
    ("  optimizer: adamw", ["p.yaml:9", "training.optimizer", "unknown optimizer 'adamw'", "did you mean 'adam'"]),
    ("  optimizer: {name: momentum, momentun: 0.9}", ["training.optimizer.momentun", "did you mean 'momentum'"]),
    ("  optimizer: {name: momentum, form: ewma}", ["training.optimizer.form", "classic, ema"]),
    ("  optimizer: {name: sgd, learning_rate: -1}", ["training.optimizer.learning_rate", "greater than 0"]),
    ("  batch_size: 0", ["p.yaml:9", "training.batch_size", "'full'"]),
    ("  batch_size: half", ["training.batch_size", "'full'"]),
    ("  epochs: 2.5", ["training.epochs", "whole number"]),
    ("  validation_split: 1.5", ["training.validation_split"]),
    ("  update_order: backwards", ["training.update_order", "simultaneous, sequential"]),
    ("  dtype: float16", ["training.dtype", "float32, float64"]),
    ("  update_biases: maybe", ["training.update_biases", "true or false"]),
    ("  early_stopping: {patience: 0}", ["training.early_stopping.patience"]),
    ("  optimizer: perceptron", ["training.optimizer", "step or sign"]),
    ("  validation_split: 0.5", ["training.validation_split", "at least 1"]),
])
def test_bad_training_block(tmp_path, block, needles):
    one_error_line(run("train", write(tmp_path, "p.yaml", BAD_TRAINING % block)), *needles)


def test_gradient_training_of_step_units_says_use_the_perceptron(tmp_path):
    text = BAD_TRAINING.replace("sigmoid", "step") % "  epochs: 1"
    one_error_line(run("train", write(tmp_path, "p.yaml", text)), "training.optimizer", "perceptron")


@pytest.mark.parametrize("args,needles", [
    (["--batch-size", "0"], ["--batch-size", "'full'"]),
    (["--batch-size", "some"], ["--batch-size"]),
    (["--epochs", "0"], ["--epochs", "at least 1"]),
    (["--steps", "-3"], ["--steps"]),
    (["--learning-rate", "0"], ["--learning-rate", "greater than 0"]),
    (["--every", "0"], ["--every"]),
    (["--explain"], ["--explain", "--steps"]),
    (["--steps", "500", "--explain"], ["--explain"]),
    (["--watch", "w9"], ["--watch w9", "did you mean"]),
    (["--save", "model.pt"], [".npz", ".yaml"]),
    (["--save", "/nonexistent/dir/m.npz"], ["does not exist"]),
    (["--set", "w99=1"], ["--set w99"]),
])
def test_bad_options(args, needles):
    one_error_line(run("train", "nnbasic", *args), *needles)


def test_missing_problem_file():
    one_error_line(run("train", "no-such-problem.yaml"), "no-such-problem.yaml")


def test_no_targets(tmp_path):
    text = BAD_TRAINING.replace(", target: [1]", "") % "  epochs: 1"
    one_error_line(run("train", write(tmp_path, "p.yaml", text)), "p.yaml", "data", "target")


def test_resume_needs_a_checkpoint(tmp_path):
    model = str(tmp_path / "m.npz")
    assert run("train", "nnbasic", "--steps", "1", "-qq", "--save", model).exit_code == 0
    one_error_line(run("train", "nnbasic", "--resume", model), "m.npz", "not a checkpoint")


def test_nan_loss_exit_2_names_the_epoch():
    err = one_error_line(run("train", "linear-regression", "--learning-rate", "10", "--epochs", "500"),
                         "linear-regression.yaml", "in epoch", "smaller learning rate")
    assert "NaN" in err or "infinite" in err


def test_evaluate_and_predict_errors(tmp_path):
    one_error_line(run("evaluate", str(tmp_path / "none.npz"), "--data", "spiral"), "none.npz", "no such file")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    one_error_line(run("evaluate", str(junk), "--data", "spiral"), "junk.npz", "not an nncalc model")
    model = str(tmp_path / "m.npz")
    assert run("train", "nnbasic", "--steps", "1", "-qq", "--save", model).exit_code == 0
    one_error_line(run("predict", model), "--data")
    one_error_line(run("predict", model, "--data", "spirall"), "--data", "did you mean 'spiral'")
    wide = write(tmp_path, "w.csv", "a,b,c\n1,2,3\n")
    one_error_line(run("predict", model, "--data", wide), "3 inputs", "takes 2")


def test_plot_without_matplotlib_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kw):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    one_error_line(run("train", "nnbasic", "--plot", "curve.png"), "matplotlib", "nncalc[plot]")


def test_perceptron_explain_shows_the_forward_pass_and_the_rule():
    result = run("train", "perceptron-and", "--steps", "4", "--explain")
    assert result.exit_code == 0, result.output
    assert "update 4 of 4" in result.stdout
    assert "the perceptron rule: w = w + 1 (t - y) x" in result.stdout
    assert "stopped after 4 updates" in result.stdout      # a step limit is not a failure to converge
    assert "did not converge" not in result.stdout


def test_sequential_order_from_the_command_line(tmp_path):
    from nncalc.bundled import resolve
    text = resolve("mazur").read_text().replace("  update_biases: false", "  update_biases: false\n  update_order: sequential")
    path = write(tmp_path, "seq.yaml", text)
    data = json.loads(run("train", path, "--steps", "1", "--format", "json").stdout)
    assert data["history"][-1]["loss"] == pytest.approx(0.291027924, abs=5e-10)


@pytest.mark.parametrize("name", ["learning_rate", "eta"])
def test_set_learning_rate_is_used_when_the_file_gives_none(tmp_path, name):
    path = write(tmp_path, "p.yaml", BAD_TRAINING % "  epochs: 1")
    result = run("train", path, "--set", f"{name}=0.5", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["settings"]["learning_rate"] == 0.5


def _nan_model(tmp_path):
    model = str(tmp_path / "m.npz")
    assert run("train", "nnbasic", "--steps", "1", "-qq", "--save", model).exit_code == 0
    with np.load(model) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["W1"] = np.full_like(arrays["W1"], np.nan)
    np.savez(tmp_path / "nan.npz", **arrays)
    return str(tmp_path / "nan.npz"), write(tmp_path, "d.csv", "x1,x2,y1,y2\n0.05,0.1,0.01,0.99\n")


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_nan_weights_in_a_model_file_are_a_one_line_error(tmp_path, command):
    model, data = _nan_model(tmp_path)
    one_error_line(run(command, model, "--data", data, "--format", "json"), "nan.npz", "W1 holds NaN or infinity")


def _checkpoint(tmp_path):
    from nncalc.data import load_data
    from nncalc.model import model_from_trainer, save_npz
    from nncalc.problem import load_problem
    from nncalc.bundled import resolve
    from nncalc.train import Trainer, data_for, settings_from_problem
    from pathlib import Path

    p = load_problem(resolve("spiral"))
    s = settings_from_problem(p)
    t = Trainer(p, s, data_for(p, load_data(p.data_source, base_dir=Path(p.source).parent, file=p.source),
                               s.validation_split))
    for event in t.run():
        if getattr(event, "step", 0) == 3:
            t.request_stop()
    save_npz(tmp_path / "c.npz", model_from_trainer(t, with_state=True))
    with np.load(tmp_path / "c.npz") as archive:
        return {k: archive[k] for k in archive.files}


@pytest.mark.parametrize("damage,needle", [
    (lambda m, a: m["training"].update(optimizer="adamw"), "training settings: optimizer: unknown optimizer"),
    (lambda m, a: m["training"].update(options={}), "training settings: options"),
    (lambda m, a: m["training"].update(batch_size=0), "training settings: batch_size"),
    (lambda m, a: m["checkpoint"].pop("epoch"), "'epoch' is None"),
    (lambda m, a: m["checkpoint"].update(sums=[1]), "'sums'"),
    (lambda m, a: m["checkpoint"].update(rng={"x": 1}), "damaged checkpoint"),
    (lambda m, a: m.update(checkpoint=[1]), "expected the training state as a mapping"),
    (lambda m, a: a.update(state_perm=a["state_perm"] + 10**6), "'perm' is not an order"),
    (lambda m, a: a.update(state_opt_m=a["state_opt_m"][:3]), "'opt_m' holds 3 values"),
])
def test_damaged_checkpoint_is_a_one_line_error(tmp_path, damage, needle):
    arrays = _checkpoint(tmp_path)
    meta = json.loads(arrays["meta"].tobytes())
    damage(meta, arrays)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "d.npz", **arrays)
    one_error_line(run("train", "spiral", "--resume", str(tmp_path / "d.npz"), "-qq"), "d.npz",
                   "damaged checkpoint", needle)


SOURCE_PROBLEM = """network:
  inputs: %d
  layers:
    - {units: 1, activation: sigmoid}
init: xavier
data:
  train:
    generate: %s
    samples: 20
"""


@pytest.mark.parametrize("inputs,generator,needles", [
    (2, "spirl", ["p.yaml:8: data.train.generate", "unknown generator 'spirl'"]),
    (3, "spiral", ["p.yaml:8: data.train", "2 inputs per sample, the network takes 3"]),
])
def test_data_source_errors_name_the_problem_files_line(tmp_path, inputs, generator, needles):
    one_error_line(run("train", write(tmp_path, "p.yaml", SOURCE_PROBLEM % (inputs, generator))), *needles)


def test_log_is_never_left_partly_written(tmp_path):
    log = tmp_path / "m.jsonl"
    log.write_text("old\n")
    result = run("train", "linear-regression", "--learning-rate", "10", "--epochs", "500", "--log", str(log))
    one_error_line(result, "smaller learning rate")
    assert log.read_text() == "old\n"                  # the run failed: the old log stays as it was
    assert [p.name for p in tmp_path.iterdir()] == ["m.jsonl"]


def test_perceptron_json_has_the_trained_values_without_backprop():
    result = run("train", "perceptron-and", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["result"]["reason"] == "converged"
    w = data["weights"]
    assert w["w1"] + w["w2"] + w["b"] > 0 >= max(w["w1"], w["w2"], 0) + w["b"]    # AND with step: 1 if net > 0
    assert data["values"]["w1"] == w["w1"] and "x1@4" in data["values"]
