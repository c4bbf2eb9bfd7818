"""The PNG paths no other test draws, where matplotlib is installed: the training loss curve
(`train --plot`), the gradient through time (`gradients --plot` of a recurrent problem) and an
unrolled recurrent network (`draw -o net.png`)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nncalc.cli import app

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SEQUENCES = Path(__file__).parent / "fixtures" / "sequences"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(autouse=True)
def _matplotlib():
    pytest.importorskip("matplotlib", reason="the PNG needs the plot extra (matplotlib)")


def test_train_plot_draws_the_loss_curve_as_a_png(tmp_path):
    png = tmp_path / "curve.png"
    result = CliRunner().invoke(app, ["train", "nnbasic", "--steps", "20", "-qq", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert "curve.png" in result.output
    width, height = _png_size(png)
    assert width >= 400 and height >= 300


def test_gradients_plot_of_a_recurrent_problem_draws_delta_through_time(tmp_path):
    png = tmp_path / "g.png"
    result = CliRunner().invoke(app, ["gradients", str(SEQUENCES / "vanishing.yaml"), "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert "|δ[t]|" in result.output       # the through-time panel is the one drawn
    assert _png_size(png)[0] >= 400


def test_an_unrolled_recurrent_network_draws_as_a_png_wider_than_one_step(tmp_path):
    one, unrolled = tmp_path / "one.png", tmp_path / "rnn.png"
    runner = CliRunner()
    assert runner.invoke(app, ["draw", "nnbasic", "-o", str(one)]).exit_code == 0
    result = runner.invoke(app, ["draw", "rnn-ai-study", "-o", str(unrolled)])
    assert result.exit_code == 0, result.output
    assert _png_size(unrolled)[0] > _png_size(one)[0]      # every step drawn side by side
