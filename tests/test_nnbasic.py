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
