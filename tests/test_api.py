"""The Python API (nncalc.api): load, compute, render, check and train as objects, the same numbers
as the command line. Golden numbers: the NNBasic deck's 2-2-2 sigmoid network (seeds/002), where
dE_total/dw5 = 0.082167041 on the slide with rounded intermediates, 0.0841550407 exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

import nncalc
from nncalc.errors import NncalcError

W5_GRADIENT = 0.0841550407208396      # float64 of the slide's network (tests/test_nnbasic.py)


def _text(renderable) -> str:
    console = Console(width=100, no_color=True, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


def test_the_issues_one_liner_prints_the_slides_w5_gradient():
    out = subprocess.run([sys.executable, "-c", "import nncalc; print(nncalc.load('nnbasic').backprop()['grad.w5'])"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("0.08415504")


def test_importing_nncalc_loads_neither_numpy_nor_rich():
    code = "import sys, nncalc; print(sorted(m for m in ('numpy', 'rich', 'yaml', 'nncalc.api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_all_names_the_api_and_every_name_resolves():
    assert {"load", "check", "train", "Problem", "Result", "Verdicts", "Training", "NncalcError"} <= set(nncalc.__all__)
    for name in nncalc.__all__:
        assert getattr(nncalc, name) is not None


def test_backprop_values_are_the_json_formats_values():
    r = nncalc.load("nnbasic").backprop()
    assert r["grad.w5"] == pytest.approx(W5_GRADIENT, abs=1e-15)
    assert r.values() == json.loads(r.to_json())["values"]
    assert "grad.w5" in r and "new.w5" in list(r)


def test_forward_has_outputs_and_errors_but_no_gradients():
    r = nncalc.load("nnbasic").forward()
    assert r["out.o1"] == pytest.approx(0.668832137, abs=1e-9)     # out_o1 on the NNBasic slide: 0.668832137
    assert "grad.w5" not in r


def test_an_unknown_quantity_is_a_key_error_that_suggests_the_name():
    with pytest.raises(KeyError, match="grad.w5"):
        nncalc.load("nnbasic").backprop()["grad.W5"]


def test_with_values_is_set_and_leaves_the_original_alone():
    p = nncalc.load("nnbasic")
    q = p.with_values(w5=0.3)
    assert q.parameters()["w5"] == 0.3 and p.parameters()["w5"] == 0.24
    assert q.backprop()["new.w5"] == pytest.approx(0.3 - 0.5 * q.backprop()["grad.w5"])
    assert p.with_values({"i1@1": 1.0}).backprop()["i1"] == 1.0


def test_with_values_of_an_unknown_name_says_which_names_exist():
    with pytest.raises(NncalcError, match="did you mean 'w5'"):
        nncalc.load("nnbasic").with_values(w55=1)


def test_a_dict_in_the_file_format_is_validated_as_a_file_is():
    spec = {"network": {"inputs": 2, "layers": [{"units": 1, "activation": "linear", "weights": [[1, 2]]}]},
            "data": [{"input": [1, 1], "target": [0]}]}
    r = nncalc.load(spec).backprop()
    assert r["out.o1"] == 3.0 and r["grad.w1"] == 3.0          # out = 1 + 2, dE/dw1 = (out - t) * i1
    spec["network"]["layers"][0]["weights"] = [[1, 2, 3]]
    with pytest.raises(NncalcError, match=r"<dict>: network.layers\[0\].weights"):
        nncalc.load(spec)


def test_a_path_loads_like_a_bundled_name(tmp_path):
    from nncalc.bundled import bundled_problems

    path = tmp_path / "copy.yaml"
    path.write_text(bundled_problems()["nnbasic"].read_text())
    assert nncalc.load(path).backprop()["grad.w5"] == pytest.approx(W5_GRADIENT)
    with pytest.raises(NncalcError, match="nnbasic"):
        nncalc.load("nnbasc")


def test_a_problem_without_targets_refuses_backprop_and_says_why():
    spec = {"network": {"inputs": 1, "layers": [{"units": 1, "weights": [[1]]}]}, "data": [{"input": [1]}]}
    p = nncalc.load(spec)
    assert p.forward()["out.o1"] > 0
    with pytest.raises(NncalcError, match="no targets"):
        p.backprop()


def test_table_and_explain_are_rich_renderables_with_the_slides_numbers():
    r = nncalc.load("nnbasic").backprop()
    table = _text(r.table())
    assert any(line.split()[:1] == ["w5"] and "0.084155041" in line for line in table.splitlines())
    explanation = r.explain()
    assert "0.084155041" in _text(explanation) and "0.084155041" in str(explanation)
    assert explanation._repr_markdown_().startswith("```text\n")


def test_explain_shows_as_latex_in_the_slides_symbols():
    latex = nncalc.load("nnbasic").backprop().explain()._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}\n") and latex.endswith("\\end{aligned}$$\n")
    rows = latex.splitlines()
    # the NNBasic deck's dE_total/dw5 chain, exactly as the --explain line reads it
    at = rows.index(r"\frac{\partial E_{total}}{\partial w_{5}} &= \frac{\partial E_{total}}{\partial out_{o1}} "
                    r"\cdot \frac{\partial out_{o1}}{\partial net_{o1}} \cdot \frac{\partial net_{o1}}{\partial w_{5}}"
                    r"\quad (\frac{\partial net_{o1}}{\partial w_{5}} = out_{h1}) \\")
    assert rows[at + 2] == r" &= 0.084155041 \\"
    assert r"&\textbf{Forward pass} \\" in rows
    # prose keeps its math words in $...$, so MathJax needs no text-mode macro
    assert "\\ensuremath" not in latex and "\\_" not in latex
    assert r"\text{(b2 is shared by o1, o2: $\frac{\partial net}{\partial b_{2}}$ $=$ 1 for each" in latex


def test_explain_as_latex_compiles_with_pdflatex(tmp_path):
    import shutil

    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex not installed (Debian: texlive-latex-base)")
    for name in ("nnbasic", "graph-sigmoid-neuron"):
        tex = tmp_path / f"{name}.tex"
        tex.write_text("\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
                       + nncalc.load(name).backprop().explain()._repr_latex_() + "\\end{document}\n")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, f"{name}: {run.stdout[-2000:]}"


def test_a_graph_problem_shows_its_summary_and_html():
    p = nncalc.load("graph-sigmoid-neuron")
    text = _text(p.summary())
    assert "Operations" in text and "Nodes, in the order they are computed" in text and "dot_1" in text
    html = p._repr_html_()
    assert html.startswith("<h4>sigmoid neuron") and "<b>Operations</b>" in html and ">dot_1<" in html
    network = nncalc.load("nnbasic")
    assert "2 x 2 = 4" in _text(network.summary()) and "<b>Layers</b>" in network._repr_html_()


def test_every_registered_format_renders_and_has_a_to_method():
    from nncalc.render.formats import formats

    r = nncalc.load("nnbasic").backprop()
    for fmt in formats("trace"):
        text = r.render(fmt)
        assert "0.084155041" in text or "0.0841550407" in text, fmt
        assert not any(line != line.rstrip() for line in text.splitlines()), fmt
        assert getattr(r, f"to_{fmt.replace('-', '_')}")() == text
    with pytest.raises(NncalcError, match="did you mean 'json'"):
        r.render("jsn")


def test_the_html_shows_the_w5_row_and_escapes_text():
    html = nncalc.load("nnbasic").backprop()._repr_html_()
    assert '<td style="text-align:left">w5</td>' in html and "0.084155041" in html
    spec = {"name": "<script>", "network": {"inputs": 1, "layers": [{"units": 1, "weights": [[1]]}]},
            "data": [{"input": [1], "target": [0]}]}
    html = nncalc.load(spec).backprop()._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_check_returns_one_verdict_object_per_answer():
    p = nncalc.load("nnbasic")
    v = nncalc.check(p, {"grad.w5": 0.0842, "dE_total/dw6": 0.5, "out.h1": "0.6140"})
    assert [(x.name, x.verdict) for x in v] == [("grad.w5", "correct"), ("grad.w6", "wrong"), ("out.h1", "correct")]
    assert v["out.h1"].tolerance == pytest.approx(1e-4)     # "0.6140": four decimals as written
    assert not v.all_correct and v.score() == pytest.approx(2 / 3)
    assert "0.0842" in v._repr_html_() and json.loads(v.to_json())


def test_check_of_an_unknown_name_says_so():
    with pytest.raises(NncalcError, match="<answers>: answers.grad.w55"):
        nncalc.check("nnbasic", {"grad.w55": 1})


def test_check_reads_an_answers_file(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("answers:\n  grad.w5: 0.08415504\n")
    assert nncalc.check("nnbasic", path).all_correct


def test_train_yields_the_trainers_events_and_ends_with_its_result():
    from nncalc.train import Report, Step

    run = nncalc.train("nnbasic", epochs=5)
    events = list(run)
    assert sum(isinstance(e, Step) for e in events) == 5 and sum(isinstance(e, Report) for e in events) == 5
    assert run.result.reason == "epochs" and len(run.history) == 5
    # full-batch gradient descent from the slide's weights: the first update is the slide's new w5
    first = nncalc.train("nnbasic", steps=1)
    first.run()
    assert first.problem.parameters()["w5"] == pytest.approx(0.24 - 0.5 * W5_GRADIENT)


def test_train_result_before_the_end_is_an_error():
    with pytest.raises(NncalcError, match="not finished"):
        nncalc.train("nnbasic", epochs=1).result


def test_train_options_are_checked_as_the_cli_checks_them():
    with pytest.raises(NncalcError, match="--epochs"):
        nncalc.train("nnbasic", epochs=0)


def test_train_with_progress_off_a_notebook_draws_on_stderr(capsys):
    run = nncalc.train("nnbasic", epochs=3)
    assert run.run(progress=True).epochs == 3
    assert capsys.readouterr().out == ""


def test_the_history_html_has_one_row_per_epoch():
    from nncalc.notebook import history_html

    run = nncalc.train("nnbasic", epochs=3)
    run.run()
    html = history_html(run.trainer)
    assert html.count("<tr>") == 4 and "stopped after 3 epochs" in html


def test_the_submodules_stay_modules_while_callable():
    import nncalc.check as check_module
    import nncalc.train as train_module

    assert nncalc.train is train_module and nncalc.check is check_module
    assert hasattr(nncalc.train, "Trainer") and hasattr(nncalc.check, "Checker")


# ---------------------------------------------------------------- recurrent problems (issue 11)

TWO_STEP = Path(__file__).parent / "fixtures" / "rnn" / "two-step.yaml"


def test_a_recurrent_problem_gives_its_bptt_gradients_by_name():
    from test_recurrent import _by_hand       # the issue's two-step RNN worked with math.tanh

    hand = _by_hand()
    r = nncalc.load(TWO_STEP).backprop()
    assert r["grad.wh1"] == pytest.approx(hand["grad_wh"][0][0], rel=1e-13)
    assert r["out.h1[2]"] == pytest.approx(hand["hs"][2][0], rel=1e-14)
    assert r["E.total"] == pytest.approx(hand["E"], rel=1e-14)


def test_with_values_on_a_recurrent_problem_is_the_file_with_that_weight():
    import yaml

    spec = yaml.safe_load(TWO_STEP.read_text())
    spec["network"]["layers"][0]["recurrent_weights"][0][0] = 0.3
    changed = nncalc.load(TWO_STEP).with_values(wh1=0.3).backprop()
    assert changed["grad.wh1"] == nncalc.load(spec).backprop()["grad.wh1"]
    assert changed["grad.wh1"] != nncalc.load(TWO_STEP).backprop()["grad.wh1"]


def test_check_marks_answers_with_time_steps():
    p = nncalc.load(TWO_STEP)
    r = p.backprop()
    v = nncalc.check(p, {"out.h1[1]": "0.4621", "grad.wh1": f"{r['grad.wh1']:.6f}", "out.h2[2]": "0.5"})
    assert [x.verdict for x in v] == ["correct", "correct", "wrong"]


def test_a_recurrent_problem_shows_itself_in_a_notebook():
    p = nncalc.load(TWO_STEP)
    assert "2 x 2 + 2 x 2 = 8" in _text(p.summary()) and "<b>Layers</b>" in p._repr_html_()
    r = p.backprop()
    assert "0.462117157" in r._repr_html_()             # out.h1[1] = tanh(0.5), the step tables as HTML
    latex = r.explain()._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and "step 2" in latex


def test_training_a_recurrent_problem_takes_the_worked_examples_bptt_step():
    p = nncalc.load(TWO_STEP)
    one = nncalc.train(p, steps=1)
    one.run()
    # a full-batch SGD update is the worked example's own: wh1+ = wh1 - eta * dE/dwh1, summed over the steps
    assert one.problem.parameters()["wh1"] == pytest.approx(p.backprop()["new.wh1"], rel=1e-12)
    run = nncalc.train(p, epochs=5)
    assert run.run().reason == "epochs" and run.history[-1]["loss"] < run.history[0]["loss"]
