"""`nncalc draw`: every bundled network as SVG (one circle per unit, one edge per weight), DOT and
Mermaid; graph problems as micrograd's draw_dot (DOT, Mermaid; SVG through Graphviz when installed)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from nncalc.bundled import bundled_problems, open_problem
from nncalc.cli import app
from nncalc.graph import is_graph_problem
from nncalc.pictures.draw import drawing_of
from nncalc.render.formats import Style, render

SVG = "{http://www.w3.org/2000/svg}"
NETWORKS = [n for n, p in bundled_problems().items() if not is_graph_problem(open_problem(n))]
GRAPHS = [n for n in bundled_problems() if n not in NETWORKS]


@pytest.mark.parametrize("name", NETWORKS)
def test_every_bundled_network_draws_as_svg_with_a_circle_per_unit_and_a_line_per_weight(name):
    problem = open_problem(name)
    root = ET.fromstring(render("drawing", "svg", drawing_of(problem, "out"), Style(decimals=4)))
    network = problem.network
    lines = root.findall(f"{SVG}line")
    assert len(root.findall(f"{SVG}circle")) == len(network.inputs) + sum(len(l.units) for l in network.layers)
    # one line per (unit, input): an LSTM unit's four gates share their input's line
    assert sum("weight" in e.get("class").split() for e in lines) == sum(
        len(l.units) * l.weights.shape[-1] for l in network.layers)
    assert sum("bias" in e.get("class").split() for e in lines) == sum(
        len(l.units) for l in network.layers if l.bias is not None)


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
