"""The slide gallery in problems/: every worked example of the seed decks, with its numbers.

Each expected number is the slide's, with the slide named beside it; a slide rounds to the digits
it prints, so the comparison is to that many digits.
"""

from __future__ import annotations

import math

import pytest

from nncalc.bundled import bundled_problems, resolve
from nncalc.errors import ComputeError
from nncalc.problem import load_problem, parse_assignments, with_overrides
from nncalc.trace import build_trace

GALLERY = ["nnbasic", "basic-ideas-3layer", "xor-20", "sign-unit", "mlp-hidden-layer", "graph-xw",
           "linear-regression", "error-surface", "deep-10x100"]


def trace_of(name: str, sets: dict[str, float] | None = None, backward: bool = True):
    problem = with_overrides(load_problem(resolve(name)), sets or {})
    return build_trace(problem, with_backward=backward and problem.targets is not None)


def near(value: float, printed: float, digits: int) -> bool:
    return abs(value - printed) <= 0.5 * 10.0 ** -digits + 1e-12


@pytest.mark.parametrize("name", GALLERY)
def test_gallery_file_has_name_and_source(name):
    problem = load_problem(resolve(name))
    assert problem.name and problem.name != name
    source = problem.doc.data.get("source", "")
    assert "seed 00" in source, f"{name}: 'source:' should name the deck (seed) and slide"


def test_every_gallery_problem_is_bundled():
    assert set(GALLERY) <= set(bundled_problems())


def test_basic_ideas_three_layer_network():
    # Seed 004 "Matrix Operation": sigma([[1,-2],[-1,1]] [1,-1] + [1,0]) = sigma([4,-2]) = [0.98, 0.12]
    t = trace_of("basic-ideas-3layer")
    assert t["net.h1_1@1"].value == 4 and t["net.h1_2@1"].value == -2
    assert near(t["out.h1_1@1"].value, 0.98, 2) and near(t["out.h1_2@1"].value, 0.12, 2)
    # "Fully Connect Feedforward NN": f([1,-1]) = [0.62, 0.83], f([0,0]) = [0.51, 0.85]
    assert near(t["out.y1@1"].value, 0.62, 2) and near(t["out.y2@1"].value, 0.83, 2)
    assert near(t["out.y1@2"].value, 0.51, 2) and near(t["out.y2@2"].value, 0.85, 2)


@pytest.mark.parametrize("x1,x2,xor", [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)])
def test_xor_truth_table(x1, x2, xor):
    # Seed 000 "Advanced topic: Backpropagation": sigma(20*0 + 20*1 - 10) ~ 1 (OR),
    # sigma(-20*1 - 20*1 + 30) ~ 0 (NAND), sigma(20*1 + 20*1 - 30) ~ 1 (AND): y = x1 XOR x2.
    t = trace_of("xor-20")
    k = 1 + 2 * x1 + x2
    assert t[f"x1@{k}"].value == x1 and t[f"x2@{k}"].value == x2
    assert round(t[f"out.h1@{k}"].value) == (x1 or x2)
    assert round(t[f"out.h2@{k}"].value) == (not (x1 and x2))
    assert abs(t[f"out.y@{k}"].value - xor) < 1e-4          # sigma(+-10) is within 4.6e-5 of 0 or 1


def test_sign_perceptron_forward_and_backprop_refusal():
    # Seed 003 "Perceptron: Example": y = g(1 + 3*(-1) - 2*2) = g(-6) = -1.
    t = trace_of("sign-unit", backward=False)
    assert t["net.y"].value == -6 and t["out.y"].value == -1
    with pytest.raises(ComputeError, match="sign: its derivative is 0"):
        build_trace(load_problem(resolve("sign-unit")), with_backward=True)


@pytest.mark.parametrize("k,x,h1,h2", [
    # net_h1 = 5 x1 + 5 x2 - 8 and net_h2 = -7 x1 - 7 x2 + 3 (seed 001: W1 = [[5,-7],[5,-7]], b1 = [-8, 3])
    (1, (0, 0), -8, 3), (2, (0, 1), -3, -4), (3, (1, 0), -3, -4), (4, (1, 1), 2, -11),
])
def test_mlp_hidden_layer(k, x, h1, h2):
    t = trace_of("mlp-hidden-layer")
    assert (t[f"x1@{k}"].value, t[f"x2@{k}"].value) == x
    assert t[f"net.h1@{k}"].value == h1 and t[f"net.h2@{k}"].value == h2
    assert math.isclose(t[f"out.h1@{k}"].value, 1 / (1 + math.exp(-h1)), rel_tol=1e-12)
    assert math.isclose(t[f"out.h2@{k}"].value, 1 / (1 + math.exp(-h2)), rel_tol=1e-12)


def test_computational_graph():
    # Seed 001 "Backward propagation": y_hat = 1 * 1 = 1, loss = (1 - 2)^2 = 1,
    # dloss/dw = dloss/dy_hat * dy_hat/dw = -2 * 1 = -2.
    t = trace_of("graph-xw")
    assert t["out.y_hat"].value == 1 and t["E.total"].value == 1
    assert t["dE/dout.y_hat"].value == -2 and t["grad.w"].value == -2


def test_linear_regression_one_step():
    # Seed 000 "Practice: Partial Derivatives for Linear Equations": MSE = 1, dMSE/dm = -4,
    # dMSE/dc = -2, and with learning rate 0.01: y = 1.04 x + 0.02.
    t = trace_of("linear-regression")
    assert math.isclose(t["E.total"].value, 1)
    assert math.isclose(t["grad.m"].value, -4) and math.isclose(t["grad.c"].value, -2)
    assert math.isclose(t["new.m"].value, 1.04) and math.isclose(t["new.c"].value, 0.02)


@pytest.mark.parametrize("w,E,slide", [(0, 7.0, 4.5), (1, 0.0, 0.0), (2, 7.0, 4.5)])
def test_error_surface(w, E, slide):
    # Seed 001 "Perceptron: Cost (= Loss) Function": E(w) = 1/2 sum (y - w x)^2 on (1,1), (2,2), (3,3).
    # The slide writes the sums out, 1/2 ((1 - 0x1)^2 + (2 - 0x2)^2 + (3 - 0x3)^2) for w = 0, and
    # 1/2 ((1 - 2x1)^2 + (2 - 2x2)^2 + (3 - 2x3)^2) for w = 2, both 1/2 (1 + 4 + 9) = 7, yet prints 4.5;
    # only w = 1 (E = 0) is printed right. nncalc gives the sums' value.
    t = trace_of("error-surface", parse_assignments([f"w={w}"]))
    assert t["w"].value == w
    assert t["E.total"].value == E == 0.5 * sum((y - w * x) ** 2 for x, y in [(1, 1), (2, 2), (3, 3)])
    assert (t["E.total"].value == slide) == (w == 1)


def test_deep_network_parameter_count():
    # Seed 002 "How Many Random Variables": 100 x 100 + 100 = 10,100 a layer, 101,000 in all.
    net = load_problem(resolve("deep-10x100")).network
    assert len(net.layers) == 10 and len(net.inputs) == 100
    assert all(layer.n_params == 10_100 for layer in net.layers)
    assert net.n_params == 101_000


def test_deep_network_is_drawn_reproducibly():
    a = load_problem(resolve("deep-10x100")).network.layers[3].weights
    b = load_problem(resolve("deep-10x100")).network.layers[3].weights
    assert (a == b).all() and a.std() > 0


def test_cli_problems_lists_the_gallery_one_line_each_on_a_wide_terminal(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    result = cli("problems")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for name in GALLERY:
        (line,) = [x for x in lines if x.split() and x.split()[0] == name]
        assert load_problem(resolve(name)).name in line


def test_cli_problems_wraps_the_titles_to_80_columns(cli):
    lines = cli("problems").stdout.splitlines()
    assert max(map(len, lines)) <= 80 and {x.split()[0] for x in lines if x[:1].isalpha()} >= set(GALLERY)


def test_cli_summary_counts_the_deep_network(cli):
    result = cli("summary", "deep-10x100")
    assert result.exit_code == 0
    assert result.stdout.count("10,100") == 10 and "101,000" in result.stdout


def test_cli_forward_xor_truth_table(cli):
    result = cli("forward", "xor-20", "--decimals", "3")
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    rows = [r for r in rows if len(r) == 5 and r[0] in "1234"]       # k, x1, x2, out.y, target.y
    # fixed decimals, or scientific where 3 decimals would show a non-zero value as 0.000
    assert [(r[1], r[2], round(float(r[3]), 3)) for r in rows] == [("0", "0", 0), ("0", "1", 1),
                                                                   ("1", "0", 1), ("1", "1", 0)]


def test_cli_backprop_sign_unit_says_why(cli):
    result = cli("backprop", "sign-unit")
    assert result.exit_code == 2
    assert "sign" in result.stderr and "derivative" in result.stderr and "Traceback" not in result.stderr


def test_cli_error_surface_with_set(cli):
    for w, E in (("0", "7"), ("2", "7"), ("1", "0")):
        result = cli("forward", "error-surface", "--set", f"w={w}", "-f", "json")
        assert result.exit_code == 0
        import json
        assert json.loads(result.stdout)["values"]["E.total"] == float(E)
