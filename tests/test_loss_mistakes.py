"""The checker diagnoses a loss off by a factor (the README's promise): the 1/2 dropped or added, a
factor 2, the mean's 1/n and 1/m left out or added, for every loss, and the closed-form delta
written without its 1/n. Each wrong number is the right one times the factor, from the same inputs.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from nncalc.bundled import resolve
from nncalc.check import Checker
from nncalc.ops import LOSSES
from nncalc.problem import load_problem, problem_from_doc
from nncalc.trace import build_trace
from nncalc.verdicts import WRONG
from nncalc.yamlio import YamlDoc


@pytest.fixture
def check(tmp_path):
    def run(checker: Checker, answers: str) -> dict:
        path = tmp_path / "answers.yaml"
        body = textwrap.indent(textwrap.dedent(answers).strip(), "  ")
        path.write_text(f"answers:\n{body}\n", encoding="utf-8")
        return {r.name: r for r in checker.check(checker.read(path)).results}
    return run


def checker_of(name_or_spec) -> Checker:
    if isinstance(name_or_spec, str):
        return Checker(build_trace(load_problem(resolve(name_or_spec))))
    return Checker(build_trace(problem_from_doc(YamlDoc("<test>", name_or_spec, None))))


# ---------------------------------------------------------------- the issue's own examples

def test_mse_halved_is_an_extra_half(check):
    # linear-regression (seed 000): MSE = 1/3 [(2 - 1)^2 + (3 - 2)^2 + (4 - 3)^2] = 1; half of it
    r = check(checker_of("linear-regression"), "E.total: 0.500000000")["E.total"]
    assert r.verdict == WRONG and r.mistakes == ("half_added",)


def test_mse_derivative_without_the_power_rules_two_is_diagnosed(check):
    # dE/dout_y@1 = -2 (2 - 1) / 3 = -0.666666667; without the 2: -0.333333333
    r = check(checker_of("linear-regression"), "dE/dout.y@1: -0.333333333")["dE/dout.y@1"]
    assert r.mistakes == ("half_added",) and "power rule" in r.diagnosis


def test_linear_regression_gradient_summed_over_samples_is_the_missing_one_over_n(check):
    # dMSE/dm = 2/3 [-1 (2 - 1) - 2 (3 - 2) - 3 (4 - 3)] = -4; the sum without the 1/3 is -12
    r = check(checker_of("linear-regression"), "grad.m: -12.0")["grad.m"]
    assert r.mistakes == ("mean_samples_dropped",)
    assert r.diagnosis.startswith("the 1/n of the mean over the samples left out")


def test_an_extra_half_on_half_sse_is_diagnosed(check):
    # NNBasic (seed 002): E_total = 0.191476607 + 0.042649200 = 0.234125807; with another 1/2, 0.117062904
    r = check(checker_of("nnbasic"), "E.total: 0.117062904")["E.total"]
    assert r.verdict == WRONG and r.mistakes == ("half_added",)


SOFTMAX_3 = {
    "network": {"inputs": 2, "layers": [{"units": 3, "activation": "softmax", "bias": 0.05,
                                         "weights": [[0.1, 0.2], [0.3, -0.1], [0.0, 0.4]]}]},
    "loss": "cross_entropy", "learning_rate": 0.5,
    "data": [{"input": [1, 2], "target": [0, 1, 0]}, {"input": [0.5, -1], "target": [1, 0, 0]},
             {"input": [-1, 0.5], "target": [0, 0, 1]}],
}


def test_the_softmax_delta_without_its_one_over_n_is_named(check):
    c = checker_of(SOFTMAX_3)
    undivided = c.trace["out.o1@1"].value - 0.0           # out - target, not (out - target) / 3
    r = check(c, f"delta.o1@1: {undivided:.9f}")["delta.o1@1"]
    assert r.mistakes == ("mean_samples_dropped",)
    assert "δ = out - target instead of (out - target) / n" in r.diagnosis


def test_the_sigmoid_bce_delta_without_its_one_over_nm_is_named(check):
    spec = {"network": {"inputs": 2, "layers": [{"units": 2, "activation": "sigmoid",
                                                 "weights": [[0.1, 0.2], [0.3, -0.1]]}]},
            "loss": "binary_cross_entropy", "learning_rate": 0.5,
            "data": [{"input": [1, 2], "target": [0, 1]}, {"input": [0.5, -1], "target": [1, 1]},
                     {"input": [2, 1], "target": [1, 0]}]}
    c = checker_of(spec)
    undivided = c.trace["out.o1@1"].value - 0.0           # out - target, not (out - target) / (3 x 2)
    r = check(c, f"delta.o1@1: {undivided:.9f}")["delta.o1@1"]
    assert r.mistakes == ("mean_dropped",)
    assert "δ = out - target instead of (out - target) / (n m)" in r.diagnosis


# ---------------------------------------------------------------- every loss, every factor

N, M = 3, 4          # so that 2, n, m and n m are four different factors


def _spec(loss: str) -> dict:
    rng = np.random.default_rng(7)
    act = {"binary_cross_entropy": "sigmoid", "cross_entropy": "softmax",
           "summed_cross_entropy": "softmax"}.get(loss, "linear")
    targets = np.eye(M)[[0, 2, 3]] if act == "softmax" else rng.uniform(0.1, 0.9, (N, M))
    return {"network": {"inputs": 2, "layers": [{"units": M, "activation": act,
                                                 "weights": rng.normal(0, 1, (M, 2)).round(3).tolist()}]},
            "loss": loss, "learning_rate": 0.5,
            "data": [{"input": rng.normal(0, 1, 2).round(3).tolist(), "target": t.round(3).tolist()}
                     for t in targets]}


def _expected(loss: str) -> dict[float, str]:
    """Factor -> what the diagnosis must say, for this loss."""
    op = LOSSES[loss]
    found = {2.0: "1/2 of the loss dropped" if op.halved else "factor 2 too many", 0.5: "extra 1/2"}
    found[N if op.mean_over != "none" else 1 / N] = "1/n of the mean" if op.mean_over != "none" else "extra 1/n"
    found[M if op.mean_over == "all" else 1 / M] = "1/m of the mean" if op.mean_over == "all" else "extra 1/m"
    if op.mean_over in ("all", "none"):
        found[N * M if op.mean_over == "all" else 1 / (N * M)] = "1/(n m)"
    return found


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_gets_every_scaling_mistake(check, loss):
    c = checker_of(_spec(loss))
    total = c.trace["E.total"].value
    for factor, says in _expected(loss).items():
        r = check(c, f"E.total: {factor * total:.9f}")["E.total"]
        assert r.verdict == WRONG and says in r.diagnosis, (loss, factor, r.diagnosis)


SEQUENCE = """\
name: two steps, two outputs
network:
  inputs: [x1, x2]
  layers:
    - units: [h1, h2]
      type: recurrent
      activation: tanh
      weights: [[0.5, -0.1], [0.2, 0.3]]
      recurrent_weights: [[0.1, 0.0], [-0.2, 0.4]]
      bias: [0.0, 0.1]
    - units: [a, b]
      activation: sigmoid
      weights: [[2.0, -1.0], [0.5, 0.5]]
loss: mse
learning_rate: 0.1
data:
  - input: [[1, 0], [0.5, 2], [1, 1]]
    target: [[1, 0], null, [0, 1]]
"""


def test_a_sequences_mistakes_count_its_targeted_steps_and_swap_its_outputs(tmp_path):
    """mse over a sequence averages over the targeted (sample, step) pairs (2 here, not the 3 steps)
    and the outputs (2); the swapped targets swap the outputs at every step, not the steps."""
    from dataclasses import replace

    from nncalc.answers import sheet_from_doc
    from nncalc.yamlio import parse_yaml

    path = tmp_path / "seq.yaml"
    path.write_text(SEQUENCE)
    problem = load_problem(path)
    checker = Checker(build_trace(problem))
    swapped = build_trace(replace(problem, targets=problem.targets[..., ::-1].copy()))
    e_total = checker.exact["E.total"]
    answers = {"E.total": f"{2 * 2 * e_total:.9f}", "E.a[1]": f"{swapped['E.a[1]'].value:.9f}"}
    doc = parse_yaml("answers:\n" + "".join(f"  '{k}': {v}\n" for k, v in answers.items()), "a.yaml")
    results = {r.name: r for r in checker.check(sheet_from_doc(doc, checker.resolver)).results}
    assert "mean_dropped" in results["E.total"].mistakes           # the 1/(n m) = 1/4 left out
    assert results["E.a[1]"].mistakes == ("targets_swapped",)
