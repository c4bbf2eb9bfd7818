"""`nncalc sweep`: the batched sweep gives the worked example's numbers at every point, in one
engine call; its terminal pictures (golden, 80 columns, ASCII), table, CSV, JSON and PNG."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from nncalc.bundled import open_problem
from nncalc.cli import app
from nncalc.pictures.sweep import descent_path, parse_axis, sweep
from nncalc.problem import load_problem
from nncalc.problem.overrides import with_overrides
from nncalc.render.formats import Style, render
from nncalc.trace import build_trace
from test_render import check_golden


def _worked(problem, name, overrides):
    backward = name.split(".")[0] not in ("net", "out", "E")
    return build_trace(with_overrides(problem, overrides), with_backward=backward)[name].value


@pytest.mark.parametrize("problem,spec,of", [
    ("nnbasic", "w5=-3:3:13", "E.total"), ("nnbasic", "w1=-3:3:7", "out.o1"), ("nnbasic", "b1=-2:2:5", "E.o2"),
    ("xor-20", "w5=-4:4:9", "E.total"), ("xor-20", "w1=-4:4:9", "net.y@3"), ("mlp-hidden-layer", "w3=-2:2:5", "out.h2@4"),
    ("perceptron-and", "w1=-1:1:5", "out.y@4"), ("nnbasic", "w5=-1:1:3", "grad.w5"), ("xor-20", "b_y=-1:1:3", "delta.h1@2"),
])
def test_each_point_of_a_sweep_is_the_worked_examples_value(problem, spec, of):
    p = open_problem(problem)
    axis = parse_axis(spec, p)
    result = sweep(p, [axis], of)
    expected = [_worked(p, of, {axis.name: float(v)}) for v in axis.values]
    np.testing.assert_allclose(result.values, expected, rtol=1e-12, atol=1e-15)


def test_a_two_parameter_sweep_is_the_loss_map_point_by_point():
    p = open_problem("nnbasic")
    x, y = parse_axis("w5=-3:3:4", p), parse_axis("b2=-1:1:3", p)       # b2: a shared bias
    result = sweep(p, [x, y])
    assert result.values.shape == (4, 3)
    for i, a in enumerate(x.values):
        for j, b in enumerate(y.values):
            assert result.values[i, j] == pytest.approx(_worked(p, "E.total", {"w5": a, "b2": b}), rel=1e-12)


def test_a_forward_sweep_is_one_engine_call(monkeypatch):
    import nncalc.engine as engine

    calls = []
    real = engine.forward
    monkeypatch.setattr(engine, "forward", lambda *a, **k: calls.append(1) or real(*a, **k))
    p = open_problem("nnbasic")
    sweep(p, [parse_axis("w5=-3:3:1001", p)])
    assert len(calls) == 1


def test_the_sweep_passes_through_the_files_own_value():
    p = open_problem("nnbasic")
    result = sweep(p, [parse_axis("w5=0:0.48:3", p)])          # 0.24 is the file's w5 (NNBasic slides)
    assert result.values[1] == pytest.approx(result.at, rel=1e-12)
    assert result.at == pytest.approx(build_trace(p)["E.total"].value)


def test_golden_error_curve_at_80_columns():
    p = open_problem("nnbasic")
    text = render("sweep", "plot", sweep(p, [parse_axis("w5=-3:3:61", p)]), Style(width=80))
    assert max(map(len, text.splitlines())) <= 80 and text.isascii()
    check_golden("sweep-nnbasic-w5-80.txt", text)


def test_golden_loss_map_with_the_descent_path_at_80_columns():
    p = open_problem("nnbasic")
    result = descent_path(sweep(p, [parse_axis("w5=-3:3:41", p), parse_axis("w6=-3:3:25", p)]), 20)
    text = render("sweep", "plot", result, Style(width=80))
    assert max(map(len, text.splitlines())) <= 80 and text.isascii()
    check_golden("sweep-nnbasic-w5-w6-80.txt", text)


def test_the_descent_path_takes_the_worked_examples_steps():
    p = open_problem("nnbasic")
    result = descent_path(sweep(p, [parse_axis("w5=-3:3:5", p), parse_axis("w6=-3:3:5", p)]), 2)
    first = build_trace(p)
    # the first step is the worked example's new.w5, new.w6
    assert result.path[1] == pytest.approx([first["new.w5"].value, first["new.w6"].value], rel=1e-12)
    assert len(result.path) == 3


def test_the_descent_path_is_the_trainers_with_every_parameter_moving():
    from nncalc.engine import descent_step
    from nncalc.train import settings_from_problem, train, with_cli_overrides

    p = open_problem("nnbasic")
    result = descent_path(sweep(p, [parse_axis("w5=-3:3:5", p), parse_axis("w6=-3:3:5", p)]), 5)
    trained = train(p, with_cli_overrides(settings_from_problem(p), steps=5)).network()
    params = {q.name: q for q in p.network.parameters()}
    assert result.path[-1] == pytest.approx([params["w5"].value(trained), params["w6"].value(trained)], rel=1e-12)
    # held: the second step from the first point with w1..w4, w7, w8, b1, b2 still the file's
    held = build_trace(with_overrides(p, {"w5": result.path[1][0], "w6": result.path[1][1]}))
    held_w5 = descent_step(result.path[1][0], p.learning_rate, held["grad.w5"].value)
    assert abs(result.path[2][0] - held_w5) > 1e-6
    assert result.descent.updates == 5 and "sgd" in result.descent.optimizer


def test_the_descent_path_follows_the_files_training_settings(write_problem):
    text = open_problem("nnbasic").doc.text.split("training:")[0] + "training:\n  optimizer: momentum\n"
    p = load_problem(write_problem(text))
    result = descent_path(sweep(p, [parse_axis("w5=-3:3:5", p), parse_axis("w6=-3:3:5", p)]), 3)
    plain = descent_path(sweep(open_problem("nnbasic"), [parse_axis("w5=-3:3:5", p), parse_axis("w6=-3:3:5", p)]), 3)
    assert "momentum" in result.descent.optimizer
    assert result.path[1] == pytest.approx(plain.path[1], rel=1e-12)     # momentum's first step is plain SGD's
    assert abs(result.path[3][0] - plain.path[3][0]) > 1e-6


def test_csv_and_json_carry_full_precision():
    runner = CliRunner()
    csv = runner.invoke(app, ["sweep", "nnbasic", "w5=-1:1:3", "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    rows = csv.stdout.splitlines()
    assert rows[0] == "w5,E.total" and len(rows) == 4
    p = open_problem("nnbasic")
    assert float(rows[2].split(",")[1]) == _worked(p, "E.total", {"w5": 0.0})
    data = json.loads(runner.invoke(app, ["sweep", "nnbasic", "w5=-1:1:3", "--format", "json"]).stdout)
    assert data["axes"][0]["name"] == "w5" and len(data["values"]) == 3


@pytest.mark.parametrize("args,expected", [
    (["w9=-1:1:3"], "no weight or bias has that name"), (["w5=1:-1:3"], "finite LO < HI"),
    (["w5=-1:1:x"], "NAME=LO:HI:COUNT"), (["w5"], "NAME=LO:HI:COUNT"), (["w5=-1:1:3", "--of", "grad.w99"], "--of"),
    (["w5=-1:1:3", "--path"], "--path"),
])
def test_bad_sweeps_are_one_line_exit_2(args, expected):
    result = CliRunner().invoke(app, ["sweep", "nnbasic", *args])
    assert result.exit_code == 2 and expected in result.stderr and len(result.stderr.splitlines()) == 1


def test_sweep_png_where_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib", reason="the PNG needs the plot extra (matplotlib)")
    runner = CliRunner()
    for args in (["w5=-3:3:31"], ["w5=-3:3:21", "w6=-3:3:21", "--path"]):
        png = tmp_path / "sweep.png"
        result = runner.invoke(app, ["sweep", "nnbasic", *args, "--plot", str(png)])
        assert result.exit_code == 0, result.output
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        png.unlink()


def test_sweep_png_without_matplotlib_says_how_to_install_it(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = CliRunner().invoke(app, ["sweep", "nnbasic", "w5=-3:3:31", "--plot", str(tmp_path / "s.png")])
    assert result.exit_code == 2 and "pip install 'nncalc[plot]'" in result.stderr
    assert not (tmp_path / "s.png").exists()
