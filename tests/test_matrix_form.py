"""`--matrix` (`--format matrix`): the layer-level form with the matrices and vectors written out,
on any network (the "Basic Ideas" deck, seed 004)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nncalc.api import trace_of
from nncalc.bundled import bundled_problems, open_problem
from nncalc.cli import app
from nncalc.pictures.matrix_form import fit, matrix_form_lines, matrix_form_text
from nncalc.problem import load_problem
from nncalc.render.formats import Style, render
from test_render import check_golden

LSTM_TWO_STEP = Path(__file__).parent / "fixtures" / "rnn" / "lstm-two-step.yaml"
LSTM_ONE_STEP = "rnn-lstm-one-step"


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
    assert result.exit_code == 0, result.output
    assert max(map(len, result.stdout.splitlines())) <= 80


def test_large_matrices_are_shown_by_their_corners():
    text = render("trace", "matrix", trace_of(open_problem("deep-10x100-relu"), True), Style(width=80))
    assert "…" in text and len(text.splitlines()) < 1000


def test_a_wide_line_is_broken_between_rows_and_before_operators():
    line = "       = f([[1.0, 2.0], [3.0, 4.0]]·[5.0, 6.0] + [7.0, 8.0])"
    assert fit(line, 30) == ["       = f([[1.0, 2.0],", "       [3.0, 4.0]]·[5.0, 6.0]", "       + [7.0, 8.0])"]


def test_a_wrapped_matrix_keeps_the_comma_between_its_rows():
    text = render("trace", "matrix", trace_of(open_problem("nnbasic"), True), Style(decimals=9, width=80))
    # audit 16:00: '[[0.084155041, 0.083764668]' then '[-0.040355275, ...]]' lost the comma
    assert "  ∂E/∂W² = δ²(out¹)ᵀ = [[0.084155041, 0.083764668],\n       [-0.040355275, -0.040168078]]" in text


def _update_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "⁺ = " in line]


def test_the_bias_step_of_the_nnbasic_slides_reads_the_traces_shared_bias():
    # the NNBasic slides: one b per layer, b1 = 0.40, b2 = 0.36, eta = 0.5; the trace's grad.b1 is
    # the sum of delta1 over both units and new.b1 = b1 - eta grad.b1
    trace = trace_of(open_problem("nnbasic"), True)
    v = trace.values()
    lines = matrix_form_text(trace, Style(decimals=9, width=200)).splitlines()
    assert "       = σ([[0.04, 0.12], [0.12, 0.08]]·[0.1, 0.5] + [0.4, 0.4])" in lines
    assert v["new.b1"] == pytest.approx(0.40 - 0.5 * v["grad.b1"], abs=1e-15)
    for layer in (1, 2):
        sup = "¹²"[layer - 1]
        assert f"  ∂E/∂b{sup} = Σ_j δ{sup}_j = {v[f'grad.b{layer}']:.9f}" in lines
        assert f"  b{sup}⁺ = b{sup} - η·∂E/∂b{sup} = {v[f'new.b{layer}']:.9f}   (η = 0.5)" in lines


def test_the_bias_step_of_a_recurrent_network_is_summed_over_the_steps():
    trace = trace_of(open_problem("rnn-scalar"), True)
    v = trace.values()
    lines = matrix_form_text(trace, Style(decimals=9, width=200)).splitlines()
    for sup, name in (("¹", "bh"), ("²", "by")):
        assert f"  ∂E/∂b{sup} = Σ_t δ{sup}[t] = [{v['grad.' + name]:.9f}]" in lines
        assert f"  b{sup}⁺ = b{sup} - η·∂E/∂b{sup} = [{v['new.' + name]:.9f}]   (η = 0.1)" in lines


def test_an_lstm_writes_each_gates_bias_step():
    trace = trace_of(open_problem(LSTM_ONE_STEP), True)
    v = trace.values()
    lines = matrix_form_text(trace, Style(decimals=9, width=200)).splitlines()
    for gate in "ifgo":
        assert f"  ∂E/∂b_{gate}¹ = Σ_t δ_{gate}¹[t] = [{v['grad.b' + gate]:.9f}]" in lines
        assert f"  b_{gate}¹⁺ = b_{gate}¹ - η·∂E/∂b_{gate}¹ = [{v['new.b' + gate]:.9f}]   (η = 0.1)" in lines


def test_a_layer_without_a_bias_has_no_bias_step():
    text = render("trace", "matrix", trace_of(open_problem("delta-rule"), True), Style(width=200))
    assert "∂E/∂b" not in text and "b¹⁺" not in text


@pytest.mark.parametrize("name", ["nnbasic", "rnn-scalar", "rnn-many-to-one", LSTM_ONE_STEP, "mazur"])
def test_every_update_line_reads_p_plus_equals_p_minus_eta_times_its_gradient(name):
    text = render("trace", "matrix", trace_of(open_problem(name), True), Style(width=400))
    updates = _update_lines(text)
    assert len(updates) == len([line for line in text.splitlines() if line.startswith("  ∂E/∂")])
    for line in updates:
        p = line.split("⁺ = ")[0].strip()
        assert line.startswith(f"  {p}⁺ = {p} - η·∂E/∂{p} = "), line


def test_a_graph_has_no_matrix_form():
    result = CliRunner().invoke(app, ["backprop", "graph-circuit", "--matrix"])
    assert result.exit_code == 2 and "graph" in result.stderr



def test_golden_matrix_form_of_the_one_step_lstm_in_ascii_at_80_columns():
    # the file's numbers (chosen for it; problems/rnn-lstm-one-step.yaml): x = [1, 2], h_0 = 0.2,
    # c_0 = 0.5; its every value is pinned against a hand-written PyTorch float64 loop in
    # tests/test_rnn_problems.py. By hand: i = σ(0.5·1 - 0.3·2 + 0.1·0.2 + 0) = σ(-0.08) = 0.480010660,
    # f = σ(0.2 + 0.8 - 0.04 + 1) = σ(1.96) = 0.876532952, g = tanh(-0.6 + 0.2 + 0.08) = tanh(-0.32)
    # = -0.309506921, o = σ(0.3 + 1.4 + 0.06 + 0.1) = σ(1.86) = 0.865296948,
    # c = 0.876532952·0.5 + 0.480010660·(-0.309506921) = 0.289699855, h = o·tanh(c) = 0.243891331
    text = render("trace", "matrix", trace_of(open_problem(LSTM_ONE_STEP), True),
                  Style(decimals=9, unicode=False, width=80))
    assert text.isascii() and max(map(len, text.splitlines())) <= 80
    for line in ("       = sigmoid([-0.080000000]) = [0.480010660]", "       = tanh([-0.320000000]) = [-0.309506921]",
                 "       = [0.876532952] * [0.5] + [0.480010660] * [-0.309506921]", "       = [0.243891331]"):
        assert line in text.splitlines()
    check_golden("matrix-form-rnn-lstm-one-step-ascii-80.txt", text)


def test_golden_matrix_form_of_the_one_step_lstm_in_unicode_at_80_columns():
    text = render("trace", "matrix", trace_of(open_problem(LSTM_ONE_STEP), True), Style(decimals=9, width=80))
    assert max(map(len, text.splitlines())) <= 80
    check_golden("matrix-form-rnn-lstm-one-step-80.txt", text)


def test_the_lstm_matrix_form_reads_every_number_off_the_trace():
    trace = trace_of(load_problem(LSTM_TWO_STEP), True)
    lines = matrix_form_text(trace, Style(decimals=9, width=200)).splitlines()
    v = trace.values()
    # gates, cells and outs of both units at both steps, forwards; dE/dout, dE/dcell and the gates'
    # deltas backwards; each gate's gradients and new weights (the trace's names, docs/recurrent.md)
    for t in (1, 2):
        for gate in "ifgo":
            assert any(line.endswith(f" = [{v[f'{gate}.h1[{t}]']:.9f}, {v[f'{gate}.h2[{t}]']:.9f}]") for line in lines)
            assert f"    δ_{gate}¹[{t}] = [{v[f'delta.{gate}.h1[{t}]']:.9f}, {v[f'delta.{gate}.h2[{t}]']:.9f}]" in lines
        assert f"       = [{v[f'cell.h1[{t}]']:.9f}, {v[f'cell.h2[{t}]']:.9f}]" in lines
        assert f"       = [{v[f'out.h1[{t}]']:.9f}, {v[f'out.h2[{t}]']:.9f}]" in lines
        assert f"    ∂E/∂c¹[{t}] = [{v[f'dE/dcell.h1[{t}]']:.9f}, {v[f'dE/dcell.h2[{t}]']:.9f}]" in lines
        assert f"    ∂E/∂out¹[{t}] = [{v[f'dE/dout.h1[{t}]']:.9f}, {v[f'dE/dout.h2[{t}]']:.9f}]" in lines
    w = trace.problem.network.layers[0].recurrent_weight_names
    assert any(line.startswith("  ∂E/∂W_hf¹ = ") and f"[[{v['grad.' + w[2][0]]:.9f}, {v['grad.' + w[2][1]]:.9f}]" in line
               for line in lines)
    assert any(line.startswith("  W_hf¹⁺ = ") and f"[[{v['new.' + w[2][0]]:.9f}, {v['new.' + w[2][1]]:.9f}]" in line
               for line in lines)
