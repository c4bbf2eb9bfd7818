"""Size rules for work that grows with the network: the checker works out only what the answers
need (the mistakes' reach upward from the answer, the catalogue up to MAX_DIAGNOSED quantities),
and every command that names each value refuses a trace past nncalc.limits' MAX_NAMED at once."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import nncalc
from nncalc import alternatives, check, errors, limits, trace as trace_module
from nncalc.alternatives import build_alternatives
from nncalc.check import Checker, checking_trace, load_checked
from nncalc.errors import ComputeError
from nncalc.limits import named_size
from nncalc.verdicts import NOT_DIAGNOSED, WRONG

HW3 = Path(__file__).parent.parent / "examples" / "hw3-variants.yaml"
SMALL = ["nnbasic", "mazur", "xor-20", "linear-regression", "basic-ideas-3layer", "perceptron-and",
         "mlp-hidden-layer", "graph-sigmoid-neuron"]


def _downstream(trace, targets: set[str]) -> set[str]:
    """The reference: the targets and every quantity computed from them, walking consumers."""
    consumers: dict[str, list[str]] = {n: [] for n in trace.quantities}
    for q in trace.quantities.values():
        for i in set(q.inputs):
            consumers[i].append(q.name)
    seen, stack = set(targets), list(targets)
    while stack:
        for c in consumers[stack.pop()]:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return seen


def _sheet(checker: Checker, answers: dict[str, str]):
    text = "answers:\n" + "".join(f"  '{k}': {v}\n" for k, v in answers.items())
    from nncalc.answers import sheet_from_doc
    from nncalc.yamlio import parse_yaml

    return sheet_from_doc(parse_yaml(text, "a.yaml"), checker.resolver)


# ---------------------------------------------------------------- the checker's work

@pytest.mark.parametrize("name", SMALL)
def test_a_mistakes_reach_worked_out_upward_is_the_downstream_of_its_targets(name):
    trace = checking_trace(load_checked(name))
    alternatives = build_alternatives(trace)
    assert alternatives
    for alt in alternatives:
        if alt.misread is None:
            targets = {q.name for q in trace.quantities.values() if alt.mistake.applies(trace, q)}
        else:       # a misread problem: the given numbers it changes
            other = trace_module.build_trace(alt.misread, with_backward=trace.has_backward)
            targets = {n for n, q in trace.quantities.items() if q.op == "leaf" and other[n].value != q.value}
        assert {n for n in trace.quantities if n in alt.reach} == _downstream(trace, targets), alt.mistake.key


def test_a_misread_problem_is_run_only_when_an_answer_it_changes_is_diagnosed(monkeypatch):
    built = []
    real = alternatives.build_trace
    monkeypatch.setattr(alternatives, "build_trace", lambda *a, **k: built.append(1) or real(*a, **k))
    checker = Checker(checking_trace(load_checked("nnbasic")))
    checker.check(_sheet(checker, {"eta": "0.25", "net.h1": "0.1"}))       # both wrong, neither after the targets
    assert built == []
    problem = checker.trace.problem
    swapped = trace_module.build_trace(replace(problem, targets=problem.targets[:, ::-1].copy()))
    r = checker.check(_sheet(checker, {"E.o1": f"{swapped['E.o1'].value:.9f}"}))
    assert built == [1] and r.results[0].mistakes == ("targets_swapped",)


def test_a_wrong_answer_past_max_diagnosed_is_checked_without_the_catalogue(monkeypatch):
    checker = Checker(checking_trace(load_checked("nnbasic")))
    doubled = {"E.total": f"{2 * checker.exact['E.total']:.9f}", "net.h1": "0.4"}
    before = {r.name: r for r in checker.check(_sheet(checker, doubled)).results}
    assert before["E.total"].mistakes                  # the catalogue explains the doubled total ...
    monkeypatch.setattr(check, "MAX_DIAGNOSED", 10)
    checker = Checker(checking_trace(load_checked("nnbasic")))
    after = {r.name: r for r in checker.check(_sheet(checker, doubled)).results}
    total = after["E.total"]        # ... which depends on 27 quantities: past 10, it is not looked for
    assert total.verdict == WRONG and total.mistakes == () and total.reason == NOT_DIAGNOSED
    assert total.diagnosis == (f"{NOT_DIAGNOSED}: E.total is computed from more than 10 quantities; "
                               f"the right value is {checker.exact['E.total']:.9g}, "
                               f"your own earlier numbers give {total.carried:.9g}")      # from net.h1 = 0.4
    assert after["net.h1"].diagnosis == before["net.h1"].diagnosis     # net.h1 = w1 i1 + w2 i2 + b1: 5


def test_checking_a_deep_network_evaluates_only_what_its_answers_need(monkeypatch, tmp_path):
    """deep-10x100-sigmoid names 693,602 quantities; fuzz case 83 (seed 7) ran past 20 s here."""
    from typer.testing import CliRunner

    from nncalc.cli import app

    evaluated, built = [0], []
    real_evaluate, real_build = trace_module.Trace.evaluate, trace_module.build_trace

    def counting(self, name, value_of):
        evaluated[0] += 1
        return real_evaluate(self, name, value_of)

    monkeypatch.setattr(trace_module.Trace, "evaluate", counting)
    monkeypatch.setattr(trace_module, "build_trace", lambda *a, **k: built.append(1) or real_build(*a, **k))
    monkeypatch.setattr(alternatives, "build_trace", lambda *a, **k: built.append(1) or real_build(*a, **k))
    (tmp_path / "a.yaml").write_text("problem: deep-10x100-sigmoid\nanswers:\n  eta: 5.0e-324\n  w1: 0.04744492\n"
                                     "  net.h1_1@1: 0.123456\n  out.o1@1: 0.654321\n  E.total: 12.3456\n")
    result = CliRunner().invoke(app, ["check", str(tmp_path / "a.yaml"), "--format", "json"])
    assert result.exit_code == 1, result.output
    verdicts = {r["name"]: r for r in json.loads(result.stdout)["files"][0]["results"]}
    assert verdicts["w1"]["verdict"] == "correct"
    assert verdicts["net.h1_1@1"]["diagnosis"].startswith("no known mistake")     # 201 quantities: diagnosed
    assert verdicts["out.o1@1"]["diagnosis"].startswith(NOT_DIAGNOSED)            # 103,000: not
    assert built == [1]                     # the problem's own trace only
    assert evaluated[0] < 50_000            # of 693,602 quantities


# ---------------------------------------------------------------- named traces

@pytest.mark.parametrize("name", [n for n in SMALL if n != "graph-sigmoid-neuron"] + ["deep-10x100-relu"])
def test_named_size_is_within_twenty_percent_of_the_trace(name):
    problem = load_checked(name)
    trace = checking_trace(problem)
    assert abs(named_size(problem, trace.has_backward) - len(trace.quantities)) <= 0.2 * len(trace.quantities) + 20


@pytest.mark.parametrize("args", [
    ["check", "nnbasic"], ["names", "nnbasic"], ["new", "answers", "nnbasic"], ["backprop", "nnbasic", "--format", "json"],
    ["forward", "nnbasic", "--format", "json"],
])
def test_every_command_naming_each_value_refuses_past_max_named(cli, monkeypatch, args):
    monkeypatch.setattr(limits, "MAX_NAMED", 20)     # nnbasic: 70 named quantities (26 forward)
    result = cli(*args)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith("nncalc: error: ") and line.count("\n") == 0
    assert "needs every value of this network named: about " in line and "more than nncalc builds (20)" in line


def test_the_api_refuses_past_max_named_and_names_small_networks(monkeypatch):
    assert nncalc.load("nnbasic").backprop()["grad.w5"] == pytest.approx(0.084155041, abs=1e-9)  # NNBasic deck
    monkeypatch.setattr(limits, "MAX_NAMED", 50)
    with pytest.raises(ComputeError, match=r"about 74 quantities, more than nncalc builds \(50\)"):
        nncalc.load("nnbasic").backprop()


def test_repeated_named_traces_count_together(cli, monkeypatch, tmp_path):
    monkeypatch.setattr(limits, "MAX_NAMED_TOTAL", 400)
    (tmp_path / "hw3.yaml").write_text(HW3.read_text())
    result = cli("variants", tmp_path / "hw3.yaml", "-o", tmp_path / "out", "--count", "12")
    assert result.exit_code == 2 and "12 worked examples of about" in result.stderr, result.output
    assert not (tmp_path / "out").exists()
    result = cli("sweep", "nnbasic", "w5=-1:1:21", "--of", "grad.w5")
    assert result.exit_code == 2 and "21 worked examples of about 74 quantities" in result.stderr, result.output
    assert cli("sweep", "nnbasic", "w5=-1:1:5", "--of", "grad.w5").exit_code == 0


def test_train_explain_on_a_network_shown_layer_by_layer_names_nothing(cli, monkeypatch):
    named = []
    real = trace_module.build_trace
    monkeypatch.setattr(trace_module, "build_trace", lambda *a, **k: named.append(k.get("named", True)) or real(*a, **k))
    result = cli("train", "deep-10x100-sigmoid", "--steps", "1", "--explain")
    assert result.exit_code == 0, result.output
    assert named == [False]
    result = cli("train", "nnbasic", "--steps", "1", "--explain")
    assert result.exit_code == 0 and named == [False, True], result.output


# ---------------------------------------------------------------- suggestions

def test_a_typo_among_many_names_is_compared_with_look_alikes_only(monkeypatch):
    names = [f"grad.w{i}" for i in range(100_000)] + [f"net.h{i}@1" for i in range(100_000)]
    compared = []
    import difflib

    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda w, c, **k: compared.append(len(c)) or real(w, c, **k))
    assert errors.suggest("gard.w5", names) == ""                  # nothing starts with 'ga'
    assert errors.suggest("grad.w5x", names).startswith(" (did you mean 'grad.w5'")
    assert errors.suggest("GRAD.W7", names) == " (did you mean 'grad.w7'?)"
    assert max(compared) <= errors.SUGGEST_SCAN
    assert errors.suggest("grad.w5x", names[:50]).startswith(" (did you mean 'grad.w5'")
