"""The NNBasic deck's 2-2-2 network (shared seed 002): every number the slides print correctly."""

import pytest

from nncalc.bundled import resolve
from nncalc.problem import load_problem
from nncalc.trace import build_trace


@pytest.fixture(scope="module")
def trace():
    return build_trace(load_problem(resolve("nnbasic")))


# (quantity, the number printed on the slide); each slide number is rounded or truncated at its
# last printed digit, so it must be within one unit of that digit of the exact value.
SLIDE_NUMBERS = [
    ("net.h1", "0.464"), ("out.h1", "0.613962657"), ("out.h2", "0.611114647"),
    ("net.o1", "0.702907725"), ("out.o1", "0.668832137"), ("out.o2", "0.657941101"),
    ("E.o1", "0.191476607"), ("E.o2", "0.042649200"), ("E.total", "0.234125807"),
    ("dE/dout.o1", "0.618832137"), ("dout/dnet.o1", "0.221495709"), ("grad.w5", "0.08415504"),
    ("new.w5", "0.19792248"), ("new.w7", "0.300177638"), ("dE.o2/dout.h1", "-0.018404176"),
    ("dout/dnet.h1", "0.237012513"), ("new.w4", "0.078175051"),
]


@pytest.mark.parametrize("name,printed", SLIDE_NUMBERS)
def test_slide_number_is_reproduced(trace, name, printed):
    decimals = len(printed.split(".")[1])
    assert abs(trace[name].value - float(printed)) <= 10.0 ** -decimals


# Numbers the deck prints that no consistent network gives, each beside the value nncalc computes.
# The w1 derivation starts from 0.337664274 as dout_o1/dnet_o1, but a sigmoid's derivative
# out (1 - out) is at most 0.25 (the slide before computes 0.221495709 for the same quantity); every
# later number of that derivation inherits the error. w3+, w6+ and w8+ are misprints of the right
# digits' neighbours (0.159.. for 0.119.., 0.238.. for 0.278.., and 0.300.. copied from w7+).
INCONSISTENT = [
    # (quantity, printed on the slide, nncalc's value, what went wrong)
    ("dout/dnet.o1", "0.337664274", 0.221495710, "a sigmoid derivative above 0.25"),
    ("delta.o1", "0.208957504", 0.137068663, "0.618832137 * 0.337664274"),
    ("dE.o1/dout.h1", "0.050149801", 0.032896479, "0.208957504 * w5"),
    ("dE/dout.h1", "0.031745625", 0.014492303, "0.050149801 + (-0.018404176)"),
    ("grad.w1", "0.000752411", 0.000343486, "0.031745625 * 0.237012513 * 0.1"),
    ("new.w1", "0.039623795", 0.039828257, "0.04 - 0.5 * 0.000752411"),
    ("new.w2", "0.118118973", 0.119141286, "0.12 - 0.5 * 0.031745625 * 0.237012513 * 0.5"),
    ("new.w3", "0.159635010", 0.119635010, "misprint"),
    ("new.w6", "0.238117666", 0.278117666, "misprint"),
    ("new.w8", "0.300084039", 0.220084039, "misprint (w7+ is 0.300177638)"),
]


@pytest.mark.parametrize("name,printed,correct,why", INCONSISTENT)
def test_inconsistent_slide_number_is_corrected(trace, name, printed, correct, why):
    decimals = len(printed.split(".")[1])
    value = trace[name].value
    assert abs(value - correct) <= 10.0 ** -decimals          # nncalc's value, to the slide's digits
    assert abs(value - float(printed)) > 10.0 ** -decimals    # ... which is not what the slide prints


def test_slide_errors_follow_from_the_impossible_derivative():
    # Redo the slide's w1 derivation from its 0.337664274: each printed number follows, so the chain's
    # arithmetic is right and only that one factor is wrong.
    d_o1 = 0.618832137 * 0.337664274
    assert abs(d_o1 - 0.208957504) < 1e-9
    share = d_o1 * 0.24
    assert abs(share - 0.050149801) < 1e-9
    dh1 = share + (-0.018404176)
    assert abs(dh1 - 0.031745625) < 1e-9
    assert abs(dh1 * 0.237012513 * 0.1 - 0.000752411) < 1e-9
    assert abs(0.04 - 0.5 * dh1 * 0.237012513 * 0.1 - 0.039623795) < 1e-9
    assert abs(0.12 - 0.5 * dh1 * 0.237012513 * 0.5 - 0.118118973) < 1e-9


def test_nncalc_values_are_consistent(trace):
    # The relations the slide's numbers break hold for nncalc's: a sigmoid derivative is at most 1/4,
    # delta = dE/dout * dout/dnet, and each new weight is w - eta * grad.
    for u in ("o1", "o2", "h1", "h2"):
        assert 0 < trace[f"dout/dnet.{u}"].value <= 0.25
        assert trace[f"delta.{u}"].value == pytest.approx(
            trace[f"dE/dout.{u}"].value * trace[f"dout/dnet.{u}"].value, rel=1e-12)
    for w in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"):
        assert trace[f"new.{w}"].value == pytest.approx(trace[w].value - 0.5 * trace[f"grad.{w}"].value, rel=1e-12)


def test_net_input_that_cancels_exactly_is_zero_so_relu_derivative_is_zero(tmp_path):
    # 0.5·1 - 0.3·2 + 0.1 = 0 by hand; float64 gives 2.8e-17, which would make relu'(net) = 1.
    path = tmp_path / "kink.yaml"
    path.write_text(
        "network:\n  inputs: 2\n  layers:\n"
        "    - {units: 1, activation: relu, weights: [[0.5, -0.3]], bias: [0.1]}\n"
        "    - {units: 1, activation: linear, weights: [[2.0]]}\n"
        "loss: half_sse\ndata:\n  - {input: [1.0, 2.0], target: [1.0]}\n")
    trace = build_trace(load_problem(path))
    assert trace["net.h1"].value == 0.0
    assert trace["dout/dnet.h1"].value == 0.0
    assert trace["grad.w1"].value == 0.0
