"""`nncalc check` from the command line: reports, formats, exit codes and every bad input.

The class in tests/fixtures/check/class/: Lee (all correct), Kim (used w5+ while backpropagating,
then carried it on), Sam (dropped the 1/2 of the loss, then carried it on), Ash (a name the network
does not have: unreadable).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "check"
CLASS = FIXTURES / "class"
GOLDEN = FIXTURES / "nnbasic-check.txt"


def flat(text: str) -> str:
    """Text with its line wrapping undone (the terminal report wraps at 80 columns)."""
    return " ".join(text.split())


def one_line_error(result, *parts: str) -> None:
    """Exit code 2, nothing on stdout, one line on stderr naming every part (file, place, what)."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nncalc: error: ")
    for part in parts:
        assert part in lines[0], (part, lines[0])


# ---------------------------------------------------------------- one file

def test_the_deck_numbers_render_as_the_golden_table(cli):
    result = cli("check", "nnbasic")
    assert result.exit_code == 1           # the deck's own numbers are not all correct
    if os.environ.get("NNCALC_REGEN_GOLDEN"):
        GOLDEN.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == GOLDEN.read_text(encoding="utf-8")
    assert "20 correct, 5 carried forward, 4 wrong of 29; score 86.2%" in result.stdout


def test_all_correct_exits_0(cli):
    result = cli("check", "nnbasic", CLASS / "lee.yaml")
    assert result.exit_code == 0
    assert "10 correct, 0 carried forward, 0 wrong of 10; score 100.0%" in result.stdout
    assert "diagnosis" not in result.stdout and "Why" not in result.stdout


def test_an_answers_file_alone_names_its_problem(cli):
    result = cli("check", CLASS / "kim.yaml")
    assert result.exit_code == 1
    assert "Checking" in result.stdout and "(Kim)" in result.stdout
    assert "the updated weights used while backpropagating (w5+ instead of w5)" in flat(result.stdout)
    assert "follows from your dE.o1/dout.h1 = 0.027128970" in flat(result.stdout)


def test_problem_on_the_command_line_wins(cli, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: no-such-problem\nanswers:\n  out_h1: 0.613962657\n", encoding="utf-8")
    assert cli("check", "nnbasic", answers).exit_code == 0


def test_explain_works_out_each_wrong_answer(cli):
    result = cli("check", "nnbasic", CLASS / "kim.yaml", "--explain")
    out = result.stdout
    assert "How the wrong ones are worked out" in out
    # the right dE_o1/dout_h1 = delta_o1 x w5 = 0.137068663 x 0.24 = 0.032896479, its delta first
    section = out[out.index("How the wrong ones"):]
    assert "0.137068663" in section and "0.032896479" in section
    assert section.index("0.221495710") < section.index("0.032896479")


def test_json_has_the_promised_shape(cli):
    result = cli("check", "nnbasic", CLASS / "sam.yaml", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (f,) = data["files"]
    assert f["student"] == "Sam" and f["error"] is None and f["file"].endswith("sam.yaml")
    first = f["results"][0]
    assert {"name", "given", "expected", "verdict", "diagnosis"} <= set(first)
    by_name = {r["name"]: r for r in f["results"]}
    assert by_name["E.o1"]["verdict"] == "wrong" and by_name["E.o1"]["mistakes"] == ["half_dropped"]
    assert by_name["E.o1"]["given"] == 0.382953213
    assert by_name["E.o1"]["expected"] == pytest.approx(0.191476607, abs=1e-9)
    assert by_name["new.w5"]["verdict"] == "carried_forward"
    assert by_name["new.w5"]["carried_from"] == ["dE/dout.o1"]
    assert by_name["out.o1"]["diagnosis"] is None


def test_csv_for_one_file_has_a_row_per_answer(cli):
    result = cli("check", "nnbasic", CLASS / "sam.yaml", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["name"] for r in rows] == ["out.o1", "E.o1", "dE/dout.o1", "dout/dnet.o1", "grad.w5", "new.w5"]
    assert [r["verdict"] for r in rows] == ["correct", "wrong", "wrong", "correct", "carried_forward",
                                            "carried_forward"]
    assert rows[1]["written_as"] == "E_o1" and rows[1]["given"] == "0.382953213"


def test_markdown_is_a_pipe_table(cli):
    result = cli("check", "nnbasic", CLASS / "kim.yaml", "--format", "markdown")
    assert "| quantity | given | expected | verdict | diagnosis |" in result.stdout
    assert "| `dE.o1/dout.h1` | 0.027128970 | 0.032896479 | wrong |" in result.stdout


def test_output_file_is_written(cli, tmp_path):
    out = tmp_path / "grades.csv"
    result = cli("check", "nnbasic", CLASS, "--format", "csv", "-o", out)
    assert result.exit_code == 2 and result.stdout == ""       # ash.yaml cannot be read
    assert out.read_text(encoding="utf-8").startswith("file,student,answered,correct")


# ---------------------------------------------------------------- many files

def test_a_folder_is_a_gradebook_and_a_broken_file_loses_nothing_else(cli):
    result = cli("check", "nnbasic", CLASS)
    assert result.exit_code == 2          # one file could not be checked
    out = result.stdout
    assert "Checking 4 answers files" in out
    for row in ("kim.yaml Kim 9 3 1 92.3%", "lee.yaml Lee 10 0 0 100.0%", "sam.yaml Sam 2 2 2 66.7%"):
        assert row in flat(out)
    assert "ash.yaml:6: answers.w9+: unknown quantity 'w9+'" in flat(out)
    assert "4 files: 1 all correct, 2 with mistakes, 1 could not be checked" in out
    assert "Per quantity" in out and "the 1/2 of the loss dropped" in flat(out)


def test_batch_json_and_csv(cli):
    data = json.loads(cli("check", "nnbasic", CLASS, "-f", "json").stdout)
    files = {Path(f["file"]).name: f for f in data["files"]}
    assert files["ash.yaml"]["results"] == [] and "w9+" in files["ash.yaml"]["error"]
    assert files["lee.yaml"]["error"] is None and files["lee.yaml"]["score"] == 1.0
    quantities = {q["name"]: q for q in data["quantities"]}
    assert quantities["dE/dout.o1"] == {"name": "dE/dout.o1", "answered": 2, "correct": 1, "carried_forward": 0,
                                        "wrong": 1, "most_common_diagnosis": "the 1/2 of the loss dropped",
                                        "most_common_count": 1}
    rows = list(csv.DictReader(io.StringIO(cli("check", "nnbasic", CLASS, "-f", "csv").stdout)))
    assert [Path(r["file"]).name for r in rows] == ["ash.yaml", "kim.yaml", "lee.yaml", "sam.yaml"]
    kim = rows[1]
    assert (kim["correct"], kim["carried_forward"], kim["wrong"], kim["score"]) == ("9", "3", "1", "0.9231")
    assert kim["dE.o1/dout.h1"] == "wrong" and kim["new.w1"] == "carried_forward" and kim["delta.o1"] == ""
    assert rows[0]["error"].startswith(str(CLASS / "ash.yaml"))


def test_several_files_without_a_broken_one_exit_1(cli):
    result = cli("check", "nnbasic", CLASS / "kim.yaml", CLASS / "lee.yaml")
    assert result.exit_code == 1 and "Checking 2 answers files" in result.stdout


def test_carried_credit_changes_the_score(cli):
    data = json.loads(cli("check", "nnbasic", CLASS / "kim.yaml", "-f", "json", "--carried-credit", "0").stdout)
    assert data["files"][0]["score"] == pytest.approx(9 / 13)


def test_a_folder_of_files_naming_their_problem(cli, tmp_path):
    for name in ("kim.yaml", "lee.yaml"):
        shutil.copy(CLASS / name, tmp_path / name)
    result = cli("check", tmp_path)
    assert result.exit_code == 1 and "Checking 2 answers files against 2-2-2 sigmoid" in result.stdout


def test_a_file_naming_another_problem_gets_a_row_saying_so(cli, tmp_path):
    shutil.copy(CLASS / "kim.yaml", tmp_path / "kim.yaml")
    (tmp_path / "zed.yaml").write_text("problem: xor-20\nanswers:\n  out.y@1: 0.5\n", encoding="utf-8")
    result = cli("check", tmp_path, "-f", "json")
    assert result.exit_code == 2
    zed = json.loads(result.stdout)["files"][1]
    assert "names problem 'xor-20', unlike the files before it ('nnbasic')" in zed["error"]


def test_a_folder_where_no_file_can_be_read(cli, tmp_path):
    (tmp_path / "a.yaml").write_text("answers: [\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("student: B\n", encoding="utf-8")
    one_line_error(cli("check", tmp_path), "none of the 2 answers files could be checked", "a.yaml:2")


# ---------------------------------------------------------------- unusable input: one line, exit 2

def write(tmp_path: Path, text: str, name: str = "a.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text,parts", [
    ("answers:\n  out_h1: [0.6\n", ["YAML syntax error", ":3"]),
    ("", ["the file is empty"]),
    ("- 0.6\n", ["expected a mapping with 'answers:'"]),
    ("studnet: Kim\nanswers:\n  out_h1: 0.6\n", [":1", "studnet", "did you mean 'student'"]),
    ("out_h1: 0.61\n", ["unknown key 'out_h1'; put the numbers under 'answers:'"]),
    ("student: Kim\n", ["missing 'answers:'"]),
    ("answers: 0.6\n", [":1", "answers", "expected a mapping of quantity names to numbers"]),
    ("answers: {}\n", ["no answers given"]),
    ("answers:\n  out_h1: 0.6\n  w9+: 0.2\n", [":3", "answers.w9+", "unknown quantity 'w9+'", "'w8+'"]),
    ("answers:\n  out_h1: about 0.6\n", [":2", "answers.out_h1", "expected a number, got 'about 0.6'"]),
    ("answers:\n  out_h1:\n", [":2", "expected a number, got nothing"]),
    ("answers:\n  out_h1: yes\n", [":2", "expected a number, got True"]),
    ("answers:\n  out_h1: .nan\n", [":2", "expected a finite number, got .nan"]),
    ("answers:\n  out_h1: 0.6\n  out_h1: 0.7\n", [":3", "duplicate key 'out_h1'"]),
    ("answers:\n  w5+: 0.2\n  new.w5: 0.2\n", [":3", "'new.w5' and 'w5+' both name new.w5"]),
    ("answers:\n  a: &x [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]\n"
     + "".join(f"  {c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("xbcde", "bcdef")), ["alias", "expand"]),
])
def test_a_broken_answers_file_is_one_line_and_exit_2(cli, tmp_path, text, parts):
    path = write(tmp_path, text)
    one_line_error(cli("check", "nnbasic", path), str(path), *parts)


def test_a_problem_file_given_as_answers(cli):
    one_line_error(cli("check", "nnbasic", Path(__file__).parents[1] / "problems" / "xor-20.yaml"), "xor-20.yaml",
                   "this is a problem file, not an answers file")


def test_a_missing_answers_file(cli, tmp_path):
    one_line_error(cli("check", "nnbasic", tmp_path / "nope.yaml"), "nope.yaml", "no such file")


def test_a_problem_without_answers_block(cli):
    one_line_error(cli("check", "xor-20"), "xor-20.yaml", "the problem has no 'answers:' block")


def test_an_unknown_problem(cli):
    one_line_error(cli("check", "no-such-problem"), "no-such-problem", "no bundled problem of that name")


def test_an_empty_folder(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    one_line_error(cli("check", "nnbasic", tmp_path / "empty"), "empty", "no answers files (*.yaml, *.yml)")


def test_an_answers_file_that_names_no_problem(cli, tmp_path):
    path = write(tmp_path, "answers:\n  out_h1: 0.6\n")
    one_line_error(cli("check", path), str(path), "no problem to check against")


def test_a_sample_suffix_is_needed_on_a_batch_problem(cli, tmp_path):
    path = write(tmp_path, "answers:\n  out_y: 1\n")
    one_line_error(cli("check", "linear-regression", path), f"{path}:2", "answers.out_y",
                   "say which with @k, e.g. out.y@1")


@pytest.mark.parametrize("option,value,message", [
    ("--tolerance", "-1", "--tolerance -1.0: expected a number of at least 0"),
    ("--rtol", "nan", "--rtol nan: expected a number of at least 0"),
    ("--carried-credit", "2", "--carried-credit 2.0: expected a number from 0 to 1"),
])
def test_a_bad_option_is_one_line_and_exit_2(cli, option, value, message):
    one_line_error(cli("check", "nnbasic", option, value), message)


def test_a_bad_set_is_one_line_and_exit_2(cli):
    one_line_error(cli("check", "nnbasic", "--set", "w99=1"), "--set w99", "no weight, bias, input")


def test_files_in_two_folders_naming_one_problem_by_relative_paths_are_graded_together(cli, tmp_path):
    from nncalc.bundled import resolve

    shutil.copy(resolve("nnbasic"), tmp_path / "hw.yaml")
    for folder, value in (("a", "0.6688"), ("b", "0.5")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "s.yaml").write_text(f"problem: ../hw.yaml\nanswers:\n  out_o1: {value}\n")
    result = cli("check", tmp_path / "a", tmp_path / "b", "-f", "csv")
    assert result.exit_code == 1                          # b's answer is wrong; nothing refused
    assert "unlike the files before it" not in result.stdout + result.stderr
    assert ",correct" in result.stdout and ",wrong" in result.stdout
