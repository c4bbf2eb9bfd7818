"""`nncalc plot activations`: every activation of the operations registry, its derivative, the
terminal chart (golden, 80 columns, ASCII), CSV and the PNG."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from nncalc.cli import app
from nncalc.ops import ACTIVATIONS
from nncalc.pictures.activations import activation_curves
from nncalc.render.formats import Style, render
from test_render import check_golden

ONE_NET = [name for name, op in ACTIVATIONS.items() if not op.joint]


def test_with_no_names_every_activation_of_one_net_is_plotted():
    curves = activation_curves([], derivative=True)
    assert [name.split("(")[0] for name, _ in curves.functions] == ONE_NET
    missing = {n for n in ONE_NET if ACTIVATIONS[n].df is None}
    assert len(curves.derivatives) == len(ONE_NET) - len(missing) and len(curves.notes) == len(missing)


def test_the_curves_are_the_registrys_functions_and_derivatives():
    curves = activation_curves(["Sigmoid", "relu"], -2, 2, 5, derivative=True)
    xs = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(curves.functions[0][1], 1 / (1 + np.exp(-xs)))
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(curves.derivatives[0][1], s * (1 - s))     # sigmoid' <= 0.25 (seed 003)
    np.testing.assert_allclose(curves.derivatives[1][1], [0, 0, 0, 1, 1])


def test_golden_activation_chart_at_80_columns():
    text = render("activations", "plot", activation_curves(["sigmoid", "tanh", "relu"], derivative=True),
                  Style(width=80))
    assert max(map(len, text.splitlines())) <= 80 and text.isascii()
    check_golden("plot-activations-sigmoid-tanh-relu-80.txt", text)


def test_csv_has_a_column_per_curve():
    result = CliRunner().invoke(app, ["plot", "activations", "tanh", "--derivative", "--range", "-1:1",
                                      "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0] == "net,tanh,tanh'" and len(rows) == 202
    assert float(rows[-1].split(",")[1]) == pytest.approx(np.tanh(1.0))


@pytest.mark.parametrize("args,expected", [(["sigmod"], "did you mean 'sigmoid'"), (["softmax"], "every net"),
                                           (["relu", "--range", "1:-1"], "LO < HI"), (["relu", "--range", "x"], "LO:HI")])
def test_bad_plots_are_one_line_exit_2(args, expected):
    result = CliRunner().invoke(app, ["plot", "activations", *args])
    assert result.exit_code == 2 and expected in result.stderr and len(result.stderr.splitlines()) == 1


def test_activations_png_where_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib", reason="the PNG needs the plot extra (matplotlib)")
    png = tmp_path / "a.png"
    result = CliRunner().invoke(app, ["plot", "activations", "sigmoid", "tanh", "--derivative", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
