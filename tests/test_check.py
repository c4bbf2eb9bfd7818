"""The checker's verdicts on hand-made answers: correct within the written precision, carried forward
from the student's own earlier numbers, or wrong with the mistake that reproduces the number.

Every wrong number below is worked out by hand from the NNBasic deck's 2-2-2 network (seed 002),
whose exact values are (nncalc backprop nnbasic): out_h1 0.613962657, net_h1 0.464, net_o1
0.702907725, out_o1 0.668832137, dE_total/dout_o1 0.618832137, dout_o1/dnet_o1 0.221495710,
delta_o1 0.137068663, grad_w5 0.084155041, w5+ 0.197922480, delta_h1 0.003434857, delta_h2 0.007299797,
dE_o1/dout_h1 0.032896479, dE_o2/dout_h1 -0.018404176, dout_h1/dnet_h1 0.237012513; eta 0.5.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from nncalc.answers import written_decimals
from nncalc.bundled import resolve
from nncalc.check import Checker
from nncalc.mistakes import significant_digits
from nncalc.problem import load_problem, with_overrides
from nncalc.trace import build_trace
from nncalc.verdicts import CARRIED, CORRECT, NO_MISTAKE, WRONG, FileResult

NNBASIC = load_problem(resolve("nnbasic"))


@pytest.fixture(scope="module")
def nnbasic() -> Checker:
    return Checker(build_trace(NNBASIC))


@pytest.fixture
def check(tmp_path):
    """check(checker, 'yaml answers mapping') -> FileResult, read from a real file like the CLI does."""

    def run(checker: Checker, answers: str, **kw) -> FileResult:
        path = tmp_path / "answers.yaml"
        body = textwrap.indent(textwrap.dedent(answers).strip(), "  ")
        path.write_text(f"student: Kim\nanswers:\n{body}\n", encoding="utf-8")
        if kw:
            checker = Checker(checker.trace, **kw)
        return checker.check(checker.read(path))

    return run


def by_name(result: FileResult) -> dict:
    return {r.name: r for r in result.results}


# ---------------------------------------------------------------- the deck's own numbers

def test_deck_numbers_mark_exactly_its_inconsistent_ones(nnbasic):
    result = nnbasic.check(nnbasic.own_answers())
    verdicts = {r.name: r.verdict for r in result.results}
    assert {n for n, v in verdicts.items() if v == WRONG} == {"delta.o1", "new.w3", "new.w6", "new.w8"}
    assert {n for n, v in verdicts.items() if v == CARRIED} == {
        "dE.o1/dout.h1", "dE/dout.h1", "grad.w1", "new.w1", "new.w2"}
    assert sum(v == CORRECT for v in verdicts.values()) == 20
    r = by_name(result)
    # 0.208957504 = 0.618832137 x 0.337664274, and a sigmoid's derivative is at most 0.25
    assert r["delta.o1"].diagnosis.startswith(NO_MISTAKE)
    assert "0.337664274 cannot be a sigmoid derivative" in r["delta.o1"].diagnosis
    for slip, correct in (("new.w3", "0.119635010"), ("new.w6", "0.278117666"), ("new.w8", "0.220084039")):
        assert r[slip].diagnosis.startswith(NO_MISTAKE) and correct in r[slip].diagnosis
        assert r[slip].mistakes == ()
    for name in ("dE.o1/dout.h1", "dE/dout.h1", "grad.w1", "new.w1", "new.w2"):
        assert r[name].roots == ("delta.o1",)
    assert r["new.w1"].sources == ("grad.w1",)           # the nearest of their own numbers it uses
    assert r["new.w2"].sources == ("dE/dout.h1",)        # through unanswered delta_h1 and grad_w2


# ---------------------------------------------------------------- correct: the precision as written

@pytest.mark.parametrize("written,verdict", [
    # delta_o1 = 0.137068663: within one unit of the last written decimal (rounding or truncating)
    ("0.1", CORRECT),        # |0.1 - 0.137| = 0.037 <= 0.1
    ("0.10", WRONG),         # 0.037 > 0.01
    ("0.100", WRONG),
    ("0.14", CORRECT),       # 0.0029 <= 0.01
    ("0.13", CORRECT),       # truncated: 0.0071 <= 0.01
    ("0.137", CORRECT),
    ("0.1370", CORRECT),     # 0.000069 <= 0.0001
    ("0.13700", WRONG),      # 0.000069 > 0.00001
    ("1.37068663e-1", CORRECT),
])
def test_correct_means_within_one_unit_of_the_last_written_decimal(nnbasic, check, written, verdict):
    assert check(nnbasic, f"delta.o1: {written}").results[0].verdict == verdict


@pytest.mark.parametrize("text,decimals", [
    ("0.050", 3), ("2", 0), ("-0.018404176", 9), (".5", 1), ("7.52411e-4", 9), ("1e-3", 3), ("1.5E+2", 0),
    ("0.000_752", 6),
])
def test_decimals_are_counted_as_written(text, decimals):
    assert written_decimals(text) == decimals


def test_an_unquoted_exponent_is_a_number(nnbasic, check):
    # PyYAML reads 3e-4 (no dot) as a string; it is still the student's number: grad_w1 = 0.000343486
    r = check(nnbasic, "grad.w1: 3e-4").results[0]
    assert (r.verdict, r.given, r.tolerance) == (CORRECT, 3e-4, pytest.approx(1e-4))


@pytest.mark.parametrize("kw,verdict", [
    ({"tolerance": 0.05}, CORRECT),          # |0.10 - 0.137| = 0.037 <= 0.05
    ({"tolerance": 0.01}, WRONG),
    ({"rtol": 0.3}, CORRECT),                # 0.037 <= 0.3 x 0.137
    ({"rtol": 0.2}, WRONG),                  # 0.037 > 0.027
    ({"tolerance": 0.01, "rtol": 0.2}, CORRECT),   # 0.037 <= 0.01 + 0.027
])
def test_tolerance_options_replace_the_written_precision(nnbasic, check, kw, verdict):
    assert check(nnbasic, "delta.o1: 0.10", **kw).results[0].verdict == verdict


# ---------------------------------------------------------------- carried forward

def test_a_step_right_from_a_wrong_number_is_carried_forward(nnbasic, check):
    # dE_total/dout_o1 slipped to 0.628832137; delta_o1 = 0.628832137 x 0.221495710 = 0.139283620
    r = by_name(check(nnbasic, """
        dE/dout.o1: 0.628832137
        delta.o1: 0.139283620
    """))
    assert r["dE/dout.o1"].verdict == WRONG
    assert r["delta.o1"].verdict == CARRIED
    assert r["delta.o1"].sources == ("dE/dout.o1",)
    assert "follows from your dE/dout.o1 = 0.628832137" in r["delta.o1"].diagnosis


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_numbers_that_overflow_on_the_way_are_wrong_without_a_warning(nnbasic, check):
    # from the student's own 1e300s, delta.o1 = dE/dout.o1 x dout/dnet.o1 is inf (a product of
    # Python floats) and E.o1 (NumPy's loss term of out.o1) overflows: verdicts, never a NumPy warning
    r = by_name(check(nnbasic, """
        dE/dout.o1: 1.0e+300
        dout/dnet.o1: 1.0e+300
        delta.o1: 0.138498562
        out.o1: 1.0e+300
        E.o1: 0.274811083
    """))
    for name in ("delta.o1", "E.o1"):
        assert r[name].verdict == WRONG and "they overflow float64" in r[name].diagnosis


def test_carried_forward_through_steps_the_student_skipped(nnbasic, check):
    # delta_o1 written as 0.200; nothing in between is answered:
    #   w5+ = 0.24 - 0.5 x 0.2 x out_h1 0.613962657 = 0.178603734          (via grad_w5)
    #   w1+ = 0.04 - 0.5 x (0.2 x 0.24 + dE_o2/dout_h1 -0.018404176) x 0.237012513 x 0.1
    #       = 0.039649271                     (via dE_o1/dout_h1, dE_total/dout_h1, delta_h1, grad_w1)
    r = by_name(check(nnbasic, """
        delta.o1: 0.200
        w5+: 0.178603734
        w1+: 0.039649271
    """))
    assert r["delta.o1"].verdict == WRONG
    for name in ("new.w5", "new.w1"):
        assert r[name].verdict == CARRIED
        assert r[name].sources == r[name].roots == ("delta.o1",)


def test_carried_forward_two_answered_steps_names_the_first_mistake(nnbasic, check):
    # delta_o1 0.200 -> dE_total/dout_h1 = 0.2 x 0.24 - 0.018404176 = 0.029595824 -> w1+ 0.039649271
    r = by_name(check(nnbasic, """
        delta.o1: 0.200
        dE_total/dout_h1: 0.029595824
        w1+: 0.039649271
    """))
    assert r["dE/dout.h1"].verdict == CARRIED and r["dE/dout.h1"].roots == ("delta.o1",)
    assert r["new.w1"].verdict == CARRIED
    assert r["new.w1"].sources == ("dE/dout.h1",) and r["new.w1"].roots == ("delta.o1",)
    assert r["new.w1"].diagnosis == ("follows from your dE/dout.h1 = 0.029595824 "
                                     "(carrying forward your delta.o1)")


def test_a_step_worked_from_rounded_correct_numbers_is_correct(nnbasic, check):
    # out_h1 and out_h2 rounded to 0.61 (both right to 2 decimals); net_o1 from them:
    # 0.24 x 0.61 + 0.32 x 0.61 + 0.36 = 0.7016, which is 0.0013 off the exact 0.702907725
    r = by_name(check(nnbasic, """
        out.h1: 0.61
        out.h2: 0.61
        net.o1: 0.7016
    """))
    assert r["net.o1"].verdict == CORRECT
    assert "rounded" in r["net.o1"].diagnosis


def test_carried_forward_allows_for_digits_carried_but_not_written(nnbasic, check):
    # delta_o1 wrong, written to 4 decimals as 0.2090, but the calculator kept 0.208957504:
    # grad_w5 = 0.208957504 x out_h1 0.613962657 = 0.128292104, while 0.2090 x 0.613962657 = 0.128318195;
    # the 0.00005 the 4 decimals hide moves grad_w5 by 0.00006, so it still follows from their delta_o1
    r = by_name(check(nnbasic, """
        delta.o1: 0.2090
        grad.w5: 0.128292104
    """))["grad.w5"]
    assert r.verdict == CARRIED and r.sources == ("delta.o1",)


# ---------------------------------------------------------------- wrong, with a diagnosis

ETA_01 = with_overrides(NNBASIC, {"eta": 0.1})   # so that "rate not applied" and "step twice" differ
SSE = replace(NNBASIC, loss="sse")


def _per_unit_bias():
    """NNBasic with the hidden layer's bias 0.40 given once per unit (b_h1, b_h2) instead of shared."""
    net = NNBASIC.network
    first = replace(net.layers[0], bias_names=("b_h1", "b_h2"), bias_shared=False)
    return replace(NNBASIC, network=replace(net, layers=(first,) + net.layers[1:]))


MISTAKE_CASES = [
    # (problem, answers, the wrong one, the mistake; how the number was made)
    (NNBASIC, "E.o1: 0.382953213", "E.o1", "half_dropped"),            # (0.05 - 0.668832137)^2
    (SSE, "E.o1: 0.191476607", "E.o1", "half_added"),                    # 1/2 (0.05 - 0.668832137)^2 under sse
    (NNBASIC, "dE/dout.o1: -0.618832137", "dE/dout.o1", "sign_flipped"),  # (t - out) = 0.05 - 0.668832137
    (NNBASIC, "grad.w5: 0.084155041\nnew.w5: 0.282077520", "new.w5", "update_added"),  # 0.24 + 0.5 x grad
    (NNBASIC, "delta.o1: 0.618832137", "delta.o1", "no_activation_derivative"),      # dE/dout x 1
    (NNBASIC, "delta.o1: 0.129229759", "delta.o1", "derivative_of_net"),   # 0.618832137 x 0.7029 (1 - 0.7029)
    (NNBASIC, "grad.w5: 0.063599860", "grad.w5", "net_for_out"),           # delta_o1 x net_h1 0.464
    (NNBASIC, "out.h1: 0.464", "out.h1", "no_activation"),                 # out_h1 = net_h1
    (ETA_01, "grad.w5: 0.084155041\nnew.w5: 0.155844959", "new.w5", "rate_not_applied"),  # 0.24 - grad
    (NNBASIC, "grad.w5: 0.084155041\nnew.w5: 0.218961240", "new.w5", "rate_twice"),  # 0.24 - 0.25 x grad
    (ETA_01, "grad.w5: 0.084155041\nnew.w5: 0.223168992", "new.w5", "step_twice"),   # 0.24 - 0.2 x grad
    (NNBASIC, "dE_o1/dout_h1: 0.027128970", "dE.o1/dout.h1", "updated_weights"),  # delta_o1 x w5+ 0.1979
    (NNBASIC, "grad.b1: 0.003434857", "grad.b1", "bias_per_unit_1"),       # delta_h1 only
    (NNBASIC, "grad.b1: 0.007299797", "grad.b1", "bias_per_unit_2"),       # delta_h2 only
    (_per_unit_bias(), "grad.b_h1: 0.010734654", "grad.b_h1", "bias_shared"),  # delta_h1 + delta_h2
    (NNBASIC, "E.o1: 0.039527684", "E.o1", "targets_swapped"),             # 1/2 (0.95 - 0.668832137)^2
    (NNBASIC, "dE/dout.h1: 0.032896479", "dE/dout.h1", "one_path_1"),      # dE_o1/dout_h1 only
]


@pytest.mark.parametrize("problem,answers,name,key", MISTAKE_CASES, ids=[c[3] for c in MISTAKE_CASES])
def test_each_known_mistake_is_diagnosed(check, problem, answers, name, key):
    r = by_name(check(Checker(build_trace(problem)), answers))[name]
    assert r.verdict == WRONG
    assert r.mistakes == (key,)


def test_each_mistake_is_diagnosed_alone_where_it_is_unambiguous(check):
    # With the student's correct grad_w5 in hand, w5 - grad (eta 1 / twice 0.5) is only one mistake,
    # not also "the 1/2 dropped" (which would have doubled grad_w5 itself)
    r = by_name(check(Checker(build_trace(ETA_01)), "grad.w5: 0.084155041\nnew.w5: 0.155844959"))["new.w5"]
    assert r.mistakes == ("rate_not_applied",)
    assert r.diagnosis == "the learning rate not applied (p - grad)"


def test_a_diagnosis_says_what_was_done(nnbasic, check):
    r = by_name(check(nnbasic, "dE_o1/dout_h1: 0.027128970"))["dE.o1/dout.h1"]
    assert r.diagnosis == "the updated weights used while backpropagating (w5+ instead of w5)"
    r = by_name(check(nnbasic, "grad.b1: 0.003434857"))["grad.b1"]
    assert "only δ of h1 counted for b1, not the sum over h1, h2" in r.diagnosis


def test_a_mistake_made_on_the_students_own_wrong_numbers_is_found(nnbasic, check):
    # delta_o1 slipped to 0.200, w5+ right; then dE_o1/dout_h1 with the updated weight:
    # 0.2 x w5+ 0.19792248 = 0.039584496 (the right step would give 0.2 x 0.24 = 0.048)
    r = by_name(check(nnbasic, """
        delta.o1: 0.200
        w5+: 0.19792248
        dE_o1/dout_h1: 0.039584496
    """))["dE.o1/dout.h1"]
    assert r.verdict == WRONG and r.mistakes == ("updated_weights",)
    assert r.diagnosis.endswith("(made on your own earlier numbers)")


def test_a_mistake_made_with_more_digits_than_written_is_still_found(nnbasic, check):
    # out_h1 written rounded (0.614, right), the 1/2 dropped with the calculator's full out_h1:
    # grad_w5 = 2 x 0.084155041 = 0.168310081 (with 0.614 it would be 0.168316...)
    r = by_name(check(nnbasic, """
        out_h1: 0.614
        grad.w5: 0.168310081
    """))["grad.w5"]
    assert r.mistakes == ("half_dropped",)
    assert not r.diagnosis.endswith("(made on your own earlier numbers)")


def test_an_unexplained_wrong_number_is_not_guessed_at(nnbasic, check):
    r = check(nnbasic, "out.h1: 0.700").results[0]
    assert r.verdict == WRONG and r.mistakes == ()
    assert r.diagnosis == f"{NO_MISTAKE}; a slip in the arithmetic or in copying?"


def test_a_copying_slip_is_named_as_such(nnbasic, check):
    # w4+ = 0.078175051; 0.078715051 swaps two digits
    r = check(nnbasic, "w4+: 0.078715051").results[0]
    assert r.diagnosis == f"{NO_MISTAKE}: it differs from 0.078175051 in two digits only"


def test_one_significant_digit_is_too_few_to_diagnose(nnbasic, check):
    # E_o1 with the 1/2 dropped is 0.383; "0.4" is within 0.1 of it, but of much else too
    r = check(nnbasic, "E.o1: 0.4").results[0]
    assert r.verdict == WRONG and r.mistakes == ()
    assert r.diagnosis == "too few digits written to tell which mistake, if any, gives it"
    assert check(nnbasic, "E.o1: 0.38").results[0].mistakes == ("half_dropped",)


@pytest.mark.parametrize("text,digits", [("0.027128970", 8), ("0.3", 1), ("120", 3), ("-0.0184", 3),
                                         ("7.5e-4", 2), ("0.0", 0)])
def test_significant_digits(text, digits):
    assert significant_digits(text) == digits


# ---------------------------------------------------------------- counting

def test_score_counts_carried_forward_as_earned_unless_told_otherwise(nnbasic, check):
    result = check(nnbasic, """
        delta.o1: 0.200
        w5+: 0.178603734
        out.h1: 0.613962657
        out.h2: 0.611114647
    """)
    assert [result.count(v) for v in (CORRECT, CARRIED, WRONG)] == [2, 1, 1]
    assert result.score() == pytest.approx(3 / 4)
    assert result.score(carried_credit=0) == pytest.approx(2 / 4)
    assert not result.all_correct


def test_an_asked_quantity_whose_key_is_set_aside_says_why_by_the_key_as_written(tmp_path):
    """With `ask:`, a key that cannot be read marks its own answer only: the reason comes with the
    key it was written under (slide notation here), never rebuilt from the error's location."""
    from pathlib import Path

    from nncalc.verdicts import MISSING
    from nncalc.yamlio import parse_yaml

    hw3 = (Path(__file__).parent.parent / "examples" / "hw3-variants.yaml").read_text()
    problem = tmp_path / "fixed.yaml"
    problem.write_text(hw3.split("vary:")[0] + hw3[hw3.index("ask:"):])
    checker = Checker(build_trace(load_problem(problem)))
    doc = parse_yaml("answers:\n  'out_h1': 0.5\n  '∂E_total/∂w5': abc\n  7: 0.1\n", "a.yaml")
    result = checker.check(*checker.sheet(doc))
    by_name = {r.name: r for r in result.results}
    assert by_name["grad.w5"].verdict == MISSING
    assert by_name["grad.w5"].diagnosis == "not readable: expected a number, got 'abc'"
    assert by_name["E.total"].diagnosis == "not answered"
    assert len(result.notes) == 2 and result.notes[1] == "a.yaml:4: answers[7]: expected a quantity name, got 7"
