"""`nncalc draw`: every bundled network as SVG (one circle per unit, one edge per weight), DOT and
Mermaid; graph problems as micrograd's draw_dot (DOT, Mermaid; SVG through Graphviz when installed)."""

from __future__ import annotations

import shutil
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from nncalc.bundled import bundled_problems, open_problem
from nncalc.cli import app
from nncalc.graph import is_graph_problem
from nncalc.pictures.unrolled import steps_drawn
from nncalc.problem import load_problem
from nncalc.pictures.draw import drawing_of
from nncalc.render.formats import Style, render

SVG = "{http://www.w3.org/2000/svg}"
GRAPHS = [n for n in bundled_problems() if is_graph_problem(open_problem(n))]
NETWORKS = [n for n in bundled_problems() if n not in GRAPHS]
SEQUENCE_KINDS = ("recurrent", "lstm")


def _bias_entries(layer) -> int:
    """The bias edges of one layer at one step: one per unit, one per gate of an LSTM unit."""
    return 0 if layer.bias is None else len(layer.units) * (4 if layer.kind == "lstm" else 1)


def _expected(problem) -> dict[str, int]:
    """What the drawing of a bundled network must hold: a circle per unit (per step drawn, and the
    initial states), a weight edge per entry of W and W_h, a bias edge per bias entry, and per LSTM
    unit and step four gates and five flow edges (gate -> unit, cell[t-1] -> cell[t])."""
    network = problem.network
    T = steps_drawn(problem) if network.is_sequence else 1       # a sequence network is drawn unrolled
    lstm_units = sum(len(l.units) for l in network.layers if l.kind == "lstm")
    return {"units": sum(len(l.units) for l in network.layers if l.kind in SEQUENCE_KINDS)
            + T * (len(network.inputs) + sum(len(l.units) for l in network.layers)),
            "weights": T * sum(l.weights.size + (l.recurrent_weights.size if l.kind in SEQUENCE_KINDS else 0)
                               for l in network.layers),
            "biases": T * sum(map(_bias_entries, network.layers)),
            "gates": T * 4 * lstm_units, "flows": T * 5 * lstm_units}


@pytest.mark.parametrize("name", NETWORKS)
def test_every_bundled_network_draws_as_svg_with_a_circle_per_unit_and_a_line_per_weight(name):
    problem = open_problem(name)
    root = ET.fromstring(render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4)))
    expected, lines = _expected(problem), root.findall(f"{SVG}line")
    assert len(root.findall(f"{SVG}circle")) == expected["units"]
    assert sum("weight" in e.get("class").split() for e in lines) == expected["weights"]
    assert sum("bias" in e.get("class").split() for e in lines) == expected["biases"]
    assert len(root.findall(f"{SVG}rect[@class='gate']")) == expected["gates"]
    assert sum("flow" in (e.get("class") or "").split() for e in root.iter()) == expected["flows"]


@pytest.mark.parametrize("name", NETWORKS)
def test_every_bundled_network_draws_in_dot_and_mermaid_with_a_node_per_unit_and_an_edge_per_weight(name):
    problem = open_problem(name)
    drawing, expected = drawing_of(problem, "out"), _expected(problem)
    dot = render("drawing", "dot", drawing, Style(decimals=4))
    mermaid = render("drawing", "mermaid", drawing, Style(decimals=4))
    assert dot.count("shape=circle") == mermaid.count('(("') == expected["units"]
    assert dot.count("style=rounded") == mermaid.count("{{") == expected["gates"]
    assert dot.count(" -> ") == expected["weights"] + expected["biases"] + expected["flows"]
    assert dot.count("style=dashed") == mermaid.count("-.->") == expected["biases"]
    assert dot.count('color="#3366cc"') == mermaid.count("==>") == expected["flows"]
    assert mermaid.count("-->") == expected["weights"]


@pytest.mark.parametrize("name", bundled_problems())
def test_every_bundled_problems_mermaid_front_matter_is_yaml_holding_its_title(name):
    import yaml

    mermaid = render("drawing", "mermaid", drawing_of(open_problem(name), "out"), Style(decimals=4))
    front, _, body = mermaid.removeprefix("---\n").partition("\n---\n")
    # Mermaid reads the front matter with a YAML parser: 'title: a: b' unquoted is not YAML
    assert yaml.safe_load(front)["title"].startswith(open_problem(name).name + ": ")
    assert body.startswith("flowchart LR")


def test_the_nnbasic_drawing_carries_the_slides_weights_nets_and_outs():
    svg = render("drawing", "svg", drawing_of(open_problem("nnbasic"), "out"), Style(decimals=4))
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    # NNBasic slides: w5 = 0.24, b1 = 0.40; net.h1 = 0.1·0.04 + 0.5·0.12 + 0.4 = 0.464
    assert "w5 = 0.2400" in texts and "b1 = 0.4000" in texts
    assert "net 0.4640" in texts and "out 0.6140" in texts


def test_show_grad_puts_the_gradients_on_the_edges_and_show_new_the_updated_weights():
    problem = open_problem("nnbasic")
    grad = render("drawing", "mermaid", drawing_of(problem, "grad"), Style(decimals=9))
    new = render("drawing", "mermaid", drawing_of(problem, "new"), Style(decimals=9))
    trace_values = __import__("nncalc.api", fromlist=["x"]).trace_of(problem, True).values()
    assert f'|"grad.w5 = {trace_values["grad.w5"]:.9f}"|' in grad
    assert f'|"new.w5 = {trace_values["new.w5"]:.9f}"|' in new


def test_dot_and_mermaid_draw_an_edge_per_weight_and_bias():
    drawing = drawing_of(open_problem("nnbasic"), "out")
    dot = render("drawing", "dot", drawing, Style(decimals=4))
    mermaid = render("drawing", "mermaid", drawing, Style(decimals=4))
    assert dot.startswith("digraph") and dot.count(" -> ") == 8 + 4
    assert mermaid.count("-->") == 8 and mermaid.count("-.->") == 4
    assert '"u:i1" -> "u:h1" [label="w1 = 0.0400"];' in dot


@pytest.mark.parametrize("name", GRAPHS)
def test_a_graph_problem_draws_a_value_node_with_data_and_grad_and_an_op_node_between(name):
    drawing = drawing_of(open_problem(name), "out")
    graph = drawing.problem.graph
    dot = render("drawing", "dot", drawing, Style(decimals=4))
    mermaid = render("drawing", "mermaid", drawing, Style(decimals=4))
    assert dot.count("shape=ellipse") == len(graph.nodes)
    assert mermaid.count('(["') == len(graph.nodes)
    assert "grad\\ " in dot


def test_the_sigmoid_neuron_graph_shows_micrograds_numbers():
    dot = render("drawing", "dot", drawing_of(open_problem("graph-sigmoid-neuron"), "out"), Style(decimals=4))
    # CS231n's sigmoid neuron: w0 = 2, x0 = -1 -> df/dw0 = -0.1966, df/dx0 = 0.3932
    assert '"v:w0" [shape=record, label="{ w0 | data\\ 2.0000 | grad\\ -0.1966 }"];' in dot
    assert '"v:x0" [shape=record, label="{ x0 | data\\ -1.0000 | grad\\ 0.3932 }"];' in dot


def test_graph_svg_without_graphviz_is_one_line_naming_the_package(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = CliRunner().invoke(app, ["draw", "graph-sigmoid-neuron"])
    assert result.exit_code == 2
    assert "apt install graphviz" in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_svg_through_graphviz_parses_as_xml():
    svg = render("drawing", "svg", drawing_of(open_problem("graph-sigmoid-neuron"), "out"), Style(decimals=4))
    assert ET.fromstring(svg).tag == f"{SVG}svg"


def test_draw_writes_the_format_its_output_suffix_names(tmp_path):
    runner = CliRunner()
    for suffix, start in ((".svg", "<svg"), (".dot", "digraph"), (".mmd", "---\ntitle:")):
        path = tmp_path / f"net{suffix}"
        result = runner.invoke(app, ["draw", "nnbasic", "-o", str(path)])
        assert result.exit_code == 0, result.output
        assert path.read_text().startswith(start)


def test_show_grad_on_a_network_without_samples_is_one_clear_line():
    result = CliRunner().invoke(app, ["draw", "deep-10x100", "--show", "grad"])
    assert result.exit_code == 2 and "no samples" in result.stderr


def test_text_from_the_file_is_escaped_in_svg(tmp_path):
    problem = tmp_path / "p.yaml"
    text = open_problem("nnbasic").doc.text.replace("name:", "name: '<b>&' #", 1)
    problem.write_text(text)
    result = CliRunner().invoke(app, ["draw", str(problem)])
    assert result.exit_code == 0, result.output
    ET.fromstring(result.stdout)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_a_network_draws_as_a_png_for_slides_the_size_of_its_svg(tmp_path):
    pytest.importorskip("matplotlib", reason="PNG drawings need the optional extra 'plot' (matplotlib)")
    path = tmp_path / "net.png"
    result = CliRunner().invoke(app, ["draw", "nnbasic", "--show", "grad", "-o", str(path)])
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    root = ET.fromstring(render("drawing", "svg", drawing_of(open_problem("nnbasic"), "grad"), Style(decimals=4)))
    assert data.startswith(PNG_SIGNATURE)
    assert _png_size(data) == (int(root.get("width")) * 3 // 2, int(root.get("height")) * 3 // 2)   # 150 dpi


@pytest.mark.slow          # about 30 s of CPU: Agg draws MNIST's 79,510 weight lines
def test_a_large_network_draws_as_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="PNG drawings need the optional extra 'plot' (matplotlib)")
    data = render("drawing", "png", drawing_of(open_problem("mnist-mlp"), "out"), Style(decimals=4))
    assert data.startswith(PNG_SIGNATURE)


def test_a_png_without_matplotlib_is_one_line_naming_the_package(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)       # import matplotlib raises ImportError
    path = tmp_path / "net.png"
    result = CliRunner().invoke(app, ["draw", "nnbasic", "-o", str(path)])
    assert result.exit_code == 2 and not path.exists()
    assert "pip install 'nncalc[plot]'" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_png_is_never_written_to_the_terminal():
    result = CliRunner().invoke(app, ["draw", "nnbasic", "--format", "png"])
    assert result.exit_code == 2 and "-o FILE.png" in result.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_a_graph_draws_as_a_png_through_graphviz(tmp_path):
    path = tmp_path / "graph.png"
    result = CliRunner().invoke(app, ["draw", "graph-sigmoid-neuron", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(PNG_SIGNATURE)


RNN = Path(__file__).parent / "fixtures" / "rnn" / "two-step.yaml"


def test_a_recurrent_network_is_drawn_unrolled_over_its_steps():
    problem = load_problem(RNN)
    svg = render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4))
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    # h[0] (2 units), then for each of the 2 steps x1, x2, h1, h2, y: 2 + 2 * 5 circles
    assert len(root.findall(f"{SVG}circle")) == 12 and "unrolled over 2 steps" in texts[0]
    # h1[1] = tanh(0.5 * 1 + (-0.1) * 0 + 0.1 * 0 + 0 * 0 + 0) = tanh(0.5) = 0.4621 (the file's W, W_h, b)
    assert "h1[1]" in texts and "net 0.5000" in texts and "out 0.4621" in texts
    # each shared weight is labelled once, where it first appears: wh1 from h1[0] to h1[1]
    assert texts.count("wh1 = 0.1000") == 1 and texts.count("wx1 = 0.5000") == 1
    mermaid = render("drawing", "mermaid", drawing_of(problem, "grad"), Style(decimals=4))
    assert "grad.wh1 = " in mermaid and "h2[2]" in mermaid


LSTM_ONE_STEP = "rnn-lstm-one-step"


def _texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_the_one_step_lstm_drawing_carries_its_gates_cell_and_out_from_the_trace():
    from nncalc.api import trace_of

    problem = open_problem(LSTM_ONE_STEP)
    values = trace_of(problem, True).values()
    texts = _texts(render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4)))
    # the file's h_0 = 0.2, c_0 = 0.5; i = σ(0.5·1 - 0.3·2 + 0.1·0.2 + 0) = σ(-0.08) = 0.4800, and
    # f, g, o, cell, h[1] as nncalc forward rnn-lstm-one-step writes them out (docs/recurrent.md)
    assert "out 0.2000" in texts and "cell 0.5000" in texts
    for gate in "ifgo":
        assert f"{gate} {values[f'{gate}.h[1]']:.4f}" in texts
    assert f"out {values['out.h[1]']:.4f}" in texts and f"cell {values['cell.h[1]']:.4f}" in texts
    assert "i 0.4800" in texts and "cell 0.2897" in texts and "out 0.2439" in texts
    # every weight labelled once, under the file's names: W by gate, W_h (ui ... uo), the gate biases
    for name, value in (("wi1", 0.5), ("wg2", 0.1), ("ui", 0.1), ("uf", -0.2), ("bf", 1.0), ("wy", 2.0)):
        assert texts.count(f"{name} = {value:.4f}") == 1


def test_show_grad_and_new_put_the_lstm_gradients_and_updated_weights_on_its_edges():
    from nncalc.api import trace_of

    problem = open_problem(LSTM_ONE_STEP)
    values = trace_of(problem, True).values()
    grad = render("drawing", "mermaid", drawing_of(problem, "grad"), Style(decimals=9))
    new = render("drawing", "dot", drawing_of(problem, "new"), Style(decimals=9))
    for name in ("wi1", "wo2", "ui", "uo", "bf", "wy"):
        assert f'|"grad.{name} = {values[f"grad.{name}"]:.9f}"|' in grad
        assert f'label="new.{name} = {values[f"new.{name}"]:.9f}"' in new


def test_an_lstm_in_dot_and_mermaid_has_its_gate_nodes_and_an_edge_per_weight():
    problem = load_problem(RNN.with_name("lstm-two-step.yaml"))
    drawing = drawing_of(problem, "out")
    dot = render("drawing", "dot", drawing, Style(decimals=4))
    mermaid = render("drawing", "mermaid", drawing, Style(decimals=4))
    lstm, y = problem.network.layers
    T, gates = 2, 4 * len(lstm.units)
    weights = T * (lstm.weights.size + lstm.recurrent_weights.size + y.weights.size)
    flows = T * 5 * len(lstm.units)
    assert dot.count("style=rounded") == T * gates and mermaid.count('{{"') == T * gates
    assert dot.count(" -> ") == weights + T * gates + flows and dot.count('[color="#3366cc"]') == flows
    assert mermaid.count("-->") == weights and mermaid.count("==>") == flows and mermaid.count("-.->") == T * gates
    # the cell path of unit h1 from step 1 to step 2, and the gate f of h2 at step 2 feeding h2[2]
    assert '"u:h1[1]" -> "u:h1[2]" [color="#3366cc"];' in dot and '"g:f.h2[2]" -> "u:h2[2]" [color="#3366cc"];' in dot
    # W_h's entry whf2 (the forget gate of h1 reading h2[t-1]) labelled once, where it first appears
    assert dot.count('label="whf2 = 0.1000"') == 1 and '"u:h2[0]" -> "g:f.h1[1]" [label="whf2 = 0.1000"];' in dot


def test_a_large_lstm_draws_small_and_unlabelled_over_its_first_steps():
    problem = open_problem("adding-lstm")            # 16 units, 50 steps generated: 3 steps drawn
    svg = render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4))
    root = ET.fromstring(svg)
    assert "unrolled over the first 3 steps (no samples written out)" in root.find(f"{SVG}title").text
    assert len(svg) < 1_000_000
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert not any(label.startswith(("wi", "whi", "bi_")) for label in labels)   # W, W_h, b too large to label


def test_a_long_sample_is_drawn_over_its_first_steps_and_the_title_says_so(tmp_path):
    from nncalc.pictures.unrolled import MAX_DRAWN_STEPS

    import yaml

    doc = yaml.safe_load(RNN.read_text())
    doc["data"] = [{"input": [[1, 0]] * 12, "target": [[1]] * 12}]
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(doc))
    problem = load_problem(path)
    root = ET.fromstring(render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4)))
    assert steps_drawn(problem) == MAX_DRAWN_STEPS < 12
    assert f"unrolled over the first {MAX_DRAWN_STEPS} steps of 12" in root.find(f"{SVG}title").text
    assert len(root.findall(f"{SVG}circle")) == 2 + MAX_DRAWN_STEPS * 5


def test_an_lstm_draws_as_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="PNG drawings need the optional extra 'plot' (matplotlib)")
    path = tmp_path / "lstm.png"
    result = CliRunner().invoke(app, ["draw", LSTM_ONE_STEP, "--show", "grad", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def _label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    from nncalc.pictures.svg import CHAR_WIDTH, LABEL_HEIGHT

    boxes = []
    for t in ET.fromstring(svg).iter(f"{SVG}text"):
        if t.get("class") == "label":
            x, y, half = float(t.get("x")), float(t.get("y")), CHAR_WIDTH * len(t.text) / 2
            boxes.append((x - half, y - LABEL_HEIGHT, x + half, y + 2))
    return boxes


@pytest.mark.parametrize("name", ["nnbasic", "mazur", LSTM_ONE_STEP])
def test_edge_labels_are_moved_along_their_edges_until_none_overlaps_another(name):
    boxes = _label_boxes(render("drawing", "svg", drawing_of(open_problem(name), "out"), Style(decimals=4)))
    assert len(boxes) >= 8
    overlapping = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert not overlapping
