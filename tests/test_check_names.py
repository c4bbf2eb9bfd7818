"""Answers may name a quantity canonically or as the slides write it; both resolve to one name."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nncalc.bundled import bundled_problems, resolve
from nncalc.check import checking_trace, load_checked
from nncalc.errors import AnswersError
from nncalc.graph import is_graph_problem
from nncalc.graph.trace import build_graph_trace
from nncalc.limits import named_size
from nncalc.names import NameResolver, name_resolver
from nncalc.problem import load_problem
from nncalc.trace import build_trace
from test_gradients import load as load_random, problems as dense_problems


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


# ---------------------------------------------------------------- every spelling the checker offers

def _misresolved(resolver) -> list[tuple[str, str, str | None]]:
    """(spelling, its canonical name, what it resolves to) for each offered spelling that does not
    resolve back to its own quantity."""
    return [(spelled, name, resolver.resolve(spelled)) for spelled, name in resolver.spellings().items()
            if resolver.resolve(spelled) != name]


def _spelled_problems() -> list[str]:
    """The bundled problems with a trace to spell: graphs, and networks with samples written out that
    are not deep (deep-10x100's one case is tested below)."""
    def checked(problem) -> bool:
        return is_graph_problem(problem) or (problem.n_samples > 0 and named_size(problem) <= 5_000)
    return [name for name in sorted(bundled_problems()) if checked(load_problem(resolve(name)))]


@pytest.mark.parametrize("name", _spelled_problems())
def test_every_spelling_a_bundled_problem_offers_resolves_back_to_its_quantity(name):
    problem = load_problem(resolve(name))
    trace = build_graph_trace(problem) if is_graph_problem(problem) else checking_trace(problem)
    assert _misresolved(name_resolver(trace)) == []


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=dense_problems())
def test_every_spelling_of_a_random_networks_quantities_resolves_back_to_it(spec):
    """Dense networks of 1-3 layers, 1-4 samples (the gradient test's problems): every quantity's
    slide spelling (dnet_h1@2/dw1, dout_o1@3/dnet_o1@3, dE_o1@2/dout_h1@2, ...) names it."""
    assert _misresolved(NameResolver(build_trace(load_random(spec)))) == []


@st.composite
def sequence_problems(draw):
    """A random recurrent or LSTM layer under a linear output: 1-2 inputs and units, 1-3 samples of
    1-3 steps, some steps without a target."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind, units, n_in, outputs = (draw(st.sampled_from(["recurrent", "lstm"])), draw(st.integers(1, 2)),
                                  draw(st.integers(1, 2)), draw(st.integers(1, 2)))

    def matrix(rows: int, cols: int) -> list:
        return rng.normal(0, 0.5, (rows, cols)).round(3).tolist()

    layer = {"units": units, "type": kind, "weights": matrix(units, n_in), "recurrent_weights": matrix(units, units)}
    if kind == "lstm":
        layer |= {"weights": {g: matrix(units, n_in) for g in "ifgo"},
                  "recurrent_weights": {g: matrix(units, units) for g in "ifgo"}}
    data = []
    for _ in range(draw(st.integers(1, 3))):
        steps = draw(st.integers(1, 3))
        targets = [rng.normal(0, 1, outputs).round(3).tolist() if t == steps - 1 or draw(st.booleans()) else None
                   for t in range(steps)]
        data.append({"input": rng.normal(0, 1, (steps, n_in)).round(3).tolist(), "target": targets})
    output = {"units": outputs, "activation": "linear", "weights": matrix(outputs, units)}
    return {"network": {"inputs": n_in, "layers": [layer, output]}, "loss": "mse", "learning_rate": 0.1,
            "data": data}


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=sequence_problems())
def test_every_spelling_of_a_random_sequence_networks_quantities_resolves_back_to_it(spec):
    """Names with steps and samples (dE_h1[2]@1/dout_h1[1]@1) and an LSTM's gates (net_i.h1[1]@2,
    delta_f.h1[2], dnet_o.h1[1]@2/dwo1) included."""
    assert _misresolved(NameResolver(build_trace(load_random(spec)))) == []


def test_an_lstm_gates_net_and_delta_in_slide_spelling_resolve():
    """rnn-lstm-one-step: the checker's own spellings of the gates' nets, deltas and factors."""
    resolver = NameResolver(build_trace(load_problem(resolve("rnn-lstm-one-step"))))
    assert resolver.resolve("net_f.h[1]") == "net.f.h[1]"
    assert resolver.resolve("delta_o.h[1]") == resolver.resolve("δ_o_h[1]") == "delta.o.h[1]"
    assert resolver.resolve("dnet_i.h[1]/dwi2") == "dnet.i.h[1]/dwi2"


def test_a_sample_suffix_inside_a_fraction_is_the_quantitys_sample(regression):
    """slide_name writes @k after the unit on each side (dout_y@2/dnet_y@2): the same sample."""
    assert regression.resolve("dnet_y@3/dm") == "dnet.y/dm@3"
    assert regression.resolve("dout_y@2/dnet_y@2") == regression.resolve("dout_y/dnet_y@2") == "dout/dnet.y@2"
    assert regression.resolve("dout_y@2/dnet_y@3") is None        # two samples: no one quantity
    assert "did you mean 'dnet_y@3/dm'" in regression.why_unknown("dnet_y@3/dmm")


def test_the_deep_networks_dnet_factor_the_checker_suggested_resolves():
    """The case found by fuzzing (deep-10x100-sigmoid, two samples): the checker offered
    'dnet_o38@1/dw93773' ("did you mean") and then called it an unknown quantity."""
    resolver = NameResolver(checking_trace(load_checked("deep-10x100-sigmoid")))
    assert resolver.resolve("dnet_o38@1/dw93773") == "dnet.o38/dw93773@1"
    assert resolver.resolve("dnet_o38@2/dw93773") == "dnet.o38/dw93773@2"
