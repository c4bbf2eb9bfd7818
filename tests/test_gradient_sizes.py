"""`nncalc gradients`: per-layer sizes of delta and dE/dW from the worked example, and the NNBasic
deck's vanishing gradient (seed 002) with deep-10x100 as sigmoid and as ReLU with He init."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from nncalc.api import trace_of
from nncalc.bundled import open_problem
from nncalc.cli import app
from nncalc.pictures.gradients import gradient_report
from nncalc.render.formats import Style, render
from test_render import check_golden


def test_the_sizes_are_the_worked_examples_deltas_and_gradients():
    trace = trace_of(open_problem("nnbasic"), True)
    out, hidden = gradient_report(trace).layers[1], gradient_report(trace).layers[0]
    deltas = [trace["delta.o1"].value, trace["delta.o2"].value]
    grads = [trace[f"grad.w{k}"].value for k in (5, 6, 7, 8)]
    assert out.delta == pytest.approx((np.mean(np.abs(deltas)), max(map(abs, deltas)), np.hypot(*deltas)))
    assert out.grad_w == pytest.approx((np.mean(np.abs(grads)), max(map(abs, grads)), np.linalg.norm(grads)))
    assert hidden.grad_w[1] == pytest.approx(max(abs(trace[f"grad.w{k}"].value) for k in (1, 2, 3, 4)))


def _norms(name: str) -> np.ndarray:
    report = gradient_report(trace_of(open_problem(name), True, named=False))
    return np.array([g.grad_w[2] for g in report.layers])


def test_sigmoid_gradients_vanish_layer_by_layer_as_the_deck_says():
    # seed 002 "Gradient Vanishing": sigmoid' <= 0.25, so each layer down shrinks the gradient
    norms = _norms("deep-10x100-sigmoid")
    assert np.all(norms[:-1] < norms[1:] / 2)
    assert norms[-1] / norms[0] > 1e5


def test_relu_with_he_init_keeps_the_gradients_the_same_size():
    norms = _norms("deep-10x100-relu")
    assert norms.max() / norms.min() < 2


@pytest.mark.parametrize("name", ["deep-10x100-sigmoid", "deep-10x100-relu"])
def test_golden_gradient_report_at_80_columns_in_ascii(name):
    report = gradient_report(trace_of(open_problem(name), True, named=False))
    text = render("gradients", "table", report, Style(unicode=False, width=80))
    assert max(map(len, text.splitlines())) <= 80 and text.isascii()
    check_golden(f"gradients-{name}-80.txt", text)


def test_gradients_csv_and_json():
    runner = CliRunner()
    csv = runner.invoke(app, ["gradients", "nnbasic", "--format", "csv"]).stdout.splitlines()
    assert csv[0].startswith("layer,units,activation,delta_mean") and len(csv) == 3
    result = runner.invoke(app, ["gradients", "nnbasic", "--format", "json"])
    assert result.exit_code == 0 and '"grad_W"' in result.stdout


def test_gradients_of_a_problem_without_targets_is_one_line_exit_2():
    result = CliRunner().invoke(app, ["gradients", "mlp-hidden-layer"])
    assert result.exit_code == 2 and "target" in result.stderr and len(result.stderr.splitlines()) == 1


def test_gradients_png_where_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib", reason="the PNG needs the plot extra (matplotlib)")
    png = tmp_path / "g.png"
    result = CliRunner().invoke(app, ["gradients", "deep-10x100-sigmoid", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
