"""The two losses added as one entry each (issue 10) work in every command: backprop, --explain,
Markdown, check and train. Numbers are worked by hand below."""

from __future__ import annotations

import json

import pytest

# The AI-study deck (seed 000), "Linear Regression & Backpropagation": Score = Σ |b - y_i|. A line
# out = w x + b with w = 0, b = 3 against y = 1, 2, 3, 5, 8 (x = 1..5):
#   E = 2 + 1 + 0 + 2 + 5 = 10; dE/dout_k = sign(3 - y_k) = 1, 1, 0, -1, -1 (sign(0) = 0 at y = 3)
#   grad.b = 1 + 1 + 0 - 1 - 1 = 0 (b = 3 is the median), grad.w = 1·1 + 1·2 + 0·3 - 1·4 - 1·5 = -6
#   one step, eta 0.1: w = 0.6; outs 3.6, 4.2, 4.8, 5.4, 6.0; E = 2.6 + 2.2 + 1.8 + 0.4 + 2.0 = 9
L1_LINE = """\
name: a line against five points, Score = sum of |b - y|
network:
  inputs: [x]
  layers:
    - {units: [y], activation: linear, weights: [[0]], weight_names: [[w]], bias: [3], bias_names: [b]}
loss: l1
learning_rate: 0.1
data:
  - {input: [1], target: [1]}
  - {input: [2], target: [2]}
  - {input: [3], target: [3]}
  - {input: [4], target: [5]}
  - {input: [5], target: [8]}
"""

# One softmax layer, two samples with one-hot targets; the same file with the mean and the sum.
SOFTMAX = """\
name: softmax, two samples
network:
  inputs: 2
  layers:
    - {units: 3, activation: softmax, weights: [[0.1, 0.2], [0.3, -0.1], [0.0, 0.4]], bias: 0.05}
loss: %s
learning_rate: 0.5
data:
  - {input: [1, 2], target: [0, 1, 0]}
  - {input: [0.5, -1], target: [1, 0, 0]}
"""


def flat(text: str) -> str:
    return " ".join(text.split())


def values(cli, path) -> dict:
    result = cli("backprop", path, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["values"]


def test_l1_backprop_gives_the_median_rule(cli, write_problem):
    v = values(cli, write_problem(L1_LINE))
    assert v["E.total"] == 10.0
    assert [v[f"dE/dout.y@{k}"] for k in range(1, 6)] == [1.0, 1.0, 0.0, -1.0, -1.0]
    assert v["grad.b"] == 0.0 and v["grad.w"] == -6.0 and v["new.w"] == pytest.approx(0.6)


def test_l1_explain_and_markdown_write_its_formula_and_its_convention_at_zero(cli, write_problem):
    path = write_problem(L1_LINE)
    text = flat(cli("backprop", path, "--explain").stdout)
    assert "E_y@1 = |target_y@1 - out_y@1| = |1 - 3.000000000| = 2.000000000" in text
    assert "sign(out_y@3 - target_y@3)" in text and "(sign(0) = 0:" in text
    md = cli("backprop", path, "--explain", "--format", "markdown").stdout
    assert "**Errors (l1: E_total = sum of |target - out|)**" in md and "sign(3.000000000 - 3)" in md


def test_l1_check_diagnoses_a_mean_for_its_sum(cli, write_problem, tmp_path):
    path = write_problem(L1_LINE)
    answers = tmp_path / "a.yaml"
    answers.write_text("answers:\n  E.total: 2.000\n  grad.b: 0.0\n", encoding="utf-8")   # 10 / 5 samples
    result = cli("check", path, answers, "--format", "json")
    by_name = {r["name"]: r for r in json.loads(result.stdout)["files"][0]["results"]}
    assert by_name["grad.b"]["verdict"] == "correct"
    assert by_name["E.total"]["mistakes"] == ["mean_samples_added"]


def test_l1_trains(cli, write_problem):
    result = cli("train", write_problem(L1_LINE), "--steps", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"]["train"]["loss"] == pytest.approx(9.0)


def test_summed_cross_entropy_is_the_mean_times_n_in_every_value(cli, write_problem):
    mean = values(cli, write_problem(SOFTMAX % "cross_entropy", "mean.yaml"))
    summed = values(cli, write_problem(SOFTMAX % "summed_cross_entropy", "sum.yaml"))
    for name in ("E.total", "delta.o1@1", "delta.o2@2", "grad.w1", "dE/dout.o2@1"):
        assert summed[name] == pytest.approx(2 * mean[name], rel=1e-12), name
    assert summed["out.o1@1"] == mean["out.o1@1"]


def test_the_closed_form_delta_headline_states_its_divisor(cli, write_problem):
    # the numbers are (out - target) / n under the mean, out - target under the sum (issue 9)
    mean = cli("backprop", write_problem(SOFTMAX % "cross_entropy", "mean.yaml")).stdout
    summed = cli("backprop", write_problem(SOFTMAX % "summed_cross_entropy", "sum.yaml")).stdout
    assert "δ = (out - target) / n, n = 2 samples; see --explain" in flat(mean)
    assert "δ = out - target; see --explain" in flat(summed)


def test_summed_cross_entropy_explain_has_no_divisor(cli, write_problem):
    text = " ".join(cli("backprop", write_problem(SOFTMAX % "summed_cross_entropy"), "--explain").stdout.split())
    assert "Errors (summed_cross_entropy: E_total = sum over samples of -sum_k t_k log out_k)" in text
    assert "δ_o1@1 = ∂E_total/∂net_o1@1 = out_o1@1 - target_o1@1" in text
    assert "/ n" not in text


def test_summed_cross_entropy_check_diagnoses_the_mean_for_the_sum(cli, write_problem, tmp_path):
    mean = values(cli, write_problem(SOFTMAX % "cross_entropy", "mean.yaml"))
    path = write_problem(SOFTMAX % "summed_cross_entropy", "sum.yaml")
    answers = tmp_path / "a.yaml"
    answers.write_text(f"answers:\n  E.total: {mean['E.total']:.9f}\n", encoding="utf-8")
    result = json.loads(cli("check", path, answers, "--format", "json").stdout)
    # on two samples the mean is also half the sum: both readings are named
    assert "an extra 1/n, averaging the summed samples" in result["files"][0]["results"][0]["diagnosis"]


def test_summed_cross_entropy_trains_and_reports_the_sum(cli, write_problem):
    mean = cli("train", write_problem(SOFTMAX % "cross_entropy", "mean.yaml"), "--steps", "1", "--format", "json")
    summed = cli("train", write_problem(SOFTMAX % "summed_cross_entropy", "sum.yaml"), "--steps", "1",
                 "--format", "json")
    assert summed.exit_code == 0, summed.output
    m, s = (json.loads(r.stdout)["result"]["train"]["loss"] for r in (mean, summed))
    assert s > m > 0      # one step of twice the gradient from the same start; the sum is over 2 samples
