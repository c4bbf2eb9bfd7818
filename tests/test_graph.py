"""Computational graphs: parsing against the whitelist, the operations and their kinks, domain
errors, several paths, names, the checker's verdicts, and the commands on graph problems."""

from __future__ import annotations

import json
import math

import pytest

from nncalc.errors import ComputeError, ProblemError, UsageError
from nncalc.graph import build_graph_trace, graph_problem_from_text
from nncalc.graph.parse import ParseError, parse_expression, split_assignment

TU_BERLIN = """\
name: squared error as a computational graph (TU Berlin deck)
graph:
  - yhat = x * w
  - s = yhat - y
  - L = s^2
values: {x: 1, w: 1, y: 2}
output: L
parameters: [w]
learning_rate: 0.1
answers: {dL/dw: -2}
"""


def grads(text: str, **values: float) -> dict[str, float]:
    return build_graph_trace(graph_problem_from_text(text, values)).values()


def nodes(text: str):
    target, expr, offset = split_assignment(text)
    return parse_expression(target, expr, offset, 0, set())


# ---------------------------------------------------------------- parsing

def test_unnamed_subexpressions_get_numbered_names_in_computing_order():
    made = nodes("f = x^2 + x*y + y^2")
    assert [(n.name, n.op, n.args) for n in made] == [
        ("f_1", "pow", ("x", 2.0)), ("f_2", "mul", ("x", "y")), ("f_3", "add", ("f_1", "f_2")),
        ("f_4", "pow", ("y", 2.0)), ("f", "add", ("f_3", "f_4"))]
    assert [n.generated for n in made] == [True, True, True, True, False]


def test_caret_is_a_power_that_binds_tighter_than_plus_and_unary_minus():
    # Python's own ^ is xor and binds looser than +: x^2 + 1 must not be x ^ (2 + 1)
    v = grads("f = x^2 + 1", x=3)
    assert v["f"] == 10.0
    assert grads("f = -x^2", x=3)["f"] == -9.0
    assert grads("f = x**3", x=2)["f"] == 8.0
    assert grads("f = 2^-1 * x", x=4)["f"] == 2.0


@pytest.mark.parametrize("text, column, words", [
    ("f = x +* 2", 8, "not a valid expression"),
    ("f = exps(x)", 5, "unknown function 'exps' (did you mean 'exp'?)"),
    ("f = x < 2", 5, "a comparison is not allowed"),
    ("f = x % 2", 5, "the operator '%' is not allowed"),
    ("f = __import__('os')", 5, "unknown function '__import__'"),
    ("f = x.real", 5, "an attribute (a.b) is not allowed"),
    ("f = max(x)", 5, "max() takes 2 arguments, got 1"),
    ("f = exp", 5, "'exp' is a function"),
    ("f = 'a'", 5, "'a' is not a number"),
    ("f = x^", 7, "ends too early"),
    ("f = 2 * (x + y", 9, "was never closed"),
])
def test_a_bad_expression_is_one_message_with_its_column(text, column, words):
    with pytest.raises(ParseError) as info:
        nodes(text)
    assert info.value.column == column and words in info.value.message


def test_never_evaluates_the_text():
    # eval("__import__('os').getcwd()") would run; the whitelist refuses it before anything runs
    with pytest.raises(UsageError, match="unknown function"):
        graph_problem_from_text("f = __import__('os').getcwd()", {})


def test_assignments_in_order_a_name_used_before_its_assignment_is_an_error():
    with pytest.raises(UsageError, match="'s' is used before assignment 2 assigns it"):
        graph_problem_from_text("L = s^2; s = x - 1", {"x": 1})
    with pytest.raises(UsageError, match="already assigned"):
        graph_problem_from_text("s = x; s = x + 1", {"x": 1})
    with pytest.raises(UsageError, match="rename 'f_1'"):
        graph_problem_from_text("g = f_1 + 1; f = x^2 + x", {"x": 1, "f_1": 2})


def test_a_generated_name_can_be_used_by_a_later_assignment():
    v = grads("f = x^2 + 1; g = 3 * f_1", x=2)
    assert v["g"] == 12.0 and v["dg/dx"] == 12.0   # g = 3 x^2, dg/dx = 6x


def test_deeply_nested_expressions_are_handled_or_refused_without_recursion_error():
    # depth 1,000: a sum of 1,000 terms is a left-nested tree 1,000 deep; the walk is iterative
    v = grads("f = " + " + ".join(["x"] * 1000), x=0.5)
    assert v["f"] == 500.0 and v["df/dx"] == 1000.0
    v = grads("f = " + "-" * 1000 + "x", x=2.0)     # 1,000 unary minus: even, so f = x
    assert v["f"] == 2.0 and v["df/dx"] == 1.0
    # 1,000 nested parentheses: Python's parser stops at 200; refused with a message
    with pytest.raises(UsageError, match="too many nested parentheses"):
        graph_problem_from_text("f = " + "exp(" * 1000 + "x" + ")" * 1000, {"x": 0})
    # 20,000 terms: Python's parser itself runs out of stack; refused with a message, not a RecursionError
    with pytest.raises(UsageError, match="nested too deeply"):
        graph_problem_from_text("f = " + " + ".join(["x"] * 20000), {"x": 0})


# ---------------------------------------------------------------- operations

@pytest.mark.parametrize("text, x, value, derivative", [
    ("f = relu(x)", 0.0, 0.0, 0.0),         # relu'(0) = 0
    ("f = relu(x)", 2.0, 2.0, 1.0),
    ("f = relu(x)", -2.0, 0.0, 0.0),
    ("f = abs(x)", 0.0, 0.0, 0.0),          # abs'(0) = 0
    ("f = abs(x)", -3.0, 3.0, -1.0),
    ("f = sigmoid(x)", 0.0, 0.5, 0.25),
    ("f = tanh(x)", 0.0, 0.0, 1.0),
    ("f = exp(x)", 0.0, 1.0, 1.0),
    ("f = log(x)", 2.0, math.log(2.0), 0.5),
    ("f = sqrt(x)", 4.0, 2.0, 0.25),
    ("f = sin(x)", 0.0, 0.0, 1.0),
    ("f = cos(x)", 0.0, 1.0, 0.0),
    ("f = 1 / x", 2.0, 0.5, -0.25),
    ("f = x^3", 2.0, 8.0, 12.0),
    ("f = 2^x", 3.0, 8.0, 8.0 * math.log(2.0)),
])
def test_each_operation_value_and_local_derivative(text, x, value, derivative):
    v = grads(text, x=x)
    assert math.isclose(v["f"], value, abs_tol=1e-15) and math.isclose(v["df/dx"], derivative, abs_tol=1e-15)


def test_max_and_min_send_a_tie_to_the_first_argument():
    v = grads("f = max(a, b)", a=1.0, b=1.0)
    assert (v["df/da"], v["df/db"]) == (1.0, 0.0)
    v = grads("f = min(a, b)", a=1.0, b=1.0)
    assert (v["df/da"], v["df/db"]) == (1.0, 0.0)
    v = grads("f = max(a, b)", a=1.0, b=2.0)
    assert (v["df/da"], v["df/db"]) == (0.0, 1.0)


@pytest.mark.parametrize("text, values, words", [
    ("f = log(x)", {"x": 0}, "node f = log(x): log of a non-positive number (x = 0)"),
    ("s = x - 1; f = log(s)", {"x": 0}, "node f = log(s): log of a non-positive number (s = -1)"),
    ("f = x / y", {"x": 1, "y": 0}, "node f = x/y: division by zero (x = 1, y = 0)"),
    ("f = sqrt(x)", {"x": -1}, "node f = sqrt(x): sqrt of a negative number (x = -1)"),
    ("f = x^0.5", {"x": -8}, "not a real number (x = -8)"),
    ("f = x^-1", {"x": 0}, "zero to a negative power"),
    ("f = exp(x)", {"x": 1000}, "node f = exp(x): the value overflows float64 (x = 1000)"),
    ("f = sqrt(x)", {"x": 0}, "the local derivative with respect to x is not finite"),
    ("f = x^y", {"x": -2, "y": 2}, "the local derivative with respect to y is not finite"),
])
def test_a_domain_error_names_the_node_and_the_values(text, values, words):
    with pytest.raises(ComputeError) as info:
        build_graph_trace(graph_problem_from_text(text, values))
    assert words in str(info.value)


def test_a_variable_on_several_paths_gets_the_sum_of_the_paths():
    # f = x*y + x: x reaches f through x*y (dy) and directly (1): df/dx = y + 1
    t = build_graph_trace(graph_problem_from_text("f = x*y + x", {"x": 2, "y": 5}))
    assert t["df/dx"].value == 6.0
    assert t["df/dx"].inputs == ("df/df_1", "df_1/dx", "df/df", "local.df/dx")
    from nncalc.graph.render import explain_lines

    text = "\n".join(explain_lines(t, width=None))
    assert "x reaches f on 2 paths, through f_1, f: the chain rule adds them" in text
    assert "∂f/∂x = 5 + 1 = 6" in text


def test_x_times_x_sums_both_argument_slots_in_one_local_derivative():
    v = grads("f = x * x", x=3)
    assert v["local.df/dx"] == 6.0 and v["df/dx"] == 6.0


def test_a_node_off_the_outputs_paths_has_gradient_zero():
    v = grads("a = 2 * u; g = 3 * x; f = x + 1", u=1, x=1)
    assert v["df/du"] == 0.0 and v["df/da"] == 0.0 and v["df/dg"] == 0.0 and v["df/dx"] == 1.0


# ---------------------------------------------------------------- names

def test_names_follow_the_contract(write_problem):
    from nncalc.problem import load_problem

    t = build_graph_trace(load_problem(write_problem(TU_BERLIN)))
    names = set(t.quantities)
    assert {"x", "w", "y", "yhat", "s", "L", "dL/dL", "dL/ds", "dL/dyhat", "dL/dx", "dL/dw", "dL/dy",
            "ds/dyhat", "ds/dy", "dyhat/dx", "dyhat/dw", "local.dL/ds", "eta", "new.w"} == names
    assert t["new.w"].value == pytest.approx(1.2, rel=1e-15)
    assert t["w"].kind == "param" and t["x"].kind == "input" and t["yhat"].kind == "node"


def test_with_an_upstream_gradient_the_gradients_are_of_L_beyond_the_graph():
    t = build_graph_trace(graph_problem_from_text("z = x*y", {"x": 2, "y": 3}, upstream=5))
    assert t["dL/dz"].value == 5.0 and t["dz/dx"].value == 3.0 and t["dL/dx"].value == 15.0
    with pytest.raises(UsageError, match="rename the graph's own 'L'"):
        graph_problem_from_text("L = x*y", {"x": 2, "y": 3}, upstream=5)


def test_the_checker_reads_the_slides_spellings(write_problem):
    from nncalc.graph.names import GraphNames
    from nncalc.problem import load_problem

    names = GraphNames(build_graph_trace(load_problem(write_problem(TU_BERLIN))))
    for written in ("dL/dw", "∂L/∂w", "dL_dw", "dLdw", "d L / d w", "dloss/dw", "grad_w", "∂L/∂w@1"):
        assert names.resolve(written) == "dL/dw", written
    for written in ("∂L/∂ŷ", "dL/dYhat", "dL_dyhat"):
        assert names.resolve(written) == "dL/dyhat", written
    assert names.resolve("ŷ") == "yhat" and names.resolve("∂s/∂ŷ") == "ds/dyhat"
    assert names.resolve("w+") == names.resolve("w_new") == names.resolve("new_w") == "new.w"
    assert names.resolve("η") == "eta"
    assert names.resolve("dL/dq") is None
    assert "did you mean" in names.why_unknown("dL/dww")


# ---------------------------------------------------------------- checking answers

def _check(write_problem, answers: str):
    from nncalc.grading import run_check

    problem = write_problem(TU_BERLIN, "tu.yaml")
    sheet = write_problem(answers, "answers.yaml")
    return {r.name: r for r in run_check(str(problem), [sheet]).files[0].results}


def test_check_correct_carried_forward_and_wrong_with_the_graphs_own_dependencies(write_problem):
    results = _check(write_problem, """\
        answers:
          yhat: 1.00
          s: -1.50          # wrong: 1 - 2 is -1
          "∂L/∂s": -3.00    # 2s from their s: carried forward
          dL_dyhat: -3.00   # carried forward
          dLdw: -3.00       # carried forward (through their dL/dyhat)
          dL/dy: 2.50       # wrong from their own numbers too: -(-3) = 3
          w+: 1.30          # carried forward from their dL/dw
        """)
    verdicts = {n: r.verdict for n, r in results.items()}
    assert verdicts == {"yhat": "correct", "s": "wrong", "dL/ds": "carried_forward",
                        "dL/dyhat": "carried_forward", "dL/dw": "carried_forward", "dL/dy": "wrong",
                        "new.w": "carried_forward"}
    assert results["dL/dw"].sources == ("dL/dyhat",) and results["dL/dw"].roots == ("s",)
    assert results["dL/dy"].carried == pytest.approx(3.0)


def test_check_names_the_mistake_of_a_missing_path(write_problem):
    from nncalc.grading import run_check

    problem = write_problem("""\
        graph:
          - f = x*y + x
        values: {x: 2, y: 5}
        """, "p.yaml")
    sheet = write_problem("answers:\n  df/dx: 5.0\n", "a.yaml")
    result = run_check(str(problem), [sheet]).files[0].results[0]
    assert result.verdict == "wrong" and "the paths through the other nodes not added" in result.diagnosis
    assert "only the path through f_1" in result.diagnosis


def test_check_names_a_left_out_upstream_gradient(tmp_path):
    from nncalc.grading import run_check

    sheet = tmp_path / "a.yaml"
    sheet.write_text("answers:\n  dL/dx: 3.0\n")
    result = run_check("graph-local-gradient", [sheet]).files[0].results[0]
    assert result.verdict == "wrong" and "upstream gradient left out" in result.diagnosis


# ---------------------------------------------------------------- problem files

@pytest.mark.parametrize("text, words", [
    ("graph: [f = x]\nvalues: {}\n", "values: missing the value of x"),
    ("graph: [f = x]\nvalues: {x: 1, z: 2}\n", "values.z: 'z' is not used by the graph"),
    ("graph: [f = x]\nvalues: {x: 1, f: 2}\n", "values.f: 'f' is assigned in the graph"),
    ("graph: [f = x]\nvalues: {x: one}\n", "values.x: expected a number"),
    ("graph: [f = x]\nvalues: {x: 1}\noutput: x\n", "output: 'x' is not an assigned node (a leaf"),
    ("graph: [f = x]\nvalues: {x: 1}\nparameters: [q]\n", "parameters[0]: 'q' is not a leaf"),
    ("graph: [f = x]\nvalues: {x: 1}\nnetwrk: 1\n", "unknown key 'netwrk'"),
    ("graph:\n  - f = x\n  - g = f +* 2\nvalues: {x: 1}\n", ":3: graph[1]: column 8: not a valid expression"),
    ("graph: []\n", "graph: expected a list of assignments"),
])
def test_a_bad_graph_file_is_one_line_with_the_place(write_problem, text, words):
    from nncalc.problem import load_problem

    with pytest.raises(ProblemError) as info:
        load_problem(write_problem(text))
    assert words in str(info.value)


def test_a_domain_error_in_a_file_names_the_yaml_line(write_problem, cli):
    path = write_problem("graph:\n  - s = x - 1\n  - f = log(s)\nvalues: {x: 0}\n")
    result = cli("backprop", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"nncalc: error: {path}:3: graph[1]: node f = log(s): log of a non-positive number (s = -1)"


# ---------------------------------------------------------------- commands

def test_backprop_on_a_graph_file_shows_both_tables_at_80_columns(write_problem, cli):
    result = cli("backprop", str(write_problem(TU_BERLIN)))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Forward pass, node by node" in out and "Backward pass: ∂L/∂X = Σ ∂c/∂X·∂L/∂c over the nodes c using X" in out
    assert "ŷ      x·w          1·1             1.000000000" in out
    assert "w   ∂ŷ/∂w         x          1.000000000   -2.000000000   -2.000000000" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_backprop_explain_writes_the_chain_as_the_deck_does(write_problem, cli):
    out = cli("backprop", str(write_problem(TU_BERLIN)), "--explain").stdout
    assert "∂L/∂w = ∂L/∂s · ∂s/∂ŷ · ∂ŷ/∂w = 2s · 1 · x = 2·(-1)·1·1 = -2" in out
    assert "w+ = w - η·∂L/∂w = 1 - 0.1·(-2) = 1.2" in out


def test_ascii_explain(write_problem, cli, monkeypatch):
    monkeypatch.setenv("NNCALC_ASCII", "1")
    out = cli("backprop", str(write_problem(TU_BERLIN)), "-e").stdout
    assert "dL/dw = dL/ds * ds/dyhat * dyhat/dw = 2s * 1 * x = 2*(-1)*1*1 = -2" in out and "∂" not in out


def test_set_changes_a_leaf(write_problem, cli):
    out = cli("backprop", str(write_problem(TU_BERLIN)), "--set", "x=3", "-f", "json").stdout
    values = json.loads(out)["values"]
    assert values["x"] == 3.0 and values["dL/dw"] == 6.0    # 2 (3w - y) x = 2 * 1 * 3
    bad = cli("backprop", str(write_problem(TU_BERLIN)), "--set", "s=3")
    assert bad.exit_code == 2 and "not a leaf of the graph (a computed node" in bad.stderr


def test_json_and_output_file(write_problem, cli, tmp_path):
    out = tmp_path / "out.json"
    result = cli("backprop", str(write_problem(TU_BERLIN)), "-f", "json", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    data = json.loads(out.read_text())
    assert data["kind"] == "graph" and data["values"]["dL/dw"] == -2.0
    assert data["graph"]["dL/dw"] == {"kind": "grad", "op": "sumprod", "inputs": ["dL/dyhat", "dyhat/dw"]}


def test_forward_markdown_and_summary(write_problem, cli):
    path = str(write_problem(TU_BERLIN))
    md = cli("forward", path, "-f", "markdown").stdout
    assert "| ŷ | x·w | 1·1 | 1.000000000 |" in md and "Backward" not in md
    summary = cli("summary", path).stdout
    assert "3 leaves (x, w, y), 3 nodes (3 assigned, 0 generated), output L" in summary
    assert "pow         ^            1" in summary


def test_check_command_on_the_files_own_answers(write_problem, cli):
    result = cli("check", str(write_problem(TU_BERLIN)))
    assert result.exit_code == 0 and "dL/dw" in result.stdout and "correct" in result.stdout


def test_train_on_a_graph_says_it_is_a_graph(cli):
    result = cli("train", "graph-circuit")
    assert result.exit_code == 2 and "this is a computational graph (graph:), not a network" in result.stderr


def test_grad_one_line_form(cli):
    result = cli("grad", "f = x^2 + x*y + y^2", "x=1", "y=2", "-f", "json")
    assert result.exit_code == 0, result.stderr
    v = json.loads(result.stdout)["values"]
    assert (v["f"], v["df/dx"], v["df/dy"]) == (7.0, 4.0, 5.0)
    several = cli("grad", "yhat = x*w; s = yhat - y; L = s^2", "x=1", "w=1", "y=2", "-e", "-p", "w")
    assert "∂L/∂w = ∂L/∂s · ∂s/∂ŷ · ∂ŷ/∂w = 2s · 1 · x = 2·(-1)·1·1 = -2" in several.stdout
    assert "w+ = w - η·∂L/∂w = 1 - 0.1·(-2) = 1.2" in several.stdout
    upstream = json.loads(cli("grad", "z = x*y", "x=2", "y=3", "--upstream", "5", "-f", "json").stdout)["values"]
    assert (upstream["dL/dx"], upstream["dL/dy"]) == (15.0, 10.0)


@pytest.mark.parametrize("args, words", [
    (("f = x^",), "assignment 1: column 7: the expression ends too early"),
    (("f = x*y", "x=1"), "values: missing the value of y"),
    (("f = x", "x=a"), "'x=a': expected NAME=NUMBER"),
    (("f = log(x)", "x=-1"), "node f = log(x): log of a non-positive number (x = -1)"),
])
def test_grad_errors_are_one_line(cli, args, words):
    result = cli("grad", *args)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_symbolic_gives_the_formula_and_its_value(cli):
    pytest.importorskip("sympy", reason="--symbolic needs the symbolic extra (SymPy)")
    out = cli("grad", "f = x^2 + x*y + y^2", "x=1", "y=2", "--symbolic").stdout
    assert "∂f/∂x = 2·x + y = 4" in out and "∂f/∂y = x + 2·y = 5" in out


def test_backprop_symbolic_on_a_graph_file_and_refused_for_a_network(cli, tmp_path):
    pytest.importorskip("sympy", reason="--symbolic needs the symbolic extra (SymPy)")
    out = tmp_path / "worked.md"
    result = cli("backprop", "graph-partial-derivative", "--symbolic", "-f", "markdown", "-o", str(out))
    assert result.exit_code == 0 and "∂f/∂x = 2·x + y = 4" in out.read_text()
    data = json.loads(cli("backprop", "graph-circuit", "-s", "-f", "json").stdout)
    assert data["symbolic"]["df/dx"] == {"formula": "z", "value": -4.0}
    network = cli("backprop", "nnbasic", "--symbolic")
    assert network.exit_code == 2 and "--symbolic writes a computational graph's gradients" in network.stderr


def test_symbolic_agrees_with_backprop_on_every_bundled_graph():
    pytest.importorskip("sympy", reason="--symbolic needs the symbolic extra (SymPy)")
    from nncalc.bundled import bundled_problems
    from nncalc.graph import is_graph_problem
    from nncalc.graph.symbolic import symbolic_gradients
    from nncalc.problem import load_problem

    for path in bundled_problems().values():
        p = load_problem(path)
        if is_graph_problem(p):
            t = build_graph_trace(p)
            for name, (_, value) in symbolic_gradients(p).items():
                assert math.isclose(value, t[name].value, rel_tol=1e-12, abs_tol=1e-12), (path.name, name)


def test_symbolic_without_sympy_says_how_to_install_it(cli, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sympy", None)       # import sympy now raises ImportError
    result = cli("grad", "f = x^2", "x=1", "--symbolic")
    assert result.exit_code == 2
    assert "--symbolic needs SymPy, an optional extra: pip install 'nncalc[symbolic]'" in result.stderr


def test_every_bundled_graph_fits_80_columns_in_every_view(cli):
    from nncalc.bundled import bundled_problems

    for name in (n for n in bundled_problems() if n.startswith("graph-") and n != "graph-xw"):
        for args in ((), ("-e",)):
            out = cli("backprop", name, *args).stdout
            assert all(len(line) <= 80 for line in out.splitlines()), (name, args)


def test_the_python_api_works_on_a_graph():
    import nncalc

    p = nncalc.load("graph-sigmoid-neuron")
    assert "computational graph, output f" in repr(p) and p.parameters() == {"w0": 2.0, "w1": -3.0, "w2": -3.0}
    assert p.backprop()["df/dw2"] == pytest.approx(0.19661193324148185, rel=1e-12)
    assert nncalc.check("graph-circuit", {"df/dx": "-4.0", "∂f/∂z": "3.0"}).all_correct


def test_names_lists_every_graph_quantity_in_the_slides_spelling(cli):
    from nncalc.bundled import resolve
    from nncalc.graph.names import GraphNames
    from nncalc.problem import load_problem

    rows = json.loads(cli("names", "graph-squared-error", "-f", "json").stdout)["names"]
    slides = {r["name"]: r["slides"] for r in rows}
    assert slides["dloss/dw"] == "∂loss/∂w" and slides["ds/dyhat"] == "∂s/∂ŷ" and slides["new.w"] == "w+"
    assert slides["local.dloss/ds"] == "local.∂loss/∂s"
    names = GraphNames(build_graph_trace(load_problem(resolve("graph-squared-error"))))
    assert all(names.resolve(r["slides"]) == r["name"] and names.resolve(r["typed"]) == r["name"] for r in rows)
