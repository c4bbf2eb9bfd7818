"""The example notebook, run in a real Jupyter kernel: its cells show what the API promises (the
tables as HTML, the derivation as Markdown, verdicts, a training run), not only that it ran.
Needs the test extra's nbclient, nbformat and ipykernel (pip install -e '.[test]')."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat (pip install -e '.[test]')")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient (pip install -e '.[test]')")
pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel (pip install -e '.[test]')")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "nncalc-tour.ipynb"


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    except nbclient.exceptions.CellExecutionError:
        raise
    except Exception as exc:                     # no kernel spec, no ZeroMQ: the machinery, not nncalc
        if type(exc).__name__ in ("NoSuchKernel", "RuntimeError", "TimeoutError"):
            pytest.skip(f"no Jupyter kernel could be started here: {type(exc).__name__}: {exc}")
        raise
    return nb


def _outputs(nb, source_start: str) -> list[dict]:
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start))
    return cell.outputs


def _data(nb, source_start: str, mime: str) -> str:
    found = [o["data"][mime] for o in _outputs(nb, source_start) if mime in o.get("data", {})]
    assert found, f"no {mime} output from the cell {source_start!r}"
    return found[-1]


def test_the_result_cell_renders_the_w5_row_as_html(executed):
    html = _data(executed, "r = p.backprop()", "text/html")
    row = next(line for line in html.splitlines() if line.startswith('<tr><td style="text-align:left">w5</td>'))
    assert "0.084155041" in row and "0.197922480" in row      # ∂E/∂w5 and new w5 of the NNBasic slide


def test_the_problem_cell_shows_its_layers(executed):
    assert "parameters" in _data(executed, "import nncalc", "text/html")


def test_the_named_value_cell_prints_full_precision(executed):
    assert _data(executed, 'r["grad.w5"]', "text/plain").startswith("(0.08415504")


def test_the_explain_cell_is_markdown_with_the_chain_rule(executed):
    md = _data(executed, "r.explain()", "text/markdown")
    assert md.startswith("```text") and "0.084155041" in md


def test_the_explain_cell_also_carries_the_derivation_as_latex(executed):
    latex = _data(executed, "r.explain()", "text/latex")
    assert latex.startswith("$$\\begin{aligned}") and r"\frac{\partial E_{total}}{\partial w_{5}} &=" in latex
    assert r" &= 0.084155041 \\" in latex.splitlines()


def test_a_graph_problem_shows_its_operations_and_nodes(executed):
    html = _data(executed, 'g = nncalc.load("graph-sigmoid-neuron")', "text/html")
    assert "<b>Operations</b>" in html and ">dot_1<" in html
    # CS231n's sigmoid neuron (w0 = 2, x0 = -1, ...): df/dw0 = -0.20 on the page, -0.196611933 unrounded
    assert float(_data(executed, 'g.backprop()["df/dw0"]', "text/plain")) == pytest.approx(-0.196611933, abs=1e-9)


def test_the_check_cell_shows_each_verdict(executed):
    html = _data(executed, "nncalc.check", "text/html")
    assert html.count("correct") >= 2 and "wrong" in html


def test_the_training_cell_shows_progress_then_its_history(executed):
    outputs = _outputs(executed, "run = nncalc.train")
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<progress" in h for h in html)                  # the live display (its last update)
    assert "stopped after 20 epochs" in html[-1] and html[-1].count("<tr>") == 21
    assert float(_data(executed, "run.problem", "text/plain")) < 0.24   # w5 went down, as its gradient says


def test_a_recurrent_network_shows_its_steps_and_bptt_gradients(executed):
    from test_recurrent import _by_hand     # the two-step RNN, worked with math.tanh

    html = _data(executed, "rnn = nncalc.load(", "text/html")
    assert "h1[2]" in html and "0.462117157" in html                 # out.h1[1] = tanh(0.5)
    grad, changed = (float(x) for x in _data(executed, 'rr["grad.wh1"]', "text/plain").strip("()").split(","))
    assert grad == pytest.approx(_by_hand()["grad_wh"][0][0], rel=1e-12) and changed != grad
    verdicts = _data(executed, "nncalc.check(rnn", "text/html")
    assert "correct" in verdicts and "wrong" in verdicts


def test_the_recurrent_network_trains_in_the_notebook(executed):
    html = [o["data"]["text/html"] for o in _outputs(executed, "rnn_run = nncalc.train") if "text/html" in o.get("data", {})]
    assert "stopped after 5 epochs" in html[-1] and html[-1].count("<tr>") == 6
