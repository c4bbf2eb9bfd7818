"""`--matrix` (`--format matrix`): the layer-level form with the matrices and vectors written out,
on any network (the "Basic Ideas" deck, seed 004)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nncalc.api import trace_of
from nncalc.bundled import bundled_problems, open_problem
from nncalc.cli import app
from nncalc.pictures.matrix_form import fit, matrix_form_lines
from nncalc.render.formats import Style, render
from test_render import check_golden


def test_the_basic_ideas_first_layer_reads_as_the_deck_writes_it():
    lines = matrix_form_lines(trace_of(open_problem("basic-ideas-3layer"), False), decimals=2)
    # seed 004: σ([[1,-2],[-1,1]]·[1,-1] + [1,0]) = [0.98, 0.12]; f([1,-1]) = [0.62, 0.83]; f([0,0]) = [0.51, 0.85]
    assert "       = σ([[1, -2], [-1, 1]]·[1, -1] + [1, 0])" in lines
    assert "       = σ([4.00, -2.00]) = [0.98, 0.12]" in lines
    assert "       = σ([0.48, 1.58]) = [0.62, 0.83]" in lines
    assert "       = σ([0.05, 1.77]) = [0.51, 0.85]" in lines


def test_the_backward_pass_carries_the_worked_examples_gradients():
    trace = trace_of(open_problem("nnbasic"), True)
    text = "\n".join(matrix_form_lines(trace, decimals=9))
    assert f"[[{trace['grad.w5'].value:.9f}, {trace['grad.w6'].value:.9f}]" in text
    assert f"[[{trace['new.w1'].value:.9f}, {trace['new.w2'].value:.9f}]" in text


def test_golden_matrix_form_of_nnbasic_in_ascii_at_80_columns():
    text = render("trace", "matrix", trace_of(open_problem("nnbasic"), True), Style(decimals=4, unicode=False, width=80))
    assert text.isascii() and max(map(len, text.splitlines())) <= 80
    check_golden("matrix-form-nnbasic-ascii-80.txt", text)


@pytest.mark.parametrize("name", [n for n in bundled_problems() if open_problem(n).n_samples > 0 and
                                  hasattr(open_problem(n), "network")])
def test_every_bundled_network_with_samples_has_a_matrix_form_within_80_columns(name):
    result = CliRunner().invoke(app, ["forward", name, "--explain", "--matrix"], env={"COLUMNS": "80"})
    if any(layer.kind == "lstm" for layer in open_problem(name).network.layers):
        assert result.exit_code == 2 and "matrix form of a lstm layer is not written" in result.stderr
        return                                   # refused in one line: its gates have no matrix form yet
    assert result.exit_code == 0, result.output
    assert max(map(len, result.stdout.splitlines())) <= 80


def test_large_matrices_are_shown_by_their_corners():
    text = render("trace", "matrix", trace_of(open_problem("deep-10x100-relu"), True), Style(width=80))
    assert "…" in text and len(text.splitlines()) < 1000


def test_a_wide_line_is_broken_between_rows_and_before_operators():
    line = "       = f([[1.0, 2.0], [3.0, 4.0]]·[5.0, 6.0] + [7.0, 8.0])"
    assert fit(line, 30) == ["       = f([[1.0, 2.0]", "       [3.0, 4.0]]·[5.0, 6.0]", "       + [7.0, 8.0])"]


def test_a_graph_has_no_matrix_form():
    result = CliRunner().invoke(app, ["backprop", "graph-circuit", "--matrix"])
    assert result.exit_code == 2 and "graph" in result.stderr
