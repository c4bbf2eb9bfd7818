"""Every number right or refused: a value of a worked example that is not finite is an error naming
the quantity and why (exit 2), NumPy's warnings never reach the user, a student's overflowing
numbers carry nothing forward, and given numbers keep their digits at any --decimals.
"""

from __future__ import annotations

import warnings

import pytest


def one_unit(weight: str, x: str, *, act: str = "sigmoid", loss: str = "half_sse", eta: str = "0.5",
             target: str = "1") -> str:
    return f"""\
        name: one unit
        network:
          inputs: [x]
          layers:
            - units: [y]
              activation: {act}
              weights: [[{weight}]]
        loss: {loss}
        learning_rate: {eta}
        data:
          - input: [{x}]
            target: [{target}]
        """


SOFTMAX = """\
    name: softmax overflow
    network:
      inputs: [x1, x2]
      layers:
        - units: [o1, o2]
          activation: softmax
          weights: [[1e300, 1e300], [1e300, -1e300]]
    loss: cross_entropy
    learning_rate: 0.5
    data:
      - input: [1e10, 1e10]
        target: [1, 0]
    """


@pytest.fixture
def strict_cli(cli):
    """cli() with every warning an error, as `python -W error` would make it."""
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return cli(*args)
    return run


@pytest.mark.parametrize("command", ["backprop", "forward"])
def test_a_net_input_that_overflows_is_refused_by_name(strict_cli, write_problem, command):
    # 2 · 1e308 = 2e308 > the largest float64 (1.8e308); it used to print net 0, out 0.5, exit 0
    path = write_problem(one_unit("2", "1e308"))
    result = strict_cli(command, path)
    assert result.exit_code == 2
    assert "net.y = 2·1e308 overflows float64" in result.stderr
    assert "Warning" not in result.stderr and result.stdout == ""


def test_huge_weights_in_a_sigmoid_layer_are_refused(strict_cli, write_problem):
    path = write_problem(one_unit("1e300", "1e10"))
    result = strict_cli("backprop", path, "--format", "json")
    assert result.exit_code == 2 and "net.y = 1e300·1e10 overflows float64" in result.stderr


def test_huge_weights_in_a_softmax_layer_are_refused(strict_cli, write_problem):
    result = strict_cli("backprop", write_problem(SOFTMAX), "--explain")
    assert result.exit_code == 2 and "net.o1 = 1e300·1e10 + 1e300·1e10 overflows float64" in result.stderr


def test_an_error_that_overflows_is_refused(strict_cli, write_problem):
    # linear out 1e200, target 1: E = 1/2 (1 - 1e200)^2 = 5e399
    result = strict_cli("backprop", write_problem(one_unit("1", "1e200", act="linear")))
    assert result.exit_code == 2
    assert "E.y = half_sse(out.y 1e200, target.y 1) overflows float64" in result.stderr


def test_a_new_weight_that_overflows_is_refused(strict_cli, write_problem):
    # linear, sse: grad w = -2 (t - out) x = 2 · 1e154 · 1e154 = 2e308 overflows already
    result = strict_cli("backprop", write_problem(one_unit("1", "1e154", act="linear", loss="sse", target="0")))
    assert result.exit_code == 2 and "grad.w1 = " in result.stderr and "overflows float64" in result.stderr
    # a finite gradient of 1.6e308 times eta 2 overflows only in the update
    result = strict_cli("backprop", write_problem(one_unit("0", "1.6e308", act="linear", eta="2", target="-1")))
    assert result.exit_code == 2
    assert "new.w1 = 0 - 2·1.6e308 overflows float64" in result.stderr


def test_checking_against_an_overflowing_problem_is_refused(strict_cli, write_problem, tmp_path):
    path = write_problem(one_unit("2", "1e308"))
    answers = tmp_path / "a.yaml"
    answers.write_text(f"problem: {path}\nanswers:\n  net_y: 0\n")
    result = strict_cli("check", answers)
    assert result.exit_code == 2 and "net.y = 2·1e308 overflows float64" in result.stderr


ANSWERS = "problem: nnbasic\nanswers:\n  out_o1: 1e200\n  E_total: 12345.0\n"


def test_an_answer_after_a_students_overflowing_number_is_not_carried_forward(strict_cli, tmp_path):
    # out_o1 = 1e200 makes E_total from the student's own numbers inf; with an infinite tolerance
    # any E_total was "carried forward" with full marks
    answers = tmp_path / "a.yaml"
    answers.write_text(ANSWERS)
    result = strict_cli("check", answers, "--format", "json")
    import json
    results = {r["name"]: r for r in json.loads(result.stdout)["files"][0]["results"]}
    assert results["E.total"]["verdict"] == "wrong"
    assert "no finite value" in results["E.total"]["diagnosis"]
    assert result.stderr == ""


@pytest.mark.parametrize("decimals", ["0", "1"])
def test_given_numbers_keep_their_digits_at_few_decimals(cli, decimals):
    # NNBasic: w2 = 0.12, i1 = 0.1; at --decimals 1 they printed as 0.1 and 1.000e-01 (at 0)
    table = cli("backprop", "nnbasic", "--decimals", decimals).stdout
    assert "0.04·0.1 + 0.12·0.5 + 0.4" in table
    explained = cli("backprop", "nnbasic", "--decimals", decimals, "--explain").stdout
    assert "= 0.04 * 0.1 + 0.12 * 0.5 + 0.4 * 1" in explained
    assert "1.000e-01" not in explained


def test_computed_values_in_the_formula_column_follow_the_decimals(cli):
    # out_h1 = 0.613962657 is computed, so at one decimal it reads 0.6 in o1's written sum
    assert "0.24·0.6 + 0.32·0.6 + 0.36" in cli("backprop", "nnbasic", "--decimals", "1").stdout


@pytest.mark.parametrize("args", [("train", "--steps", "2"), ("train", "--steps", "2", "--format", "json"),
                                  ("summary",), ("backprop", "--format", "markdown")])
def test_no_command_lets_a_numpy_warning_through(strict_cli, write_problem, args):
    # under `-W error` a NumPy RuntimeWarning became an exception: "internal error", exit 3
    result = strict_cli(args[0], write_problem(one_unit("2", "1e308")), *args[1:])
    assert result.exit_code in (0, 2), result.stderr
    assert "Warning" not in result.stderr and "internal error" not in result.stderr


def test_a_finite_net_whose_rounding_bound_overflows_is_kept(cli, write_problem):
    # net = 1e308·1.5 + 1e308·(-1) = 5e307 is finite, but sum |w·in| = 2.5e308 overflows: the
    # rounding bound became inf and the exact-zeros rule zeroed the net
    path = write_problem("""\
        name: cancelling giants
        network:
          inputs: [x1, x2]
          layers:
            - units: [y]
              activation: linear
              weights: [[1e308, 1e308]]
        loss: half_sse
        learning_rate: 0.5
        data:
          - input: [1.5, -1]
        """)
    result = cli("forward", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    import json
    assert json.loads(result.stdout)["values"]["net.y"] == 5e307
