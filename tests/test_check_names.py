"""Answers may name a quantity canonically or as the slides write it; both resolve to one name."""

from __future__ import annotations

import pytest

from nncalc.answers import NameResolver
from nncalc.bundled import resolve
from nncalc.errors import AnswersError
from nncalc.problem import load_problem
from nncalc.trace import build_trace


@pytest.fixture(scope="module")
def nnbasic() -> NameResolver:
    return NameResolver(build_trace(load_problem(resolve("nnbasic"))))


@pytest.fixture(scope="module")
def regression() -> NameResolver:
    """Linear regression over 3 samples (seed 000): unit y, parameters m and c, loss mse."""
    return NameResolver(build_trace(load_problem(resolve("linear-regression"))))


@pytest.mark.parametrize("written,canonical", [
    # canonical names resolve to themselves
    ("out.h1", "out.h1"), ("grad.w5", "grad.w5"), ("new.w5", "new.w5"), ("dE.o1/dout.h1", "dE.o1/dout.h1"),
    # the notation the NNBasic deck uses
    ("net_h1", "net.h1"), ("out_o1", "out.o1"), ("E_o1", "E.o1"), ("E_total", "E.total"),
    ("dE_total/dout_o1", "dE/dout.o1"), ("dE/dout_o1", "dE/dout.o1"), ("dE_o1/dout_o1", "dE/dout.o1"),
    ("dout_o1/dnet_o1", "dout/dnet.o1"), ("dnet_o1/dw5", "dnet.o1/dw5"),
    ("dE_total/dw5", "grad.w5"), ("dE/dw5", "grad.w5"), ("grad_w5", "grad.w5"),
    ("w5+", "new.w5"), ("w5_new", "new.w5"), ("new_w5", "new.w5"), ("w5^+", "new.w5"), ("w5⁺", "new.w5"),
    ("delta_o1", "delta.o1"), ("δ_o1", "delta.o1"), ("δo1", "delta.o1"),
    ("dE_total/dnet_o1", "delta.o1"), ("dE_o1/dnet_o1", "delta.o1"),
    ("dE_o1/dout_h1", "dE.o1/dout.h1"), ("dE_o2/dout_h1", "dE.o2/dout.h1"),
    ("dnet_o1/dout_h1", "w5"),                       # the deck's "∂net_o1/∂out_h1 = w5 = 0.24"
    ("dnet_h1/dw1", "dnet.h1/dw1"), ("dE_total/db1", "grad.b1"), ("b2+", "new.b2"),
    # ∂ for d, spaces, braces, Greek
    ("∂E_total/∂w5", "grad.w5"), ("∂E_{total} / ∂out_{o1}", "dE/dout.o1"), ("dE_total / dw5", "grad.w5"),
    ("out_{o_1}", "out.o1"), ("η", "eta"), ("learning_rate", "eta"), ("target_o1", "target.o1"),
    ("E", "E.total"), ("net_h1@1", "net.h1"),        # @1 on a one-sample problem is harmless
])
def test_slide_notation_resolves_to_the_canonical_name(nnbasic, written, canonical):
    assert nnbasic.resolve(written) == canonical


@pytest.mark.parametrize("written,canonical", [
    ("out_y@2", "out.y@2"), ("out.y@2", "out.y@2"), ("E_y@3", "E.y@3"), ("dnet_y/dm@3", "dnet.y/dm@3"),
    ("dE/dm", "grad.m"), ("dMSE/dc", "grad.c"), ("m+", "new.m"), ("c_new", "new.c"), ("MSE", "E.total"),
])
def test_sample_suffix_and_named_parameters(regression, written, canonical):
    assert regression.resolve(written) == canonical


@pytest.mark.parametrize("written,message", [
    ("out_y", "the problem has 3 samples; say which with @k, e.g. out.y@1"),
    ("grad.m@2", "grad.m is over the whole batch, it takes no @k"),
    ("out_y@7", "sample 7 does not exist (the problem has 3, numbered from 1)"),
])
def test_a_wrong_sample_suffix_says_what_is_expected(regression, written, message):
    assert regression.resolve(written) is None
    assert message in regression.why_unknown(written)


@pytest.mark.parametrize("written,suggested", [
    ("w9+", "'w8+'"), ("dE_total/dw9", "'dE_total/dw8'"), ("out_o3", "'out_o1'"), ("grad.w55", "'grad.w5'"),
])
def test_an_unknown_name_suggests_the_nearest(nnbasic, written, suggested):
    assert nnbasic.resolve(written) is None
    with pytest.raises(AnswersError) as exc:
        nnbasic.require(written)
    assert f"unknown quantity '{written}'" in str(exc.value) and suggested in str(exc.value)


def test_a_name_nothing_resembles_points_to_the_list(nnbasic):
    assert "see `nncalc backprop --format json` for every name" in nnbasic.why_unknown("banana")


@pytest.mark.parametrize("text", ["1" * 400, "1e-" + "0" * 4400 + "1"])
def test_absurd_numbers_in_an_answers_file_are_one_clear_error_not_a_crash(tmp_path, text):
    from typer.testing import CliRunner

    from nncalc.cli import app

    path = tmp_path / "a.yaml"
    path.write_text(f"answers:\n  out.h1: {text}\n")
    result = CliRunner().invoke(app, ["check", "nnbasic", str(path)])
    assert result.exit_code in (1, 2)                 # graded (as wrong) or refused, never exit 3
    assert "internal error" not in result.output
