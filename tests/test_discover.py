"""Finding one's way around the CLI: --version, show, names, new, help, the examples at the end of
every --help, and "did you mean" for what was nearly right."""

from __future__ import annotations

import json
import shlex

import pytest
import yaml
from typer.testing import CliRunner

import nncalc
from nncalc.bundled import bundled_problems
from nncalc.cli import app
from nncalc.cli.discover import EXAMPLES

runner = CliRunner()


def run(*args: str, **kw):
    return runner.invoke(app, list(args), **kw)


def test_version_prints_the_package_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output == f"nncalc {nncalc.__version__}\n"


def test_show_prints_the_bundled_file_as_it_is():
    result = run("show", "nnbasic")
    assert result.exit_code == 0 and result.output == bundled_problems()["nnbasic"].read_text()


def test_show_writes_a_copy_that_loads(tmp_path):
    assert run("show", "xor-20", "-o", str(tmp_path / "x.yaml")).exit_code == 0
    assert nncalc.load(tmp_path / "x.yaml").forward()["out.y@1"] < 0.5       # XOR(0, 0) = 0


def test_show_of_a_mistyped_name_suggests_the_bundled_one():
    result = run("show", "nnbasc")
    assert result.exit_code == 2 and "did you mean 'nnbasic'?" in result.output


def test_a_mistyped_bundled_name_is_suggested_by_every_command():
    result = run("backprop", "nnbasc")
    assert result.exit_code == 2 and "did you mean 'nnbasic'?" in result.output


def test_a_watch_of_a_mistyped_weight_is_suggested():
    result = run("train", "nnbasic", "--watch", "w55")
    assert result.exit_code == 2 and "did you mean 'w5'?" in result.output


def test_names_lists_each_quantity_with_its_slide_spelling():
    result = run("names", "nnbasic")
    assert result.exit_code == 0
    row = next(line.split() for line in result.output.splitlines() if line.startswith("grad.w5 "))
    assert row == ["grad.w5", "∂E_total/∂w5", "dE_total/dw5", "0.084155041"]   # NNBasic slide: dE_total/dw5


def test_names_as_json_has_every_value():
    data = json.loads(run("names", "nnbasic", "--format", "json").output)
    by_name = {n["name"]: n for n in data["names"]}
    assert by_name["new.w5"]["slides"] == "w5+" and by_name["new.w5"]["value"] == pytest.approx(0.1979224796)
    assert len(by_name) == len(nncalc.load("nnbasic").backprop())


def test_new_writes_a_commented_problem_that_backprop_reads(tmp_path):
    path = tmp_path / "hw.yaml"
    result = run("new", "2-2-2", "--activation", "sigmoid", "--loss", "half_sse", "-o", str(path))
    assert result.exit_code == 0 and f"nncalc backprop {path}" in result.output
    text = path.read_text()
    assert text.startswith("# A 2-2-2 network") and "weight_names: [[w5, w6], [w7, w8]]" in text
    p = nncalc.load(path)
    assert [len(layer.units) for layer in p.problem.network.layers] == [2, 2]
    assert all(round(v, 2) == v for v in p.parameters().values())           # written with two decimals
    assert "grad.w8" in p.backprop()


def test_new_draws_the_same_file_from_the_same_seed_and_another_from_another():
    a, b, c = (run("new", "2-3-1", "--seed", s).output for s in ("1", "1", "2"))
    assert a == b and a != c


def test_new_with_init_leaves_the_weights_to_the_loader(tmp_path):
    text = run("new", "4-8-3", "--init", "he", "--activation", "ReLU", "--output-activation", "softmax",
               "--loss", "cross_entropy", "--samples", "3").output
    assert "weights:" not in text and "init: he" in text
    (tmp_path / "p.yaml").write_text(text)
    r = nncalc.load(tmp_path / "p.yaml").backprop()
    assert sum(r[f"out.o{k}@1"] for k in (1, 2, 3)) == pytest.approx(1.0)     # softmax outputs add up to 1


def test_new_refuses_a_bad_shape_a_typo_and_a_combination_nncalc_cannot_load():
    assert "expected layer sizes" in run("new", "2-x").output
    result = run("new", "2-2", "--activation", "sigmoidd")
    assert result.exit_code == 2 and "did you mean 'sigmoid'" in result.output
    result = run("new", "2-2", "--output-activation", "softmax", "--loss", "mse")
    assert result.exit_code == 2 and "needs loss: cross_entropy" in result.output
    assert "--init" in run("new", "784-100-10").output            # too many weights to write out


def test_the_answers_template_names_every_computed_quantity_and_checks_once_filled(tmp_path):
    result = run("new", "answers", "nnbasic")
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    r = nncalc.load("nnbasic").backprop()
    computed = [n for n in r if r.trace[n].op != "leaf"]
    assert [line.split(":")[0].strip().strip('"') for line in lines] == computed
    filled = "\n".join(line if not line.startswith("  ") else
                       f"  {line.split(':')[0].strip()}: {r[line.split(':')[0].strip().strip(chr(34))]!r}"
                       for line in result.output.splitlines())
    (tmp_path / "a.yaml").write_text(filled)
    check = run("check", str(tmp_path / "a.yaml"))
    assert check.exit_code == 0, check.output


def test_backprop_of_an_answers_file_says_so_and_shows_the_check_command(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("problem: nnbasic\nanswers:\n  grad.w5: 0.0842\n")
    result = run("backprop", str(path))
    assert result.exit_code == 2
    assert f"this is an answers file, not a problem; check it with: nncalc check {path}" in result.output


def test_help_format_shows_the_installed_problem_format():
    result = run("help", "format")
    assert result.exit_code == 0 and "weight_names" in result.output and "learning_rate" in result.output


def test_help_of_an_unknown_topic_suggests_one():
    result = run("help", "fromat")
    assert result.exit_code == 2 and "did you mean 'format'?" in result.output


def _commands() -> list[str]:
    return [c.name or c.callback.__name__ for c in app.registered_commands] + [g.name for g in app.registered_groups]


def test_every_command_has_two_or_three_examples_at_the_end_of_its_help():
    missing = set(_commands()) - set(EXAMPLES)
    assert not missing, f"add two or three examples for {sorted(missing)} to EXAMPLES in nncalc/cli/discover.py"
    for name in _commands():
        assert 2 <= len(EXAMPLES[name]) <= 3, name
        out = run(name, "--help", env={"COLUMNS": "100"}).stdout
        tail = out.rstrip().splitlines()[-2 * len(EXAMPLES[name]) - 1:]
        assert "Examples:" in tail[0] and tail[-1].strip() == EXAMPLES[name][-1], name


@pytest.mark.parametrize("example", [e for es in EXAMPLES.values() for e in es
                                     if not any(w in e for w in ("hw.yaml", "model.npz", "digits.csv", "mnist",
                                                                 "submissions", "data fetch", "variants"))])
def test_the_examples_that_need_no_files_run(example, tmp_path, monkeypatch):
    if "--to onnx" in example:
        pytest.importorskip("onnx", reason="the onnx extra is not installed (pip install 'nncalc[onnx]')")
    monkeypatch.chdir(tmp_path)
    result = run(*shlex.split(example)[1:])
    # check's exit code 1 says some answer is wrong: the bundled nnbasic's own answers copy the deck's slips
    assert result.exit_code == (1 if example.startswith("nncalc check") else 0), result.output


def test_activation_loss_and_optimizer_names_are_read_in_any_case(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("network:\n  inputs: 2\n  layers:\n"
                    "    - {units: 2, activation: ReLU, weights: [[1, 2], [3, -4]]}\n"
                    "    - {units: 1, activation: Sigmoid, weights: [[1, 1]]}\n"
                    "loss: Half_SSE\ntraining: {optimizer: Adam}\ndata: [{input: [1, 1], target: [1]}]\n")
    p = nncalc.load(path).problem
    assert [layer.activation.name for layer in p.network.layers] == ["relu", "sigmoid"] and p.loss == "half_sse"
    assert p.settings.optimizer == "adam"


def test_the_problem_files_source_is_shown_under_its_name():
    lines = run("backprop", "nnbasic", env={"COLUMNS": "120"}).output.splitlines()
    assert lines[1] == 'source: NNBasic deck (seed 002), "Forward Propagation" to "Backward Propagation to Update w_1"'
    assert "source: NNBasic deck" in nncalc.load("nnbasic").backprop().to_markdown().splitlines()[2]


def test_quiet_is_shown_as_a_count_not_as_a_number():
    row = next(line for line in run("train", "--help", env={"COLUMNS": "100"}).stdout.splitlines() if "--quiet" in line)
    assert "<int>" not in row and "-qq" in row


WRITES_FILES_ONLY = {"variants", "quiz", "autograder", "export", "new", "show", "help", "data fetch", "data path"}


def test_every_command_that_prints_data_has_format_and_output():
    import typer as typer_module

    def commands(group, prefix=""):
        for name, sub in group.commands.items():
            if hasattr(sub, "commands"):
                yield from commands(sub, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", {o for p in sub.params for o in getattr(p, "opts", [])}

    for name, opts in commands(typer_module.main.get_command(app)):
        assert "--output" in opts or name in ("data fetch", "data path"), name
        assert "--format" in opts or name in WRITES_FILES_ONLY, name


def test_data_list_as_json_names_the_cache_and_every_source():
    data = json.loads(run("data", "list", "--format", "json").stdout)
    assert {"cache", "origin", "sources"} <= set(data) and any(s["name"] == "spiral" for s in data["sources"])
