"""What the YAML reader accepts and refuses before and while reading: special files, sizes, aliases
(PyYAML's own `yaml.dump` writes them), alias bombs, huge integers and tags; each refusal one line,
exit 2, at once."""

from __future__ import annotations

import os
import time

import pytest
import yaml

from nncalc import yamlio
from nncalc.errors import ProblemError
from nncalc.problem import load_problem

from test_problem_errors import GOOD


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("nncalc: error: ") and "Traceback" not in result.stderr
    return line


def test_a_file_written_by_yaml_dump_with_anchors_and_aliases_loads(tmp_path):
    # an instructor's script sharing one activation mapping between layers: yaml.dump writes
    # `activation: &id001 {...}` and then `*id001`
    activation = {"name": "sigmoid"}
    spec = yaml.safe_load(GOOD)
    for layer in spec["network"]["layers"]:
        layer["activation"] = activation
    text = yaml.dump(spec)
    assert "&id001" in text and "*id001" in text
    path = tmp_path / "dumped.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_problem(path).network.layers[1].activation.name == "sigmoid"


def test_an_alias_bomb_is_refused_by_its_expanded_size_at_once(cli, write_problem):
    lines = ['a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]']
    lines += [f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]" for p, c in zip("abcdefghi", "bcdefghij")]
    path = write_problem("\n".join(lines) + "\n")
    started = time.perf_counter()
    line = one_line(cli("backprop", path))
    assert time.perf_counter() - started < 1.0
    assert f"{path}:6:" in line and "expand to more than 1,000,000 values" in line


@pytest.mark.parametrize("text,pieces", [
    ("a: &a [1, *a]\n", [":1:", "alias *a inside its own anchor"]),
    ("a: *nope\n", [":1:", "alias *nope names no anchor"]),
    ("a: !!python/object:os.system {}\n", [":1:", "tag", "not supported"]),
    ("a: !custom 1\n", [":1:", "tag '!custom' is not supported"]),
    ("a: 1\n---\nb: 2\n", [":2:", "more than one YAML document"]),
    ("? [1, 2]\n: 3\n", [":1:", "a list or mapping used as a mapping key"]),
])
def test_yaml_the_safe_loader_would_refuse_is_one_line(cli, write_problem, text, pieces):
    line = one_line(cli("backprop", write_problem(text)))
    assert all(p in line for p in pieces), line


def test_an_integer_of_more_digits_than_python_reads_is_one_line(cli, write_problem):
    path = write_problem(GOOD.replace("0.6]]", "1" * 5000 + "]]"))
    started = time.perf_counter()
    line = one_line(cli("backprop", path))
    assert time.perf_counter() - started < 1.0
    assert f"{path}:10:" in line and "an integer of 5,000 digits" in line


def test_numbers_read_as_the_safe_loader_reads_them(tmp_path):
    doc = yamlio.parse_yaml("a: [1, -2, 0.5, .5, 1e-06, 1.5e3, 007, 0x1f, 1_000, .inf, yes, no, ~, '3', 2024-01-01]\n")
    assert doc.data["a"] == [1, -2, 0.5, 0.5, 1e-06, 1500.0, 7, 31, 1000, float("inf"), True, False, None, "3",
                             "2024-01-01"]
    assert [type(v) for v in doc.data["a"][:3]] == [int, int, float]


def test_lines_are_known_for_every_value():
    doc = yamlio.parse_yaml("a:\n  b: [1,\n    2]\n  c:\n    - x: 1\n    - x: 2\n")
    assert doc.line_of(("a", "b", 1)) == 3
    assert doc.line_of(("a", "c", 1, "x")) == 6
    assert doc.line_of(("a", "missing")) == 2
    assert doc.text_at(("a", "c", 0, "x")) == "1"


def test_a_fifo_is_refused_without_waiting_for_a_writer(cli, tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    line = one_line(cli("backprop", fifo))
    assert time.perf_counter() - started < 1.0
    assert line == f"nncalc: error: {fifo}: is a FIFO (named pipe), expected a YAML file; nncalc reads regular files only"


@pytest.mark.skipif(not os.path.exists("/dev/urandom"), reason="needs /dev/urandom")
def test_a_device_is_refused_without_reading_it(cli):
    line = one_line(cli("forward", "/dev/urandom"))
    assert "/dev/urandom: is a device" in line


def test_a_fifo_named_by_an_answers_files_problem_is_refused(cli, tmp_path):
    os.mkfifo(tmp_path / "hw.yaml")
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: hw.yaml\nanswers:\n  out.o1: 0.5\n", encoding="utf-8")
    line = one_line(cli("check", answers))
    assert "is a FIFO" in line


def test_an_over_long_file_name_in_an_answers_files_problem_is_one_line(cli, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text(f"problem: {'x' * 5000}.yaml\nanswers:\n  out.o1: 0.5\n", encoding="utf-8")
    line = one_line(cli("check", answers))
    assert f"{answers}:1: problem: " in line and "a name of 5,005 characters, longer than a file name can be" in line


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(cli, write_problem, monkeypatch):
    path = write_problem(GOOD + "#" * 2000 + "\n")
    monkeypatch.setattr(yamlio, "MAX_BYTES", 1000)
    line = one_line(cli("backprop", path))
    assert "nncalc reads YAML files of at most" in line
    with pytest.raises(ProblemError, match="at most"):
        load_problem(path)


def test_parsing_pauses_the_garbage_collector_and_restores_it(monkeypatch):
    """A 5 MB file is a million objects without cycles; collections during the build walked them all
    again and again (half the load time). The collector is off while building, back on after, and
    stays off if the caller had turned it off."""
    import gc

    from nncalc import yamlio

    seen = []
    real = yamlio._build
    monkeypatch.setattr(yamlio, "_build", lambda parser: seen.append(gc.isenabled()) or real(parser))
    assert gc.isenabled()
    assert yamlio.parse_yaml("a: [1.5, 2]\n").data == {"a": [1.5, 2]}
    assert seen == [False] and gc.isenabled()
    with pytest.raises(yaml.YAMLError):
        yamlio.parse_yaml("a: [1, 2\n")
    assert gc.isenabled()
    gc.disable()
    try:
        yamlio.parse_yaml("a: 1\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
