"""Bad problem files and options: each is one clear line naming the file and the place (line or key
path), exit code 2, no traceback, well within a second."""

from __future__ import annotations

import time

import pytest

from nncalc.errors import NncalcError, ProblemError
from nncalc.problem import load_problem, parse_assignments, with_overrides

GOOD = """\
network:
  inputs: [i1, i2]
  layers:
    - units: [h1, h2]
      activation: sigmoid
      weights: [[0.1, 0.2], [0.3, 0.4]]
      bias: 0.5
    - units: [o1]
      activation: sigmoid
      weights: [[0.5, 0.6]]
loss: half_sse
data:
  - input: [1, 2]
    target: [1]
"""

BOMB = "\n".join(['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
                 + [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]) + "\n"

# (case, file text, pieces the one-line message must contain)
CASES = [
    ("yaml syntax", GOOD.replace("[[0.5, 0.6]]", "[[0.5, 0.6]"), [":11:", "YAML syntax error"]),
    ("weight rows", GOOD.replace("[[0.1, 0.2], [0.3, 0.4]]", "[[0.1, 0.2]]"),
     [":6:", "network.layers[0].weights", "expected 2 rows (units h1, h2), got 1"]),
    ("weight columns", GOOD.replace("[[0.5, 0.6]]", "[[0.5, 0.6, 0.7]]"),
     [":10:", "network.layers[1].weights[0]", "expected 2 numbers (h1, h2), got 3"]),
    ("unknown activation", GOOD.replace("sigmoid", "sigmod", 1),
     [":5:", "network.layers[0].activation", "unknown activation 'sigmod'", "did you mean 'sigmoid'"]),
    ("unknown loss", GOOD.replace("half_sse", "half_ss"),
     [":11:", "loss: unknown loss 'half_ss'", "did you mean 'half_sse'"]),
    ("target length", GOOD.replace("target: [1]", "target: [1, 0]"),
     [":14:", "data[0].target", "expected 1 number (o1), got 2"]),
    ("non-numeric", GOOD.replace("0.6]]", "abc]]"),
     [":10:", "network.layers[1].weights[0][1]", "expected a number, got 'abc'"]),
    ("nan", GOOD.replace("0.6]]", ".nan]]"), [":10:", "weights[0][1]", "expected a finite number, got nan"]),
    ("inf", GOOD.replace("input: [1, 2]", "input: [1, .inf]"),
     [":13:", "data[0].input[1]", "expected a finite number, got inf"]),
    ("softmax loss", GOOD.replace("units: [o1]\n      activation: sigmoid", "units: [o1]\n      activation: softmax"),
     [":11:", "loss", "softmax output needs loss: cross_entropy"]),
    ("softmax hidden", GOOD.replace("sigmoid", "softmax", 1),
     [":5:", "network.layers[0].activation", "only supported on the output layer"]),
    ("duplicate unit", GOOD.replace("units: [o1]", "units: [h1]"),
     [":8:", "network.layers[1].units[0]", "duplicate name 'h1'", "network.layers[0].units[0]"]),
    ("duplicate key", GOOD.replace("loss: half_sse", "loss: half_sse\nloss: sse"), [":12:", "duplicate key 'loss'"]),
    ("empty data", GOOD[:GOOD.index("data:")] + "data: []\n", [":12:", "data", "at least one sample"]),
    ("unknown key", GOOD.replace("loss: half_sse", "los: half_sse"),
     [":11:", "unknown key 'los'", "did you mean 'loss'"]),
    ("unknown layer key", GOOD.replace("      bias: 0.5", "      bais: 0.5"),
     [":7:", "network.layers[0].bais", "did you mean 'bias'"]),
    ("alias bomb", BOMB, [":7:", "aliases (*name) expand to more than 1,000,000 values"]),
    ("empty file", "", ["the file is empty"]),
    ("only a comment", "# nothing here\n", ["the file is empty"]),
    ("a list", "- 1\n", [":1:", "expected a mapping"]),
    ("bias length", GOOD.replace("      bias: 0.5", "      bias: [0.5]"),
     [":7:", "network.layers[0].bias", "expected 2 numbers (h1, h2), got 1"]),
    ("bad name", GOOD.replace("inputs: [i1, i2]", "inputs: [i1, 2x]"), [":2:", "network.inputs[1]", "'2x'"]),
    ("alpha on relu", GOOD.replace("activation: sigmoid", "activation: {name: relu, alpha: 0.1}", 1),
     [":5:", "relu' takes no alpha"]),
    ("learning rate", GOOD.replace("loss: half_sse", "loss: half_sse\nlearning_rate: fast"),
     [":12:", "learning_rate", "expected a number, got 'fast'"]),
    ("unknown init", GOOD.replace("loss: half_sse", "loss: half_sse\ninit: xavir"), [":12:", "did you mean 'xavier'"]),
    ("huge integer", GOOD.replace("0.6]]", "1" + "0" * 400 + "]]"),
     [":10:", "weights[0][1]", "expected a finite number, got a huge integer"]),
    ("weights not a list", GOOD.replace("[[0.5, 0.6]]", "5"),
     [":10:", "network.layers[1].weights", "expected 1 row (units o1), got 5, not a list of rows"]),
    ("one sample not in a list", GOOD[:GOOD.index("data:")] + "data:\n  input: [1, 2]\n  target: [1]\n",
     [":13:", "data", "expected a list of samples"]),
    ("unknown sample key", GOOD.replace("    target: [1]", "    target: [1]\n    extra: 1"),
     [":15:", "data[0].extra", "unknown key 'extra'"]),
    ("missing weights", GOOD.replace("      weights: [[0.5, 0.6]]\n", ""),
     [":8:", "network.layers[1]", "missing 'weights'", "init:"]),
    # the training block is checked at load, so every command refuses what `train` would
    ("training key", GOOD + "training: {optimiser: adam}\n",
     [":15:", "training.optimiser", "unknown key 'optimiser'", "did you mean 'optimizer'"]),
    ("training option", GOOD + "training:\n  optimizer: {name: adam, beta1: 1.5}\n",
     [":16:", "training.optimizer.beta1", "from 0 up to (not including) 1, got 1.5"]),
    ("training epochs", GOOD + "training:\n  epochs: 0\n", [":16:", "training.epochs", "at least 1, got 0"]),
    ("training misfit", GOOD + "training:\n  optimizer: perceptron\n",
     [":16:", "training.optimizer", "the perceptron rule trains one layer of step or sign units"]),
    ("bptt on a feed-forward net", GOOD + "training:\n  bptt: 3\n",
     [":16:", "training.bptt", "bptt truncates backpropagation through time", "no recurrent layer"]),
    ("clip_norm with the perceptron rule",
     "network:\n  inputs: [x1, x2]\n  layers:\n    - {units: [y], activation: step, weights: [[1, 1]], bias: -1.5}\n"
     "loss: half_sse\ndata:\n  - {input: [1, 1], target: [1]}\ntraining:\n  optimizer: perceptron\n  clip_norm: 1\n",
     [":10:", "training.clip_norm", "the perceptron rule has none"]),
    # names that are lists or mappings are refused, not looked up
    ("loss list", GOOD.replace("loss: half_sse", "loss: [half_sse]"),
     [":11:", "loss: expected a loss name (one of half_sse", "got a list"]),
    ("loss mapping", GOOD.replace("loss: half_sse", "loss: {name: half_sse}"),
     [":11:", "loss: expected a loss name", "got a mapping"]),
    ("activation name list", GOOD.replace("activation: sigmoid", "activation: {name: [linear]}", 1),
     [":5:", "network.layers[0].activation.name", "expected an activation name", "got a list"]),
    # sizes are checked before anything of that size is made (each case well under a second)
    ("10^9 inputs", "network:\n  inputs: 1000000000\n  layers: [{units: 1}]\ninit: he\n",
     [":2:", "network.inputs: 1,000,000,000 inputs; nncalc holds at most 100,000"]),
    ("10^6 units", "network:\n  inputs: 2\n  layers: [{units: 1000000}]\ninit: he\n",
     [":3:", "network.layers[0].units: 1,000,000 units in a layer; nncalc holds at most 100,000"]),
    ("10^8 weights", "network:\n  inputs: 10000\n  layers: [{units: 10000}]\ninit: he\n",
     [":3:", "network.layers[0]: 10,000 x 10,000 = 100,000,000 weights; nncalc holds at most 4,000,000"]),
    # data sources and the answers block are checked at load too, so `backprop` refuses what
    # `train` and `check` would
    ("data source typo", GOOD[:GOOD.index("data:")] + "data:\n  train: {generate: spirl}\n",
     [":13:", "data.train.generate: unknown generator 'spirl'", "did you mean 'spiral'"]),
    ("data split typo", GOOD[:GOOD.index("data:")] + "data:\n  train: spiral\n  tset: spiral\n",
     [":14:", "data.tset: unknown key 'tset' next to train/test", "did you mean 'test'"]),
    ("answers value", GOOD + "answers:\n  out.o1: [1]\n", [":16:", "answers.out.o1: expected a number, got a list"]),
    ("answers infinite", GOOD + "answers:\n  out.o1: .inf\n", [":16:", "answers.out.o1: expected a finite number"]),
    ("init list", GOOD.replace("loss: half_sse", "loss: half_sse\ninit: [he]"), [":12:", "init", "got a list"]),
]


@pytest.mark.parametrize("case,text,pieces", CASES, ids=[c[0] for c in CASES])
def test_bad_problem_file(write_problem, case, text, pieces):
    path = write_problem(text)
    with pytest.raises(ProblemError) as info:
        load_problem(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for piece in pieces:
        assert piece in message, f"{piece!r} not in {message!r}"
    assert "\n" not in message


@pytest.mark.parametrize("case,text,pieces", CASES, ids=[c[0] for c in CASES])
def test_bad_problem_file_through_the_cli(cli, write_problem, case, text, pieces):
    path = write_problem(text)
    started = time.perf_counter()
    result = cli("backprop", path)
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"nncalc: error: {path}")
    assert all(piece in line for piece in pieces), line
    assert "Traceback" not in result.stderr


def test_missing_file(cli, tmp_path):
    result = cli("forward", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "nope.yaml" in line and "no such file" in line and "nncalc problems" in line


def test_folder_instead_of_a_file(cli, tmp_path):
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    result = cli("backprop", folder)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"nncalc: error: {folder}: is a folder, expected a YAML file"


def test_not_utf8(cli, tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00")
    result = cli("backprop", path)
    assert result.exit_code == 2 and "not a text file" in result.stderr


def test_deeply_nested_yaml_is_refused_not_crashed(cli, write_problem):
    path = write_problem("network: " + "[" * 100_000 + "]" * 100_000 + "\n")
    result = cli("backprop", path)
    assert result.exit_code == 2
    assert "nested" in result.stderr and str(path) in result.stderr


@pytest.mark.parametrize("option,pieces", [
    ("w9=1", ["--set w9", "no weight, bias, input or learning rate", "did you mean"]),
    ("w1=abc", ["--set 'w1=abc'", "expected NAME=NUMBER"]),
    ("w1=nan", ["--set w1", "finite"]),
    ("i1@3=1", ["--set i1@3", "sample 3 does not exist", "has 1 sample,"]),
])
def test_set_errors(cli, write_problem, option, pieces):
    path = write_problem(GOOD)
    result = cli("backprop", path, "--set", option)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert all(p in line for p in pieces), line


def test_set_unknown_name_names_the_file(write_problem):
    path = write_problem(GOOD)
    with pytest.raises(NncalcError) as info:
        with_overrides(load_problem(path), parse_assignments(["w9=1"]))
    assert str(info.value).startswith(f"{path}: --set w9")


def test_backprop_without_targets(cli, write_problem):
    path = write_problem(GOOD.replace("    target: [1]\n", ""))
    result = cli("backprop", path)
    assert result.exit_code == 2 and "no targets" in result.stderr and "nncalc forward" in result.stderr
    assert cli("forward", path).exit_code == 0


def test_problem_without_samples(cli, write_problem):
    path = write_problem(GOOD[:GOOD.index("data:")])
    for command in ("forward", "backprop"):
        result = cli(command, path)
        assert result.exit_code == 2 and "no samples" in result.stderr
    assert cli("summary", path).exit_code == 0


def test_exponent_floats_are_numbers(write_problem):
    # YAML 1.1 reads 1e-06 as a string; Python prints floats that way, so nncalc reads it as a number.
    path = write_problem(GOOD.replace("[[0.5, 0.6]]", "[[5e-01, -6E-1]]"))
    assert load_problem(path).network.layers[1].weights.tolist() == [[0.5, -0.6]]


def test_control_character_in_yaml_is_one_line_with_its_line_number(tmp_path):
    from typer.testing import CliRunner

    from nncalc.cli import app

    path = tmp_path / "ctrl.yaml"
    path.write_text("name: x\nnetwork:\n  inputs: 1\n  layers: [{units: 1, weights: [[1]]}]\n"
                    "data: [{input: [1], target: [0.5\x07]}]\n")
    result = CliRunner().invoke(app, ["backprop", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "ctrl.yaml:5:" in lines[0] and "U+0007" in lines[0]
