"""Golden renders (80 columns, ASCII) of the two terminal pictures no other golden covers: the
gradient through time of `nncalc gradients` on a recurrent problem, and the matrix form
(`--matrix`) of an Elman recurrent network. Regenerate with NNCALC_REGEN_GOLDEN=1."""

from __future__ import annotations

from pathlib import Path

from nncalc.api import trace_of
from nncalc.bundled import open_problem
from nncalc.pictures.gradients import gradient_report
from nncalc.problem import load_problem
from nncalc.render.formats import Style, render
from test_render import check_golden

VANISHING = Path(__file__).parent / "fixtures" / "sequences" / "vanishing.yaml"


def _ascii_80(text: str) -> str:
    assert text.isascii() and max(map(len, text.splitlines())) <= 80
    return text


def test_golden_gradient_through_time_at_80_columns_in_ascii():
    report = gradient_report(trace_of(load_problem(VANISHING), True, named=False))
    text = _ascii_80(render("gradients", "table", report, Style(unicode=False, width=80)))
    assert "step 20 back to 1" in text
    check_golden("gradients-vanishing-through-time-80.txt", text)


def test_golden_matrix_form_of_a_two_step_rnn_at_80_columns_in_ascii():
    # rnn-scalar: h[t] = tanh(w x[t] + wh h[t-1] + b), y[t] = wy h[t]; every value is pinned
    # against a plain-Python and a PyTorch loop in tests/test_rnn_problems.py
    trace = trace_of(open_problem("rnn-scalar"), True)
    text = _ascii_80(render("trace", "matrix", trace, Style(decimals=6, unicode=False, width=80)))
    check_golden("matrix-form-rnn-scalar-ascii-80.txt", text)
