"""Renderers: golden renders on a fixed-width colourless console (rich's tests/test_table.py way),
and the properties every render must keep: numbers never cut, tables within the width, the
derivation built from the trace in the slides' notation.

Regenerate the golden files after an intended change with:
    NNCALC_REGEN_GOLDEN=1 pytest tests/test_render.py
and read the diff before committing it.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from rich.console import Console

from nncalc.bundled import bundled_problems, resolve
from nncalc.engine import check_backprop
from nncalc.errors import ComputeError
from nncalc.graph import is_graph_problem
from nncalc.problem import load_problem
from nncalc.render.common import Symbols, Tab, fmt, rich_table, slide_name, too_large_to_explain
from nncalc.render.explain import explain_lines, explain_text
from nncalc.render.json import to_json, trace_dict
from nncalc.render.markdown import markdown
from nncalc.render.matrix import matrix_lines
from nncalc.render.table import view as backprop_view
from nncalc.trace import build_trace

GOLDEN = Path(__file__).parent / "golden"


def trace_of(name: str, backward: bool = True):
    """The problem's trace, with the backward pass where it has one (targets, derivatives)."""
    problem = load_problem(resolve(name))
    try:
        check_backprop(problem.network.layers, problem.loss)
    except ComputeError:
        backward = False
    return build_trace(problem, with_backward=backward and problem.targets is not None)


def render(renderable, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, color_system=None, highlight=False,
            legacy_windows=False).print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("NNCALC_REGEN_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with NNCALC_REGEN_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("problem,width", [("nnbasic", 80), ("xor-20", 80), ("linear-regression", 60)])
def test_golden_tables(problem, width):
    check_golden(f"{problem}-backprop-{width}.txt", render(backprop_view(trace_of(problem), width=width), width))


@pytest.mark.parametrize("problem,unicode", [("nnbasic", True), ("nnbasic", False), ("linear-regression", True)])
def test_golden_explain(problem, unicode):
    text = explain_text(trace_of(problem), unicode=unicode, width=80) + "\n"
    check_golden(f"{problem}-explain-{'unicode' if unicode else 'ascii'}.txt", text)


def test_golden_markdown():
    check_golden("nnbasic-explain.md", markdown(trace_of("nnbasic"), explain=True))


@pytest.mark.parametrize("name", ["softmax-ce", "sigmoid-bce", "l1-line"])
def test_golden_closed_form_deltas_and_the_new_losses(name):
    # the closed-form delta's headline, derivation and Markdown state the divisor its numbers have
    trace = trace_of(str(Path(__file__).parent / "fixtures" / "ops" / f"{name}.yaml"))
    check_golden(f"{name}-backprop-100.txt", render(backprop_view(trace, width=100), 100))
    check_golden(f"{name}-explain.md", markdown(trace, explain=True))


# ---------------------------------------------------------------- tables

def _with_data():
    problems = {name: load_problem(path) for name, path in bundled_problems().items()}
    return [name for name, p in problems.items() if not is_graph_problem(p) and p.n_samples]


@pytest.mark.parametrize("name", _with_data())
@pytest.mark.parametrize("width", [80, 60])
def test_tables_never_cut_a_number(name, width):
    trace = trace_of(name)
    for decimals in (3, 9, 17):
        text = render(backprop_view(trace, decimals, width=width), width)
        # the header's network shape of a deep net (100-100-…-100) is abbreviated on purpose
        assert not any("…" in line for line in text.splitlines() if " network (" not in line)
        assert all(len(line) <= width for line in text.splitlines())
        numbers = {fmt(q.value, decimals) for q in trace.quantities.values() if q.kind in ("grad", "new")}
        if len(numbers) < 50:
            for number in numbers:
                assert number in text, f"{number} missing at {decimals} decimals, width {width}"


def test_default_problem_at_80_columns_shows_every_gradient_whole():
    # `nncalc backprop | cat` is 80 columns: parameter, from, p, dnet/dp, dE/dp, new p, all whole.
    text = render(backprop_view(trace_of("nnbasic"), width=80), 80)
    rows = {line.split()[0]: line.split()[-4:] for line in text.splitlines() if line[:2] in ("w5", "w1", "b2")}
    assert rows["w5"] == ["0.24", "0.613962657", "0.084155041", "0.197922480"]
    assert rows["w1"] == ["0.04", "0.1", "0.000343486", "0.039828257"]
    assert rows["b2"] == ["0.36", "1", "0.071339462", "0.324330269"]


def test_tab_split_repeats_the_key_columns():
    tab = Tab("t", ["unit", *(f"c{i}" for i in range(8))])
    tab.add("h1", *["-0.123456789"] * 8)
    parts = tab.split(40)
    assert len(parts) > 1
    assert all(p.columns[0] == "unit" and p.rows[0][0] == "h1" for p in parts)
    assert sum(len(p.columns) - 1 for p in parts) == 8
    assert parts[1].title == "t (continued)"


# a key column 5 wide and nine numbers 12 wide: Rich draws them 5 + 9*12 + 9*3 = 140 wide (3 between columns)
WIDE = Tab("wide", ["unit", *(f"col{i}" for i in range(9))])
WIDE.add("h[1]", *[f"-{i}.00000000{i}" for i in range(1, 10)])
WIDE.add("h[12]", *["0.5"] * 9)


@pytest.mark.parametrize("width", range(60, 201, 3))
def test_a_split_table_fits_the_width_with_no_cell_squeezed_or_wrapped(width):
    parts = WIDE.split(width)
    assert (len(parts) == 1) == (width >= 5 + 9 * 12 + 9 * 3)    # not split where it fits
    cells = set()
    for part in parts:
        lines = render(rich_table(part), width).splitlines()
        assert max(map(len, lines)) <= width and len(lines) == 4        # header, rule, two rows: no row wrapped
        cells |= {c for line in (lines[0], lines[2], lines[3]) for c in line.split()}
    assert cells >= {*WIDE.columns, *WIDE.rows[0], *WIDE.rows[1]}       # every cell whole


# ---------------------------------------------------------------- explain

def test_explain_follows_the_slides_for_w5():
    lines = explain_lines(trace_of("nnbasic"))
    assert ("  ∂E_total/∂w5 = ∂E_total/∂out_o1 * ∂out_o1/∂net_o1 * ∂net_o1/∂w5 = 0.618832137 * 0.221495710"
            " * 0.613962657 = 0.084155041   (∂net_o1/∂w5 = out_h1)") in lines
    assert "  w5+ = w5 - η * ∂E_total/∂w5 = 0.24 - 0.5 * 0.084155041 = 0.197922480" in lines
    assert "  net_h1 = w1 * i1 + w2 * i2 + b1 * 1 = 0.04 * 0.1 + 0.12 * 0.5 + 0.4 * 1 = 0.464000000" in lines
    assert "  out_h1 = σ(net_h1) = 1/(1 + e^-net_h1) = 1/(1 + e^-0.464000000) = 0.613962657" in lines
    assert "  E_o1 = 1/2 (target_o1 - out_o1)^2 = 1/2 (0.05 - 0.668832137)^2 = 0.191476607" in lines
    assert "  E_total = E_o1 + E_o2 = 0.191476607 + 0.042649200 = 0.234125807" in lines


def test_explain_sums_the_paths_to_a_hidden_unit():
    lines = explain_lines(trace_of("nnbasic"))
    i = lines.index("  ∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1   "
                    "(out_h1 reaches E_total through o1, o2: the chain rule adds the paths)")
    assert lines[i + 1] == ("    ∂E_o1/∂out_h1 = ∂E_o1/∂net_o1 * ∂net_o1/∂out_h1 = δ_o1 * w5 = "
                            "0.137068663 * 0.24 = 0.032896479")
    assert lines[i + 2].startswith("    ∂E_o2/∂out_h1 = ") and lines[i + 2].endswith("= -0.018404176")
    assert lines[i + 3] == "  ∂E_total/∂out_h1 = 0.032896479 + (-0.018404176) = 0.014492303"


def test_explain_ascii():
    text = explain_text(trace_of("nnbasic"), unicode=False)
    assert "dE_total/dw5 = dE_total/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5" in text
    assert "w5+ = w5 - eta * dE_total/dw5" in text and "delta_o1" in text
    assert not re.search(r"[^\x00-\x7f]", text)


def test_explain_values_come_from_the_trace():
    # Every number the derivation ends a line with is the value of a named quantity.
    trace = trace_of("nnbasic")
    values = {fmt(q.value) for q in trace.quantities.values()}
    for line in explain_lines(trace):
        if " = " in line and not line.rstrip().endswith(")"):
            assert line.rsplit(" = ", 1)[1] in values, line


def test_explain_several_samples_says_it_sums():
    text = explain_text(trace_of("linear-regression"))
    assert "sum over the samples" in text
    assert "∂E_total/∂m = δ_y@1 * x@1 + δ_y@2 * x@2 + δ_y@3 * x@3" in text
    assert "m+ = m - η * ∂E_total/∂m = 1 - 0.01 * (-4.000000000) = 1.040000000" in text


def test_explain_fused_deltas_say_why(write_problem):
    softmax = write_problem("""\
        network:
          inputs: 2
          layers:
            - {units: 2, activation: tanh, weights: [[0.5, -0.3], [0.2, 0.8]], bias: [0.1, -0.2]}
            - {units: 3, activation: softmax, weights: [[0.1, 0.2], [0.3, -0.1], [0.0, 0.4]], bias: 0.05}
        loss: cross_entropy
        data: [{input: [1, -2], target: 2}]
        """)
    text = explain_text(build_trace(load_problem(softmax)))
    assert "δ_o1 = ∂E_total/∂net_o1 = (out_o1 - target_o1) / n" in text
    assert "softmax with cross-entropy" in text and "via o1" in text
    bce = write_problem("""\
        network:
          inputs: 1
          layers: [{units: 1, activation: sigmoid, weights: [[2]], bias: [-1]}]
        loss: binary_cross_entropy
        data: [{input: [1], target: [1]}]
        """, "bce.yaml")
    text = explain_text(build_trace(load_problem(bce)))
    assert "δ_o1 = ∂E_total/∂net_o1 = (out_o1 - target_o1) / n" in text
    assert "out (1 - out) cancels" in text


def test_explain_relu_branch_and_kink(write_problem):
    path = write_problem("""\
        network:
          inputs: 1
          layers:
            - {units: 2, activation: relu, weights: [[1], [-1]], bias: [0, 0]}
            - {units: 1, activation: linear, weights: [[1, 1]]}
        data: [{input: [0.5], target: [1]}]
        """)
    lines = explain_lines(build_trace(load_problem(path)))
    assert "  out_h1 = ReLU(net_h1) = net_h1 = 0.500000000   (net_h1 > 0)" in lines
    assert "  out_h2 = ReLU(net_h2) = 0 = 0.000000000   (net_h2 ≤ 0)" in lines or \
           "  out_h2 = ReLU(net_h2) = 0   (net_h2 ≤ 0)" in lines
    assert any(line.startswith("  ∂out_h2/∂net_h2 = 0") for line in lines)


def test_explain_wraps_at_the_width():
    lines = explain_lines(trace_of("nnbasic"), width=60)
    assert all(len(line) <= 60 for line in lines)
    assert "               = 0.618832137 * 0.221495710 * 0.613962657" in lines


def test_forward_explain_has_no_backward_pass():
    text = explain_text(trace_of("nnbasic", backward=False))
    assert "Forward pass" in text and "Errors" in text and "Backward" not in text


def test_large_network_explains_in_matrix_form(write_problem):
    path = write_problem("""\
        init: he
        seed: 3
        network:
          inputs: 30
          layers: [{units: 30, activation: relu}, {units: 30, activation: relu}, {units: 2, activation: sigmoid}]
        loss: binary_cross_entropy
        data: [{input: [%s], target: [1, 0]}]
        """ % ", ".join(["0.1"] * 30))
    trace = build_trace(load_problem(path))
    assert too_large_to_explain(trace)
    lines = explain_lines(trace)
    assert sum("too large to explain" in line.lower() for line in lines) == 1
    assert lines[-len(matrix_lines(trace, 6, True)):] == matrix_lines(trace, 6, True)
    assert any("net¹ = W¹ out⁰ + b¹" in line for line in lines)
    text = render(backprop_view(trace, width=80), 80)
    assert "by layer" in text and "…" not in text


def test_slide_names():
    sym = Symbols.for_unicode(True)
    assert [slide_name(n, sym) for n in ("net.o1", "out.h1@2", "dE/dout.o1", "dout/dnet.o1", "delta.h1",
                                         "dE.o1/dout.h1", "dnet.o1/dw5", "grad.w5", "new.w5", "eta", "E.total")] \
        == ["net_o1", "out_h1@2", "∂E_total/∂out_o1", "∂out_o1/∂net_o1", "δ_h1", "∂E_o1/∂out_h1",
            "∂net_o1/∂w5", "∂E_total/∂w5", "w5+", "η", "E_total"]
    assert slide_name("dE/dout.o1", Symbols.for_unicode(False)) == "dE_total/dout_o1"


# ---------------------------------------------------------------- markdown and json

def test_markdown_is_pipe_tables_and_the_derivation():
    text = markdown(trace_of("nnbasic"), explain=True)
    assert "| w5 | h1→o1 | 0.24 | 0.613962657 | 0.084155041 | 0.197922480 |" in text
    assert "| :--- | :--- | ---: | ---: | ---: | ---: |" in text
    assert "```text\nForward pass\n" in text and text.rstrip().endswith("```")
    assert "\x1b[" not in text


def test_json_carries_full_precision():
    data = json.loads(to_json(trace_dict(trace_of("nnbasic"))))
    assert data["problem"] == "2-2-2 sigmoid network (NNBasic slides)"
    assert data["values"]["grad.w5"] == trace_of("nnbasic")["grad.w5"].value
    assert data["graph"]["grad.w5"]["inputs"] == ["delta.o1", "dnet.o1/dw5"]


def test_layer_view_of_a_large_network_needs_no_named_quantities_and_agrees_with_them(tmp_path):
    import numpy as np

    from nncalc.problem import load_problem
    from nncalc.render.common import too_large
    from nncalc.trace import build_trace

    path = tmp_path / "wide.yaml"
    path.write_text("init: xavier\nseed: 3\nnetwork:\n  inputs: 20\n  layers: [{units: 20}, {units: 2}]\n"
                    "data:\n  - {input: [" + ", ".join(["0.5"] * 20) + "], target: [0, 1]}\n")
    p = load_problem(path)
    assert too_large(p)
    light, full = build_trace(p, named=False), build_trace(p)
    assert list(light.quantities) == ["E.total"]
    assert light["E.total"].value == full["E.total"].value
    first = p.network.layers[0]
    expected = np.array([[full[f"new.{w}"].value for w in row] for row in first.weight_names])
    np.testing.assert_allclose(light.new_weights(0), expected, rtol=0, atol=1e-15)


def test_markdown_derivation_does_not_repeat_a_long_problem_name(tmp_path):
    from nncalc.problem import load_problem
    from nncalc.render.markdown import markdown
    from nncalc.trace import build_trace

    long_name = "A problem whose name is long enough to wrap " * 4
    path = tmp_path / "long.yaml"
    path.write_text(f"name: {long_name.strip()}\nnetwork:\n  inputs: 1\n  layers: [{{units: 1, weights: [[0.5]]}}]\n"
                    "data: [{input: [1], target: [0]}]\n")
    text = markdown(build_trace(load_problem(path)), explain=True)
    derivation = text.split("```text", 1)[1]
    assert "wrap" not in derivation and "1-1 network" not in derivation     # the heading says these
