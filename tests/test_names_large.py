"""`nncalc names` on a network with hundreds of thousands of quantities prints plain aligned text
instead of laying out a Rich table (which took minutes for deep-10x100 with samples)."""

from __future__ import annotations

from typer.testing import CliRunner

from nncalc.cli import app
from nncalc.render import names


def test_names_above_the_limit_are_plain_aligned_lines_with_every_quantity(monkeypatch):
    monkeypatch.setattr(names, "PLAIN_ABOVE", 5)
    result = CliRunner().invoke(app, ["names", "nnbasic"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Named quantities of 2-2-2 sigmoid network (NNBasic slides)"
    assert lines[1].split() == ["name", "slides", "typed", "value"]
    assert set(lines[2]) == {"-"}
    w5 = next(line for line in lines if line.startswith("grad.w5 "))
    assert w5.split()[-1] == "0.084155041"          # NNBasic deck, "Backward Propagation" (w5)
    value_end = len(lines[1])                       # numbers right-aligned under "value"
    assert all(len(line) == value_end for line in lines[3:])

