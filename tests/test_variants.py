"""Variants: `vary:`/`ask:` validation, keys equal to the engine's numbers, seeds stable per student,
degenerate draws redrawn, and grading each submission against its own variant."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml

HW3 = (Path(__file__).parent.parent / "examples" / "hw3-variants.yaml").read_text()

ROSTER = "id,name,email\ns001,Ada Lovelace,ada@uni.edu\ns002,Alan Turing,alan@uni.edu\ns003,Grace Hopper,grace@uni.edu\n"


@pytest.fixture
def hw3(tmp_path: Path) -> Path:
    (tmp_path / "hw3.yaml").write_text(HW3)
    (tmp_path / "roster.csv").write_text(ROSTER)
    return tmp_path


def _variants(cli, folder: Path, out: str, *args: str):
    result = cli("variants", folder / "hw3.yaml", "-o", folder / out, "--seed", "7", *args)
    assert result.exit_code == 0, result.output
    return folder / out


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the problem file

@pytest.mark.parametrize("block, message", [
    ("vary:\n  w99: {low: 0, high: 1}\n", "vary.w99: unknown group or name 'w99'"),
    ("vary:\n  weights: {low: 1, high: 0}\n", "vary.weights: expected low < high"),
    ("vary:\n  weights: {low: 0, hihg: 1}\n", "vary.weights.hihg: unknown key 'hihg' (did you mean 'high'?)"),
    ("vary:\n  inputs: {choices: []}\n", "vary.inputs.choices: expected a non-empty list of numbers"),
    ("ask:\n  quantities: [out.h1, out.h1]\n", "ask.quantities[1]: 'out.h1' is asked twice"),
    ("ask:\n  quantities: [out.h1]\n  decimals: 40\n", "ask.decimals: expected a whole number of decimals"),
])
def test_bad_vary_or_ask_is_one_line_naming_the_key_and_line(cli, write_problem, block, message):
    base = HW3.split("vary:")[0]
    path = write_problem(base + block)
    result = cli("backprop", path)
    assert result.exit_code == 2
    assert message in result.stderr
    line = len(base.splitlines()) + next(i for i, text in enumerate(block.splitlines(), 1)
                                         if message.split(":")[0].split(".")[-1].split("[")[0] in text)
    assert result.stderr.startswith(f"nncalc: error: {path}:{line}: ")


def test_an_asked_name_the_trace_does_not_know_is_refused_with_its_line(cli, hw3):
    (hw3 / "hw3.yaml").write_text(HW3.replace("new.w1]", "new.w9]"))
    result = cli("variants", hw3 / "hw3.yaml", "-n", "2", "-o", hw3 / "out")
    assert result.exit_code == 2
    assert "ask.quantities[5]: unknown quantity 'new.w9'" in result.stderr
    assert not (hw3 / "out" / "variants.csv").exists()


# ---------------------------------------------------------------- keys and seeds

def test_every_variant_key_equals_backprop_on_that_variant(cli, hw3):
    out = _variants(cli, hw3, "hw3", "--count", "12")
    assert sorted(p.name for p in out.glob("*.yaml"))[:2] == ["variant-01.yaml", "variant-02.yaml"]
    seen = set()
    for path in sorted(out.glob("variant-*.yaml")):
        doc = yaml.safe_load(path.read_text())
        assert "vary" not in doc and doc["variant"] == path.stem
        values = json.loads(cli("backprop", path, "--format", "json").stdout)["values"]
        assert doc["answers"] == {name: values[name] for name in doc["answers"]}     # bit for bit
        assert list(doc["answers"]) == ["out.h1", "E.total", "grad.w5", "new.w5", "grad.w1", "new.w1"]
        seen.add(json.dumps(doc["network"]))
    assert len(seen) == 12       # every student their own numbers


def test_the_same_seed_gives_byte_identical_files_in_any_roster_order_or_size(cli, hw3):
    first = _files(_variants(cli, hw3, "a", "--roster", str(hw3 / "roster.csv")))
    again = _files(_variants(cli, hw3, "b", "--roster", str(hw3 / "roster.csv")))
    assert first == again
    lines = ROSTER.splitlines()
    (hw3 / "shuffled.csv").write_text("\n".join([lines[0], lines[3], lines[1], "s004,New Student,", lines[2]]) + "\n")
    shuffled = _files(_variants(cli, hw3, "c", "--roster", str(hw3 / "shuffled.csv")))
    for sid in ("s001", "s002", "s003"):
        for name in (f"{sid}.yaml", f"handouts/{sid}.md", f"solutions/{sid}.md"):
            assert shuffled[name] == first[name]
    assert "s004.yaml" in shuffled and shuffled["s004.yaml"] != first["s001.yaml"]
    other = _files(_variants(cli, hw3, "d", "--roster", str(hw3 / "roster.csv"), "--seed", "8"))
    assert other["s001.yaml"] != first["s001.yaml"]


def test_numbered_variants_keep_their_numbers_when_the_count_grows(cli, hw3):
    few = _files(_variants(cli, hw3, "few", "-n", "3"))
    many = _files(_variants(cli, hw3, "many", "-n", "100"))
    assert yaml.safe_load(few["variant-02.yaml"])["network"] == yaml.safe_load(many["variant-002.yaml"])["network"]


def test_degenerate_draws_are_drawn_again(hw3):
    """Inputs drawn from {0, 0.5}: an input of exactly 0 makes its weights' gradients exactly 0."""
    from nncalc.problem import load_problem
    from nncalc.roster import numbered
    from nncalc.variants import degenerate, make_variants

    (hw3 / "hw3.yaml").write_text(HW3.replace("inputs: {low: 0, high: 1, decimals: 2}", "inputs: {choices: [0, 0.5]}"))
    made = list(make_variants(load_problem(hw3 / "hw3.yaml"), numbered(20), 7))
    assert all(degenerate(v.trace) is None for v in made)
    assert all(v.problem.inputs.tolist() == [[0.5, 0.5]] for v in made)
    assert any(v.draws > 1 for v in made)


def test_a_saturated_output_is_degenerate(write_problem):
    from nncalc.problem import load_problem
    from nncalc.trace import build_trace
    from nncalc.variants import degenerate

    p = load_problem(write_problem(HW3.replace("bias: 0.60", "bias: 20")))
    assert "out.o1" in degenerate(build_trace(p))
    assert degenerate(build_trace(load_problem(write_problem(HW3)))) is None


def test_handout_has_the_numbers_and_no_answers_and_the_solution_works_them(cli, hw3):
    out = _variants(cli, hw3, "hw3", "--roster", str(hw3 / "roster.csv"))
    doc = yaml.safe_load((out / "s002.yaml").read_text())
    handout = (out / "handouts" / "s002.md").read_text()
    solution = (out / "solutions" / "s002.md").read_text()
    w1 = doc["network"]["layers"][0]["weights"][0][0]
    assert f"| w1 | i1→h1 | {w1:g} |" in handout and f"| w1 | i1→h1 | {w1:g} |" in solution
    for name, key in doc["answers"].items():
        assert f"{key:.4f}" not in handout
        assert f"{key:.4f}" in solution
    assert "∂E_total/∂w1 = ∂E_total/∂out_h1 * ∂out_h1/∂net_h1 * ∂net_h1/∂w1" in solution


def test_a_bad_roster_row_names_its_line(cli, hw3):
    (hw3 / "roster.csv").write_text("id,name\ns001,Ada\ns001,Again\n")
    result = cli("variants", hw3 / "hw3.yaml", "--roster", hw3 / "roster.csv", "-o", hw3 / "out")
    assert result.exit_code == 2
    assert "roster.csv:3: id 's001' also on line 2" in result.stderr
    (hw3 / "roster.csv").write_text("id,name\ns001," + "x" * 200_000 + "\n")
    result = cli("variants", hw3 / "hw3.yaml", "--roster", hw3 / "roster.csv", "-o", hw3 / "out")
    assert result.exit_code == 2 and "not a readable CSV (field larger than field limit" in result.stderr
    (hw3 / "roster.csv").write_text("id,name\ns001,Ada,extra\n")
    result = cli("variants", hw3 / "hw3.yaml", "--roster", hw3 / "roster.csv", "-o", hw3 / "out")
    assert result.exit_code == 2 and "roster.csv:2: 3 fields, the header has 2" in result.stderr


# ---------------------------------------------------------------- grading by variant

def _answers(folder: Path, sid: str, values: dict[str, str], name: str | None = None, student: bool = True) -> None:
    lines = ([f"student: {sid}"] if student else []) + ["answers:"] + [f"  {k}: {v}" for k, v in values.items()]
    (folder / f"{name or sid}.yaml").write_text("\n".join(lines) + "\n")


def test_each_submission_is_graded_against_its_own_variant(cli, hw3):
    out = _variants(cli, hw3, "hw3", "--roster", str(hw3 / "roster.csv"))
    subs = hw3 / "subs"
    subs.mkdir()
    keys = {sid: yaml.safe_load((out / f"{sid}.yaml").read_text()) for sid in ("s001", "s002", "s003")}
    _answers(subs, "s001", {k: f"{v:.4f}" for k, v in keys["s001"]["answers"].items()}, name="ada")
    # s002 adds the update (w5 + eta grad), leaves grad.w1 out, and writes new.w1 as text
    k2 = keys["s002"]["answers"]
    w5, eta = keys["s002"]["network"]["layers"][1]["weights"][0][0], keys["s002"]["learning_rate"]
    _answers(subs, "s002", {"out.h1": f"{k2['out.h1']:.4f}", "E.total": f"{k2['E.total']:.4f}",
                            "grad.w5": f"{k2['grad.w5']:.4f}", "new.w5": f"{w5 + eta * k2['grad.w5']:.4f}",
                            "new.w1": "abc"}, student=False)
    # s003 hands in s001's numbers: graded against s003's own variant, so not all correct
    _answers(subs, "s003", {k: f"{v:.4f}" for k, v in keys["s001"]["answers"].items()})
    result = cli("check", out, subs, "--format", "json")
    assert result.exit_code == 1, result.stderr
    rows = json.loads(result.stdout)["files"]
    assert [r["student_id"] for r in rows] == ["s001", "s002", "s003"]
    ada, alan, grace = rows
    assert ada["score"] == 1.0 and ada["file"].endswith("ada.yaml")
    assert alan["max_score"] == 6 and alan["missing"] == 2 and alan["score"] == pytest.approx(3 / 6)
    verdicts = {r["name"]: r for r in alan["results"]}
    assert verdicts["new.w5"]["verdict"] == "wrong"
    assert "update_added" in verdicts["new.w5"]["mistakes"]
    assert verdicts["new.w1"]["verdict"] == "missing" and "expected a number, got 'abc'" in verdicts["new.w1"]["diagnosis"]
    assert verdicts["grad.w1"]["diagnosis"] == "not answered"
    assert grace["score"] < 1.0
    table = cli("check", out, subs).stdout
    assert "Grading 3 students, each against their own variant of HW3 backprop" in table
    assert re.search(r"s002  Alan Turing +s002.yaml +3 +0 +1 +2 +50.0%", table)
    assert "quantity  answered  correct  carried  wrong  missing  most common diagnosis" in table


def test_the_gradebook_has_a_row_for_every_roster_student(cli, hw3):
    out = _variants(cli, hw3, "hw3", "--roster", str(hw3 / "roster.csv"))
    subs = hw3 / "subs"
    subs.mkdir()
    key = yaml.safe_load((out / "s002.yaml").read_text())["answers"]
    _answers(subs, "s002", {"out_h1": f"{key['out.h1']:.4f}"})
    _answers(subs, "stranger", {"out_h1": "0.5"})
    result = cli("check", out, subs, "--format", "csv")
    assert result.exit_code == 2          # one file matches no student
    rows = result.stdout.splitlines()
    assert rows[0] == ("student_id,name,email,score,max_score,percent,out.h1,E.total,grad.w5,new.w5,grad.w1,new.w1,"
                       "status,file,variant")
    assert rows[1].startswith("s001,Ada Lovelace,ada@uni.edu,0,6,0.0,0,0,0,0,0,0,no submission,,s001.yaml")
    assert rows[2].startswith("s002,Alan Turing,alan@uni.edu,1,6,16.7,1,0,0,0,0,0,graded,")
    assert rows[4].startswith("stranger,stranger,,,6,,") and "no variant for student 'stranger'" in rows[4]


def test_a_problem_with_ask_scores_over_ask_not_over_what_was_answered(cli, hw3, tmp_path):
    problem = tmp_path / "fixed.yaml"
    problem.write_text(HW3.split("vary:")[0] + HW3[HW3.index("ask:"):])
    values = json.loads(cli("backprop", problem, "--format", "json").stdout)["values"]
    _answers(tmp_path, "kim", {"out.h1": f"{values['out.h1']:.6f}", "E.total": f"{values['E.total']:.6f}"})
    result = cli("check", problem, tmp_path / "kim.yaml", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["files"][0]["score"] == pytest.approx(2 / 6)


def test_one_bad_submission_never_aborts_a_gradebook(cli, tmp_path):
    """Issue 9: a huge integer, an over-long problem name, a binary file: each in its own row."""
    subs = tmp_path / "subs"
    subs.mkdir()
    kim = Path(__file__).parent / "fixtures" / "check" / "class" / "kim.yaml"
    (subs / "kim.yaml").write_text(kim.read_text())
    (subs / "huge.yaml").write_text("problem: nnbasic\nanswers:\n  out_h1: " + "9" * 5000 + "\n")
    (subs / "long.yaml").write_text("problem: " + "x" * 5000 + "\nanswers:\n  out_h1: 0.6\n")
    (subs / "binary.yaml").write_bytes(b"\xff\xfe\x00answers")
    for args in (("nnbasic", subs), (subs,)):
        result = cli("check", *args, "--format", "json")
        assert result.exit_code == 2, result.stderr
        files = {Path(f["file"]).name: f for f in json.loads(result.stdout)["files"]}
        assert set(files) == {"kim.yaml", "huge.yaml", "long.yaml", "binary.yaml"}
        assert files["kim.yaml"]["error"] is None and files["kim.yaml"]["correct"] > 0
        for name in ("huge.yaml", "long.yaml", "binary.yaml"):
            assert files[name]["error"] and "\n" not in files[name]["error"]
        assert "internal error" not in result.stderr


CIRCUIT = """\
name: 'Circuit f = (x + y)·z'
graph:
  - q = x + y
  - f = q * z
values: {x: -2, y: 5, z: -4}
vary:
  values: {low: -5, high: 5, decimals: 0}
  z: {choices: [-3, 2, 4]}
ask:
  quantities: [q, f, df/dx, df/dz]
  decimals: 2
"""


def test_graph_problems_vary_their_leaves_and_keep_the_key_of_backprop(cli, tmp_path):
    (tmp_path / "circuit.yaml").write_text(CIRCUIT)
    result = cli("variants", tmp_path / "circuit.yaml", "-n", "20", "--seed", "3", "-o", tmp_path / "cv")
    assert result.exit_code == 0, result.output
    zs = set()
    for path in sorted((tmp_path / "cv").glob("variant-*.yaml")):
        doc = yaml.safe_load(path.read_text())
        values = json.loads(cli("backprop", path, "--format", "json").stdout)["values"]
        assert doc["answers"] == {name: values[name] for name in ("q", "f", "df/dx", "df/dz")}
        assert doc["answers"]["df/dz"] != 0          # q = 0 would make df/dz exactly 0: redrawn
        zs.add(doc["values"]["z"])
    assert zs <= {-3, 2, 4} and len(zs) > 1
    assert re.search(r"^\| x \| -?\d", (tmp_path / "cv" / "handouts" / "variant-01.md").read_text(), re.M)
    assert cli("quiz", "moodle", tmp_path / "cv", "-o", tmp_path / "cv.xml").exit_code == 0


def test_graph_vary_names_must_be_leaves(cli, write_problem):
    path = write_problem(CIRCUIT.replace("  z: {choices", "  q: {choices"))
    result = cli("backprop", path)
    assert result.exit_code == 2
    assert "vary.q: unknown group or name 'q'" in result.stderr and "a leaf of the graph" in result.stderr


def test_carried_forward_credit_and_diagnoses_work_on_each_variants_own_numbers(cli, hw3):
    """s001 adds the update on w5 but takes the step right from a wrong gradient: grad.w5 is wrong
    (the 1/2 of the loss dropped, on s001's numbers), new.w5 follows from it."""
    out = _variants(cli, hw3, "hw3", "--roster", str(hw3 / "roster.csv"))
    doc = yaml.safe_load((out / "s001.yaml").read_text())
    key = doc["answers"]
    w5, eta = doc["network"]["layers"][1]["weights"][0][0], doc["learning_rate"]
    subs = hw3 / "subs"
    subs.mkdir()
    _answers(subs, "s001", {"out.h1": f"{key['out.h1']:.4f}", "grad.w5": f"{2 * key['grad.w5']:.6f}",
                            "new.w5": f"{w5 - eta * 2 * key['grad.w5']:.6f}"})
    rows = json.loads(cli("check", out, subs, "--format", "json", "--carried-credit", "0.5").stdout)["files"]
    results = {r["name"]: r for r in rows[0]["results"]}
    assert results["grad.w5"]["verdict"] == "wrong" and "half_dropped" in results["grad.w5"]["mistakes"]
    assert results["new.w5"]["verdict"] == "carried_forward" and results["new.w5"]["follows_from"] == ["grad.w5"]
    assert rows[0]["points"] == 1.5 and rows[0]["max_score"] == 6


def test_variants_needs_vary_and_ask_and_one_way_to_count(cli, hw3, write_problem):
    result = cli("variants", hw3 / "hw3.yaml", "-n", "2", "--roster", hw3 / "roster.csv", "-o", hw3 / "o")
    assert result.exit_code == 2 and "either --count N" in result.stderr
    result = cli("variants", "nnbasic", "-n", "2", "-o", hw3 / "o")
    assert result.exit_code == 2 and "no 'vary:' block" in result.stderr
    (hw3 / "roster.csv").write_text("id,name\ns1,Eve\x1b]0;owned\x07\n")
    result = cli("variants", hw3 / "hw3.yaml", "--roster", hw3 / "roster.csv", "-o", hw3 / "o")
    assert result.exit_code == 2 and "roster.csv:2: the name holds a control character" in result.stderr
    assert "\x1b" not in result.stderr
