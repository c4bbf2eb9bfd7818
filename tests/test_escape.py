"""Text from a student's file never reaches the terminal raw: escape sequences and other control
characters are shown as escapes in tables, derivations, Markdown, -o files and error lines."""

from __future__ import annotations

import re

import pytest

from nncalc.render.escape import printable

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")
CLEAR_AND_RETITLE = "\\e]0;pwned\\a\\e[2J"          # YAML escapes: ESC ] 0 ; ... BEL, ESC [ 2 J

EVIL = f"""\
name: "{CLEAR_AND_RETITLE} evil"
source: "slide \\u202e 7"
network:
  inputs: [i1, i2]
  layers:
    - units: [o1]
      activation: sigmoid
      weights: [[0.1, 0.2]]
      bias: 0.3
loss: half_sse
learning_rate: 0.5
data:
  - input: [0.1, 0.5]
    target: [0.05]
"""


def test_printable_writes_controls_as_escapes_and_keeps_other_text():
    assert printable("a\x1b[2Jb\x07\r\n\t\x9b\u202e σ∂") == "a\\x1b[2Jb\\x07\\r\\n\\t\\x9b\\u202e σ∂"
    assert printable("one\ntwo", newlines=True) == "one\ntwo"
    assert printable(printable("\x1b")) == printable("\x1b")


@pytest.mark.parametrize("args", [("forward",), ("backprop", "--explain"), ("backprop", "--format", "markdown"),
                                  ("summary",)])
def test_a_problem_name_with_escape_sequences_is_shown_escaped(cli, write_problem, args):
    path = write_problem(EVIL)
    result = cli(args[0], path, *args[1:])
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output), repr(result.output[:200])
    assert "\\x1b[2J evil" in result.output


def test_an_output_file_holds_no_raw_control_characters(cli, write_problem, tmp_path):
    path = write_problem(EVIL)
    assert cli("backprop", path, "--explain", "-o", tmp_path / "out.txt").exit_code == 0
    text = (tmp_path / "out.txt").read_text()
    assert not RAW.search(text) and "\\x1b[2J evil" in text


def test_an_answer_key_with_escape_sequences_is_escaped_in_the_error_line(cli, write_problem, tmp_path):
    write_problem(EVIL)
    answers = tmp_path / "a.yaml"
    answers.write_text('problem: p.yaml\nanswers:\n  "out_\\e[2Jo1": 0.5\n')
    result = cli("check", answers)
    assert result.exit_code == 2
    assert not RAW.search(result.stderr) and "out_\\x1b[2Jo1" in result.stderr


def test_class_names_from_a_csv_are_escaped_and_tables_stay_aligned(cli, tmp_path):
    (tmp_path / "d.csv").write_text('x1,x2,label\n0.1,0.2,"\x1b[2Jcat"\n0.3,0.4,dog\n')
    (tmp_path / "p.yaml").write_text("name: pets\nnetwork:\n  inputs: [x1, x2]\n  layers:\n"
                                     "    - {units: 2, activation: softmax}\nloss: cross_entropy\n"
                                     "init: xavier\nseed: 0\ntraining: {epochs: 1}\ndata: d.csv\n")
    assert cli("train", tmp_path / "p.yaml", "--save", tmp_path / "m.npz", "-qq").exit_code == 0
    result = cli("evaluate", tmp_path / "m.npz", "--data", tmp_path / "d.csv")
    assert result.exit_code == 0, result.output
    assert not RAW.search(result.output)
    rows = [line for line in result.output.splitlines() if line.strip().startswith(("\\x1b[2Jcat", "dog"))]
    assert rows and len({len(r.rstrip()) for r in rows[:2]}) == 1, rows   # escaped before the table is laid out
