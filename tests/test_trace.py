"""The trace is the one record renderers and the checker walk: each quantity carries its kind, unit,
sample, time step (None in a feed-forward pass) and, for a share of dE/dout, the unit it flows
through, so no code has to parse names back.

Problems: the NNBasic deck's 2-2-2 network (seed 002) and xor-20 (four samples, the 2-2-1 XOR net).
"""

from __future__ import annotations

import pytest

from nncalc.bundled import resolve
from nncalc.problem import load_problem
from nncalc.render.check import derivations
from nncalc.render.explain import explain_owned_lines
from nncalc.trace import build_trace


@pytest.fixture(scope="module")
def xor():
    return build_trace(load_problem(resolve("xor-20")))


@pytest.fixture(scope="module")
def nnbasic():
    return build_trace(load_problem(resolve("nnbasic")))


def test_every_quantity_of_a_sample_carries_its_sample_its_base_name_and_no_time_step(xor):
    for name, q in xor.quantities.items():
        assert q.step is None
        if "@" in name:
            assert name == f"{q.base}@{q.sample}"
        else:
            assert q.sample is None and q.base == name


def test_unit_quantities_name_their_unit_and_layer(xor):
    q = xor["delta.h1@3"]
    assert (q.kind, q.unit, q.sample, q.layer) == ("delta", "h1", 3, 0)
    assert xor["net.y@2"].unit == "y" and xor["out.y@2"].kind == "out"


def test_a_share_of_dE_dout_says_which_unit_it_flows_through(nnbasic):
    # dE.o2/dout.h1 = delta.o2 * w7: the part of dE_total/dout_h1 that reaches E through o2
    q = nnbasic["dE.o2/dout.h1"]
    assert (q.kind, q.unit, q.via, q.inputs) == ("share", "h1", "o2", ("delta.o2", "w7"))


def test_the_explainer_says_which_quantity_each_line_works_out(nnbasic):
    owned = explain_owned_lines(nnbasic)
    owners = {name for name, _ in owned if name is not None}
    assert {"net.h1", "out.o2", "E.total", "dE/dout.h1", "delta.o1", "grad.w5", "new.b2"} <= owners
    headings = [line for name, line in owned if name is None and line]
    assert "Forward pass" in headings


def test_the_checker_shows_a_samples_activation_derivative_from_the_derivation(xor):
    # The derivation writes ∂out_y@1/∂net_y@1 = out_y@1 (1 - out_y@1) = ...; reading the printed
    # lines back missed it (the sample suffix sits inside the fraction) and showed the raw record.
    lines = derivations(xor, ["dout/dnet.y@1"], decimals=3)["dout/dnet.y@1"]
    assert any(line.lstrip().startswith("∂out_y@1/∂net_y@1 = out_y@1 (1 - out_y@1)") for line in lines)
    assert not any("dact(" in line for line in lines)


def test_the_checker_shows_E_total_without_the_prose_that_follows_it(xor):
    lines = derivations(xor, ["E.total"], decimals=3)["E.total"]
    assert lines[-1].startswith("E_total = E_y@1 + E_y@2")
    assert not any("adds up the errors" in line for line in lines)


def test_the_structure_agrees_with_the_graph_on_random_networks():
    # over the random networks of test_gradients (every activation, loss, bias form, 1-3 samples)
    from hypothesis import given

    from test_gradients import SETTINGS, load, problems

    @SETTINGS
    @given(problems())
    def check(spec):
        trace = build_trace(load(spec))
        for name, q in trace.quantities.items():
            assert name == (f"{q.base}@{q.sample}" if q.sample else q.base)
            assert q.step is None
            if q.kind == "share":      # dE.V/dout.U = delta.V * w: V is the unit it flows through
                delta, w = (trace[n] for n in q.inputs)
                assert (delta.kind, delta.unit, delta.sample, w.kind) == ("delta", q.via, q.sample, "param")
            if q.kind in ("net", "out", "delta", "dE/dout", "dout/dnet"):
                assert q.unit == trace.problem.network.layers[q.layer].units[q.index]

    check()
