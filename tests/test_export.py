"""`nncalc export`: a model or problem file as a PyTorch script (+ state dict) or an ONNX graph that
computes nncalc's own outputs. Checked against nncalc's engine on each bundled problem's samples
(PyTorch: `pip install torch==2.13.0`; ONNX: the `onnx` extra and onnxruntime)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nncalc.bundled import bundled_problems
from nncalc.cli import app
from nncalc.engine import forward
from nncalc.errors import NncalcError
from nncalc.export import export_model
from nncalc.model import load_model, model_from_problem
from nncalc.problem import load_problem

runner = CliRunner()
# recurrent problems are refused by export (tests/test_rnn_check.py::test_export_refuses_a_recurrent_problem_in_one_line)
WITH_SAMPLES = [name for name, path in bundled_problems().items()
                if load_problem(path).inputs is not None and not load_problem(path).is_sequence]


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _expected(problem) -> np.ndarray:
    return forward(problem.network.layers, problem.inputs).output


def test_the_script_is_python_naming_the_network_and_its_weights(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)          # as where torch is not installed
    out = export_model(model_from_problem(load_problem(bundled_problems()["nnbasic"])), "pytorch", tmp_path / "m.py")
    assert out.written == (tmp_path / "m.py",) and "python" in out.notes[0] and "m.pt" in out.notes[0]
    text = (tmp_path / "m.py").read_text()
    compile(text, "m.py", "exec")
    assert "class Net(nn.Module):" in text and "x = torch.sigmoid(self.layer2(x))" in text
    assert "'layer2.weight': [[0.24, 0.32], [0.28, 0.2]]," in text       # w5..w8 of the NNBasic slide
    assert "nncalc's names [w5, w6; w7, w8]" in text
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.parametrize("name", WITH_SAMPLES)
def test_the_pytorch_module_gives_nncalcs_outputs_and_loss(name, tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
    problem = load_problem(bundled_problems()[name])
    out = export_model(model_from_problem(problem), "pytorch", tmp_path / "model.py")
    assert (tmp_path / "model.pt") in out.written
    module = _module(tmp_path / "model.py")
    X = torch.tensor(problem.inputs)
    for model in (module.build(), module.build(str(tmp_path / "model.pt"))):
        with torch.no_grad():
            Y = model(X).numpy()
        np.testing.assert_allclose(Y, _expected(problem), rtol=0, atol=1e-6)
    if problem.targets is not None and problem.network.layers[-1].activation.name not in ("step", "sign"):
        from nncalc.trace import build_trace

        with torch.no_grad():
            E = float(module.loss(module.build()(X), torch.tensor(problem.targets)))
        assert E == pytest.approx(build_trace(problem, with_backward=False)["E.total"].value, abs=1e-9)


def test_a_trained_npz_model_exports_with_its_trained_weights(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
    result = runner.invoke(app, ["train", "spiral", "--epochs", "3", "-qq", "--save", str(tmp_path / "s.npz")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["export", str(tmp_path / "s.npz"), "--to", "pytorch", "-o", str(tmp_path / "s.py")])
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "s.npz")
    from nncalc.data import load_source
    from nncalc.train import split_of

    data = split_of(load_source("spiral", base_dir=tmp_path, path=("test",)), model.network, ("test",), None)
    built = _module(tmp_path / "s.py").build()
    with torch.no_grad():
        Y = built(torch.tensor(data.X, dtype=built.layer1.weight.dtype)).numpy()
    np.testing.assert_allclose(Y, forward(model.network.layers, data.X.astype(model.dtype)).output, rtol=0, atol=1e-6)


def test_a_large_network_keeps_its_weights_beside_the_script(tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
    problem = load_problem(bundled_problems()["deep-10x100"])
    out = export_model(model_from_problem(problem), "pytorch", tmp_path / "deep.py")
    assert (tmp_path / "deep.weights.npz") in out.written and "STATE = {" not in (tmp_path / "deep.py").read_text()
    X = np.random.default_rng(0).normal(size=(5, len(problem.network.inputs)))
    with torch.no_grad():
        Y = _module(tmp_path / "deep.py").build()(torch.tensor(X)).numpy()
    np.testing.assert_allclose(Y, forward(problem.network.layers, X).output, rtol=0, atol=1e-6)


def test_running_the_script_writes_its_state_dict(tmp_path):
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")
    export_model(model_from_problem(load_problem(bundled_problems()["nnbasic"])), "pytorch", tmp_path / "m.py")
    done = subprocess.run([sys.executable, str(tmp_path / "m.py"), str(tmp_path / "again.pt")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and (tmp_path / "again.pt").stat().st_size > 0, done.stderr


@pytest.mark.parametrize("name", WITH_SAMPLES)
def test_the_onnx_graph_gives_nncalcs_outputs(name, tmp_path):
    pytest.importorskip("onnx", reason="the onnx extra is not installed (pip install 'nncalc[onnx]')")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    problem = load_problem(bundled_problems()[name])
    export_model(model_from_problem(problem), "onnx", tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (Y,) = session.run(None, {"input": problem.inputs})
    np.testing.assert_allclose(Y, _expected(problem), rtol=0, atol=1e-6)


def test_onnx_without_the_package_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    result = runner.invoke(app, ["export", "nnbasic", "--to", "onnx", "-o", str(tmp_path / "m.onnx")])
    assert result.exit_code == 2 and "pip install 'nncalc[onnx]'" in result.output
    assert not (tmp_path / "m.onnx").exists()


def test_the_output_name_must_fit_the_target(tmp_path):
    with pytest.raises(NncalcError, match=r"give -o NAME\.py"):
        export_model(model_from_problem(load_problem(bundled_problems()["nnbasic"])), "pytorch", tmp_path / "m.onnx")
    with pytest.raises(NncalcError, match="cannot be imported"):
        export_model(model_from_problem(load_problem(bundled_problems()["nnbasic"])), "pytorch", tmp_path / "my-model.py")


def test_the_cli_exports_a_bundled_problem_and_says_what_it_wrote(tmp_path):
    result = runner.invoke(app, ["export", "nnbasic", "--to", "pytorch", "-o", str(tmp_path / "model.py")])
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'model.py'}" in result.output


def test_the_cli_refuses_an_unknown_target():
    result = runner.invoke(app, ["export", "nnbasic", "--to", "keras", "-o", "m.py"])
    assert result.exit_code == 2 and "keras" in result.output
