"""Every bundled graph problem reproduces its deck's numbers (the slide named in each test)."""

from __future__ import annotations

import math

import pytest

from nncalc.bundled import resolve
from nncalc.graph import build_graph_trace
from nncalc.problem import load_problem


def values(name: str) -> dict[str, float]:
    return build_graph_trace(load_problem(resolve(name))).values()


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_tu_berlin_squared_error_graph_gives_dloss_dw_minus_two():
    # seed 001, "Backward propagation" (slide 82/92): x = 1, y = 2, w = 1; y_hat = 1, s = -1,
    # dloss/ds = 2s = -2, dloss/dy_hat = -2 * 1 = -2, dloss/dw = -2 * x = -2.
    v = values("graph-squared-error")
    assert (v["yhat"], v["s"], v["loss"]) == (1.0, -1.0, 1.0)
    assert v["local.dloss/ds"] == -2.0 and v["ds/dyhat"] == 1.0 and v["dyhat/dw"] == 1.0
    assert v["dloss/ds"] == v["dloss/dyhat"] == v["dloss/dw"] == -2.0
    assert close(v["new.w"], 1.2)            # w - 0.1 * (-2)


def test_local_gradient_slide_gives_15_and_10_from_upstream_5():
    # seed 001, chain-rule slides: z = x*y, dL/dz = 5 given; z = 6, dL/dx = 15, dL/dy = 10.
    v = values("graph-local-gradient")
    assert v["z"] == 6.0 and v["dL/dz"] == 5.0
    assert (v["dz/dx"], v["dz/dy"]) == (3.0, 2.0)
    assert (v["dL/dx"], v["dL/dy"]) == (15.0, 10.0)


def test_partial_derivative_slide_df_dx_is_2x_plus_y():
    # seed 000, "Quick review of Partial Derivative and Chain Rule": df/dx = 2x + y; at (1, 2): 4, df/dy = x + 2y = 5
    v = values("graph-partial-derivative")
    assert v["f"] == 7.0 and v["df/dx"] == 2 * 1 + 2 and v["df/dy"] == 1 + 2 * 2


def test_chain_rule_slide_2_times_4_is_8():
    # seed 000, "Chain Rule": dz/dx = dz/dy * dy/dx = 2 * 4 = 8
    v = values("graph-chain-rule")
    assert (v["local.dz/dy"], v["dy/dx"], v["dz/dx"]) == (2.0, 4.0, 8.0)


def test_chain_of_four_functions_multiplies_every_factor():
    # seed 003, "Backpropagation": dz/du = (dz/dy * dy/dx * dx/dw) * dw/du = 1 * 3 * 4 * 2
    v = values("graph-chain-of-four")
    assert (v["dz/dy"], v["dz/dx"], v["dz/dw"], v["dz/du"]) == (1.0, 3.0, 12.0, 24.0)


def test_two_paths_case_adds_both_paths():
    # seed 004, "Chain Rule" Case 2: dz/ds = dz/dx dx/ds + dz/dy dy/ds = 6*4 + 4*3 = 36
    v = values("graph-two-paths")
    assert (v["dx/ds"], v["dy/ds"]) == (4.0, 3.0)
    assert v["dz/ds"] == 36.0 == 9 * 2 ** 2


def test_cs231n_circuit():
    # CS231n "Backpropagation, Intuitions": q = 3, f = -12, df/dz = 3, df/dx = df/dy = -4
    v = values("graph-circuit")
    assert (v["q"], v["f"], v["df/dz"], v["df/dq"], v["df/dx"], v["df/dy"]) == (3.0, -12.0, 3.0, -4.0, -4.0, -4.0)


def test_sigmoid_neuron_graph_matches_cs231n_gradients():
    # CS231n: dot = 1, f = sigmoid(1); dw = [-0.196..., -0.393..., 0.196...], dx = [0.393..., -0.589...]
    v = values("graph-sigmoid-neuron")
    f = 1 / (1 + math.exp(-1.0))
    assert close(v["f"], f)
    local = (1 - f) * f
    expected = {"df/dw0": -1 * local, "df/dw1": -2 * local, "df/dw2": local, "df/dx0": 2 * local, "df/dx1": -3 * local}
    for name, value in expected.items():
        assert close(v[name], value), name
    assert close(v["df/dw0"], -0.19661193324148185)


@pytest.mark.parametrize("name", ["graph-squared-error", "graph-local-gradient", "graph-partial-derivative",
                                  "graph-chain-rule", "graph-chain-of-four", "graph-two-paths", "graph-circuit",
                                  "graph-sigmoid-neuron"])
def test_every_bundled_graph_passes_its_own_answers(name):
    from nncalc.grading import run_check
    from nncalc.verdicts import CORRECT

    run = run_check(name)
    assert run.files[0].results and all(r.verdict == CORRECT for r in run.files[0].results)


# ---------------------------------------------------------------- golden renders (regenerate: NNCALC_REGEN_GOLDEN=1)

@pytest.mark.parametrize("name", ["graph-squared-error", "graph-partial-derivative", "graph-local-gradient"])
def test_golden_graph_tables_and_derivation(name):
    import io
    import os
    from pathlib import Path

    from rich.console import Console

    from nncalc.render.explain import explain_text
    from nncalc.render.table import view

    trace = build_graph_trace(load_problem(resolve(name)))
    out = io.StringIO()
    Console(file=out, width=80, no_color=True, color_system=None, highlight=False).print(view(trace, width=80))
    text = "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"
    text += "\n" + explain_text(trace, width=80) + "\n"
    path = Path(__file__).parent / "golden" / f"{name}-80.txt"
    if os.environ.get("NNCALC_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden file"
